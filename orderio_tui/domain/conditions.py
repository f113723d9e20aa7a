"""The Conditions tab of an export configuration as one SQL statement (SPEC §3).

:func:`matching_orders_query` turns every criterion into SQL, so that the database selects the
orders and nothing is filtered afterwards in Python. The export engine claims exactly the ids this
statement returns; the TUI shows :func:`count_matching_orders` as "N orders match now".

Three choices where the criteria leave room:

- A line-item (payment) status condition that selects *every* known status places no restriction,
  so orders without any line item (payment) still match. Otherwise an order matches when any of its
  line items (payments) has one of the selected statuses.
- A mandatory list that is empty matches no order (the form will not let it be saved that way,
  but the live count of an unfinished form must not crash).
- With a maximum of orders per run, orders that already failed validation in a run of this
  configuration and have not changed since (the order row was not updated after that run ended;
  a retry or a data fix updates it) come last. They are still selected when there is room, but
  can no longer fill the quota run after run and starve the valid orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from .models import (
    ExportClaim,
    ExportConfiguration,
    ExportLedgerEntry,
    LineItem,
    Order,
    PaymentTransaction,
    Run,
    RunResultRow,
    utcnow,
)
from .statuses import (
    CustomerType,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    RunKind,
    RunState,
)

_ALL_LINE_ITEM_STATUSES = frozenset(s.value for s in LineItemStatus)
_ALL_PAYMENT_STATUSES = frozenset(s.value for s in PaymentStatus)


def _values(selected: Iterable[str] | None, default: Iterable[str]) -> list[str]:
    """The selected values of a multi-select; a transient form's unset field means the default."""
    if selected is None:
        return [str(v) for v in default]
    return [str(v) for v in selected]


def matching_orders_query(configuration: ExportConfiguration, *, now: datetime) -> Select[int]:
    """One statement selecting the ids of the orders the configuration exports now.

    Covers every criterion of SPEC §3 (channel, statuses, customer types, order numbers, customer
    id, creation date range, gross range, SKUs, supplier, minimum age, the configuration's export
    ledger), leaves out orders claimed by an active export run, orders the result by creation time
    and id, and stops at the configuration's maximum orders per run (orders that failed before
    and did not change come last then, see the module's docstring).
    """
    conditions = [Order.channel_id == configuration.channel_id]

    order_statuses = _values(configuration.order_statuses, [OrderStatus.NEW])
    conditions.append(Order.status.in_(order_statuses))

    line_item_statuses = _values(configuration.line_item_statuses, _ALL_LINE_ITEM_STATUSES)
    if not set(line_item_statuses) >= _ALL_LINE_ITEM_STATUSES:
        conditions.append(
            exists().where(LineItem.order_id == Order.id, LineItem.status.in_(line_item_statuses))
        )

    payment_statuses = _values(configuration.payment_statuses, _ALL_PAYMENT_STATUSES)
    if not set(payment_statuses) >= _ALL_PAYMENT_STATUSES:
        conditions.append(
            exists().where(
                PaymentTransaction.order_id == Order.id,
                PaymentTransaction.status.in_(payment_statuses),
            )
        )

    customer_types = _values(configuration.customer_types, CustomerType)
    conditions.append(Order.customer_type.in_(customer_types))

    order_numbers = [n.strip() for n in configuration.order_numbers or [] if n and n.strip()]
    if order_numbers:
        conditions.append(Order.document_no.in_(order_numbers))

    customer_id = (configuration.customer_id or "").strip()
    if customer_id:
        conditions.append(Order.customer_no == customer_id)

    if configuration.created_from is not None:
        conditions.append(Order.created_at >= configuration.created_from)
    if configuration.created_to is not None:
        conditions.append(Order.created_at <= configuration.created_to)

    if configuration.gross_min is not None:
        conditions.append(Order.gross_total >= configuration.gross_min)
    if configuration.gross_max is not None:
        conditions.append(Order.gross_total <= configuration.gross_max)

    skus = [s.strip() for s in configuration.skus or [] if s and s.strip()]
    if skus:
        conditions.append(exists().where(LineItem.order_id == Order.id, LineItem.sku.in_(skus)))

    supplier = (configuration.supplier or "").strip()
    if supplier:
        conditions.append(
            exists().where(LineItem.order_id == Order.id, LineItem.supplier == supplier)
        )

    if configuration.min_age_minutes:
        conditions.append(
            Order.created_at <= now - timedelta(minutes=configuration.min_age_minutes)
        )

    # A configuration that is not saved yet has no ledger, so the condition excludes nothing.
    if configuration.only_not_exported and configuration.id is not None:
        conditions.append(
            ~exists().where(
                ExportLedgerEntry.configuration_id == configuration.id,
                ExportLedgerEntry.order_id == Order.id,
            )
        )

    conditions.append(
        ~exists()
        .where(ExportClaim.order_id == Order.id)
        .where(Run.id == ExportClaim.run_id, Run.state == RunState.RUNNING.value)
    )

    query = select(Order.id).where(and_(*conditions))
    if configuration.max_orders is not None and configuration.max_orders > 0:
        order_by: list[Any] = [Order.created_at, Order.id]
        if configuration.id is not None:
            order_by.insert(0, case((_failed_unchanged(configuration.id), 1), else_=0))
        return query.order_by(*order_by).limit(configuration.max_orders)
    return query.order_by(Order.created_at, Order.id)


def _failed_unchanged(configuration_id: int) -> Any:
    """The order failed validation in a finished run of this configuration and was not updated
    after that run ended (a retry or a data fix updates it)."""
    return (
        exists()
        .where(RunResultRow.order_id == Order.id, RunResultRow.outcome == "failed")
        .where(
            Run.id == RunResultRow.run_id,
            Run.kind == RunKind.EXPORT.value,
            Run.configuration_id == configuration_id,
            Run.finished_at >= Order.updated_at,
        )
    )


def count_matching_orders(
    session: Session, configuration: ExportConfiguration, *, now: datetime | None = None
) -> int:
    """How many orders a run of ``configuration`` would select now (at most max orders per run).

    Works for a saved configuration and for a transient one built from a form (``channel_id``
    set); nothing is added to the session.
    """
    query = matching_orders_query(configuration, now=now or utcnow())
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
