"""Per-order rules of the intake (SPEC §13): check one order, name its status, insert it.

:func:`check_order` is a pure function over an order's JSON form and the channel: every
problem it finds, in words for the run log and the report (an empty list: the order is valid).
:func:`created_status` maps the file's order status onto the one orderio creates it with;
line-item and payment statuses are kept as given. :func:`same_content` decides between
`unchanged` and `rejected` for a document number the channel already has (looked up in bulk by
:func:`existing_documents`). :func:`insert_orders`
writes a batch of valid orders with one driver executemany per table, with a first history row each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...domain.bulk import insert_stored, reserve_ids
from ...domain.models import (
    Bucket,
    Destination,
    LineItem,
    Order,
    PaymentTransaction,
    StatusHistory,
)
from ...domain.order_rows import (
    BUCKET_COLUMNS,
    DESTINATION_COLUMNS,
    LINE_ITEM_COLUMNS,
    ORDER_COLUMNS,
    PAYMENT_COLUMNS,
    ROW_COLUMNS,
    Field,
    complete,
    content,
    document_of,
    order_rows,
)
from ...domain.statuses import Entity, LineItemStatus, OrderStatus

CENT = Decimal("0.01")
#: Order statuses of a file that create the order cancelled.
CANCELLED_STATUSES = frozenset(
    {
        OrderStatus.CANCELLED.value,
        OrderStatus.CANCELLEDANDEXPORTED.value,
        OrderStatus.PAYMENTCANCELLED.value,
    }
)
#: The statuses a file's order and line items may have (names looked up once).
_ORDER_STATUSES = frozenset(OrderStatus.__members__)
_LINE_ITEM_STATUSES = frozenset(LineItemStatus.__members__)
#: What the history row of a created order names as its source.
SOURCE = "intake"
REASON_CODE = "INTAKE"


def created_status(file_status: str | None) -> str:
    """The status an order is created with: NEW, CANCELLED or PENDING (SPEC §13)."""
    if file_status in CANCELLED_STATUSES:
        return OrderStatus.CANCELLED.value
    if file_status == OrderStatus.PENDING.value:
        return OrderStatus.PENDING.value
    return OrderStatus.NEW.value


# --------------------------------------------------------------------------- checks


def _amount(value: str | None) -> Decimal:
    return Decimal(value) if value else Decimal("0")


def _off(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) > CENT


def _check_sum(problems: list[str], what: str, parts: Sequence[Decimal], total: str | None) -> None:
    if total is None or not parts:
        return
    given = sum(parts, Decimal("0"))
    if _off(given, Decimal(total)):
        problems.append(f"{what}: the parts add up to {given}, the total says {total}")


def _check_pricing(problems: list[str], where: str, pricing: Mapping[str, Any] | None) -> None:
    if not pricing:  # most parts have none
        return
    for key in ("item_taxes", "shipping_taxes", "payment_taxes", "taxes"):
        block = pricing.get(key)
        if block:
            amounts = [_amount(t.get("amount")) for t in block.get("taxes") or ()]
            _check_sum(
                problems, f"{where} {key.replace('_', ' ')}", amounts, block.get("tax_total")
            )
    for key in ("surcharges", "import_surcharges", "geographical_surcharges"):
        block = pricing.get(key)
        if block:
            amounts = [_amount(s.get("amount")) for s in block.get("surcharges") or ()]
            _check_sum(problems, f"{where} {key.replace('_', ' ')}", amounts, block.get("total"))


#: A part's length limits by key: the limit and the path in words, or the limits of the keys
#: of the object under that key (the form nests columns one level deep).
_Lengths = dict[str, Any]


def _column_lengths(fields: Sequence[Field], model: Any, children: str | None) -> _Lengths:
    table = model.__table__
    found: _Lengths = {}
    for f in fields:
        length = getattr(table.c[f.column].type, "length", None)
        if length:
            where = ".".join(f.path) if children is None else f"{children}.{'.'.join(f.path)}"
            if len(f.path) == 1:
                found[f.path[0]] = (length, where)
            else:
                found.setdefault(f.path[0], {})[f.path[1]] = (length, where)
    return found


_LENGTHS = (
    (None, _column_lengths(ORDER_COLUMNS, Order, None)),
    ("line_items", _column_lengths(LINE_ITEM_COLUMNS, LineItem, "line_items")),
    ("buckets", _column_lengths(BUCKET_COLUMNS, Bucket, "buckets")),
    ("destinations", _column_lengths(DESTINATION_COLUMNS, Destination, "destinations")),
    ("payments", _column_lengths(PAYMENT_COLUMNS, PaymentTransaction, "payments")),
)


def _check_lengths(problems: list[str], document: Mapping[str, Any]) -> None:
    # Each present key is looked up once, instead of every column's path followed.
    for children, lengths in _LENGTHS:
        parts = [document] if children is None else document.get(children) or ()
        for part in parts:
            if _is_mapping(part):
                _check_part_lengths(problems, part, lengths)


def _is_mapping(value: Any) -> bool:
    # A dict is told without the abstract class check, which costs more than the length checks.
    return value.__class__ is dict or isinstance(value, Mapping)


def _check_part_lengths(problems: list[str], part: Mapping[str, Any], lengths: _Lengths) -> None:
    for key, value in part.items():
        limit = lengths.get(key)
        if limit is None:
            continue
        if limit.__class__ is dict:
            if _is_mapping(value):
                _check_part_lengths(problems, value, limit)
        elif isinstance(value, str) and len(value) > limit[0]:
            problems.append(f"{limit[1]} is longer than {limit[0]} characters")


def check_order(document: Mapping[str, Any], channel_currency: str) -> list[str]:
    """Every reason why ``document`` (an order's JSON form) can not be created in a channel
    with ``channel_currency``; an empty list when it can."""
    problems: list[str] = []
    for key, what in (
        ("document_no", "document number"),
        ("status", "order status"),
        ("created_at", "creation date"),
        ("currency", "currency"),
    ):
        if not document.get(key):
            problems.append(f"the order has no {what}")
    status = document.get("status")
    if status and status not in _ORDER_STATUSES:
        problems.append(f"order status '{status}' is not known")
    currency = document.get("currency")
    if currency and currency != channel_currency:
        problems.append(f"currency {currency} is not the channel's currency {channel_currency}")
    customer = document.get("customer") or {}
    if not customer.get("customer_no") and not customer.get("user_id"):
        problems.append("the order has no customer number or user id")
    items = document.get("line_items") or ()
    if not items:
        problems.append("the order has no line items")
    seen: set[int] = set()
    for item in items:
        position = item.get("position")
        label = f"line item {position}"
        if not isinstance(position, int) or position < 1:
            problems.append(f"line position '{position}' is not a positive whole number")
        elif position in seen:
            problems.append(f"line position {position} appears more than once")
        else:
            seen.add(position)
        if not item.get("sku") or not item.get("product_name"):
            problems.append(f"{label} has no product SKU or name")
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or quantity < 1:
            problems.append(f"{label} has no quantity of at least 1")
        item_status = item.get("status")
        if not item_status:
            problems.append(f"{label} has no fulfillment status")
        elif item_status not in _LINE_ITEM_STATUSES:
            problems.append(f"{label} has the unknown fulfillment status '{item_status}'")
        _check_pricing(problems, label, item.get("pricing"))
        for extra in ("warranty", "gift_message", "gift_wrap"):
            part = item.get(extra)
            if part:
                _check_pricing(problems, f"{label} {extra.replace('_', ' ')}", part.get("pricing"))
    keys: set[str] = set()
    for payment in document.get("payments") or ():
        key = payment.get("id")
        if not key:
            problems.append("a payment transaction has no id")
        elif key in keys:
            problems.append(f"payment transaction '{key}' appears more than once")
        else:
            keys.add(key)
        if not payment.get("status"):
            problems.append(f"payment transaction '{key}' has no status")
        if payment.get("amount") is None:
            problems.append(f"payment transaction '{key}' has no amount")
        _check_pricing(problems, f"payment transaction '{key}'", payment.get("pricing"))
    for bucket in document.get("buckets") or ():
        _check_pricing(problems, f"bucket '{bucket.get('key')}'", bucket.get("pricing"))
    pricing = document.get("pricing") or {}
    _check_pricing(problems, "order", pricing)
    totals = document.get("totals") or {}
    tax = totals.get("tax")
    if tax is not None and totals.get("net_total") is not None and totals.get("gross_total"):
        difference = _amount(totals["gross_total"]) - _amount(totals["net_total"])
        if _off(difference, Decimal(tax)):
            problems.append(
                f"gross total {totals['gross_total']} minus net total {totals['net_total']} "
                f"is not the tax {tax}"
            )
    groups = [_amount(g.get("tax_total")) for g in pricing.get("order_taxes") or ()]
    _check_sum(problems, "order tax groups", groups, tax)
    payments = [_amount(p.get("amount")) for p in document.get("payments") or ()]
    _check_sum(problems, "payment amounts", payments, totals.get("gross_total"))
    _check_lengths(problems, document)
    return problems


# --------------------------------------------------------------------------- existing orders


def same_content(existing: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
    """Whether an order already stored (its JSON form) and a file's order are the same order.

    Statuses and the read-only keys do not count: the export or a status import may have
    moved the stored order on since it was taken in.
    """
    return content(complete(existing)) == content(complete(candidate))


def existing_documents(
    session: Session, channel_id: int, document_nos: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The JSON forms of the orders of a channel with these document numbers, by number.

    One query per table for the whole batch, so a file's orders are looked up together.
    """
    if not document_nos:
        return {}
    orders = session.scalars(
        select(Order)
        .where(Order.channel_id == channel_id, Order.document_no.in_(set(document_nos)))
        .options(
            selectinload(Order.line_items),
            selectinload(Order.buckets),
            selectinload(Order.destinations),
            selectinload(Order.payments),
        )
    )
    found = {}
    for order in orders:
        document = document_of(order, "")
        del document["channel"]  # read-only, and the caller knows it
        found[order.document_no] = document
    return found


# --------------------------------------------------------------------------- inserting


@dataclass(frozen=True)
class NewOrder:
    """A valid order to create and where it came from (for its first history row)."""

    document: Mapping[str, Any]
    file_name: str


def insert_orders(
    session: Session, channel_id: int, orders: Sequence[NewOrder], *, run_id: int | None = None
) -> list[int]:
    """Create ``orders`` (checked by :func:`check_order`) in ``session``; returns their ids.

    Each gets the status of :func:`created_status` and a history row naming the file and the
    status the file gave. Parents get their ids first (:func:`reserve_ids`), so every table is
    written with one driver executemany per batch (:func:`insert_stored`).
    """
    if not orders:
        return []
    rows = [order_rows(o.document) for o in orders]
    order_ids = reserve_ids(session, Order.__table__, len(rows))
    destination_ids = iter(
        reserve_ids(session, Destination.__table__, sum(len(r.destinations) for r in rows))
    )
    bucket_ids = iter(reserve_ids(session, Bucket.__table__, sum(len(r.buckets) for r in rows)))
    headers: list[dict[str, Any]] = []
    destinations: list[dict[str, Any]] = []
    buckets: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    now = datetime.now(UTC).replace(tzinfo=None)  # stored naive UTC
    for order_id, new, row in zip(order_ids, orders, rows, strict=True):
        header = row.order
        file_status = header["status"]
        status = created_status(file_status)
        header.update(id=order_id, channel_id=channel_id, status=status, updated_at=now)
        headers.append(header)
        destination_of: dict[str, int] = {}
        for destination in row.destinations:
            destination_id = next(destination_ids)
            destination_of.setdefault(destination["key"], destination_id)
            destination.update(id=destination_id, order_id=order_id)
            destinations.append(destination)
        bucket_of: dict[str, int] = {}
        for bucket in row.buckets:
            bucket_id = next(bucket_ids)
            bucket_of.setdefault(bucket["key"], bucket_id)
            target = bucket["destination"]
            bucket.update(
                id=bucket_id,
                order_id=order_id,
                destination_id=destination_of.get(target) if target else None,
            )
            buckets.append(bucket)
        for item in row.line_items:
            target = item["bucket"]
            item.update(order_id=order_id, bucket_id=bucket_of.get(target) if target else None)
            items.append(item)
        for payment in row.payments:
            payment["order_id"] = order_id
            payments.append(payment)
        history.append(
            {
                "order_id": order_id,
                "at": now,
                "entity": Entity.ORDER.value,
                "to_status": status,
                "reason_code": REASON_CODE,
                "reason_text": f"taken in from {new.file_name} (status in the file: "
                f"{file_status or 'none'})",
                "run_id": run_id,
                "source": SOURCE,
            }
        )
    for table, columns, values in (
        (Order.__table__, (*ROW_COLUMNS["order"], *_ORDER_KEYS), headers),
        (Destination.__table__, (*ROW_COLUMNS["destinations"], *_PARENT_KEYS), destinations),
        (Bucket.__table__, (*ROW_COLUMNS["buckets"], *_PARENT_KEYS, "destination_id"), buckets),
        (LineItem.__table__, (*ROW_COLUMNS["line_items"], "order_id", "bucket_id"), items),
        (PaymentTransaction.__table__, (*ROW_COLUMNS["payments"], "order_id"), payments),
        (StatusHistory.__table__, _HISTORY_COLUMNS, history),
    ):
        insert_stored(session, table, columns, values)
    return order_ids


#: The columns :func:`insert_orders` sets besides those of the form.
_ORDER_KEYS = ("id", "channel_id", "updated_at")
_PARENT_KEYS = ("id", "order_id")
_HISTORY_COLUMNS = (
    "order_id",
    "at",
    "entity",
    "to_status",
    "reason_code",
    "reason_text",
    "run_id",
    "source",
)
