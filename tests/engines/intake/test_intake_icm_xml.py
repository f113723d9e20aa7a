"""ICM order XML 2.0 reader: older B2B exports, hostile files, unknown elements, and the round
trip file → database → export file → reader that keeps every value."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from intake_fixtures import b2b_order, orders_file
from lxml import etree
from sqlalchemy import select

from orderio_tui.database import Database
from orderio_tui.domain.models import Channel, Order, StatusHistory
from orderio_tui.domain.order_rows import complete, document_of, prune
from orderio_tui.engines.export.order_xml import OrderXmlWriter
from orderio_tui.engines.export.reading import read_orders
from orderio_tui.engines.intake.icm_xml import IcmOrderReader
from orderio_tui.engines.intake.parsed import IntakeFileError, OrderProblem, ParsedOrder
from orderio_tui.engines.intake.rules import NewOrder, check_order, insert_orders, same_content

PACKAGE_XSD = (
    Path(__file__).resolve().parents[3] / "orderio_tui" / "engines" / "export"
    / "order-export-2.0.xsd"
)  # fmt: skip

GIFTING = """
        <icm:gifting>
          <icm:gift-message>
            <icm:gift-message-product>
              <icm:pack-slip-message>
                <icm:to>Team Kiel</icm:to><icm:message>Danke!</icm:message>
              </icm:pack-slip-message>
            </icm:gift-message-product>
          </icm:gift-message>
        </icm:gifting>"""


def _read(path: Path) -> tuple[list[ParsedOrder | OrderProblem], IcmOrderReader]:
    reader = IcmOrderReader(path)
    return list(reader), reader


def test_older_b2b_export_is_read_with_member_type_cost_center_and_utc_times(
    tmp_path: Path,
) -> None:
    (parsed,), reader = _read(orders_file(tmp_path / "b2b.xml", b2b_order()))
    assert isinstance(parsed, ParsedOrder)
    order = parsed.document
    assert order["status"] == "EXPORTED"
    assert order["created_at"] == "2024-05-02T08:30:00.250Z"
    assert order["cost_center"] == "CC-42"
    assert order["customer"] == {
        "customer_no": "K-1001",
        "type": "MEMBER",
        "calculation_type": "net",
        "company_name": "Nordwerk Maschinenbau GmbH",
        "user_id": "jana.kurz",
        "taxation_id": "DE811907980",
    }
    assert order["invoice_address"]["phone_mobile"] == "+49 170 555 0101"
    assert order["custom_attributes"] == [
        {"name": "ProjectCode", "type": "string", "values": ["PRJ-88"]}
    ]
    (item,) = order["line_items"]
    assert item["desired_delivery_date"] == "2024-06-01T12:00:00.000Z"
    assert item["quantity"] == 4 and item["unit"] == "pcs"
    assert item["short_description"] == "Zinc plated"
    assert item["pricing"]["sales"] == {"single_base_price": "12.50", "item_price": "50.00"}
    (bucket,) = order["buckets"]
    # a percentage in shipping taxes is a fraction in the JSON form
    assert bucket["pricing"]["shipping_taxes"]["taxes"] == [{"amount": "1.90", "rate": "0.19"}]
    assert order["pricing"]["order_taxes"] == [{"name": "19.0", "tax_total": "10.45"}]
    assert check_order(order, "EUR") == []
    assert reader.ignored == {"order/order-header/order-attributes": 1}


def test_a_single_order_root_and_any_prefix_are_read(tmp_path: Path) -> None:
    path = orders_file(tmp_path / "one.xml", b2b_order(), root="order")
    (parsed,), _ = _read(path)
    assert isinstance(parsed, ParsedOrder)
    assert parsed.document_no == "B2B-0007"


def test_unknown_elements_are_counted_by_path_not_an_error(tmp_path: Path) -> None:
    odd = "<icm:engraving>A.K.</icm:engraving><icm:engraving>B.K.</icm:engraving>"
    path = orders_file(
        tmp_path / "odd.xml", b2b_order("A-1", extra=odd), b2b_order("A-2", extra=odd)
    )
    parsed, reader = _read(path)
    assert [p.document_no for p in parsed] == ["A-1", "A-2"]
    assert reader.ignored["order/order-items/order-item/engraving"] == 4


def test_wrappers_and_lists_keep_the_first_part_and_name_the_rest(tmp_path: Path) -> None:
    namespace = "http://www.intershop.com/xml/ns/intershop/order/2.0"
    path = tmp_path / "wrappers.xml"
    path.write_text(
        f"""<?xml version="1.0"?>
<orders xmlns="{namespace}" xmlns:x="urn:x"><order id="7@S"><order-header>
<order-info><document-no>7</document-no><currency>USD</currency></order-info>
<invoice-to-address><!-- a comment --><x:note/><contact><first-name>A</first-name></contact>
<contact><first-name>B</first-name></contact></invoice-to-address></order-header>
<order-items><odd/><order-item id="1"><item-pricing><pricing/><pricing><sales>
<item-price currency="USD">1.00</item-price></sales></pricing><pricing><sales>
<item-price currency="USD">2.00</item-price></sales></pricing></item-pricing></order-item>
<order-item id="2"/></order-items></order></orders>""",
        encoding="utf-8",
    )
    (parsed,), reader = _read(path)
    assert isinstance(parsed, ParsedOrder), parsed
    assert parsed.document["invoice_address"] == {"first_name": "A"}
    first, second = parsed.document["line_items"]
    assert first["pricing"] == {"sales": {"item_price": "1.00"}}
    assert second == {"position": 2}
    assert reader.ignored == {
        "order/order-header/invoice-to-address/{urn:x}note": 1,
        "order/order-header/invoice-to-address/contact": 1,
        "order/order-items/odd": 1,
        "order/order-items/order-item/item-pricing/pricing": 1,
    }


def test_a_bad_value_rejects_its_order_with_the_line_and_the_others_are_read(
    tmp_path: Path,
) -> None:
    bad = b2b_order("BAD-1").replace(">50.00</icm:item-price>", ">fifty</icm:item-price>")
    parsed, _ = _read(orders_file(tmp_path / "bad.xml", bad, b2b_order("GOOD-1")))
    problem, good = parsed
    assert isinstance(problem, OrderProblem) and problem.document_no == "BAD-1"
    assert "'fifty' is not an amount" in problem.message and problem.line > 1
    assert isinstance(good, ParsedOrder) and good.document_no == "GOOD-1"


def test_a_custom_attribute_value_of_the_wrong_type_rejects_its_order(tmp_path: Path) -> None:
    bad = b2b_order("ATTR-1").replace(
        "<icm:string>PRJ-88 </icm:string>", "<icm:integer>eighty</icm:integer>"
    )
    (problem,), _ = _read(orders_file(tmp_path / "attr.xml", bad))
    assert isinstance(problem, OrderProblem)
    assert "'eighty' is not a integer" in problem.message


def test_amounts_in_another_currency_reject_their_order(tmp_path: Path) -> None:
    bad = b2b_order("CUR-1").replace(
        '<icm:cost currency="EUR">10.00', '<icm:cost currency="USD">10.00'
    )
    (problem,), _ = _read(orders_file(tmp_path / "cur.xml", bad))
    assert isinstance(problem, OrderProblem)
    assert problem.message == "amounts in currency USD in an order in EUR"


def test_the_same_file_again_is_the_same_content_and_a_changed_one_is_not(
    tmp_path: Path,
) -> None:
    (first,), _ = _read(orders_file(tmp_path / "a.xml", b2b_order()))
    (again,), _ = _read(orders_file(tmp_path / "b.xml", b2b_order(status="NEW")))
    changed = b2b_order().replace("PO-4711", "PO-4712")
    (other,), _ = _read(orders_file(tmp_path / "c.xml", changed))
    assert same_content(first.document, again.document)
    assert not same_content(first.document, other.document)


@pytest.mark.parametrize(
    "document",
    [
        '<?xml version="1.0"?><!DOCTYPE orders [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<orders xmlns="http://www.intershop.com/xml/ns/intershop/order/2.0">&x;</orders>',
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<orders xmlns="http://www.intershop.com/xml/ns/intershop/order/2.0">&b;</orders>',
        '<?xml version="1.0"?><!DOCTYPE orders SYSTEM "http://example.com/orders.dtd">'
        '<orders xmlns="http://www.intershop.com/xml/ns/intershop/order/2.0"/>',
    ],
    ids=["xxe", "billion-laughs", "external-dtd"],
)
def test_hostile_files_are_refused_unread(tmp_path: Path, document: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(document)
    with pytest.raises(IntakeFileError, match="DOCTYPE"):
        list(IcmOrderReader(path))


def test_oversized_files_and_orders_and_foreign_roots_are_refused(tmp_path: Path) -> None:
    path = orders_file(tmp_path / "big.xml", b2b_order())
    with pytest.raises(IntakeFileError, match="size limit"):
        list(IcmOrderReader(path, max_size=100))
    with pytest.raises(IntakeFileError, match="more than 10 elements"):
        list(IcmOrderReader(path, max_elements_per_order=10))
    other = tmp_path / "status.xml"
    other.write_text('<orders xmlns="http://www.intershop.com/xml/ns/intershop/order/status/1.0"/>')
    with pytest.raises(IntakeFileError, match="root element"):
        list(IcmOrderReader(other))


def test_large_files_are_streamed_and_read_order_by_order(tmp_path: Path) -> None:
    orders = [b2b_order(f"N-{n:05d}") for n in range(300)]
    reader = IcmOrderReader(orders_file(tmp_path / "many.xml", *orders))
    seen = 0
    for parsed in reader:
        assert isinstance(parsed, ParsedOrder)
        seen += 1
    assert seen == 300


def _channel(db: Database, currency: str = "EUR") -> int:
    with db.write() as session:
        channel = Channel(name="shop", store="Channel-Store", currency=currency)
        session.add(channel)
        session.flush()
        return channel.id


def _export(db: Database, ids: list[int]) -> bytes:
    sink = io.BytesIO()
    writer = OrderXmlWriter(sink.write)
    with db.engine.connect() as connection:
        for order in read_orders(connection, ids, "Channel-Store"):
            writer.add(order)
    writer.close()
    return sink.getvalue()


def test_icm_order_taken_in_and_exported_again_keeps_every_value(
    db: Database, tmp_path: Path
) -> None:
    channel_id = _channel(db)
    (parsed,), _ = _read(orders_file(tmp_path / "in.xml", b2b_order(extra=GIFTING)))
    with db.write() as session:
        ids = insert_orders(session, channel_id, [NewOrder(parsed.document, "in.xml")])
    with db.read() as session:
        order = session.get(Order, ids[0])
        stored = document_of(order, "shop")
        (history,) = session.scalars(select(StatusHistory)).all()
    assert (order.status, order.store, order.customer_type) == ("NEW", "Nordwerk-B2B", "MEMBER")
    assert history.to_status == "NEW" and "in.xml" in history.reason_text
    assert "EXPORTED" in history.reason_text
    # everything the file said is in the stored order
    stored_content = prune({k: v for k, v in stored.items() if k != "channel"})
    assert stored_content == complete(parsed.document) | {"status": "NEW"}

    exported = tmp_path / "out.xml"
    exported.write_bytes(_export(db, ids))
    schema = etree.XMLSchema(etree.parse(str(PACKAGE_XSD)))
    assert schema.validate(etree.parse(str(exported))), schema.error_log
    (again,), reader = _read(exported)
    assert isinstance(again, ParsedOrder)
    assert complete(again.document) == stored_content
    assert not reader.ignored


def test_orders_without_the_new_data_are_written_as_before(db: Database) -> None:
    channel_id = _channel(db)
    plain = {
        "document_no": "P-1",
        "status": "NEW",
        "created_at": "2026-01-01T00:00:00.000Z",
        "currency": "EUR",
        "customer": {"customer_no": "C-1", "user_id": "U-1"},
        "invoice_address": {"line1": "A 1", "city": "B", "postal_code": "1", "country": "DE"},
        "line_items": [{"position": 1, "status": "NEW", "sku": "S", "product_name": "P",
                        "quantity": 1, "unit_price_net": "1.00", "tax_amount": "0.19"}],
    }  # fmt: skip
    with db.write() as session:
        ids = insert_orders(session, channel_id, [NewOrder(plain, "p.jsonl")])
    text = _export(db, ids).decode()
    for element in ("customer-order-id", "gifting", "warranty", "order-taxes", "honorific"):
        assert element not in text
    assert 'id="P-1@Channel-Store"' in text  # the channel's store stands in


# VmHWM is the peak RSS of this program alone (ru_maxrss would include the parent's at fork).
_PEAK_RSS = """
import sys
from pathlib import Path
from orderio_tui.engines.intake.icm_xml import IcmOrderReader
for parsed in IcmOrderReader(Path(sys.argv[1])):
    pass
status = Path("/proc/self/status").read_text()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
"""


def _peak_rss_kib(path: Path) -> int:
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, str(path)], capture_output=True, text=True, check=True
    )
    return int(result.stdout)


def test_memory_does_not_grow_with_the_number_of_orders(tmp_path: Path) -> None:
    small = orders_file(tmp_path / "small.xml", *(b2b_order(f"S-{n}") for n in range(300)))
    large = orders_file(tmp_path / "large.xml", *(b2b_order(f"L-{n}") for n in range(6000)))
    assert large.stat().st_size > 35_000_000  # as a tree this would take hundreds of MB
    assert _peak_rss_kib(large) < _peak_rss_kib(small) + 25_000


def test_elements_between_orders_are_ignored_and_an_order_inside_them_is_not_read(
    tmp_path: Path,
) -> None:
    between = "<icm:batch-info><icm:order id='X@Y'/></icm:batch-info>"
    path = orders_file(
        tmp_path / "between.xml", between, b2b_order("A-1"), between, b2b_order("A-2"), between
    )
    parsed, reader = _read(path)
    assert [p.document_no for p in parsed] == ["A-1", "A-2"]
    assert reader.ignored["orders/batch-info"] == 3


def test_a_large_element_before_the_first_order_is_refused_while_the_file_is_read(
    tmp_path: Path,
) -> None:
    # Bigger than one chunk the parser takes, so it is measured before the file is read on.
    junk = "<icm:padding>" + "<icm:x/>" * 20_000 + "</icm:padding>"
    path = orders_file(tmp_path / "junk.xml", junk, b2b_order("A-1"))
    reader = IcmOrderReader(path, max_elements_per_order=1_000)
    with pytest.raises(IntakeFileError, match="more than 1000 elements"):
        list(reader)
