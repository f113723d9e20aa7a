"""The Conditions tab of an export configuration as one SQL statement (SPEC §3).

:func:`matching_orders_query` turns every criterion into SQL, so that the database selects the
orders and nothing is filtered afterwards in Python. The export engine claims exactly the ids this
statement returns; the TUI shows :func:`count_matching_orders` as "N orders match now".

Every criterion is one :class:`Condition` of :func:`export_conditions`: its ``clause()`` is a
where-clause of that statement and its ``check()`` the same test on one order's
:class:`OrderFacts`, which is how `explain` (SPEC §16) says why an order is (not) selected. One
list serves both, so the explanation and the selection can not disagree.

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

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from .models import (
    CENT,
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
    and did not change come last then, see the module's docstring). The where-clauses are those of
    :func:`export_conditions`, which also explain a single order.
    """
    clauses = [condition.clause() for condition in export_conditions(configuration, now=now)]
    query = select(Order.id).where(and_(*clauses))
    if configuration.max_orders is not None and configuration.max_orders > 0:
        order_by: list[Any] = [Order.created_at, Order.id]
        if configuration.id is not None:
            order_by.insert(0, case((_failed_unchanged(configuration.id), 1), else_=0))
        return query.order_by(*order_by).limit(configuration.max_orders)
    return query.order_by(Order.created_at, Order.id)


# --------------------------------------------------------------------------- the conditions


@dataclass(frozen=True)
class OrderFacts:
    """What the conditions look at of one order, read by :func:`order_facts`."""

    id: int
    channel_id: int
    #: The name of the order's channel, as explanations show it.
    channel: str
    document_no: str
    status: str
    customer_type: str
    customer_no: str | None
    created_at: datetime
    gross_total: Decimal
    line_item_statuses: frozenset[str]
    payment_statuses: frozenset[str]
    skus: frozenset[str]
    suppliers: frozenset[str]
    #: Export configurations whose ledger has the order.
    ledger_configuration_ids: frozenset[int]
    #: The active (RUNNING) export run that claimed the order, if any.
    claimed_by_run: int | None


@dataclass(frozen=True)
class ConditionCheck:
    """One condition applied to one order: what it requires, what the order has, and the verdict."""

    check: str
    expected: Any
    actual: Any
    passed: bool

    def to_json(self) -> dict[str, Any]:
        """The ``{"check", "expected", "actual"}`` entry of `explain --json` (SPEC §16)."""
        return {"check": self.check, "expected": self.expected, "actual": self.actual}


class Condition(ABC):
    """One criterion of a configuration: its SQL where-clause and the same test on one order."""

    name: str

    @abstractmethod
    def clause(self) -> ColumnElement[bool]:
        """The where-clause over :class:`Order` that selects the orders meeting the criterion."""

    @abstractmethod
    def check(self, facts: OrderFacts) -> ConditionCheck:
        """Whether the order of ``facts`` meets the criterion, with its value and the required."""


def _shown(value: Any) -> Any:
    """A value as `explain --json` prints it."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value


@dataclass(frozen=True, eq=False)
class _Among(Condition):
    """An order column has one of the allowed values."""

    name: str
    column: Any
    field: str
    allowed: tuple[Any, ...]

    def clause(self) -> ColumnElement[bool]:
        return cast(ColumnElement[bool], self.column.in_(self.allowed))

    def check(self, facts: OrderFacts) -> ConditionCheck:
        actual = getattr(facts, self.field)
        return ConditionCheck(self.name, list(self.allowed), actual, actual in self.allowed)


@dataclass(frozen=True, eq=False)
class _AnyRelated(Condition):
    """At least one line item or payment of the order has one of the allowed values."""

    name: str
    table: Any
    column: Any
    field: str
    allowed: tuple[str, ...]

    def clause(self) -> ColumnElement[bool]:
        return exists().where(self.table.order_id == Order.id, self.column.in_(self.allowed))

    def check(self, facts: OrderFacts) -> ConditionCheck:
        actual: frozenset[str] = getattr(facts, self.field)
        passed = not actual.isdisjoint(self.allowed)
        return ConditionCheck(self.name, list(self.allowed), sorted(actual), passed)


@dataclass(frozen=True, eq=False)
class _Bound(Condition):
    """An order column is at least (``lower``) or at most (not ``lower``) a bound."""

    name: str
    column: Any
    field: str
    bound: Any
    lower: bool

    def clause(self) -> ColumnElement[bool]:
        if self.lower:
            return cast(ColumnElement[bool], self.column >= self.bound)
        return cast(ColumnElement[bool], self.column <= self.bound)

    def check(self, facts: OrderFacts) -> ConditionCheck:
        actual = getattr(facts, self.field)
        passed = actual is not None and (
            actual >= self.bound if self.lower else actual <= self.bound
        )
        expected = f"{'>=' if self.lower else '<='} {_shown(self.bound)}"
        return ConditionCheck(self.name, expected, _shown(actual), passed)


@dataclass(frozen=True, eq=False)
class _SameChannel(Condition):
    """Only orders of the configuration's channel."""

    channel_id: int
    name: str = "channel"

    def clause(self) -> ColumnElement[bool]:
        return Order.channel_id == self.channel_id

    def check(self, facts: OrderFacts) -> ConditionCheck:
        passed = facts.channel_id == self.channel_id
        return ConditionCheck(self.name, "the configuration's channel", facts.channel, passed)


@dataclass(frozen=True, eq=False)
class _NotInLedger(Condition):
    """Only orders not yet exported by this configuration."""

    configuration_id: int
    name: str = "ledger"

    def clause(self) -> ColumnElement[bool]:
        return ~exists().where(
            ExportLedgerEntry.configuration_id == self.configuration_id,
            ExportLedgerEntry.order_id == Order.id,
        )

    def check(self, facts: OrderFacts) -> ConditionCheck:
        in_ledger = self.configuration_id in facts.ledger_configuration_ids
        actual = "in this configuration's ledger" if in_ledger else "not in the ledger"
        return ConditionCheck(
            self.name, "not yet exported by this configuration", actual, not in_ledger
        )


@dataclass(frozen=True, eq=False)
class _NotClaimed(Condition):
    """Not claimed by an active export run (SPEC §7.1)."""

    name: str = "claim"

    def clause(self) -> ColumnElement[bool]:
        return ~exists().where(
            ExportClaim.order_id == Order.id,
            Run.id == ExportClaim.run_id,
            Run.state == RunState.RUNNING.value,
        )

    def check(self, facts: OrderFacts) -> ConditionCheck:
        run = facts.claimed_by_run
        actual = f"claimed by run {run}" if run is not None else "not claimed"
        return ConditionCheck(self.name, "not claimed by an active run", actual, run is None)


def export_conditions(configuration: ExportConfiguration, *, now: datetime) -> list[Condition]:
    """Every criterion of the configuration that restricts the selection, in the Conditions tab's
    order, then the ledger and the claims of active runs. :func:`matching_orders_query` selects
    with their clauses and :func:`explain_conditions` checks one order with them."""
    conditions: list[Condition] = [
        _SameChannel(configuration.channel_id),
        _Among(
            "order_status",
            Order.status,
            "status",
            tuple(_values(configuration.order_statuses, [OrderStatus.NEW])),
        ),
    ]
    line_item_statuses = _values(configuration.line_item_statuses, _ALL_LINE_ITEM_STATUSES)
    if not set(line_item_statuses) >= _ALL_LINE_ITEM_STATUSES:
        conditions.append(
            _AnyRelated(
                "line_item_status",
                LineItem,
                LineItem.status,
                "line_item_statuses",
                tuple(line_item_statuses),
            )
        )
    payment_statuses = _values(configuration.payment_statuses, _ALL_PAYMENT_STATUSES)
    if not set(payment_statuses) >= _ALL_PAYMENT_STATUSES:
        conditions.append(
            _AnyRelated(
                "payment_status",
                PaymentTransaction,
                PaymentTransaction.status,
                "payment_statuses",
                tuple(payment_statuses),
            )
        )
    conditions.append(
        _Among(
            "customer_type",
            Order.customer_type,
            "customer_type",
            tuple(_values(configuration.customer_types, CustomerType)),
        )
    )

    order_numbers = [n.strip() for n in configuration.order_numbers or [] if n and n.strip()]
    if order_numbers:
        conditions.append(
            _Among("order_numbers", Order.document_no, "document_no", tuple(order_numbers))
        )
    customer_id = (configuration.customer_id or "").strip()
    if customer_id:
        conditions.append(_Among("customer_id", Order.customer_no, "customer_no", (customer_id,)))

    bounds = (
        ("created_from", Order.created_at, "created_at", configuration.created_from, True),
        ("created_to", Order.created_at, "created_at", configuration.created_to, False),
        ("gross_min", Order.gross_total, "gross_total", _money(configuration.gross_min), True),
        ("gross_max", Order.gross_total, "gross_total", _money(configuration.gross_max), False),
    )
    conditions += [_Bound(*bound) for bound in bounds if bound[3] is not None]

    skus = [s.strip() for s in configuration.skus or [] if s and s.strip()]
    if skus:
        conditions.append(_AnyRelated("skus", LineItem, LineItem.sku, "skus", tuple(skus)))
    supplier = (configuration.supplier or "").strip()
    if supplier:
        conditions.append(
            _AnyRelated("supplier", LineItem, LineItem.supplier, "suppliers", (supplier,))
        )
    if configuration.min_age_minutes:
        settled = now - timedelta(minutes=configuration.min_age_minutes)
        conditions.append(_Bound("min_age_minutes", Order.created_at, "created_at", settled, False))

    # A configuration that is not saved yet has no ledger, so the condition excludes nothing.
    if configuration.only_not_exported and configuration.id is not None:
        conditions.append(_NotInLedger(configuration.id))
    conditions.append(_NotClaimed())
    return conditions


def _money(value: Decimal | None) -> Decimal | None:
    """A money bound as the database compares it: rounded to cents like :class:`Money` stores."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def explain_conditions(
    configuration: ExportConfiguration, facts: OrderFacts, *, now: datetime
) -> list[ConditionCheck]:
    """Every condition of :func:`export_conditions` applied to the order of ``facts``."""
    return [condition.check(facts) for condition in export_conditions(configuration, now=now)]


def order_facts(session: Session, order: Order) -> OrderFacts:
    """What the conditions look at of ``order``: its columns, its line items' and payments'
    values, the ledgers that have it and the active run that claimed it."""
    items = session.execute(
        select(LineItem.status, LineItem.sku, LineItem.supplier).where(
            LineItem.order_id == order.id
        )
    ).all()
    payments = session.scalars(
        select(PaymentTransaction.status).where(PaymentTransaction.order_id == order.id)
    )
    ledgers = session.scalars(
        select(ExportLedgerEntry.configuration_id).where(ExportLedgerEntry.order_id == order.id)
    )
    claimed_by = session.scalar(
        select(ExportClaim.run_id)
        .join(Run, Run.id == ExportClaim.run_id)
        .where(ExportClaim.order_id == order.id, Run.state == RunState.RUNNING.value)
    )
    return OrderFacts(
        id=order.id,
        channel_id=order.channel_id,
        channel=order.channel.name,
        document_no=order.document_no,
        status=order.status,
        customer_type=order.customer_type,
        customer_no=order.customer_no,
        created_at=order.created_at,
        gross_total=order.gross_total,
        line_item_statuses=frozenset(status for status, _, _ in items),
        payment_statuses=frozenset(payments),
        skus=frozenset(sku for _, sku, _ in items),
        suppliers=frozenset(supplier for _, _, supplier in items if supplier is not None),
        ledger_configuration_ids=frozenset(ledgers),
        claimed_by_run=claimed_by,
    )


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
