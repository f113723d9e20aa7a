"""Orders of the selected channel, filtered by status and document number."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Label, Select
from textual.worker import Worker, WorkerState

from ...application.orders import OrderView, list_orders
from ...domain.statuses import OrderStatus
from ...errors import UserError
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


class OrdersScreen(Screen[None]):
    """The orders browser: a status filter, a document-number search and the list."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="orders.back"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="orders.refresh", key_display="f5"),
        Binding("ctrl+f", "search", "Search", id="orders.search", tooltip="Document number"),
    ]

    def __init__(self, channel: str) -> None:
        super().__init__()
        self.channel = channel
        self._search_timer: Timer | None = None

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
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
        search = self.query_one("#order-search", Input).value.strip()
        self.query_one("#orders", DataTable).border_subtitle = "loading…"
        self.fetch_orders(None if status is Select.NULL else str(status), search or None)

    @work(thread=True, exclusive=True, group="orders", exit_on_error=False)
    def fetch_orders(self, status: str | None, search: str | None) -> list[OrderView]:
        return list_orders(
            self.orderio.db, channel=self.channel, status=status, search=search, limit=ORDERS_SHOWN
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

    @on(Input.Changed, "#order-search")
    def search_typed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(0.3, self.load)

    @on(Input.Submitted, "#order-search")
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

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
