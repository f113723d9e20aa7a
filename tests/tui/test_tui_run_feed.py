"""The hand-over of run events from worker threads to the screen: thread-safe and bounded."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from tui_fixtures import wait_for

from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.runs.journal import (
    Heartbeat,
    LogLine,
    RunEvents,
    RunOutcome,
    RunProgress,
    RunStarted,
)
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.run_feed import RunFeed
from orderio_tui.tui.widgets.run_log import MAX_PANEL_LINES, RunLogPanel

AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_lines_from_many_threads_all_arrive_in_one_batch() -> None:
    events = RunEvents()
    feed = RunFeed(max_lines=10_000)
    events.subscribe(feed)

    def emit(run_id: int) -> None:
        for n in range(1000):
            events.emit(LogLine(run_id, AT, "INFO", f"line {n}", f"config-{run_id}"))

    threads = [threading.Thread(target=emit, args=(run_id,)) for run_id in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batch = feed.drain()
    assert len(batch.lines) == 4000 and batch.dropped_lines == 0
    for run_id in range(1, 5):
        mine = [line for line in batch.lines if f"config-{run_id} #{run_id} " in line]
        assert [line.rsplit(" ", 1)[1] for line in mine] == [str(n) for n in range(1000)]
    assert feed.drain().lines == []


def test_a_feed_that_is_not_drained_keeps_only_the_newest_lines() -> None:
    feed = RunFeed(max_lines=100)
    for n in range(1000):
        feed(LogLine(7, AT, "INFO", f"line {n}", "erp-export"))
    batch = feed.drain()
    assert len(batch.lines) == 100
    assert batch.lines[-1].endswith("line 999") and batch.lines[0].endswith("line 900")
    assert batch.dropped_lines == 900


def test_outcomes_and_the_latest_heartbeat_are_handed_over() -> None:
    feed = RunFeed()
    outcome = RunOutcome(3, RunKind.EXPORT, "erp-export", "demo-b2c", RunState.SUCCEEDED)
    feed(outcome)
    feed(Heartbeat("a", AT, None, None))
    feed(Heartbeat("b", AT, "erp-export", AT))
    batch = feed.drain()
    assert batch.finished == [outcome] and batch.runs_changed
    assert batch.heartbeat is not None and batch.heartbeat.owner == "b"


async def test_the_log_panel_is_fed_in_batches_and_keeps_a_bounded_number_of_lines(
    app: OrderioApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one(RunLogPanel)

        def flood() -> None:
            for n in range(MAX_PANEL_LINES + 500):
                app.events.emit(LogLine(9, AT, "INFO", f"line {n}", "erp-export"))

        thread = threading.Thread(target=flood)
        thread.start()
        thread.join()
        await wait_for(pilot, lambda: panel.lines and panel.lines[-1].endswith(" line 2499"))
        assert len(panel.lines) <= MAX_PANEL_LINES


async def test_a_run_finished_in_another_thread_is_announced(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        outcome = RunOutcome(99, RunKind.EXPORT, "erp-export", "demo-b2c", RunState.PARTIAL)
        threading.Thread(target=app.events.emit, args=(outcome,)).start()
        await wait_for(pilot, lambda: 99 in app.announced_runs, what="the notification")


def test_a_log_line_without_its_configuration_is_named_from_the_start_of_its_run() -> None:
    feed = RunFeed()
    feed(RunStarted(3, RunKind.EXPORT, "erp-export", "demo-b2c", Trigger.SCHEDULE, AT))
    feed(LogLine(3, AT, "INFO", "no order matches the conditions"))
    feed(LogLine(4, AT, "INFO", "a run this feed did not see start"))
    lines = feed.drain().lines
    assert "INFO    erp-export #3  no order matches the conditions" in lines[0]
    assert "INFO    #4  a run" in lines[1]


async def test_runs_that_succeed_elsewhere_raise_no_toast_failures_do(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        for run_id in range(1, 6):  # as a schedule every second would
            app.events.emit(
                RunOutcome(run_id, RunKind.EXPORT, "erp-export", "demo-b2c", RunState.SUCCEEDED)
            )
        app.events.emit(RunOutcome(6, RunKind.EXPORT, "erp-export", "demo-b2c", RunState.FAILED))
        await wait_for(pilot, lambda: 6 in app.announced_runs, what="the failure's toast")
        await wait_for(pilot, lambda: app.screen.query("Toast"), what="the toast on screen")
        await pilot.pause(0.3)
        assert app.announced_runs == {6}
        assert len(app.screen.query("Toast")) == 1


def test_the_feed_keeps_the_latest_progress_of_each_run_until_it_ends() -> None:
    feed = RunFeed()

    def progress(run_id: int, done: int) -> RunProgress:
        return RunProgress(run_id, RunKind.EXPORT, f"c{run_id}", "shop", done, 10, "orders", AT)

    for done in (1, 2, 3):
        feed(progress(1, done))
    feed(progress(2, 5))
    batch = feed.drain()
    assert {run_id: event.done for run_id, event in batch.progress.items()} == {1: 3, 2: 5}
    assert feed.drain().progress == {}
    feed(progress(1, 4))
    feed(RunOutcome(1, RunKind.EXPORT, "c1", "shop", RunState.SUCCEEDED))
    batch = feed.drain()
    assert batch.progress == {} and [o.run_id for o in batch.finished] == [1]
