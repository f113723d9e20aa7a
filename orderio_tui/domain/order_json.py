"""The JSON form of an order (SPEC §13): one documented object, read and written everywhere.

`order DOCUMENT_NO --json` prints it, `order-intake-jsonl` reads it one order per line, and the
ICM XML reader produces the same object, so every intake path ends in one shape that the
per-order rules check and insert. ``docs/order-json.md`` describes every key; the JSON Schema
in ``order.schema.json`` (next to this module) is generated from :data:`ORDER_SPEC`.

Conventions: money is a string with two decimals (``"-5.00"``), tax rates are fraction
strings (``"0.19"``), times are ISO 8601 UTC strings (``"2013-12-16T12:20:54.404Z"``); a key
that is absent and a key that is null mean the same. ``history`` and ``results`` are read-only:
printed, never read back.

Storage: the keys listed in the ``*_COLUMNS`` tables live in columns (conditions and lists use
them); everything else of an order and of each child is kept, in this same form, in the row's
``extra`` JSON column. :func:`order_rows` splits a document into rows and :func:`document_of`
joins rows back, so a document survives the database unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .models import CENT, RATE_SCALE, Order

ZERO = Decimal("0")

# --------------------------------------------------------------------------- values


class OrderDataError(ValueError):
    """A value of an order document has the wrong type or form; the message names its path."""


def money_text(value: Decimal | int | str) -> str:
    """A money amount with two decimals (half-up), as the JSON form writes it."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def rate_text(value: Decimal | str) -> str:
    """A tax rate as a fraction; values above 1 are percentages (ICM's shipping taxes)."""
    rate = Decimal(value)
    if rate > 1:
        rate = rate / 100
    text = format(rate.normalize(), "f")
    return "0" if text in ("-0", "0.0") else text


def utc_text(value: datetime) -> str:
    """An aware or naive-UTC datetime as ISO 8601 UTC with ``Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    spec = "milliseconds" if value.microsecond % 1000 == 0 else "microseconds"
    return value.isoformat(timespec=spec) + "Z"


def parse_time(text: str) -> datetime:
    """An xs:dateTime with any UTC offset (none means UTC) as an aware UTC datetime."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# --------------------------------------------------------------------------- the form

STR, BOOL, INT, MONEY, RATE, TIME = "string", "boolean", "integer", "money", "rate", "time"

CONTACT_KEYS = (
    "title",
    "first_name",
    "second_name",
    "last_name",
    "honorific",
    "phone_home",
    "phone_mobile",
    "phone_business",
    "phone_business_direct",
    "email",
    "line1",
    "line2",
    "line3",
    "city",
    "country",
    "country_code",
    "postal_code",
    "post_box",
    "state",
    "county",
    "region",
    "province",
    "prefecture",
    "company_name",
    "company_name2",
    "external_urn",
)
CONTACT: dict[str, Any] = dict.fromkeys(CONTACT_KEYS, STR)
TAXES = {"taxes": [{"amount": MONEY, "rate": RATE}], "tax_total": MONEY}
DISCOUNT = {"amount": MONEY, "code": STR, "description": STR, "promotion_id": STR, "type": STR}
SURCHARGES = {
    "surcharges": [
        {"amount": MONEY, "description": STR, "display_name": STR, "short_display_name": STR}
    ],
    "total": MONEY,
}
#: The children of ICM's `pricing`, in the order the export writes them.
PRICING: dict[str, Any] = {
    "sales": {"single_base_price": MONEY, "item_price": MONEY},
    "item_taxes": TAXES,
    "item_discounts": [DISCOUNT],
    "shipping": {"cost": MONEY},
    "shipping_taxes": TAXES,
    "shipping_discounts": [DISCOUNT],
    "order_discounts": [DISCOUNT],
    "surcharges": SURCHARGES,
    "import_surcharges": SURCHARGES,
    "geographical_surcharges": SURCHARGES,
    "payment_taxes": TAXES,
    "taxes": TAXES,
    "order_taxes": [{"name": STR, "tax_total": MONEY}],
    "duties": [{"amount": MONEY, "description": STR, "name": STR, "short_name": STR}],
}
ATTRIBUTE = {
    "name": STR,
    "type": STR,
    "values": [STR],
    "locale": STR,
    "unit": STR,
}
#: Value types of custom attributes: ICM's simple-attribute children, plus money (in the
#: order's currency) and quantity.
ATTRIBUTE_TYPES = ("string", "integer", "long", "double", "boolean", "date", "big-decimal")
ALL_ATTRIBUTE_TYPES = (*ATTRIBUTE_TYPES, "money", "quantity")


def _attribute_value(kind: str, value: str) -> str:
    """One value of a custom attribute of type ``kind``, checked (ValueError) and normalised."""
    if kind == "string":
        return value
    if kind in ("integer", "long"):
        return str(int(value.strip()))
    if kind == "boolean":
        flag = value.strip()
        if flag not in ("true", "false", "1", "0"):
            raise ValueError(value)
        return flag
    if kind == "date":
        return utc_text(parse_time(value))
    if kind == "double":
        float(value.strip())
        return value.strip()
    number = Decimal(value.strip())
    if not number.is_finite():
        raise ValueError(value)
    return money_text(number) if kind == "money" else value.strip()


def check_attribute(attribute: dict[str, Any], path: str) -> dict[str, Any]:
    """A custom attribute with its type known and its values of that type (OrderDataError)."""
    kind = attribute.get("type") or "string"
    if kind not in ALL_ATTRIBUTE_TYPES:
        raise OrderDataError(
            f"{path}.type: '{kind}' is not one of {', '.join(ALL_ATTRIBUTE_TYPES)}"
        )
    values = []
    for index, value in enumerate(attribute.get("values") or ()):
        try:
            values.append(_attribute_value(kind, value))
        except (ValueError, ArithmeticError):
            raise OrderDataError(f"{path}.values[{index}]: '{value}' is not a {kind}") from None
    return {**attribute, "type": kind, "values": values}


PRODUCT = {
    "id": STR,
    "sku": STR,
    "name": STR,
    "short_description": STR,
    "thumbnail": STR,
    "custom_attributes": [ATTRIBUTE],
}
PACK_SLIP = {"from": STR, "to": STR, "message": STR}
LINE_ITEM: dict[str, Any] = {
    "position": INT,
    "status": STR,
    "sku": STR,
    "product_name": STR,
    "product_id": STR,
    "short_description": STR,
    "thumbnail": STR,
    "supplier": STR,
    "quantity": INT,
    "unit": STR,
    "hidden": BOOL,
    "bucket": STR,
    "desired_delivery_date": TIME,
    "customer_product_id": STR,
    "partial_order_no": STR,
    "custom_attributes": [ATTRIBUTE],
    "product_custom_attributes": [ATTRIBUTE],
    "unit_price_net": MONEY,
    "unit_price_gross": MONEY,
    "net_total": MONEY,
    "gross_total": MONEY,
    "tax_rate": RATE,
    "tax_amount": MONEY,
    "discount_amount": MONEY,
    "discount_description": STR,
    "pricing": PRICING,
    "warranty": {"product": PRODUCT, "pricing": PRICING},
    "gift_message": {
        "pack_slip_message": PACK_SLIP,
        "product": PRODUCT,
        "description": STR,
        "pricing": PRICING,
    },
    "gift_wrap": {"product": PRODUCT, "description": STR, "pricing": PRICING},
}
BUCKET: dict[str, Any] = {
    "key": STR,
    "destination": STR,
    "shipping_method_id": STR,
    "shipping_method_name": STR,
    "ship_time_min_days": INT,
    "ship_time_max_days": INT,
    "shipping_net": MONEY,
    "shipping_gross": MONEY,
    "shipping_tax": MONEY,
    "shipping_tax_rate": RATE,
    "sequence_number": INT,
    "delivery_date": TIME,
    "end_date": TIME,
    "instructions": STR,
    "start_date": TIME,
    "pack_slip_message": PACK_SLIP,
    "pricing": PRICING,
}
PAYMENT: dict[str, Any] = {
    "id": STR,
    "service_id": STR,
    "amount": MONEY,
    "cost": MONEY,
    "status": STR,
    "details": STR,
    "last_status_change": TIME,
    "pricing": PRICING,
}
TOTALS: dict[str, Any] = dict.fromkeys(
    (
        "item_total",
        "item_discounts",
        "shipping_costs",
        "item_shipping_discounts",
        "bucket_shipping_discounts",
        "order_discounts",
        "order_shipping_discounts",
        "payment_costs",
        "additional_surcharges",
        "tax",
        "duties",
        "net_total",
        "gross_total",
    ),
    MONEY,
)
CUSTOMER: dict[str, Any] = dict.fromkeys(
    (
        "customer_no",
        "external_customer_no",
        "external_customer_urn",
        "account",
        "type",
        "calculation_type",
        "first_name",
        "last_name",
        "company_name",
        "company_name2",
        "department",
        "user_id",
        "taxation_id",
    ),
    STR,
)
#: Every key of an order's JSON form with its type; lists hold one element spec.
ORDER_SPEC: dict[str, Any] = {
    "document_no": STR,
    "channel": STR,
    "store": STR,
    "status": STR,
    "created_at": TIME,
    "locale": STR,
    "currency": STR,
    "to_be_deleted": BOOL,
    "order_reference_id": STR,
    "customer_order_id": STR,
    "supplier_order_id": STR,
    "tax_calculation_valid": BOOL,
    "calculation_rule_set": STR,
    "cost_center": STR,
    "customer": CUSTOMER,
    "invoice_address": CONTACT,
    "custom_attributes": [ATTRIBUTE],
    "line_items": [LINE_ITEM],
    "buckets": [BUCKET],
    "destinations": [{"key": STR, "address": CONTACT}],
    "payments": [PAYMENT],
    "pricing": PRICING,
    "totals": TOTALS,
}
#: Printed by `order --json`, ignored when read: they describe what happened to the order here.
READ_ONLY_KEYS = ("channel", "status_reason_code", "status_reason_text", "history", "results")


class _Invalid(Exception):
    """A value that does not fit the form; its path is gathered on the way out (see below)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        #: Path parts from the value outwards (``[0]``, ``.line_items``); joined only on error.
        self.path: list[str] = []


_Checker = Callable[[Any], Any]
#: Texts the form already writes normalised, returned as they are without a Decimal round trip.
_MONEY_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]{2}")
_RATE_TEXT = re.compile(r"0|1|-?0\.[0-9]*[1-9]")
#: Money texts in normal form met so far, with their cents: amounts repeat from order to order,
#: so most are known after a few orders; bounded, as a file may hold any number of them.
_KNOWN_CENTS: dict[str, int] = {}
_KNOWN_LIMIT = 100_000
_UTC_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def _check_str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("expected a string")
    if "\x00" in value:  # no database column (PostgreSQL text) can hold it
        raise _Invalid("contains a NUL character")
    return value


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("expected true or false")
    return value


def _check_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("expected a whole number")
    return value


def _decimal_of(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Invalid('expected a decimal number as a string, e.g. "12.30"')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Invalid(f"'{value}' is not a decimal number") from None
    if not number.is_finite():
        raise _Invalid(f"'{value}' is not a decimal number")
    return number


def money_form(text: str) -> str:
    """A money text in the form's normal form (what :func:`money_text` makes of it).

    Raises ValueError or InvalidOperation when it is no finite amount. Texts already in normal
    form (nearly all) are returned as they are, without a Decimal round trip.
    """
    if text in _KNOWN_CENTS or _MONEY_TEXT.fullmatch(text):
        return text
    number = Decimal(text.strip())
    if not number.is_finite():
        raise ValueError(text)
    return money_text(number)


def rate_form(text: str) -> str:
    """A tax rate text in the form's normal form (what :func:`rate_text` makes of it)."""
    if _RATE_TEXT.fullmatch(text):
        return text
    number = Decimal(text.strip())
    if not number.is_finite():
        raise ValueError(text)
    return rate_text(number)


def _check_money(value: Any) -> str:
    if value.__class__ is str and (value in _KNOWN_CENTS or _MONEY_TEXT.fullmatch(value)):
        return value
    return money_text(_decimal_of(value))


def _check_rate(value: Any) -> str:
    if isinstance(value, str) and _RATE_TEXT.fullmatch(value):
        return value
    return rate_text(_decimal_of(value))


def _check_time(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("expected an ISO 8601 time string")
    try:
        if _UTC_TEXT.fullmatch(value):
            datetime.fromisoformat(value)  # a well-formed text may still be no date
            return value
        return utc_text(parse_time(value))
    except ValueError:
        raise _Invalid(f"'{value}' is not an ISO 8601 time") from None


_SCALAR_CHECKERS: dict[str, _Checker] = {
    STR: _check_str,
    BOOL: _check_bool,
    INT: _check_int,
    MONEY: _check_money,
    RATE: _check_rate,
    TIME: _check_time,
}
_EMPTY: tuple[Any, ...] = (None, {}, [])


def _checker(spec: Any) -> _Checker:
    """The function that checks and normalises a value of ``spec`` (None stays None).

    Objects come out pruned (no nulls, empty objects or empty lists), in the spec's key order.
    """
    if isinstance(spec, list):
        check_item = _checker(spec[0])

        def check_list(value: Any) -> list[Any]:
            if not isinstance(value, list):
                raise _Invalid("expected a list")
            checked = []
            for index, item in enumerate(value):
                try:
                    checked.append(None if item is None else check_item(item))
                except _Invalid as exc:
                    exc.path.append(f"[{index}]")
                    raise
            return checked

        return check_list
    if not isinstance(spec, dict):
        return _SCALAR_CHECKERS[spec]
    # Per key: its checker, its place in the form and whether it is an object or a list.
    entries = {
        key: (_checker(sub), index, isinstance(sub, (dict, list)))
        for index, (key, sub) in enumerate(spec.items())
    }
    known = frozenset(spec)
    attribute = spec is ATTRIBUTE

    def unknown(value: Mapping[str, Any]) -> _Invalid:
        return _Invalid(f"unknown key '{sorted(set(value) - known)[0]}'")

    def check_object(value: Any) -> dict[str, Any]:
        if value.__class__ is not dict and not isinstance(value, Mapping):
            raise _Invalid("expected an object")
        result = {}
        last = -1
        ordered = True
        for key, item in value.items():
            entry = entries.get(key)
            if entry is None:
                raise unknown(value)
            if item is None:
                continue
            check, index, container = entry
            try:
                checked = check(item)
            except _Invalid as exc:
                if not known.issuperset(value):  # an unknown key is named before bad values
                    raise unknown(value) from None
                exc.path.append(f".{key}")
                raise
            if container and not checked:
                continue
            result[key] = checked
            if index < last:
                ordered = False
            last = index
        if not ordered:  # the form's own key order, whatever order the file gave
            result = {key: result[key] for key in sorted(result, key=lambda k: entries[k][1])}
        if attribute:
            try:
                result = check_attribute(result, "")
            except OrderDataError as exc:  # its message starts with the path below the attribute
                below, _, message = str(exc).partition(": ")
                invalid = _Invalid(message)
                invalid.path.append(below)
                raise invalid from None
            if not result["values"]:
                del result["values"]
        return result

    return check_object


_check_order = _checker(ORDER_SPEC)


def read_document(value: Any) -> dict[str, Any]:
    """An order's JSON form as given (e.g. one JSON Lines line), checked and normalised.

    The read-only keys are dropped; anything else unknown is an :class:`OrderDataError`.
    """
    if not isinstance(value, Mapping):
        raise OrderDataError("an order must be a JSON object")
    given = {key: item for key, item in value.items() if key not in READ_ONLY_KEYS}
    try:
        checked: dict[str, Any] = _check_order(given)
    except _Invalid as exc:
        path = "".join(reversed(exc.path))
        raise OrderDataError(f"order{path}: {exc.message}") from None
    return checked


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the order form, generated from :data:`ORDER_SPEC`."""

    def schema(spec: Any) -> dict[str, Any]:
        if isinstance(spec, dict):
            return {
                "type": ["object", "null"],
                "additionalProperties": False,
                "properties": {key: schema(sub) for key, sub in spec.items()},
            }
        if isinstance(spec, list):
            return {"type": ["array", "null"], "items": schema(spec[0])}
        simple: dict[Any, dict[str, Any]] = {
            STR: {"type": ["string", "null"]},
            BOOL: {"type": ["boolean", "null"]},
            INT: {"type": ["integer", "null"]},
            MONEY: {"type": ["string", "null"], "pattern": r"^-?[0-9]+\.[0-9]{2}$"},
            RATE: {"type": ["string", "null"], "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
            TIME: {"type": ["string", "null"], "format": "date-time"},
        }
        return dict(simple[spec])

    top = schema(ORDER_SPEC)
    top["type"] = "object"
    top["required"] = ["document_no", "status", "created_at", "currency", "line_items"]
    top["properties"].update(
        status_reason_code={"type": ["string", "null"], "readOnly": True},
        status_reason_text={"type": ["string", "null"], "readOnly": True},
        history={"type": "array", "readOnly": True},
        results={"type": "array", "readOnly": True},
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://orderio.example/schemas/order.schema.json",
        "title": "orderio order",
        "description": "The JSON form of an order (SPEC §13); see docs/order-json.md.",
        **top,
    }


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


def _cents(value: Any) -> int:
    """A money amount of the form as the column stores it (integer cents, see ``Money``)."""
    if value.__class__ is str:
        cents = _KNOWN_CENTS.get(value)
        if cents is not None:
            return cents
        if _MONEY_TEXT.fullmatch(value):
            cents = int(value.replace(".", ""))  # "-12.30" -> -1230: the form has two decimals
            if len(_KNOWN_CENTS) < _KNOWN_LIMIT:
                _KNOWN_CENTS[value] = cents
            return cents
    return int(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def _discount_cents(value: Any) -> int:
    return abs(_cents(value))


def _rate_units(value: Any) -> int:
    """A tax rate as the column stores it (integer ten-thousandths, see ``Rate``)."""
    return int((Decimal(str(value)) * RATE_SCALE).to_integral_value(ROUND_HALF_UP))


def _naive_utc(value: str) -> datetime:
    """A time of the form as the column stores it (naive UTC, see ``UTCDateTime``)."""
    return parse_time(value).replace(tzinfo=None)


_STORED: dict[str, Callable[[Any], Any]] = {
    MONEY: _cents,
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
            if key in skip or value in _EMPTY:
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
    return _cents(value) if value else 0


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
    item_price = _cents(price) if price else unit_net * quantity
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
