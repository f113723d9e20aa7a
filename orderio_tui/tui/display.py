"""How values look on screen: times (in the selected channel's time zone), durations, counts,
states."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.text import Text

from ..domain.scheduling import Schedule
from ..domain.statuses import ScheduleMode, ScheduleUnit

#: Shown for a value that is not set.
NOTHING = "–"

#: The zone times are shown in: the selected channel's (None: the machine's).
_ZONE: tzinfo | None = None


def show_times_in(zone: str | None) -> None:
    """Show every time from now on in ``zone`` (the selected channel's IANA time zone)."""
    global _ZONE
    try:
        _ZONE = ZoneInfo(zone) if zone else None
    except (ZoneInfoNotFoundError, ValueError):
        _ZONE = None


def shown_zone() -> tzinfo | None:
    """The zone times are shown in, and typed times are read in (None: the machine's)."""
    return _ZONE


def shown_time(value: datetime) -> datetime:
    """``value`` in the zone times are shown in."""
    return value.astimezone(_ZONE) if _ZONE is not None else value.astimezone()


_STATE_STYLES = {
    "RUNNING": "bold",
    "SUCCEEDED": "green",
    "PARTIAL": "yellow",
    "FAILED": "bold red",
    "SKIPPED": "dim",
}


def local_short(value: datetime | None, *, seconds: bool = False) -> str:
    """An aware datetime as local "12:05" when it is today, else "09 May 12:05", for lists
    (with ``seconds``: "12:05:03", for what happens more than once a minute)."""
    if value is None:
        return NOTHING
    return local_soon(value, seconds=seconds)


def local_day_time(value: datetime | None) -> str:
    """An aware datetime as local "09 May 12:05:03" for the run history."""
    if value is None:
        return NOTHING
    return shown_time(value).strftime("%d %b %H:%M:%S")


def local_full(value: datetime | None) -> str:
    """An aware datetime as local "2026-05-09 12:05:03" for details and history."""
    if value is None:
        return NOTHING
    return shown_time(value).strftime("%Y-%m-%d %H:%M:%S")


def local_soon(value: datetime, *, seconds: bool = False) -> str:
    """A time today as local "20:40" (or "20:40:05"), on another day as "27 Nov 02:00"."""
    local = shown_time(value)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    if local.date() == shown_time(datetime.now(UTC)).date():
        return local.strftime(clock)
    return local.strftime(f"%d %b {clock}")


_UNIT_SHORT = {
    ScheduleUnit.SECONDS: "s",
    ScheduleUnit.MINUTES: "min",
    ScheduleUnit.HOURS: "h",
    ScheduleUnit.DAYS: "d",
    ScheduleUnit.WEEKS: "wk",
}


def schedule_short(value: Schedule) -> str:
    """A schedule for a list column: "manual", "every 5 s", "every 1 d at 02:00", "monday"."""
    if value.mode is ScheduleMode.MANUAL:
        return "manual"
    if value.weekday is not None:
        text = value.weekday.value
    else:
        unit = _UNIT_SHORT[value.unit] if value.unit else "?"
        text = f"every {value.every} {unit}"
    if value.at:
        text += f" at {value.at}"
    return text if value.enabled else f"{text} (off)"


def sub_minute(value: Schedule) -> bool:
    """Whether ``value`` runs more than once a minute (its times need seconds)."""
    return (
        value.is_active
        and value.unit is ScheduleUnit.SECONDS
        and value.every is not None
        and value.every < 60
    )


def local_clock(value: datetime) -> str:
    """An aware datetime as local "12:05:03" for log lines and the status line."""
    return shown_time(value).strftime("%H:%M:%S")


def duration(seconds: float | None) -> str:
    """Seconds as "0.4 s", "12 s" or "3 min 05 s"."""
    if seconds is None:
        return NOTHING
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def counts(values: dict[str, int]) -> str:
    """Run counts as "selected 12 · exported 11 · failed 1"."""
    return " · ".join(f"{key} {number}" for key, number in values.items()) or NOTHING


def state(value: str | None) -> Text:
    """A run state, styled so that failures stand out (also without colour: bold)."""
    if not value:
        return Text(NOTHING)
    return Text(value, style=_STATE_STYLES.get(value, ""))
