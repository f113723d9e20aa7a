"""Schedule intervals are bounded where they are read (SPEC §17)."""

from __future__ import annotations

import pytest

from orderio_tui.domain.scheduling import MAX_EVERY, Schedule
from orderio_tui.domain.statuses import ScheduleMode, ScheduleUnit


@pytest.mark.parametrize("unit", list(ScheduleUnit))
@pytest.mark.parametrize("every", [10**15, 99999999999999999999, 10**30])
def test_huge_interval_is_a_validation_message_not_an_exception(
    unit: ScheduleUnit, every: int
) -> None:
    value = Schedule(mode=ScheduleMode.INTERVAL, every=every, unit=unit)
    problems = value.problems()
    assert [p.field for p in problems] == ["schedule_every"]
    assert "at most" in problems[0].message
    assert value.next_run() is None


@pytest.mark.parametrize("unit", list(ScheduleUnit))
def test_longest_allowed_interval_has_a_next_run(unit: ScheduleUnit) -> None:
    value = Schedule(mode=ScheduleMode.INTERVAL, every=MAX_EVERY[unit], unit=unit)
    assert value.problems() == []
    assert value.next_run() is not None


def test_a_time_of_day_is_wall_clock_time_in_the_channel_zone_across_dst() -> None:
    from datetime import UTC, datetime

    from orderio_tui.domain.scheduling import next_due_after

    daily = Schedule(mode=ScheduleMode.INTERVAL, every=1, unit=ScheduleUnit.DAYS, at="02:30")
    # 2026-03-28 in Berlin is CET (UTC+1); 2026-03-29 at 02:00 clocks go to 03:00 (CEST).
    before = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    first = next_due_after(daily, before, zone="Europe/Berlin")
    assert first == datetime(2026, 3, 28, 1, 30, tzinfo=UTC)
    after_change = next_due_after(daily, first, previous=first, zone="Europe/Berlin")
    later = next_due_after(daily, after_change, previous=after_change, zone="Europe/Berlin")
    assert later == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)  # 02:30 CEST
    in_new_york = next_due_after(daily, before, zone="America/New_York")
    assert in_new_york == datetime(2026, 3, 28, 6, 30, tzinfo=UTC)


def test_a_weekday_schedule_runs_on_that_weekday_in_the_channel_zone() -> None:
    from datetime import UTC, datetime

    from orderio_tui.domain.scheduling import next_due_after
    from orderio_tui.domain.statuses import Weekday

    mondays = Schedule(
        mode=ScheduleMode.INTERVAL,
        every=1,
        unit=ScheduleUnit.WEEKS,
        weekday=Weekday.MONDAY,
        at="06:00",
    )
    wednesday = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    due = next_due_after(mondays, wednesday, zone="Asia/Tokyo")
    assert due == datetime(2026, 12, 6, 21, 0, tzinfo=UTC)  # Monday 06:00 in Tokyo
    assert next_due_after(mondays, due, previous=due, zone="Asia/Tokyo") == datetime(
        2026, 12, 13, 21, 0, tzinfo=UTC
    )
