"""The ICM 2.0 writer: escaping, value formats, and a round trip of random orders through XML."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from export_fixtures import NS, REFERENCE_XSD, package_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from orderio_tui.engines.export.order_xml import (
    ExportBucket,
    ExportContact,
    ExportDestination,
    ExportLineItem,
    ExportOrder,
    ExportPayment,
    OrderXmlWriter,
    datetime_text,
    money_text,
    rate_text,
    xml_attr,
    xml_safe,
    xml_text,
)
from orderio_tui.engines.export.validation import validate_order

SCHEMA = package_schema()
REFERENCE_SCHEMA = (
    etree.XMLSchema(etree.parse(str(REFERENCE_XSD))) if REFERENCE_XSD.exists() else None
)

# --------------------------------------------------------------------------- small values


def test_text_escaping_keeps_markup_characters_as_data() -> None:
    assert xml_text("Tom & Jerry <b>\"'") == "Tom &amp; Jerry &lt;b&gt;\"'"
    assert xml_text("plain Müller 東京") == "plain Müller 東京"


def test_attribute_escaping_covers_quotes_and_whitespace_normalisation() -> None:
    assert xml_attr('a"b&c<d>') == "a&quot;b&amp;c&lt;d&gt;"
    assert xml_attr("tab\tnew\nret\r") == "tab&#9;new&#10;ret&#13;"


def test_characters_xml_cannot_carry_are_replaced() -> None:
    assert xml_text("a\x00b\x1fc\ufffed\ud800") == "a\ufffdb\ufffdc\ufffdd\ufffd"
    assert xml_safe("ok\x0b") == "ok\ufffd"


def test_money_rate_and_time_formats() -> None:
    assert [money_text(c) for c in (0, 5, -5, 123456, -100)] == [
        "0.00",
        "0.05",
        "-0.05",
        "1234.56",
        "-1.00",
    ]
    assert [rate_text(r) for r in (1900, 700, 750, 0, 10000)] == ["0.19", "0.07", "0.075", "0", "1"]
    assert datetime_text(datetime(2026, 1, 2, 3, 4, 5, 678900)) == "2026-01-02T03:04:05.678Z"


@given(st.integers(min_value=-(10**16), max_value=10**16))
def test_money_text_is_the_exact_decimal_of_the_minor_units(cents: int) -> None:
    assert Decimal(money_text(cents)) == Decimal(cents).scaleb(-2)
    assert len(money_text(cents).split(".")[1]) == 2


@given(st.text(max_size=40), st.text(max_size=40))
def test_repeated_texts_are_escaped_the_same_way_each_time(first: str, second: str) -> None:
    for value in (first, second, first, second):
        parsed = etree.fromstring(f"<a>{xml_text(value)}</a>".encode()).text or ""
        assert parsed == xml_safe(value)


def test_empty_document_is_valid() -> None:
    sink = io.BytesIO()
    writer = OrderXmlWriter(sink.write)
    writer.close()
    document = etree.fromstring(sink.getvalue())
    assert document.tag == f"{{{NS['o']}}}orders"
    assert SCHEMA.validate(document.getroottree()), SCHEMA.error_log


# --------------------------------------------------------------------------- random orders

# Text with everything that is hard for XML: markup, quotes, whitespace, control characters,
# non-characters, astral characters, plus arbitrary unicode.
HARD = "&<>\"'\t\n\r\x00\x01\x0b\x1f\x7f\u0085\u00a0\u2028\ufffe\uffff\U0001f600äßé東"
hard_text = st.text(alphabet=st.sampled_from(HARD) | st.characters(), max_size=20)
filled_text = hard_text.map(lambda s: f"x{s}")
optional_text = st.none() | hard_text
cents = st.integers(min_value=-(10**9), max_value=10**9)
rates = st.sampled_from([0, 700, 750, 1900, 2000])


@st.composite
def contacts(draw: Any) -> ExportContact:
    return ExportContact(
        title=draw(optional_text),
        first_name=draw(optional_text),
        last_name=draw(optional_text),
        company=draw(optional_text),
        email=draw(optional_text),
        phone=draw(optional_text),
        line1=draw(filled_text),
        line2=draw(optional_text),
        postal_code=draw(filled_text),
        city=draw(filled_text),
        state=draw(optional_text),
        country=draw(filled_text),
        country_code=draw(optional_text),
    )


@st.composite
def orders(draw: Any) -> ExportOrder:
    destination_keys = draw(st.lists(filled_text, min_size=0, max_size=2, unique=True))
    destinations = tuple(ExportDestination(key, draw(contacts())) for key in destination_keys)
    buckets = tuple(
        ExportBucket(
            key=f"BUCKET-{index}",
            destination_key=key,
            shipping_method_id=draw(hard_text),
            shipping_method_name=draw(hard_text),
            ship_time_min_days=draw(st.integers(0, 5)),
            ship_time_max_days=draw(st.integers(5, 30)),
            shipping_net=draw(cents),
            shipping_gross=draw(cents),
            shipping_tax=draw(cents),
            shipping_tax_rate=draw(rates),
        )
        for index, key in enumerate(destination_keys, start=1)
    )
    bucket_keys = [b.key for b in buckets] + [None]
    items = tuple(
        ExportLineItem(
            position=position,
            status=draw(st.sampled_from(["NEW", "CANCELLED", "INPROGRESS"])),
            bucket_key=draw(st.sampled_from(bucket_keys)),
            sku=draw(filled_text),
            product_name=draw(filled_text),
            supplier=draw(optional_text),
            quantity=draw(st.integers(1, 1000)),
            unit=draw(optional_text),
            hidden=draw(st.booleans()),
            unit_price_net=draw(cents),
            unit_price_gross=draw(cents),
            net_total=draw(cents),
            gross_total=draw(cents),
            tax_rate=draw(rates),
            tax_amount=draw(cents),
            discount_amount=draw(st.sampled_from([0, 0, 100, 2550])),
            discount_description=draw(optional_text),
        )
        for position in range(1, draw(st.integers(1, 3)) + 1)
    )
    payments = tuple(
        ExportPayment(
            transaction_id=draw(hard_text),
            service_id=draw(hard_text),
            amount=draw(cents),
            cost=draw(cents),
            status=draw(st.sampled_from(["AUTHORIZED", "CAPTURED"])),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    return ExportOrder(
        id=1,
        document_no=draw(filled_text),
        store=draw(hard_text),
        status=draw(st.sampled_from(["NEW", "CANCELLED", "EXPORTFAILED"])),
        created_at=datetime(2020, 1, 1) + timedelta(seconds=draw(st.integers(0, 10**9))),
        locale=draw(optional_text),
        currency=draw(st.sampled_from(["EUR", "USD", "CHF"])),
        to_be_deleted=draw(st.booleans()),
        customer_no=draw(filled_text),
        user_id=draw(filled_text),
        customer_type=draw(st.none() | st.sampled_from(["PRIVATE", "SMB"])),
        buyer_first_name=draw(optional_text),
        buyer_last_name=draw(optional_text),
        buyer_company=draw(optional_text),
        buyer_email=draw(optional_text),
        taxation_id=draw(optional_text),
        invoice=draw(contacts()),
        item_total=draw(cents),
        item_discount_total=draw(cents),
        shipping_total=draw(cents),
        payment_costs=draw(cents),
        tax_total=draw(cents),
        duties_total=draw(cents),
        net_total=draw(cents),
        gross_total=draw(cents),
        line_items=items,
        buckets=buckets,
        destinations=destinations,
        payments=payments,
    )


# --------------------------------------------------------------------------- reading back


def _text(element: Any, path: str) -> str | None:
    found = element.find(path, NS)
    return None if found is None else (found.text or "")


def _cents(element: Any, path: str) -> int:
    value = Decimal(_text(element, path) or "")
    return int(value * 100)


def _rate(element: Any, path: str) -> int:
    return int(Decimal(_text(element, path) or "") * 10_000)


def _read_contact(element: Any) -> dict[str, Any]:
    address = element.find("o:mailing-address", NS)
    return {
        "title": _text(element, "o:title"),
        "first_name": _text(element, "o:first-name"),
        "last_name": _text(element, "o:last-name"),
        "company": _text(element, "o:company-name1"),
        "email": _text(element, "o:email"),
        "phone": _text(element, "o:phone-home"),
        "line1": _text(address, "o:line1"),
        "line2": _text(address, "o:line2"),
        "postal_code": _text(address, "o:postal-code"),
        "city": _text(address, "o:city"),
        "state": _text(address, "o:state"),
        "country": _text(address, "o:country"),
        "country_code": _text(address, "o:country-code"),
    }


def _read_order(element: Any) -> dict[str, Any]:
    """Everything an order element holds, in the shape of :func:`_expected`."""
    header = element.find("o:order-header", NS)
    customer = header.find("o:customer", NS)
    items = []
    for item in element.findall("o:order-items/o:order-item", NS):
        pricing = item.find("o:item-pricing/o:pricing", NS)
        money = {
            attribute.get("name"): _cents(attribute, "o:money")
            for attribute in item.findall("o:custom-attributes/o:money-attribute", NS)
        }
        discount = pricing.find("o:item-discounts/o:discount", NS)
        items.append(
            {
                "position": int(item.get("id")),
                "status": _text(item, "o:line-item/o:fulfillment-status"),
                "bucket_key": _text(item, "o:line-item/o:bucket-id"),
                "sku": _text(item, "o:item-product/o:product/o:sku"),
                "product_name": _text(item, "o:item-product/o:product/o:name"),
                "supplier": _text(
                    item,
                    "o:item-product/o:product/o:custom-attributes/"
                    "o:simple-attribute[@name='Supplier']/o:string",
                ),
                "quantity": int(_text(item, "o:line-item/o:quantity") or ""),
                "unit": item.find("o:line-item/o:quantity", NS).get("unit"),
                "hidden": _text(item, "o:line-item/o:hidden") == "true",
                "unit_price_net": _cents(pricing, "o:sales/o:single-base-price"),
                "item_price": _cents(pricing, "o:sales/o:item-price"),
                "unit_price_gross": money["SinglePriceGross"],
                "net_total": money["LineNetTotal"],
                "gross_total": money["LineGrossTotal"],
                "tax_rate": _rate(pricing, "o:item-taxes/o:taxes/o:rate"),
                "tax_amount": _cents(pricing, "o:item-taxes/o:tax-total"),
                "discount": None
                if discount is None
                else (-_cents(discount, "o:amount"), _text(discount, "o:description")),
            }
        )
    buckets = [
        {
            "key": bucket.get("id"),
            "destination_key": _text(bucket, "o:shipping-method/o:address-id"),
            "shipping_method_id": bucket.find("o:shipping-method", NS).get("id"),
            "shipping_method_name": _text(bucket, "o:shipping-method/o:shipping-method"),
            "ship_time_min_days": int(
                _text(bucket, "o:shipping-method/o:ship-time-min-days") or ""
            ),
            "ship_time_max_days": int(
                _text(bucket, "o:shipping-method/o:ship-time-max-days") or ""
            ),
            "shipping_net": _cents(bucket, "o:bucket-pricing/o:pricing/o:shipping/o:cost"),
            "shipping_gross": _cents(bucket, "o:bucket-pricing/o:price"),
            "shipping_tax": _cents(
                bucket, "o:bucket-pricing/o:pricing/o:shipping-taxes/o:tax-total"
            ),
            "shipping_tax_rate": _rate(
                bucket, "o:bucket-pricing/o:pricing/o:shipping-taxes/o:taxes/o:rate"
            ),
        }
        for bucket in element.findall("o:buckets/o:bucket", NS)
    ]
    totals = element.find("o:order-summary/o:order-pricing/o:pricing/o:totals", NS)
    flag = element.find("o:custom-attributes/o:simple-attribute[@name='ToBeDeleted']", NS)
    return {
        "id": element.get("id"),
        "status": _text(header, "o:order-process-info/o:status"),
        "created_at": _text(header, "o:order-process-info/o:creation-date"),
        "document_no": _text(header, "o:order-info/o:document-no"),
        "store": _text(header, "o:order-info/o:store"),
        "locale": _text(header, "o:order-info/o:locale"),
        "currency": _text(header, "o:order-info/o:currency"),
        "to_be_deleted": flag is not None and _text(flag, "o:boolean") == "true",
        "customer_no": _text(customer, "o:customer-id"),
        "user_id": _text(customer, "o:user-id"),
        "customer_type": _text(customer, "o:customer-type-id"),
        "buyer_first_name": _text(customer, "o:first-name"),
        "buyer_last_name": _text(customer, "o:last-name"),
        "buyer_company": _text(customer, "o:company-name1"),
        "buyer_email": _text(customer, "o:account"),
        "taxation_id": _text(customer, "o:taxation-id"),
        "invoice": _read_contact(header.find("o:invoice-to-address/o:contact", NS)),
        "items": items,
        "buckets": buckets,
        "destinations": [
            (d.get("id"), _read_contact(d.find("o:ship-to-address/o:contact", NS)))
            for d in element.findall("o:destinations/o:destination", NS)
        ],
        "payments": [
            {
                "transaction_id": p.get("id"),
                "service_id": _text(p, "o:service-id"),
                "amount": _cents(p, "o:amount"),
                "cost": _cents(p, "o:cost"),
                "status": _text(p, "o:status"),
            }
            for p in element.findall("o:payment/o:standard-payment-transaction", NS)
        ],
        "totals": {
            name: _cents(totals, f"o:{name}")
            for name in (
                "item-total",
                "item-discounts",
                "shipping-costs",
                "payment-costs",
                "tax",
                "duties",
                "order-net-total",
                "order-gross-total",
            )
        },
    }


def _opt(value: str | None) -> str | None:
    """Optional text as it reads back: absent when empty, invalid characters replaced."""
    return xml_safe(value) if value else None


def _expected_contact(contact: ExportContact) -> dict[str, Any]:
    return {
        "title": _opt(contact.title),
        "first_name": _opt(contact.first_name),
        "last_name": _opt(contact.last_name),
        "company": _opt(contact.company),
        "email": _opt(contact.email),
        "phone": _opt(contact.phone),
        "line1": xml_safe(contact.line1 or ""),
        "line2": _opt(contact.line2),
        "postal_code": xml_safe(contact.postal_code or ""),
        "city": xml_safe(contact.city or ""),
        "state": _opt(contact.state),
        "country": xml_safe(contact.country or contact.country_code or ""),
        "country_code": _opt(contact.country_code),
    }


def _expected(order: ExportOrder) -> dict[str, Any]:
    """What reading the written order back must give: the input, through :func:`xml_safe`."""
    return {
        "id": f"{xml_safe(order.document_no)}@{xml_safe(order.store)}",
        "status": order.status,
        "created_at": datetime_text(order.created_at),
        "document_no": xml_safe(order.document_no),
        "store": xml_safe(order.store),
        "locale": _opt(order.locale),
        "currency": order.currency,
        "to_be_deleted": order.to_be_deleted,
        "customer_no": xml_safe(order.customer_no or ""),
        "user_id": xml_safe(order.user_id or ""),
        "customer_type": order.customer_type,
        "buyer_first_name": _opt(order.buyer_first_name),
        "buyer_last_name": _opt(order.buyer_last_name),
        "buyer_company": _opt(order.buyer_company),
        "buyer_email": _opt(order.buyer_email),
        "taxation_id": _opt(order.taxation_id),
        "invoice": _expected_contact(order.invoice),
        "items": [
            {
                "position": i.position,
                "status": i.status,
                "bucket_key": _opt(i.bucket_key),
                "sku": xml_safe(i.sku),
                "product_name": xml_safe(i.product_name),
                "supplier": _opt(i.supplier),
                "quantity": i.quantity,
                "unit": _opt(i.unit),
                "hidden": i.hidden,
                "unit_price_net": i.unit_price_net,
                "item_price": i.unit_price_net * i.quantity,
                "unit_price_gross": i.unit_price_gross,
                "net_total": i.net_total,
                "gross_total": i.gross_total,
                "tax_rate": i.tax_rate,
                "tax_amount": i.tax_amount,
                "discount": (i.discount_amount, xml_safe(i.discount_description or "Discount"))
                if i.discount_amount
                else None,
            }
            for i in order.line_items
        ],
        "buckets": [
            {
                "key": xml_safe(b.key),
                "destination_key": xml_safe(b.destination_key or ""),
                "shipping_method_id": xml_safe(b.shipping_method_id),
                "shipping_method_name": xml_safe(b.shipping_method_name),
                "ship_time_min_days": b.ship_time_min_days,
                "ship_time_max_days": b.ship_time_max_days,
                "shipping_net": b.shipping_net,
                "shipping_gross": b.shipping_gross,
                "shipping_tax": b.shipping_tax,
                "shipping_tax_rate": b.shipping_tax_rate,
            }
            for b in order.buckets
        ],
        "destinations": [
            (xml_safe(d.key), _expected_contact(d.contact)) for d in order.destinations
        ],
        "payments": [
            {
                "transaction_id": xml_safe(p.transaction_id),
                "service_id": xml_safe(p.service_id),
                "amount": p.amount,
                "cost": p.cost,
                "status": p.status,
            }
            for p in order.payments
        ],
        "totals": {
            "item-total": order.item_total,
            "item-discounts": -abs(order.item_discount_total),
            "shipping-costs": order.shipping_total,
            "payment-costs": order.payment_costs,
            "tax": order.tax_total,
            "duties": order.duties_total,
            "order-net-total": order.net_total,
            "order-gross-total": order.gross_total,
        },
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(orders(), min_size=1, max_size=3))
def test_random_orders_survive_the_round_trip_and_stay_valid(batch: list[ExportOrder]) -> None:
    sink = io.BytesIO()
    writer = OrderXmlWriter(sink.write, block_size=256)
    for order in batch:
        writer.add(order)
    writer.close()
    document = etree.parse(io.BytesIO(sink.getvalue()), etree.XMLParser(resolve_entities=False))
    elements = document.getroot().findall("o:order", NS)
    assert [_read_order(e) for e in elements] == [_expected(o) for o in batch]
    if all(validate_order(order) is None for order in batch):
        assert SCHEMA.validate(document), SCHEMA.error_log
        if REFERENCE_SCHEMA is not None:
            assert REFERENCE_SCHEMA.validate(document), REFERENCE_SCHEMA.error_log


def test_sha256_and_size_describe_the_bytes_written() -> None:
    import hashlib

    sink = io.BytesIO()
    writer = OrderXmlWriter(sink.write)
    digest = writer.close()
    assert digest == hashlib.sha256(sink.getvalue()).hexdigest()
    assert writer.size == len(sink.getvalue())


FULL_ORDER = ExportOrder(
    id=7,
    document_no="00000151",
    store="PrimeTech-Specials",
    status="NEW",
    created_at=datetime(2026, 11, 20, 10, 15),
    locale="en_US",
    currency="USD",
    to_be_deleted=True,
    customer_no="Patricia",
    user_id="U-1",
    customer_type="SMB",
    buyer_first_name="Patricia",
    buyer_last_name="Miller & Sons",
    buyer_company="<Miller> GmbH",
    buyer_email="patricia@example.com",
    taxation_id="DE123",
    invoice=ExportContact(
        "Mrs.",
        "Patricia",
        "Miller",
        "ACME",
        "p@example.com",
        "0493",
        "Berliner Str. 20",
        "2nd floor",
        "14482",
        "Potsdam",
        "Brandenburg",
        "Germany",
        "DE",
    ),
    item_total=149325,
    item_discount_total=1432,
    shipping_total=13011,
    payment_costs=1070,
    tax_total=28465,
    duties_total=0,
    net_total=150815,
    gross_total=179280,
    line_items=(
        ExportLineItem(
            1,
            "NEW",
            "BUCKET-1",
            "4555724",
            'LG 32" TV',
            "LG",
            2,
            "pcs",
            False,
            39325,
            46797,
            78150,
            92999,
            1900,
            14849,
            500,
            "SAFE5USD",
        ),
    ),
    buckets=(
        ExportBucket("BUCKET-1", "ADDRESS-1", "STD_2DAY", "2-Day", 1, 2, 3011, 3583, 572, 1900),
    ),
    destinations=(
        ExportDestination(
            "ADDRESS-1",
            ExportContact(
                None,
                "B.",
                "Miller",
                None,
                None,
                None,
                "Tower 1",
                None,
                "07740",
                "Jena",
                None,
                None,
                "DE",
            ),
        ),
    ),
    payments=(ExportPayment("BPS_INVOICE-1", "BPS_INVOICE", 179280, 1000, "CREATED"),),
)


def _document(*batch: ExportOrder) -> Any:
    sink = io.BytesIO()
    writer = OrderXmlWriter(sink.write)
    for order in batch:
        writer.add(order)
    writer.close()
    return etree.parse(io.BytesIO(sink.getvalue()))


def test_fully_populated_order_is_valid_and_reads_back() -> None:
    assert validate_order(FULL_ORDER) is None
    document = _document(FULL_ORDER)
    assert SCHEMA.validate(document), SCHEMA.error_log
    (element,) = document.getroot().findall("o:order", NS)
    assert _read_order(element) == _expected(FULL_ORDER)


@pytest.mark.skipif(not REFERENCE_XSD.exists(), reason="reference ICM schema folder is absent")
def test_fully_populated_order_is_valid_under_the_reference_schema() -> None:
    document = _document(FULL_ORDER)
    assert REFERENCE_SCHEMA is not None
    assert REFERENCE_SCHEMA.validate(document), REFERENCE_SCHEMA.error_log
