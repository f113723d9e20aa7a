"""At 80 columns every table shows the columns that matter in full (no sideways scrolling, no
value cut to "Ne"), the status line and log lines wrap instead of being cut, and a table laid
out for one channel is laid out again for the next."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from rich.cells import cell_len
from sqlalchemy import select
from textual.widgets import DataTable, Input, Static
from tui_fixtures import open_erp_export, wait_for

from orderio_tui.application.configurations import set_schedule
from orderio_tui.database import Database
from orderio_tui.domain.models import Channel, ExportConfiguration, ImportConfiguration
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import RunKind, ScheduleMode, ScheduleUnit, Trigger
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.runs.journal import LogLine
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.history.screen import RunHistoryScreen
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.orders.detail import OrderDetailScreen
from orderio_tui.tui.orders.screen import OrdersScreen
from orderio_tui.tui.widgets.fitted_table import FittedTable
from orderio_tui.tui.widgets.run_log import RunLogPanel


def configuration_id(db: Database, model: type, channel: str, name: str) -> int:
    with db.read() as session:
        found = session.scalar(
            select(model.id)
            .join(Channel, Channel.id == model.channel_id)
            .where(Channel.name == channel, model.name == name)
        )
    assert found is not None
    return int(found)


def cut_cells(table: DataTable) -> list[str]:
    """The cells (and labels) that do not fit their column."""
    cut = []
    for key, column in table.columns.items():
        index = list(table.columns).index(key)
        texts = [str(column.label)] + [
            str(table.get_row_at(row)[index]) for row in range(table.row_count)
        ]
        cut.extend(text for text in texts if cell_len(text) > column.width)
    return cut


def natural_widths(table: DataTable) -> list[int]:
    """The width each shown column needs for its label and cells."""
    widths = []
    for index, column in enumerate(table.columns.values()):
        texts = [str(column.label)] + [
            str(table.get_row_at(row)[index]) for row in range(table.row_count)
        ]
        widths.append(max(cell_len(text) for text in texts))
    return widths


def schedule_demo(db: Database) -> None:
    erp = configuration_id(db, ExportConfiguration, "demo-b2c", "erp-export")
    bi = configuration_id(db, ExportConfiguration, "demo-b2c", "bi-export")
    set_schedule(
        db,
        RunKind.EXPORT,
        erp,
        Schedule(mode=ScheduleMode.INTERVAL, every=5, unit=ScheduleUnit.SECONDS),
    )
    set_schedule(
        db,
        RunKind.EXPORT,
        bi,
        Schedule(mode=ScheduleMode.INTERVAL, every=1, unit=ScheduleUnit.DAYS, at="02:00"),
    )
    run_configuration(db, RunKind.EXPORT, erp, trigger=Trigger.CLI)


async def test_the_main_lists_show_every_value_in_full_at_80_columns(
    app: OrderioApp, db: Database
) -> None:
    schedule_demo(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        assert exports.shown_labels == ["Name", "Schedule", "Last run", "State", "Next run"]
        assert cut_cells(exports) == []
        assert exports.virtual_size.width <= exports.scrollable_content_region.width
        erp = exports.get_row_index(
            str(configuration_id(db, ExportConfiguration, "demo-b2c", "erp-export"))
        )
        schedule, last_run, _, next_run = (str(c) for c in exports.get_row_at(erp)[1:])
        assert schedule == "every 5 s"
        assert re.fullmatch(r"\d\d:\d\d:\d\d", next_run), next_run  # seconds under a minute
        assert re.fullmatch(r"\d\d:\d\d:\d\d", last_run), last_run


async def test_the_main_lists_show_the_type_too_at_100_columns(
    app: OrderioApp, db: Database
) -> None:
    schedule_demo(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        assert exports.shown_labels == [
            "Name",
            "Type",
            "Schedule",
            "Last run",
            "State",
            "Next run",
        ]
        assert cut_cells(exports) == []
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "Type" not in exports.shown_labels, what="relaid out")
        assert cut_cells(exports) == []


async def test_switching_channel_lays_the_lists_out_for_the_new_rows(
    app: OrderioApp, db: Database
) -> None:
    status_import = configuration_id(db, ImportConfiguration, "demo-b2b", "erp-status")
    set_schedule(
        db,
        RunKind.IMPORT,
        status_import,
        Schedule(mode=ScheduleMode.INTERVAL, every=15, unit=ScheduleUnit.MINUTES),
    )
    run_configuration(db, RunKind.IMPORT, status_import, trigger=Trigger.CLI)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        imports = app.screen.query_one("#import-table", ConfigurationTable)
        for channel, key in (("demo-b2b", "up"), ("demo-b2c", "down"), ("demo-b2b", "up")):
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(key, "enter")
            await wait_for(pilot, lambda channel=channel: app.channel == channel)  # type: ignore[misc]
            await pilot.pause()
            widths = [column.width for column in imports.columns.values()]
            assert widths == natural_widths(imports), channel
            assert cut_cells(imports) == []


async def test_the_status_line_wraps_instead_of_cutting_names(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        long_name = "nightly-erp-export-of-the-business-channel-with-a-long-name"
        app.active_runs[(RunKind.EXPORT, 999)] = long_name
        app.screen.update_status_line()  # type: ignore[attr-defined]
        await pilot.pause()
        status = app.screen.query_one("#status-line", Static)
        assert long_name in str(status.render())
        assert status.size.height >= 2


async def test_a_long_log_line_wraps_and_can_be_read_in_full(app: OrderioApp) -> None:
    message = "exported 169 of 171 orders to " + "/srv/orderio/export/erp/" * 5 + "orders.xml"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one(RunLogPanel)
        at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
        app.events.emit(LogLine(7, at, "INFO", message, "erp-export"))
        await wait_for(pilot, lambda: any("exported 169" in line for line in panel.lines))
        width = panel.scrollable_content_region.width
        assert all(cell_len(line) <= width for line in panel.lines)
        start = next(i for i, line in enumerate(panel.lines) if "exported 169" in line)
        joined = "".join("".join(line.split()) for line in panel.lines[start:])
        assert "".join(message.split()) in joined
        await pilot.resize_terminal(120, 30)
        await wait_for(pilot, lambda: panel.scrollable_content_region.width > width)
        await pilot.pause()
        assert len([line for line in panel.lines if line.strip()]) < start + 3


async def test_run_history_shows_the_file_at_80_columns(app: OrderioApp, db: Database) -> None:
    schedule_demo(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "h")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        runs = app.screen.query_one("#runs", FittedTable)
        await wait_for(pilot, lambda: runs.row_count > 0)
        assert {"Run", "State", "Started", "File"} <= set(runs.shown_labels)
        assert cut_cells(runs) == []
        assert str(runs.get_row_at(0)[runs.shown_labels.index("File")]).startswith("orders-")


async def test_the_orders_browser_fits_100_and_80_columns(app: OrderioApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        orders = app.screen.query_one("#orders", FittedTable)
        await wait_for(pilot, lambda: orders.row_count > 0)
        assert {"Type", "Gross", "Items"} <= set(orders.shown_labels)
        assert orders.virtual_size.width <= orders.scrollable_content_region.width
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "Type" not in orders.shown_labels, what="relaid out")
        assert {"Document", "Status", "Customer", "Gross"} <= set(orders.shown_labels)
        assert orders.virtual_size.width <= orders.scrollable_content_region.width


async def test_the_order_history_shows_the_reason_at_80_columns(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        orders = app.screen.query_one("#orders", FittedTable)
        await wait_for(pilot, lambda: orders.row_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        await pilot.press("f6", "f6")
        history = app.screen.query_one("#history", FittedTable)
        await pilot.pause()
        assert history.shown_labels[-1] == "Reason"
        assert history.virtual_size.width <= history.scrollable_content_region.width


async def test_the_message_beside_the_buttons_wraps_instead_of_being_cut(
    app: OrderioApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")  # builds Scheduling on the way to Conditions
        await pilot.pause()
        screen.query_one("#schedule_every", Input).value = "often"
        screen.query_one("#max_orders", Input).value = "lots"
        await pilot.press("ctrl+s")
        message = app.screen.query_one("#form-message", Static)
        await wait_for(pilot, lambda: "marked ✗" in str(message.render()))
        await pilot.pause()
        assert cell_len(str(message.render())) > message.size.width
        assert message.size.height >= 2
        assert app.screen.query_one("#form-buttons").size.height >= message.size.height
