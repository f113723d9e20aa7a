"""Reading the orders of an export from the database, batch by batch, as plain data.

The caller holds the ids to export in file order (8 bytes per order); each batch is read with one
query per table (headers, line items, buckets, destinations, payments), looking up primary or
indexed foreign keys in the batch's ids, bound as one value (:mod:`.id_sets`), so the plans are the
same with or without table statistics.
Money and rate columns are read as the integers they are stored as, so no Decimal is built per
value; the writer formats them directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Select,
    select,
    type_coerce,
)

from ...domain.bulk import batched
from ...domain.models import Bucket, Destination, LineItem, Order, PaymentTransaction
from .id_sets import id_list, ids_parameter, in_ids, plan_as_lookups
from .order_xml import (
    ExportBucket,
    ExportContact,
    ExportDestination,
    ExportLineItem,
    ExportOrder,
    ExportPayment,
)

#: Orders per batch: big enough for few round trips, small enough for flat memory.
BATCH_SIZE = 500


def _raw(column: Any) -> Any:
    """A Money/Rate column as its stored integer."""
    return type_coerce(column, BigInteger)


_INVOICE_COLUMNS = (
    Order.invoice_title,
    Order.invoice_first_name,
    Order.invoice_last_name,
    Order.invoice_company,
    Order.invoice_email,
    Order.invoice_phone,
    Order.invoice_line1,
    Order.invoice_line2,
    Order.invoice_postal_code,
    Order.invoice_city,
    Order.invoice_state,
    Order.invoice_country,
    Order.invoice_country_code,
)

_HEADER_COLUMNS = (
    Order.id,
    Order.document_no,
    Order.status,
    type_coerce(Order.created_at, DateTime),
    Order.locale,
    Order.currency,
    Order.to_be_deleted,
    Order.customer_no,
    Order.user_id,
    Order.customer_type,
    Order.buyer_first_name,
    Order.buyer_last_name,
    Order.buyer_company,
    Order.buyer_email,
    Order.taxation_id,
    *_INVOICE_COLUMNS,
    _raw(Order.item_total),
    _raw(Order.item_discount_total),
    _raw(Order.shipping_total),
    _raw(Order.payment_costs),
    _raw(Order.tax_total),
    _raw(Order.duties_total),
    _raw(Order.net_total),
    _raw(Order.gross_total),
    Order.store,
    Order.calculation_type,
    Order.customer_order_id,
    Order.cost_center,
    Order.extra,
)
_FIRST_INVOICE = 15
_FIRST_TOTAL = _FIRST_INVOICE + len(_INVOICE_COLUMNS)
_FIRST_INTAKE = _FIRST_TOTAL + 8


#: The order ids of a batch; the statements are built once per dialect and reused for every batch.
_IDS = id_list("order_ids")


def _line_items_query(dialect: str) -> Select[*tuple[Any, ...]]:
    return (
        select(
            LineItem.order_id,
            LineItem.position,
            LineItem.status,
            LineItem.bucket_id,
            LineItem.sku,
            LineItem.product_name,
            LineItem.supplier,
            LineItem.quantity,
            LineItem.unit,
            LineItem.hidden,
            _raw(LineItem.unit_price_net),
            _raw(LineItem.unit_price_gross),
            _raw(LineItem.net_total),
            _raw(LineItem.gross_total),
            _raw(LineItem.tax_rate),
            _raw(LineItem.tax_amount),
            _raw(LineItem.discount_amount),
            LineItem.discount_description,
            LineItem.extra,
        )
        .where(in_ids(LineItem.order_id, _IDS, dialect))
        .order_by(LineItem.order_id, LineItem.position)
    )


def _buckets_query(dialect: str) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Bucket.order_id,
            Bucket.id,
            Bucket.key,
            Bucket.destination_id,
            Bucket.shipping_method_id,
            Bucket.shipping_method_name,
            Bucket.ship_time_min_days,
            Bucket.ship_time_max_days,
            _raw(Bucket.shipping_net),
            _raw(Bucket.shipping_gross),
            _raw(Bucket.shipping_tax),
            _raw(Bucket.shipping_tax_rate),
            Bucket.extra,
        )
        .where(in_ids(Bucket.order_id, _IDS, dialect))
        .order_by(Bucket.order_id, Bucket.id)
    )


def _destinations_query(dialect: str) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Destination.order_id,
            Destination.id,
            Destination.key,
            Destination.title,
            Destination.first_name,
            Destination.last_name,
            Destination.company,
            Destination.email,
            Destination.phone,
            Destination.line1,
            Destination.line2,
            Destination.postal_code,
            Destination.city,
            Destination.state,
            Destination.country,
            Destination.country_code,
            Destination.extra,
        )
        .where(in_ids(Destination.order_id, _IDS, dialect))
        .order_by(Destination.order_id, Destination.id)
    )


def _payments_query(dialect: str) -> Select[*tuple[Any, ...]]:
    return (
        select(
            PaymentTransaction.order_id,
            PaymentTransaction.transaction_id,
            PaymentTransaction.service_id,
            _raw(PaymentTransaction.amount),
            _raw(PaymentTransaction.cost),
            PaymentTransaction.status,
            PaymentTransaction.extra,
        )
        .where(in_ids(PaymentTransaction.order_id, _IDS, dialect))
        .order_by(PaymentTransaction.order_id, PaymentTransaction.id)
    )


@cache
def batch_statements(dialect: str) -> tuple[Select[*tuple[Any, ...]], ...]:
    """The reads of a batch on ``dialect`` (headers, destinations, buckets, line items,
    payments), each taking the batch's ids as the parameter ``order_ids``."""
    return (
        select(*_HEADER_COLUMNS).where(in_ids(Order.id, _IDS, dialect)),
        _destinations_query(dialect),
        _buckets_query(dialect),
        _line_items_query(dialect),
        _payments_query(dialect),
    )


def _grouped(
    connection: Connection, query: Select[*tuple[Any, ...]], ids: list[int], make: Any
) -> dict[int, tuple[Any, ...]]:
    """Rows ordered by order id (first column) as ``{order id: (make(rest of row), ...)}``."""
    rows = connection.execute(query, {"order_ids": ids}).all()
    return {
        order_id: tuple(make(row[1:]) for row in group)
        for order_id, group in groupby(rows, key=itemgetter(0))
    }


def complete_orders(
    connection: Connection, headers: Sequence[Any], store: str
) -> list[ExportOrder]:
    """Turn a batch of header rows into :class:`ExportOrder` values with all their children.

    ``store`` is the channel's; an order taken in from a file with its own store keeps that.

    Buckets name their destination and line items their bucket by key; the keys are looked up
    here among the batch's own rows (no joins, so every query is a plain indexed lookup).
    """
    ids = [row[0] for row in headers]
    destination_keys: dict[int, str] = {}
    bucket_keys: dict[int, str] = {}
    make_contact = ExportContact._make

    def destination(values: Sequence[Any]) -> ExportDestination:
        destination_keys[values[0]] = values[1]
        return ExportDestination(values[1], make_contact(values[2:-1]), values[-1])

    def bucket(values: Sequence[Any]) -> ExportBucket:
        bucket_keys[values[0]] = values[1]
        return ExportBucket(values[1], destination_keys.get(values[2]), *values[3:])

    def line_item(values: Sequence[Any]) -> ExportLineItem:
        return ExportLineItem(values[0], values[1], bucket_keys.get(values[2]), *values[3:])

    _, destinations_query, buckets_query, items_query, payments_query = batch_statements(
        connection.dialect.name
    )
    destinations = _grouped(connection, destinations_query, ids, destination)
    buckets = _grouped(connection, buckets_query, ids, bucket)
    items = _grouped(connection, items_query, ids, line_item)
    payments = _grouped(connection, payments_query, ids, ExportPayment._make)
    empty: tuple[Any, ...] = ()
    return [
        ExportOrder(  # type: ignore[call-arg]
            row[0],
            row[1],
            row[_FIRST_INTAKE] or store,  # the file's store, else the channel's (SPEC §13)
            *row[2:_FIRST_INVOICE],
            make_contact(row[_FIRST_INVOICE:_FIRST_TOTAL]),
            *row[_FIRST_TOTAL:_FIRST_INTAKE],
            items.get(row[0], empty),
            buckets.get(row[0], empty),
            destinations.get(row[0], empty),
            payments.get(row[0], empty),
            *row[_FIRST_INTAKE + 1 :],
        )
        for row in headers
    ]


def explain_batch_reads(connection: Connection, ids: Sequence[int]) -> list[list[str]]:
    """The plans of a batch's reads for ``ids`` (one list of lines per statement), as the
    export's reads get them (:func:`plan_as_lookups`)."""
    plan_as_lookups(connection)
    dialect = connection.dialect
    postgresql = dialect.name == "postgresql"
    value = ids_parameter(ids, dialect)
    plans = []
    for statement in batch_statements(dialect.name):
        sql = str(statement.compile(dialect=dialect))
        explain = f"EXPLAIN {sql}" if postgresql else f"EXPLAIN QUERY PLAN {sql}"
        parameters: Any = {"order_ids": value} if postgresql else (value,)
        rows = connection.exec_driver_sql(explain, parameters).all()
        plans.append([str(row[0] if postgresql else row[-1]) for row in rows])
    return plans


def _read_batch(connection: Connection, ids: Sequence[int], store: str) -> list[ExportOrder]:
    headers = batch_statements(connection.dialect.name)[0]
    rows = {row[0]: row for row in connection.execute(headers, {"order_ids": ids}).all()}
    return complete_orders(connection, [rows[i] for i in ids if i in rows], store)


def read_orders(connection: Connection, ids: Sequence[int], store: str) -> list[ExportOrder]:
    """The orders with ``ids``, in the order of ``ids`` (ids of deleted orders are skipped)."""
    plan_as_lookups(connection)
    return _read_batch(connection, list(ids), store)


def order_batches(
    connection: Connection, ids: Sequence[int], store: str, *, batch_size: int = BATCH_SIZE
) -> Iterator[list[ExportOrder]]:
    """The orders with ``ids`` in batches, in the order of ``ids``, all in the connection's one
    transaction (planned as lookups once, for all of them)."""
    plan_as_lookups(connection)
    for batch in batched(ids, batch_size):
        yield _read_batch(connection, batch, store)
