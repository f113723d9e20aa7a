"""The Scheduling tab (SPEC §5) and how it maps onto the ``schedule`` library."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
        return self.mode is ScheduleMode.INTERVAL and self.enabled

    def problems(self) -> list[FieldProblem]:
        """Everything wrong with this schedule, one message per problem."""
        if self.mode is ScheduleMode.MANUAL:
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
        return builder.do(job)

    def next_run(self) -> datetime | None:
        """When the schedule would next fire if it were registered now (aware UTC)."""
        if not self.is_active or self.problems():
            return None
        scheduler = schedule.Scheduler()
        job = self.add_to(scheduler, lambda: None)
        if job.next_run is None:
            return None
        return job.next_run.astimezone().astimezone(UTC)


def schedule_of(configuration: Any) -> Schedule:
    """The :class:`Schedule` of an export or import configuration row."""
    return Schedule(
        mode=ScheduleMode(configuration.schedule_mode or ScheduleMode.MANUAL.value),
        every=configuration.schedule_every,
        unit=ScheduleUnit(configuration.schedule_unit) if configuration.schedule_unit else None,
        at=configuration.schedule_at or None,
        weekday=Weekday(configuration.schedule_weekday) if configuration.schedule_weekday else None,
        enabled=bool(configuration.schedule_enabled),
    )


def store_schedule(configuration: Any, value: Schedule) -> None:
    """Write a :class:`Schedule` into the columns of a configuration row."""
    configuration.schedule_mode = value.mode.value
    manual = value.mode is ScheduleMode.MANUAL
    configuration.schedule_every = None if manual else value.every
    configuration.schedule_unit = None if manual or value.unit is None else value.unit.value
    configuration.schedule_at = None if manual else value.at
    configuration.schedule_weekday = (
        None if manual or value.weekday is None else value.weekday.value
    )
    configuration.schedule_enabled = value.enabled
