"""Orders search benchmark: the typical searches of the orders browser and `orders` on a large
SQLite database (SPEC §16, issue 16).

    python benchmarks/order_search_bench.py [--orders 1000000] [--db PATH] [--repeat 3]

It builds a migrated SQLite database with ``--orders`` orders in two channels. The orders are
plain rows written with ``executemany`` by the standard ``sqlite3`` module. They have 100,000
customers, names and e-mail addresses, a creation time spread over a year, and gross totals from
1 to 1,000. It has no line items, which the search does not read. Building it is not timed. With
``--db`` an existing file is used if it is there, and is built and kept if not.

Then it times each search through the real ``list_orders`` with the orders browser's limit of
500 rows. Each search runs ``--repeat`` times, and the best and the worst time are printed. It
also prints the number of rows found and SQLite's plan for the query, which shows the index it
uses. Target: each search under 1 s on 1,000,000 orders.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orderio_tui.application.channels import ChannelForm, create_channel  # noqa: E402
from orderio_tui.application.orders import OrderFilter, list_orders  # noqa: E402
from orderio_tui.database import Database, open_database  # noqa: E402

CHANNELS = (("bench-b2c", "Europe/Berlin"), ("bench-b2b", "America/New_York"))
CUSTOMERS = 100_000
FIRST_NAMES = ["Lea", "Jonas", "Emma", "Paul", "Mia", "Felix", "Anna", "Lukas", "Sofia", "Ben"]
LAST_NAMES = [
    "Wagner",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Becker",
    "Hoffmann",
    "Schulz",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Zimmermann",
]
COMPANIES = ["ACME GmbH", "Globex AG", "Initech KG", "Umbrella SE", "Hooli GmbH"]
START = datetime(2025, 1, 1, tzinfo=UTC)
#: Rows of one executemany.
BATCH = 50_000
#: As many orders as the orders browser shows.
SHOWN = 500

COLUMNS = (
    "channel_id, document_no, status, to_be_deleted, created_at, locale, currency, customer_no, "
    "customer_type, buyer_first_name, buyer_last_name, buyer_company, buyer_email, item_total, "
    "item_discount_total, shipping_total, payment_costs, tax_total, duties_total, net_total, "
    "gross_total, updated_at"
)


def _rows(count: int, channel_ids: list[int], seed: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)
    seconds = 365 * 24 * 3600
    for number in range(1, count + 1):
        customer = rng.randrange(CUSTOMERS)
        first = FIRST_NAMES[customer % len(FIRST_NAMES)]
        last = LAST_NAMES[(customer // len(FIRST_NAMES)) % len(LAST_NAMES)]
        b2b = customer % 7 == 0
        created = START + timedelta(seconds=rng.randrange(seconds))
        stamp = created.replace(tzinfo=None).isoformat(sep=" ")
        gross = rng.randrange(100, 100_001)
        yield (
            channel_ids[customer % 2],
            f"{number:08d}",
            "NEW" if number > count - count // 20 else "EXPORTED",
            0,
            stamp,
            "de_DE",
            "EUR",
            f"C{customer:06d}",
            "SMB" if b2b else "PRIVATE",
            first,
            last,
            COMPANIES[customer % len(COMPANIES)] if b2b else None,
            f"{first}.{last}{customer}@example.org".lower(),
            gross,
            0,
            0,
            0,
            gross * 19 // 119,
            0,
            gross - gross * 19 // 119,
            gross,
            stamp,
        )


def build(path: Path, count: int, seed: int) -> None:
    """A migrated database with ``count`` plain order rows."""
    db = open_database(f"sqlite:///{path}")
    for name, zone in CHANNELS:
        create_channel(db, ChannelForm(name, timezone=zone))
    db.dispose()
    connection = sqlite3.connect(path)
    with connection:
        channel_ids = [
            int(connection.execute("SELECT id FROM channels WHERE name = ?", (name,)).fetchone()[0])
            for name, _ in CHANNELS
        ]
        placeholders = ", ".join("?" * len(COLUMNS.split(",")))
        rows = _rows(count, channel_ids, seed)
        while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
            connection.executemany(f"INSERT INTO orders ({COLUMNS}) VALUES ({placeholders})", batch)
    connection.execute("ANALYZE")
    connection.close()


SEARCHES: list[tuple[str, str | None, OrderFilter]] = [
    ("channel only (first 500)", "bench-b2c", OrderFilter()),
    ("customer id", "bench-b2c", OrderFilter(customer_id="C004242")),
    ("e-mail prefix", "bench-b2c", OrderFilter(email="lea.wagner1")),
    ("e-mail, all channels", None, OrderFilter(email="emma.weber42")),
    ("name prefix 'Zimm'", "bench-b2c", OrderFilter(name="Zimm")),
    ("first and last name", "bench-b2c", OrderFilter(name="Lea Wag")),
    ("company prefix", "bench-b2b", OrderFilter(name="Glob")),
    (
        "created: one week",
        "bench-b2c",
        OrderFilter(created_from=date(2025, 6, 2), created_to=date(2025, 6, 8)),
    ),
    (
        "created: one week, all channels",
        None,
        OrderFilter(created_from=date(2025, 6, 2), created_to=date(2025, 6, 8)),
    ),
    (
        "gross 100.00-100.50",
        "bench-b2c",
        OrderFilter(gross_min=Decimal("100.00"), gross_max=Decimal("100.50")),
    ),
    ("gross >= 10 (most orders)", "bench-b2c", OrderFilter(gross_min=Decimal("10"))),
    (
        "status NEW + created one month",
        "bench-b2c",
        OrderFilter(status="NEW", created_from=date(2025, 12, 1), created_to=date(2025, 12, 31)),
    ),
    (
        "customer + created-from + gross-min",
        "bench-b2c",
        OrderFilter(customer_id="C004242", created_from=date(2025, 3, 1), gross_min=Decimal("50")),
    ),
    (
        "name + gross range + created",
        "bench-b2c",
        OrderFilter(
            name="Müll",
            gross_min=Decimal("500"),
            gross_max=Decimal("600"),
            created_from=date(2025, 4, 1),
            created_to=date(2025, 9, 30),
        ),
    ),
]


class _Plans:
    """Catches the orders query the real search sends, to ask SQLite for its plan."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.statement: tuple[str, Any] | None = None
        event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.statement is None and "FROM orders JOIN channels" in statement:
            self.statement = (statement, params)

    def plan(self) -> str:
        """The plan of the last search's query, in one line."""
        assert self.statement is not None
        statement, params = self.statement
        self.statement = None
        with self.db.engine.connect() as connection:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            return "; ".join(str(row[-1]) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="Database file to use (built if missing).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="orderio-search-") as scratch:
        path = args.db or Path(scratch) / "search.db"
        if not path.exists():
            started = time.perf_counter()
            build(path, args.orders, args.seed)
            print(
                f"built {args.orders:,} orders in {time.perf_counter() - started:.1f} s "
                f"({path.stat().st_size / 2**20:.0f} MiB)"
            )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        db = open_database(f"sqlite:///{path}")
        plans = _Plans(db)
        print(f"{'search':<38} {'rows':>5} {'best s':>7} {'worst s':>8}  plan")
        worst_of_all = 0.0
        for label, channel, filters in SEARCHES:
            times = []
            found = 0
            for _ in range(args.repeat):
                plans.statement = None
                started = time.perf_counter()
                found = len(list_orders(db, channel=channel, limit=SHOWN, filters=filters))
                times.append(time.perf_counter() - started)
            worst_of_all = max(worst_of_all, max(times))
            plan = plans.plan()
            print(f"{label:<38} {found:>5} {min(times):>7.3f} {max(times):>8.3f}  {plan}")
        db.dispose()
        print(f"slowest search: {worst_of_all:.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
