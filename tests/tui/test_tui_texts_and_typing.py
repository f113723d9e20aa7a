"""Texts of the forms and type-ahead in drop-downs: typing on a closed Select picks the option."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select
from tui_fixtures import type_text, wait_for

from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.configuration.import_screen import ImportConfigurationScreen
from orderio_tui.tui.orders.screen import OrdersScreen
from orderio_tui.tui.widgets.select import match_option


async def test_a_new_import_configuration_speaks_of_status_imports(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("tab", "n")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportConfigurationScreen))
        screen = app.screen
        assert screen.query_one("#service", Select).prompt == "pick a status import service"
        assert screen.query_one("#name", Input).placeholder == "e.g. erp-status"


async def test_a_new_export_configuration_speaks_of_exports(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportConfigurationScreen))
        screen = app.screen
        assert screen.query_one("#service", Select).prompt == "pick an export service"
        assert screen.query_one("#name", Input).placeholder == "e.g. erp-export"


async def test_typing_on_the_service_drop_down_chooses_the_service(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportConfigurationScreen))
        screen = app.screen
        await type_text(pilot, "nightly")
        await pilot.press("tab")
        await type_text(pilot, "erp")
        assert screen.query_one("#service", Select).value == "erp-xml-export"
        assert not screen.query_one("#service", Select).expanded


async def test_typing_on_the_status_filter_jumps_to_exportfailed(app: OrderioApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        screen = app.screen
        screen.query_one("#status-filter", Select).focus()
        await type_text(pilot, "exportf")
        assert screen.query_one("#status-filter", Select).value == "EXPORTFAILED"
        table = screen.query_one("#orders", DataTable)
        await wait_for(
            pilot,
            lambda: (
                all(table.get_row_at(i)[1] == "EXPORTFAILED" for i in range(table.row_count))
                and "order" in str(table.border_subtitle)
            ),
            what="the list filtered by EXPORTFAILED",
        )


def test_a_typed_prefix_wins_over_a_match_inside_a_label() -> None:
    choices = [("NEW", 1), ("EXPORTED", 2), ("EXPORTFAILED", 3), ("CANCELLED", 4)]
    assert match_option(choices, "ex") == 2
    assert match_option(choices, "EXPORTF") == 3
    assert match_option(choices, "cel") == 4
    assert match_option(choices, "zz") is None
