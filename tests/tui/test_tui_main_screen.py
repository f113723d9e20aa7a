"""Main screen: the lists of the selected channel, channel switch, refresh, help, palette."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static
from tui_fixtures import wait_for

from orderio_tui.application.configurations import delete_configuration
from orderio_tui.database import Database
from orderio_tui.domain.statuses import RunKind
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.commands import screen_commands
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.memory import remember_channel, remembered_channel
from orderio_tui.tui.widgets.help import HelpScreen
from orderio_tui.tui.widgets.run_log import RunLogPanel


def names(table: ConfigurationTable) -> list[str]:
    return sorted(row.name for row in table.rows_by_id.values())


async def test_export_list_has_the_focus_with_its_first_row_selected(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        exports = screen.query_one("#export-table", ConfigurationTable)
        imports = screen.query_one("#import-table", ConfigurationTable)
        assert app.focused is exports
        assert exports.cursor_row == 0
        assert exports.selected is not None and exports.selected.name == "bi-export"
        assert names(exports) == ["bi-export", "erp-export"]
        assert names(imports) == ["erp-status"]


async def test_status_line_says_the_scheduler_is_off_with_no_scheduler(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("#status-line", Static).render())
        assert "scheduler: off" in text


async def test_tab_moves_between_the_sections(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "import-table"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "intake-table"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "log"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "channel"


async def test_c_switches_the_channel_and_the_lists_follow(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        # the channels are listed by name: demo-b2b comes before demo-b2c
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: app.channel == "demo-b2b", what="channel switch")
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        assert {row.channel for row in exports.rows_by_id.values()} == {"demo-b2b"}
        assert names(exports) == ["bi-export", "erp-export"]
        assert app.focused is exports


async def test_refresh_shows_a_run_made_by_another_process(app: OrderioApp, db: Database) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        assert exports.selected is not None and exports.selected.last_run_state is None
        done = subprocess.run(
            [sys.executable, "-m", "orderio_tui", "--db", db.url, "export", "run", "bi-export"]
            + ["--channel", "demo-b2c", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 3), done.stderr
        await pilot.press("f5")
        await pilot.pause()
        row = exports.selected
        assert row is not None and row.name == "bi-export"
        assert row.last_run_state in ("SUCCEEDED", "PARTIAL")
        assert exports.get_row_at(0)[4].plain == row.last_run_state


async def test_question_mark_lists_the_keys_of_the_screen(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {description for _, description in app.screen.rows}
        assert {"New", "Open", "Run", "Refresh", "Delete", "History", "Channel", "Quit"} <= (
            described
        )
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_command_palette_offers_the_keys_of_the_screen(app: OrderioApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = {command.title for command in screen_commands(app.screen)}
        assert {"New", "Open", "Run", "Refresh", "Delete", "History", "Channel"} <= titles
        assert {"Orders", "Services"} <= titles  # not in the footer at 80 columns
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"History")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: type(app.screen).__name__ == "RunHistoryScreen", what="history"
        )


async def test_an_empty_database_says_how_to_begin_and_nothing_breaks(db: Database) -> None:
    app = OrderioApp(db, scheduler=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # leave the first set-up it opens on
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        log_text = "\n".join(app.screen.query_one(RunLogPanel).lines)
        assert "There are no channels yet: press n to set up a channel" in log_text
        await pilot.press("r", "d", "h", "o", "f5")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.channel is None


async def test_opening_a_configuration_deleted_meanwhile_says_so(
    app: OrderioApp, db: Database
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        row = exports.selected
        assert row is not None
        delete_configuration(db, RunKind.EXPORT, row.id)  # as another process would
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.pause()
        assert row.id not in exports.rows_by_id


async def test_the_channel_remembered_is_opened_again(
    db: Database, demo: object, tmp_path: Path
) -> None:
    memory = tmp_path / "state" / "tui.json"
    remember_channel(memory, "demo-b2c", db.location)
    remember_channel(memory, "shop-elsewhere", "sqlite:///another.db")
    app = OrderioApp(
        db, scheduler=False, channel=remembered_channel(memory, db.location), memory=memory
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        assert app.channel == "demo-b2c"
        assert {row.channel for row in exports.rows_by_id.values()} == {"demo-b2c"}
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("up", "enter")  # demo-b2b
        await wait_for(pilot, lambda: app.channel == "demo-b2b", what="channel switch")
    assert remembered_channel(memory, db.location) == "demo-b2b"
    # each database keeps its own: another database's channel is not touched
    assert remembered_channel(memory, "sqlite:///another.db") == "shop-elsewhere"


@pytest.mark.parametrize(
    "content",
    [
        '{"by_database": {"DB": "closed-shop"}}',
        '{"by_database": {"sqlite:///another.db": "demo-b2c"}}',
        "not json",
        '["demo-b2c"]',
    ],
)
async def test_an_unknown_or_unreadable_remembered_channel_falls_back_to_the_first(
    db: Database,
    demo: object,
    tmp_path,
    content: str,  # type: ignore[no-untyped-def]
) -> None:
    memory = tmp_path / "tui.json"
    memory.write_text(content.replace("DB", db.location), encoding="utf-8")
    app = OrderioApp(
        db, scheduler=False, channel=remembered_channel(memory, db.location), memory=memory
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.channel == "demo-b2b"  # the first by name
