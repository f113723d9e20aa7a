"""Looking up orders: the orders browser, `orders` and `order` on the command line."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from ..database import Database
from ..domain.models import Channel, Order, RunResultRow
from ..domain.order_rows import document_of
from ..errors import Ambiguous, FieldProblem, NotFound, ValidationFailed
from .channels import channel_by_name
from .forms import (  # the search values' parsing, light enough for the command line
    MAX_SEARCH_AMOUNT,
    MAX_SEARCH_LENGTH,
    parse_amount,
    parse_day,
    text_problem,
)


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


#: How the search fields that are not text are read.
_PARSERS: dict[str, Callable[[str], Any]] = {
    "created_from": parse_day,
    "created_to": parse_day,
    "gross_min": parse_amount,
    "gross_max": parse_amount,
}


def parse_order_filter(texts: Mapping[str, str], **given: Any) -> OrderFilter:
    """The search of the orders browser's fields (named as :class:`OrderFilter`'s; empty ones
    are not searched by) and the ``given`` values; :class:`ValidationFailed` has each field's
    problem."""
    values: dict[str, Any] = dict(given)
    problems: list[FieldProblem] = []
    for name, text in texts.items():
        if not text.strip():
            continue
        try:
            values[name] = _PARSERS.get(name, str.strip)(text)
        except ValueError as error:
            problems.append(FieldProblem(name, str(error)))
    if problems:
        raise ValidationFailed(problems)
    return OrderFilter(**values)


@dataclass(frozen=True)
class OrderFilter:
    """What orders are searched by (SPEC §16); every field is optional and all are combined.

    ``customer_id`` is the buyer's customer number, exactly; ``email`` and ``name`` (first name,
    last name, "first last" or company) match from their start, in any case. The creation days
    are those of the order's channel's time zone, both included.
    """

    status: str | None = None
    document_prefix: str | None = None
    customer_id: str | None = None
    email: str | None = None
    name: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    gross_min: Decimal | None = None
    gross_max: Decimal | None = None

    def problems(self) -> list[FieldProblem]:
        """What makes this search impossible, one message per field."""
        found: list[FieldProblem] = []
        for name in ("document_prefix", "customer_id", "email", "name"):
            value = getattr(self, name)
            problem = text_problem(value, MAX_SEARCH_LENGTH) if value else None
            if problem:
                found.append(FieldProblem(name, problem))
        for name in ("gross_min", "gross_max"):
            value = getattr(self, name)
            if value is not None and not (0 <= value <= MAX_SEARCH_AMOUNT):
                found.append(FieldProblem(name, f"an amount from 0 to {MAX_SEARCH_AMOUNT}"))
        low, high = self.gross_min, self.gross_max
        if low is not None and high is not None and low > high:
            found.append(FieldProblem("gross_max", "the maximum is below the minimum"))
        if self.created_from and self.created_to and self.created_from > self.created_to:
            found.append(FieldProblem("created_to", "the last day is before the first"))
        return found


def _fold(text: str, dialect: str) -> str:
    """``text`` lowered as the database's ``lower()`` lowers it (SQLite: ASCII letters only)."""
    if dialect == "sqlite":
        return text.translate(_ASCII_LOWER)
    return text.lower()


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _starts_with(column: Any, text: str, dialect: str) -> ColumnElement[bool]:
    """``column`` starts with ``text`` in any case: a range on ``lower(column)`` that its index
    serves, and the exact prefix test on the rows in that range."""
    prefix = _fold(text, dialect)
    lowered = func.lower(column)
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first text past every match
    return and_(lowered >= prefix, lowered < after, lowered.startswith(prefix, autoescape=True))


def _name_matches(text: str, dialect: str) -> ColumnElement[bool]:
    """Last name, first name or company from its start; "Lea Wag" is a first name and the
    start of a last name (or the start of a last name or company with a space)."""
    first, _, last = text.partition(" ")
    if not last.strip():
        named = _starts_with(Order.buyer_first_name, text, dialect)
    else:
        named = and_(
            _starts_with(Order.buyer_first_name, first, dialect),
            _starts_with(Order.buyer_last_name, last.strip(), dialect),
        )
    return or_(
        _starts_with(Order.buyer_last_name, text, dialect),
        named,
        _starts_with(Order.buyer_company, text, dialect),
    )


def _zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC  # channel time zones are checked when saved; this is only a last resort


def _unindexed(column: Any) -> ColumnElement[Any]:
    """``+column`` (SQLite): the same value, which SQLite's planner does not look up in an
    index."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def _created_between(
    channels: list[Channel], first: date | None, last: date | None, created: Any
) -> ColumnElement[bool]:
    """Created (``created``: the creation time column) on the days ``first`` to ``last`` of each
    order's channel's time zone."""
    matches = []
    for channel in channels:
        zone = _zone(channel.timezone)
        bounds = [Order.channel_id == channel.id]
        if first is not None:
            bounds.append(created >= datetime.combine(first, time(), zone))
        if last is not None:
            bounds.append(created < datetime.combine(last + timedelta(1), time(), zone))
        matches.append(and_(*bounds))
    return or_(*matches) if matches else false()


def _search_conditions(
    session: Session, channels: list[Channel], filters: OrderFilter
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``filters``; each can be served by an index of the orders
    table."""
    dialect = session.get_bind().dialect.name
    conditions: list[ColumnElement[bool]] = []
    if filters.status:
        conditions.append(Order.status == filters.status)
    if filters.document_prefix:
        conditions.append(Order.document_no.startswith(filters.document_prefix, autoescape=True))
    if filters.customer_id:
        conditions.append(Order.customer_no == filters.customer_id.strip())
    if filters.email and filters.email.strip():
        conditions.append(_starts_with(Order.buyer_email, filters.email.strip(), dialect))
    if filters.name and filters.name.strip():
        conditions.append(_name_matches(filters.name.strip(), dialect))
    # SQLite has no statistics of ranges: with a narrower search at hand, a wide creation or
    # gross range must not be the index it walks (its rows are tested instead).
    narrow = dialect == "sqlite" and any(
        (filters.document_prefix, filters.customer_id, filters.email, filters.name)
    )
    created: Any = _unindexed(Order.created_at) if narrow else Order.created_at
    gross: Any = _unindexed(Order.gross_total) if narrow else Order.gross_total
    if filters.created_from is not None or filters.created_to is not None:
        conditions.append(
            _created_between(channels, filters.created_from, filters.created_to, created)
        )
    if filters.gross_min is not None:
        conditions.append(gross >= filters.gross_min)
    if filters.gross_max is not None:
        conditions.append(gross <= filters.gross_max)
    return conditions


def search_query(session: Session, channel: str | None, filters: OrderFilter) -> Select[Order, str]:
    """The query of orders (of ``channel``, matching ``filters``) with their channel's name, by
    document number; every condition is one an index of the orders table serves."""
    query = (
        select(Order, Channel.name)
        .join(Channel, Channel.id == Order.channel_id)
        .order_by(Order.document_no, Order.id)
    )
    if channel is not None:
        channels = [channel_by_name(session, channel)]
        query = query.where(Order.channel_id == channels[0].id)
    else:
        channels = list(session.scalars(select(Channel)))
    return query.where(*_search_conditions(session, channels, filters))


def list_orders(
    db: Database,
    *,
    channel: str | None = None,
    limit: int | None = None,
    filters: OrderFilter | None = None,
) -> list[OrderView]:
    """Orders (of a channel, matching ``filters``) by document number, searched by the
    database; :class:`ValidationFailed` when a filter is impossible."""
    filters = filters or OrderFilter()
    problems = filters.problems()
    if problems:
        raise ValidationFailed(problems)
    with db.read() as session:
        query = search_query(session, channel, filters).options(
            selectinload(Order.line_items), selectinload(Order.payments)
        )
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
