"""With NO_COLOR the state of every control is in its characters: ticked boxes read "[x]",
unticked "[ ]", the focused control has a bar beside it, and problems are not grey on grey."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.widgets import Checkbox, Input, Select, SelectionList
from tui_fixtures import open_erp_export, wait_for

from orderio_tui.database import Database
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.widgets.field import FieldError


@pytest.fixture
def plain_app(db: Database, demo: object, monkeypatch: pytest.MonkeyPatch) -> OrderioApp:
    monkeypatch.setenv("NO_COLOR", "1")
    app = OrderioApp(db, scheduler=False, channel="demo-b2c")
    assert app.no_color
    return app


async def test_a_checkbox_reads_x_when_ticked_and_blank_when_not(plain_app: OrderioApp) -> None:
    async with plain_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6")  # Actions: the focus is on "Enable status updates"
        await pilot.pause()
        checkbox = screen.query_one("#status_updates_enabled", Checkbox)
        assert checkbox.value and str(checkbox.render()).startswith("[x]")
        await pilot.press("space")
        await pilot.pause()
        assert not checkbox.value and str(checkbox.render()).startswith("[ ]")


async def test_a_status_list_reads_x_for_the_selected_statuses(plain_app: OrderioApp) -> None:
    async with plain_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")
        await pilot.pause()
        statuses = screen.query_one("#order_statuses", SelectionList)
        lines = [statuses.render_line(y).text for y in range(statuses.option_count)]
        for line, option in zip(
            lines, (statuses.get_option_at_index(i) for i in range(len(lines))), strict=True
        ):
            ticked = option.value in statuses.selected
            assert line.startswith("[x] " if ticked else "[ ] "), line
        assert any(line.startswith("[x]") for line in lines)
        assert any(line.startswith("[ ]") for line in lines)


async def test_the_focused_control_has_a_bar_beside_it(plain_app: OrderioApp) -> None:
    async with plain_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        name = screen.query_one("#name", Input)
        service = screen.query_one("#service", Select)
        assert plain_app.focused is name
        assert name.styles.border_left[0] == "heavy"
        assert service.styles.border_left[0] == "blank"
        await pilot.press("tab")
        assert plain_app.focused is service
        assert service.styles.border_left[0] == "heavy"
        assert name.styles.border_left[0] == "blank"


async def test_a_problem_is_written_in_the_text_colour(plain_app: OrderioApp) -> None:
    async with plain_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(plain_app.screen, ExportConfigurationScreen))
        await pilot.press("ctrl+s")
        screen = plain_app.screen
        error = screen.query_one("#error-name", FieldError)
        await wait_for(pilot, lambda: error.display)
        foreground = Color.parse(plain_app.get_css_variables()["foreground"])
        assert error.styles.color == foreground
        assert error.styles.text_style.bold
