"""Quiet history in the TUI (SPEC §14): idle runs are hidden unless asked, and the lists show the
last run that did work with the time the configuration was last checked."""

from __future__ import annotations

from textual.widgets import DataTable
from tui_fixtures import move_cursor_to, wait_for

from orderio_tui.application.configurations import list_configurations, resolve_configuration
from orderio_tui.database import Database
from orderio_tui.domain.statuses import RunKind, Trigger
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.history.screen import RunHistoryScreen
from orderio_tui.tui.main.configuration_table import ConfigurationTable


def _erp_export(db: Database) -> int:
    with db.read() as session:
        return resolve_configuration(session, RunKind.EXPORT, "erp-export", "demo-b2c").id


def test_the_list_keeps_the_last_run_that_did_work_and_says_when_it_last_checked(
    db: Database, app: OrderioApp
) -> None:
    erp = _erp_export(db)
    worked = run_configuration(db, RunKind.EXPORT, erp, trigger=Trigger.CLI)
    idle = run_configuration(db, RunKind.EXPORT, erp, trigger=Trigger.CLI)
    assert idle.counts["selected"] == 0
    [row] = [r for r in list_configurations(db, RunKind.EXPORT, "demo-b2c") if r.id == erp]
    assert row.last_run_id == worked.run_id
    assert row.checked_at is not None and row.last_run_at is not None
    assert row.checked_at >= row.last_run_at
    assert row.to_json()["checked_at"] is not None


async def test_idle_runs_are_hidden_in_the_history_until_a_is_pressed(
    db: Database, app: OrderioApp
) -> None:
    erp = _erp_export(db)
    run_configuration(db, RunKind.EXPORT, erp, trigger=Trigger.CLI)
    run_configuration(db, RunKind.EXPORT, erp, trigger=Trigger.CLI)  # nothing left: idle
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        await move_cursor_to(pilot, exports, str(erp))
        assert "✓" in str(exports.get_row(str(erp))[3])
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        runs = app.screen.query_one("#runs", DataTable)
        assert runs.row_count == 1
        await pilot.press("a")
        await wait_for(pilot, lambda: runs.row_count == 2, what="the idle run to show")
        await pilot.press("a")
        await wait_for(pilot, lambda: runs.row_count == 1, what="the idle run to hide again")


async def test_the_status_line_shows_schedulers_of_other_machines_without_its_own(
    db: Database, app: OrderioApp
) -> None:
    from datetime import timedelta

    from orderio_tui.domain.models import SchedulerHeartbeat, utcnow

    with db.write() as session:
        session.add(
            SchedulerHeartbeat(
                owner="erp-host:4711:ab",
                host="erp-host",
                pid=4711,
                started_at=utcnow() - timedelta(hours=1),
                last_tick=utcnow(),
                running=["export demo-b2c/erp-export"],
            )
        )
    async with app.run_test(size=(100, 30)) as pilot:  # the app runs without its own scheduler
        await wait_for(
            pilot,
            lambda: "also scheduling: erp-host:4711 (1 running)" in app.status_text(),
            what="the other scheduler in the status line",
        )
        assert app.status_text().startswith("scheduler: off")


async def test_an_export_can_be_set_to_run_on_order_creation_in_the_scheduling_tab(
    db: Database, app: OrderioApp
) -> None:
    from textual.widgets import Select, Static, TabbedContent
    from tui_fixtures import open_erp_export

    from orderio_tui.domain.scheduling import schedule_of
    from orderio_tui.domain.statuses import ScheduleMode

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tab-scheduling")
        mode = screen.query_one("#schedule_mode", Select)
        mode.focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: mode.value is ScheduleMode.ON_ORDER_CREATION)
        preview = screen.query_one("#next-run", Static)
        await wait_for(pilot, lambda: "new orders were taken in" in str(preview.render()))
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)
    from orderio_tui.domain.models import ExportConfiguration

    with db.read() as session:
        row = session.get(ExportConfiguration, _erp_export(db))
        assert row is not None and schedule_of(row).on_order_creation


async def test_times_are_shown_in_the_selected_channel_time_zone(
    db: Database, app: OrderioApp
) -> None:
    from zoneinfo import ZoneInfo

    from orderio_tui.application.channels import load_channel_form, update_channel

    form = load_channel_form(db, "demo-b2c")
    update_channel(db, "demo-b2c", type(form)(**{**form.__dict__, "timezone": "Asia/Tokyo"}))
    erp = _erp_export(db)
    outcome = run_configuration(db, RunKind.EXPORT, erp, trigger=Trigger.CLI)
    [row] = [r for r in list_configurations(db, RunKind.EXPORT, "demo-b2c") if r.id == erp]
    assert row.last_run_at is not None and outcome.run_id == row.last_run_id
    tokyo = row.last_run_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        await wait_for(pilot, lambda: tokyo in str(exports.get_row(str(erp))[3]))
