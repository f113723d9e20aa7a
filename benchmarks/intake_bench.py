"""Order intake benchmark: the real intake against a baseline of plain INSERTs (SPEC §13).

    python benchmarks/intake_bench.py [--orders 100000] [--small 10000]

For each size (``--small`` and ``--orders``) it writes one ICM order XML 2.0 file and one JSON
Lines file of that many orders (1 to 5 line items each, in turn, with taxes, a bucket, a
destination and a payment, sums adding up) and runs, each in a fresh child process on a fresh
SQLite database:

- the real intake (an ``order-intake-xml`` or ``order-intake-jsonl`` configuration: move to
  ``processing/``, SHA-256, streaming parse, per-order checks, look-up of existing document
  numbers, bulk INSERTs of orders, line items, buckets, destinations, payments and the first
  history row, run results, ledger, archive);
- for the big size, the baseline: a safe ``lxml.etree.iterparse`` (no entities, no DTD, no
  network) of the XML file, or ``json.loads`` of each line, and ``executemany`` INSERTs of the
  orders and their line items with the standard ``sqlite3`` module in one transaction, in
  batches of 1,000 orders. It checks nothing and writes no other table.

It prints orders/s of each, the ratio intake/baseline (of wall time, and of the two processes'
CPU time, which a machine shared with other work disturbs less), the intake's peak RSS and its
growth from the small to the big size. Targets (issue 13): ratio >= 0.33, peak RSS <= 150 MB,
growth < 20 %.
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
from pathlib import Path
from typing import Any

NAMESPACE = "http://www.intershop.com/xml/ns/intershop/order/2.0"
STORE = "Bench-Store"
CHANNEL = "bench"
BATCH = 1_000


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (VmHWM on Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# --------------------------------------------------------------------------- files


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def order_xml(number: int) -> str:
    """One order with ``1 + number % 5`` line items of 10.00 gross (1.60 tax) and 4.90 shipping."""
    document_no = f"{number:08d}"
    items = 1 + number % 5
    tax = 160 * items + 78
    gross = 1000 * items + 490
    lines = []
    for position in range(1, items + 1):
        lines.append(
            f"""<order-item id="{position}"><line-item><fulfillment-status>NEW</fulfillment-status>
<quantity unit="pcs">1</quantity><bucket-id>B-1</bucket-id></line-item>
<item-product><product id="SKU-{position}@{STORE}"><sku>SKU-{position}</sku>
<name>Product {position}</name></product></item-product>
<item-pricing><pricing><sales><single-base-price currency="USD">10.00</single-base-price>
<item-price currency="USD">10.00</item-price></sales><item-taxes><taxes>
<amount currency="USD">1.60</amount><rate>0.19</rate></taxes>
<tax-total currency="USD">1.60</tax-total></item-taxes></pricing></item-pricing></order-item>"""
        )
    return f"""<order id="{document_no}@{STORE}"><order-header><order-process-info>
<status>NEW</status><creation-date>2026-11-30T09:15:00+01:00</creation-date></order-process-info>
<order-info><document-no>{document_no}</document-no><store>{STORE}</store><locale>en_US</locale>
<currency>USD</currency></order-info><customer><customer-id>C-{number}</customer-id>
<customer-type-id>PRIVATE</customer-type-id><calculation-type>gross</calculation-type>
<first-name>Ann</first-name><last-name>Buyer</last-name></customer>
<invoice-to-address><contact><first-name>Ann</first-name><last-name>Buyer</last-name>
<mailing-address><line1>Main St {number}</line1><city>Springfield</city><country>USA</country>
<country-code>US</country-code><postal-code>12345</postal-code></mailing-address></contact>
</invoice-to-address></order-header><order-items>{"".join(lines)}</order-items>
<buckets><bucket id="B-1"><shipping-method id="STD"><address-id>D-1</address-id></shipping-method>
<bucket-pricing><pricing><shipping><cost currency="USD">4.90</cost></shipping><shipping-taxes>
<taxes><amount currency="USD">0.78</amount><rate>0.19</rate></taxes>
<tax-total currency="USD">0.78</tax-total></shipping-taxes></pricing></bucket-pricing></bucket>
</buckets><destinations><destination id="D-1"><ship-to-address><contact><last-name>Buyer</last-name>
<mailing-address><line1>Main St {number}</line1><city>Springfield</city><country>USA</country>
<postal-code>12345</postal-code></mailing-address></contact></ship-to-address></destination>
</destinations><payment><standard-payment-transaction id="PAY-{document_no}">
<amount currency="USD">{_money(gross)}</amount><cost currency="USD">0.00</cost>
<service-id>ISH_INVOICE</service-id><status>AUTHORIZED</status></standard-payment-transaction>
</payment><order-summary><order-pricing><pricing><order-taxes><tax-total>
<tax-group-name>19.0</tax-group-name><tax-total currency="USD">{_money(tax)}</tax-total>
</tax-total></order-taxes><totals><item-total currency="USD">{_money(1000 * items)}</item-total>
<shipping-costs currency="USD">4.90</shipping-costs>
<payment-costs currency="USD">0.00</payment-costs>
<tax currency="USD">{_money(tax)}</tax><duties currency="USD">0.00</duties>
<order-net-total currency="USD">{_money(gross - tax)}</order-net-total>
<order-gross-total currency="USD">{_money(gross)}</order-gross-total></totals></pricing>
</order-pricing></order-summary></order>
"""


def write_files(workdir: Path, orders: int) -> tuple[Path, Path]:
    """The XML file of ``orders`` orders and the JSON Lines file of the same orders."""
    from orderio_tui.engines.intake.icm_xml import IcmOrderReader
    from orderio_tui.engines.intake.parsed import ParsedOrder

    xml_file = workdir / "orders.xml"
    with xml_file.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<orders xmlns="{NAMESPACE}">\n')
        for number in range(1, orders + 1):
            out.write(order_xml(number))
        out.write("</orders>\n")
    jsonl_file = workdir / "orders.jsonl"
    with jsonl_file.open("w", encoding="utf-8") as out:
        for parsed in IcmOrderReader(xml_file, max_size=1024**3):
            assert isinstance(parsed, ParsedOrder), parsed
            out.write(json.dumps(parsed.document) + "\n")
    return xml_file, jsonl_file


def new_database(workdir: Path, kind: str, inbox: Path) -> tuple[Path, int]:
    """A fresh database with channel, service and intake configuration; returns its id."""
    from orderio_tui.database import open_database
    from orderio_tui.domain.models import Channel, IntakeConfiguration, Service

    path = workdir / f"{kind}.db"
    path.unlink(missing_ok=True)
    database = open_database(f"sqlite:///{path}")
    with database.write() as session:
        channel = Channel(name=CHANNEL, store=STORE, currency="USD")
        service = Service(
            name="bench-in",
            kind=kind,
            directory=str(inbox),
            file_pattern="*",
            min_file_age_seconds=0,
            max_file_size=1024**3,
        )
        session.add_all([channel, service])
        session.flush()
        row = IntakeConfiguration(channel_id=channel.id, name="bench", service_id=service.id)
        session.add(row)
        session.flush()
        configuration_id = row.id
    database.dispose()
    return path, configuration_id


# --------------------------------------------------------------------------- children


def child_intake(database_path: str, configuration_id: int) -> dict[str, Any]:
    """The real intake of the file waiting in the inbox."""
    from orderio_tui.database import open_database
    from orderio_tui.domain.statuses import Trigger
    from orderio_tui.engines.intake.engine import run_intake

    database = open_database(f"sqlite:///{database_path}")
    started, cpu = time.perf_counter(), time.process_time()
    outcome = run_intake(database, configuration_id, trigger=Trigger.CLI)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "peak_rss_mb": peak_rss_mb(),
        "state": outcome.state.value,
        "counts": outcome.counts,
    }


def _documents_from_xml(path: str) -> Any:
    from lxml import etree

    tag = f"{{{NAMESPACE}}}"
    for _, element in etree.iterparse(
        path,
        events=("end",),
        tag=f"{tag}order",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    ):
        items = [
            {
                "position": int(item.get("id")),
                "sku": item.findtext(f".//{tag}sku"),
                "product_name": item.findtext(f".//{tag}name"),
                "quantity": int(item.findtext(f".//{tag}quantity")),
                "status": item.findtext(f".//{tag}fulfillment-status"),
            }
            for item in element.iter(f"{tag}order-item")
        ]
        yield {
            "document_no": element.findtext(f".//{tag}document-no"),
            "status": element.findtext(f".//{tag}status"),
            "currency": element.findtext(f".//{tag}currency"),
            "line_items": items,
        }
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]


def _documents_from_jsonl(path: str) -> Any:
    with open(path, "rb") as lines:
        for line in lines:
            yield json.loads(line)


def child_baseline(database_path: str, source: str, form: str) -> dict[str, Any]:
    """Parse and executemany INSERTs of orders and line items, one transaction."""
    connection = sqlite3.connect(database_path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    (channel_id,) = connection.execute("SELECT id FROM channels").fetchone()
    started, cpu = time.perf_counter(), time.process_time()
    cursor = connection.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    documents = _documents_from_xml(source) if form == "xml" else _documents_from_jsonl(source)
    orders: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    next_id = 1
    count = 0

    def flush() -> None:
        cursor.executemany(
            "INSERT INTO orders (id, channel_id, document_no, status, to_be_deleted, created_at,"
            " locale, currency, customer_type, item_total, item_discount_total, shipping_total,"
            " payment_costs, tax_total, duties_total, net_total, gross_total, updated_at)"
            " VALUES (?, ?, ?, ?, 0, '2026-11-30 08:15:00', 'en_US', ?, 'PRIVATE',"
            " 0, 0, 0, 0, 0, 0, 0, 0, '2026-11-30 08:15:00')",
            orders,
        )
        cursor.executemany(
            "INSERT INTO line_items (order_id, position, status, sku, product_name, quantity,"
            " hidden, unit_price_net, unit_price_gross, net_total, gross_total, tax_rate,"
            " tax_amount, discount_amount) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0)",
            items,
        )
        orders.clear()
        items.clear()

    for document in documents:
        orders.append(
            (next_id, channel_id, document["document_no"], "NEW", document.get("currency"))
        )
        for item in document["line_items"]:
            items.append(
                (
                    next_id,
                    item["position"],
                    item.get("status") or "NEW",
                    item["sku"],
                    item["product_name"],
                    item["quantity"],
                )
            )
        next_id += 1
        count += 1
        if len(orders) >= BATCH:
            flush()
    flush()
    cursor.execute("COMMIT")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    connection.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_mb": peak_rss_mb(),
        "orders": count,
    }


def run_child(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main

KINDS = {"xml": "order-intake-xml", "jsonl": "order-intake-jsonl"}


def measure(workdir: Path, orders: int, *, baseline: bool) -> dict[str, Any]:
    """Intake (and baseline) of both files of ``orders`` orders."""
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"writing {orders:,} orders as ICM XML and as JSON Lines …", flush=True)
    files = dict(zip(("xml", "jsonl"), write_files(workdir, orders), strict=True))
    result: dict[str, Any] = {"orders": orders}
    for form, source in files.items():
        inbox = workdir / f"inbox-{form}"
        shutil.rmtree(inbox, ignore_errors=True)
        inbox.mkdir()
        database_path, configuration_id = new_database(workdir, KINDS[form], inbox)
        shutil.copyfile(source, inbox / source.name)
        print(f"  intake of {source.name} …", flush=True)
        taken = run_child("_intake", str(database_path), str(configuration_id))
        if taken["counts"].get("created") != orders:
            raise SystemExit(f"the intake did not create every order: {taken}")
        entry: dict[str, Any] = {
            "intake": taken,
            "file_mb": source.stat().st_size / 1024**2,
        }
        if baseline:
            baseline_db, _ = new_database(workdir, f"baseline-{KINDS[form]}", inbox)
            print(f"  baseline of {source.name} …", flush=True)
            plain = run_child("_baseline", str(baseline_db), str(source), form)
            entry["baseline"] = plain
            entry["ratio"] = plain["seconds"] / taken["seconds"]
            entry["cpu_ratio"] = plain["cpu_seconds"] / taken["cpu_seconds"]
        result[form] = entry
    return result


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and arguments[0] == "_intake":
        print(json.dumps(child_intake(arguments[1], int(arguments[2]))))
        return
    if arguments and arguments[0] == "_baseline":
        print(json.dumps(child_baseline(arguments[1], arguments[2], arguments[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="Keep the working directory.")
    options = parser.parse_args(arguments)
    workdir = Path(tempfile.mkdtemp(prefix="orderio-intake-bench-"))
    try:
        small = measure(workdir / "small", options.small, baseline=False)
        big = measure(workdir / "big", options.orders, baseline=True)
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs")
    for form in ("xml", "jsonl"):
        entry = big[form]
        intake, plain = entry["intake"], entry["baseline"]
        growth = intake["peak_rss_mb"] / small[form]["intake"]["peak_rss_mb"] - 1
        print(
            f"{form:5} {big['orders']:,} orders ({entry['file_mb']:.0f} MB): intake "
            f"{big['orders'] / intake['seconds']:,.0f} orders/s, baseline "
            f"{big['orders'] / plain['seconds']:,.0f} orders/s, ratio {entry['ratio']:.2f} "
            f"(target >= 0.33; of CPU time {entry['cpu_ratio']:.2f}); "
            f"peak RSS {intake['peak_rss_mb']:.1f} MB (target <= 150), "
            f"growth {small['orders']:,} -> {big['orders']:,}: {growth:+.1%} (target < 20 %)"
        )


if __name__ == "__main__":
    main()
