"""Helpers of the export engine tests: a shop (channel, service, configuration) and orders."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import func, select, update

from orderio_tui.database import Database
from orderio_tui.domain.models import (
    Bucket,
    Channel,
    Destination,
    ExportClaim,
    ExportConfiguration,
    LineItem,
    Order,
    PaymentTransaction,
    Run,
    Service,
)
from orderio_tui.domain.statuses import RunState, ServiceKind

PACKAGE_XSD = (
    Path(__file__).resolve().parents[3]
    / "orderio_tui"
    / "engines"
    / "export"
    / "order-export-2.0.xsd"
)
REFERENCE_XSD = (
    Path(__file__).resolve().parents[4]
    / "shared"
    / "reference"
    / "icm-order-export"
    / "order-export-2.0.xsd"
)
SAMPLE_STYLESHEET = Path(__file__).resolve().parents[3] / "sample_data" / "orders-to-csv.xsl"
NS = {"o": "http://www.intershop.com/xml/ns/intershop/order/2.0"}
BASE_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

_numbers = itertools.count(1)


def package_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(PACKAGE_XSD)))


def add_order(
    session: Any,
    channel: Channel,
    *,
    document_no: str | None = None,
    status: str = "NEW",
    created_at: datetime | None = None,
    items: int = 2,
    item_status: str = "NEW",
    payment_status: str = "AUTHORIZED",
    customer_type: str = "PRIVATE",
    sku_prefix: str = "SKU",
    supplier: str | None = "Acme Supplies",
    **fields: Any,
) -> Order:
    """A complete order (buyer, invoice address, items, one bucket, destination and payment)."""
    number = next(_numbers)
    order = Order(
        channel_id=channel.id,
        document_no=document_no or f"{number:08d}",
        status=status,
        created_at=created_at or BASE_TIME + timedelta(minutes=number),
        locale="de_DE",
        currency="EUR",
        customer_no=f"C{number:05d}",
        user_id=f"U{number:05d}",
        customer_type=customer_type,
        buyer_first_name="Patricia",
        buyer_last_name="Miller",
        buyer_email="patricia@example.com",
        invoice_title="Mrs.",
        invoice_first_name="Patricia",
        invoice_last_name="Miller",
        invoice_email="patricia@example.com",
        invoice_phone="+49 3641 0",
        invoice_line1="Berliner Str. 20",
        invoice_postal_code="14482",
        invoice_city="Potsdam",
        invoice_country="Germany",
        invoice_country_code="DE",
        item_total=Decimal("20.00") * items,
        shipping_total=Decimal("4.90"),
        tax_total=Decimal("4.58"),
        net_total=Decimal("24.90") if items else Decimal("0"),
        gross_total=Decimal("29.48"),
    )
    for key, value in fields.items():
        setattr(order, key, value)
    destination = Destination(
        key="ADDRESS-1",
        first_name="Patricia",
        last_name="Miller",
        line1="Intershop Tower",
        postal_code="07740",
        city="Jena",
        country="Germany",
        country_code="DE",
    )
    bucket = Bucket(
        key="BUCKET-1",
        destination=destination,
        shipping_net=Decimal("4.12"),
        shipping_gross=Decimal("4.90"),
        shipping_tax=Decimal("0.78"),
        shipping_tax_rate=Decimal("0.19"),
    )
    order.destinations.append(destination)
    order.buckets.append(bucket)
    for position in range(1, items + 1):
        order.line_items.append(
            LineItem(
                position=position,
                status=item_status,
                bucket=bucket,
                sku=f"{sku_prefix}-{position}",
                product_name=f"Product {position}",
                supplier=supplier,
                quantity=position,
                unit="pcs",
                unit_price_net=Decimal("10.00"),
                unit_price_gross=Decimal("11.90"),
                net_total=Decimal("10.00") * position,
                gross_total=Decimal("11.90") * position,
                tax_rate=Decimal("0.19"),
                tax_amount=Decimal("1.90") * position,
                discount_amount=Decimal("1.00") if position == 1 else Decimal("0"),
                discount_description="Welcome" if position == 1 else None,
            )
        )
    order.payments.append(
        PaymentTransaction(
            transaction_id=f"BPS_INVOICE-{number}",
            service_id="ISH_INVOICE",
            amount=Decimal("29.48"),
            status=payment_status,
        )
    )
    session.add(order)
    session.flush()
    # Column defaults fill in None on INSERT; store the explicit Nones the test asked for.
    nones = {key: None for key, value in fields.items() if value is None}
    if nones:
        session.execute(update(Order).where(Order.id == order.id).values(**nones))
        session.refresh(order)
    return order


class Shop:
    """A channel with an XML export service and an `erp-export` configuration."""

    def __init__(self, db: Database, root: Path) -> None:
        self.db = db
        self.root = root
        self.export_dir = root / "export"
        self.export_dir.mkdir(parents=True, exist_ok=True)
        with db.write() as session:
            channel = Channel(name="shop", store="Shop-Store", currency="EUR")
            session.add(channel)
            session.flush()
            service = Service(
                name="erp-xml",
                kind=ServiceKind.EXPORT_XML.value,
                directory=str(self.export_dir),
                file_prefix="orders",
            )
            session.add(service)
            session.flush()
            configuration = ExportConfiguration(
                channel_id=channel.id, name="erp-export", service_id=service.id
            )
            session.add(configuration)
            session.flush()
            self.channel_id = channel.id
            self.service_id = service.id
            self.configuration_id = configuration.id

    def channel(self, session: Any) -> Channel:
        return session.get_one(Channel, self.channel_id)

    def add_orders(self, count: int, **fields: Any) -> list[int]:
        with self.db.write() as session:
            channel = self.channel(session)
            return [add_order(session, channel, **fields).id for _ in range(count)]

    def configure(self, configuration_id: int | None = None, **fields: Any) -> None:
        with self.db.write() as session:
            configuration = session.get_one(
                ExportConfiguration, configuration_id or self.configuration_id
            )
            for key, value in fields.items():
                setattr(configuration, key, value)

    def add_configuration(self, name: str, service_id: int | None = None, **fields: Any) -> int:
        with self.db.write() as session:
            configuration = ExportConfiguration(
                channel_id=self.channel_id,
                name=name,
                service_id=service_id or self.service_id,
                **fields,
            )
            session.add(configuration)
            session.flush()
            return configuration.id

    def add_service(self, name: str, **fields: Any) -> int:
        with self.db.write() as session:
            service = Service(name=name, **fields)
            session.add(service)
            session.flush()
            return service.id

    def set_service(self, service_id: int | None = None, **fields: Any) -> None:
        with self.db.write() as session:
            service = session.get_one(Service, service_id or self.service_id)
            for key, value in fields.items():
                setattr(service, key, value)

    def statuses(self) -> dict[str, str]:
        with self.db.read() as session:
            return dict(session.execute(select(Order.document_no, Order.status)).all())

    def files(self) -> list[Path]:
        return sorted(self.export_dir.iterdir())


# --------------------------------------------------------------------------- export processes

EXPORT_CHILD = """
import sys
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import RunKind, Trigger
from orderio_tui.engines.export import run_export
from orderio_tui.jobs.execute import run_configuration

db = open_database(sys.argv[1])
if sys.argv[3] == "jobs":
    outcome = run_configuration(
        db, RunKind.EXPORT, int(sys.argv[2]), trigger=Trigger.CLI, lease_seconds=float(sys.argv[4])
    )
else:
    outcome = run_export(db, int(sys.argv[2]), trigger=Trigger.CLI)
print(outcome.state.value, outcome.message, flush=True)
"""


def start_export_process(
    shop: Shop,
    failpoint: str | None = None,
    *,
    jobs: bool = False,
    cli: bool = False,
    lease_seconds: float = 30.0,
    host: str | None = None,
    stop: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """An export of the shop's configuration in a child process.

    ``jobs``: through ``run_configuration`` (lease, recovery) instead of the bare engine;
    ``cli``: as ``orderio-tui export run erp-export`` (``env`` adds environment variables).
    ``host``: the child runs in a UTS namespace of its own under that host name (``unshare``),
    so that this process sees it as a process on another machine. ``stop``: at the failpoint
    the child stops itself with SIGSTOP instead of sleeping there.
    """
    child_env = dict(os.environ)
    child_env.pop("ORDERIO_FAILPOINT", None)
    child_env.pop("ORDERIO_FAILPOINT_ACTION", None)
    child_env.update(env or {})
    if failpoint:
        child_env["ORDERIO_FAILPOINT"] = f"export:{failpoint}"
    if stop:
        child_env["ORDERIO_FAILPOINT_ACTION"] = "stop"
    command = [
        sys.executable,
        "-c",
        EXPORT_CHILD,
        shop.db.url,
        str(shop.configuration_id),
        "jobs" if jobs else "engine",
        str(lease_seconds),
    ]
    if cli:
        cli_path = Path(sys.executable).with_name("orderio-tui")
        command = [str(cli_path), "--db", shop.db.url, "export", "run", "erp-export"]
    if host is not None:
        # unshare and sh both exec: the child's pid is the Python process's.
        command = ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$@"', "-", *command]
    return subprocess.Popen(
        command, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_failpoint(child: subprocess.Popen[str], failpoint: str) -> None:
    """Read the child's stderr until it announces ``failpoint``."""
    assert child.stderr is not None
    for line in child.stderr:
        if line.startswith(f"FAILPOINT export:{failpoint}"):
            return
    raise AssertionError(f"child ended without reaching {failpoint}: rc={child.wait()}")


def wait_until_stopped(pid: int, timeout: float = 30.0) -> None:
    """Wait until process ``pid`` is in the stopped state (it sent itself SIGSTOP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "T":
                return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not stop")


def published_orders(shop: Shop) -> dict[str, list[str]]:
    """Document numbers per published file (every file must also be a valid document)."""
    schema = package_schema()
    published = {}
    for path in shop.files():
        if path.name.startswith("."):
            continue
        document = etree.parse(str(path))
        assert schema.validate(document), schema.error_log
        published[path.name] = document.getroot().xpath(
            "o:order/o:order-header/o:order-info/o:document-no/text()", namespaces=NS
        )
    return published


def check_exactly_once(shop: Shop) -> dict[str, list[str]]:
    """SPEC §7.1 after recovery: no temporary file, no order in two files, EXPORTED if and only
    if in a published file, no claim and no RUNNING run left. Returns the published orders."""
    temporary = [p.name for p in shop.export_dir.iterdir() if p.name.startswith(".")]
    assert temporary == []
    published = published_orders(shop)
    counted = Counter(n for numbers in published.values() for n in numbers)
    assert [n for n, times in counted.items() if times > 1] == []
    exported = {n for n, status in shop.statuses().items() if status == "EXPORTED"}
    assert exported == set(counted)
    with shop.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0
        running = session.scalar(
            select(func.count()).select_from(Run).where(Run.state == RunState.RUNNING.value)
        )
        assert running == 0
    return published
