"""The Scheduling tab (SPEC §5) and how it maps onto the ``schedule`` library."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import schedule

from ..errors import FieldProblem, echo
from .statuses import ScheduleMode, ScheduleUnit, Weekday

_AT_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# The longest interval a schedule may have, per unit: one year. Anything longer is a typing
# mistake, and the ``schedule`` library (datetime arithmetic) overflows on huge values.
MAX_EVERY: dict[ScheduleUnit, int] = {
    ScheduleUnit.SECONDS: 366 * 24 * 3600,
    ScheduleUnit.MINUTES: 366 * 24 * 60,
    ScheduleUnit.HOURS: 366 * 24,
    ScheduleUnit.DAYS: 366,
    ScheduleUnit.WEEKS: 52,
}


@dataclass(frozen=True)
class Schedule:
    """When a configuration runs by itself. ``at`` is local time "HH:MM"."""

    mode: ScheduleMode = ScheduleMode.MANUAL
    every: int | None = None
    unit: ScheduleUnit | None = None
    at: str | None = None
    weekday: Weekday | None = None
    enabled: bool = True

    @property
    def is_active(self) -> bool:
        """Whether the scheduler should run it."""
        return self.mode is not ScheduleMode.MANUAL and self.enabled

    @property
    def on_order_creation(self) -> bool:
        """Runs when new orders were committed in the channel, not on a clock (SPEC §14)."""
        return self.mode is ScheduleMode.ON_ORDER_CREATION

    def problems(self) -> list[FieldProblem]:
        """Everything wrong with this schedule, one message per problem."""
        if self.mode in (ScheduleMode.MANUAL, ScheduleMode.ON_ORDER_CREATION):
            return []
        found: list[FieldProblem] = []
        if self.every is None or self.every < 1:
            found.append(
                FieldProblem("schedule_every", "'every' must be a whole number of 1 or more")
            )
        elif self.unit is not None and self.every > MAX_EVERY[self.unit]:
            found.append(
                FieldProblem(
                    "schedule_every",
                    f"'every' can be at most {MAX_EVERY[self.unit]} {self.unit.value} (one year)",
                )
            )
        if self.unit is None:
            found.append(
                FieldProblem("schedule_unit", "choose a unit: seconds, minutes, hours, days, weeks")
            )
        if self.at:
            if not _AT_PATTERN.match(self.at):
                found.append(
                    FieldProblem(
                        "schedule_at",
                        f"time of day '{echo(self.at)}' is not a valid HH:MM (00:00–23:59)",
                    )
                )
            elif self.unit not in (ScheduleUnit.DAYS, ScheduleUnit.WEEKS, None):
                found.append(
                    FieldProblem("schedule_at", "a time of day can only be set for days or weeks")
                )
        if self.weekday is not None:
            if self.unit is not ScheduleUnit.WEEKS:
                found.append(
                    FieldProblem("schedule_weekday", "a weekday can only be set for weeks")
                )
            elif self.every not in (None, 1):
                found.append(
                    FieldProblem(
                        "schedule_weekday", "a weekday can only be combined with 'every 1 weeks'"
                    )
                )
        return found

    def describe(self) -> str:
        """Short text for lists: "manual", "every 5 minutes", "every 1 days at 02:00"."""
        if self.mode is ScheduleMode.MANUAL:
            return "manual"
        if self.mode is ScheduleMode.ON_ORDER_CREATION:
            return "on order creation" + ("" if self.enabled else " (off)")
        text = f"every {self.every} {self.unit.value if self.unit else '?'}"
        if self.weekday:
            text = f"every {self.weekday.value}"
        if self.at:
            text += f" at {self.at}"
        if not self.enabled:
            text += " (off)"
        return text

    def add_to(self, scheduler: schedule.Scheduler, job: Callable[..., Any]) -> schedule.Job:
        """Register ``job`` on ``scheduler`` according to this schedule."""
        if not self.is_active or self.every is None or self.unit is None:
            raise ValueError("only an enabled interval schedule can be added to a scheduler")
        if self.weekday is not None:
            builder = getattr(scheduler.every(), self.weekday.value)
        else:
            builder = getattr(scheduler.every(self.every), self.unit.value)
        if self.at:
            builder = builder.at(self.at)
        added: schedule.Job = builder.do(job)
        return added

    def next_run(self, zone: str | None = None) -> datetime | None:
        """When the schedule would next fire if it were registered now (aware UTC); a time of
        day is read in ``zone`` (an IANA name, the channel's; default the machine's zone)."""
        if not self.is_active or self.on_order_creation or self.problems():
            return None
        if self.at or self.weekday:
            return _next_wall_time(self, datetime.now(UTC), None, zone)
        scheduler = schedule.Scheduler()
        job = self.add_to(scheduler, lambda: None)
        if job.next_run is None:
            return None
        return job.next_run.astimezone().astimezone(UTC)


_UNIT_SECONDS = {
    ScheduleUnit.SECONDS: 1,
    ScheduleUnit.MINUTES: 60,
    ScheduleUnit.HOURS: 3600,
    ScheduleUnit.DAYS: 86400,
    ScheduleUnit.WEEKS: 7 * 86400,
}


def interval_seconds(value: Schedule) -> int | None:
    """Length of one interval of an active, valid schedule in seconds (a week for a weekday)."""
    if not value.is_active or value.on_order_creation or value.problems():
        return None
    if value.every is None or value.unit is None:
        return None
    if value.weekday is not None:
        return _UNIT_SECONDS[ScheduleUnit.WEEKS]
    return value.every * _UNIT_SECONDS[value.unit]


def signature_of(value: Schedule, zone: str = "") -> str:
    """A text that changes whenever the schedule's due times would change (``zone``: the
    channel's time zone, which a time of day is read in)."""
    unit = value.unit.value if value.unit else ""
    weekday = value.weekday.value if value.weekday else ""
    return f"{value.mode.value}|{value.every or ''}|{unit}|{value.at or ''}|{weekday}|{zone}"


def _zone(name: str | None) -> tzinfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # an unknown stored zone: the machine's, rather than no schedule at all
    return datetime.now().astimezone().tzinfo or UTC


def _next_wall_time(
    value: Schedule, moment: datetime, previous: datetime | None, zone: str | None
) -> datetime:
    """The next time of day (``at``, default midnight) on the schedule's days, in ``zone``,
    strictly after ``moment``; daylight saving time changes keep the wall-clock time."""
    local = _zone(zone)
    hour, minute = (int(part) for part in (value.at or "00:00").split(":"))
    if value.weekday is not None:
        step_days = 7
    elif value.unit is ScheduleUnit.WEEKS:
        step_days = 7 * (value.every or 1)
    else:
        step_days = value.every or 1
    if previous is not None:
        day = previous.astimezone(local).date() + timedelta(days=step_days)
    else:
        day = moment.astimezone(local).date()
        if value.weekday is not None:
            wanted = list(Weekday).index(value.weekday)
            day += timedelta(days=(wanted - day.weekday()) % 7)
    while True:
        due = datetime.combine(day, time(hour, minute), tzinfo=local).astimezone(UTC)
        if due > moment:
            return due
        day += timedelta(days=step_days if previous is not None or value.weekday else 1)


def next_due_after(
    value: Schedule, moment: datetime, previous: datetime | None = None, zone: str | None = None
) -> datetime:
    """The first due time of ``value`` strictly after ``moment`` (aware UTC).

    A plain interval stays on the grid of ``previous`` (the due time just fired): ``previous``
    plus whole intervals, so that missed due times are skipped, not replayed. A time of day or a
    weekday is wall-clock time in ``zone`` (the channel's time zone, an IANA name).
    """
    seconds = interval_seconds(value)
    if seconds is None:
        raise ValueError("only an enabled, valid interval schedule has due times")
    if value.at is None and value.weekday is None:
        step = timedelta(seconds=seconds)
        if previous is None:
            return moment + step
        missed = max(0, int((moment - previous) / step))
        due = previous + step * (missed + 1)
        while due <= moment:
            due += step
        return due
    return _next_wall_time(value, moment, previous, zone)


def schedule_problems(value: Schedule, *, is_export: bool) -> list[FieldProblem]:
    """The problems of ``value`` as the schedule of an export (or an import) configuration."""
    found = value.problems()
    if value.on_order_creation and not is_export:
        found.append(
            FieldProblem(
                "schedule_mode",
                "only export configurations can run on order creation; choose manual or interval",
            )
        )
    return found


def read_schedule(configuration: Any) -> tuple[Schedule, str | None]:
    """The :class:`Schedule` of an export or import configuration row, and why it can not be
    scheduled (None when it can).

    Never raises: a stored value this version can not use (from an older version, or written by
    hand) is left out of the schedule and named in the problem instead.
    """
    found: list[str] = []
    mode = _stored_member(ScheduleMode, configuration.schedule_mode, "mode", found)
    if mode is None:
        # An unreadable mode is never run by itself; the problem says why.
        return Schedule(mode=ScheduleMode.MANUAL), _broken(found) if found else None
    if mode is ScheduleMode.MANUAL:
        return Schedule(mode=mode, enabled=bool(configuration.schedule_enabled)), None
    every = configuration.schedule_every
    if every is not None and (isinstance(every, bool) or not isinstance(every, int)):
        if isinstance(every, float) and every.is_integer():
            every = int(every)  # SQLite hands back integers beyond 64 bits as REAL
        else:
            found.append(f"'every' {_shown(every)} is not a whole number")
            every = None
    at = configuration.schedule_at
    value = Schedule(
        mode=mode,
        every=every,
        unit=_stored_member(ScheduleUnit, configuration.schedule_unit, "unit", found),
        at=None if at is None or at == "" else str(at),
        weekday=_stored_member(Weekday, configuration.schedule_weekday, "weekday", found),
        enabled=bool(configuration.schedule_enabled),
    )
    found.extend(problem.message for problem in value.problems())
    return value, _broken(found) if found else None


def schedule_of(configuration: Any) -> Schedule:
    """The :class:`Schedule` of a configuration row (see :func:`read_schedule`)."""
    return read_schedule(configuration)[0]


_Member = TypeVar("_Member", ScheduleMode, ScheduleUnit, Weekday)


def _stored_member(
    kind: type[_Member], stored: object, label: str, found: list[str]
) -> _Member | None:
    if stored is None or stored == "":
        return None
    try:
        return kind(str(stored))
    except ValueError:
        known = ", ".join(member.value for member in kind)
        found.append(f"{label} {_shown(stored)} is unknown (known: {known})")
        return None


def _shown(value: object, limit: int = 30) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _broken(found: list[str]) -> str:
    return f"stored schedule can not be used: {'; '.join(found)}: set the schedule again"


def store_schedule(configuration: Any, value: Schedule) -> None:
    """Write a :class:`Schedule` into the columns of a configuration row."""
    configuration.schedule_mode = value.mode.value
    manual = value.mode is not ScheduleMode.INTERVAL
    configuration.schedule_every = None if manual else value.every
    configuration.schedule_unit = None if manual or value.unit is None else value.unit.value
    configuration.schedule_at = None if manual else value.at
    configuration.schedule_weekday = (
        None if manual or value.weekday is None else value.weekday.value
    )
    configuration.schedule_enabled = value.enabled
