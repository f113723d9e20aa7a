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
  network) of the XML file, or ``json.loads`` of each line, and ``executemany`` INSERTs into the
  same tables the intake writes an order to (orders, line items, buckets, destinations,
  payments, the first history row; foreign keys on, as in orderio) with the standard ``sqlite3``
  module in one transaction, in batches of 1,000 orders. It checks nothing, derives nothing and
  writes no run results, ledger or archive.

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
    """Each order of the file as the subset of the JSON form the baseline writes: one visit of
    each part's elements, keeping the texts of its leaves by tag (the file's layout is known)."""
    from lxml import etree

    tag = f"{{{NAMESPACE}}}"
    cut = len(tag)

    def leaves(part: Any) -> dict[str, Any]:
        if part is None:
            return {}
        return {e.tag[cut:]: e.text for e in part.iter() if e.text and not len(e)}

    def address(part: Any) -> dict[str, Any]:
        texts = leaves(part)
        return {
            "first_name": texts.get("first-name"),
            "last_name": texts.get("last-name"),
            "line1": texts.get("line1"),
            "city": texts.get("city"),
            "postal_code": texts.get("postal-code"),
            "country": texts.get("country"),
            "country_code": texts.get("country-code"),
        }

    for _, element in etree.iterparse(
        path,
        events=("end",),
        tag=f"{tag}order",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    ):
        parts = {child.tag[cut:]: child for child in element}
        head = {child.tag[cut:]: child for child in parts["order-header"]}
        info = leaves(head.get("order-info"))
        process = leaves(head.get("order-process-info"))
        buyer = leaves(head.get("customer"))
        items = []
        for item in parts.get("order-items", ()):
            texts = leaves(item)
            items.append(
                {
                    "position": int(item.get("id")),
                    "sku": texts.get("sku"),
                    "product_name": texts.get("name"),
                    "quantity": int(texts.get("quantity", 1)),
                    "status": texts.get("fulfillment-status"),
                    "price": texts.get("item-price"),
                    "tax": texts.get("tax-total"),
                }
            )
        buckets = []
        for bucket in parts.get("buckets", ()):
            texts = leaves(bucket)
            buckets.append(
                {
                    "key": bucket.get("id"),
                    "shipping_method_id": bucket[0].get("id"),
                    "cost": texts.get("cost"),
                    "tax": texts.get("tax-total"),
                }
            )
        destinations = [
            {"key": destination.get("id"), "address": address(destination)}
            for destination in parts.get("destinations", ())
        ]
        payments = []
        for payment in parts.get("payment", ()):
            texts = leaves(payment)
            payments.append(
                {
                    "id": payment.get("id"),
                    "amount": texts.get("amount"),
                    "cost": texts.get("cost"),
                    "service_id": texts.get("service-id"),
                    "status": texts.get("status"),
                }
            )
        totals = leaves(parts.get("order-summary"))
        yield {
            "document_no": info.get("document-no"),
            "store": info.get("store"),
            "status": process.get("status"),
            "locale": info.get("locale"),
            "currency": info.get("currency"),
            "customer": {
                "customer_no": buyer.get("customer-id"),
                "type": buyer.get("customer-type-id"),
                "calculation_type": buyer.get("calculation-type"),
                "first_name": buyer.get("first-name"),
                "last_name": buyer.get("last-name"),
            },
            "invoice_address": address(head.get("invoice-to-address")),
            "line_items": items,
            "buckets": buckets,
            "destinations": destinations,
            "payments": payments,
            "totals": {
                "item_total": totals.get("item-total"),
                "shipping_costs": totals.get("shipping-costs"),
                "payment_costs": totals.get("payment-costs"),
                "tax": totals.get("tax"),
                "duties": totals.get("duties"),
                "net_total": totals.get("order-net-total"),
                "gross_total": totals.get("order-gross-total"),
            },
        }
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]


def _documents_from_jsonl(path: str) -> Any:
    with open(path, "rb") as lines:
        for line in lines:
            document = json.loads(line)
            for item in document["line_items"]:  # the same subset as from the XML file
                pricing = item.get("pricing") or {}
                item["price"] = pricing.get("sales", {}).get("item_price")
                item["tax"] = pricing.get("item_taxes", {}).get("tax_total")
            for bucket in document["buckets"]:
                pricing = bucket.get("pricing") or {}
                bucket["cost"] = pricing.get("shipping", {}).get("cost")
                bucket["tax"] = pricing.get("shipping_taxes", {}).get("tax_total")
            yield document


def _cents(text: str | None) -> int:
    return round(float(text) * 100) if text else 0


_INSERTS = {
    "orders": (
        "INSERT INTO orders (id, channel_id, document_no, store, status, to_be_deleted,"
        " created_at, updated_at, locale, currency, customer_no, customer_type,"
        " calculation_type, buyer_first_name, buyer_last_name, invoice_first_name,"
        " invoice_last_name, invoice_line1, invoice_city, invoice_postal_code, invoice_country,"
        " invoice_country_code, item_total, item_discount_total, shipping_total, payment_costs,"
        " tax_total, duties_total, net_total, gross_total) VALUES (?, ?, ?, ?, ?, 0,"
        " '2026-11-30 08:15:00', '2026-11-30 08:15:00', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, 0, ?, ?, ?, ?, ?, ?)"
    ),
    "line_items": (
        "INSERT INTO line_items (id, order_id, position, status, sku, product_name, quantity,"
        " hidden, unit_price_net, unit_price_gross, net_total, gross_total, tax_rate,"
        " tax_amount, discount_amount) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 1900, ?, 0)"
    ),
    "destinations": (
        "INSERT INTO destinations (id, order_id, key, first_name, last_name, line1, city,"
        " postal_code, country, country_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "buckets": (
        "INSERT INTO buckets (id, order_id, key, destination_id, shipping_method_id,"
        " shipping_method_name, ship_time_min_days, ship_time_max_days, shipping_net,"
        " shipping_gross, shipping_tax, shipping_tax_rate) VALUES (?, ?, ?, ?, ?, '', 0, 0, ?,"
        " ?, ?, 1900)"
    ),
    "payment_transactions": (
        "INSERT INTO payment_transactions (id, order_id, transaction_id, service_id, amount,"
        " cost, status) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    "status_history": (
        "INSERT INTO status_history (id, order_id, at, entity, to_status, reason_text, source)"
        " VALUES (?, ?, '2026-11-30 08:15:00', 'order', ?, ?, 'intake')"
    ),
}


def child_baseline(database_path: str, source: str, form: str) -> dict[str, Any]:
    """Parse and executemany INSERTs into the tables the intake writes an order to (orders,
    line items, buckets, destinations, payments, the first history row), one transaction,
    checking nothing and writing no run results."""
    connection = sqlite3.connect(database_path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    (channel_id,) = connection.execute("SELECT id FROM channels").fetchone()
    started, cpu = time.perf_counter(), time.process_time()
    cursor = connection.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    documents = _documents_from_xml(source) if form == "xml" else _documents_from_jsonl(source)
    rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in _INSERTS}
    ids = dict.fromkeys(_INSERTS, 0)
    count = 0
    reason = f"taken in from {Path(source).name}"

    def next_id(table: str) -> int:
        ids[table] += 1
        return ids[table]

    def flush() -> None:
        for table, statement in _INSERTS.items():
            cursor.executemany(statement, rows[table])
            rows[table].clear()

    for document in documents:
        order_id = next_id("orders")
        customer, invoice, totals = (
            document["customer"],
            document["invoice_address"],
            document["totals"],
        )
        rows["orders"].append(
            (
                order_id,
                channel_id,
                document["document_no"],
                document.get("store"),
                document["status"],
                document.get("locale") or "en_US",
                document.get("currency"),
                customer.get("customer_no"),
                customer.get("type") or "PRIVATE",
                customer.get("calculation_type"),
                customer.get("first_name"),
                customer.get("last_name"),
                invoice.get("first_name"),
                invoice.get("last_name"),
                invoice.get("line1"),
                invoice.get("city"),
                invoice.get("postal_code"),
                invoice.get("country"),
                invoice.get("country_code"),
                _cents(totals.get("item_total")),
                _cents(totals.get("shipping_costs")),
                _cents(totals.get("payment_costs")),
                _cents(totals.get("tax")),
                _cents(totals.get("duties")),
                _cents(totals.get("net_total")),
                _cents(totals.get("gross_total")),
            )
        )
        for item in document["line_items"]:
            gross, tax = _cents(item.get("price")), _cents(item.get("tax"))
            rows["line_items"].append(
                (
                    next_id("line_items"),
                    order_id,
                    item["position"],
                    item.get("status") or "NEW",
                    item["sku"],
                    item["product_name"],
                    item["quantity"],
                    gross - tax,
                    gross,
                    gross - tax,
                    gross,
                    tax,
                )
            )
        destination_ids = {}
        for destination in document["destinations"]:
            destination_ids[destination["key"]] = destination_id = next_id("destinations")
            address = destination["address"]
            rows["destinations"].append(
                (
                    destination_id,
                    order_id,
                    destination["key"],
                    address.get("first_name"),
                    address.get("last_name"),
                    address.get("line1"),
                    address.get("city"),
                    address.get("postal_code"),
                    address.get("country"),
                    address.get("country_code"),
                )
            )
        for bucket in document["buckets"]:
            gross, tax = _cents(bucket.get("cost")), _cents(bucket.get("tax"))
            rows["buckets"].append(
                (
                    next_id("buckets"),
                    order_id,
                    bucket["key"],
                    next(iter(destination_ids.values()), None),
                    bucket["shipping_method_id"],
                    gross - tax,
                    gross,
                    tax,
                )
            )
        for payment in document["payments"]:
            rows["payment_transactions"].append(
                (
                    next_id("payment_transactions"),
                    order_id,
                    payment["id"],
                    payment["service_id"],
                    _cents(payment["amount"]),
                    _cents(payment.get("cost")),
                    payment["status"],
                )
            )
        rows["status_history"].append(
            (next_id("status_history"), order_id, document["status"], reason)
        )
        count += 1
        if len(rows["orders"]) >= BATCH:
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
