"""Streaming reader of ICM order XML 2.0 files (SPEC §6.1, §13) into orders in their JSON form.

An order file is untrusted input. It is parsed with entity resolution, DTD loading and network
access off and libxml2's size limits on (no ``huge_tree``); a file with any DOCTYPE is refused
before anything of it is used; the file size and the number of elements of one order are
capped. The file is read as a stream (``iterparse``): each ``order`` is turned into its JSON
form when it ends and then removed from the tree, so memory does not grow with the file.

The reader takes what ICM writes, not only what orderio writes: a root ``orders`` with ``order``
children or a root ``order``; any namespace prefix; times with any UTC offset (handed out in
UTC); the optional and repeatable parts of the format in any order; trailing whitespace (which
ICM leaves in some values) trimmed, empty elements treated as absent. Tax rates are handed out
as fractions: ICM writes fractions in item and payment taxes and percentages (``19.0``) in
shipping taxes; a rate above 1 is read as a percentage. Values outside orderio's enumerations
(customer type ``MEMBER``, status ``EXPORTED``) are kept as given; the rules decide.

Elements the JSON form has no place for are not an error: :attr:`IcmOrderReader.ignored`
counts them by path (``order/order-header/order-attributes``). A value that can not be read
(an amount ``abc``, a date that is no date) makes that order an :class:`OrderProblem` with its
line; the other orders of the file are still read.

orderio's own export writes some values as custom attributes (``ToBeDeleted``, ``CostCenter``,
``SinglePriceGross``, ``LineNetTotal``, ``LineGrossTotal``, ``Supplier``); they are read back
into their keys, so an exported file taken in again gives the same orders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from ...domain.order_json import (
    ATTRIBUTE_TYPES,
    OrderDataError,
    check_attribute,
    money_form,
    parse_time,
    rate_form,
    utc_text,
)
from ..untrusted_xml import CappedReader, iterparse, open_checked, refuse_doctype, syntax_error
from .parsed import IntakeFileError, OrderProblem, ParsedOrder

NAMESPACE = "http://www.intershop.com/xml/ns/intershop/order/2.0"
_PREFIX = f"{{{NAMESPACE}}}"
#: Default limit of a file's size (a service may set its own).
DEFAULT_MAX_FILE_SIZE = 200 * 1024 * 1024
#: An order with more elements than this is refused before it is complete, so that one
#: enormous order can not make the tree (and memory) grow with the file.
MAX_ELEMENTS_PER_ORDER = 20_000

STR, BOOL, INT, MONEY, RATE, TIME = "string", "boolean", "integer", "money", "rate", "time"


class _BadValue(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _local(element: Any) -> str | None:
    """The local name of an element of the ICM namespace; None for anything else."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith(_PREFIX):
        return tag[len(_PREFIX) :]
    return None


def _display_name(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return "#node"
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return local if namespace == NAMESPACE else f"{{{namespace}}}{local}"
    return tag


def _text(element: Any) -> str | None:
    """An element's text with trailing whitespace trimmed; None when empty."""
    text = element.text
    if not text:
        return None
    text = text.rstrip()
    return text or None


#: How a child element is read: the key it goes to (``[]`` appends to a list, ``*`` merges
#: its object into the parent's) and a kind or a handler.
_Rule = tuple[str, "str | Callable[[Any, str], Any]"]
#: Rules by the child's full tag: (local name, key, kind or handler, is handler, mode).
_Compiled = dict[str, tuple[str, str, Any, bool, int]]
_SET, _MERGE, _APPEND = 0, 1, 2


def _compile(rules: dict[str, _Rule]) -> _Compiled:
    """``rules`` keyed by full tag, so each child is looked up without splitting its tag."""
    compiled: _Compiled = {}
    for name, (key, how) in rules.items():
        mode = _MERGE if key == "*" else _APPEND if key.endswith("[]") else _SET
        compiled[f"{_PREFIX}{name}"] = (
            name,
            key[:-2] if mode == _APPEND else key,
            how,
            callable(how),
            mode,
        )
    return compiled


class _OrderConverter:
    """Turns one ``order`` element into its JSON form; one instance per file."""

    def __init__(self, ignored: Counter[str]) -> None:
        self.ignored = ignored
        self.currencies: set[str] = set()
        self._cache: dict[str, _Compiled] = {}
        rules = self._rules()
        self.contact, self.pricing, self.product, self.attributes_rules = map(_compile, rules)

    def once(self, name: str, make: Callable[[], dict[str, _Rule]]) -> _Compiled:
        """The rules called ``name``, made and compiled on first use."""
        compiled = self._cache.get(name)
        if compiled is None:
            compiled = self._cache[name] = _compile(make())
        return compiled

    # ------------------------------------------------------------------ values

    def ignore(self, path: str, element: Any) -> None:
        self.ignored[f"{path}/{_display_name(element)}"] += 1

    def value(self, element: Any, kind: str, path: str, name: str | None = None) -> Any:
        """The value of a leaf element of ``kind``; its path (``path/name``) names it on error."""
        text = element.text
        if not text:
            return None
        text = text.rstrip()
        if not text:
            return None
        try:
            if kind == STR:
                return text
            if kind == MONEY:
                currency = element.get("currency")
                if currency:
                    self.currencies.add(currency)
                return money_form(text)
            if kind == RATE:
                return rate_form(text)
            if kind == INT:
                if text.isascii() and text.isdigit():
                    return int(text)
                number = _decimal(text)
                if number != number.to_integral_value():
                    raise ValueError
                return int(number)
            if kind == BOOL:
                flag = text.strip()
                if flag in ("true", "1"):
                    return True
                if flag in ("false", "0"):
                    return False
                raise ValueError
            if kind == TIME:
                return utc_text(parse_time(text))
        except (ValueError, InvalidOperation):
            expected = {
                MONEY: "an amount",
                RATE: "a tax rate",
                INT: "a whole number",
                BOOL: "true or false",
                TIME: "a date and time (xs:dateTime)",
            }[kind]
            where = path if name is None else f"{path}/{name}"
            raise _BadValue(f"{where}: '{text}' is not {expected}", element.sourceline) from None
        raise AssertionError(kind)  # pragma: no cover

    def read(self, element: Any, path: str, rules: _Compiled) -> dict[str, Any]:
        """The children of ``element`` by ``rules``; the others are counted as ignored."""
        result: dict[str, Any] = {}
        for child in element:
            rule = rules.get(child.tag)
            if rule is None:
                if isinstance(child.tag, str):
                    self.ignore(path, child)
                continue
            name, key, how, handler, mode = rule
            if handler:
                value = how(child, f"{path}/{name}")
                if value is None:
                    continue
            else:  # a leaf; texts and amounts, the most frequent, are read here without a call
                text = child.text
                if not text:
                    continue
                value = text.rstrip()
                if not value:
                    continue
                if how == MONEY:
                    currency = child.get("currency")
                    if currency:
                        self.currencies.add(currency)  # trimmed when compared
                    try:
                        value = money_form(value)
                    except (ValueError, InvalidOperation):
                        value = self.value(child, how, path, name)  # raises, naming the element
                elif how == RATE:
                    try:
                        value = rate_form(value)
                    except (ValueError, InvalidOperation):
                        value = self.value(child, how, path, name)
                elif how != STR:
                    value = self.value(child, how, path, name)
            if mode == _SET:
                if key in result:
                    self.ignore(path, child)  # a second one of what the form holds once
                else:
                    result[key] = value
            elif mode == _APPEND:
                result.setdefault(key, []).append(value)
            else:
                for sub_key, sub_value in value.items():
                    result.setdefault(sub_key, sub_value)
        return result

    def block(self, rules: dict[str, _Rule]) -> Callable[[Any, str], dict[str, Any] | None]:
        compiled = _compile(rules)

        def read(element: Any, path: str) -> dict[str, Any] | None:
            return self.read(element, path, compiled) or None

        return read

    def only(self, name: str, how: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
        """A wrapper element holding one ``name`` (``item-pricing/pricing``).

        Read as :meth:`read` reads a table of that one rule, without the table: wrappers are
        a sixth of the elements read.
        """
        tag = f"{_PREFIX}{name}"

        def read(element: Any, path: str) -> Any:
            found = None
            for child in element:
                if child.tag != tag:
                    if isinstance(child.tag, str):
                        self.ignore(path, child)
                    continue
                value = how(child, f"{path}/{name}")
                if value is None:
                    continue
                if found is None:
                    found = value
                else:
                    self.ignore(path, child)  # a second one of what the form holds once
            return found

        return read

    # ------------------------------------------------------------------ custom attributes

    def attribute(self, element: Any, path: str) -> dict[str, Any] | None:
        name = _local(element)
        result: dict[str, Any] = {"name": (element.get("name") or "").strip()}
        if element.get("locale"):
            result["locale"] = element.get("locale")
        values: list[str] = []
        for child in element:
            child_name = _local(child)
            if child_name is None:
                if isinstance(child.tag, str):
                    self.ignore(path, child)
                continue
            text = _text(child) or ""
            if name == "money-attribute" and child_name == "money":
                result.setdefault("type", "money")  # its currency is checked like all amounts
                values.append(self.value(child, MONEY, f"{path}/money") or "0.00")
            elif name == "quantity-attribute" and child_name == "quantity":
                result.setdefault("type", "quantity")
                if child.get("unit"):
                    result.setdefault("unit", child.get("unit"))
                values.append(text)
            elif name == "simple-attribute" and child_name in ATTRIBUTE_TYPES:
                result.setdefault("type", child_name)
                values.append(text)
            else:
                self.ignore(path, child)
        result.setdefault("type", {"money-attribute": "money", "quantity-attribute": "quantity"}
                          .get(name or "", "string"))  # fmt: skip
        result["values"] = values
        try:
            return check_attribute(result, path)
        except OrderDataError as exc:
            raise _BadValue(str(exc), element.sourceline) from None

    def attributes(self, element: Any, path: str) -> list[dict[str, Any]] | None:
        found = self.read(element, path, self.attributes_rules).get("list")
        return found or None

    # ------------------------------------------------------------------ rule tables

    def _rules(self) -> tuple[dict[str, _Rule], ...]:
        contact: dict[str, _Rule] = {
            "title": ("title", STR),
            "first-name": ("first_name", STR),
            "second-name": ("second_name", STR),
            "last-name": ("last_name", STR),
            "honorific": ("honorific", STR),
            "phone-home": ("phone_home", STR),
            "phone-mobile": ("phone_mobile", STR),
            "phone-business": ("phone_business", STR),
            "phone-business-direct": ("phone_business_direct", STR),
            "email": ("email", STR),
            "company-name1": ("company_name", STR),
            "company-name2": ("company_name2", STR),
            "externalURN": ("external_urn", STR),
        }
        address: dict[str, _Rule] = {
            name: (name.replace("-", "_"), STR)
            for name in (
                "line1", "line2", "line3", "city", "country", "country-code", "postal-code",
                "post-box", "state", "county", "region", "province", "prefecture",
            )
        }  # fmt: skip
        contact["mailing-address"] = ("mailing-address", self.block(address))
        taxes: dict[str, _Rule] = {
            "taxes": ("taxes[]", self.block({"amount": ("amount", MONEY), "rate": ("rate", RATE)})),
            "tax-total": ("tax_total", MONEY),
        }
        discount = self.block(
            {
                "amount": ("amount", MONEY),
                "code": ("code", STR),
                "description": ("description", STR),
                "promotion-id": ("promotion_id", STR),
                "type": ("type", STR),
            }
        )
        discounts = self.list_of("discount", discount)
        surcharge = self.block(
            {
                "amount": ("amount", MONEY),
                "description": ("description", STR),
                "display-name": ("display_name", STR),
                "short-display-name": ("short_display_name", STR),
            }
        )
        surcharges: dict[str, _Rule] = {
            "surcharge": ("surcharges[]", surcharge),
            "total": ("total", MONEY),
        }
        totals = self.block(
            {
                "item-total": ("item_total", MONEY),
                "item-discounts": ("item_discounts", MONEY),
                "shipping-costs": ("shipping_costs", MONEY),
                "item-shipping-discounts": ("item_shipping_discounts", MONEY),
                "bucket-shipping-discounts": ("bucket_shipping_discounts", MONEY),
                "order-discounts": ("order_discounts", MONEY),
                "order-shipping-discounts": ("order_shipping_discounts", MONEY),
                "payment-costs": ("payment_costs", MONEY),
                "additional-surcharges": ("additional_surcharges", MONEY),
                "tax": ("tax", MONEY),
                "duties": ("duties", MONEY),
                "order-net-total": ("net_total", MONEY),
                "order-gross-total": ("gross_total", MONEY),
            }
        )
        pricing: dict[str, _Rule] = {
            "sales": (
                "sales",
                self.block(
                    {
                        "single-base-price": ("single_base_price", MONEY),
                        "item-price": ("item_price", MONEY),
                    }
                ),
            ),
            "item-taxes": ("item_taxes", self.block(taxes)),
            "item-discounts": ("item_discounts", discounts),
            "shipping": ("shipping", self.block({"cost": ("cost", MONEY)})),
            "shipping-taxes": ("shipping_taxes", self.block(taxes)),
            "shipping-discounts": ("shipping_discounts", discounts),
            "order-discounts": ("order_discounts", discounts),
            "surcharges": ("surcharges", self.block(surcharges)),
            "import-surcharges": ("import_surcharges", self.block(surcharges)),
            "geographical-surcharges": ("geographical_surcharges", self.block(surcharges)),
            "payment-taxes": ("payment_taxes", self.block(taxes)),
            "taxes": ("taxes", self.block(taxes)),
            "order-taxes": (
                "order_taxes",
                self.list_of(
                    "tax-total",
                    self.block(
                        {"tax-group-name": ("name", STR), "tax-total": ("tax_total", MONEY)}
                    ),
                ),
            ),
            "duties": (
                "duties",
                self.list_of(
                    "duties",
                    self.block(
                        {
                            "amount": ("amount", MONEY),
                            "description": ("description", STR),
                            "name": ("name", STR),
                            "short-name": ("short_name", STR),
                        }
                    ),
                ),
            ),
            "totals": ("totals", totals),
        }
        product: dict[str, _Rule] = {
            "sku": ("sku", STR),
            "name": ("name", STR),
            "short-description": ("short_description", STR),
            "thumbnail": ("thumbnail", STR),
            "custom-attributes": ("custom_attributes", self.attributes),
        }
        attributes: dict[str, _Rule] = {
            "simple-attribute": ("list[]", self.attribute),
            "money-attribute": ("list[]", self.attribute),
            "quantity-attribute": ("list[]", self.attribute),
        }
        return contact, pricing, product, attributes

    def list_of(self, name: str, how: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
        """A list element of ``name`` children (``order-items/order-item``), read like
        :meth:`only`; None when it holds none."""
        tag = f"{_PREFIX}{name}"

        def read(element: Any, path: str) -> list[Any] | None:
            found = []
            child_path = f"{path}/{name}"
            for child in element:
                if child.tag != tag:
                    if isinstance(child.tag, str):
                        self.ignore(path, child)
                    continue
                value = how(child, child_path)
                if value is not None:
                    found.append(value)
            return found or None

        return read

    # ------------------------------------------------------------------ parts of an order

    def read_contact(self, element: Any, path: str) -> dict[str, Any] | None:
        contact = self.read(element, path, self.contact)
        address = contact.pop("mailing-address", None) or {}
        return {**contact, **address} or None

    def read_pricing(self, element: Any, path: str) -> dict[str, Any] | None:
        return self.read(element, path, self.pricing) or None

    def read_product(self, element: Any, path: str) -> dict[str, Any] | None:
        product = self.read(element, path, self.product)
        if element.get("id"):
            product = {"id": element.get("id"), **product}
        return product or None

    def read_item(self, element: Any, path: str) -> dict[str, Any]:
        item: dict[str, Any] = {}
        position = element.get("id")
        try:
            item["position"] = int((position or "").strip())
        except ValueError:
            raise _BadValue(
                f"{path}/@id: '{position}' is not a line position (a whole number)",
                element.sourceline,
            ) from None
        rules = self.once("item", self._item_rules)
        read = self.read(element, path, rules)
        quantity = read.pop("quantity", None)

        if quantity is not None:
            item["quantity"], unit = quantity
            if unit:
                item["unit"] = unit
        for key in ("status", "bucket", "hidden", "desired_delivery_date"):
            if key in read:
                item[key] = read.pop(key)
        item.update(_product_keys(read.pop("product", None) or {}))
        gifting = read.pop("gifting", None) or {}
        attributes = read.pop("custom_attributes", None)
        item.update(read)
        if gifting.get("gift_message"):
            item["gift_message"] = gifting["gift_message"]
        if gifting.get("gift_wrap"):
            item["gift_wrap"] = gifting["gift_wrap"]
        if attributes:
            remaining = _take_own_attributes(attributes, item, _OWN_ITEM_MONEY, "money")
            if remaining:
                item["custom_attributes"] = remaining
        product_attributes = item.pop("product_custom_attributes", None)
        if product_attributes:
            remaining = _take_own_attributes(
                product_attributes, item, {"Supplier": "supplier"}, "string"
            )
            if remaining:
                item["product_custom_attributes"] = remaining
        return item

    def _item_rules(self) -> dict[str, _Rule]:
        line_item: dict[str, _Rule] = {
            "fulfillment-status": ("status", STR),
            "quantity": ("quantity", self.read_quantity),
            "bucket-id": ("bucket", STR),
            "hidden": ("hidden", BOOL),
            "desired-delivery-date": ("desired_delivery_date", TIME),
            "customer-product-id": ("customer_product_id", STR),
            "partial-order-no": ("partial_order_no", STR),
        }
        pricing_of = self.only("pricing", self.read_pricing)
        return {
            "custom-attributes": ("custom_attributes", self.attributes),
            "line-item": ("*", self.block(line_item)),
            "item-product": ("product", self.only("product", self.read_product)),
            "product": ("product", self.read_product),
            "item-pricing": ("pricing", pricing_of),
            "warranty": (
                "warranty",
                self.block(
                    {
                        "warranty-product": ("product", self.only("product", self.read_product)),
                        "warranty-pricing": ("pricing", pricing_of),
                    }
                ),
            ),
            "gifting": (
                "gifting",
                self.block(
                    {
                        "gift-message": ("gift_message", self.block(self.gift_rules("message"))),
                        "gift-wrap": ("gift_wrap", self.block(self.gift_rules("wrap"))),
                    }
                ),
            ),
        }

    def gift_rules(self, kind: str) -> dict[str, _Rule]:
        product = self.only("product", self.read_product)
        pricing = self.block(
            {"description": ("description", STR), "pricing": ("pricing", self.read_pricing)}
        )
        if kind == "message":
            holder = self.block(
                {
                    "pack-slip-message": ("pack_slip_message", self.read_pack_slip),
                    "product": ("product", self.read_product),
                }
            )
            return {"gift-message-product": ("*", holder), "gift-message-pricing": ("*", pricing)}
        return {"gift-wrap-product": ("product", product), "gift-wrap-pricing": ("*", pricing)}

    def read_pack_slip(self, element: Any, path: str) -> dict[str, Any] | None:
        rules = self.once(
            "pack-slip",
            lambda: {"from": ("from", STR), "to": ("to", STR), "message": ("message", STR)},
        )
        return self.read(element, path, rules) or None

    def read_quantity(self, element: Any, path: str) -> tuple[int, str | None] | None:
        quantity = self.value(element, INT, path)
        if quantity is None:
            return None
        unit = (element.get("unit") or "").strip() or None
        return quantity, unit

    def read_bucket(self, element: Any, path: str) -> dict[str, Any]:
        bucket: dict[str, Any] = {"key": (element.get("id") or "").strip()}
        bucket.update(self.read(element, path, self.once("bucket", self._bucket_rules)))
        return bucket

    def _bucket_rules(self) -> dict[str, _Rule]:
        method = _compile(
            {
                "address-id": ("destination", STR),
                "delivery-date": ("delivery_date", TIME),
                "end-date": ("end_date", TIME),
                "instructions": ("instructions", STR),
                "sequence-number": ("sequence_number", INT),
                "shipping-method": ("shipping_method_name", STR),
                "ship-time-max-days": ("ship_time_max_days", INT),
                "ship-time-min-days": ("ship_time_min_days", INT),
                "start-date": ("start_date", TIME),
            }
        )

        def shipping_method(child: Any, child_path: str) -> dict[str, Any]:
            read = self.read(child, child_path, method)
            if child.get("id"):
                read["shipping_method_id"] = child.get("id").strip()
            return read

        return {
            "pack-slip-message": ("pack_slip_message", self.read_pack_slip),
            "shipping-method": ("*", shipping_method),
            "bucket-pricing": (
                "*",
                self.block(
                    {"price": ("shipping_gross", MONEY), "pricing": ("pricing", self.read_pricing)}
                ),
            ),
        }

    def read_destination(self, element: Any, path: str) -> dict[str, Any]:
        destination: dict[str, Any] = {"key": (element.get("id") or "").strip()}
        rules = self.once(
            "destination",
            lambda: {"ship-to-address": ("address", self.only("contact", self.read_contact))},
        )
        address = self.read(element, path, rules)
        destination.update(address)
        return destination

    def read_payment(self, element: Any, path: str) -> dict[str, Any]:
        payment: dict[str, Any] = {"id": (element.get("id") or "").strip()}
        rules = self.once(
            "payment",
            lambda: {
                "amount": ("amount", MONEY),
                "cost": ("cost", MONEY),
                "details": ("details", STR),
                "last-status-change": ("last_status_change", TIME),
                "pricing": ("pricing", self.read_pricing),
                "service-id": ("service_id", STR),
                "status": ("status", STR),
            },
        )
        payment.update(self.read(element, path, rules))
        return payment

    def read_header(self, element: Any, path: str) -> dict[str, Any]:
        header = self.read(element, path, self.once("header", self._header_rules))
        buyer = header.get("customer") or {}
        if "cost_center" in buyer:  # older B2B exports carry it with the buyer
            header.setdefault("cost_center", buyer.pop("cost_center"))
        return header

    def _header_rules(self) -> dict[str, _Rule]:
        process: dict[str, _Rule] = {
            "status": ("status", STR),
            "creation-date": ("created_at", TIME),
        }
        info: dict[str, _Rule] = {
            "document-no": ("document_no", STR),
            "order-reference-id": ("order_reference_id", STR),
            "customer-order-id": ("customer_order_id", STR),
            "supplier-order-id": ("supplier_order_id", STR),
            "store": ("store", STR),
            "locale": ("locale", STR),
            "currency": ("currency", STR),
            "tax-calculation-valid": ("tax_calculation_valid", BOOL),
            "calculation-rule-set": ("calculation_rule_set", STR),
            "cost-center": ("cost_center", STR),
        }
        customer: dict[str, _Rule] = {
            "customer-id": ("customer_no", STR),
            "external-customer-no": ("external_customer_no", STR),
            "external-customer-urn": ("external_customer_urn", STR),
            "account": ("account", STR),
            "customer-type-id": ("type", STR),
            "calculation-type": ("calculation_type", STR),
            "first-name": ("first_name", STR),
            "last-name": ("last_name", STR),
            "company-name1": ("company_name", STR),
            "company-name2": ("company_name2", STR),
            "department": ("department", STR),
            "user-id": ("user_id", STR),
            "taxation-id": ("taxation_id", STR),
            "cost-center": ("cost_center", STR),
        }
        return {
            "order-process-info": ("*", self.block(process)),
            "order-info": ("*", self.block(info)),
            "customer": ("customer", self.block(customer)),
            "invoice-to-address": ("invoice_address", self.only("contact", self.read_contact)),
        }

    def _order_rules(self) -> dict[str, _Rule]:
        summary = self.only("order-pricing", self.only("pricing", self.read_pricing))
        return {
            "custom-attributes": ("custom_attributes", self.attributes),
            "order-header": ("*", self.read_header),
            "order-items": ("line_items", self.list_of("order-item", self.read_item)),
            "buckets": ("buckets", self.list_of("bucket", self.read_bucket)),
            "destinations": ("destinations", self.list_of("destination", self.read_destination)),
            "payment": (
                "payments",
                self.list_of("standard-payment-transaction", self.read_payment),
            ),
            "order-summary": ("pricing", summary),
        }

    def read_order(self, element: Any) -> dict[str, Any]:
        """The JSON form of one ``order`` element."""
        self.currencies = set()
        path = "order"
        rules = self.once("order", self._order_rules)
        read = self.read(element, path, rules)
        document: dict[str, Any] = {}
        for key in ("document_no", "store", "status", "created_at", "locale", "currency"):
            if key in read:
                document[key] = read.pop(key)
        pricing = read.pop("pricing", None) or {}
        totals = pricing.pop("totals", None)
        attributes = _take_own_attributes(
            read.pop("custom_attributes", None),
            read,
            {"ToBeDeleted": "to_be_deleted", "CostCenter": "cost_center"},
            None,
        )
        if "to_be_deleted" in read:
            read["to_be_deleted"] = read["to_be_deleted"] == "true"
        document.update(read)
        if attributes:
            document["custom_attributes"] = attributes
        if pricing:
            document["pricing"] = pricing
        if totals:
            document["totals"] = totals
        if not document.get("document_no"):
            order_id = (element.get("id") or "").strip()
            if order_id:  # ICM's id is <document-no>@<store>
                document["document_no"] = order_id.rpartition("@")[0] or order_id
        _drop_default_product_ids(document)
        return document


#: The amounts orderio's export writes as custom attributes of a line item, by their keys.
_OWN_ITEM_MONEY = {
    "SinglePriceGross": "unit_price_gross",
    "LineNetTotal": "net_total",
    "LineGrossTotal": "gross_total",
}


def _decimal(text: str) -> Decimal:
    number = Decimal(text.strip())
    if not number.is_finite():
        raise ValueError(text)
    return number


#: The keys of a line's product (ProductType) that are named otherwise in the line item.
_PRODUCT_KEYS = {
    "id": "product_id",
    "name": "product_name",
    "custom_attributes": "product_custom_attributes",
}


def _product_keys(product: dict[str, Any]) -> dict[str, Any]:
    """A line's product (ProductType) under the line item's own keys."""
    return {_PRODUCT_KEYS.get(key, key): value for key, value in product.items()}


def _take_own_attributes(
    attributes: list[dict[str, Any]] | None,
    target: dict[str, Any],
    names: dict[str, str],
    kind: str | None,
) -> list[dict[str, Any]]:
    """Move orderio's own custom attributes into their keys; the others stay attributes."""
    remaining = []
    for attribute in attributes or ():
        key = names.get(attribute.get("name", ""))
        values = attribute.get("values") or []
        if key is None or not values or (kind is not None and attribute.get("type") != kind):
            remaining.append(attribute)
            continue
        target.setdefault(key, values[0])
    return remaining


def _drop_default_product_ids(document: dict[str, Any]) -> None:
    """orderio writes ``<sku>@<store>`` as product id when it has none; that is no value."""
    store = document.get("store")
    for item in document.get("line_items") or ():
        if item.get("product_id") is not None and item.get("product_id") == (
            f"{item.get('sku')}@{store}"
        ):
            del item["product_id"]


# --------------------------------------------------------------------------- the stream


class IcmOrderReader:
    """The orders of one ICM order XML file, one at a time (iterate once).

    Raises :class:`IntakeFileError` (possibly after some orders were handed out) when the
    file is empty, too big, not well-formed, unsafe or has another root; per-order problems
    are handed out as :class:`OrderProblem` instead.
    """

    def __init__(
        self,
        path: Path,
        *,
        max_size: int = DEFAULT_MAX_FILE_SIZE,
        max_elements_per_order: int = MAX_ELEMENTS_PER_ORDER,
    ) -> None:
        self.path = path
        self.max_size = max_size
        self.max_elements_per_order = max_elements_per_order
        #: Ignored element paths (relative to `order`, or `orders/...`) and how often.
        self.ignored: Counter[str] = Counter()

    def __iter__(self) -> Iterator[ParsedOrder | OrderProblem]:
        for source in open_checked(
            self.path,
            max_size=self.max_size,
            what="an ICM order XML document",
            error=IntakeFileError,
        ):
            yield from self._parse(source)

    def _parse(self, source: CappedReader) -> Iterator[ParsedOrder | OrderProblem]:
        try:
            self._check_start()
            yield from self._orders(source)
        except etree.XMLSyntaxError as exc:
            raise syntax_error(exc, IntakeFileError) from None
        except etree.LxmlError as exc:
            raise IntakeFileError(f"the file can not be read as XML: {exc}") from None

    def _check_start(self) -> None:
        """Refuse a DOCTYPE or another root before anything of the file is used.

        Only the file's start is parsed (up to the root's start tag), so a file with another
        root is refused without being read into a tree.
        """
        with self.path.open("rb") as start:
            for _, element in iterparse(start, ("start",)):
                _check_root(element.getroottree().getroot())
                return

    def _orders(self, source: CappedReader) -> Iterator[ParsedOrder | OrderProblem]:
        order_tag = f"{_PREFIX}order"
        limit = self.max_elements_per_order
        held = _HeldElements(source, limit)
        # Only the root and the orders make events: the elements inside them are read from
        # the tree when their order ends, not one event each.
        context = iterparse(held, ("start", "end"), tag=(f"{_PREFIX}orders", order_tag))
        converter = _OrderConverter(self.ignored)
        root: Any = None
        for event, element in context:
            if root is None:  # the root's start (checked by _check_start)
                root = held.root = element
                continue
            if event == "start":
                continue
            if element is root:
                if element.tag == order_tag:
                    _count_elements(element, limit)
                    yield self._convert(converter, element)
                else:
                    self._ignore_root_children(root, len(root))
                element.clear()
                continue
            if element.getparent() is not root or root.tag == order_tag:
                continue  # an `order` inside something else: part of that
            _count_elements(element, limit)
            self._ignore_root_children(root, root.index(element))
            yield self._convert(converter, element)
            # Free what was read; the element's tail may still grow, so it stays.
            element.clear(keep_tail=True)

    def _ignore_root_children(self, root: Any, before: int) -> None:
        """Remove the root's first ``before`` children: orders already read, and others,
        which are counted as ignored."""
        order_tag = f"{_PREFIX}order"
        for child in root[:before]:
            if isinstance(child.tag, str) and child.tag != order_tag:
                self.ignored[f"orders/{_display_name(child)}"] += 1
        del root[:before]

    def _convert(self, converter: _OrderConverter, element: Any) -> ParsedOrder | OrderProblem:
        line = element.sourceline or 0
        try:
            document = converter.read_order(element)
        except _BadValue as bad:
            number = _document_no_of(element)
            return OrderProblem(bad.line or line, number, bad.message)
        currency = document.get("currency")
        others = sorted({c.strip() for c in converter.currencies} - {currency})
        if currency and others:
            return OrderProblem(
                line,
                document.get("document_no"),
                f"amounts in currency {others[0]} in an order in {currency}",
            )
        return ParsedOrder(line, document)


class _HeldElements:
    """The file for the parser; before each chunk it takes, the tree it built is measured.

    Orders are counted when they end (:func:`_count_elements`); this bounds what an order
    still open, or anything else between orders, can hold: at most the limit and one chunk.
    """

    def __init__(self, source: CappedReader, limit: int) -> None:
        self._source = source
        self._limit = limit
        #: The root element, once the parser has started it.
        self.root: Any = None

    def read(self, size: int = -1) -> bytes:
        if self.root is not None:
            _count_elements(self.root, self._limit)
        return self._source.read(size)


def _count_elements(element: Any, limit: int) -> None:
    """Refuse the file when ``element`` holds more than ``limit`` elements below it."""
    count = -1
    for _ in element.iter():
        count += 1
        if count > limit:
            raise IntakeFileError(
                f"an order has more than {limit} elements; the file is refused",
                element.sourceline,
            )


def _document_no_of(element: Any) -> str | None:
    for child in element.iter(f"{_PREFIX}document-no"):
        return _text(child)
    order_id = (element.get("id") or "").strip()
    return order_id.rpartition("@")[0] or order_id or None


def _check_root(root: Any) -> None:
    refuse_doctype(root, "order files", IntakeFileError)
    if _local(root) not in ("orders", "order"):
        raise IntakeFileError(
            f"the root element is '{_display_name(root)}'; an ICM order file has the root "
            f"element 'orders' (or a single 'order') in namespace '{NAMESPACE}'",
            root.sourceline,
        )
