"""`explain` agrees with the selection (SPEC §16): over random orders and random conditions, an
order's explanation says it is selected exactly when a dry run of the configuration selects it,
and says it would be exported exactly when the dry run does not record it as failed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from export_fixtures import Shop, add_order
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from orderio_tui.application.explain import explain_in_session, explain_order
from orderio_tui.domain.conditions import export_conditions, matching_orders_query, order_facts
from orderio_tui.domain.models import (
    Channel,
    ExportClaim,
    ExportConfiguration,
    ExportLedgerEntry,
    Order,
    Run,
    RunResultRow,
    utcnow,
)
from orderio_tui.domain.statuses import (
    CustomerType,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    RunKind,
    Trigger,
)
from orderio_tui.engines.export import run_export
from orderio_tui.runs.journal import create_run

ORDER_STATUSES = ["NEW", "EXPORTED", "EXPORTFAILED", "CANCELLED"]
LINE_ITEM_STATUSES = [s.value for s in LineItemStatus]
PAYMENT_STATUSES = [s.value for s in PaymentStatus]
CUSTOMER_TYPES = [c.value for c in CustomerType]
CUSTOMERS = ["C1", "C2"]
SUPPLIERS = ["Acme", "Globex"]
GROSS = [Decimal("9.99"), Decimal("10.00"), Decimal("10.01"), Decimal("250.50")]
#: Seconds past whole minutes, so no order sits exactly on a minute bound of the conditions.
JITTER = timedelta(seconds=7)

orders_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(["NEW", *ORDER_STATUSES]),
            "item_status": st.sampled_from(LINE_ITEM_STATUSES),
            "payment_status": st.sampled_from(PAYMENT_STATUSES),
            "customer_type": st.sampled_from(CUSTOMER_TYPES),
            "customer_no": st.sampled_from([*CUSTOMERS, None]),
            "gross_total": st.sampled_from(GROSS),
            "age_minutes": st.integers(0, 120),
            "items": st.integers(0, 2),
            "sku_prefix": st.sampled_from(["A", "B"]),
            "supplier": st.sampled_from([*SUPPLIERS, None]),
            "currency": st.sampled_from(["EUR", "EUR", None]),
            "in_ledger": st.sampled_from([False, False, True]),
            "claimed": st.sampled_from([False, False, False, True]),
            "other_channel": st.sampled_from([False, False, False, True]),
        }
    ),
    min_size=2,
    max_size=8,
)


def _selection(values: list[str]) -> st.SearchStrategy[list[str]]:
    """A multi-select: often every value (no restriction), else any subset, even an empty one."""
    everything = st.just(list(values))
    return st.one_of(everything, everything, st.lists(st.sampled_from(values), unique=True))


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """An optional condition: left out in about two examples of three."""
    return st.one_of(st.none(), st.none(), strategy)


#: Bounds between cents too: the database compares them rounded like Money stores amounts.
GROSS_BOUNDS = [*GROSS, Decimal("10.004"), Decimal("10.005")]

conditions_strategy = st.fixed_dictionaries(
    {
        "order_statuses": _selection(ORDER_STATUSES),
        "line_item_statuses": _selection(LINE_ITEM_STATUSES),
        "payment_statuses": _selection(PAYMENT_STATUSES),
        "customer_types": _selection(CUSTOMER_TYPES),
        "order_numbers": st.one_of(st.just([]), st.lists(st.integers(0, 7), max_size=3)),
        "customer_id": _maybe(st.sampled_from(CUSTOMERS)),
        "created_from_minutes": _maybe(st.integers(0, 120)),
        "created_to_minutes": _maybe(st.integers(0, 120)),
        "gross_min": _maybe(st.sampled_from(GROSS_BOUNDS)),
        "gross_max": _maybe(st.sampled_from(GROSS_BOUNDS)),
        "skus": st.one_of(
            st.just([]), st.lists(st.sampled_from(["A-1", "A-2", "B-1"]), max_size=2)
        ),
        "supplier": _maybe(st.sampled_from(SUPPLIERS)),
        "min_age_minutes": _maybe(st.integers(1, 120)),
        "only_not_exported": st.booleans(),
        "max_orders": _maybe(st.integers(1, 4)),
    }
)


def _reset(shop: Shop) -> None:
    with shop.db.write() as session:
        session.execute(delete(Order))
        session.execute(delete(Run))


def _prepare(shop: Shop, orders: list[dict[str, Any]], conditions: dict[str, Any]) -> None:
    """The orders (some in another channel, some in the ledger, some claimed by a running run of
    another configuration) and the configuration's conditions."""
    now = utcnow()
    other_id = shop.add_configuration("other") if not _has(shop, "other") else _id(shop, "other")
    with shop.db.write() as session:
        channel = shop.channel(session)
        elsewhere = session.scalar(select(Channel).where(Channel.name == "elsewhere"))
        if elsewhere is None:
            elsewhere = Channel(name="elsewhere", store="Elsewhere")
            session.add(elsewhere)
            session.flush()
        claimer = create_run(
            session,
            kind=RunKind.EXPORT,
            configuration_id=other_id,
            config_name="other",
            channel_id=shop.channel_id,
            trigger=Trigger.CLI,
        )
        for number, spec in enumerate(orders):
            fields = dict(spec)
            age = timedelta(minutes=fields.pop("age_minutes"))
            in_ledger, claimed = fields.pop("in_ledger"), fields.pop("claimed")
            order = add_order(
                session,
                elsewhere if fields.pop("other_channel") else channel,
                document_no=f"D{number}",
                created_at=now - age - JITTER,
                **fields,
            )
            if in_ledger:
                session.add(
                    ExportLedgerEntry(
                        configuration_id=shop.configuration_id,
                        order_id=order.id,
                        file_name="earlier.xml",
                        exported_at=now,
                    )
                )
            if claimed:
                session.add(ExportClaim(order_id=order.id, run_id=claimer.id))
    values = dict(conditions)
    start, end = values.pop("created_from_minutes"), values.pop("created_to_minutes")
    values["created_from"] = None if start is None else now - timedelta(minutes=start)
    values["created_to"] = None if end is None else now - timedelta(minutes=end)
    values["order_numbers"] = [f"D{n}" for n in values["order_numbers"]]
    shop.configure(**values)


def _has(shop: Shop, name: str) -> bool:
    with shop.db.read() as session:
        return (
            session.scalar(select(ExportConfiguration.id).where(ExportConfiguration.name == name))
            is not None
        )


def _id(shop: Shop, name: str) -> int:
    with shop.db.read() as session:
        return session.scalars(
            select(ExportConfiguration.id).where(ExportConfiguration.name == name)
        ).one()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(orders=orders_strategy, conditions=conditions_strategy)
def test_explanation_agrees_with_a_dry_run_on_every_order(
    shop: Shop, orders: list[dict[str, Any]], conditions: dict[str, Any]
) -> None:
    _reset(shop)
    _prepare(shop, orders, conditions)
    # Explained before the dry run: its failed results would change the order of a limited
    # selection afterwards. No order lies within seconds of a time bound, so the dry run's own
    # "now", a moment later, selects the same.
    now = utcnow()
    with shop.db.read() as session:
        configuration = session.get_one(ExportConfiguration, shop.configuration_id)
        selected_ids = set(session.scalars(matching_orders_query(configuration, now=now)))
        orders_now = list(session.scalars(select(Order)))
        explanations = {
            order.id: explain_in_session(session, order, configuration, now=now)
            for order in orders_now
        }
        facts = [order_facts(session, order) for order in orders_now]
        # Each condition on its own: its clause selects exactly the orders its check passes.
        for condition in export_conditions(configuration, now=now):
            by_clause = set(session.scalars(select(Order.id).where(condition.clause())))
            by_check = {f.id for f in facts if condition.check(f).passed}
            assert by_clause == by_check, condition.name
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI, dry_run=True)
    with shop.db.read() as session:
        failed_in_dry_run = set(
            session.scalars(
                select(RunResultRow.document_no).where(RunResultRow.run_id == outcome.run_id)
            )
        )
    selected = {i for i, e in explanations.items() if e.selected}
    exported = {e.document_no for e in explanations.values() if e.would_export}
    invalid = {e.document_no for e in explanations.values() if e.selected and not e.would_export}
    assert selected == selected_ids
    assert len(selected) == outcome.counts["selected"]
    assert invalid == failed_in_dry_run
    assert len(exported) == outcome.counts["exported"]
    for explanation in explanations.values():
        assert explanation.would_export == (not explanation.reasons)


def test_exported_order_names_the_status_condition_and_a_ledger_order_names_the_ledger(
    shop: Shop,
) -> None:
    with shop.db.write() as session:
        channel = shop.channel(session)
        add_order(session, channel, document_no="DONE", status=OrderStatus.EXPORTED.value)
        sent = add_order(session, channel, document_no="SENT", created_at=utcnow())
        session.add(
            ExportLedgerEntry(
                configuration_id=shop.configuration_id,
                order_id=sent.id,
                file_name="orders-1.xml",
                exported_at=utcnow(),
            )
        )
    shop.configure(only_not_exported=True, min_age_minutes=120)

    exported = explain_order(shop.db, "DONE", "erp-export").to_json()
    assert exported["would_export"] is False
    assert {r["check"] for r in exported["reasons"]} == {"order_status"}
    assert exported["reasons"][0] == {
        "check": "order_status",
        "expected": ["NEW"],
        "actual": "EXPORTED",
    }

    sent = explain_order(shop.db, "SENT", "erp-export").to_json()
    assert sent["would_export"] is False
    assert [r["check"] for r in sent["reasons"]] == ["min_age_minutes", "ledger"]
    assert sent["reasons"][1]["actual"] == "in this configuration's ledger"
