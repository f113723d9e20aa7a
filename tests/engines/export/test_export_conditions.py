"""Conditions → one SQL query (SPEC §3), and the live count of the Conditions tab."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from export_fixtures import BASE_TIME, Shop, add_order
from sqlalchemy import select

from orderio_tui.domain.conditions import count_matching_orders, matching_orders_query
from orderio_tui.domain.models import (
    Channel,
    ExportClaim,
    ExportConfiguration,
    ExportLedgerEntry,
    LineItem,
    Order,
    utcnow,
)
from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.runs.journal import create_run

NOW = BASE_TIME + timedelta(days=1)


def _config(shop: Shop, **fields: Any) -> ExportConfiguration:
    """A transient configuration of the shop's channel with the model's defaults."""
    values: dict[str, Any] = {
        "order_statuses": ["NEW"],
        "line_item_statuses": [
            "NEW",
            "INPROGRESS",
            "CANCELLED",
            "CANCELLEDANDEXPORTED",
            "PARTDELIVERED",
            "DELIVERED",
            "RETURNED",
        ],
        "payment_statuses": ["CREATED", "AUTHORIZED", "CAPTURED", "VOIDEDAUTHORIZATION"],
        "customer_types": ["PRIVATE", "SMB"],
    }
    values.update(fields)
    return ExportConfiguration(channel_id=shop.channel_id, name="form", **values)


def _matching(shop: Shop, configuration: ExportConfiguration) -> list[str]:
    with shop.db.read() as session:
        ids = list(session.scalars(matching_orders_query(configuration, now=NOW)))
        return [session.get_one(Order, i).document_no for i in ids]


def _orders(shop: Shop, *specs: dict[str, Any]) -> None:
    with shop.db.write() as session:
        channel = shop.channel(session)
        for spec in specs:
            add_order(session, channel, **spec)


def test_default_conditions_select_new_orders_of_the_channel_oldest_first(shop: Shop) -> None:
    with shop.db.write() as session:
        other = Channel(name="other", store="Other")
        session.add(other)
        session.flush()
        add_order(session, other, document_no="OTHER-1")
        channel = shop.channel(session)
        add_order(session, channel, document_no="B", created_at=BASE_TIME + timedelta(hours=2))
        add_order(session, channel, document_no="A", created_at=BASE_TIME + timedelta(hours=1))
        add_order(session, channel, document_no="C", created_at=BASE_TIME + timedelta(hours=2))
        add_order(session, channel, document_no="DONE", status="COMPLETED")
    assert _matching(shop, _config(shop)) == ["A", "B", "C"]


def test_order_line_item_and_payment_statuses(shop: Shop) -> None:
    _orders(
        shop,
        {"document_no": "NEW-NEW"},
        {"document_no": "CANCELLED", "status": "CANCELLED", "item_status": "CANCELLED"},
        {"document_no": "NEW-DELIVERED", "item_status": "DELIVERED"},
        {"document_no": "CAPTURED", "payment_status": "CAPTURED"},
    )
    assert _matching(shop, _config(shop, order_statuses=["NEW", "CANCELLED"])) == [
        "NEW-NEW",
        "CANCELLED",
        "NEW-DELIVERED",
        "CAPTURED",
    ]
    assert _matching(shop, _config(shop, line_item_statuses=["DELIVERED"])) == ["NEW-DELIVERED"]
    assert _matching(shop, _config(shop, payment_statuses=["CAPTURED"])) == ["CAPTURED"]


def test_line_item_status_matches_when_any_line_has_it(shop: Shop) -> None:
    _orders(shop, {"document_no": "MIXED", "items": 3})
    with shop.db.write() as session:
        item = session.scalars(select(LineItem).where(LineItem.position == 2)).one()
        item.status = "RETURNED"
    assert _matching(shop, _config(shop, line_item_statuses=["RETURNED"])) == ["MIXED"]
    assert _matching(shop, _config(shop, line_item_statuses=["DELIVERED"])) == []


def test_every_line_item_status_selected_also_matches_orders_without_items(shop: Shop) -> None:
    _orders(shop, {"document_no": "EMPTY", "items": 0}, {"document_no": "FULL"})
    assert _matching(shop, _config(shop)) == ["EMPTY", "FULL"]
    assert _matching(shop, _config(shop, line_item_statuses=["NEW"])) == ["FULL"]


def test_empty_mandatory_selection_matches_nothing(shop: Shop) -> None:
    _orders(shop, {"document_no": "A"})
    assert _matching(shop, _config(shop, customer_types=[])) == []
    assert _matching(shop, _config(shop, order_statuses=[])) == []


def test_customer_type_order_numbers_and_customer_id(shop: Shop) -> None:
    _orders(
        shop,
        {"document_no": "P1", "customer_no": "CUST-1"},
        {"document_no": "S1", "customer_type": "SMB", "customer_no": "CUST-2"},
        {"document_no": "P2", "customer_no": "CUST-2"},
    )
    assert _matching(shop, _config(shop, customer_types=["SMB"])) == ["S1"]
    assert _matching(shop, _config(shop, order_numbers=["P2", " S1 ", "nope"])) == ["S1", "P2"]
    assert _matching(shop, _config(shop, customer_id="CUST-2")) == ["S1", "P2"]


def test_creation_date_range_is_inclusive(shop: Shop) -> None:
    times = {name: BASE_TIME + timedelta(hours=h) for name, h in (("H1", 1), ("H2", 2), ("H3", 3))}
    _orders(shop, *({"document_no": n, "created_at": t} for n, t in times.items()))
    configuration = _config(shop, created_from=times["H2"], created_to=times["H3"])
    assert _matching(shop, configuration) == ["H2", "H3"]
    assert _matching(shop, _config(shop, created_to=times["H1"])) == ["H1"]


def test_gross_amount_range_is_inclusive(shop: Shop) -> None:
    _orders(
        shop,
        {"document_no": "CHEAP", "gross_total": Decimal("9.99")},
        {"document_no": "TEN", "gross_total": Decimal("10.00")},
        {"document_no": "DEAR", "gross_total": Decimal("100.01")},
    )
    configuration = _config(shop, gross_min=Decimal("10"), gross_max=Decimal("100.00"))
    assert _matching(shop, configuration) == ["TEN"]
    assert _matching(shop, _config(shop, gross_max=Decimal("9.99"))) == ["CHEAP"]


def test_skus_and_supplier_match_any_line(shop: Shop) -> None:
    _orders(
        shop,
        {"document_no": "TV", "sku_prefix": "TV", "supplier": "LG"},
        {"document_no": "PC", "sku_prefix": "PC", "supplier": "HP"},
    )
    assert _matching(shop, _config(shop, skus=["TV-2"])) == ["TV"]
    assert _matching(shop, _config(shop, skus=["PC-1", "TV-1"])) == ["TV", "PC"]
    assert _matching(shop, _config(shop, supplier="HP")) == ["PC"]


def test_minimum_age_is_a_settle_delay(shop: Shop) -> None:
    _orders(
        shop,
        {"document_no": "OLD", "created_at": NOW - timedelta(minutes=30)},
        {"document_no": "FRESH", "created_at": NOW - timedelta(minutes=5)},
    )
    assert _matching(shop, _config(shop, min_age_minutes=10)) == ["OLD"]
    assert _matching(shop, _config(shop, min_age_minutes=0)) == ["OLD", "FRESH"]


def test_max_orders_takes_the_oldest(shop: Shop) -> None:
    _orders(
        shop,
        *(
            {"document_no": f"N{i}", "created_at": BASE_TIME + timedelta(minutes=10 - i)}
            for i in range(5)
        ),
    )
    assert _matching(shop, _config(shop, max_orders=2)) == ["N4", "N3"]


def test_ledger_excludes_orders_this_configuration_exported(shop: Shop) -> None:
    _orders(shop, {"document_no": "SENT"}, {"document_no": "UNSENT"})
    other_id = shop.add_configuration("other")
    with shop.db.write() as session:
        sent = session.scalars(select(Order.id).where(Order.document_no == "SENT")).one()
        session.add(
            ExportLedgerEntry(configuration_id=shop.configuration_id, order_id=sent, file_name="f")
        )
    with shop.db.read() as session:
        mine = session.get_one(ExportConfiguration, shop.configuration_id)
        other = session.get_one(ExportConfiguration, other_id)
    mine.only_not_exported = other.only_not_exported = True
    assert _matching(shop, mine) == ["UNSENT"]
    assert _matching(shop, other) == ["SENT", "UNSENT"]
    mine.only_not_exported = False
    assert _matching(shop, mine) == ["SENT", "UNSENT"]


def test_orders_claimed_by_an_active_run_are_left_out(shop: Shop) -> None:
    _orders(shop, {"document_no": "CLAIMED"}, {"document_no": "FREE"})
    with shop.db.write() as session:
        run = create_run(
            session,
            kind=RunKind.EXPORT,
            configuration_id=shop.configuration_id,
            config_name="erp-export",
            channel_id=shop.channel_id,
            trigger=Trigger.CLI,
        )
        claimed = session.scalars(select(Order.id).where(Order.document_no == "CLAIMED")).one()
        session.add(ExportClaim(order_id=claimed, run_id=run.id))
    assert _matching(shop, _config(shop)) == ["FREE"]
    with shop.db.write() as session:
        session.get_one(type(run), run.id).state = RunState.FAILED.value
    assert _matching(shop, _config(shop)) == ["CLAIMED", "FREE"]


def test_live_count_works_for_an_unsaved_form_and_respects_the_limit(shop: Shop) -> None:
    shop.add_orders(4)
    shop.add_orders(1, status="COMPLETED")
    form = _config(shop)
    with shop.db.read() as session:
        assert count_matching_orders(session, form, now=utcnow()) == 4
        assert count_matching_orders(session, ExportConfiguration(channel_id=shop.channel_id)) == 4
        form.max_orders = 3
        assert count_matching_orders(session, form) == 3
        assert form not in session
        assert not session.new
    with shop.db.read() as session:
        saved = session.get_one(ExportConfiguration, shop.configuration_id)
        assert count_matching_orders(session, saved) == 4
