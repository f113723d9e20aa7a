"""Putting the demo into an empty database: channels, services, configurations and orders,
inserted in bulk (:func:`create_demo`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.bulk import batched, insert_rows, reserve_ids
from ..domain.models import (
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
from ..domain.statuses import (
    CustomerType,
    Entity,
    OrderStatus,
    ServiceKind,
)
from ..errors import UserError
from .data import (
    B2C,
    BATCH_ORDERS,
    BI_EXPORT_SERVICE,
    CHANNEL_SPECS,
    CHANNELS,
    ERP_EXPORT_SERVICE,
    INTAKE_SERVICES,
    MAX_ORDERS,
    SHIPPING_TAX_RATE,
    STATUS_IMPORT_SERVICES,
    ZERO,
)
from .factory import (
    DemoOrder,
    iter_demo_orders,
)

# --------------------------------------------------------------------------- summary

#: How many invalid orders :meth:`DemoSummary.describe` names.
SHOWN_INVALID_ORDERS = 10


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`create_demo` created."""

    root: Path
    channels: tuple[str, ...]
    services: tuple[str, ...]
    #: ``<channel>/<configuration>`` of every export and import configuration.
    configurations: tuple[str, ...]
    orders_created: int
    #: ``(channel, number of orders)``.
    orders_by_channel: tuple[tuple[str, int], ...]
    #: Document numbers of the orders whose export fails validation.
    invalid_orders: tuple[str, ...]
    export_directory: Path
    #: The inbox of demo-b2c, for which the sample status file is.
    inbox_directory: Path
    seed: int = 1
    #: Why each invalid order fails, by document number.
    invalid_reasons: tuple[tuple[str, str], ...] = field(default=())
    #: ``(channel, inbox)`` of every channel's status import service.
    inbox_directories: tuple[tuple[str, Path], ...] = field(default=())

    def describe(self) -> str:
        """A short human-readable report, several lines."""
        by_channel = ", ".join(f"{name} {count}" for name, count in self.orders_by_channel)
        invalid = ", ".join(self.invalid_orders[:SHOWN_INVALID_ORDERS]) or "none"
        if len(self.invalid_orders) > SHOWN_INVALID_ORDERS:
            invalid += f" … ({len(self.invalid_orders)} in all)"
        inboxes = [
            f"  status files   {channel}: {inbox}" for channel, inbox in self.inbox_directories
        ]
        return "\n".join(
            [
                f"Demo data created under {self.root} (seed {self.seed})",
                f"  channels:       {', '.join(self.channels)}",
                f"  services:       {', '.join(self.services)}",
                f"  configurations: {', '.join(self.configurations)}",
                f"  orders:         {self.orders_created} ({by_channel})",
                f"  invalid orders: {invalid} (their export fails validation)",
                f"  exports go to   {self.export_directory}",
                *inboxes,
            ]
        )

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON-ready values."""
        return {
            "root": str(self.root),
            "seed": self.seed,
            "channels": list(self.channels),
            "services": list(self.services),
            "configurations": list(self.configurations),
            "orders_created": self.orders_created,
            "orders_by_channel": dict(self.orders_by_channel),
            "invalid_orders": list(self.invalid_orders),
            "export_directory": str(self.export_directory),
            "inbox_directory": str(self.inbox_directory),
            "inbox_directories": {channel: str(inbox) for channel, inbox in self.inbox_directories},
        }


# --------------------------------------------------------------------------- database


def _existing_data(session: Session) -> dict[str, int]:
    counts = {
        "channels": session.scalar(select(func.count()).select_from(Channel)) or 0,
        "services": session.scalar(select(func.count()).select_from(Service)) or 0,
        "orders": session.scalar(select(func.count()).select_from(Order)) or 0,
    }
    return {what: count for what, count in counts.items() if count}


def _refuse_non_empty(db: Database, session: Session) -> None:
    existing = _existing_data(session)
    if existing:
        what = ", ".join(f"{count} {name}" for name, count in existing.items())
        url = make_url(db.url).render_as_string(hide_password=True)
        raise UserError(
            f"database '{url}' already has data ({what}): demo needs an empty database; "
            f"give another --db"
        )


def _intake_inbox(root: Path, channel: str) -> Path:
    return root / "intake" / channel / "inbox"


def _make_directories(root: Path) -> tuple[Path, dict[str, Path]]:
    export_directory = root / "export"
    inboxes = {channel: root / "import" / channel / "inbox" for channel in CHANNELS}
    directories = [export_directory]
    intake_inboxes = [_intake_inbox(root, channel) for channel in CHANNELS]
    for inbox in [*inboxes.values(), *intake_inboxes]:
        directories += [inbox, inbox / "archive", inbox / "error"]
    for directory in directories:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"cannot create directory '{directory}': {exc.strerror}; choose another --root"
            ) from None
    return export_directory, inboxes


def _create_setup(
    session: Session, export_directory: Path, inboxes: dict[str, Path], anchor: datetime
) -> tuple[dict[str, int], list[str], list[str]]:
    """Channels, services and configurations; returns channel ids and what was created."""
    channels = {
        spec.name: Channel(
            name=spec.name,
            display_name=spec.display_name,
            store=spec.store,
            locale=spec.locale,
            currency=spec.currency,
            created_at=anchor,
        )
        for spec in CHANNEL_SPECS
    }
    erp = Service(
        name=ERP_EXPORT_SERVICE,
        kind=ServiceKind.EXPORT_XML.value,
        display_name="ERP order export (ICM order XML 2.0)",
        directory=str(export_directory),
        file_prefix="orders",
    )
    bi = Service(
        name=BI_EXPORT_SERVICE,
        kind=ServiceKind.EXPORT_XML.value,
        display_name="BI order export (ICM order XML 2.0)",
        directory=str(export_directory),
        file_prefix="bi-orders",
    )
    status_imports = {
        channel: Service(
            name=STATUS_IMPORT_SERVICES[channel],
            kind=ServiceKind.STATUS_IMPORT_XML.value,
            display_name=f"ERP order status import ({channel})",
            directory=str(inboxes[channel]),
            file_pattern="*.xml",
        )
        for channel in CHANNELS
    }
    intakes = {
        channel: Service(
            name=INTAKE_SERVICES[channel],
            kind=ServiceKind.INTAKE_XML.value,
            display_name=f"Shop order intake ({channel})",
            directory=str(_intake_inbox(export_directory.parent, channel)),
            file_pattern="*.xml",
        )
        for channel in CHANNELS
    }
    services = [erp, bi, *status_imports.values(), *intakes.values()]
    session.add_all([*channels.values(), *services])
    configurations: list[str] = []
    for name, channel in channels.items():
        session.add_all(
            [
                ExportConfiguration(
                    channel=channel,
                    name="erp-export",
                    service=erp,
                    description="New orders to the ERP; marks them EXPORTED.",
                    status_updates_enabled=True,
                ),
                ExportConfiguration(
                    channel=channel,
                    name="bi-export",
                    service=bi,
                    description="Every order once, for reporting; changes no status.",
                    status_updates_enabled=False,
                    order_statuses=[status.value for status in OrderStatus],
                    only_not_exported=True,
                ),
                ImportConfiguration(
                    channel=channel,
                    name="erp-status",
                    service=status_imports[name],
                    description="Delivery, return and payment updates from the ERP.",
                ),
                IntakeConfiguration(
                    channel=channel,
                    name="shop-orders",
                    service=intakes[name],
                    description="Order files the shop drops into the intake inbox.",
                ),
            ]
        )
        configurations += [
            f"{name}/{config}"
            for config in ("erp-export", "bi-export", "erp-status", "shop-orders")
        ]
    session.flush()
    channel_ids = {name: channel.id for name, channel in channels.items()}
    return channel_ids, [s.name for s in services], configurations


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    insert_rows(session, table, rows)


def _erp_fields(order: DemoOrder) -> dict[str, str | None]:
    """What a shop's ERP gets besides (SPEC §13), derived without drawing random numbers so
    that a seed keeps giving the same orders: business buyers reference their purchase order
    and cost center and are priced net, consumers gross."""
    customer = order.customer
    if customer.customer_type is not CustomerType.SMB:
        return {"calculation_type": "gross", "customer_order_id": None, "cost_center": None}
    return {
        "calculation_type": "net",
        "customer_order_id": f"PO-{order.document_no}",
        "cost_center": f"CC-{100 + int(customer.customer_no[1:]) % 7}",
    }


@dataclass
class _Tally:
    """What the inserted orders were, kept while they stream past."""

    created: int = 0
    by_channel: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    invalid: list[tuple[str, str]] = field(default_factory=list)

    def count(self, orders: Iterable[DemoOrder]) -> Iterator[DemoOrder]:
        for order in orders:
            self.created += 1
            self.by_channel[order.channel] += 1
            if order.defect:
                self.invalid.append((order.document_no, order.defect))
            yield order


def _insert_orders(
    session: Session, orders: Iterable[DemoOrder], channel_ids: dict[str, int], anchor: datetime
) -> None:
    """Bulk INSERTs, parents first, in batches of :data:`BATCH_ORDERS` orders, as they are
    generated (only one batch is in memory at a time)."""
    for batch in batched(orders, BATCH_ORDERS):
        order_rows = []
        for order in batch:
            created = anchor - order.age
            reason_code, reason_text = order.status_reason
            customer = order.customer
            buyer = customer.address
            order_rows.append(
                {
                    "channel_id": channel_ids[order.channel],
                    "document_no": order.document_no,
                    "status": order.status.value,
                    "status_reason_code": reason_code,
                    "status_reason_text": reason_text,
                    "to_be_deleted": False,
                    "created_at": created,
                    "updated_at": created,
                    "locale": customer.locale,
                    "currency": order.currency,
                    "customer_no": customer.customer_no,
                    "user_id": customer.user_id,
                    "customer_type": customer.customer_type.value,
                    "buyer_first_name": buyer.first_name,
                    "buyer_last_name": buyer.last_name,
                    "buyer_company": buyer.company,
                    "buyer_email": buyer.email,
                    "taxation_id": customer.taxation_id,
                    **_erp_fields(order),
                    **order.invoice_address.columns("invoice_"),
                    "item_total": order.item_total,
                    "item_discount_total": order.item_discount_total,
                    "shipping_total": order.shipping_total,
                    "payment_costs": order.payment_costs,
                    "tax_total": order.tax_total,
                    "duties_total": ZERO,
                    "net_total": order.net_total,
                    "gross_total": order.gross_total,
                }
            )
        order_ids = reserve_ids(session, Order.__table__, len(order_rows))
        for order_id, row in zip(order_ids, order_rows, strict=True):
            row["id"] = order_id
        _insert(session, Order.__table__, order_rows)

        destination_ids = iter(
            reserve_ids(session, Destination.__table__, sum(len(o.destinations) for o in batch))
        )
        destinations_of = [[next(destination_ids) for _ in order.destinations] for order in batch]
        _insert(
            session,
            Destination.__table__,
            [
                {
                    "id": destinations[index],
                    "order_id": order_id,
                    "key": destination.key,
                    **destination.address.columns(),
                }
                for order_id, order, destinations in zip(
                    order_ids, batch, destinations_of, strict=True
                )
                for index, destination in enumerate(order.destinations)
            ],
        )

        bucket_ids = iter(
            reserve_ids(session, Bucket.__table__, sum(len(o.buckets) for o in batch))
        )
        buckets_of = [[next(bucket_ids) for _ in order.buckets] for order in batch]
        _insert(
            session,
            Bucket.__table__,
            [
                {
                    "id": buckets[index],
                    "order_id": order_id,
                    "key": bucket.key,
                    "destination_id": destinations[bucket.destination],
                    "shipping_method_id": bucket.method.id,
                    "shipping_method_name": bucket.method.name,
                    "ship_time_min_days": bucket.method.min_days,
                    "ship_time_max_days": bucket.method.max_days,
                    "shipping_net": bucket.shipping_net,
                    "shipping_gross": bucket.shipping_gross,
                    "shipping_tax": bucket.shipping_tax,
                    "shipping_tax_rate": SHIPPING_TAX_RATE,
                }
                for order_id, order, destinations, buckets in zip(
                    order_ids, batch, destinations_of, buckets_of, strict=True
                )
                for index, bucket in enumerate(order.buckets)
            ],
        )

        _insert(
            session,
            LineItem.__table__,
            [
                {
                    "order_id": order_id,
                    "position": item.position,
                    "status": item.status.value,
                    "bucket_id": buckets[item.bucket],
                    "sku": item.product.sku,
                    "product_name": item.product.name,
                    "supplier": item.product.supplier,
                    "quantity": item.quantity,
                    "unit": None,
                    "hidden": False,
                    "unit_price_net": item.unit_price_net,
                    "unit_price_gross": item.unit_price_gross,
                    "net_total": item.net_total,
                    "gross_total": item.gross_total,
                    "tax_rate": item.tax_rate,
                    "tax_amount": item.tax_amount,
                    "discount_amount": item.discount_amount,
                    "discount_description": item.discount_description,
                }
                for order_id, order, buckets in zip(order_ids, batch, buckets_of, strict=True)
                for item in order.line_items
            ],
        )
        _insert(
            session,
            PaymentTransaction.__table__,
            [
                {
                    "order_id": order_id,
                    "transaction_id": payment.transaction_id,
                    "service_id": payment.service_id,
                    "amount": payment.amount,
                    "cost": payment.cost,
                    "status": payment.status.value,
                }
                for order_id, order in zip(order_ids, batch, strict=True)
                for payment in order.payments
            ],
        )
        _insert(
            session,
            StatusHistory.__table__,
            [
                {
                    "order_id": order_id,
                    "at": anchor - order.age,
                    "entity": Entity.ORDER.value,
                    "entity_ref": None,
                    "from_status": None,
                    "to_status": order.status.value,
                    "reason_code": order.status_reason[0],
                    "reason_text": order.status_reason[1],
                    "run_id": None,
                    "source": "demo",
                }
                for order_id, order in zip(order_ids, batch, strict=True)
            ],
        )


def create_demo(
    db: Database,
    root: Path,
    *,
    orders: int = 500,
    seed: int = 1,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo setup and ``orders`` orders (SPEC §10 ``demo``).

    Creates ``root/export`` and ``root/import/<channel>/inbox`` (with ``archive`` and ``error``)
    for each channel. Everything
    but the creation times is determined by ``orders`` and ``seed``; the orders are up to 60 days
    older than ``now`` (default: the current time). Raises :class:`UserError` when the database
    already has channels, services or orders, or a directory cannot be created. All rows are
    written in one transaction: on failure nothing is left behind in the database.
    """
    if not 0 <= orders <= MAX_ORDERS:
        raise UserError(f"--orders must be between 0 and {MAX_ORDERS}, not {orders}")
    with db.read() as session:
        _refuse_non_empty(db, session)
    root = Path(root).expanduser().absolute()
    export_directory, inboxes = _make_directories(root)
    anchor = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    tally = _Tally()
    with db.write() as session:
        _refuse_non_empty(db, session)
        channel_ids, services, configurations = _create_setup(
            session, export_directory, inboxes, anchor
        )
        plan = tally.count(iter_demo_orders(orders=orders, seed=seed))
        _insert_orders(session, plan, channel_ids, anchor)
    return DemoSummary(
        root=root,
        channels=CHANNELS,
        services=tuple(services),
        configurations=tuple(configurations),
        orders_created=tally.created,
        orders_by_channel=tuple((channel, tally.by_channel[channel]) for channel in CHANNELS),
        invalid_orders=tuple(number for number, _ in tally.invalid),
        export_directory=export_directory,
        inbox_directory=inboxes[B2C],
        inbox_directories=tuple(inboxes.items()),
        seed=seed,
        invalid_reasons=tuple(tally.invalid),
    )
