"""Looking up orders: the orders browser, `orders` and `order` on the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..database import Database
from ..domain.models import Channel, Order, RunResultRow
from ..domain.order_json import document_of
from ..errors import Ambiguous, NotFound
from .channels import channel_by_name


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@dataclass(frozen=True)
class LineItemView:
    position: int
    status: str
    sku: str
    product_name: str
    quantity: int
    gross_total: Decimal


@dataclass(frozen=True)
class PaymentView:
    id: str
    service: str
    amount: Decimal
    status: str


@dataclass(frozen=True)
class HistoryView:
    at: datetime
    entity: str
    entity_ref: str | None
    from_status: str | None
    to_status: str
    reason_code: str | None
    reason_text: str | None
    source: str
    run_id: int | None


@dataclass(frozen=True)
class OrderView:
    """An order as lists and the command line show it."""

    id: int
    document_no: str
    channel: str
    status: str
    created_at: datetime
    customer: str
    customer_type: str
    gross_total: Decimal
    currency: str
    to_be_deleted: bool
    line_items: list[LineItemView] = field(default_factory=list)
    payments: list[PaymentView] = field(default_factory=list)
    reason_code: str | None = None
    reason_text: str | None = None
    history: list[HistoryView] = field(default_factory=list)
    invoice_address: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """SPEC §10 shape of `orders --json` (`order --json` prints :func:`order_document`)."""
        return {
            "document_no": self.document_no,
            "channel": self.channel,
            "status": self.status,
            "line_items": [
                {"position": li.position, "status": li.status} for li in self.line_items
            ],
            "payments": [{"id": p.id, "status": p.status} for p in self.payments],
            "to_be_deleted": self.to_be_deleted,
        }


def _history_json(h: HistoryView) -> dict[str, Any]:
    return {
        "at": _iso(h.at),
        "entity": h.entity,
        "ref": h.entity_ref,
        "from": h.from_status,
        "to": h.to_status,
        "reason_code": h.reason_code,
        "reason_text": h.reason_text,
        "source": h.source,
        "run_id": h.run_id,
    }


def _view(order: Order, channel_name: str, *, detail: bool) -> OrderView:
    buyer = " ".join(p for p in (order.buyer_first_name, order.buyer_last_name) if p)
    if order.buyer_company:
        buyer = f"{order.buyer_company} ({buyer})" if buyer else order.buyer_company
    address = [
        " ".join(p for p in (order.invoice_first_name, order.invoice_last_name) if p),
        order.invoice_company or "",
        order.invoice_line1 or "",
        order.invoice_line2 or "",
        " ".join(p for p in (order.invoice_postal_code, order.invoice_city) if p),
        order.invoice_country or "",
    ]
    return OrderView(
        id=order.id,
        document_no=order.document_no,
        channel=channel_name,
        status=order.status,
        created_at=order.created_at,
        customer=buyer,
        customer_type=order.customer_type,
        gross_total=order.gross_total,
        currency=order.currency or "",
        to_be_deleted=order.to_be_deleted,
        line_items=[
            LineItemView(
                li.position, li.status, li.sku, li.product_name, li.quantity, li.gross_total
            )
            for li in order.line_items
        ],
        payments=[
            PaymentView(p.transaction_id, p.service_id, p.amount, p.status) for p in order.payments
        ],
        reason_code=order.status_reason_code,
        reason_text=order.status_reason_text,
        history=[
            HistoryView(
                h.at,
                h.entity,
                h.entity_ref,
                h.from_status,
                h.to_status,
                h.reason_code,
                h.reason_text,
                h.source,
                h.run_id,
            )
            for h in order.history
        ]
        if detail
        else [],
        invoice_address=[line for line in address if line] if detail else [],
    )


def list_orders(
    db: Database,
    *,
    channel: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    search: str | None = None,
) -> list[OrderView]:
    """Orders (of a channel, with a status, matching a document number prefix) oldest first."""
    with db.read() as session:
        query = (
            select(Order, Channel.name)
            .join(Channel, Channel.id == Order.channel_id)
            .options(selectinload(Order.line_items), selectinload(Order.payments))
            .order_by(Order.document_no, Order.id)
        )
        if channel is not None:
            query = query.where(Order.channel_id == channel_by_name(session, channel).id)
        if status:
            query = query.where(Order.status == status)
        if search:
            query = query.where(Order.document_no.startswith(search, autoescape=True))
        if limit is not None:
            query = query.limit(limit)
        return [_view(o, name, detail=False) for o, name in session.execute(query)]


def find_order(session: Session, document_no: str, channel: str | None = None) -> Order:
    """The order with ``document_no`` (unique across channels unless ``channel`` is given)."""
    query = select(Order).where(Order.document_no == document_no)
    if channel is not None:
        query = query.where(Order.channel_id == channel_by_name(session, channel).id)
    orders = list(session.scalars(query))
    if not orders:
        where = f" in channel '{channel}'" if channel else ""
        raise NotFound(f"order '{document_no}' does not exist{where}: check the document number")
    if len(orders) > 1:
        names = sorted(session.get(Channel, o.channel_id).name for o in orders)  # type: ignore[union-attr]
        raise Ambiguous("order", document_no, names)
    return orders[0]


def order_detail(db: Database, document_no: str, channel: str | None = None) -> OrderView:
    """One order with lines, payments, invoice address and status history."""
    with db.read() as session:
        order = find_order(session, document_no, channel)
        return _view(order, order.channel.name, detail=True)


def order_document(db: Database, document_no: str, channel: str | None = None) -> dict[str, Any]:
    """`order --json`: the order's JSON form (SPEC §13) plus the read-only status reason,
    status history and run results."""
    with db.read() as session:
        order = find_order(session, document_no, channel)
        view = _view(order, order.channel.name, detail=True)
        document = document_of(order, order.channel.name)
        results = session.scalars(
            select(RunResultRow).where(RunResultRow.order_id == order.id).order_by(RunResultRow.id)
        )
        document.update(
            status_reason_code=order.status_reason_code,
            status_reason_text=order.status_reason_text,
            history=[_history_json(h) for h in view.history],
            results=[
                {
                    "run_id": r.run_id,
                    "outcome": r.outcome,
                    "reason_code": r.reason_code,
                    "reason_text": r.reason_text,
                    "file": r.file_name,
                }
                for r in results
            ],
        )
        return document
