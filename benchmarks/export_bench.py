"""Order export benchmark: the real export against a baseline that only builds the text.

    python benchmarks/export_bench.py [--orders 100000] [--small 10000] [--seed 1] [--db-url URL]
                                      [--analyze] [--explain]

For each size (``--small`` and ``--orders``) it builds a database of that many orders (1–5 line
items each, one bucket, destination and payment) in a fresh SQLite file (or the emptied
PostgreSQL database given with ``--db-url``), then runs the real export (claim, stream, validate,
write, fsync, rename, status updates, ledger, results) of the default `erp-export`
configuration in a child process and reports its time, orders/s and peak RSS.

On PostgreSQL the tables are created afresh for each size and autovacuum is off for them, so the
export runs on tables never analyzed; ``--analyze`` runs ANALYZE after loading instead.
``--explain`` prints the plans of the export's batch reads for its first 500 orders (a selective
set of ids) and counts the sequential scans of orders and line items among them.

In the same run, a baseline child writes the same orders from plain Python data by building the
text directly with the package's writer (no database; generating the data is not timed). The
ratio export/baseline compares their orders/s. The two files must be byte-identical, which shows
that the export wrote the same orders.

Targets (SPEC §6.1 issue): ratio >= 0.33 at 100,000 orders, peak RSS <= 150 MB, and peak RSS at
100,000 orders within 20 % of that at 10,000.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import insert

from orderio_tui.database import open_database
from orderio_tui.domain.models import (
    Bucket,
    Channel,
    Destination,
    ExportConfiguration,
    LineItem,
    Order,
    PaymentTransaction,
    Service,
)
from orderio_tui.domain.statuses import ServiceKind, Trigger
from orderio_tui.engines.export.order_xml import (
    ExportBucket,
    ExportContact,
    ExportDestination,
    ExportLineItem,
    ExportOrder,
    ExportPayment,
    OrderXmlWriter,
    money_text,
)

STORE = "Bench-Store"
NS = b"http://www.intershop.com/xml/ns/intershop/order/2.0"
BATCH = 2000
START = datetime(2026, 1, 1, tzinfo=UTC)
FIRST_NAMES = ["Anna", "Jörg", "Zoë", "Li", "Omar", "Chloé", "Sam", "Ingrid", "José", "Mia"]
LAST_NAMES = ["Müller", "Smith & Sons", "O'Neil", "Nowak", "García", "Kowalski", "Dubois"]
CITIES = [("10115", "Berlin"), ("80331", "München"), ("07743", "Jena"), ("20095", "Hamburg")]
PRODUCTS = [
    ("4555724", 'LG 32LE3300 81 cm (32") HD Ready LED TV', "LG Electronics"),
    ("5079807", "HP ProBook 6550b <Notebook>", "HP Inc."),
    ("4200017", "Logitech MX Master 3S Wireless Mouse", "Logitech"),
    ("1000001", "USB-C cable 2 m", None),
    ("2000002", "Ergonomic chair \u201cComfort\u201d", "Büro & Co"),
]


# --------------------------------------------------------------------------- the orders


def _cents(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high)


def generate(batch_index: int, first_id: int, count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` orders as plain dicts, the same for the same arguments."""
    rng = random.Random(seed * 1_000_003 + batch_index)
    orders = []
    for order_id in range(first_id, first_id + count):
        postal_code, city = rng.choice(CITIES)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        items = []
        for position in range(1, rng.randint(1, 5) + 1):
            sku, name, supplier = rng.choice(PRODUCTS)
            quantity = rng.randint(1, 4)
            unit_net = _cents(rng, 199, 99_900)
            net = unit_net * quantity
            discount = rng.choice([0, 0, 0, 500])
            tax = (net - discount) * 19 // 100
            items.append(
                {
                    "position": position,
                    "sku": sku,
                    "product_name": name,
                    "supplier": supplier,
                    "quantity": quantity,
                    "unit_price_net": unit_net,
                    "unit_price_gross": unit_net * 119 // 100,
                    "net_total": net - discount,
                    "gross_total": net - discount + tax,
                    "tax_amount": tax,
                    "discount_amount": discount,
                    "discount_description": "Welcome 5 EUR" if discount else None,
                }
            )
        item_total = sum(i["unit_price_net"] * i["quantity"] for i in items)
        discounts = sum(i["discount_amount"] for i in items)
        tax_total = sum(i["tax_amount"] for i in items) + 78
        net_total = item_total - discounts + 412
        orders.append(
            {
                "id": order_id,
                "document_no": f"{order_id:08d}",
                "created_at": START + timedelta(seconds=order_id),
                "customer_no": f"C{rng.randint(1, 50_000):06d}",
                "user_id": f"U{order_id:08d}",
                "first_name": first,
                "last_name": last,
                "email": f"buyer{order_id}@example.com",
                "postal_code": postal_code,
                "city": city,
                "street": f"Hauptstraße {rng.randint(1, 200)}",
                "items": items,
                "item_total": item_total,
                "discounts": discounts,
                "tax_total": tax_total,
                "net_total": net_total,
                "gross_total": net_total + tax_total,
                "transaction": f"PAYPAL-{rng.getrandbits(48):012x}",
            }
        )
    return orders


def batches(total: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    for index, first in enumerate(range(1, total + 1, BATCH)):
        yield generate(index, first, min(BATCH, total + 1 - first), seed)


def as_export_order(o: dict[str, Any]) -> ExportOrder:
    """The plain data the writer takes, as the export reads it from the database."""
    invoice = ExportContact(
        "Mx.", o["first_name"], o["last_name"], None, o["email"], "+49 3641 0",
        o["street"], None, o["postal_code"], o["city"], None, "Germany", "DE",
    )  # fmt: skip
    ship_to = ExportContact(
        None, o["first_name"], o["last_name"], None, None, None,
        o["street"], None, o["postal_code"], o["city"], None, "Germany", "DE",
    )  # fmt: skip
    return ExportOrder(
        o["id"], o["document_no"], STORE, "NEW", o["created_at"].replace(tzinfo=None),
        "de_DE", "EUR", False, o["customer_no"], o["user_id"], "PRIVATE",
        o["first_name"], o["last_name"], None, o["email"], None, invoice,
        o["item_total"], o["discounts"], 490, 0, o["tax_total"], 0, o["net_total"],
        o["gross_total"],
        tuple(
            ExportLineItem(
                i["position"], "NEW", "BUCKET-1", i["sku"], i["product_name"], i["supplier"],
                i["quantity"], "pcs", False, i["unit_price_net"], i["unit_price_gross"],
                i["net_total"], i["gross_total"], 1900, i["tax_amount"], i["discount_amount"],
                i["discount_description"],
            )
            for i in o["items"]
        ),
        (ExportBucket("BUCKET-1", "ADDRESS-1", "STD_GROUND", "Standard Ground", 1, 5,
                      412, 490, 78, 1900),),
        (ExportDestination("ADDRESS-1", ship_to),),
        (ExportPayment(o["transaction"], "PAYPAL", o["gross_total"], 0, "AUTHORIZED"),),
    )  # fmt: skip


# --------------------------------------------------------------------------- database


def _money(cents: int) -> str:
    return money_text(cents)


def build_database(url: str, root: Path, total: int, seed: int) -> int:
    """Fill an empty database with ``total`` orders; returns the export configuration id."""
    db = open_database(url)
    channel_id, configuration_id = create_shop(db, root)
    with db.engine.begin() as connection:
        for batch in batches(total, seed):
            insert_orders(connection, channel_id, batch)
    db.dispose()
    return configuration_id


def create_shop(db: Any, root: Path) -> tuple[int, int]:
    """Channel `bench`, an XML service writing to ``root/export`` and `erp-export`; their ids."""
    export_dir = root / "export"
    export_dir.mkdir(parents=True, exist_ok=True)
    with db.write() as session:
        channel = Channel(name="bench", store=STORE, currency="EUR")
        service = Service(
            name="bench-xml", kind=ServiceKind.EXPORT_XML.value, directory=str(export_dir)
        )
        session.add_all([channel, service])
        session.flush()
        configuration = ExportConfiguration(
            channel_id=channel.id, name="erp-export", service_id=service.id
        )
        session.add(configuration)
        session.flush()
        return channel.id, configuration.id


def insert_orders(connection: Any, channel_id: int, batch: list[dict[str, Any]]) -> None:
    """Insert generated orders (:func:`generate`) with their children in ``connection``."""
    contact = {"country": "Germany", "country_code": "DE"}
    orders, destinations, buckets, items, payments = [], [], [], [], []
    for o in batch:
        orders.append(
            {
                "id": o["id"], "channel_id": channel_id, "document_no": o["document_no"],
                "status": "NEW", "created_at": o["created_at"], "locale": "de_DE",
                "currency": "EUR", "customer_no": o["customer_no"],
                "user_id": o["user_id"], "customer_type": "PRIVATE",
                "buyer_first_name": o["first_name"], "buyer_last_name": o["last_name"],
                "buyer_email": o["email"], "invoice_title": "Mx.",
                "invoice_first_name": o["first_name"],
                "invoice_last_name": o["last_name"], "invoice_email": o["email"],
                "invoice_phone": "+49 3641 0", "invoice_line1": o["street"],
                "invoice_postal_code": o["postal_code"], "invoice_city": o["city"],
                "invoice_country": "Germany", "invoice_country_code": "DE",
                "item_total": _money(o["item_total"]),
                "item_discount_total": _money(o["discounts"]),
                "shipping_total": "4.90", "payment_costs": "0",
                "tax_total": _money(o["tax_total"]), "duties_total": "0",
                "net_total": _money(o["net_total"]),
                "gross_total": _money(o["gross_total"]),
            }
        )  # fmt: skip
        destinations.append(
            {
                "id": o["id"], "order_id": o["id"], "key": "ADDRESS-1",
                "first_name": o["first_name"], "last_name": o["last_name"],
                "line1": o["street"], "postal_code": o["postal_code"],
                "city": o["city"], **contact,
            }
        )  # fmt: skip
        buckets.append(
            {
                "id": o["id"], "order_id": o["id"], "key": "BUCKET-1",
                "destination_id": o["id"], "shipping_method_id": "STD_GROUND",
                "shipping_method_name": "Standard Ground", "ship_time_min_days": 1,
                "ship_time_max_days": 5, "shipping_net": "4.12",
                "shipping_gross": "4.90", "shipping_tax": "0.78",
                "shipping_tax_rate": "0.19",
            }
        )  # fmt: skip
        for i in o["items"]:
            items.append(
                {
                    "order_id": o["id"], "position": i["position"], "status": "NEW",
                    "bucket_id": o["id"], "sku": i["sku"],
                    "product_name": i["product_name"], "supplier": i["supplier"],
                    "quantity": i["quantity"], "unit": "pcs", "hidden": False,
                    "unit_price_net": _money(i["unit_price_net"]),
                    "unit_price_gross": _money(i["unit_price_gross"]),
                    "net_total": _money(i["net_total"]),
                    "gross_total": _money(i["gross_total"]), "tax_rate": "0.19",
                    "tax_amount": _money(i["tax_amount"]),
                    "discount_amount": _money(i["discount_amount"]),
                    "discount_description": i["discount_description"],
                }
            )  # fmt: skip
        payments.append(
            {
                "order_id": o["id"], "transaction_id": o["transaction"],
                "service_id": "PAYPAL", "amount": _money(o["gross_total"]),
                "cost": "0", "status": "AUTHORIZED",
            }
        )  # fmt: skip
    connection.execute(insert(Order), orders)
    connection.execute(insert(Destination), destinations)
    connection.execute(insert(Bucket), buckets)
    connection.execute(insert(LineItem), items)
    connection.execute(insert(PaymentTransaction), payments)


# --------------------------------------------------------------------------- children


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def child_export(url: str, configuration_id: int) -> dict[str, Any]:
    from orderio_tui.engines.export import run_export

    db = open_database(url)
    started = time.perf_counter()
    outcome = run_export(db, configuration_id, trigger=Trigger.CLI)
    seconds = time.perf_counter() - started
    path = Path(outcome.files[0])
    return {
        "seconds": seconds,
        "orders": outcome.counts["exported"],
        "state": outcome.state.value,
        "peak_rss_mb": _peak_rss_mb(),
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
    }


def child_baseline(total: int, seed: int, directory: Path) -> dict[str, Any]:
    path = directory / "baseline.xml"
    seconds = 0.0
    with path.open("wb", buffering=1 << 20) as sink:
        started = time.perf_counter()
        writer = OrderXmlWriter(sink.write)
        seconds += time.perf_counter() - started
        for batch in batches(total, seed):
            plain = [as_export_order(o) for o in batch]  # data preparation: not timed
            started = time.perf_counter()
            for order in plain:
                writer.add(order)
            seconds += time.perf_counter() - started
        started = time.perf_counter()
        writer.close()
        sink.flush()
        os.fsync(sink.fileno())
        seconds += time.perf_counter() - started
    result = {
        "seconds": seconds,
        "orders": writer.orders,
        "peak_rss_mb": _peak_rss_mb(),
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
    }
    path.unlink()
    return result


# --------------------------------------------------------------------------- the floor


def _floor_order(o: dict[str, Any]) -> tuple[Any, ...]:
    """The order as plain tuples of texts and integers (data preparation: not timed)."""
    items = tuple(
        (i["position"], i["sku"], i["product_name"], i["supplier"] or "", i["quantity"],
         i["unit_price_net"], i["unit_price_gross"], i["net_total"], i["gross_total"],
         i["tax_amount"], i["discount_amount"], i["discount_description"] or "")
        for i in o["items"]
    )  # fmt: skip
    return (
        o["document_no"], o["created_at"].strftime("%Y-%m-%dT%H:%M:%S.000Z"), o["customer_no"],
        o["user_id"], o["first_name"], o["last_name"], o["email"], o["street"],
        o["postal_code"], o["city"], items, o["item_total"], o["discounts"], o["tax_total"],
        o["net_total"], o["gross_total"], o["transaction"],
    )  # fmt: skip


def _m(cents: int) -> str:
    return (
        f"{cents // 100}.{cents % 100:02d}"
        if cents >= 0
        else f"-{-cents // 100}.{-cents % 100:02d}"
    )


def _floor_render(parts: list[str], order: tuple[Any, ...]) -> None:
    """ICM-shaped XML of one order with f-strings and saxutils.escape: the plain-Python floor."""
    (doc, created, customer, user, first, last, email, street, postal, city, items,
     item_total, discounts, tax_total, net_total, gross_total, transaction) = order  # fmt: skip
    e = escape
    cur = ' currency="EUR"'
    contact = (
        f"<contact><title>Mx.</title><first-name>{e(first)}</first-name>"
        f"<last-name>{e(last)}</last-name><email>{e(email)}</email><mailing-address>"
        f"<line1>{e(street)}</line1><city>{e(city)}</city><country>Germany</country>"
        f"<country-code>DE</country-code><postal-code>{e(postal)}</postal-code>"
        f"</mailing-address></contact>"
    )
    parts.append(
        f'<order id="{e(doc)}@{STORE}"><order-header><order-process-info><status>NEW</status>'
        f"<creation-date>{created}</creation-date></order-process-info><order-info>"
        f"<document-no>{e(doc)}</document-no><store>{STORE}</store><locale>de_DE</locale>"
        f"<currency>EUR</currency></order-info><customer><customer-id>{e(customer)}</customer-id>"
        f"<account>{e(email)}</account><customer-type-id>PRIVATE</customer-type-id>"
        f"<first-name>{e(first)}</first-name><last-name>{e(last)}</last-name>"
        f"<user-id>{e(user)}</user-id></customer><invoice-to-address>{contact}"
        f"</invoice-to-address></order-header><order-items>"
    )
    for (position, sku, name, supplier, quantity, unit_net, unit_gross, net, gross, tax,
         discount, description) in items:  # fmt: skip
        parts.append(
            f'<order-item id="{position}"><line-item><fulfillment-status>NEW</fulfillment-status>'
            f"<quantity>{quantity}</quantity><bucket-id>BUCKET-1</bucket-id></line-item>"
            f"<item-product><product><sku>{e(sku)}</sku><name>{e(name)}</name>"
            f"<supplier>{e(supplier)}</supplier></product></item-product><item-pricing><pricing>"
            f"<sales><single-base-price{cur}>{_m(unit_net)}</single-base-price>"
            f"<item-price{cur}>{_m(unit_gross)}</item-price></sales><item-taxes><taxes>"
            f"<amount{cur}>{_m(tax)}</amount><rate>0.19</rate></taxes>"
            f"<tax-total{cur}>{_m(tax)}</tax-total></item-taxes><item-discounts><discount>"
            f"<amount{cur}>{_m(-discount)}</amount><description>{e(description)}</description>"
            f"</discount></item-discounts><net{cur}>{_m(net)}</net><gross{cur}>{_m(gross)}</gross>"
            f"</pricing></item-pricing></order-item>"
        )
    parts.append(
        f'</order-items><buckets><bucket id="BUCKET-1"><shipping-method id="STD_GROUND">'
        f"<address-id>ADDRESS-1</address-id><shipping-method>Standard Ground</shipping-method>"
        f"</shipping-method><bucket-pricing><price{cur}>4.90</price></bucket-pricing></bucket>"
        f'</buckets><destinations><destination id="ADDRESS-1"><ship-to-address>{contact}'
        f"</ship-to-address></destination></destinations><payment>"
        f'<standard-payment-transaction id="{e(transaction)}"><amount{cur}>{_m(gross_total)}'
        f"</amount><service-id>PAYPAL</service-id><status>AUTHORIZED</status>"
        f"</standard-payment-transaction></payment><order-summary><order-pricing><pricing>"
        f"<totals><item-total{cur}>{_m(item_total)}</item-total><item-discounts{cur}>"
        f"{_m(-discounts)}</item-discounts><tax{cur}>{_m(tax_total)}</tax>"
        f"<order-net-total{cur}>{_m(net_total)}</order-net-total><order-gross-total{cur}>"
        f"{_m(gross_total)}</order-gross-total></totals></pricing></order-pricing>"
        f"</order-summary></order>\n"
    )


def child_floor(total: int, seed: int, directory: Path) -> dict[str, Any]:
    """The string-building floor: the same orders from in-memory tuples, no lxml, no database,
    a few thousand fragments joined per write; encoding, writing and the final fsync timed."""
    path = directory / "floor.xml"
    seconds = 0.0
    orders = 0
    with path.open("wb", buffering=0) as sink:
        started = time.perf_counter()
        sink.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<orders xmlns="' + NS + b'">\n')
        seconds += time.perf_counter() - started
        for batch in batches(total, seed):
            plain = [_floor_order(o) for o in batch]  # data preparation: not timed
            started = time.perf_counter()
            parts: list[str] = []
            for order in plain:
                _floor_render(parts, order)
                if len(parts) >= 4096:
                    sink.write("".join(parts).encode())
                    parts.clear()
            sink.write("".join(parts).encode())
            orders += len(plain)
            seconds += time.perf_counter() - started
        started = time.perf_counter()
        sink.write(b"</orders>\n")
        os.fsync(sink.fileno())
        seconds += time.perf_counter() - started
    result = {
        "seconds": seconds,
        "orders": orders,
        "peak_rss_mb": _peak_rss_mb(),
        "bytes": path.stat().st_size,
    }
    path.unlink()
    return result


def _run_child(*arguments: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, *arguments], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main


def _fresh_postgresql(url: str) -> None:
    """New empty tables (TRUNCATE would keep their statistics), autovacuum off for them."""
    from sqlalchemy import create_engine, text

    from orderio_tui.domain.models import Base

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    open_database(url).dispose()
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            connection.execute(text(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false)'))
    engine.dispose()


def analyze(url: str) -> None:
    """Table statistics for the planner (ANALYZE on PostgreSQL and SQLite)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def explain(url: str, configuration_id: int) -> list[str]:
    """The plans of the export's batch reads for its first 500 orders, with a summary line."""
    from sqlalchemy import create_engine

    from orderio_tui.domain.conditions import matching_orders_query
    from orderio_tui.domain.models import utcnow
    from orderio_tui.engines.export.reading import explain_batch_reads
    from orderio_tui.engines.export.settings import ExportSettings

    db = open_database(url)
    with db.read() as session:
        configuration = session.get(ExportConfiguration, configuration_id)
        settings = ExportSettings.of(configuration, configuration.service, configuration.channel)
        query = matching_orders_query(settings.configuration, now=utcnow())
        ids = list(session.scalars(query.limit(500)))
    db.dispose()
    engine = create_engine(url)
    with engine.connect() as connection:
        plans = explain_batch_reads(connection, ids)
    engine.dispose()
    lines = [f"   {line}" for plan in plans for line in ["--", *plan]]
    scans = [line for line in lines if ("Seq Scan on" in line or "SCAN " in line)]
    full = [line for line in scans if "orders" in line or "line_items" in line]
    lines.append(f"sequential scans of orders or line items: {len(full)}")
    return lines


def measure(
    size: int, seed: int, workdir: Path, db_url: str | None, options: argparse.Namespace
) -> dict[str, Any]:
    root = workdir / f"n{size}"
    root.mkdir(parents=True, exist_ok=True)
    if db_url:
        _fresh_postgresql(db_url)
        url = db_url
    else:
        url = f"sqlite:///{root / 'bench.db'}"
    started = time.perf_counter()
    configuration_id = build_database(url, root, size, seed)
    build_seconds = time.perf_counter() - started
    if options.analyze:
        analyze(url)
    if options.explain:
        print(f"plans at {size} orders ({'analyzed' if options.analyze else 'not analyzed'}):")
        print("\n".join(explain(url, configuration_id)))
    export = _run_child("_export", url, str(configuration_id))
    return {"size": size, "build_seconds": build_seconds, "export": export}


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="second size for RSS growth")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--db-url", default=None, help="PostgreSQL database to use (its tables are replaced)"
    )
    parser.add_argument("--analyze", action="store_true", help="ANALYZE after loading")
    parser.add_argument("--explain", action="store_true", help="print the plans of the reads")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="orderio-export-bench-") as temporary:
        workdir = args.workdir or Path(temporary)
        print(f"machine: {_machine()}")
        print(f"database: {'PostgreSQL' if args.db_url else 'SQLite file'} in {workdir}")
        print(f"statistics: {'ANALYZE after loading' if args.analyze else 'never analyzed'}")
        sizes = [s for s in (args.small, args.orders) if s > 0]
        sizes = sorted(set(sizes))
        results = {size: measure(size, args.seed, workdir, args.db_url, args) for size in sizes}
        big = results[args.orders]
        baseline_dir = workdir / "baseline"
        baseline_dir.mkdir(exist_ok=True)
        baseline = _run_child("_baseline", str(args.orders), str(args.seed), str(baseline_dir))
        floor = _run_child("_floor", str(args.orders), str(args.seed), str(baseline_dir))

    print()
    print(f"{'orders':>8}  {'build s':>8}  {'export s':>9}  {'orders/s':>9}  {'peak RSS':>9}  file")
    for size, result in results.items():
        export = result["export"]
        print(
            f"{size:>8}  {result['build_seconds']:>8.1f}  {export['seconds']:>9.2f}  "
            f"{export['orders'] / export['seconds']:>9.0f}  {export['peak_rss_mb']:>7.1f}MB  "
            f"{export['bytes'] / 1e6:.1f} MB"
        )
    export = big["export"]
    export_rate = export["orders"] / export["seconds"]
    baseline_rate = baseline["orders"] / baseline["seconds"]
    ratio = export_rate / baseline_rate
    print()
    print(
        f"baseline (text only, same {baseline['orders']} orders, no database): "
        f"{baseline['seconds']:.2f} s, {baseline_rate:.0f} orders/s"
    )
    print(f"ratio export/baseline: {ratio:.2f}  (orders/s, the package's writer)")
    export_bytes = export["bytes"] / export["seconds"]
    floor_bytes = floor["bytes"] / floor["seconds"]
    print(
        f"floor (f-strings + saxutils.escape, same orders, no lxml, no database): "
        f"{floor['seconds']:.2f} s, {floor_bytes / 1e6:.1f} MB/s; "
        f"export {export_bytes / 1e6:.1f} MB/s"
    )
    print(
        f"ratio export/floor per byte: {export_bytes / floor_bytes:.2f}  (target >= 0.33, then 0.5)"
    )
    print(f"peak RSS at {args.orders}: {export['peak_rss_mb']:.1f} MB  (target <= 150 MB)")
    if args.small in results and args.small != args.orders:
        small_rss = results[args.small]["export"]["peak_rss_mb"]
        growth = export["peak_rss_mb"] / small_rss - 1
        print(
            f"peak RSS growth {args.small} -> {args.orders}: {growth * 100:+.1f} %  "
            f"(target within 20 %)"
        )
    identical = export["sha256"] == baseline["sha256"]
    print(f"export file identical to the baseline's: {'yes' if identical else 'NO'}")
    return 0 if identical else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_export":
        print(json.dumps(child_export(sys.argv[2], int(sys.argv[3]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "_floor":
        print(json.dumps(child_floor(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "_baseline":
        print(json.dumps(child_baseline(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))))
    else:
        sys.exit(main())
