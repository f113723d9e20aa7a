"""The JSON form of an order (SPEC §13): one documented object, read and written everywhere.

`order DOCUMENT_NO --json` prints it, `order-intake-jsonl` reads it one order per line, and the
ICM XML reader produces the same object, so every intake path ends in one shape that the
per-order rules check and insert. ``docs/order-json.md`` describes every key; the JSON Schema
in ``order.schema.json`` (next to this module) is generated from :data:`ORDER_SPEC`.

Conventions: money is a string with two decimals (``"-5.00"``), tax rates are fraction
strings (``"0.19"``), times are ISO 8601 UTC strings (``"2013-12-16T12:20:54.404Z"``); a key
that is absent and a key that is null mean the same. ``history`` and ``results`` are read-only:
printed, never read back.

How a document is stored (split into rows and joined back) is :mod:`.order_rows`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .models import CENT

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
#: Values that mean "not given" (a key that is absent and a key that is null mean the same).
EMPTY_VALUES: tuple[Any, ...] = (None, {}, [])


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


#: The parts of the form the JSON Schema defines once under ``$defs`` (by identity).
_PART_NAMES = {
    id(part): name
    for name, part in (
        ("contact", CONTACT),
        ("taxes", TAXES),
        ("discount", DISCOUNT),
        ("surcharges", SURCHARGES),
        ("pricing", PRICING),
        ("attribute", ATTRIBUTE),
        ("product", PRODUCT),
        ("pack_slip", PACK_SLIP),
        ("line_item", LINE_ITEM),
        ("bucket", BUCKET),
        ("payment", PAYMENT),
    )
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the order form, generated from :data:`ORDER_SPEC`."""

    definitions: dict[str, Any] = {}

    def schema(spec: Any, *, inline: bool = False) -> dict[str, Any]:
        name = None if inline else _PART_NAMES.get(id(spec))
        if name is not None:  # a named part is defined once and referred to
            if name not in definitions:
                definitions[name] = {}
                definitions[name] = schema(spec, inline=True)
            return {"$ref": f"#/$defs/{name}"}
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
        "$defs": dict(sorted(definitions.items())),
    }


def schema_text() -> str:
    """The text of ``order.schema.json``: :func:`json_schema` indented, with each object or list
    that fits on one line of up to 100 characters written on one line."""

    def render(value: Any, indent: int, lead: int = 0) -> str:
        # ``indent``: of the lines inside; ``lead``: characters before the value on its line.
        flat = json.dumps(value, ensure_ascii=False)
        if not isinstance(value, (dict, list)) or lead + len(flat) <= 100:
            return flat
        inner = " " * (indent + 2)
        if isinstance(value, dict):
            items = []
            for key, item in value.items():
                head = f"{inner}{json.dumps(key)}: "
                items.append(head + render(item, indent + 2, len(head)))
            return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
        items = [inner + render(item, indent + 2, len(inner)) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"

    return render(json_schema(), 0) + "\n"


def money_cents(value: Any) -> int:
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
