"""The progress throttle and reporter (orderio_tui.runs.progress)."""

from __future__ import annotations

import pytest

from orderio_tui.domain.statuses import RunKind
from orderio_tui.runs.journal import RunEvents, RunProgress
from orderio_tui.runs.progress import (
    PROGRESS_INTERVAL_ENV_VAR,
    ProgressReporter,
    Throttle,
    progress_interval,
)
from orderio_tui.settings import SettingError


def test_the_throttle_says_yes_first_and_then_once_per_interval() -> None:
    now = [100.0]
    throttle = Throttle(0.25, clock=lambda: now[0])
    answers = []
    for moment in (100.0, 100.1, 100.24, 100.25, 100.3, 100.6):
        now[0] = moment
        answers.append(throttle.ready())
    assert answers == [True, False, False, True, False, True]


def _reporter(total: int, interval: float) -> tuple[ProgressReporter, list[RunProgress]]:
    events = RunEvents()
    seen: list[RunProgress] = []
    events.subscribe(seen.append)  # type: ignore[arg-type]
    reporter = ProgressReporter(
        events,
        run_id=7,
        kind=RunKind.EXPORT,
        config="erp",
        channel="shop",
        unit="orders",
        total=total,
        interval=interval,
    )
    return reporter, seen


def test_the_first_and_the_complete_event_always_go_out() -> None:
    reporter, seen = _reporter(10, interval=3600)
    for done in range(1, 11):
        reporter.advance(done)
    reporter.finish()
    assert [(e.done, e.total, e.fraction) for e in seen] == [(1, 10, 0.1), (10, 10, 1.0)]


def test_a_step_that_ends_short_of_its_total_ends_at_what_was_done() -> None:
    reporter, seen = _reporter(10, interval=3600)
    reporter.advance(4)
    reporter.finish()
    assert [(e.done, e.total, e.fraction) for e in seen] == [(4, 10, 0.4), (4, 4, 1.0)]


def test_nothing_to_do_is_complete() -> None:
    reporter, seen = _reporter(0, interval=0)
    reporter.finish()
    assert [(e.done, e.total, e.fraction) for e in seen] == [(0, 0, 1.0)]


def test_a_reporter_without_listeners_sends_nothing_and_does_not_fail() -> None:
    reporter = ProgressReporter(
        None, run_id=1, kind=RunKind.IMPORT, config="c", channel="s", unit="files", total=2
    )
    reporter.advance(1)
    reporter.finish()
    assert reporter.done == 1 and reporter.total == 1


def test_the_interval_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROGRESS_INTERVAL_ENV_VAR, "500")
    assert progress_interval() == 0.5
    monkeypatch.setenv(PROGRESS_INTERVAL_ENV_VAR, "fast")
    with pytest.raises(SettingError, match=PROGRESS_INTERVAL_ENV_VAR):
        progress_interval()
