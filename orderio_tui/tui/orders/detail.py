"""One order: header, line items, payments, status history, and why each export configuration
would (not) export it now; a failed order can be retried from here (SPEC §16)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from ...application.explain import Explanation, explain_for_every_configuration
from ...application.orders import HistoryView, OrderView, order_detail
from ...application.retry import RetryOutcome, retry_orders
from ...database import Database
from ...errors import UserError
from ..context import OrderioContext, context_of
from ..display import NOTHING, local_day_time, local_full
from ..widgets.fitted_table import Cell, Column, FittedTable

TABS = ("tab-lines", "tab-payments", "tab-history", "tab-explain")
#: The widget that takes the focus on each tab.
TAB_FOCUS = {
    "tab-lines": "#lines",
    "tab-payments": "#payments",
    "tab-history": "#history",
    "tab-explain": "#explain-scroll",
}

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


#: Orders a retry notice names one by one; more are counted.
NOTICE_LINES = 3


def explanation_text(explanations: list[Explanation]) -> str:
    """The Explain tab: every export configuration of the channel, one check a line."""
    if not explanations:
        return "The channel has no export configuration."
    return "\n\n".join("\n".join(e.lines()) for e in explanations)


def retry_and_notify(
    screen: Screen[Any],
    db: Database,
    documents: list[str],
    *,
    channel: str,
    run_id: int | None = None,
) -> None:
    """Retry the orders (or the failed ones of run ``run_id``) and say what happened."""
    try:
        outcome = retry_orders(db, documents, run_id=run_id, channel=channel)
    except UserError as exc:
        screen.notify(str(exc), severity="error")
        return
    message, warning = retry_message(outcome)
    screen.notify(message, severity="warning" if warning else "information")


def retry_message(outcome: RetryOutcome) -> tuple[str, bool]:
    """What a retry from the TUI says, and whether it is a warning (something was refused)."""
    retried, refused = outcome.retried, outcome.refused
    if len(retried) > NOTICE_LINES:
        lines = [f"{len(retried)} orders retried"]
    else:
        lines = [f"order {r.document_no} retried: now {r.status}" for r in retried]
    lines += [r.message for r in refused[:NOTICE_LINES]]
    if len(refused) > NOTICE_LINES:
        lines.append(f"… and {len(refused) - NOTICE_LINES} more refused")
    return "\n".join(lines), bool(refused)


class OrderDetailScreen(Screen[None]):
    """Header, then tabs for line items, payments, the status history and Explain."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="order.back"),
        Binding("f6", "next_tab", "Next tab", id="order.next_tab"),
        Binding("t", "retry", "Retry", id="order.retry", tooltip="Send a failed order again"),
        Binding(
            "e",
            "explain",
            "Explain",
            id="order.explain",
            tooltip="Would each export configuration export this order now, and why not",
        ),
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
            with (
                TabPane("Explain", id="tab-explain"),
                VerticalScroll(id="explain-scroll", can_focus=True),
            ):
                yield Static("Press e to explain.", id="explain", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Order {self.document_no}"
        self.load()
        self.query_one("#lines", DataTable).focus()

    def load(self) -> None:
        """Show the order as it is in the database now."""
        try:
            order = order_detail(self.orderio.db, self.document_no, self.channel)
        except UserError as exc:
            self.query_one("#order-header", Static).update(str(exc))
            return
        self.query_one("#order-header", Static).update(header_text(order))
        lines = self.query_one("#lines", DataTable)
        lines.clear(columns=True)
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
        payments.clear(columns=True)
        payments.add_columns("Transaction", "Method", "Amount", "Status")
        for payment in order.payments:
            payments.add_row(payment.id, payment.service, str(payment.amount), payment.status)
        self.query_one("#history", FittedTable).set_rows(
            [(None, history_cells(change)) for change in order.history]
        )

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        current = TABS.index(tabs.active) if tabs.active in TABS else 0
        self._show_tab(TABS[(current + 1) % len(TABS)])

    def _show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(TAB_FOCUS[tab]).focus()

    def action_explain(self) -> None:
        try:
            text = explanation_text(
                explain_for_every_configuration(self.orderio.db, self.document_no, self.channel)
            )
        except UserError as exc:
            text = str(exc)
        self.query_one("#explain", Static).update(text)
        self._show_tab("tab-explain")

    def action_retry(self) -> None:
        retry_and_notify(self, self.orderio.db, [self.document_no], channel=self.channel)
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
