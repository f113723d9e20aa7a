"""The export's statements do not grow with the number of orders (issue 17): completion is a few
set-based statements over the run's claims, no statement binds a parameter per order id, and the
batch reads are index lookups whether or not the tables have statistics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from export_fixtures import Shop
from sqlalchemy import event, select

from orderio_tui.domain.models import Order
from orderio_tui.domain.statuses import Trigger
from orderio_tui.engines.export import run_export
from orderio_tui.engines.export.reading import explain_batch_reads

#: Statements of the completion (step 4) and the claim, by the start of their SQL text.
WRITES = (
    "INSERT INTO status_history",
    "UPDATE orders",
    "UPDATE line_items",
    "DELETE FROM export_ledger",
    "INSERT INTO export_ledger",
    "INSERT INTO run_results",
    "DELETE FROM export_claims",
)
#: Far fewer than the orders of a batch: a statement with an expanding ``IN`` list has hundreds.
MOST_PARAMETERS = 20


class Statements:
    """The SQL texts a database engine executes, and the most bind parameters of any of them."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.most_parameters = 0

    def seen(self, statement: str, parameters: Any, executemany: bool) -> None:
        self.texts.append(" ".join(statement.split()))
        rows = parameters if executemany else [parameters]
        self.most_parameters = max([self.most_parameters, *(len(row or ()) for row in rows)])

    def writes(self) -> Counter[str]:
        return Counter(start for text in self.texts for start in WRITES if text.startswith(start))


@contextmanager
def statements_of(shop: Shop) -> Iterator[Statements]:
    seen = Statements()

    def before(_c: Any, _cursor: Any, statement: str, parameters: Any, _x: Any, many: bool) -> None:
        seen.seen(statement, parameters, many)

    event.listen(shop.db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(shop.db.engine, "before_cursor_execute", before)


def test_completion_is_the_same_few_statements_for_3_and_for_1200_orders(shop: Shop) -> None:
    shop.add_orders(3)
    with statements_of(shop) as few:
        assert (
            run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI).counts["exported"] == 3
        )
    shop.add_orders(1200)
    with statements_of(shop) as many:
        outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["exported"] == 1200
    assert set(shop.statuses().values()) == {"EXPORTED"}
    assert many.writes() == few.writes()
    assert sum(many.writes().values()) <= 16


def test_no_export_statement_binds_a_parameter_per_order(shop: Shop) -> None:
    shop.add_orders(600)
    with statements_of(shop) as seen:
        outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["exported"] == 600
    reads = [t for t in seen.texts if t.startswith("SELECT line_items.order_id")]
    assert len(reads) == 2  # two batches of line items
    assert seen.most_parameters <= MOST_PARAMETERS


def _scans_of_orders_or_line_items(plan: list[str]) -> list[str]:
    """Plan lines that read orders or line items whole (PostgreSQL or SQLite wording)."""
    return [
        line
        for line in plan
        if ("Seq Scan on" in line or line.startswith("SCAN "))
        and ("orders" in line or "line_items" in line)
    ]


def test_batch_reads_are_index_lookups_on_tables_without_statistics(shop: Shop) -> None:
    shop.add_orders(40)
    with shop.db.read() as session:
        ids = sorted(session.scalars(select(Order.id)))[10:15]  # a selective set of ids
    with shop.db.engine.connect() as connection:
        plans = explain_batch_reads(connection, ids)
        orders = connection.execute(select(Order.id).where(Order.id.in_(ids))).scalars().all()
    assert len(plans) == 5 and all(plans)
    assert [line for plan in plans for line in _scans_of_orders_or_line_items(plan)] == []
    assert sorted(orders) == ids


def test_completion_statements_look_orders_and_line_items_up_by_id(shop: Shop) -> None:
    shop.add_orders(40)
    plans: list[list[str]] = []
    postgresql = shop.db.engine.dialect.name == "postgresql"

    def explain(_c: Any, cursor: Any, statement: str, parameters: Any, _x: Any, many: bool) -> None:
        text = " ".join(statement.split())
        if many or not text.startswith(WRITES[:3]):
            return
        # The same statement with the same parameters, in the same transaction, explained.
        cursor.execute(
            ("EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN ") + statement, parameters
        )
        plans.append([str(row[0] if postgresql else row[-1]) for row in cursor.fetchall()])

    event.listen(shop.db.engine, "before_cursor_execute", explain)
    try:
        outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    finally:
        event.remove(shop.db.engine, "before_cursor_execute", explain)
    assert outcome.counts["exported"] == 40
    assert len(plans) >= 4
    assert [line for plan in plans for line in _scans_of_orders_or_line_items(plan)] == []
