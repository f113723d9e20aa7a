"""Random orders in their JSON form: database → export XML → ICM reader gives them back."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from orderio_tui.database import Database
from orderio_tui.domain.models import Channel, Order
from orderio_tui.domain.order_json import read_document, utc_text
from orderio_tui.domain.order_rows import complete, document_of, order_rows, prune
from orderio_tui.engines.export.order_xml import OrderXmlWriter
from orderio_tui.engines.export.reading import read_orders
from orderio_tui.engines.intake.icm_xml import IcmOrderReader
from orderio_tui.engines.intake.parsed import ParsedOrder
from orderio_tui.engines.intake.rules import NewOrder, insert_orders

PACKAGE_XSD = (
    Path(__file__).resolve().parents[3] / "orderio_tui" / "engines" / "export"
    / "order-export-2.0.xsd"
)  # fmt: skip
SCHEMA = etree.XMLSchema(etree.parse(str(PACKAGE_XSD)))

# Text as it survives XML: no characters XML can not carry, no trailing blanks (the reader
# trims them, as ICM leaves some), never blank (an empty element is an absent value).
_chars = st.characters(
    blacklist_categories=["Cs", "Cc"], blacklist_characters="\ufffe\uffff"
) | st.sampled_from("&<>\"'äß東")
text = (
    st.text(_chars, min_size=1, max_size=10)
    .map(str.rstrip)
    .filter(bool)
    .filter(lambda s: not s[0].isspace())
)
money = st.decimals(min_value=-(10**5), max_value=10**5, places=2).map(str)
rate = st.sampled_from(["0", "0.07", "0.19", "0.2", "0.075"])
time = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
).map(lambda d: utc_text(d.replace(microsecond=d.microsecond // 1000 * 1000)))


def _some(**parts: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with any subset of ``parts``."""
    return st.fixed_dictionaries({}, optional=parts)


taxes = st.fixed_dictionaries(
    {"taxes": st.lists(st.fixed_dictionaries({"amount": money}, optional={"rate": rate}),
                       max_size=2),
     "tax_total": money}
)  # fmt: skip
discounts = st.lists(
    st.fixed_dictionaries(
        {"amount": money, "description": text},
        optional={"code": text, "promotion_id": text, "type": text},
    ),
    min_size=1,
    max_size=2,
)
surcharges = st.fixed_dictionaries(
    {
        "surcharges": st.lists(
            st.fixed_dictionaries(
                {"amount": money},
                optional={"description": text, "display_name": text, "short_display_name": text},
            ),
            min_size=1,
            max_size=2,
        ),
        "total": money,
    }
)
pricing = _some(
    sales=_some(single_base_price=money, item_price=money).filter(bool),
    item_taxes=taxes,
    item_discounts=discounts,
    shipping=st.fixed_dictionaries({"cost": money}),
    shipping_taxes=taxes,
    shipping_discounts=discounts,
    order_discounts=discounts,
    surcharges=surcharges,
    import_surcharges=surcharges,
    geographical_surcharges=surcharges,
    payment_taxes=taxes,
    taxes=taxes,
    order_taxes=st.lists(st.fixed_dictionaries({"name": text, "tax_total": money}), min_size=1),
    duties=st.lists(
        st.fixed_dictionaries(
            {"amount": money, "name": text, "short_name": text}, optional={"description": text}
        ),
        min_size=1,
    ),
).filter(bool)
attributes = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"name": text, "type": st.just("string"), "values": st.lists(text, min_size=1)},
            optional={"locale": st.sampled_from(["de_DE", "en_US"])},
        ),
        st.fixed_dictionaries(
            {"name": text, "type": st.just("integer"),
             "values": st.lists(st.integers(-999, 999).map(str), min_size=1)}
        ),
        st.fixed_dictionaries(
            {"name": text, "type": st.just("money"), "values": st.lists(money, min_size=1)}
        ),
    ),
    min_size=1,
    max_size=2,
)  # fmt: skip
product = st.fixed_dictionaries(
    {"sku": text, "name": text},
    optional={"id": text, "short_description": text, "thumbnail": text,
              "custom_attributes": attributes},
)  # fmt: skip
pack_slip = _some(**{"from": text, "to": text, "message": text}).filter(bool)
contact_extras = _some(
    second_name=text, honorific=text, phone_mobile=text, phone_business=text,
    phone_business_direct=text, line3=text, post_box=text, county=text, region=text,
    province=text, prefecture=text, company_name2=text, external_urn=text,
)  # fmt: skip


def _address(extras: dict[str, Any]) -> dict[str, Any]:
    return {"line1": "Hafenstr. 3", "city": "Kiel", "postal_code": "24103", "country": "DE",
            **extras}  # fmt: skip


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    destination_keys = draw(st.lists(text, min_size=1, max_size=2, unique=True))
    bucket_keys = draw(st.lists(text, min_size=1, max_size=2, unique=True))
    items = []
    for position in draw(st.lists(st.integers(1, 999), min_size=1, max_size=3, unique=True)):
        item = {
            "position": position,
            "status": draw(st.sampled_from(["NEW", "CANCELLED", "INPROGRESS"])),
            "sku": draw(text),
            "product_name": draw(text),
            "quantity": draw(st.integers(1, 50)),
            "hidden": draw(st.booleans()),
            "bucket": draw(st.sampled_from(bucket_keys)),
            "pricing": draw(pricing),
            **draw(
                _some(
                    unit=text, desired_delivery_date=time, customer_product_id=text,
                    partial_order_no=text, short_description=text, thumbnail=text,
                    supplier=text, custom_attributes=attributes,
                    product_custom_attributes=attributes,
                    warranty=st.fixed_dictionaries(
                        {"product": product}, optional={"pricing": pricing}
                    ),
                    gift_message=st.fixed_dictionaries(
                        {"product": product},
                        optional={"pack_slip_message": pack_slip, "description": text,
                                  "pricing": pricing},
                    ),
                    gift_wrap=st.fixed_dictionaries(
                        {"product": product}, optional={"description": text, "pricing": pricing}
                    ),
                )
            ),
        }  # fmt: skip
        items.append(item)
    return {
        "document_no": draw(text.filter(lambda s: len(s) <= 50)),
        "store": draw(text),
        "status": "NEW",
        "created_at": draw(time),
        "locale": "de_DE",
        "currency": "EUR",
        "to_be_deleted": draw(st.booleans()),
        **draw(
            _some(order_reference_id=text, customer_order_id=text, supplier_order_id=text,
                  tax_calculation_valid=st.booleans(), calculation_rule_set=text,
                  cost_center=text, custom_attributes=attributes, pricing=pricing)
        ),
        "customer": {
            "customer_no": draw(text),
            "user_id": draw(text),
            "type": draw(st.sampled_from(["PRIVATE", "SMB", "MEMBER"])),
            **draw(_some(external_customer_no=text, external_customer_urn=text, account=text,
                         calculation_type=st.sampled_from(["net", "gross"]), first_name=text,
                         last_name=text, company_name=text, company_name2=text, department=text,
                         taxation_id=text)),
        },
        "invoice_address": _address(draw(contact_extras)),
        "line_items": items,
        "buckets": [
            {
                "key": key,
                "destination": draw(st.sampled_from(destination_keys)),
                "shipping_method_id": draw(text),
                "sequence_number": index,
                "start_date": draw(time),
                "pricing": draw(pricing),
                **draw(_some(delivery_date=time, end_date=time, instructions=text,
                             pack_slip_message=pack_slip, shipping_method_name=text)),
            }
            for index, key in enumerate(bucket_keys, start=1)
        ],
        "destinations": [
            {"key": key, "address": _address(draw(contact_extras))} for key in destination_keys
        ],
        "payments": [
            {"id": key, "service_id": draw(text), "amount": draw(money), "cost": draw(money),
             "status": "AUTHORIZED",
             **draw(_some(details=text, last_status_change=time, pricing=pricing))}
            for key in draw(st.lists(text, max_size=2, unique=True))
        ],
        "totals": {
            "item_total": draw(money), "item_discounts": "-1.00", "shipping_costs": draw(money),
            "payment_costs": draw(money), "tax": draw(money), "duties": draw(money),
            "net_total": draw(money), "gross_total": draw(money),
            **draw(_some(item_shipping_discounts=money, bucket_shipping_discounts=money,
                         order_discounts=money, order_shipping_discounts=money,
                         additional_surcharges=money)),
        },
    }  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(documents())
def test_random_orders_come_back_from_the_export_file_as_stored(
    db: Database, tmp_path: Path, document: dict[str, Any]
) -> None:
    document = read_document(document)
    with db.write() as session:
        session.query(Order).delete()
        channel = session.query(Channel).first() or Channel(name="c", store="s", currency="EUR")
        session.add(channel)
        session.flush()
        (order_id,) = insert_orders(session, channel.id, [NewOrder(document, "random.jsonl")])
    with db.read() as session:
        stored = prune({k: v for k, v in document_of(session.get(Order, order_id), "c").items()
                        if k != "channel"})  # fmt: skip
    sink = io.BytesIO()
    writer = OrderXmlWriter(sink.write)
    with db.engine.connect() as connection:
        (order,) = read_orders(connection, [order_id], "s")
    writer.add(order)
    writer.close()
    assert SCHEMA.validate(etree.parse(io.BytesIO(sink.getvalue()))), SCHEMA.error_log
    path = tmp_path / "export.xml"
    path.write_bytes(sink.getvalue())
    reader = IcmOrderReader(path)
    (again,) = list(reader)
    assert isinstance(again, ParsedOrder), again
    assert not reader.ignored
    assert complete(again.document) == stored


@settings(max_examples=60, deadline=None)
@given(documents())
def test_rows_of_an_order_are_completed_as_complete_completes_it(document: dict[str, Any]) -> None:
    document = read_document(document)
    assert order_rows(document) == order_rows(complete(document))


@given(
    quantity=st.integers(1, 12),
    unit=st.decimals(min_value=-100, max_value=100, places=2),
    tax=st.decimals(min_value=-100, max_value=100, places=2),
    discount=st.decimals(min_value=-100, max_value=100, places=2),
)
def test_a_lines_derived_amounts_are_those_of_decimal_arithmetic(
    quantity: int, unit: Decimal, tax: Decimal, discount: Decimal
) -> None:
    item = {
        "position": 1,
        "quantity": quantity,
        "pricing": {
            "sales": {"single_base_price": str(unit)},
            "item_taxes": {"taxes": [{"amount": str(tax), "rate": "0.19"}], "tax_total": str(tax)},
            "item_discounts": [{"amount": str(discount), "code": "X"}],
        },
    }
    (row,) = order_rows({"line_items": [item]}).line_items
    cents = Decimal(100)
    net = unit * quantity - abs(discount)
    assert row["unit_price_net"] == unit * cents
    assert row["net_total"] == net * cents
    assert row["gross_total"] == (net + tax) * cents
    unit_gross = (unit + tax / quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert row["unit_price_gross"] == unit_gross * cents
    assert (row["discount_amount"], row["discount_description"]) == (abs(discount) * cents, "X")
