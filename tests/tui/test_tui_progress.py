"""The progress of a run in the TUI: a bar per run above the log, a percentage in its row
(issue 18). Keys are sent with ``App.simulate_key``: ``Pilot.press`` waits for the app to go
idle, which it does not while the export works in its thread."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from textual.widgets import ProgressBar
from tui_fixtures import multiply_orders, wait_for

from orderio_tui.application.orders import list_orders
from orderio_tui.database import Database
from orderio_tui.domain.models import utcnow
from orderio_tui.domain.statuses import RunKind
from orderio_tui.engines.failpoints import ENV_VAR, PAUSE_ENV_VAR
from orderio_tui.runs.journal import RunProgress
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.widgets.run_progress import RunProgressLine, RunProgressPanel, counted_text

#: A 20,000-order export, as the issue asks: long enough for the bar to be seen at several points.
ORDERS = 20_000


def _bars(app: OrderioApp) -> list[tuple[float, float | None]]:
    return [(bar.progress, bar.total) for bar in app.screen.query(ProgressBar)]


async def test_the_bar_moves_during_a_20000_order_export_and_goes_at_its_end(
    app: OrderioApp, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel_orders = len(list_orders(db, channel="demo-b2c"))
    assert multiply_orders(db, "demo-b2c", math.ceil(ORDERS / channel_orders) - 1) >= ORDERS
    # The run waits after its first batch, so that the bar is seen before it moves on.
    monkeypatch.setenv(ENV_VAR, "export:while_writing")
    monkeypatch.setenv(PAUSE_ENV_VAR, "0.5")

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        panel = app.screen.query_one("#run-progress", RunProgressPanel)
        assert not panel.display and _bars(app) == []
        app.simulate_key("r")
        await wait_for(pilot, lambda: _bars(app), what="the progress bar")
        seen: set[float] = set()
        percentages: set[str] = set()
        while app.active_runs:
            for progress, total in _bars(app):
                assert total is not None and total > 500
                seen.add(progress)
            [row] = [row for row in exports.rows_by_id.values() if row.name == "bi-export"]
            state = str(exports.get_row(str(row.id))[4])
            if "%" in state:
                percentages.add(state)
            await pilot.pause(0.05)
        await wait_for(pilot, lambda: not _bars(app), what="the bar to go")
        assert not panel.display
        assert 500 in seen and len(seen) >= 2, seen
        assert percentages and all(p.startswith("RUNNING ") for p in percentages)


async def test_concurrent_runs_have_a_line_each_and_an_ended_run_loses_its_line(
    app: OrderioApp,
) -> None:
    at = utcnow()

    def event(run_id: int, done: int, total: int, seconds: int) -> RunProgress:
        moment = at + timedelta(seconds=seconds)
        return RunProgress(
            run_id, RunKind.EXPORT, f"c{run_id}", "demo-b2c", done, total, "orders", moment
        )

    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.query_one("#run-progress", RunProgressPanel)
        panel.show({1: event(1, 10, 100, 0), 2: event(2, 5, 50, 0)})
        await pilot.pause()
        panel.show({1: event(1, 60, 100, 2), 2: event(2, 5, 50, 0)})
        await pilot.pause()
        lines = {line.run_id: line for line in panel.query(RunProgressLine)}
        assert sorted(lines) == [1, 2]
        assert lines[1].query_one(ProgressBar).progress == 60
        assert "60/100 orders 25/s" in str(lines[1].query_one(".run-progress-count").render())
        panel.show({2: event(2, 50, 50, 1)})
        await pilot.pause()
        assert [line.run_id for line in panel.query(RunProgressLine)] == [2]
        panel.show({})
        await pilot.pause()
        assert not panel.display and not panel.query(RunProgressLine)


def test_the_count_of_files_names_the_entries_read() -> None:
    event = RunProgress(4, RunKind.IMPORT, "erp", "shop", 1, 3, "files", utcnow(), 12500)
    assert counted_text(event, 2500.0) == "1/3 files 12,500 entries 2,500/s"
    assert counted_text(event, None) == "1/3 files 12,500 entries"
