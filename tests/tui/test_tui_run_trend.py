"""Sparklines of a configuration's last runs on the history and configuration screens
(issue 18)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from textual.widgets import Sparkline
from tui_fixtures import move_cursor_to, wait_for

from orderio_tui.application.configurations import resolve_configuration
from orderio_tui.application.runs import list_runs
from orderio_tui.database import Database
from orderio_tui.domain.models import Run
from orderio_tui.domain.statuses import RunKind, Trigger
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.history.screen import RunHistoryScreen
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.widgets.run_trend import TREND_RUNS, RunTrend, trend_of


def _ten_runs(db: Database) -> int:
    """Ten dry runs of erp-export (each selects the same orders), each a second longer."""
    with db.read() as session:
        erp = resolve_configuration(session, RunKind.EXPORT, "erp-export", "demo-b2c").id
    for _ in range(10):
        run_configuration(db, RunKind.EXPORT, erp, trigger=Trigger.CLI, dry_run=True)
    with db.write() as session:
        for n, run in enumerate(session.scalars(select(Run).order_by(Run.id)), start=1):
            run.finished_at = run.started_at + timedelta(seconds=n)
    return erp


def _sparklines(trend: RunTrend) -> tuple[list[float], list[float]]:
    durations = trend.query_one("#trend-durations", Sparkline).data
    counts = trend.query_one("#trend-counts", Sparkline).data
    return list(durations or []), list(counts or [])


async def test_the_history_and_the_configuration_screen_show_the_trend_of_10_runs(
    db: Database, app: OrderioApp
) -> None:
    erp = _ten_runs(db)
    exported = list_runs(db, configuration_id=erp, limit=1)[0].counts["exported"]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        await move_cursor_to(pilot, exports, str(erp))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        trend = app.screen.query_one("#history-trend", RunTrend)
        assert trend.display
        durations, counts = _sparklines(trend)
        assert durations == [float(n) for n in range(1, 11)]  # oldest first
        assert counts == [float(exported)] * 10
        assert "last 10 runs" in str(trend.query_one(".run-trend-title").render())
        assert "max 10 s" in str(trend.query_one("#trend-durations-most").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunHistoryScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportConfigurationScreen))
        trend = app.screen.query_one("#config-trend", RunTrend)
        assert trend.display
        assert _sparklines(trend) == (durations, counts)


async def test_a_configuration_without_runs_shows_no_trend(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportConfigurationScreen))
        assert not app.screen.query_one("#config-trend", RunTrend).display


def test_the_trend_takes_the_last_50_finished_runs_oldest_first(
    db: Database, app: OrderioApp
) -> None:
    erp = _ten_runs(db)
    runs = list_runs(db, configuration_id=erp, limit=None)
    many = (runs * 6)[: TREND_RUNS + 5]
    durations, _counts = trend_of(many, RunKind.EXPORT)
    assert len(durations) == TREND_RUNS
    assert durations[-1] == runs[0].duration_seconds
