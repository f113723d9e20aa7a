"""The demo data generator: determinism, setup, realistic and consistent orders, sample file."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from orderio_tui.application.configurations import load_import_form, update_import_configuration
from orderio_tui.database import Database, open_database
from orderio_tui.demo import (
    B2B,
    B2C,
    STATUS_NAMESPACE,
    create_demo,
    demo_orders,
    status_file_for,
    status_file_orders,
)
from orderio_tui.domain.models import (
    Bucket,
    Channel,
    Destination,
    ExportConfiguration,
    ImportConfiguration,
    IntakeConfiguration,
    LineItem,
    Order,
    PaymentTransaction,
    Service,
    StatusHistory,
)
from orderio_tui.domain.statuses import (
    DEFAULT_LINE_ITEM_TRANSITIONS,
    DEFAULT_ORDER_TRANSITIONS,
    CustomerType,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    RunKind,
    RunState,
    ScheduleMode,
    ServiceKind,
    Trigger,
)
from orderio_tui.engines.status_import.reader import status_schema
from orderio_tui.errors import UserError
from orderio_tui.jobs.execute import run_configuration

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "sample_data" / "status-demo-seed1.xml"
NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
CENT = Decimal("0.01")


def new_database(directory: Path, name: str = "orderio.db") -> Database:
    return open_database(f"sqlite:///{directory / name}")


@pytest.fixture(scope="module")
def demo_300(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Any, Path]]:
    """One demo database of 300 orders shared by the read-only checks of this module."""
    directory = tmp_path_factory.mktemp("demo300")
    db = new_database(directory)
    summary = create_demo(db, directory / "root", orders=300, seed=3, now=NOW)
    yield db, summary, directory
    db.dispose()


def load_orders(db: Database) -> list[Order]:
    with db.read() as session:
        return list(
            session.scalars(
                select(Order)
                .options(
                    selectinload(Order.line_items),
                    selectinload(Order.buckets),
                    selectinload(Order.destinations),
                    selectinload(Order.payments),
                    selectinload(Order.history),
                    selectinload(Order.channel),
                )
                .order_by(Order.document_no)
            )
        )


def columns(row: Any, *, skip: Collection[str] = ()) -> dict[str, Any]:
    return {
        key: getattr(row, key)
        for key in (column.key for column in row.__table__.columns)
        if key not in skip and key not in {"id", "order_id", "bucket_id", "destination_id"}
    }


TIME_COLUMNS = {"created_at", "updated_at", "at"}


def snapshot(db: Database, *, with_times: bool) -> list[dict[str, Any]]:
    """Everything the demo wrote about its orders, without database ids."""
    skip = set() if with_times else TIME_COLUMNS
    result = []
    for order in load_orders(db):
        buckets = {b.id: b.key for b in order.buckets}
        destinations = {d.id: d.key for d in order.destinations}
        result.append(
            {
                "channel": order.channel.name,
                "order": columns(order, skip=skip),
                "line_items": [
                    {**columns(li, skip=skip), "bucket": buckets[li.bucket_id]}
                    for li in order.line_items
                ],
                "buckets": [
                    {**columns(b, skip=skip), "destination": destinations[b.destination_id]}
                    for b in order.buckets
                ],
                "destinations": [columns(d, skip=skip) for d in order.destinations],
                "payments": [columns(p, skip=skip) for p in order.payments],
                "history": [columns(h, skip=skip) for h in order.history],
            }
        )
    return result


# --------------------------------------------------------------------------- determinism


def test_same_seed_and_anchor_give_identical_data(tmp_path: Path) -> None:
    first, second = new_database(tmp_path, "a.db"), new_database(tmp_path, "b.db")
    create_demo(first, tmp_path / "a", orders=200, seed=11, now=NOW)
    create_demo(second, tmp_path / "b", orders=200, seed=11, now=NOW)
    one, two = snapshot(first, with_times=True), snapshot(second, with_times=True)
    assert len(one) == 200
    assert one == two


def test_same_seed_at_other_times_differs_only_in_times(tmp_path: Path) -> None:
    first, second = new_database(tmp_path, "a.db"), new_database(tmp_path, "b.db")
    create_demo(first, tmp_path / "a", orders=200, seed=5)
    create_demo(second, tmp_path / "b", orders=200, seed=5, now=NOW + timedelta(days=3))
    assert snapshot(first, with_times=False) == snapshot(second, with_times=False)
    ages_one = [o.created_at for o in load_orders(first)]
    ages_two = [o.created_at for o in load_orders(second)]
    # Every order is the same age relative to its demo's anchor.
    assert [t - ages_one[0] for t in ages_one] == [t - ages_two[0] for t in ages_two]
    assert ages_one[0] != ages_two[0]


def test_other_seed_gives_other_data(tmp_path: Path) -> None:
    first, second = new_database(tmp_path, "a.db"), new_database(tmp_path, "b.db")
    create_demo(first, tmp_path / "a", orders=200, seed=1, now=NOW)
    create_demo(second, tmp_path / "b", orders=200, seed=2, now=NOW)
    one, two = snapshot(first, with_times=True), snapshot(second, with_times=True)
    assert len(one) == len(two) == 200
    different = sum(1 for a, b in zip(one, two, strict=True) if a != b)
    assert different > 190


def test_order_plan_does_not_depend_on_the_wall_clock() -> None:
    assert demo_orders(orders=50, seed=9) == demo_orders(orders=50, seed=9)
    assert demo_orders(orders=50, seed=9) != demo_orders(orders=50, seed=10)


# --------------------------------------------------------------------------- empty database only


def test_refuses_a_database_with_demo_data(demo_300: tuple[Database, Any, Path]) -> None:
    db, _, directory = demo_300
    with pytest.raises(UserError) as raised:
        create_demo(db, directory / "again", orders=10, seed=3)
    message = str(raised.value)
    assert "already has data" in message
    assert "empty database" in message and "--db" in message
    assert "\n" not in message
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 300
        assert session.scalar(select(func.count()).select_from(Channel)) == 2


def test_refuses_a_database_with_only_a_service(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    with db.write() as session:
        session.add(Service(name="legacy", kind=ServiceKind.EXPORT_XML.value, directory="/x"))
    with pytest.raises(UserError, match="1 services"):
        create_demo(db, tmp_path / "root", orders=10)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Channel)) == 0
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_refuses_a_database_with_only_a_channel(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    with db.write() as session:
        session.add(Channel(name="shop", store="Shop-Site"))
    with pytest.raises(UserError, match="already has data"):
        create_demo(db, tmp_path / "root", orders=10)
    assert not (tmp_path / "root").exists()


def test_rejects_a_negative_order_count(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--orders"):
        create_demo(new_database(tmp_path), tmp_path / "root", orders=-1)


def test_zero_orders_still_creates_the_setup(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    summary = create_demo(db, tmp_path / "root", orders=0)
    assert summary.orders_created == 0 and summary.invalid_orders == ()
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportConfiguration)) == 4


# --------------------------------------------------------------------------- setup


def test_directories_are_created(demo_300: tuple[Database, Any, Path]) -> None:
    _, summary, directory = demo_300
    root = directory / "root"
    for sub in ("export", *(f"import/{c}/inbox{d}" for c in (B2C, B2B) for d in ("", "/archive"))):
        assert (root / sub).is_dir(), sub
    assert summary.root == root
    assert summary.export_directory == root / "export"
    assert summary.inbox_directory == root / "import" / B2C / "inbox"
    assert dict(summary.inbox_directories) == {
        B2C: root / "import" / B2C / "inbox",
        B2B: root / "import" / B2B / "inbox",
    }


def test_relative_root_is_stored_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = new_database(tmp_path)
    create_demo(db, Path("relative-root"), orders=5)
    with db.read() as session:
        directories = set(session.scalars(select(Service.directory)))
    assert directories == {
        str(tmp_path / "relative-root" / "export"),
        str(tmp_path / "relative-root" / "import" / B2C / "inbox"),
        str(tmp_path / "relative-root" / "import" / B2B / "inbox"),
        str(tmp_path / "relative-root" / "intake" / B2C / "inbox"),
        str(tmp_path / "relative-root" / "intake" / B2B / "inbox"),
    }


def test_channels_and_services(demo_300: tuple[Database, Any, Path]) -> None:
    db, summary, directory = demo_300
    root = directory / "root"
    with db.read() as session:
        channels = {c.name: c for c in session.scalars(select(Channel))}
        services = list(session.scalars(select(Service).order_by(Service.name)))
    assert set(channels) == {B2C, B2B} == set(summary.channels)
    assert channels[B2C].store != channels[B2B].store
    assert all(c.currency == "EUR" for c in channels.values())
    assert {s.name for s in services} == set(summary.services)
    exports = [s for s in services if s.kind == ServiceKind.EXPORT_XML.value]
    imports = [s for s in services if s.kind == ServiceKind.STATUS_IMPORT_XML.value]
    assert len(exports) == 2 and len(imports) == 2
    assert all(s.directory == str(root / "export") for s in exports)
    assert len({s.file_prefix for s in exports}) == 2
    assert "orders" in {s.file_prefix for s in exports}
    # One inbox per channel: an inbox has one import configuration.
    assert {s.directory for s in imports} == {
        str(root / "import" / c / "inbox") for c in (B2C, B2B)
    }
    for status_import in imports:
        assert status_import.file_pattern == "*.xml"
        assert status_import.archive_directory is None and status_import.error_directory is None
    with db.read() as session:
        services_of = {
            (c.channel.name, c.service.name) for c in session.scalars(select(ImportConfiguration))
        }
    assert services_of == {(B2C, "erp-status-import"), (B2B, "erp-status-import-b2b")}
    assert all(s.enabled for s in services)


def test_the_demo_import_configurations_pass_their_own_validation(
    demo_300: tuple[Database, Any, Path],
) -> None:
    db, _, _ = demo_300
    with db.read() as session:
        ids = list(session.scalars(select(ImportConfiguration.id)))
    for configuration_id in ids:  # each on an inbox of its own, so saving it unchanged works
        update_import_configuration(db, configuration_id, load_import_form(db, configuration_id))


def test_configurations_as_the_spec_says(demo_300: tuple[Database, Any, Path]) -> None:
    db, summary, _ = demo_300
    root = Path(summary.export_directory).parent
    with db.read() as session:
        exports = {
            (c.channel.name, c.name): c
            for c in session.scalars(
                select(ExportConfiguration).options(
                    selectinload(ExportConfiguration.channel),
                    selectinload(ExportConfiguration.service),
                )
            )
        }
        imports = {
            (c.channel.name, c.name): c
            for c in session.scalars(
                select(ImportConfiguration).options(
                    selectinload(ImportConfiguration.channel),
                    selectinload(ImportConfiguration.service),
                )
            )
        }
    assert set(exports) == {(ch, n) for ch in (B2C, B2B) for n in ("erp-export", "bi-export")}
    assert set(imports) == {(B2C, "erp-status"), (B2B, "erp-status")}
    assert len(summary.configurations) == 8
    with db.read() as session:
        intakes = {
            (row.channel.name, row.name, row.service.kind, row.service.directory)
            for row in session.scalars(select(IntakeConfiguration))
        }
    assert intakes == {
        (channel, "shop-orders", "order-intake-xml", str(root / "intake" / channel / "inbox"))
        for channel in (B2C, B2B)
    }
    assert all((root / "intake" / channel / "inbox").is_dir() for channel in (B2C, B2B))
    every_line_item = {s.value for s in LineItemStatus}
    every_payment = {s.value for s in PaymentStatus}
    every_customer_type = {s.value for s in CustomerType}
    for channel in (B2C, B2B):
        erp = exports[(channel, "erp-export")]
        assert erp.status_updates_enabled
        assert erp.order_statuses == [OrderStatus.NEW.value]
        assert erp.order_transitions == dict(DEFAULT_ORDER_TRANSITIONS)
        assert erp.line_item_transitions == dict(DEFAULT_LINE_ITEM_TRANSITIONS)
        assert not erp.only_not_exported
        assert erp.service.kind == ServiceKind.EXPORT_XML.value

        bi = exports[(channel, "bi-export")]
        assert not bi.status_updates_enabled
        assert set(bi.order_statuses) == {s.value for s in OrderStatus}
        assert bi.only_not_exported
        assert bi.service.kind == ServiceKind.EXPORT_XML.value
        assert bi.service_id != erp.service_id

        for export in (erp, bi):
            assert set(export.line_item_statuses) == every_line_item
            assert set(export.payment_statuses) == every_payment
            assert set(export.customer_types) == every_customer_type
            assert export.max_orders is None and export.min_age_minutes is None
        status = imports[(channel, "erp-status")]
        assert status.service.kind == ServiceKind.STATUS_IMPORT_XML.value
        for configuration in (erp, bi, status):
            assert configuration.schedule_mode == ScheduleMode.MANUAL.value


# --------------------------------------------------------------------------- orders


def test_document_numbers_unique_across_channels_and_in_creation_order(
    demo_300: tuple[Database, Any, Path],
) -> None:
    db, summary, _ = demo_300
    orders = load_orders(db)
    numbers = [o.document_no for o in orders]
    assert numbers == [f"{n:08d}" for n in range(1, 301)]
    assert summary.orders_created == 300
    created = [o.created_at for o in orders]
    assert created == sorted(created)
    assert all(NOW - timedelta(days=60) <= t <= NOW for t in created)
    by_channel = Counter(o.channel.name for o in orders)
    assert dict(summary.orders_by_channel) == by_channel
    assert 0.5 < by_channel[B2C] / 300 < 0.7


def test_about_one_percent_invalid_orders_in_each_channel(
    demo_300: tuple[Database, Any, Path],
) -> None:
    db, summary, _ = demo_300
    orders = {o.document_no: o for o in load_orders(db)}
    invalid = set(summary.invalid_orders)
    assert 2 <= len(invalid) <= 6
    assert {orders[n].channel.name for n in invalid} == {B2C, B2B}
    for number in invalid:
        order = orders[number]
        assert order.status == OrderStatus.NEW.value
        assert order.invoice_line1 is None or order.invoice_city is None
    for number, order in orders.items():
        if number in invalid:
            continue
        for field in ("line1", "city", "postal_code", "country", "country_code"):
            assert getattr(order, f"invoice_{field}"), (number, field)
        for destination in order.destinations:
            for field in ("line1", "city", "postal_code", "country", "country_code"):
                assert getattr(destination, field), (number, field)
    assert dict(summary.invalid_reasons).keys() == invalid


def test_every_channel_has_an_invalid_order_from_200_orders() -> None:
    for seed in range(1, 6):
        plan = demo_orders(orders=200, seed=seed)
        channels = {order.channel for order in plan if order.defect}
        assert channels == {B2C, B2B}, seed


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def test_totals_are_consistent(demo_300: tuple[Database, Any, Path]) -> None:
    db, _, _ = demo_300
    for order in load_orders(db):
        assert 1 <= len(order.line_items) <= 5
        assert [li.position for li in order.line_items] == list(range(1, len(order.line_items) + 1))
        for li in order.line_items:
            assert li.tax_rate in (Decimal("0.19"), Decimal("0.07"))
            assert li.quantity >= 1
            assert li.discount_amount >= 0
            assert li.net_total == li.unit_price_net * li.quantity - li.discount_amount
            assert li.tax_amount == money(li.net_total * li.tax_rate)
            assert li.gross_total == li.net_total + li.tax_amount
            assert li.unit_price_gross == money(li.unit_price_net * (1 + li.tax_rate))
            assert (li.discount_amount > 0) == (li.discount_description is not None)
        for bucket in order.buckets:
            assert bucket.shipping_tax == money(bucket.shipping_net * bucket.shipping_tax_rate)
            assert bucket.shipping_gross == bucket.shipping_net + bucket.shipping_tax
        items = order.line_items
        assert order.item_total == sum(li.unit_price_net * li.quantity for li in items)
        assert order.item_discount_total == sum(li.discount_amount for li in items)
        assert order.shipping_total == sum(b.shipping_net for b in order.buckets)
        assert order.payment_costs == sum(p.cost for p in order.payments)
        assert order.tax_total == sum(li.tax_amount for li in items) + sum(
            b.shipping_tax for b in order.buckets
        )
        assert (
            order.net_total
            == (order.item_total - order.item_discount_total + order.shipping_total)
            + order.payment_costs
        )
        assert order.gross_total == order.net_total + order.tax_total
        assert (
            order.gross_total
            == sum(li.gross_total for li in items)
            + sum(b.shipping_gross for b in order.buckets)
            + order.payment_costs
        )
        assert order.gross_total == sum(p.amount for p in order.payments)
        assert all(p.amount > 0 for p in order.payments)


def test_buckets_destinations_and_payments_belong_together(
    demo_300: tuple[Database, Any, Path],
) -> None:
    db, _, _ = demo_300
    with db.read() as session:
        foreign_buckets = session.scalar(
            select(func.count())
            .select_from(LineItem)
            .join(Bucket, LineItem.bucket_id == Bucket.id)
            .where(Bucket.order_id != LineItem.order_id)
        )
        foreign_destinations = session.scalar(
            select(func.count())
            .select_from(Bucket)
            .join(Destination, Bucket.destination_id == Destination.id)
            .where(Destination.order_id != Bucket.order_id)
        )
        unassigned = session.scalar(
            select(func.count()).select_from(LineItem).where(LineItem.bucket_id.is_(None))
        )
    assert foreign_buckets == foreign_destinations == unassigned == 0
    orders = load_orders(db)
    for order in orders:
        assert 1 <= len(order.buckets) <= 2
        assert 1 <= len(order.payments) <= 2
        used = {li.bucket_id for li in order.line_items}
        assert used == {b.id for b in order.buckets}
    assert any(len(o.buckets) == 2 for o in orders)
    assert any(len(o.payments) == 2 for o in orders)
    transaction_ids = [p.transaction_id for o in orders for p in o.payments]
    assert len(set(transaction_ids)) == len(transaction_ids)


def test_statuses_are_varied_and_coherent(demo_300: tuple[Database, Any, Path]) -> None:
    db, _, _ = demo_300
    orders = load_orders(db)
    statuses = Counter(o.status for o in orders)
    assert statuses[OrderStatus.NEW.value] > len(orders) / 2
    assert {OrderStatus.CANCELLED.value, OrderStatus.PENDING.value} <= set(statuses)
    assert len(statuses) >= 5
    assert OrderStatus.EXPORTED.value not in statuses
    for order in orders:
        if order.status == OrderStatus.CANCELLED.value:
            assert {li.status for li in order.line_items} == {LineItemStatus.CANCELLED.value}
    payments = Counter(p.status for o in orders for p in o.payments)
    assert payments.most_common(1)[0][0] == PaymentStatus.AUTHORIZED.value
    assert payments[PaymentStatus.CREATED.value] > 0


def test_one_demo_history_row_per_order(demo_300: tuple[Database, Any, Path]) -> None:
    db, _, _ = demo_300
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(StatusHistory)) == 300
    for order in load_orders(db):
        (row,) = order.history
        assert row.source == "demo"
        assert row.entity == "order"
        assert row.from_status is None
        assert row.to_status == order.status
        assert row.at == order.created_at


def test_data_is_realistic(demo_300: tuple[Database, Any, Path]) -> None:
    db, _, _ = demo_300
    orders = load_orders(db)
    countries = {(o.invoice_country_code, o.invoice_country) for o in orders}
    assert len(countries) >= 7
    assert {code for code, _ in countries} >= {"DE", "AT", "CH", "FR", "NL", "GB", "US"}
    names = {(o.buyer_first_name, o.buyer_last_name) for o in orders}
    assert ("Jürgen", "Müßig") in names
    assert {"Zoë", "Øyvind", "François"} <= {first for first, _ in names}
    by_country: dict[str, set[str]] = {}
    for order in orders:
        if order.invoice_postal_code:
            by_country.setdefault(order.invoice_country_code, set()).add(order.invoice_postal_code)
    assert all(len(code) == 5 and code.isdigit() for code in by_country["DE"])
    assert all(len(code) == 4 and code.isdigit() for code in by_country["AT"])
    assert all(code[:4].isdigit() and code[4] == " " for code in by_country["NL"])
    for order in orders:
        if order.customer_type == CustomerType.SMB.value:
            assert order.buyer_company and order.invoice_company and order.taxation_id
        else:
            assert order.customer_type == CustomerType.PRIVATE.value
            assert order.buyer_company is None
        assert order.buyer_email and "@" in order.buyer_email and order.buyer_email.isascii()
    types = Counter((o.channel.name, o.customer_type) for o in orders)
    assert types[(B2C, "PRIVATE")] > types[(B2C, "SMB")]
    assert types[(B2B, "SMB")] > types[(B2B, "PRIVATE")]
    items = [li for o in orders for li in o.line_items]
    assert any(li.discount_amount > 0 for li in items)
    assert len({li.sku for li in items}) >= 15
    assert len({li.supplier for li in items}) >= 8


# --------------------------------------------------------------------------- sample status file


def test_committed_sample_file_matches_the_seed_1_demo() -> None:
    assert SAMPLE_FILE.read_bytes() == status_file_for(orders=500, seed=1)


def test_sample_file_is_valid_against_the_shipped_status_schema() -> None:
    schema = status_schema()
    assert schema.validate(etree.parse(str(SAMPLE_FILE))), schema.error_log


def test_sample_file_names_new_b2c_orders_of_the_seed_1_demo(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    summary = create_demo(db, tmp_path / "root", orders=500, seed=1)
    document = etree.parse(str(SAMPLE_FILE))
    root = document.getroot()
    assert root.tag == f"{{{STATUS_NAMESPACE}}}orders"
    entries = root.findall(f"{{{STATUS_NAMESPACE}}}order")
    assert 8 <= len(entries) <= 12
    store = None
    with db.read() as session:
        store = session.scalar(select(Channel.store).where(Channel.name == B2C))
        for entry in entries:
            number, _, entry_store = entry.get("id").partition("@")
            assert entry_store in ("", store)
            assert number not in summary.invalid_orders
            assert entry.get("status") == OrderStatus.DELIVERED.value
            order = session.scalar(
                select(Order)
                .join(Channel)
                .where(Order.document_no == number, Channel.name == B2C)
                .options(selectinload(Order.line_items), selectinload(Order.payments))
            )
            assert order is not None, number
            assert order.status == OrderStatus.NEW.value
            positions = {
                int(li.get("position")): li.get("status")
                for li in entry.findall(f"{{{STATUS_NAMESPACE}}}line-item")
            }
            assert positions == {
                li.position: LineItemStatus.DELIVERED.value for li in order.line_items
            }
            assert all(li.status == LineItemStatus.NEW.value for li in order.line_items)
            payments = {
                p.get("id"): p.get("status")
                for p in entry.findall(f"{{{STATUS_NAMESPACE}}}payment-transaction")
            }
            assert payments == {
                p.transaction_id: PaymentStatus.CAPTURED.value for p in order.payments
            }
    assert [o.document_no for o in status_file_orders()] == [
        e.get("id").partition("@")[0] for e in entries
    ]


# --------------------------------------------------------------------------- any database


def test_demo_on_the_test_database_links_children_and_keeps_ids_in_step(
    db: Database, tmp_path: Path
) -> None:
    """Runs on PostgreSQL too when the suite is pointed at one (see tests/conftest.py)."""
    plan = demo_orders(orders=120, seed=4)
    create_demo(db, tmp_path / "root", orders=120, seed=4, now=NOW)
    orders = load_orders(db)
    assert [o.document_no for o in orders] == [p.document_no for p in plan]
    for stored, planned in zip(orders, plan, strict=True):
        assert stored.channel.name == planned.channel
        assert stored.gross_total == planned.gross_total == sum(p.amount for p in stored.payments)
        assert [li.sku for li in stored.line_items] == [li.product.sku for li in planned.line_items]
        buckets = {b.id: b.key for b in stored.buckets}
        assert [buckets[li.bucket_id] for li in stored.line_items] == [
            planned.buckets[li.bucket].key for li in planned.line_items
        ]
        assert stored.created_at == NOW - planned.age
    # Rows added after the bulk inserts get fresh ids from the database.
    with db.write() as session:
        first = orders[0]
        session.add(
            Order(
                channel_id=first.channel_id,
                document_no="99999999",
                created_at=NOW,
                customer_no="C999999",
            )
        )
        session.add(
            StatusHistory(order_id=first.id, entity="order", to_status="NEW", source="manual")
        )
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 121
        assert session.scalar(select(func.count()).select_from(StatusHistory)) == 121


def configuration_id(db: Database, model: Any, channel: str, name: str) -> int:
    with db.read() as session:
        return session.scalar(
            select(model.id).join(Channel).where(Channel.name == channel, model.name == name)
        )


def test_walk_through_export_then_import_the_sample_file(tmp_path: Path) -> None:
    """sample_data/README.md: the erp-export run hands the orders over, the file delivers them."""
    db = new_database(tmp_path)
    summary = create_demo(db, tmp_path / "root", orders=500, seed=1)
    export = run_configuration(
        db,
        RunKind.EXPORT,
        configuration_id(db, ExportConfiguration, B2C, "erp-export"),
        trigger=Trigger.CLI,
    )
    with db.read() as session:
        invalid_in_b2c = session.scalars(
            select(Order.document_no)
            .join(Channel)
            .where(Channel.name == B2C, Order.document_no.in_(summary.invalid_orders))
        ).all()
    assert export.state is RunState.PARTIAL
    assert export.counts["failed"] == len(invalid_in_b2c) >= 1

    copy = summary.inbox_directory / SAMPLE_FILE.name
    copy.write_bytes(SAMPLE_FILE.read_bytes())
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
    os.utime(copy, (an_hour_ago, an_hour_ago))  # older than the service's minimum file age
    status_import = run_configuration(
        db,
        RunKind.IMPORT,
        configuration_id(db, ImportConfiguration, B2C, "erp-status"),
        trigger=Trigger.CLI,
    )
    assert status_import.state is RunState.SUCCEEDED, status_import.message
    assert status_import.counts["applied"] == len(status_file_orders()) == 10
    assert status_import.counts["rejected"] == 0
    delivered = {o.document_no for o in status_file_orders()}
    with db.read() as session:
        statuses = dict(
            session.execute(
                select(Order.document_no, Order.status)
                .join(Channel)
                .where(Channel.name == B2C, Order.document_no.in_(delivered))
            ).all()
        )
        captured = session.scalars(
            select(PaymentTransaction.status).join(Order).where(Order.document_no.in_(delivered))
        ).all()
    assert statuses == dict.fromkeys(delivered, OrderStatus.DELIVERED.value)
    assert set(captured) == {PaymentStatus.CAPTURED.value}


def test_business_orders_carry_purchase_order_cost_center_and_net_pricing(
    tmp_path: Path,
) -> None:
    db = new_database(tmp_path)
    create_demo(db, tmp_path / "root", orders=60, seed=5, now=NOW)
    with db.read() as session:
        orders = list(session.scalars(select(Order)))
    business = [o for o in orders if o.customer_type == CustomerType.SMB.value]
    private = [o for o in orders if o.customer_type == CustomerType.PRIVATE.value]
    assert business and private
    for order in business:
        assert order.customer_order_id == f"PO-{order.document_no}"
        assert order.cost_center and order.cost_center.startswith("CC-")
        assert order.calculation_type == "net"
    assert {(o.calculation_type, o.customer_order_id, o.cost_center) for o in private} == {
        ("gross", None, None)
    }


def test_the_shipped_shop_order_file_is_taken_in_by_the_demo_intake(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    create_demo(db, tmp_path / "root", orders=5)
    inbox = tmp_path / "root" / "intake" / B2C / "inbox"
    sample = Path(__file__).parent.parent / "sample_data" / "shop-orders-b2c.xml"
    (inbox / sample.name).write_bytes(sample.read_bytes())
    old = time.time() - 60
    os.utime(inbox / sample.name, (old, old))
    with db.read() as session:
        configuration_id = session.scalar(
            select(IntakeConfiguration.id)
            .join(Channel, Channel.id == IntakeConfiguration.channel_id)
            .where(Channel.name == B2C, IntakeConfiguration.name == "shop-orders")
        )
    outcome = run_configuration(db, RunKind.INTAKE, configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["created"] == 1, outcome.message
    with db.read() as session:
        order = session.scalar(select(Order).where(Order.document_no == "SHOP-1001"))
        assert order is not None and order.status == "NEW"
