"""One order: header, line items, payments and status history."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from ...application.orders import HistoryView, OrderView, order_detail
from ...errors import UserError
from ..context import OrderioContext, context_of
from ..display import NOTHING, local_day_time, local_full
from ..widgets.fitted_table import Cell, Column, FittedTable

TABS = ("tab-lines", "tab-payments", "tab-history")

#: The reason stays readable at 80 columns (cut if long); the run and the source go first.
HISTORY_COLUMNS = (
    Column("At", "at"),
    Column("What", "what"),
    Column("From", "from"),
    Column("To", "to"),
    Column("Source", "source", keep=1),
    Column("Run", "run", keep=0),
    Column("Reason", "reason", shrink_to=16),
)


def history_cells(change: HistoryView) -> list[Cell]:
    """One status change as a row of the status history."""
    what = change.entity + (f" {change.entity_ref}" if change.entity_ref else "")
    reason = ": ".join(p for p in (change.reason_code, change.reason_text) if p)
    return [
        local_day_time(change.at),
        what,
        change.from_status or NOTHING,
        change.to_status,
        change.source,
        str(change.run_id) if change.run_id else NOTHING,
        reason or NOTHING,
    ]


def header_text(order: OrderView) -> str:
    """The header block of the order detail screen."""
    status = order.status
    if order.reason_code:
        status += f" ({order.reason_code}: {order.reason_text or ''})"
    lines = [
        f"Order {order.document_no} · channel '{order.channel}' · status {status}"
        + (" · to be deleted" if order.to_be_deleted else ""),
        f"Created {local_full(order.created_at)} · {order.customer or NOTHING} "
        f"({order.customer_type}) · gross total {order.gross_total} {order.currency}",
    ]
    if order.invoice_address:
        lines.append("Invoice to: " + ", ".join(order.invoice_address))
    return "\n".join(lines)


class OrderDetailScreen(Screen[None]):
    """Header, then tabs for line items, payments and the status history."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="order.back"),
        Binding("f6", "next_tab", "Next tab", id="order.next_tab"),
    ]

    def __init__(self, document_no: str, channel: str) -> None:
        super().__init__()
        self.document_no = document_no
        self.channel = channel

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        yield Static("", id="order-header", markup=False)
        with TabbedContent(id="order-tabs"):
            with TabPane("Line items", id="tab-lines"):
                yield DataTable(id="lines", cursor_type="row")
            with TabPane("Payments", id="tab-payments"):
                yield DataTable(id="payments", cursor_type="row")
            with TabPane("Status history", id="tab-history"):
                yield FittedTable(HISTORY_COLUMNS, id="history", cursor_type="row")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Order {self.document_no}"
        try:
            order = order_detail(self.orderio.db, self.document_no, self.channel)
        except UserError as exc:
            self.query_one("#order-header", Static).update(str(exc))
            return
        self.query_one("#order-header", Static).update(header_text(order))
        lines = self.query_one("#lines", DataTable)
        lines.add_columns("Pos", "Status", "SKU", "Product", "Qty", "Gross")
        for item in order.line_items:
            lines.add_row(
                str(item.position),
                item.status,
                item.sku,
                item.product_name,
                str(item.quantity),
                str(item.gross_total),
            )
        payments = self.query_one("#payments", DataTable)
        payments.add_columns("Transaction", "Method", "Amount", "Status")
        for payment in order.payments:
            payments.add_row(payment.id, payment.service, str(payment.amount), payment.status)
        self.query_one("#history", FittedTable).set_rows(
            [(None, history_cells(change)) for change in order.history]
        )
        lines.focus()

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        current = TABS.index(tabs.active) if tabs.active in TABS else 0
        tabs.active = TABS[(current + 1) % len(TABS)]
        table_id = {"tab-lines": "#lines", "tab-payments": "#payments", "tab-history": "#history"}
        self.query_one(table_id[tabs.active]).focus()

    def action_back(self) -> None:
        self.dismiss(None)
