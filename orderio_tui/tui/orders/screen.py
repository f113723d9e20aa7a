"""Orders of the selected channel, searched by status, document number, customer id, e-mail,
name, creation days and gross amount (SPEC §16); the database does the searching."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Label, Select
from textual.worker import Worker, WorkerState

from ...application.orders import (
    MAX_SEARCH_LENGTH,
    OrderFilter,
    OrderView,
    list_orders,
    parse_order_filter,
)
from ...domain.statuses import OrderStatus
from ...errors import UserError, ValidationFailed
from ..context import OrderioContext, context_of
from ..display import local_short
from ..widgets.fitted_table import Column, FittedTable
from ..widgets.select import TypeAheadSelect

#: Long customer names are cut; at 80 columns the customer type goes first, then the items.
ORDER_COLUMNS = (
    Column("Document", "document"),
    Column("Status", "status", shrink_to=16),
    Column("Created", "created", keep=2),
    Column("Customer", "customer", shrink_to=12),
    Column("Type", "type", keep=0),
    Column("Gross", "gross"),
    Column("Items", "items", keep=1),
)

#: Orders listed at most; the filters narrow the list down.
ORDERS_SHOWN = 500

#: The search fields above the status filter: (OrderFilter field, placeholder, tooltip).
SEARCH_FIELDS = (
    ("customer_id", "customer", "The buyer's customer id, exactly"),
    ("email", "e-mail", "The buyer's e-mail starts with this, in any case"),
    ("name", "name", "First name, last name, 'first last' or company starts with this"),
    ("created_from", "created ≥", "Created on or after this day (YYYY-MM-DD, channel's time)"),
    ("created_to", "created ≤", "Created on or before this day (YYYY-MM-DD, channel's time)"),
    ("gross_min", "gross ≥", "Gross total at least this (12.50)"),
    ("gross_max", "gross ≤", "Gross total at most this (12.50)"),
)


class OrdersScreen(Screen[None]):
    """The orders browser: the search fields, a status filter, a document-number search and the
    list."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="orders.back"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="orders.refresh", key_display="f5"),
        Binding("ctrl+f", "search", "Search", id="orders.search", tooltip="Document number"),
        Binding(
            "ctrl+l",
            "clear_search",
            "Clear search",
            id="orders.clear",
            tooltip="Empty every search field",
        ),
    ]

    def __init__(self, channel: str) -> None:
        super().__init__()
        self.channel = channel
        self._search_timer: Timer | None = None

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        with Horizontal(id="orders-search"):
            yield Label("Search", classes="filter-label")  # first: tab order ends at the status
            for name, placeholder, tooltip in SEARCH_FIELDS:
                field = Input(
                    id=f"search-{name}",
                    placeholder=placeholder,
                    max_length=MAX_SEARCH_LENGTH,
                    compact=True,
                    classes="search-field",
                )
                field.tooltip = tooltip
                yield field
        with Horizontal(id="orders-filter"):
            yield Label("Status", classes="filter-label")
            yield TypeAheadSelect(
                [(s.value, s.value) for s in OrderStatus],
                id="status-filter",
                prompt="all statuses",
                compact=True,
            )
            yield Label("Document no.", classes="filter-label")
            yield Input(id="order-search", placeholder="starts with…", compact=True)
        table = FittedTable(ORDER_COLUMNS, id="orders", cursor_type="row", zebra_stripes=True)
        table.border_title = f"Orders of channel '{self.channel}' (enter: detail)"
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Orders of channel '{self.channel}'"
        table = self.query_one("#orders", FittedTable)
        self.load()
        table.focus()

    def load(self) -> None:
        """Reload the list with the current filters (in a thread: the list can be long)."""
        status = self.query_one("#status-filter", Select).value
        table = self.query_one("#orders", DataTable)
        try:
            filters = parse_order_filter(
                {
                    name: self.query_one(f"#search-{name}", Input).value
                    for name, *_ in SEARCH_FIELDS
                },
                status=None if status is Select.NULL else str(status),
                document_prefix=self.query_one("#order-search", Input).value.strip() or None,
            )
        except ValidationFailed as error:
            table.border_subtitle = f"search: {error.problems[0].message}"
            return
        table.border_subtitle = "loading…"
        self.fetch_orders(filters)

    @work(thread=True, exclusive=True, group="orders", exit_on_error=False)
    def fetch_orders(self, filters: OrderFilter) -> list[OrderView]:
        return list_orders(
            self.orderio.db, channel=self.channel, filters=filters, limit=ORDERS_SHOWN
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "orders":
            return
        if event.state is WorkerState.SUCCESS:
            self.show_orders(event.worker.result or [])
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, UserError) else type(error).__name__
            self.query_one("#orders", DataTable).border_subtitle = f"could not load: {message}"

    def show_orders(self, orders: list[OrderView]) -> None:
        table = self.query_one("#orders", FittedTable)
        table.set_rows(
            [
                (
                    order.document_no,
                    [
                        order.document_no,
                        order.status,
                        local_short(order.created_at),
                        order.customer,
                        order.customer_type,
                        f"{order.gross_total} {order.currency}",
                        str(len(order.line_items)),
                    ],
                )
                for order in orders
            ]
        )
        if len(orders) >= ORDERS_SHOWN:
            table.border_subtitle = f"first {ORDERS_SHOWN} shown: filter to narrow down"
        else:
            table.border_subtitle = f"{len(orders)} order{'s' if len(orders) != 1 else ''}"

    @on(Select.Changed, "#status-filter")
    def status_chosen(self) -> None:
        self.load()

    @on(Input.Changed, "#order-search, .search-field")
    def search_typed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(0.3, self.load)

    @on(Input.Submitted, "#order-search, .search-field")
    def search_submitted(self) -> None:
        self.load()
        self.query_one("#orders", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is None:
            return
        from .detail import OrderDetailScreen

        self.app.push_screen(OrderDetailScreen(event.row_key.value, self.channel))

    def action_search(self) -> None:
        self.query_one("#order-search", Input).focus()

    def action_clear_search(self) -> None:
        for name, *_ in SEARCH_FIELDS:
            self.query_one(f"#search-{name}", Input).value = ""
        self.query_one("#order-search", Input).value = ""

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
