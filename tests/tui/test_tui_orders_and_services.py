"""The orders browser, the order detail and the services screen."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import DataTable, Input, Static, TabbedContent
from tui_fixtures import type_text, wait_for

from orderio_tui.application.orders import list_orders
from orderio_tui.application.services import list_services
from orderio_tui.database import Database
from orderio_tui.domain.models import Order
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.orders.detail import OrderDetailScreen
from orderio_tui.tui.orders.screen import OrdersScreen
from orderio_tui.tui.services.edit import ServiceEditScreen
from orderio_tui.tui.services.screen import ServicesScreen
from orderio_tui.tui.widgets.confirm import ConfirmScreen


def column(table: DataTable, index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


async def test_orders_browser_filters_by_status_and_opens_an_order(
    app: OrderioApp, db: Database
) -> None:
    orders = list_orders(db, channel="demo-b2c")
    new_orders = [o for o in orders if o.status == "NEW"]
    assert new_orders and len(new_orders) < len(orders)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        table = app.screen.query_one("#orders", DataTable)
        assert column(table, 0) == [o.document_no for o in orders]

        # status filter: shift+tab to the search, again to the status select
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused is not None and app.focused.id == "status-filter"
        await pilot.press("enter", *"NEW", "enter")
        await wait_for(pilot, lambda: set(column(table, 1)) == {"NEW"}, what="the filter")
        assert column(table, 0) == [o.document_no for o in new_orders]

        # open the first one: header, lines, payments and status history
        await pilot.press("tab", "tab")
        assert app.focused is table
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        detail = app.screen
        header = str(detail.query_one("#order-header", Static).render())
        assert f"Order {new_orders[0].document_no}" in header and "status NEW" in header
        assert detail.query_one("#lines", DataTable).row_count == len(new_orders[0].line_items)
        await pilot.press("f6")
        assert detail.query_one(TabbedContent).active == "tab-payments"
        assert detail.query_one("#payments", DataTable).row_count == len(new_orders[0].payments)
        await pilot.press("f6")
        assert detail.query_one(TabbedContent).active == "tab-history"
        assert detail.query_one("#history", DataTable).row_count >= 1
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_orders_browser_searches_by_document_number(app: OrderioApp, db: Database) -> None:
    first = list_orders(db, channel="demo-b2c")[0].document_no
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        await pilot.press("ctrl+f", *first, "enter")
        table = app.screen.query_one("#orders", DataTable)
        await wait_for(pilot, lambda: column(table, 0) == [first], what="the search")


async def test_services_screen_lists_edits_and_refuses_to_delete_a_used_service(
    app: OrderioApp, db: Database
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
        table = app.screen.query_one("#services", DataTable)
        assert column(table, 0) == [
            "bi-xml-export",
            "erp-status-import",
            "erp-status-import-b2b",
            "erp-xml-export",
            "shop-intake",
            "shop-intake-b2b",
        ]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ServiceEditScreen))
        edit = app.screen
        assert edit.query_one("#row-file_prefix").display
        assert not edit.query_one("#row-file_pattern").display
        await pilot.press("tab", "tab", "end", *" (BI)", "ctrl+s")
        await wait_for(pilot, lambda: "Saved" in str(edit.query_one("#form-message").render()))
        assert list_services(db)[0].display_name.endswith(" (BI)")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
        assert column(table, 0)[0] == "bi-xml-export"  # in use: not deleted


async def test_orders_browser_searches_by_customer_and_gross_and_says_what_is_wrong(
    app: OrderioApp, db: Database
) -> None:
    orders = list_orders(db, channel="demo-b2c")
    with db.read() as session:
        customers = dict(session.execute(select(Order.document_no, Order.customer_no)).all())
    customer = customers[orders[0].document_no]
    theirs = [o for o in orders if customers[o.document_no] == customer]
    cheap = [o for o in theirs if o.gross_total <= theirs[0].gross_total]
    assert len(theirs) < len(orders)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        table = app.screen.query_one("#orders", DataTable)
        app.screen.query_one("#search-customer_id", Input).focus()
        await type_text(pilot, customer)
        expected = [o.document_no for o in theirs]
        await wait_for(pilot, lambda: column(table, 0) == expected, what="the customer search")

        # from the document search back past the status to the last search field: gross ≤
        await pilot.press("ctrl+f", "shift+tab", "shift+tab")
        assert app.focused is app.screen.query_one("#search-gross_max", Input)
        await type_text(pilot, str(theirs[0].gross_total))
        expected = [o.document_no for o in cheap]
        await wait_for(pilot, lambda: column(table, 0) == expected, what="the gross search")

        await type_text(pilot, "x")
        await wait_for(
            pilot,
            lambda: "is not an amount" in str(table.border_subtitle),
            what="the message",
        )
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: table.row_count == len(orders), what="all orders again")
