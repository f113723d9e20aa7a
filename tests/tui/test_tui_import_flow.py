"""An import configuration from start to end, by keyboard only (acceptance 1)."""

from __future__ import annotations

import os
import time

from sqlalchemy import select
from textual.widgets import DataTable, Input, Select, TabbedContent
from tui_fixtures import move_cursor_to, type_text, wait_for

from orderio_tui.application.configurations import delete_configuration, load_import_form
from orderio_tui.database import Database
from orderio_tui.demo import DemoSummary, status_file_for
from orderio_tui.domain.models import Channel, ImportConfiguration
from orderio_tui.domain.statuses import RunKind, ScheduleMode, ScheduleUnit
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.import_screen import ImportConfigurationScreen
from orderio_tui.tui.history.run_detail import RunDetailScreen
from orderio_tui.tui.history.screen import RunHistoryScreen
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.widgets.confirm import ConfirmScreen
from orderio_tui.tui.widgets.run_log import RunLogPanel


def stored_id(db: Database, name: str, channel: str = "demo-b2c") -> int | None:
    with db.read() as session:
        return session.scalar(
            select(ImportConfiguration.id)
            .join(Channel)
            .where(ImportConfiguration.name == name, Channel.name == channel)
        )


def deliver_status_file(demo: DemoSummary) -> None:
    """The demo's sample status file in the inbox, old enough to be taken."""
    path = demo.inbox_directory / "status-0001.xml"
    path.write_bytes(status_file_for(orders=60, seed=3, count=5))
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))


async def test_create_schedule_run_inspect_and_delete_an_import_configuration(
    app: OrderioApp, db: Database, demo: DemoSummary
) -> None:
    # An inbox has one import configuration: free demo-b2c's for the one made here.
    delete_configuration(db, RunKind.IMPORT, stored_id(db, "erp-status", "demo-b2c"))
    deliver_status_file(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("tab")  # to the Order Status Import list
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportConfigurationScreen))
        screen = app.screen
        tabs = screen.query_one(TabbedContent)
        assert screen.query_one("#tab-scheduling").disabled
        await type_text(pilot, "erp-returns")
        await pilot.press("tab", "enter", "down", "enter")
        assert screen.query_one("#service", Select).value == "erp-status-import"
        await pilot.press("ctrl+s")
        await pilot.pause()
        configuration_id = stored_id(db, "erp-returns")
        assert configuration_id is not None

        # Scheduling: every 2 hours
        await pilot.press("f6")
        await pilot.pause()
        assert tabs.active == "tab-scheduling"
        await pilot.press("enter", "down", "enter", "tab")
        await type_text(pilot, "2")
        await pilot.press("tab", "enter", "down", "down", "down", "enter")
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = load_import_form(db, configuration_id)
        assert form.schedule.mode is ScheduleMode.INTERVAL
        assert (form.schedule.every, form.schedule.unit) == (2, ScheduleUnit.HOURS)

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        imports = app.screen.query_one("#import-table", ConfigurationTable)
        assert app.focused is imports
        await move_cursor_to(pilot, imports, str(configuration_id))

        # Run: it takes the status file; the log and the row show it
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.active_runs, timeout=60, what="the run to end")
        await pilot.pause(0.3)
        log_text = "\n".join(app.screen.query_one(RunLogPanel).lines)
        assert "erp-returns" in log_text and "status-0001.xml" in log_text
        row = imports.rows_by_id[configuration_id]
        assert row.last_run_state in ("SUCCEEDED", "PARTIAL")
        assert imports.get_row(str(configuration_id))[4].plain == row.last_run_state

        # History → the run → its per-order results
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        assert app.screen.query_one("#runs", DataTable).row_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        results = app.screen.query_one("#results", DataTable)
        assert results.row_count == 5
        assert {str(results.get_row_at(i)[1]) for i in range(5)} <= {
            "applied",
            "unchanged",
            "rejected",
        }
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))

        # Delete after confirming
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: configuration_id not in imports.rows_by_id)
        assert stored_id(db, "erp-returns") is None


async def test_the_import_screen_has_only_general_and_scheduling(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportConfigurationScreen))
        panes = [pane.id for pane in app.screen.query("TabPane")]
        assert panes == ["tab-general", "tab-scheduling"]
        assert app.screen.query_one("#name", Input).value == "erp-status"
