"""SQLAlchemy 2 typed models of orderio (SPEC §1–§5, §7, §8).

Conventions:
- Times are stored as naive UTC and come back as aware UTC datetimes (:class:`UTCDateTime`).
- Money is stored as integer minor units and comes back as :class:`~decimal.Decimal` with two
  decimals (:class:`Money`); tax rates as fractions with four decimals (:class:`Rate`).
- Status and kind columns hold the string values of the enums in :mod:`.statuses`.
- What an ERP needs of an order but no condition or list uses lives in the ``extra`` JSON
  column of the order and of its children: the parts of the order's JSON form (SPEC §13,
  :mod:`.order_json`, ``docs/order-json.md``) that have no column, in that same form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .statuses import (
    DEFAULT_LINE_ITEM_TRANSITIONS,
    DEFAULT_ORDER_TRANSITIONS,
    CustomerType,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    ScheduleMode,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CENT = Decimal("0.01")
RATE_SCALE = 10_000


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; orderio stores aware UTC datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Money(TypeDecorator[Decimal]):
    """A money amount with two decimals, stored exactly as integer cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        amount = value if type(value) is Decimal else Decimal(str(value))
        return int(amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)


class Rate(TypeDecorator[Decimal]):
    """A fraction such as a tax rate (0.19), stored exactly with four decimals."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(str(value)) * RATE_SCALE).to_integral_value(ROUND_HALF_UP))

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / RATE_SCALE).normalize()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --------------------------------------------------------------------------- channels, services


class Channel(Base):
    """A sales channel (storefront)."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    #: Store name written into exports (`<document-no>@<store>`).
    store: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(20), default="en_US")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    #: IANA time zone of the shop (e.g. "Europe/Berlin").
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Raised by every commit that creates orders in the channel; schedulers watch it to run
    #: the "on order creation" exports (SPEC §14).
    orders_version: Mapped[int] = mapped_column(BigInteger, default=0)


class Service(Base):
    """An organisation-level connector used as the configuration type of configurations."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    #: Target directory (exports) or inbox (imports); with SFTP the local staging directory or
    #: local inbox.
    directory: Mapped[str] = mapped_column(Text)
    #: "local" (the directory is where files go and come from) or "sftp" (SPEC §15).
    transport: Mapped[str] = mapped_column(String(10), default="local")
    #: The SFTP server (host, port, user, key_file, password_env, known_hosts,
    #: remote_directory, remote_archive, remote_error); empty for a local service.
    sftp: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    file_prefix: Mapped[str] = mapped_column(String(100), default="orders")
    #: Extension of written files, with the dot (".xml", ".csv").
    file_extension: Mapped[str] = mapped_column(String(20), default=".xml")
    file_pattern: Mapped[str] = mapped_column(String(200), default="*.xml")
    #: None means `<inbox>/archive` and `<inbox>/error`.
    archive_directory: Mapped[str | None] = mapped_column(Text, default=None)
    error_directory: Mapped[str | None] = mapped_column(Text, default=None)
    stylesheet_path: Mapped[str | None] = mapped_column(Text, default=None)
    log_level: Mapped[str] = mapped_column(String(10), default="INFO")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    max_file_size: Mapped[int] = mapped_column(BigInteger, default=200 * 1024 * 1024)
    min_file_age_seconds: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --------------------------------------------------------------------------- configurations


class ScheduleColumns:
    """Scheduling tab (SPEC §5), shared by export and import configurations."""

    schedule_mode: Mapped[str] = mapped_column(String(20), default=ScheduleMode.MANUAL.value)
    schedule_every: Mapped[int | None] = mapped_column(Integer, default=None)
    schedule_unit: Mapped[str | None] = mapped_column(String(10), default=None)
    #: "HH:MM" local time, for days and weeks.
    schedule_at: Mapped[str | None] = mapped_column(String(5), default=None)
    schedule_weekday: Mapped[str | None] = mapped_column(String(10), default=None)
    schedule_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


def _default_order_statuses() -> list[str]:
    return [OrderStatus.NEW.value]


def _all_line_item_statuses() -> list[str]:
    return [s.value for s in LineItemStatus]


def _all_payment_statuses() -> list[str]:
    return [s.value for s in PaymentStatus]


def _all_customer_types() -> list[str]:
    return [s.value for s in CustomerType]


class ExportConfiguration(ScheduleColumns, Base):
    """A named export configuration of a channel (SPEC §3)."""

    __tablename__ = "export_configurations"
    __table_args__ = (UniqueConstraint("channel_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    description: Mapped[str] = mapped_column(Text, default="")

    # Actions
    status_updates_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    order_transitions: Mapped[dict[str, str]] = mapped_column(
        JSON, default=lambda: dict(DEFAULT_ORDER_TRANSITIONS)
    )
    line_item_transitions: Mapped[dict[str, str]] = mapped_column(
        JSON, default=lambda: dict(DEFAULT_LINE_ITEM_TRANSITIONS)
    )

    # Conditions: mandatory multi-selects
    order_statuses: Mapped[list[str]] = mapped_column(JSON, default=_default_order_statuses)
    line_item_statuses: Mapped[list[str]] = mapped_column(JSON, default=_all_line_item_statuses)
    payment_statuses: Mapped[list[str]] = mapped_column(JSON, default=_all_payment_statuses)
    customer_types: Mapped[list[str]] = mapped_column(JSON, default=_all_customer_types)
    # Conditions: optional
    order_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    customer_id: Mapped[str | None] = mapped_column(String(100), default=None)
    created_from: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_to: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    gross_min: Mapped[Decimal | None] = mapped_column(Money, default=None)
    gross_max: Mapped[Decimal | None] = mapped_column(Money, default=None)
    skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    supplier: Mapped[str | None] = mapped_column(String(200), default=None)
    min_age_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    only_not_exported: Mapped[bool] = mapped_column(Boolean, default=False)
    max_orders: Mapped[int | None] = mapped_column(Integer, default=None)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    channel: Mapped[Channel] = relationship()
    service: Mapped[Service] = relationship()


class ImportConfiguration(ScheduleColumns, Base):
    """A named order status import configuration of a channel (SPEC §4)."""

    __tablename__ = "import_configurations"
    __table_args__ = (UniqueConstraint("channel_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    channel: Mapped[Channel] = relationship()
    service: Mapped[Service] = relationship()


class IntakeConfiguration(ScheduleColumns, Base):
    """A named order intake configuration of a channel (SPEC §13)."""

    __tablename__ = "intake_configurations"
    __table_args__ = (UniqueConstraint("channel_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    channel: Mapped[Channel] = relationship()
    service: Mapped[Service] = relationship()


# --------------------------------------------------------------------------- orders


class AddressColumns:
    """A contact with one mailing address, as ICM's `contact` element holds it."""

    title: Mapped[str | None] = mapped_column(String(50), default=None)
    first_name: Mapped[str | None] = mapped_column(String(200), default=None)
    last_name: Mapped[str | None] = mapped_column(String(200), default=None)
    company: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(50), default=None)
    line1: Mapped[str | None] = mapped_column(String(300), default=None)
    line2: Mapped[str | None] = mapped_column(String(300), default=None)
    postal_code: Mapped[str | None] = mapped_column(String(20), default=None)
    city: Mapped[str | None] = mapped_column(String(200), default=None)
    state: Mapped[str | None] = mapped_column(String(100), default=None)
    country: Mapped[str | None] = mapped_column(String(100), default=None)
    country_code: Mapped[str | None] = mapped_column(String(2), default=None)


class Order(Base):
    """An order with its header, buyer and invoice address; children in their own tables."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel_id", "document_no"),
        Index("ix_orders_channel_status_created", "channel_id", "status", "created_at"),
        # The orders search (SPEC §16); lower() indexes for e-mail and names follow the class.
        Index("ix_orders_channel_created", "channel_id", "created_at"),
        Index("ix_orders_customer_no", "customer_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    document_no: Mapped[str] = mapped_column(String(50), index=True)
    status: Mapped[str] = mapped_column(String(40), default=OrderStatus.NEW.value)
    status_reason_code: Mapped[str | None] = mapped_column(String(60), default=None)
    status_reason_text: Mapped[str | None] = mapped_column(Text, default=None)
    to_be_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locale: Mapped[str] = mapped_column(String(20), default="en_US")
    currency: Mapped[str | None] = mapped_column(String(3), default="EUR")
    # Buyer
    customer_no: Mapped[str | None] = mapped_column(String(100), default=None)
    user_id: Mapped[str | None] = mapped_column(String(100), default=None)
    customer_type: Mapped[str] = mapped_column(String(20), default=CustomerType.PRIVATE.value)
    buyer_first_name: Mapped[str | None] = mapped_column(String(200), default=None)
    buyer_last_name: Mapped[str | None] = mapped_column(String(200), default=None)
    buyer_company: Mapped[str | None] = mapped_column(String(200), default=None)
    buyer_email: Mapped[str | None] = mapped_column(String(320), default=None)
    taxation_id: Mapped[str | None] = mapped_column(String(50), default=None)
    # Invoice address (prefixed copy of AddressColumns)
    invoice_title: Mapped[str | None] = mapped_column(String(50), default=None)
    invoice_first_name: Mapped[str | None] = mapped_column(String(200), default=None)
    invoice_last_name: Mapped[str | None] = mapped_column(String(200), default=None)
    invoice_company: Mapped[str | None] = mapped_column(String(200), default=None)
    invoice_email: Mapped[str | None] = mapped_column(String(320), default=None)
    invoice_phone: Mapped[str | None] = mapped_column(String(50), default=None)
    invoice_line1: Mapped[str | None] = mapped_column(String(300), default=None)
    invoice_line2: Mapped[str | None] = mapped_column(String(300), default=None)
    invoice_postal_code: Mapped[str | None] = mapped_column(String(20), default=None)
    invoice_city: Mapped[str | None] = mapped_column(String(200), default=None)
    invoice_state: Mapped[str | None] = mapped_column(String(100), default=None)
    invoice_country: Mapped[str | None] = mapped_column(String(100), default=None)
    invoice_country_code: Mapped[str | None] = mapped_column(String(2), default=None)
    # Totals
    item_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    item_discount_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    shipping_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    payment_costs: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    duties_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    net_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    gross_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), index=True)
    #: The file's `store` (SPEC §13); None means the channel's store.
    store: Mapped[str | None] = mapped_column(String(200), default=None)
    #: `net` or `gross`, as the file gave it.
    calculation_type: Mapped[str | None] = mapped_column(String(20), default=None)
    #: The buyer's order reference (`customer-order-id`).
    customer_order_id: Mapped[str | None] = mapped_column(String(100), default=None)
    cost_center: Mapped[str | None] = mapped_column(String(100), default=None)
    #: The rest of the order's JSON form that has no column (see the module docstring).
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    #: `changed` time of the last applied status import entry (stale detection, SPEC §6.2).
    last_import_change_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    channel: Mapped[Channel] = relationship()
    line_items: Mapped[list[LineItem]] = relationship(
        back_populates="order", order_by="LineItem.position", cascade="all, delete-orphan"
    )
    buckets: Mapped[list[Bucket]] = relationship(
        back_populates="order", order_by="Bucket.id", cascade="all, delete-orphan"
    )
    destinations: Mapped[list[Destination]] = relationship(
        back_populates="order", order_by="Destination.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[PaymentTransaction]] = relationship(
        back_populates="order", order_by="PaymentTransaction.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[StatusHistory]] = relationship(
        back_populates="order", order_by="StatusHistory.id", cascade="all, delete-orphan"
    )


#: Searches by e-mail and name match from the start in any case: a range on lower(column).
for _column in ("buyer_email", "buyer_first_name", "buyer_last_name", "buyer_company"):
    Index(f"ix_orders_{_column}_lower", func.lower(getattr(Order, _column)))


class Destination(AddressColumns, Base):
    """A ship-to address of an order; buckets refer to it."""

    __tablename__ = "destinations"
    __table_args__ = (UniqueConstraint("order_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    #: `destination/@id` in the export (`shipping-method/address-id` refers to it).
    key: Mapped[str] = mapped_column(String(100))
    #: The rest of its part of the order's JSON form (see the module docstring).
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    order: Mapped[Order] = relationship(back_populates="destinations")


class Bucket(Base):
    """A shipping bucket: line items that ship together with one method to one destination."""

    __tablename__ = "buckets"
    __table_args__ = (UniqueConstraint("order_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("destinations.id", ondelete="SET NULL"), default=None
    )
    shipping_method_id: Mapped[str] = mapped_column(String(100), default="STD_GROUND")
    shipping_method_name: Mapped[str] = mapped_column(String(200), default="Standard Ground")
    ship_time_min_days: Mapped[int] = mapped_column(Integer, default=1)
    ship_time_max_days: Mapped[int] = mapped_column(Integer, default=5)
    shipping_net: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    shipping_gross: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    shipping_tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    shipping_tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    #: The rest of its part of the order's JSON form (see the module docstring).
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    order: Mapped[Order] = relationship(back_populates="buckets")
    destination: Mapped[Destination | None] = relationship()


class LineItem(Base):
    """A line item (order item) with product, pricing, taxes and discount."""

    __tablename__ = "line_items"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        Index("ix_line_items_sku", "sku"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40), default=LineItemStatus.NEW.value)
    bucket_id: Mapped[int | None] = mapped_column(
        ForeignKey("buckets.id", ondelete="SET NULL"), default=None
    )
    sku: Mapped[str] = mapped_column(String(100))
    product_name: Mapped[str] = mapped_column(String(300))
    supplier: Mapped[str | None] = mapped_column(String(200), default=None)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit: Mapped[str | None] = mapped_column(String(20), default=None)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Net price of one unit before discounts.
    unit_price_net: Mapped[Decimal] = mapped_column(Money)
    unit_price_gross: Mapped[Decimal] = mapped_column(Money)
    #: Line totals after discount.
    net_total: Mapped[Decimal] = mapped_column(Money)
    gross_total: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    discount_description: Mapped[str | None] = mapped_column(String(300), default=None)
    #: The rest of its part of the order's JSON form (see the module docstring).
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    order: Mapped[Order] = relationship(back_populates="line_items")
    bucket: Mapped[Bucket | None] = relationship()


class PaymentTransaction(Base):
    """A payment transaction of an order."""

    __tablename__ = "payment_transactions"
    __table_args__ = (UniqueConstraint("order_id", "transaction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    #: `standard-payment-transaction/@id` and `payment-transaction/@id` in status files.
    transaction_id: Mapped[str] = mapped_column(String(100))
    #: Payment method, e.g. ISH_INVOICE.
    service_id: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(40), default=PaymentStatus.AUTHORIZED.value)
    #: The rest of its part of the order's JSON form (see the module docstring).
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    order: Mapped[Order] = relationship(back_populates="payments")


class StatusHistory(Base):
    """One status change of an order, line item, payment or the to-be-deleted flag."""

    __tablename__ = "status_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: statuses.Entity value, or "to_be_deleted".
    entity: Mapped[str] = mapped_column(String(20))
    #: Line-item position or payment transaction id; None for the order itself.
    entity_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    from_status: Mapped[str | None] = mapped_column(String(40), default=None)
    to_status: Mapped[str] = mapped_column(String(40))
    reason_code: Mapped[str | None] = mapped_column(String(60), default=None)
    reason_text: Mapped[str | None] = mapped_column(Text, default=None)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), default=None, index=True
    )
    #: What made the change: "export", "import", "intake", "demo", "manual".
    source: Mapped[str] = mapped_column(String(20))

    order: Mapped[Order] = relationship(back_populates="history")


# --------------------------------------------------------------------------- runs


class Run(Base):
    """One execution of a configuration (SPEC §7)."""

    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_config", "kind", "configuration_id", "started_at"),
        Index("ix_runs_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    #: Id of the export or import configuration (by kind); kept when the configuration is deleted.
    configuration_id: Mapped[int] = mapped_column(Integer)
    config_name: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: selected/exported/failed (exports); files/applied/unchanged/rejected/duplicates (imports).
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: Published files (exports) or processed files (imports), as paths.
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    #: True when the run found nothing to do (no matching order, empty inbox): hidden from the
    #: history by default and kept for a shorter time (SPEC §14).
    idle: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Process that runs it ("host:pid:uuid"), for recovery and leases.
    owner: Mapped[str | None] = mapped_column(String(200), default=None)
    #: Export: temporary and final path while the run is active, for recovery (SPEC §7.1).
    temp_path: Mapped[str | None] = mapped_column(Text, default=None)
    final_path: Mapped[str | None] = mapped_column(Text, default=None)
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    #: Export over SFTP: the file's final path on the server while the run is active (SPEC §15).
    remote_path: Mapped[str | None] = mapped_column(Text, default=None)
    #: True once the complete file is on the server under its temporary name (size checked):
    #: from then on only the remote rename or a roll-back removes that temporary file.
    remote_uploaded: Mapped[bool] = mapped_column(Boolean, default=False)

    channel: Mapped[Channel] = relationship()
    log_lines: Mapped[list[RunLogLine]] = relationship(
        back_populates="run", order_by="RunLogLine.id", cascade="all, delete-orphan"
    )
    results: Mapped[list[RunResultRow]] = relationship(
        back_populates="run", order_by="RunResultRow.id", cascade="all, delete-orphan"
    )


class RunLogLine(Base):
    __tablename__ = "run_log_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    level: Mapped[str] = mapped_column(String(10), default="INFO")
    message: Mapped[str] = mapped_column(Text)

    run: Mapped[Run] = relationship(back_populates="log_lines")


class RunResultRow(Base):
    """Outcome of one order in a run: exported / failed / applied / unchanged / rejected."""

    __tablename__ = "run_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), default=None, index=True
    )
    #: As the file or the order gave it (also for unknown orders).
    document_no: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(60), default=None)
    reason_text: Mapped[str | None] = mapped_column(Text, default=None)
    file_name: Mapped[str | None] = mapped_column(String(300), default=None)

    run: Mapped[Run] = relationship(back_populates="results")


class ExportClaim(Base):
    """An order claimed by an active export run; no other run selects it (SPEC §7.1)."""

    __tablename__ = "export_claims"

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)


class ExportLedgerEntry(Base):
    """An order published by an export configuration ("only orders not yet exported")."""

    __tablename__ = "export_ledger"

    configuration_id: Mapped[int] = mapped_column(
        ForeignKey("export_configurations.id", ondelete="CASCADE"), primary_key=True
    )
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), default=None
    )
    file_name: Mapped[str] = mapped_column(String(300))
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportedFile(Base):
    """SHA-256 ledger of applied status files: a file is never applied twice (SPEC §7.2)."""

    __tablename__ = "imported_files"
    __table_args__ = (UniqueConstraint("configuration_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    configuration_id: Mapped[int] = mapped_column(
        ForeignKey("import_configurations.id", ondelete="CASCADE")
    )
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(300))
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), default=None
    )
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntakeFile(Base):
    """SHA-256 ledger of order files taken in: a file is never taken in twice (SPEC §13)."""

    __tablename__ = "intake_files"
    __table_args__ = (UniqueConstraint("configuration_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    configuration_id: Mapped[int] = mapped_column(
        ForeignKey("intake_configurations.id", ondelete="CASCADE")
    )
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(300))
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), default=None
    )
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --------------------------------------------------------------------------- scheduler


class Lease(Base):
    """Exclusive right of one process to run one configuration, until it expires (SPEC §8)."""

    __tablename__ = "leases"

    #: "export:<id>" or "import:<id>".
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerHeartbeat(Base):
    """Last sign of life of a scheduler process."""

    __tablename__ = "scheduler_heartbeats"

    owner: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_tick: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_due_config: Mapped[str | None] = mapped_column(String(200), default=None)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Labels of the runs this scheduler has in progress ("export demo-b2c/erp-export").
    running: Mapped[list[str]] = mapped_column(JSON, default=list)


class ScheduleDue(Base):
    """The next due time of a scheduled configuration, shared by every scheduler (SPEC §14).

    A scheduler runs a due configuration only after it advanced ``next_due_at`` itself with a
    compare-and-set update, so each due time fires once across all processes and machines.
    """

    __tablename__ = "schedule_due"

    #: "export:<configuration id>" or "import:<id>" (the lease key).
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    #: The schedule the due time was computed from; a changed schedule re-seeds it.
    signature: Mapped[str] = mapped_column(String(200))
    #: None for an "on order creation" export with nothing new to export.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: "On order creation": the channel's orders_version already handed to a run.
    seen_version: Mapped[int | None] = mapped_column(BigInteger, default=None)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Process that advanced it last.
    fired_by: Mapped[str | None] = mapped_column(String(200), default=None)


# --------------------------------------------------------------------------- alerts


class Alert(Base):
    """Where and on what to send a notice (SPEC §16: an ``[[alert]]`` of the configuration)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: Events it sends: "failed", "partial", "overdue", "scheduler-silent".
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Only runs of this channel (all channels when None).
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), default=None
    )
    #: Only these configuration names (all when empty).
    configurations: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: How long without any scheduler heartbeat counts as "scheduler-silent".
    silent_minutes: Mapped[int] = mapped_column(Integer, default=10)
    webhook_url: Mapped[str | None] = mapped_column(Text, default=None)
    secret_env: Mapped[str | None] = mapped_column(String(128), default=None)
    smtp_host: Mapped[str | None] = mapped_column(String(255), default=None)
    smtp_port: Mapped[int | None] = mapped_column(Integer, default=None)
    smtp_user: Mapped[str | None] = mapped_column(String(200), default=None)
    password_env: Mapped[str | None] = mapped_column(String(128), default=None)
    smtp_starttls: Mapped[bool] = mapped_column(Boolean, default=True)
    smtp_ca_file: Mapped[str | None] = mapped_column(Text, default=None)
    mail_from: Mapped[str | None] = mapped_column(String(320), default=None)
    mail_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertIncident(Base):
    """Something an alert reported and that has not (or has) been resolved: one notice when it
    opens, one when it is resolved, nothing in between."""

    __tablename__ = "alert_incidents"
    __table_args__ = (Index("ix_alert_incidents_open", "alert_id", "subject", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    #: "export:<configuration id>", "import:<id>" or "scheduler".
    subject: Mapped[str] = mapped_column(String(60))
    event: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AlertNotice(Base):
    """The outbox: a notice to deliver, written in the transaction that caused it."""

    __tablename__ = "alert_notices"
    __table_args__ = (Index("ix_alert_notices_pending", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(20))
    #: "webhook" or "email": each destination is delivered (and retried) on its own.
    target: Mapped[str] = mapped_column(String(10))
    #: The JSON document of SPEC §16 (also the e-mail's content).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A process delivering it right now holds it until then (compare-and-set claim).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Set when delivery was given up after the last attempt.
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


# --------------------------------------------------------------------------- audit trail


class AuditEntry(Base):
    """One change of a configuration, service, channel or alert: who, when, what (SPEC §16).

    Only what the forms hold is recorded, and they hold environment-variable names, never
    secrets.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_channel_at", "channel", "at"),
        Index("ix_audit_log_subject", "kind", "subject_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The operating-system user and host of the process that made the change.
    os_user: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(255))
    #: "export", "import", "intake", "service", "channel", "alert" or "history".
    kind: Mapped[str] = mapped_column(String(20))
    #: The id of the changed row, so that a renamed configuration keeps its trail.
    subject_id: Mapped[int | None] = mapped_column(Integer, default=None)
    name: Mapped[str] = mapped_column(String(200))
    #: The channel a configuration or alert belongs to (a channel's own name for a channel).
    channel: Mapped[str | None] = mapped_column(String(100), default=None)
    #: "create", "update" or "delete".
    action: Mapped[str] = mapped_column(String(10))
    #: ``[[field, before, after], …]``; before is None for a create, after for a delete.
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class StoredSetting(Base):
    """One installation-wide setting, set by the configuration file's ``[history]`` table and
    read by every process on the database (SPEC §14: how long the run history is kept)."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
