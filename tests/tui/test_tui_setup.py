"""From an empty database to a run, in the TUI only (SPEC §12): channels, first set-up."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Select
from tui_fixtures import type_text, wait_for

from orderio_tui.application.channels import ChannelForm, create_channel, list_channels
from orderio_tui.application.configurations import list_configurations
from orderio_tui.application.services import list_services
from orderio_tui.database import Database
from orderio_tui.domain.statuses import RunKind, ServiceKind
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.channels.edit import ChannelEditScreen
from orderio_tui.tui.channels.screen import ChannelsScreen
from orderio_tui.tui.channels.setup import NEW_CHANNEL, FirstServiceScreen
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.widgets.confirm import ConfirmScreen


def _showing(app: OrderioApp, screen_type: type) -> bool:
    """Whether ``screen_type`` is on top and composed."""
    return isinstance(app.screen, screen_type) and bool(app.screen.query("Input, DataTable"))


async def _fill(pilot, screen, values: dict[str, str]) -> None:
    for field, value in values.items():
        control = screen.query_one(f"#{field}", Input)
        control.focus()
        control.value = ""
        await type_text(pilot, value)


async def test_an_empty_database_leads_from_a_channel_to_a_service_to_a_run(
    db: Database, tmp_path: Path
) -> None:
    outbox = tmp_path / "erp" / "out"
    app = OrderioApp(db, scheduler=False)
    async with app.run_test(size=(80, 24)) as pilot:
        # Step 1: the channel form opens by itself
        await wait_for(pilot, lambda: _showing(app, ChannelEditScreen), what="step 1")
        channel_screen = app.screen
        assert app.focused is channel_screen.query_one("#name", Input)
        await _fill(
            pilot,
            channel_screen,
            {"name": "shop-de", "currency": "EUR", "locale": "de_DE", "timezone": "Europe/Berlin"},
        )
        await pilot.press("ctrl+s")

        # Step 2: a service of the export kind, its missing directory created on request
        await wait_for(pilot, lambda: _showing(app, FirstServiceScreen), what="step 2")
        assert app.channel == "shop-de"
        service_screen = app.screen
        assert service_screen.query_one("#kind", Select).value == ServiceKind.EXPORT_XML
        await _fill(pilot, service_screen, {"name": "erp-out", "directory": str(outbox)})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="create dir?")
        await pilot.press("y")

        # Step 3: the export configuration, with the new service as its type
        await wait_for(pilot, lambda: _showing(app, ExportConfigurationScreen), what="step 3")
        assert outbox.is_dir()
        assert [s.name for s in list_services(db)] == ["erp-out"]
        export_screen = app.screen
        # the only export service is already chosen as the type: nothing to pick
        assert export_screen.query_one("#service", Select).value == "erp-out"
        await type_text(pilot, "erp-export")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: list_configurations(db, RunKind.EXPORT, "shop-de"), what="stored"
        )
        await pilot.press("escape")

        # The main screen shows it in the new channel, and r runs it
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="main screen")
        table = app.screen.query_one("#export-table", ConfigurationTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the list")
        table.focus()
        await pilot.press("r")
        await wait_for(
            pilot,
            # a new channel has no orders: the run finds nothing to do, an idle check
            lambda: list_configurations(db, RunKind.EXPORT, "shop-de")[0].checked_at is not None,
            what="the run",
        )
    [channel] = list_channels(db)
    assert (channel.locale, channel.timezone) == ("de_DE", "Europe/Berlin")


async def test_the_channel_step_shows_problems_next_to_the_fields(db: Database) -> None:
    app = OrderioApp(db, scheduler=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: _showing(app, ChannelEditScreen))
        screen = app.screen
        await _fill(pilot, screen, {"name": "shop", "currency": "EURO", "timezone": "Mars"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "not a 3-letter ISO 4217 code" in str(screen.query_one("#error-currency").render())
        assert "not an IANA time zone" in str(screen.query_one("#error-timezone").render())
        assert list_channels(db) == []


async def test_n_on_an_empty_database_starts_the_set_up_again(db: Database) -> None:
    app = OrderioApp(db, scheduler=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: _showing(app, ChannelEditScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        subtitle = app.screen.query_one("#export-table", ConfigurationTable).border_subtitle
        assert "press n" in str(subtitle)
        await pilot.press("n")
        await wait_for(pilot, lambda: _showing(app, ChannelEditScreen))


async def test_new_channel_in_the_channel_selector_creates_and_selects_it(
    app: OrderioApp, db: Database
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        select = app.screen.query_one("#channel", Select)
        select.value = NEW_CHANNEL
        await wait_for(pilot, lambda: _showing(app, ChannelEditScreen))
        await _fill(pilot, app.screen, {"name": "shop-ch", "currency": "CHF", "locale": "de_CH"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert app.channel == "shop-ch"
        assert app.screen.query_one("#channel", Select).value == "shop-ch"
        assert app.screen.query_one("#export-table", ConfigurationTable).row_count == 0


async def test_the_channels_screen_edits_and_refuses_to_delete_a_channel_in_use(
    app: OrderioApp, db: Database
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("C")
        await wait_for(pilot, lambda: _showing(app, ChannelsScreen))
        table = app.screen.query_one("#channels", DataTable)
        assert [str(table.get_row_at(r)[0]) for r in range(table.row_count)] == [
            "demo-b2b",
            "demo-b2c",
        ]
        await pilot.press("enter")
        await wait_for(pilot, lambda: _showing(app, ChannelEditScreen))
        assert app.screen.query_one("#name", Input).disabled
        await _fill(pilot, app.screen, {"timezone": "Europe/Vienna"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: _showing(app, ChannelsScreen))
        assert {c.name: c.timezone for c in list_channels(db)}["demo-b2b"] == "Europe/Vienna"

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: _showing(app, ChannelsScreen))
        await pilot.pause()
        assert len(list_channels(db)) == 2
        messages = [n.message for n in app._notifications]
        assert any("channel 'demo-b2b' is in use" in m for m in messages)


async def test_an_unused_channel_is_deleted_from_the_channels_screen(db: Database) -> None:
    create_channel(db, ChannelForm("old-shop"))
    app = OrderioApp(db, scheduler=False, channel="old-shop")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("C")
        await wait_for(pilot, lambda: _showing(app, ChannelsScreen))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not list_channels(db), what="the deletion")
        assert app.channel is None


async def test_n_in_the_import_list_of_a_channel_without_services_asks_for_an_import_service(
    db: Database, tmp_path: Path
) -> None:
    create_channel(db, ChannelForm("shop"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    app = OrderioApp(db, scheduler=False, channel="shop")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#import-table", ConfigurationTable).focus()
        await pilot.press("n")
        await wait_for(pilot, lambda: _showing(app, FirstServiceScreen))
        screen = app.screen
        assert screen.query_one("#kind", Select).value == ServiceKind.STATUS_IMPORT_XML
        await _fill(pilot, screen, {"name": "erp-in", "directory": str(inbox)})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ImportConfigurationScreen")
    assert [s.kind for s in list_services(db)] == [ServiceKind.STATUS_IMPORT_XML]
