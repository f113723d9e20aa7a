"""The JSON form of an order (JSON → database → JSON) and the per-order rules."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from orderio_tui.database import Database, open_database
from orderio_tui.demo import create_demo
from orderio_tui.domain.models import Channel, Order
from orderio_tui.domain.order_json import json_schema, read_document, schema_text
from orderio_tui.domain.order_rows import document_of
from orderio_tui.engines.intake.jsonl import read_jsonl
from orderio_tui.engines.intake.parsed import OrderProblem, ParsedOrder
from orderio_tui.engines.intake.rules import (
    NewOrder,
    check_order,
    created_status,
    existing_documents,
    insert_orders,
    same_content,
)

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "orderio_tui" / "domain" / "order.schema.json"
READ_ONLY = ("history", "results", "status_reason_code", "status_reason_text")


def _documents(db: Database) -> list[dict]:
    with db.read() as session:
        rows = session.execute(select(Order, Channel.name).join(Channel)).all()
        return [document_of(order, name) for order, name in sorted(rows, key=lambda r: r[0].id)]


def test_demo_orders_as_json_lines_are_created_in_another_database_and_print_the_same(
    db: Database, tmp_path: Path
) -> None:
    create_demo(db, root=tmp_path / "demo", orders=20, seed=3)
    originals = [d for d in _documents(db) if d["channel"] == "demo-b2c"]
    lines = tmp_path / "orders.jsonl"
    lines.write_text("".join(json.dumps(d) + "\n" for d in originals))

    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with other.write() as session:
            channel = Channel(name="demo-b2c", store="x", currency=originals[0]["currency"])
            session.add(channel)
            session.flush()
            parsed = list(read_jsonl(lines))
            assert all(isinstance(p, ParsedOrder) for p in parsed)
            for p in parsed:
                assert check_order(p.document, channel.currency) == []
            insert_orders(session, channel.id, [NewOrder(p.document, lines.name) for p in parsed])
        copies = _documents(other)
    finally:
        other.dispose()
    # statuses are created per SPEC §13 (NEW, CANCELLED or PENDING); the rest is identical
    for original, copy in zip(originals, copies, strict=True):
        assert copy["status"] == created_status(original["status"])
        assert {**copy, "status": original["status"]} == original


def test_json_lines_problems_carry_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"document_no": "A", "totals": {"tax": 1.5}}\n\nnot json\n[1]\n')
    problems = list(read_jsonl(path))
    assert [(p.line, type(p)) for p in problems] == [
        (1, OrderProblem),
        (3, OrderProblem),
        (4, OrderProblem),
    ]
    assert "order.totals.tax" in problems[0].message and problems[0].document_no == "A"


def test_read_only_keys_are_ignored_and_unknown_keys_refused() -> None:
    document = read_document(
        {"document_no": "A", "channel": "x", "history": [{"to": "NEW"}], "results": []}
    )
    assert document == {"document_no": "A"}
    try:
        read_document({"document_no": "A", "colour": "red"})
    except ValueError as exc:
        assert "unknown key 'colour'" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an unknown key was accepted")
    try:
        read_document({"document_no": "A\x00"})
    except ValueError as exc:
        assert "NUL" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a NUL character was accepted")


def test_custom_attributes_must_have_a_known_type_and_values_of_it() -> None:
    for attribute, message in (
        ({"name": "a", "type": "x><y"}, "is not one of"),
        ({"name": "a", "type": "integer", "values": ["12a"]}, "'12a' is not a integer"),
        ({"name": "a", "type": "date", "values": ["yesterday"]}, "is not a date"),
    ):
        try:
            read_document({"document_no": "A", "custom_attributes": [attribute]})
        except ValueError as exc:
            assert message in str(exc)
        else:  # pragma: no cover
            raise AssertionError(f"{attribute} was accepted")
    document = read_document(
        {"custom_attributes": [{"name": "a", "type": "money", "values": ["2.5"]}]}
    )
    assert document["custom_attributes"][0]["values"] == ["2.50"]


def test_the_shipped_json_schema_is_the_generated_one() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def _valid(**changes: object) -> dict:
    document = {
        "document_no": "R-1",
        "status": "NEW",
        "created_at": "2026-01-01T00:00:00.000Z",
        "currency": "EUR",
        "customer": {"customer_no": "C-1"},
        "line_items": [
            {"position": 1, "status": "NEW", "sku": "S-1", "product_name": "P", "quantity": 1}
        ],
        "payments": [{"id": "T-1", "amount": "11.90", "status": "AUTHORIZED"}],
        "totals": {"net_total": "10.00", "tax": "1.90", "gross_total": "11.90"},
    }
    document.update(changes)
    return document


def test_valid_order_passes_and_each_broken_rule_is_named() -> None:
    assert check_order(_valid(), "EUR") == []
    item = _valid()["line_items"][0]
    cases = {
        "document number": _valid(document_no=None),
        "not the channel's currency": _valid(currency="USD"),
        "appears more than once": _valid(line_items=[item, item]),
        "unknown fulfillment status": _valid(line_items=[{**item, "status": "LOST"}]),
        "order status 'SHIPPED' is not known": _valid(status="SHIPPED"),
        "is not the tax": _valid(
            totals={"net_total": "10.00", "tax": "1.00", "gross_total": "11.90"}
        ),
        "payment amounts": _valid(payments=[{"id": "T", "amount": "5.00", "status": "CAPTURED"}]),
        "no customer": _valid(customer={}),
        "longer than 50": _valid(document_no="X" * 51),
    }  # fmt: skip
    for expected, document in cases.items():
        problems = check_order(document, "EUR")
        assert any(expected in p for p in problems), (expected, problems)


def test_sums_within_a_cent_are_accepted() -> None:
    totals = {"net_total": "10.00", "tax": "1.91", "gross_total": "11.90"}
    assert check_order(_valid(totals=totals), "EUR") == []


def test_created_status_follows_the_file() -> None:
    assert [created_status(s) for s in ("NEW", "EXPORTED", "CANCELLED", "PENDING", None)] == [
        "NEW",
        "NEW",
        "CANCELLED",
        "PENDING",
        "NEW",
    ]


def test_existing_orders_are_looked_up_by_document_number_in_their_channel(db: Database) -> None:
    with db.write() as session:
        shop = Channel(name="shop", store="s", currency="EUR")
        other = Channel(name="other", store="o", currency="EUR")
        session.add_all([shop, other])
        session.flush()
        insert_orders(session, shop.id, [NewOrder(_valid(document_no="E-1"), "a.jsonl")])
        insert_orders(session, other.id, [NewOrder(_valid(document_no="E-2"), "b.jsonl")])
    with db.read() as session:
        found = existing_documents(session, shop.id, ["E-1", "E-2", "E-3"])
    assert list(found) == ["E-1"]
    assert same_content(found["E-1"], _valid(document_no="E-1"))
    assert not same_content(found["E-1"], _valid(document_no="E-1", currency="CHF"))


def test_same_content_ignores_statuses_but_not_values() -> None:
    stored = _valid(status="EXPORTED")
    assert same_content(stored, _valid())
    assert not same_content(stored, _valid(customer={"customer_no": "C-2"}))


money = st.decimals(min_value=-(10**6), max_value=10**6, places=2).map(str)
text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=1, max_size=12
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(text, money, money, st.booleans()), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(["honorific", "second_name", "phone_mobile", "line3"]), text),
)
def test_random_documents_survive_the_database(
    db: Database, items: list[tuple[str, str, str, bool]], contact: dict[str, str]
) -> None:
    with db.write() as session:
        channel = session.scalar(select(Channel)) or Channel(name="c", store="s", currency="EUR")
        session.add(channel)
        session.flush()
        number = (session.scalar(select(Order.id).order_by(Order.id.desc())) or 0) + 1
        document = read_document(
            _valid(
                document_no=f"H-{number}",
                invoice_address=contact,
                line_items=[
                    {"position": i, "status": "NEW", "sku": sku, "product_name": sku,
                     "quantity": 1, "hidden": hidden,
                     "pricing": {"sales": {"item_price": price},
                                 "item_discounts": [{"amount": discount, "code": sku}]}}
                    for i, (sku, price, discount, hidden) in enumerate(items, start=1)
                ],
            )
        )  # fmt: skip
        (order_id,) = insert_orders(session, channel.id, [NewOrder(document, "h.jsonl")])
    with db.read() as session:
        stored = document_of(session.get(Order, order_id), "c")
    assert read_document(json.loads(json.dumps(stored))) == read_document(
        {**stored, "status": "NEW"}
    )
    assert same_content(stored, document)


def test_a_wrong_value_is_named_by_its_path_and_values_come_out_in_normal_form() -> None:
    for value, message in (
        (
            {"line_items": [{"position": 1}, {"pricing": {"sales": {"item_price": "abc"}}}]},
            "order.line_items[1].pricing.sales.item_price: 'abc' is not a decimal number",
        ),
        (
            {"line_items": [{"pricing": {"sales": {"item_price": "abc"}}}], "zz": 1},
            "order: unknown key 'zz'",
        ),
        (
            {"custom_attributes": [{"name": "a", "type": "integer", "values": ["1", "x"]}]},
            "order.custom_attributes[0].values[1]: 'x' is not a integer",
        ),
        ({"line_items": [None, {"quantity": True}]}, "order.line_items[1].quantity: expected"),
    ):
        try:
            read_document(value)
        except ValueError as exc:
            assert str(exc).startswith(message), str(exc)
        else:  # pragma: no cover
            raise AssertionError(f"{value} was accepted")
    document = read_document(
        {
            "totals": {"tax": "012.3", "net_total": "1.5", "gross_total": "-0.00"},
            "line_items": [{"tax_rate": "19.0", "sku": "S", "position": 1, "pricing": {}}],
            "created_at": "2024-05-02T10:30:00+02:00",
            "customer": {"type": None},
        }
    )
    assert json.dumps(document) == json.dumps(
        {
            "created_at": "2024-05-02T08:30:00.000Z",
            "line_items": [{"position": 1, "sku": "S", "tax_rate": "0.19"}],
            "totals": {"tax": "12.30", "net_total": "1.50", "gross_total": "-0.00"},
        }
    )  # the form's key order, whatever order the line gave
