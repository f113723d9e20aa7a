"""Writing the ICM order export format 2.0 (SPEC §6.1) as text, order by order.

The export streams: each order is turned into a few dozen strings and written before the next one
is read, so memory does not grow with the number of orders. Text is built directly instead of
through an element tree (lxml trees measured about 13x slower for this shape of data); correctness
rests on :func:`xml_text` / :func:`xml_attr`, which every value goes through, and on the tests that
parse and schema-validate what is written.

Characters XML 1.0 cannot carry (C0 controls other than tab, newline and carriage return, lone
surrogates, U+FFFE and U+FFFF) are replaced by U+FFFD REPLACEMENT CHARACTER. Carriage returns are
written as ``&#13;`` and, in attributes, tab and newline as ``&#9;`` / ``&#10;``, so that a parser
gives back exactly the original text.

The input is plain data (:class:`ExportOrder` and the tuples it holds): money as integer minor
units (cents), tax rates as integers in ten-thousandths, times as naive UTC datetimes, exactly as
the database stores them. The mapping onto ICM elements is in :func:`render_order`; values of the
domain model that ICM has no element for are written as ``custom-attributes``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

NAMESPACE = "http://www.intershop.com/xml/ns/intershop/order/2.0"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
DOCUMENT_START = f'{XML_DECLARATION}<orders xmlns="{NAMESPACE}">\n'
DOCUMENT_END = "</orders>\n"

REPLACEMENT_CHARACTER = "\ufffd"

# --------------------------------------------------------------------------- plain data


class ExportContact(NamedTuple):
    """A contact with one mailing address (invoice-to or ship-to)."""

    title: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    email: str | None
    phone: str | None
    line1: str | None
    line2: str | None
    postal_code: str | None
    city: str | None
    state: str | None
    country: str | None
    country_code: str | None


class ExportLineItem(NamedTuple):
    position: int
    status: str
    bucket_key: str | None
    sku: str
    product_name: str
    supplier: str | None
    quantity: int
    unit: str | None
    hidden: bool
    unit_price_net: int
    unit_price_gross: int
    net_total: int
    gross_total: int
    tax_rate: int
    tax_amount: int
    discount_amount: int
    discount_description: str | None
    #: The rest of the line item's JSON form (pricing, product details, gifting, ...).
    extra: dict[str, Any] | None = None


class ExportBucket(NamedTuple):
    key: str
    destination_key: str | None
    shipping_method_id: str
    shipping_method_name: str
    ship_time_min_days: int
    ship_time_max_days: int
    shipping_net: int
    shipping_gross: int
    shipping_tax: int
    shipping_tax_rate: int
    extra: dict[str, Any] | None = None


class ExportDestination(NamedTuple):
    key: str
    contact: ExportContact
    extra: dict[str, Any] | None = None


class ExportPayment(NamedTuple):
    transaction_id: str
    service_id: str
    amount: int
    cost: int
    status: str
    extra: dict[str, Any] | None = None


class ExportOrder(NamedTuple):
    """Everything the export writes about one order."""

    id: int
    document_no: str
    store: str
    status: str
    created_at: datetime
    locale: str | None
    currency: str | None
    to_be_deleted: bool
    customer_no: str | None
    user_id: str | None
    customer_type: str | None
    buyer_first_name: str | None
    buyer_last_name: str | None
    buyer_company: str | None
    buyer_email: str | None
    taxation_id: str | None
    invoice: ExportContact
    item_total: int
    item_discount_total: int
    shipping_total: int
    payment_costs: int
    tax_total: int
    duties_total: int
    net_total: int
    gross_total: int
    line_items: tuple[ExportLineItem, ...]
    buckets: tuple[ExportBucket, ...]
    destinations: tuple[ExportDestination, ...]
    payments: tuple[ExportPayment, ...]
    calculation_type: str | None = None
    customer_order_id: str | None = None
    cost_center: str | None = None
    #: The rest of the order's JSON form (SPEC §13): tax groups, discounts, attributes, ...
    extra: dict[str, Any] | None = None


# --------------------------------------------------------------------------- escaping

# Everything that needs more than copying: markup characters, CR (a parser would turn it into
# LF), and the characters XML 1.0 cannot carry at all.
_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape_text(value: str) -> str:
    if _TEXT_SPECIAL.search(value) is None:
        return value
    value = _NOT_XML_CHAR.sub(REPLACEMENT_CHARACTER, value)
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


#: Escaped texts already seen: names, SKUs, cities, statuses repeat from order to order, and a
#: dictionary look-up costs less than the scan. Emptied when full: at most 50,000 × 120 characters.
_ESCAPED: dict[str, str] = {}
_ESCAPED_LIMIT = 50_000


#: Longer texts (descriptions, gift messages) are escaped each time instead of being kept.
_ESCAPED_LONGEST = 120


def xml_text(value: str) -> str:
    """``value`` as XML character data."""
    escaped = _ESCAPED.get(value)
    if escaped is None:
        escaped = _escape_text(value)
        if len(value) <= _ESCAPED_LONGEST:
            if len(_ESCAPED) >= _ESCAPED_LIMIT:
                _ESCAPED.clear()
            _ESCAPED[value] = escaped
    return escaped


def xml_attr(value: str) -> str:
    """``value`` as the content of a double-quoted XML attribute."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    value = _NOT_XML_CHAR.sub(REPLACEMENT_CHARACTER, value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def xml_safe(value: str) -> str:
    """``value`` as it reads back from the file: characters XML cannot carry replaced."""
    return _NOT_XML_CHAR.sub(REPLACEMENT_CHARACTER, value)


# --------------------------------------------------------------------------- value formats


#: Below this many minor units a float's two-place format is exact (far from 2**53 / 100).
_FLOAT_EXACT_CENTS = 10**13


def money_text(cents: int) -> str:
    """Minor units as a decimal with two places ("-12.05")."""
    if -_FLOAT_EXACT_CENTS < cents < _FLOAT_EXACT_CENTS:
        return f"{cents / 100:.2f}" if cents else "0.00"
    if cents < 0:
        units, hundredths = divmod(-cents, 100)
        return f"-{units}.{hundredths:02d}"
    units, hundredths = divmod(cents, 100)
    return f"{units}.{hundredths:02d}"


@lru_cache(maxsize=256)
def rate_text(ten_thousandths: int) -> str:
    """A tax rate stored in ten-thousandths as a fraction ("0.19", "0.075", "0")."""
    return format((Decimal(ten_thousandths) / 10_000).normalize(), "f")


def datetime_text(value: datetime) -> str:
    """A naive UTC (or aware) datetime as xs:dateTime in UTC with milliseconds."""
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None) - value.utcoffset()  # type: ignore[operator]
    return value.isoformat(timespec="milliseconds") + "Z"


# --------------------------------------------------------------------------- rendering


_EMPTY: dict[str, Any] = {}

#: Contact fields of ICM's ContactType that only the JSON form holds, by the element before
#: which they are written.
_CONTACT_AFTER_FIRST = (("second_name", "second-name"),)
_CONTACT_AFTER_LAST = (("honorific", "honorific"),)
_CONTACT_PHONES = (
    ("phone_mobile", "phone-mobile"),
    ("phone_business", "phone-business"),
    ("phone_business_direct", "phone-business-direct"),
)
_ADDRESS_AFTER_LINE2 = (("line3", "line3"),)
_ADDRESS_AFTER_POSTAL = (("post_box", "post-box"),)
_ADDRESS_AFTER_STATE = (
    ("county", "county"),
    ("region", "region"),
    ("province", "province"),
    ("prefecture", "prefecture"),
)
_CONTACT_END = (("company_name2", "company-name2"), ("external_urn", "externalURN"))


def _optional(parts: list[str], extra: dict[str, Any], names: tuple[tuple[str, str], ...]) -> None:
    """Text elements for the keys of ``extra`` that are present, in the order of ``names``."""
    for key, element in names:
        value = extra.get(key)
        if value is not None:
            parts.append(f"<{element}>{xml_text(str(value))}</{element}>")


def _contact(parts: list[str], contact: ExportContact, extra: dict[str, Any] = _EMPTY) -> None:
    """``contact`` with one ``mailing-address`` (ContactType / MailingAddressType order)."""
    esc = xml_text
    append = parts.append
    # One unpacking instead of a named-field look-up per use.
    (title, first, last, company, email, phone, line1, line2, postal, city, state, country,
     country_code) = contact  # fmt: skip
    append("<contact>")
    if title:
        append(f"<title>{esc(title)}</title>")
    if first:
        append(f"<first-name>{esc(first)}</first-name>")
    if extra:
        _optional(parts, extra, _CONTACT_AFTER_FIRST)
    if last:
        append(f"<last-name>{esc(last)}</last-name>")
    if extra:
        _optional(parts, extra, _CONTACT_AFTER_LAST)
    if phone:
        append(f"<phone-home>{esc(phone)}</phone-home>")
    if extra:
        _optional(parts, extra, _CONTACT_PHONES)
    if email:
        append(f"<email>{esc(email)}</email>")
    append(f"<mailing-address><line1>{esc(line1 or '')}</line1>")
    if line2:
        append(f"<line2>{esc(line2)}</line2>")
    if extra:
        _optional(parts, extra, _ADDRESS_AFTER_LINE2)
    append(f"<city>{esc(city or '')}</city><country>{esc(country or country_code or '')}</country>")
    if country_code:
        append(f"<country-code>{esc(country_code)}</country-code>")
    append(f"<postal-code>{esc(postal or '')}</postal-code>")
    if extra:
        _optional(parts, extra, _ADDRESS_AFTER_POSTAL)
    if state:
        append(f"<state>{esc(state)}</state>")
    if extra:
        _optional(parts, extra, _ADDRESS_AFTER_STATE)
    append("</mailing-address>")
    if company:
        append(f"<company-name1>{esc(company)}</company-name1>")
    if extra:
        _optional(parts, extra, _CONTACT_END)
    append("</contact>")


# --------------------------------------------------------------------------- JSON-form parts


def _attributes(parts: list[str], attributes: list[dict[str, Any]], cur: str) -> None:
    """Custom attributes of the JSON form (simple, money and quantity attributes)."""
    esc = xml_text
    for attribute in attributes:
        name = xml_attr(attribute.get("name") or "")
        locale = attribute.get("locale")
        head = f' name="{name}"' + (f' locale="{xml_attr(locale)}"' if locale else "")
        kind = attribute.get("type") or "string"
        values = attribute.get("values") or ()
        if kind == "money":
            inner = "".join(f"<money{cur}>{esc(v)}</money>" for v in values)
            parts.append(f"<money-attribute{head}>{inner}</money-attribute>")
        elif kind == "quantity":
            unit = attribute.get("unit")
            unit_attr = f' unit="{xml_attr(unit)}"' if unit else ""
            inner = "".join(f"<quantity{unit_attr}>{esc(v)}</quantity>" for v in values)
            parts.append(f"<quantity-attribute{head}>{inner}</quantity-attribute>")
        else:
            inner = "".join(f"<{kind}>{esc(v)}</{kind}>" for v in values)
            parts.append(f"<simple-attribute{head}>{inner}</simple-attribute>")


def _money(parts: list[str], element: str, value: str | None, cur: str) -> None:
    if value is not None:
        parts.append(f"<{element}{cur}>{value}</{element}>")


def _taxes(parts: list[str], element: str, block: dict[str, Any], cur: str) -> None:
    parts.append(f"<{element}>")
    for tax in block.get("taxes") or ():
        parts.append(f"<taxes><amount{cur}>{tax.get('amount') or '0.00'}</amount>")
        if tax.get("rate") is not None:
            parts.append(f"<rate>{tax['rate']}</rate>")
        parts.append("</taxes>")
    parts.append(f"<tax-total{cur}>{block.get('tax_total') or '0.00'}</tax-total></{element}>")


_DISCOUNT_TEXT = (("code", "code"),)
_DISCOUNT_END = (("promotion_id", "promotion-id"), ("type", "type"))


def _discounts(parts: list[str], element: str, discounts: list[dict[str, Any]], cur: str) -> None:
    parts.append(f"<{element}>")
    for discount in discounts:
        parts.append("<discount>")
        _money(parts, "amount", discount.get("amount"), cur)
        _optional(parts, discount, _DISCOUNT_TEXT)
        parts.append(f"<description>{xml_text(discount.get('description') or '')}</description>")
        _optional(parts, discount, _DISCOUNT_END)
        parts.append("</discount>")
    parts.append(f"</{element}>")


_SURCHARGE_TEXT = (
    ("description", "description"),
    ("display_name", "display-name"),
    ("short_display_name", "short-display-name"),
)


def _surcharges(parts: list[str], element: str, block: dict[str, Any], cur: str) -> None:
    parts.append(f"<{element}>")
    for surcharge in block.get("surcharges") or ():
        parts.append(f"<surcharge><amount{cur}>{surcharge.get('amount') or '0.00'}</amount>")
        _optional(parts, surcharge, _SURCHARGE_TEXT)
        parts.append("</surcharge>")
    parts.append(f"<total{cur}>{block.get('total') or '0.00'}</total></{element}>")


def _pricing_content(parts: list[str], pricing: dict[str, Any], cur: str) -> None:
    """The children of a JSON-form pricing, in the order of the package schema."""
    esc = xml_text
    for key, value in pricing.items():
        if value is None:
            continue
        element = key.replace("_", "-")
        if key == "sales":
            parts.append("<sales>")
            _money(parts, "single-base-price", value.get("single_base_price"), cur)
            _money(parts, "item-price", value.get("item_price"), cur)
            parts.append("</sales>")
        elif key in ("item_taxes", "shipping_taxes", "payment_taxes", "taxes"):
            _taxes(parts, element, value, cur)
        elif key in ("item_discounts", "shipping_discounts", "order_discounts"):
            _discounts(parts, element, value, cur)
        elif key == "shipping":
            parts.append(f"<shipping><cost{cur}>{value.get('cost') or '0.00'}</cost></shipping>")
        elif key in ("surcharges", "import_surcharges", "geographical_surcharges"):
            _surcharges(parts, element, value, cur)
        elif key == "order_taxes":
            parts.append("<order-taxes>")
            for group in value:
                parts.append("<tax-total>")
                if group.get("name") is not None:
                    parts.append(f"<tax-group-name>{esc(group['name'])}</tax-group-name>")
                _money(parts, "tax-total", group.get("tax_total"), cur)
                parts.append("</tax-total>")
            parts.append("</order-taxes>")
        elif key == "duties":
            parts.append("<duties>")
            for duty in value:
                parts.append(f"<duties><amount{cur}>{duty.get('amount') or '0.00'}</amount>")
                _optional(parts, duty, (("description", "description"),))
                parts.append(
                    f"<name>{esc(duty.get('name') or '')}</name>"
                    f"<short-name>{esc(duty.get('short_name') or '')}</short-name></duties>"
                )
            parts.append("</duties>")


#: Key order of a pricing (the package schema's sequence), for pricing given in any order.
_PRICING_ORDER = (
    "sales",
    "item_taxes",
    "item_discounts",
    "shipping",
    "shipping_taxes",
    "shipping_discounts",
    "order_discounts",
    "surcharges",
    "import_surcharges",
    "geographical_surcharges",
    "payment_taxes",
    "taxes",
    "order_taxes",
    "duties",
)


def _pricing(parts: list[str], pricing: dict[str, Any], cur: str) -> None:
    parts.append("<pricing>")
    _pricing_content(parts, {key: pricing.get(key) for key in _PRICING_ORDER}, cur)
    parts.append("</pricing>")


_PRODUCT_TEXT = (("short_description", "short-description"), ("thumbnail", "thumbnail"))


def _product(parts: list[str], product: dict[str, Any], cur: str) -> None:
    product_id = product.get("id")
    head = f' id="{xml_attr(product_id)}"' if product_id else ""
    parts.append(
        f"<product{head}><sku>{xml_text(product.get('sku') or '')}</sku>"
        f"<name>{xml_text(product.get('name') or '')}</name>"
    )
    _optional(parts, product, _PRODUCT_TEXT)
    if product.get("custom_attributes"):
        parts.append("<custom-attributes>")
        _attributes(parts, product["custom_attributes"], cur)
        parts.append("</custom-attributes>")
    parts.append("</product>")


def _pack_slip(parts: list[str], message: dict[str, Any] | None) -> None:
    if message:
        parts.append("<pack-slip-message>")
        _optional(parts, message, (("from", "from"), ("to", "to"), ("message", "message")))
        parts.append("</pack-slip-message>")


def _priced_part(
    parts: list[str], element: str, part: dict[str, Any], cur: str, *, described: bool = False
) -> None:
    """``<element-pricing>`` of a warranty, gift message or gift wrap."""
    parts.append(f"<{element}>")
    if described and part.get("description") is not None:
        parts.append(f"<description>{xml_text(part['description'])}</description>")
    if part.get("pricing"):
        _pricing(parts, part["pricing"], cur)
    parts.append(f"</{element}>")


def _item_extras(parts: list[str], extra: dict[str, Any], cur: str) -> None:
    """Warranty and gifting of a line item."""
    warranty = extra.get("warranty")
    if warranty:
        parts.append("<warranty>")
        if warranty.get("product"):
            parts.append("<warranty-product>")
            _product(parts, warranty["product"], cur)
            parts.append("</warranty-product>")
        _priced_part(parts, "warranty-pricing", warranty, cur)
        parts.append("</warranty>")
    message, wrap = extra.get("gift_message"), extra.get("gift_wrap")
    if message or wrap:
        parts.append("<gifting>")
        if message:
            parts.append("<gift-message><gift-message-product>")
            _pack_slip(parts, message.get("pack_slip_message"))
            if message.get("product"):
                _product(parts, message["product"], cur)
            parts.append("</gift-message-product>")
            _priced_part(parts, "gift-message-pricing", message, cur, described=True)
            parts.append("</gift-message>")
        if wrap:
            parts.append("<gift-wrap>")
            if wrap.get("product"):
                parts.append("<gift-wrap-product>")
                _product(parts, wrap["product"], cur)
                parts.append("</gift-wrap-product>")
            _priced_part(parts, "gift-wrap-pricing", wrap, cur, described=True)
            parts.append("</gift-wrap>")
        parts.append("</gifting>")


_ORDER_INFO_IDS = (("order_reference_id", "order-reference-id"),)
_ORDER_INFO_SUPPLIER = (("supplier_order_id", "supplier-order-id"),)
_ORDER_INFO_END = (("calculation_rule_set", "calculation-rule-set"),)
_CUSTOMER_EXTERNAL = (
    ("external_customer_no", "external-customer-no"),
    ("external_customer_urn", "external-customer-urn"),
)
_CUSTOMER_COMPANY = (("company_name2", "company-name2"), ("department", "department"))
_LINE_ITEM_END = (
    ("customer_product_id", "customer-product-id"),
    ("partial_order_no", "partial-order-no"),
)
_BUCKET_DATES = (("delivery_date", "delivery-date"), ("end_date", "end-date"))
_PAYMENT_DETAILS = (("details", "details"), ("last_status_change", "last-status-change"))
_TOTALS_AFTER_SHIPPING = (
    "item_shipping_discounts",
    "bucket_shipping_discounts",
    "order_discounts",
    "order_shipping_discounts",
)


#: The product part of line items without JSON-form extras, by (SKU, name, supplier, store):
#: products repeat from order to order. Emptied when full: at most 10,000 × ~400 characters.
_PRODUCTS: dict[tuple[str, str, str | None, str], str] = {}
_PRODUCTS_LIMIT = 10_000


def _item_product_text(sku: str, name: str, supplier: str | None, store: str) -> str:
    """The product part of a line item without extras, kept in :data:`_PRODUCTS`."""
    parts: list[str] = []
    _item_product(parts, sku, name, supplier, store, _EMPTY, "")
    text = "".join(parts)
    if len(_PRODUCTS) >= _PRODUCTS_LIMIT:
        _PRODUCTS.clear()
    _PRODUCTS[(sku, name, supplier, store)] = text
    return text


def _item_product(
    parts: list[str],
    sku: str,
    name: str,
    supplier: str | None,
    store: str,
    extra: dict[str, Any],
    cur: str,
) -> None:
    """From the end of ``line-item`` to the start of ``item-pricing``: the ``item-product``."""
    esc = xml_text
    product_id = extra.get("product_id") or f"{sku}@{store}"
    parts.append(
        f'</line-item><item-product><product id="{xml_attr(product_id)}">'
        f"<sku>{esc(sku)}</sku><name>{esc(name)}</name>"
    )
    if extra:
        _optional(parts, extra, _PRODUCT_TEXT)
    product_attributes = extra.get("product_custom_attributes")
    if supplier or product_attributes:
        parts.append("<custom-attributes>")
        if supplier:
            parts.append(
                '<simple-attribute name="Supplier">'
                f"<string>{esc(supplier)}</string></simple-attribute>"
            )
        if product_attributes:
            _attributes(parts, product_attributes, cur)
        parts.append("</custom-attributes>")
    parts.append("</product></item-product><item-pricing>")


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def render_order(parts: list[str], order: ExportOrder) -> None:
    """Append the ``order`` element of ``order`` to ``parts`` (one line, ending in a newline)."""
    esc = xml_text
    append = parts.append
    cur = f' currency="{xml_attr(order.currency or "")}"'
    store = order.store
    extra = order.extra or _EMPTY

    append(f'<order id="{xml_attr(order.document_no)}@{xml_attr(store)}">')
    if order.to_be_deleted or order.cost_center or extra.get("custom_attributes"):
        append("<custom-attributes>")
        if order.to_be_deleted:
            append(
                '<simple-attribute name="ToBeDeleted"><boolean>true</boolean></simple-attribute>'
            )
        if order.cost_center:
            append(
                '<simple-attribute name="CostCenter">'
                f"<string>{esc(order.cost_center)}</string></simple-attribute>"
            )
        _attributes(parts, extra.get("custom_attributes") or [], cur)
        append("</custom-attributes>")

    # --- header
    append(
        f"<order-header><order-process-info><status>{esc(order.status)}</status>"
        f"<creation-date>{datetime_text(order.created_at)}</creation-date></order-process-info>"
        f"<order-info><document-no>{esc(order.document_no)}</document-no>"
    )
    if extra:
        _optional(parts, extra, _ORDER_INFO_IDS)
    if order.customer_order_id:
        append(f"<customer-order-id>{esc(order.customer_order_id)}</customer-order-id>")
    if extra:
        _optional(parts, extra, _ORDER_INFO_SUPPLIER)
    append(f"<store>{esc(store)}</store>")
    if order.locale:
        append(f"<locale>{esc(order.locale)}</locale>")
    append(f"<currency>{esc(order.currency or '')}</currency>")
    if extra.get("tax_calculation_valid") is not None:
        valid = _bool_text(extra["tax_calculation_valid"])
        append(f"<tax-calculation-valid>{valid}</tax-calculation-valid>")
    if extra:
        _optional(parts, extra, _ORDER_INFO_END)
    append("</order-info>")

    buyer = extra.get("customer") or _EMPTY
    customer_id = order.customer_no or order.user_id or ""
    append(f"<customer><customer-id>{esc(customer_id)}</customer-id>")
    if buyer:
        _optional(parts, buyer, _CUSTOMER_EXTERNAL)
    if order.buyer_email:
        append(f"<account>{esc(order.buyer_email)}</account>")
    if order.customer_type:
        append(f"<customer-type-id>{esc(order.customer_type)}</customer-type-id>")
    if order.calculation_type:
        append(f"<calculation-type>{esc(order.calculation_type)}</calculation-type>")
    if order.buyer_first_name:
        append(f"<first-name>{esc(order.buyer_first_name)}</first-name>")
    if order.buyer_last_name:
        append(f"<last-name>{esc(order.buyer_last_name)}</last-name>")
    if order.buyer_company:
        append(f"<company-name1>{esc(order.buyer_company)}</company-name1>")
    if buyer:
        _optional(parts, buyer, _CUSTOMER_COMPANY)
    append(f"<user-id>{esc(order.user_id or order.customer_no or '')}</user-id>")
    if order.taxation_id:
        append(f"<taxation-id>{esc(order.taxation_id)}</taxation-id>")
    append("</customer><invoice-to-address>")
    invoice_extra = extra.get("invoice_address") or _EMPTY
    invoice_start = len(parts)
    _contact(parts, order.invoice, invoice_extra)
    invoice_parts = parts[invoice_start:]
    append("</invoice-to-address></order-header>")

    # --- items
    append("<order-items>")
    for item in order.line_items:
        item_extra = item.extra or _EMPTY
        append(
            f'<order-item id="{item.position}"><custom-attributes>'
            f'<money-attribute name="SinglePriceGross"><money{cur}>'
            f"{money_text(item.unit_price_gross)}</money></money-attribute>"
            f'<money-attribute name="LineNetTotal"><money{cur}>'
            f"{money_text(item.net_total)}</money></money-attribute>"
            f'<money-attribute name="LineGrossTotal"><money{cur}>'
            f"{money_text(item.gross_total)}</money></money-attribute>"
        )
        if item_extra.get("custom_attributes"):
            _attributes(parts, item_extra["custom_attributes"], cur)
        append(
            f"</custom-attributes><line-item>"
            f"<fulfillment-status>{esc(item.status)}</fulfillment-status>"
        )
        if item.unit:
            append(f'<quantity unit="{xml_attr(item.unit)}">{item.quantity}</quantity>')
        else:
            append(f"<quantity>{item.quantity}</quantity>")
        if item.bucket_key:
            append(f"<bucket-id>{esc(item.bucket_key)}</bucket-id>")
        append(f"<hidden>{'true' if item.hidden else 'false'}</hidden>")
        if item_extra:
            if item_extra.get("desired_delivery_date"):
                append(
                    f"<desired-delivery-date>{item_extra['desired_delivery_date']}"
                    "</desired-delivery-date>"
                )
            _optional(parts, item_extra, _LINE_ITEM_END)
        if item_extra:
            _item_product(parts, item.sku, item.product_name, item.supplier, store, item_extra, cur)
        else:
            product_key = (item.sku, item.product_name, item.supplier, store)
            product = _PRODUCTS.get(product_key)
            if product is None:
                product = _item_product_text(*product_key)
            append(product)
        if item_extra.get("pricing"):
            _pricing(parts, item_extra["pricing"], cur)
            append("</item-pricing>")
        else:
            tax = money_text(item.tax_amount)
            append(
                f"<pricing><sales>"
                f"<single-base-price{cur}>{money_text(item.unit_price_net)}</single-base-price>"
                f"<item-price{cur}>{money_text(item.unit_price_net * item.quantity)}</item-price>"
                f"</sales><item-taxes><taxes><amount{cur}>{tax}</amount>"
                f"<rate>{rate_text(item.tax_rate)}</rate></taxes>"
                f"<tax-total{cur}>{tax}</tax-total></item-taxes>"
            )
            if item.discount_amount:
                append(
                    f"<item-discounts><discount><amount{cur}>"
                    f"{money_text(-abs(item.discount_amount))}</amount>"
                    f"<description>{esc(item.discount_description or 'Discount')}</description>"
                    f"</discount></item-discounts>"
                )
            append("</pricing></item-pricing>")
        if item_extra:
            _item_extras(parts, item_extra, cur)
        append("</order-item>")
    append("</order-items>")

    # --- buckets and destinations
    if order.buckets:
        append("<buckets>")
        start_date = datetime_text(order.created_at)
        for sequence, bucket in enumerate(order.buckets, start=1):
            bucket_extra = bucket.extra or _EMPTY
            append(f'<bucket id="{xml_attr(bucket.key)}">')
            if bucket_extra:
                _pack_slip(parts, bucket_extra.get("pack_slip_message"))
            append(
                f'<shipping-method id="{xml_attr(bucket.shipping_method_id)}">'
                f"<address-id>{esc(bucket.destination_key or '')}</address-id>"
            )
            if bucket_extra:
                _optional(parts, bucket_extra, _BUCKET_DATES)
                if bucket_extra.get("instructions") is not None:
                    append(f"<instructions>{esc(bucket_extra['instructions'])}</instructions>")
            append(
                f"<sequence-number>{bucket_extra.get('sequence_number', sequence)}"
                "</sequence-number>"
            )
            append(
                f"<shipping-method>{esc(bucket.shipping_method_name)}</shipping-method>"
                f"<ship-time-max-days>{bucket.ship_time_max_days}</ship-time-max-days>"
                f"<ship-time-min-days>{bucket.ship_time_min_days}</ship-time-min-days>"
                f"<start-date>{bucket_extra.get('start_date') or start_date}</start-date>"
                f"</shipping-method>"
                f"<bucket-pricing><price{cur}>{money_text(bucket.shipping_gross)}</price>"
            )
            if bucket_extra.get("pricing"):
                _pricing(parts, bucket_extra["pricing"], cur)
                append("</bucket-pricing></bucket>")
                continue
            shipping_tax = money_text(bucket.shipping_tax)
            append(
                f"<pricing><shipping><cost{cur}>{money_text(bucket.shipping_net)}</cost>"
                f"</shipping><shipping-taxes><taxes><amount{cur}>{shipping_tax}</amount>"
                f"<rate>{rate_text(bucket.shipping_tax_rate)}</rate></taxes>"
                f"<tax-total{cur}>{shipping_tax}</tax-total></shipping-taxes>"
                f"</pricing></bucket-pricing></bucket>"
            )
        append("</buckets>")
    if order.destinations:
        append("<destinations>")
        for destination in order.destinations:
            append(f'<destination id="{xml_attr(destination.key)}"><ship-to-address>')
            address_extra = (destination.extra or _EMPTY).get("address") or _EMPTY
            if address_extra == invoice_extra and destination.contact == order.invoice:
                parts += invoice_parts  # shipped to the invoice address: the same text
            else:
                _contact(parts, destination.contact, address_extra)
            append("</ship-to-address></destination>")
        append("</destinations>")

    # --- payment
    if order.payments:
        append("<payment>")
        for payment in order.payments:
            append(
                f'<standard-payment-transaction id="{xml_attr(payment.transaction_id)}">'
                f"<amount{cur}>{money_text(payment.amount)}</amount>"
                f"<cost{cur}>{money_text(payment.cost)}</cost>"
            )
            if payment.extra:
                _optional(parts, payment.extra, _PAYMENT_DETAILS)
                if payment.extra.get("pricing"):
                    _pricing(parts, payment.extra["pricing"], cur)
            append(
                f"<service-id>{esc(payment.service_id)}</service-id>"
                f"<status>{esc(payment.status)}</status></standard-payment-transaction>"
            )
        append("</payment>")

    # --- summary
    append("<order-summary><order-pricing><pricing>")
    if extra.get("pricing"):
        _pricing_content(parts, {k: extra["pricing"].get(k) for k in _PRICING_ORDER}, cur)
    totals = extra.get("totals") or _EMPTY
    append(
        f"<totals><item-total{cur}>{money_text(order.item_total)}</item-total>"
        f"<item-discounts{cur}>{money_text(-abs(order.item_discount_total))}</item-discounts>"
        f"<shipping-costs{cur}>{money_text(order.shipping_total)}</shipping-costs>"
    )
    if totals:
        for key in _TOTALS_AFTER_SHIPPING:
            _money(parts, key.replace("_", "-"), totals.get(key), cur)
    append(f"<payment-costs{cur}>{money_text(order.payment_costs)}</payment-costs>")
    if totals:
        _money(parts, "additional-surcharges", totals.get("additional_surcharges"), cur)
    append(
        f"<tax{cur}>{money_text(order.tax_total)}</tax>"
        f"<duties{cur}>{money_text(order.duties_total)}</duties>"
        f"<order-net-total{cur}>{money_text(order.net_total)}</order-net-total>"
        f"<order-gross-total{cur}>{money_text(order.gross_total)}</order-gross-total>"
        f"</totals></pricing></order-pricing></order-summary></order>\n"
    )


class OrderXmlWriter:
    """Writes one export document to a binary sink, keeping its SHA-256 and size.

    ``write`` is any callable taking bytes (a file's ``write``, a hash's ``update``); orders are
    encoded and handed over in blocks of about ``block_size`` characters, so memory stays flat.
    """

    def __init__(self, write: Callable[[bytes], object], *, block_size: int = 1 << 20) -> None:
        self._write = write
        self._parts: list[str] = []
        self._pending = 0
        self._block_size = block_size
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.orders = 0
        self._emit(DOCUMENT_START)

    def _emit(self, text: str) -> None:
        data = text.encode("utf-8")
        self.sha256.update(data)
        self.size += len(data)
        self._write(data)

    def add(self, order: ExportOrder) -> None:
        """Append one order."""
        parts = self._parts
        before = len(parts)
        render_order(parts, order)
        self.orders += 1
        self._pending += len(parts) - before
        # Counting parts (not characters) keeps this cheap; ~40 parts per order.
        if self._pending * 64 >= self._block_size:
            self.flush()

    def flush(self) -> None:
        """Hand everything buffered to the sink."""
        if self._parts:
            self._emit("".join(self._parts))
            self._parts.clear()
            self._pending = 0

    def close(self) -> str:
        """Finish the document; returns the hex SHA-256 of everything written."""
        self.flush()
        self._emit(DOCUMENT_END)
        return self.sha256.hexdigest()
