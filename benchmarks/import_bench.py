"""Status import benchmark: the real import against a baseline of plain UPDATEs.

    python benchmarks/import_bench.py [--orders 100000] [--small 10000] [--line-items 2]
                                      [--rounds 3]

For each size (``--small`` and ``--orders``) it builds a SQLite database of that many EXPORTED
orders (``--line-items`` INPROGRESS line items and one AUTHORIZED payment each) and one status
file with an entry per order (order DELIVERED, its line items DELIVERED, its payment CAPTURED).
A child process then runs the real import (move to processing/, SHA-256, streaming parse with
XSD validation, per-entry checks through the transition table, status updates, status history,
per-order results, ledger, archive) and reports its time, entries/s and peak RSS.

In the same run, for the big size, a baseline child works on a copy of the same database: a safe
``lxml.etree.iterparse`` (no entities, no DTD, no network) of the same file and ``executemany``
UPDATEs of orders, line items and payments with the standard ``sqlite3`` module, in one
transaction, in batches of 1,000 entries. It validates nothing, checks nothing and writes no
history, results or ledger. The ratio import/baseline compares their entries/s. Both must leave
the same statuses, which the script checks. Import and baseline run ``--rounds`` times in turn,
each on a fresh copy of the database; the fastest round of each counts (other load on the
machine only ever slows a round down) and the highest peak RSS of all rounds is reported.

Targets (status import issue): ratio >= 0.33 at 100,000 entries, peak RSS <= 150 MB, and peak
RSS at 100,000 entries within 20 % of that at 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from orderio_tui.database import open_database
from orderio_tui.domain.models import (
    Channel,
    ImportConfiguration,
    LineItem,
    Order,
    PaymentTransaction,
    Service,
)
from orderio_tui.domain.statuses import ServiceKind, Trigger
from orderio_tui.engines.status_import import NAMESPACE

CHANNEL = "bench"
STORE = "Bench-Store"
CHUNK = 5_000


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB.

    On Linux VmHWM of /proc/self/status: ru_maxrss would also count the parent's memory that a
    child inherits at fork before exec.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# --------------------------------------------------------------------------- data


def document_no(number: int) -> str:
    return f"{number:08d}"


def build(workdir: Path, orders: int, line_items: int) -> tuple[Path, Path, int]:
    """A database of ``orders`` EXPORTED orders and the status file for them."""
    workdir.mkdir(parents=True, exist_ok=True)
    database_path = workdir / "orderio.db"
    database = open_database(f"sqlite:///{database_path}")
    inbox = workdir / "inbox"
    inbox.mkdir()
    with database.write() as session:
        channel = Channel(name=CHANNEL, store=STORE)
        service = Service(
            name="bench-status",
            kind=ServiceKind.STATUS_IMPORT_XML.value,
            directory=str(inbox),
            min_file_age_seconds=0,
            max_file_size=1024**3,
        )
        session.add_all([channel, service])
        session.flush()
        configuration = ImportConfiguration(
            channel_id=channel.id, name="bench-status", service_id=service.id
        )
        session.add(configuration)
        session.flush()
        channel_id, configuration_id = channel.id, configuration.id
    for start in range(1, orders + 1, CHUNK):
        numbers = range(start, min(start + CHUNK, orders + 1))
        with database.write() as session:
            session.execute(
                insert(Order),
                [
                    {"channel_id": channel_id, "document_no": document_no(n), "status": "EXPORTED"}
                    for n in numbers
                ],
            )
            ids = dict(
                session.execute(
                    select(Order.document_no, Order.id).where(
                        Order.document_no.in_([document_no(n) for n in numbers])
                    )
                ).all()
            )
            session.execute(
                insert(LineItem),
                [
                    {
                        "order_id": ids[document_no(n)],
                        "position": position,
                        "status": "INPROGRESS",
                        "sku": f"SKU-{position}",
                        "product_name": f"Product {position}",
                        "unit_price_net": Decimal("10.00"),
                        "unit_price_gross": Decimal("11.90"),
                        "net_total": Decimal("10.00"),
                        "gross_total": Decimal("11.90"),
                        "tax_rate": Decimal("0.19"),
                        "tax_amount": Decimal("1.90"),
                    }
                    for n in numbers
                    for position in range(1, line_items + 1)
                ],
            )
            session.execute(
                insert(PaymentTransaction),
                [
                    {
                        "order_id": ids[document_no(n)],
                        "transaction_id": f"PAY-{document_no(n)}",
                        "service_id": "ISH_INVOICE",
                        "amount": Decimal("23.80"),
                        "status": "AUTHORIZED",
                    }
                    for n in numbers
                ],
            )
    database.dispose()  # the last connection checkpoints the WAL into the file
    status_file = workdir / "status.xml"
    with status_file.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<orders xmlns="{NAMESPACE}">\n')
        for n in range(1, orders + 1):
            number = document_no(n)
            out.write(f'  <order id="{number}" status="DELIVERED">\n')
            for position in range(1, line_items + 1):
                out.write(f'    <line-item position="{position}" status="DELIVERED"/>\n')
            out.write(f'    <payment-transaction id="PAY-{number}" status="CAPTURED"/>\n')
            out.write("  </order>\n")
        out.write("</orders>\n")
    return database_path, status_file, configuration_id


def statuses(database_path: Path) -> tuple[int, int, int]:
    """How many orders DELIVERED, line items DELIVERED and payments CAPTURED."""
    queries = (
        "SELECT count(*) FROM orders WHERE status = 'DELIVERED'",
        "SELECT count(*) FROM line_items WHERE status = 'DELIVERED'",
        "SELECT count(*) FROM payment_transactions WHERE status = 'CAPTURED'",
    )
    connection = sqlite3.connect(database_path)
    try:
        orders, items, payments = (connection.execute(q).fetchone()[0] for q in queries)
        return orders, items, payments
    finally:
        connection.close()


# --------------------------------------------------------------------------- children


def child_import(database_path: str, configuration_id: int) -> dict[str, Any]:
    """The real import of the file waiting in the inbox (runs in a fresh process)."""
    from orderio_tui.engines.status_import import run_import

    database = open_database(f"sqlite:///{database_path}")
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome = run_import(database, configuration_id, trigger=Trigger.CLI)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_started,
        "peak_rss_mb": peak_rss_mb(),
        "state": outcome.state.value,
        "counts": outcome.counts,
    }


def child_baseline(database_path: str, status_file: str) -> dict[str, Any]:
    """Safe iterparse + executemany UPDATEs with sqlite3, one transaction (a fresh process)."""
    from lxml import etree

    order_tag = f"{{{NAMESPACE}}}order"
    line_item_tag = f"{{{NAMESPACE}}}line-item"
    connection = sqlite3.connect(database_path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    (channel_id,) = connection.execute(
        "SELECT id FROM channels WHERE name = ?", (CHANNEL,)
    ).fetchone()
    started, cpu_started = time.perf_counter(), time.process_time()
    cursor = connection.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    orders: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    payments: list[tuple[Any, ...]] = []

    def flush() -> None:
        cursor.executemany(
            "UPDATE orders SET status = ? WHERE channel_id = ? AND document_no = ?", orders
        )
        cursor.executemany(
            "UPDATE line_items SET status = ? WHERE order_id = "
            "(SELECT id FROM orders WHERE channel_id = ? AND document_no = ?) AND position = ?",
            items,
        )
        cursor.executemany(
            "UPDATE payment_transactions SET status = ? WHERE order_id = "
            "(SELECT id FROM orders WHERE channel_id = ? AND document_no = ?) "
            "AND transaction_id = ?",
            payments,
        )
        orders.clear()
        items.clear()
        payments.clear()

    entries = 0
    for _, element in etree.iterparse(
        status_file,
        events=("end",),
        tag=order_tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    ):
        number = element.get("id")
        orders.append((element.get("status"), channel_id, number))
        for child in element:
            if child.tag == line_item_tag:
                items.append((child.get("status"), channel_id, number, int(child.get("position"))))
            else:
                payments.append((child.get("status"), channel_id, number, child.get("id")))
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
        entries += 1
        if len(orders) >= 1000:
            flush()
    flush()
    cursor.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_started,
        "peak_rss_mb": peak_rss_mb(),
        "entries": entries,
    }


def run_child(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main


def measure(
    workdir: Path, orders: int, line_items: int, *, rounds: int, baseline: bool
) -> dict[str, Any]:
    """Import (and baseline) runs on fresh copies of one database; the fastest round counts."""
    print(f"building {orders:,} orders and their status file …", flush=True)
    pristine, status_file, configuration_id = build(workdir, orders, line_items)
    inbox = workdir / "inbox"
    expected = (orders, orders * line_items, orders)
    imports: list[dict[str, Any]] = []
    baselines: list[dict[str, Any]] = []
    for round_number in range(1, rounds + 1):
        print(f"  round {round_number} of {rounds} …", flush=True)
        database_path = workdir / "import.db"
        shutil.copyfile(pristine, database_path)
        shutil.rmtree(inbox)
        inbox.mkdir()
        shutil.copyfile(status_file, inbox / "status.xml")
        imported = run_child("_import", str(database_path), str(configuration_id))
        if imported["state"] != "SUCCEEDED" or imported["counts"]["applied"] != orders:
            raise SystemExit(f"the import did not apply every entry: {imported}")
        if statuses(database_path) != expected:
            raise SystemExit(f"the import left other statuses: {statuses(database_path)}")
        imports.append(imported)
        if baseline:
            baseline_db = workdir / "baseline.db"
            shutil.copyfile(pristine, baseline_db)
            plain = run_child("_baseline", str(baseline_db), str(status_file))
            if statuses(baseline_db) != expected:
                raise SystemExit(f"the baseline left other statuses: {statuses(baseline_db)}")
            baselines.append(plain)
    result: dict[str, Any] = {
        "orders": orders,
        "file_mb": status_file.stat().st_size / 1024**2,
        "import": _best(imports),
        "import_rounds": [round(r["seconds"], 2) for r in imports],
    }
    if baseline:
        result["baseline"] = _best(baselines)
        result["baseline_rounds"] = [round(r["seconds"], 2) for r in baselines]
        result["ratio"] = result["baseline"]["seconds"] / result["import"]["seconds"]
    return result


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run, with the highest peak RSS of all runs (the conservative figure)."""
    fastest = dict(min(runs, key=lambda r: r["seconds"]))
    fastest["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return fastest


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and arguments[0] == "_import":
        print(json.dumps(child_import(arguments[1], int(arguments[2]))))
        return
    if arguments and arguments[0] == "_baseline":
        print(json.dumps(child_baseline(arguments[1], arguments[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--line-items", type=int, default=2)
    parser.add_argument(
        "--rounds", type=int, default=3, help="Runs of each; the fastest counts (default 3)."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the working directory.")
    options = parser.parse_args(arguments)
    workdir = Path(tempfile.mkdtemp(prefix="orderio-import-bench-"))
    try:
        small = measure(
            workdir / "small", options.small, options.line_items, rounds=1, baseline=False
        )
        big = measure(
            workdir / "big",
            options.orders,
            options.line_items,
            rounds=options.rounds,
            baseline=True,
        )
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs")
    print(
        f"status file: {big['orders']:,} entries, {options.line_items} line items and 1 payment "
        f"each, {big['file_mb']:.1f} MB"
    )
    _line("import", big["orders"], big["import"])
    _line("baseline", big["orders"], big["baseline"])
    print(
        f"rounds (s): import {big['import_rounds']}, baseline {big['baseline_rounds']}; "
        "the fastest of each counts"
    )
    print(f"ratio import/baseline: {big['ratio']:.2f}  (target >= 0.33)")
    cpu_ratio = big["baseline"]["cpu_seconds"] / big["import"]["cpu_seconds"]
    print(f"ratio of CPU time in those rounds: {cpu_ratio:.2f} (less affected by other load)")
    _line("import", small["orders"], small["import"])
    growth = big["import"]["peak_rss_mb"] / small["import"]["peak_rss_mb"] - 1
    print(
        f"peak RSS at {big['orders']:,} vs {small['orders']:,} entries: {growth:+.1%} "
        f"(target within 20 %); {big['import']['peak_rss_mb']:.1f} MB (target <= 150 MB)"
    )


def _line(label: str, entries: int, figures: dict[str, Any]) -> None:
    seconds = figures["seconds"]
    print(
        f"{label:<8} {entries:>8,} entries: {seconds:7.2f} s {entries / seconds:>9,.0f} entries/s"
        f"  (CPU {figures['cpu_seconds']:6.2f} s)  peak RSS {figures['peak_rss_mb']:6.1f} MB"
    )


if __name__ == "__main__":
    main()
