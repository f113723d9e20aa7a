"""Bad input shows inline messages and saves nothing (acceptance 3), Reset, unsaved changes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from textual.widgets import Input, Static, TabbedContent
from tui_fixtures import error_of, open_erp_export, type_text, wait_for

from orderio_tui.application.configurations import load_export_form
from orderio_tui.application.services import list_services
from orderio_tui.database import Database
from orderio_tui.domain.models import ExportConfiguration
from orderio_tui.domain.statuses import ScheduleMode
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.services.edit import ServiceEditScreen
from orderio_tui.tui.services.screen import ServicesScreen
from orderio_tui.tui.widgets.confirm import ConfirmScreen


def export_count(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count(ExportConfiguration.id))) or 0


def export_id(db: Database, name: str, channel_id_of_b2c: bool = True) -> int:
    with db.read() as session:
        ids = list(
            session.scalars(select(ExportConfiguration.id).where(ExportConfiguration.name == name))
        )
    return min(ids)


def message_of(screen: object) -> str:
    return str(screen.query_one("#form-message", Static).render())  # type: ignore[attr-defined]


async def open_new_export(pilot, app: OrderioApp) -> ExportConfigurationScreen:  # type: ignore[no-untyped-def]
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportConfigurationScreen))
    return app.screen  # type: ignore[return-value]


async def test_empty_name_is_reported_next_to_the_name_and_nothing_is_saved(
    app: OrderioApp, db: Database
) -> None:
    before = export_count(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_new_export(pilot, app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "name is mandatory" in error_of(screen, "name")
        assert "configuration type is mandatory" in error_of(screen, "service")
        assert message_of(screen).startswith("Not saved: 2 problems")
        assert screen.configuration_id is None
        assert screen.query_one("#tab-actions").disabled
    assert export_count(db) == before


async def test_duplicate_name_is_reported_and_nothing_is_saved(
    app: OrderioApp, db: Database
) -> None:
    before = export_count(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_new_export(pilot, app)
        await type_text(pilot, "erp-export")
        await pilot.press("tab", "enter", "down", "enter", "ctrl+s")
        await pilot.pause()
        assert "already exists in channel 'demo-b2c'" in error_of(screen, "name")
        assert error_of(screen, "service") == ""
    assert export_count(db) == before


async def test_no_order_status_selected_is_reported_on_the_conditions_tab(
    app: OrderioApp, db: Database
) -> None:
    configuration_id = export_id(db, "erp-export")
    stored = load_export_form(db, configuration_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "tab-conditions"
        await pilot.press("down", "down", "space")  # NEW, the only one selected, off
        await pilot.press("f6")  # away to General: the problem brings Conditions back
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "select at least one order status" in error_of(screen, "order_statuses")
        assert screen.query_one(TabbedContent).active == "tab-conditions"
        assert "Conditions" in message_of(screen)
        assert screen.dirty
    assert load_export_form(db, configuration_id) == stored


async def test_every_zero_is_reported_on_the_scheduling_tab(app: OrderioApp, db: Database) -> None:
    configuration_id = export_id(db, "erp-export")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "tab-scheduling"
        await pilot.press("enter", "down", "enter", "tab", "0", "tab")
        await pilot.press("enter", "down", "down", "enter", "ctrl+s")
        await pilot.pause()
        assert "'every' must be a whole number of 1 or more" in error_of(screen, "schedule_every")
        assert message_of(screen).startswith("Not saved: 1 problem")
    assert load_export_form(db, configuration_id).schedule.mode is ScheduleMode.MANUAL


async def test_text_in_a_number_field_is_reported_without_saving(
    app: OrderioApp, db: Database
) -> None:
    configuration_id = export_id(db, "erp-export")
    stored = load_export_form(db, configuration_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")
        screen.query_one("#max_orders", Input).value = "lots"
        screen.query_one("#created_from", Input).value = "yesterday"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "'lots' is not a whole number" in error_of(screen, "max_orders")
        assert "is not a date" in error_of(screen, "created_from")
        await wait_for(
            pilot,
            lambda: "fix the fields" in str(screen.query_one("#match-count", Static).render()),
        )
    assert load_export_form(db, configuration_id) == stored


async def test_reset_goes_back_to_the_stored_values(app: OrderioApp, db: Database) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("end")
        await type_text(pilot, "-changed")
        assert screen.dirty
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen.query_one("#name", Input).value == "erp-export"
        assert not screen.dirty


async def test_leaving_with_unsaved_changes_asks_first(app: OrderioApp, db: Database) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("end", "x", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # stay
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.query_one("#name", Input).value == "erp-exportx"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")  # discard
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
    assert load_export_form(db, export_id(db, "erp-export")).name == "erp-export"


async def test_leaving_without_changes_asks_nothing(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_erp_export(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def open_new_service(pilot, app: OrderioApp) -> ServiceEditScreen:  # type: ignore[no-untyped-def]
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, ServiceEditScreen))
    return app.screen  # type: ignore[return-value]


async def test_missing_directory_is_reported_and_not_created_when_declined(
    app: OrderioApp, db: Database, tmp_path: Path
) -> None:
    missing = tmp_path / "outbox" / "erp"
    before = [s.name for s in list_services(db)]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_new_service(pilot, app)
        await type_text(pilot, "erp-two")
        screen.query_one("#directory", Input).value = str(missing)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert str(missing) in str(app.screen.query_one("#question", Static).render())
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert "does not exist" in error_of(screen, "directory")
        assert message_of(screen).startswith("Not saved")
    assert not missing.exists()
    assert [s.name for s in list_services(db)] == before


async def test_missing_directory_is_created_and_the_service_saved_when_accepted(
    app: OrderioApp, db: Database, tmp_path: Path
) -> None:
    missing = tmp_path / "outbox" / "erp"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_new_service(pilot, app)
        await type_text(pilot, "erp-two")
        screen.query_one("#directory", Input).value = str(missing)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: message_of(screen) == "Saved.")
        assert error_of(screen, "directory") == ""
    assert missing.is_dir()
    assert "erp-two" in [s.name for s in list_services(db)]


async def test_empty_service_name_is_reported(app: OrderioApp, db: Database) -> None:
    before = len(list_services(db))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_new_service(pilot, app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "name is mandatory" in error_of(screen, "name")
        assert "directory is mandatory" in error_of(screen, "directory")
        assert not isinstance(app.screen, ConfirmScreen)
    assert len(list_services(db)) == before
