"""The JSON form of an order (:mod:`.order_json`) in the database: rows, and back (SPEC §13).

The keys listed in the ``*_COLUMNS`` tables live in columns (conditions and lists use them);
everything else of an order and of each child is kept, in this same form, in the row's ``extra``
JSON column. :func:`order_rows` splits a document into rows (completing the amounts a file may
leave out) and :func:`document_of` joins rows back, so a document survives the database
unchanged; :func:`complete` and :func:`content` give the document as it is stored and compared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .models import RATE_SCALE, Order
from .order_json import (
    BOOL,
    EMPTY_VALUES,
    INT,
    MONEY,
    RATE,
    READ_ONLY_KEYS,
    STR,
    TIME,
    money_cents,
    money_text,
    parse_time,
    rate_text,
    utc_text,
)

# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Field:
    """A key of the JSON form (``path`` inside its object) that is held in a column."""

    path: tuple[str, ...]
    column: str
    kind: str = STR


def _fields(kind: str, *pairs: tuple[str, str]) -> tuple[Field, ...]:
    return tuple(Field(tuple(path.split(".")), column, kind) for path, column in pairs)


_CONTACT_COLUMNS = (
    ("title", "title"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("company_name", "company"),
    ("email", "email"),
    ("phone_home", "phone"),
    ("line1", "line1"),
    ("line2", "line2"),
    ("postal_code", "postal_code"),
    ("city", "city"),
    ("state", "state"),
    ("country", "country"),
    ("country_code", "country_code"),
)
_TOTAL_COLUMNS = (
    ("totals.item_total", "item_total"),
    ("totals.shipping_costs", "shipping_total"),
    ("totals.payment_costs", "payment_costs"),
    ("totals.tax", "tax_total"),
    ("totals.duties", "duties_total"),
    ("totals.net_total", "net_total"),
    ("totals.gross_total", "gross_total"),
)
ORDER_COLUMNS = (
    *_fields(
        STR,
        ("document_no", "document_no"),
        ("store", "store"),
        ("status", "status"),
        ("locale", "locale"),
        ("currency", "currency"),
        ("customer_order_id", "customer_order_id"),
        ("cost_center", "cost_center"),
        ("customer.customer_no", "customer_no"),
        ("customer.user_id", "user_id"),
        ("customer.type", "customer_type"),
        ("customer.calculation_type", "calculation_type"),
        ("customer.first_name", "buyer_first_name"),
        ("customer.last_name", "buyer_last_name"),
        ("customer.company_name", "buyer_company"),
        ("customer.account", "buyer_email"),
        ("customer.taxation_id", "taxation_id"),
        *((f"invoice_address.{key}", f"invoice_{column}") for key, column in _CONTACT_COLUMNS),
    ),
    Field(("created_at",), "created_at", TIME),
    Field(("to_be_deleted",), "to_be_deleted", BOOL),
    *_fields(MONEY, *_TOTAL_COLUMNS),
    #: Stored as a positive amount; the form (like ICM) shows it negative.
    Field(("totals", "item_discounts"), "item_discount_total", "discount"),
)
LINE_ITEM_COLUMNS = (
    *_fields(
        STR,
        ("status", "status"),
        ("sku", "sku"),
        ("product_name", "product_name"),
        ("supplier", "supplier"),
        ("unit", "unit"),
        ("discount_description", "discount_description"),
    ),
    *_fields(INT, ("position", "position"), ("quantity", "quantity")),
    Field(("hidden",), "hidden", BOOL),
    *_fields(
        MONEY,
        ("unit_price_net", "unit_price_net"),
        ("unit_price_gross", "unit_price_gross"),
        ("net_total", "net_total"),
        ("gross_total", "gross_total"),
        ("tax_amount", "tax_amount"),
        ("discount_amount", "discount_amount"),
    ),
    Field(("tax_rate",), "tax_rate", RATE),
)
BUCKET_COLUMNS = (
    *_fields(
        STR,
        ("key", "key"),
        ("shipping_method_id", "shipping_method_id"),
        ("shipping_method_name", "shipping_method_name"),
    ),
    *_fields(INT, ("ship_time_min_days", "ship_time_min_days")),
    *_fields(INT, ("ship_time_max_days", "ship_time_max_days")),
    *_fields(
        MONEY,
        ("shipping_net", "shipping_net"),
        ("shipping_gross", "shipping_gross"),
        ("shipping_tax", "shipping_tax"),
    ),
    Field(("shipping_tax_rate",), "shipping_tax_rate", RATE),
)
DESTINATION_COLUMNS = (
    Field(("key",), "key"),
    *_fields(STR, *((f"address.{key}", column) for key, column in _CONTACT_COLUMNS)),
)
PAYMENT_COLUMNS = (
    *_fields(STR, ("id", "transaction_id"), ("service_id", "service_id"), ("status", "status")),
    *_fields(MONEY, ("amount", "amount"), ("cost", "cost")),
)


def _form_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == TIME:
        return utc_text(value)
    if kind == MONEY:
        return money_text(value)
    if kind == "discount":
        return money_text(-abs(Decimal(value)))
    if kind == RATE:
        return rate_text(value)
    return value


def prune(value: Any) -> Any:
    """``value`` without nulls, empty objects and empty lists (the form's normal form)."""
    if isinstance(value, dict):
        pruned = {key: prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, {}, [])}
    if isinstance(value, list):
        return [prune(item) for item in value]
    return value


def join(
    row: Mapping[str, Any], extra: Mapping[str, Any] | None, fields: Iterable[Field]
) -> dict[str, Any]:
    """The inverse of :func:`order_rows` for one part: the form from its columns and ``extra``."""
    document: dict[str, Any] = {}
    for f in fields:
        value = _form_value(row[f.column], f.kind)
        if value is None:
            continue
        parent = document
        for key in f.path[:-1]:
            parent = parent.setdefault(key, {})
        parent[f.path[-1]] = value
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(document.get(key), dict):
            document[key] = {**document[key], **value}
        else:
            document[key] = value
    return document


def _discount_cents(value: Any) -> int:
    return abs(money_cents(value))


def _rate_units(value: Any) -> int:
    """A tax rate as the column stores it (integer ten-thousandths, see ``Rate``)."""
    return int((Decimal(str(value)) * RATE_SCALE).to_integral_value(ROUND_HALF_UP))


def _naive_utc(value: str) -> datetime:
    """A time of the form as the column stores it (naive UTC, see ``UTCDateTime``)."""
    return parse_time(value).replace(tzinfo=None)


_STORED: dict[str, Callable[[Any], Any]] = {
    MONEY: money_cents,
    "discount": _discount_cents,
    RATE: _rate_units,
    TIME: _naive_utc,
}


class _Splitter:
    """Splits a part of the form into stored column values and the rest (for ``extra``).

    Built once per table: each key of a part is looked up once, instead of each field's path
    being followed in every part.
    """

    def __init__(self, fields: Iterable[Field], skip: tuple[str, ...] = ()) -> None:
        self.blank: dict[str, Any] = {}
        self.top: dict[str, tuple[str, Callable[[Any], Any] | None]] = {}
        self.nested: dict[str, dict[str, tuple[str, Callable[[Any], Any] | None]]] = {}
        for f in fields:
            self.blank[f.column] = None
            entry = (f.column, _STORED.get(f.kind))
            if len(f.path) == 1:
                self.top[f.path[0]] = entry
            else:  # the form nests columns one level deep (customer, totals, ...)
                self.nested.setdefault(f.path[0], {})[f.path[1]] = entry
        self.skip = frozenset(skip)
        self.columns = (*self.blank, "extra")

    def __call__(self, document: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(self.blank)
        rest: dict[str, Any] = {}
        top, skip, nested = self.top, self.skip, self.nested  # looked up once, not per key
        for key, value in document.items():
            entry = top.get(key)
            if entry is not None:
                if value is not None:
                    column, convert = entry
                    row[column] = value if convert is None else convert(value)
                continue
            if key in skip or value in EMPTY_VALUES:
                continue
            inner = nested.get(key)
            if inner is None or not isinstance(value, dict):
                rest[key] = value
                continue
            part = {}
            for sub_key, sub_value in value.items():
                entry = inner.get(sub_key)
                if entry is None:
                    part[sub_key] = sub_value
                elif sub_value is not None:
                    column, convert = entry
                    row[column] = sub_value if convert is None else convert(sub_value)
            if part:
                rest[key] = part
        row["extra"] = rest or None
        return row


_ORDER_CHILDREN = ("line_items", "buckets", "destinations", "payments", "channel")
_SPLIT_ORDER = _Splitter(ORDER_COLUMNS, _ORDER_CHILDREN)
_SPLIT_ITEM = _Splitter(LINE_ITEM_COLUMNS, ("bucket",))
_SPLIT_BUCKET = _Splitter(BUCKET_COLUMNS, ("destination",))
_SPLIT_DESTINATION = _Splitter(DESTINATION_COLUMNS)
_SPLIT_PAYMENT = _Splitter(PAYMENT_COLUMNS)
#: The columns of each kind of row :func:`order_rows` makes (references not included).
ROW_COLUMNS = {
    "order": _SPLIT_ORDER.columns,
    "line_items": _SPLIT_ITEM.columns,
    "buckets": _SPLIT_BUCKET.columns,
    "destinations": _SPLIT_DESTINATION.columns,
    "payments": _SPLIT_PAYMENT.columns,
}


@dataclass(frozen=True)
class OrderRows:
    """The rows of one order: header columns, and per child its columns with ``extra``."""

    order: dict[str, Any]
    line_items: list[dict[str, Any]]
    buckets: list[dict[str, Any]]
    destinations: list[dict[str, Any]]
    payments: list[dict[str, Any]]


def order_rows(document: Mapping[str, Any]) -> OrderRows:
    """``document`` (checked, complete or not) as rows of stored values, completed as
    :func:`complete` completes it: ``order_rows(d) == order_rows(complete(d))``.

    Values are as the columns store them (see :func:`~orderio_tui.domain.bulk.insert_stored`):
    money in cents, rates in ten-thousandths, times naive UTC. References stay keys: line
    items keep their bucket key in ``bucket`` and buckets their destination key in
    ``destination``; the caller turns them into ids once the parents have theirs. The values
    :func:`complete` derives are derived here in stored units, in the same pass that splits
    the parts, instead of as texts in a copy of the document that is then split again.
    """
    items = []
    for item in document.get("line_items") or ():
        row = _SPLIT_ITEM(item)
        _complete_item_row(row, item)
        row["bucket"] = item.get("bucket")
        items.append(row)
    buckets = []
    for bucket in document.get("buckets") or ():
        row = _SPLIT_BUCKET(bucket)
        _complete_bucket_row(row, bucket)
        row["destination"] = bucket.get("destination")
        buckets.append(row)
    payments = []
    for payment in document.get("payments") or ():
        row = _SPLIT_PAYMENT(payment)
        if row["cost"] is None:
            row["cost"] = 0
        if row["service_id"] is None:
            row["service_id"] = ""
        payments.append(row)
    header = _SPLIT_ORDER(document)
    for column, default in _ORDER_DEFAULTS:
        if header[column] is None:
            header[column] = default
    return OrderRows(
        header,
        items,
        buckets,
        [_SPLIT_DESTINATION(d) for d in document.get("destinations") or ()],
        payments,
    )


#: The stored values :func:`complete` gives an order's columns that the document leaves out.
_ORDER_DEFAULTS = (
    *((column, 0) for column in ("item_total", "shipping_total", "payment_costs", "tax_total")),
    *((column, 0) for column in ("duties_total", "item_discount_total", "net_total")),
    ("gross_total", 0),
    ("to_be_deleted", False),
    ("locale", "en_US"),
    ("customer_type", "PRIVATE"),
)


def _stored_amount(value: Any) -> int:
    """A money value of the form in cents; absent is 0."""
    return money_cents(value) if value else 0


def _stored_first_rate(taxes: Mapping[str, Any] | None) -> int:
    rate = _first_rate(taxes)
    return _rate_units(rate) if rate is not None else 0


def _complete_item_row(row: dict[str, Any], item: Mapping[str, Any]) -> None:
    """:func:`_complete_item` on a line item's row (stored units), from the item's pricing."""
    pricing = item.get("pricing") or {}
    sales = pricing.get("sales") or {}
    quantity = item.get("quantity") or 1
    discounts = pricing.get("item_discounts") or ()
    unit_net = row["unit_price_net"]
    if unit_net is None:
        unit_net = row["unit_price_net"] = _stored_amount(sales.get("single_base_price"))
    price = sales.get("item_price")
    item_price = money_cents(price) if price else unit_net * quantity
    tax = row["tax_amount"]
    if tax is None:
        tax = row["tax_amount"] = _stored_amount((pricing.get("item_taxes") or {}).get("tax_total"))
    if row["tax_rate"] is None:
        row["tax_rate"] = _stored_first_rate(pricing.get("item_taxes"))
    discount = row["discount_amount"]
    if discount is None:
        discount = row["discount_amount"] = abs(
            sum(_stored_amount(d.get("amount")) for d in discounts)
        )
    if row["discount_description"] is None and discounts:
        first = discounts[0]
        row["discount_description"] = first.get("code") or first.get("description")
    net = row["net_total"]
    if net is None:
        net = row["net_total"] = item_price - discount
    if row["gross_total"] is None:
        row["gross_total"] = net + tax
    if row["unit_price_gross"] is None:  # the unit's share of the tax, rounded half up
        row["unit_price_gross"] = _divide_half_up(unit_net * quantity + tax, quantity)
    if row["hidden"] is None:
        row["hidden"] = False


def _complete_bucket_row(row: dict[str, Any], bucket: Mapping[str, Any]) -> None:
    """:func:`_complete_bucket` on a bucket's row (stored units), from the bucket's pricing."""
    pricing = bucket.get("pricing") or {}
    taxes = pricing.get("shipping_taxes")
    net = row["shipping_net"]
    if net is None:
        net = row["shipping_net"] = _stored_amount((pricing.get("shipping") or {}).get("cost"))
    tax = row["shipping_tax"]
    if tax is None:
        tax = row["shipping_tax"] = _stored_amount((taxes or {}).get("tax_total"))
    if row["shipping_tax_rate"] is None:
        row["shipping_tax_rate"] = _stored_first_rate(taxes)
    if row["shipping_gross"] is None:
        row["shipping_gross"] = net + tax
    for column, default in _BUCKET_DEFAULTS:
        if row[column] is None:
            row[column] = default


_BUCKET_DEFAULTS = (
    ("shipping_method_id", ""),
    ("shipping_method_name", ""),
    ("ship_time_min_days", 0),
    ("ship_time_max_days", 0),
)


def _divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to a whole number, halves away from zero (as
    :func:`money_text` rounds)."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def _row(instance: Any, fields: Iterable[Field]) -> dict[str, Any]:
    return {f.column: getattr(instance, f.column) for f in fields}


def document_of(order: Order, channel_name: str) -> dict[str, Any]:
    """The JSON form of a stored order (without the read-only history and results)."""
    document = join(_row(order, ORDER_COLUMNS), order.extra, ORDER_COLUMNS)
    destination_keys = {d.id: d.key for d in order.destinations}
    bucket_keys = {b.id: b.key for b in order.buckets}
    items = []
    for item in order.line_items:
        part = join(_row(item, LINE_ITEM_COLUMNS), item.extra, LINE_ITEM_COLUMNS)
        if item.bucket_id is not None:
            part["bucket"] = bucket_keys.get(item.bucket_id)
        items.append(part)
    buckets = []
    for bucket in order.buckets:
        part = join(_row(bucket, BUCKET_COLUMNS), bucket.extra, BUCKET_COLUMNS)
        if bucket.destination_id is not None:
            part["destination"] = destination_keys.get(bucket.destination_id)
        buckets.append(part)
    return {
        "document_no": document.pop("document_no"),
        "channel": channel_name,
        **document,
        "line_items": items,
        "buckets": buckets,
        "destinations": [
            join(_row(d, DESTINATION_COLUMNS), d.extra, DESTINATION_COLUMNS)
            for d in order.destinations
        ],
        "payments": [
            join(_row(p, PAYMENT_COLUMNS), p.extra, PAYMENT_COLUMNS) for p in order.payments
        ],
    }


# --------------------------------------------------------------------------- derived values


def _first_rate(taxes: Mapping[str, Any] | None) -> str | None:
    for tax in (taxes or {}).get("taxes") or ():
        if tax.get("rate") is not None:
            return str(tax["rate"])
    return None


def _fill_derived(part: dict[str, Any], row: Mapping[str, Any], fields: Iterable[Field]) -> None:
    """Give ``part`` the values derived in its ``row`` that it lacks, in the form's texts."""
    for f in fields:
        key = f.path[0]
        if part.get(key) is None and row[f.column] is not None:
            value = row[f.column]
            part[key] = _money_of(value) if f.kind == MONEY else value


def _money_of(cents: int) -> str:
    """Stored cents as the form writes money (what :func:`money_text` makes of them)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def _complete_item(item: dict[str, Any]) -> None:
    """Fill the summary values of a line item that only its ICM pricing gives."""
    row = _SPLIT_ITEM(item)
    _complete_item_row(row, item)
    _fill_derived(item, row, _ITEM_DERIVED)
    if item.get("tax_rate") is None:  # as the file wrote it, not as the column stores it
        item["tax_rate"] = _first_rate((item.get("pricing") or {}).get("item_taxes")) or "0"


def _complete_bucket(bucket: dict[str, Any]) -> None:
    row = _SPLIT_BUCKET(bucket)
    _complete_bucket_row(row, bucket)
    _fill_derived(bucket, row, _BUCKET_DERIVED)
    if bucket.get("shipping_tax_rate") is None:
        taxes = (bucket.get("pricing") or {}).get("shipping_taxes")
        bucket["shipping_tax_rate"] = _first_rate(taxes) or "0"


#: The keys of a line item and of a bucket that :func:`complete` derives (rates apart).
_ITEM_DERIVED = tuple(
    f
    for f in LINE_ITEM_COLUMNS
    if f.path[0]
    in ("unit_price_net", "unit_price_gross", "net_total", "gross_total", "tax_amount",
        "discount_amount", "discount_description", "hidden")
)  # fmt: skip
_BUCKET_DERIVED = tuple(
    f
    for f in BUCKET_COLUMNS
    if f.path[0]
    in ("shipping_net", "shipping_gross", "shipping_tax", "shipping_method_id",
        "shipping_method_name", "ship_time_min_days", "ship_time_max_days")
)  # fmt: skip


def complete(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with every value that has a column filled (derived where the file has none).

    ICM files carry pricing structures; lists and conditions need a line's net, gross and tax
    and a bucket's shipping amounts, which are derived from them here.
    """
    # Copies of what is filled in; everything below them is shared with ``document``.
    result = dict(document)
    result["line_items"] = [dict(item) for item in result.get("line_items") or ()]
    for item in result["line_items"]:
        _complete_item(item)
    result["buckets"] = [dict(bucket) for bucket in result.get("buckets") or ()]
    for bucket in result["buckets"]:
        _complete_bucket(bucket)
    result["payments"] = [dict(payment) for payment in result.get("payments") or ()]
    for payment in result["payments"]:
        payment.setdefault("cost", "0.00")
        payment.setdefault("service_id", "")
    totals = result["totals"] = dict(result.get("totals") or {})
    for key in ("item_total", "shipping_costs", "payment_costs", "tax", "duties"):
        totals.setdefault(key, "0.00")
    totals.setdefault("item_discounts", "0.00")
    totals.setdefault("net_total", "0.00")
    totals.setdefault("gross_total", "0.00")
    result.setdefault("to_be_deleted", False)
    result.setdefault("locale", "en_US")
    customer = result["customer"] = dict(result.get("customer") or {})
    customer.setdefault("type", "PRIVATE")
    return {key: value for key, value in result.items() if value not in (None, {}, [])}


#: What two documents with "the same content" may differ in: what happened to the order here.
_STATE_KEYS = ("status", "to_be_deleted", *READ_ONLY_KEYS)


def content(document: Mapping[str, Any]) -> dict[str, Any]:
    """The content of a complete document, without statuses and the read-only keys.

    A re-delivered order whose export already moved it on (NEW → EXPORTED, a line item
    delivered) still has the same content.
    """
    result = {k: v for k, v in document.items() if k not in _STATE_KEYS}
    result["line_items"] = [
        {k: v for k, v in item.items() if k != "status"} for item in result.get("line_items", ())
    ]
    result["payments"] = [
        {k: v for k, v in p.items() if k != "status"} for p in result.get("payments", ())
    ]
    pruned: dict[str, Any] = prune(result)
    return pruned
