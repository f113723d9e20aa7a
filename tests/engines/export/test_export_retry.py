"""Retrying failed orders (SPEC §16): back to the status before the failed export, a history row,
and the next run of the configuration selects and exports the order exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from export_fixtures import NS, Shop, add_order
from lxml import etree
from sqlalchemy import select, update

from orderio_tui.application.explain import explain_order
from orderio_tui.application.retry import RETRY_REASON_CODE, retry_orders
from orderio_tui.domain.models import Order, StatusHistory
from orderio_tui.domain.statuses import RunState, Trigger
from orderio_tui.engines.export import run_export
from orderio_tui.errors import UserError
from orderio_tui.runs.journal import RunOutcome


def _export(shop: Shop) -> RunOutcome:
    return run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)


def _in_file(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return [
        e.text or "" for e in root.iterfind("o:order/o:order-header/o:order-info/o:document-no", NS)
    ]


def _orders(shop: Shop, *specs: dict[str, Any]) -> None:
    with shop.db.write() as session:
        channel = shop.channel(session)
        for spec in specs:
            add_order(session, channel, **spec)


def _fix_city(shop: Shop, document_no: str) -> None:
    with shop.db.write() as session:
        session.execute(
            update(Order).where(Order.document_no == document_no).values(invoice_city="Potsdam")
        )


def _history(shop: Shop, document_no: str) -> list[tuple[Any, ...]]:
    with shop.db.read() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    StatusHistory.from_status,
                    StatusHistory.to_status,
                    StatusHistory.reason_code,
                    StatusHistory.reason_text,
                    StatusHistory.source,
                )
                .join(Order)
                .where(Order.document_no == document_no, StatusHistory.entity == "order")
                .order_by(StatusHistory.id)
            )
        ]


@pytest.mark.parametrize("only_not_exported", [False, True])
def test_fixed_and_retried_order_is_exported_by_the_next_run_exactly_once(
    shop: Shop, only_not_exported: bool
) -> None:
    _orders(shop, {"document_no": "GOOD"}, {"document_no": "NO-CITY", "invoice_city": None})
    shop.configure(only_not_exported=only_not_exported)
    first = _export(shop)
    assert first.state is RunState.PARTIAL
    assert _in_file(Path(first.files[0])) == ["GOOD"]
    assert shop.statuses()["NO-CITY"] == "EXPORTFAILED"

    _fix_city(shop, "NO-CITY")
    outcome = retry_orders(shop.db, ["NO-CITY"], who="alice")

    assert [(r.document_no, r.status) for r in outcome.retried] == [("NO-CITY", "NEW")]
    assert outcome.refused == [] and outcome.exit_code == 0
    assert _history(shop, "NO-CITY")[-1] == (
        "EXPORTFAILED",
        "NEW",
        RETRY_REASON_CODE,
        "retry requested by alice",
        "manual",
    )
    with shop.db.read() as session:
        order = session.scalars(select(Order).where(Order.document_no == "NO-CITY")).one()
        assert order.status_reason_code is None and order.status_reason_text is None
    assert explain_order(shop.db, "NO-CITY", "erp-export").would_export is True

    second = _export(shop)
    assert second.state is RunState.SUCCEEDED
    assert second.counts == {"selected": 1, "exported": 1, "failed": 0}
    assert _in_file(Path(second.files[0])) == ["NO-CITY"]
    assert shop.statuses() == {"GOOD": "EXPORTED", "NO-CITY": "EXPORTED"}
    third = _export(shop)
    assert third.counts["selected"] == 0 and third.files == []


def test_retry_returns_the_status_before_the_failure_not_always_new(shop: Shop) -> None:
    _orders(
        shop,
        {
            "document_no": "CANCELLED",
            "status": "CANCELLED",
            "item_status": "CANCELLED",
            "invoice_city": None,
        },
    )
    shop.configure(order_statuses=["NEW", "CANCELLED", "EXPORTFAILED"])
    _export(shop)
    _export(shop)  # selects the EXPORTFAILED order again: a second failure, EXPORTFAILED → itself
    assert [h[:2] for h in _history(shop, "CANCELLED")][-2:] == [
        ("CANCELLED", "EXPORTFAILED"),
        ("EXPORTFAILED", "EXPORTFAILED"),
    ]

    outcome = retry_orders(shop.db, ["CANCELLED"], who="bob")

    assert [r.status for r in outcome.retried] == ["CANCELLED"]
    _fix_city(shop, "CANCELLED")
    _export(shop)
    assert shop.statuses() == {"CANCELLED": "CANCELLEDANDEXPORTED"}


def test_retry_of_a_run_takes_every_failed_order_of_it(shop: Shop) -> None:
    _orders(
        shop,
        {"document_no": "GOOD"},
        {"document_no": "NO-CITY", "invoice_city": None},
        {"document_no": "NO-ITEMS", "items": 0},
    )
    run = _export(shop)
    assert run.run_id is not None

    outcome = retry_orders(shop.db, run_id=run.run_id, who="carol")

    assert sorted(r.document_no for r in outcome.retried) == ["NO-CITY", "NO-ITEMS"]
    assert shop.statuses() == {"GOOD": "EXPORTED", "NO-CITY": "NEW", "NO-ITEMS": "NEW"}
    again = retry_orders(shop.db, run_id=run.run_id, who="carol")
    assert again.retried == [] and again.exit_code == 2
    assert [r.message for r in again.refused] == [
        "order NO-CITY of channel 'shop' is NEW, not EXPORTFAILED: only orders whose export "
        "failed can be retried",
        "order NO-ITEMS of channel 'shop' is NEW, not EXPORTFAILED: only orders whose export "
        "failed can be retried",
    ]


def test_mixed_list_retries_the_failed_orders_and_refuses_the_others(shop: Shop) -> None:
    _orders(shop, {"document_no": "GOOD"}, {"document_no": "NO-CITY", "invoice_city": None})
    _export(shop)

    outcome = retry_orders(shop.db, ["GOOD", "NO-CITY", "MISSING"], who="dave")

    assert [r.document_no for r in outcome.retried] == ["NO-CITY"]
    assert [(r.document_no, r.status) for r in outcome.refused] == [
        ("MISSING", None),
        ("GOOD", "EXPORTED"),
    ]
    assert "order 'MISSING' does not exist" in outcome.refused[0].message
    assert outcome.exit_code == 3
    assert shop.statuses() == {"GOOD": "EXPORTED", "NO-CITY": "NEW"}
    assert len(_history(shop, "GOOD")) == 1  # exported; the refusal wrote nothing


def test_run_without_failed_orders_and_unknown_run_are_user_errors(shop: Shop) -> None:
    _orders(shop, {"document_no": "GOOD"})
    run = _export(shop)
    with pytest.raises(UserError, match=f"run {run.run_id} has no failed orders"):
        retry_orders(shop.db, run_id=run.run_id)
    with pytest.raises(UserError, match="run 999 does not exist"):
        retry_orders(shop.db, run_id=999)


def test_a_retried_order_no_longer_waits_behind_the_others_of_a_limited_run(shop: Shop) -> None:
    _orders(
        shop,
        {"document_no": "OLD-BAD", "invoice_city": None},
        {"document_no": "GOOD-1"},
        {"document_no": "GOOD-2"},
    )
    shop.configure(order_statuses=["NEW", "EXPORTFAILED"], max_orders=1)
    assert _export(shop).counts["failed"] == 1  # the oldest, OLD-BAD, fails
    assert _in_file(Path(_export(shop).files[0])) == ["GOOD-1"]  # the failure waits behind

    retry_orders(shop.db, ["OLD-BAD"], who="erin")  # its data is still bad: it fails again

    third = _export(shop)
    assert third.counts == {"selected": 1, "exported": 0, "failed": 1}  # oldest first again
    assert shop.statuses() == {"OLD-BAD": "EXPORTFAILED", "GOOD-1": "EXPORTED", "GOOD-2": "NEW"}
