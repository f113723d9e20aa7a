"""An export configuration from start to end, by keyboard only (acceptance 1)."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import DataTable, Input, Select, SelectionList, Static, TabbedContent
from tui_fixtures import move_cursor_to, type_text, wait_for

from orderio_tui.application.configurations import load_export_form
from orderio_tui.database import Database
from orderio_tui.domain.models import ExportConfiguration
from orderio_tui.domain.statuses import ScheduleMode, ScheduleUnit
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.history.run_detail import RunDetailScreen
from orderio_tui.tui.history.screen import RunHistoryScreen
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.widgets.confirm import ConfirmScreen
from orderio_tui.tui.widgets.run_log import RunLogPanel


def stored_id(db: Database, name: str) -> int | None:
    with db.read() as session:
        return session.scalar(
            select(ExportConfiguration.id).where(ExportConfiguration.name == name)
        )


async def test_create_schedule_run_inspect_and_delete_an_export_configuration(
    app: OrderioApp, db: Database
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()

        # New → General → Apply
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportConfigurationScreen))
        screen = app.screen
        tabs = screen.query_one(TabbedContent)
        assert screen.query_one("#tab-conditions").disabled
        assert app.focused is screen.query_one("#name", Input)
        await type_text(pilot, "nightly-erp")
        await pilot.press("tab", "enter", "down", "down", "enter")
        assert screen.query_one("#service", Select).value == "erp-xml-export"
        await pilot.press("ctrl+s")
        await pilot.pause()
        configuration_id = stored_id(db, "nightly-erp")
        assert configuration_id is not None
        assert not screen.query_one("#tab-conditions").disabled

        # Actions: order NEW → INPROGRESS instead of EXPORTED
        await pilot.press("f6")
        await pilot.pause()
        assert tabs.active == "tab-actions"
        assert app.focused is not None and app.focused.id == "status_updates_enabled"
        # sources and targets come in status order: PENDING, NEW; INPROGRESS, EXPORTED
        await pilot.press("tab", "tab", "enter", "up", "enter")
        assert screen.query_one("#order_transition_NEW", Select).value == "INPROGRESS"

        # Scheduling: every 15 minutes
        await pilot.press("f6")
        await pilot.pause()
        assert tabs.active == "tab-scheduling"
        assert app.focused is not None and app.focused.id == "schedule_mode"
        await pilot.press("enter", "down", "enter")
        await pilot.press("tab")
        await type_text(pilot, "15")
        await pilot.press("tab", "enter", "down", "down", "enter")
        await pilot.pause()
        assert "every 15 minutes" in str(screen.query_one("#next-run", Static).render())

        # Conditions: PENDING orders too, and the live count
        await pilot.press("f6")
        await pilot.pause()
        assert tabs.active == "tab-conditions"
        statuses = screen.query_one("#order_statuses", SelectionList)
        assert app.focused is statuses
        await pilot.press("down", "space")
        assert set(statuses.selected) == {"NEW", "PENDING"}
        await wait_for(
            pilot,
            lambda: "match now" in str(screen.query_one("#match-count", Static).render()),
            what="the live count",
        )

        # Apply stores all four tabs
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = load_export_form(db, configuration_id)
        assert form.order_transitions["NEW"] == "INPROGRESS"
        assert form.schedule.mode is ScheduleMode.INTERVAL
        assert (form.schedule.every, form.schedule.unit) == (15, ScheduleUnit.MINUTES)
        assert form.order_statuses == ["PENDING", "NEW"]
        assert not screen.dirty

        # Back to the list: the new row is there with its schedule
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        assert exports.rows_by_id[configuration_id].schedule.describe() == "every 15 minutes"
        await move_cursor_to(pilot, exports, str(configuration_id))

        # Run: the log streams its lines, the row shows how it ended
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.active_runs, timeout=60, what="the run to end")
        await pilot.pause(0.3)
        log_text = "\n".join(app.screen.query_one(RunLogPanel).lines)
        assert "nightly-erp" in log_text and "exported" in log_text
        row = exports.rows_by_id[configuration_id]
        assert row.last_run_state in ("SUCCEEDED", "PARTIAL")
        assert exports.get_row(str(configuration_id))[4].plain == row.last_run_state

        # History → one run → its per-order results and log
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        runs = app.screen.query_one("#runs", DataTable)
        assert runs.row_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        results = app.screen.query_one("#results", DataTable)
        assert results.row_count > 0
        outcomes = {str(results.get_row_at(i)[2]) for i in range(results.row_count)}
        assert outcomes <= {"exported", "failed"} and "exported" in outcomes
        await pilot.press("f6")
        assert app.screen.query_one(TabbedContent).active == "tab-log"
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))

        # Delete after confirming
        assert exports.selected is not None and exports.selected.id == configuration_id
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: configuration_id not in exports.rows_by_id)
        assert stored_id(db, "nightly-erp") is None


async def test_delete_asks_first_and_n_keeps_the_configuration(
    app: OrderioApp, db: Database
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert stored_id(db, "bi-export") is not None
