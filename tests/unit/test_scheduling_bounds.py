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
