"""Status codes and the one table that says who may change which status to what (SPEC §2).

Every status decision in the engines goes through :func:`transition_allowed`; nothing else in the
code base encodes which transitions are legal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "CREATED"
    PENDING = "PENDING"
    NEW = "NEW"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    INPROGRESS = "INPROGRESS"
    CANCELLEDANDEXPORTED = "CANCELLEDANDEXPORTED"
    NOTDELIVERABLE = "NOTDELIVERABLE"
    DELIVERED = "DELIVERED"
    RETURNED = "RETURNED"
    EXPORTED = "EXPORTED"
    EXPORTFAILED = "EXPORTFAILED"
    PAYMENTCANCELLED = "PAYMENTCANCELLED"
    MANUAL_INTERVENTION_NEEDED = "MANUAL_INTERVENTION_NEEDED"


class LineItemStatus(StrEnum):
    NEW = "NEW"
    INPROGRESS = "INPROGRESS"
    CANCELLED = "CANCELLED"
    CANCELLEDANDEXPORTED = "CANCELLEDANDEXPORTED"
    PARTDELIVERED = "PARTDELIVERED"
    DELIVERED = "DELIVERED"
    RETURNED = "RETURNED"


class PaymentStatus(StrEnum):
    CREATED = "CREATED"
    AUTHORIZED = "AUTHORIZED"
    CAPTURED = "CAPTURED"
    VOIDEDAUTHORIZATION = "VOIDEDAUTHORIZATION"


class CustomerType(StrEnum):
    PRIVATE = "PRIVATE"
    SMB = "SMB"


class Entity(StrEnum):
    """What a status belongs to."""

    ORDER = "order"
    LINE_ITEM = "line_item"
    PAYMENT = "payment"


class Actor(StrEnum):
    """Who changes a status."""

    EXPORT = "export"
    IMPORT = "import"


class RunKind(StrEnum):
    EXPORT = "export"
    IMPORT = "import"
    INTAKE = "intake"


class RunState(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"

    @property
    def exit_code(self) -> int:
        """Exit code of the command line for a run that ended in this state (SPEC §10)."""
        return {RunState.SUCCEEDED: 0, RunState.SKIPPED: 0, RunState.PARTIAL: 3}.get(self, 1)


class Trigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    CLI = "cli"


class ServiceKind(StrEnum):
    EXPORT_XML = "order-export-xml"
    EXPORT_XSLT = "order-export-xslt"
    STATUS_IMPORT_XML = "order-status-import-xml"
    INTAKE_XML = "order-intake-xml"
    INTAKE_JSONL = "order-intake-jsonl"

    @property
    def is_export(self) -> bool:
        return self in (ServiceKind.EXPORT_XML, ServiceKind.EXPORT_XSLT)

    @property
    def is_intake(self) -> bool:
        """Reads order files into new orders (SPEC §13)."""
        return self in (ServiceKind.INTAKE_XML, ServiceKind.INTAKE_JSONL)

    @property
    def reads_inbox(self) -> bool:
        """Takes files from an inbox with the exactly-once protocol of SPEC §7.2."""
        return not self.is_export


class ScheduleMode(StrEnum):
    MANUAL = "manual"
    INTERVAL = "interval"
    #: Exports only: run when an intake committed new orders in the channel (SPEC §14).
    ON_ORDER_CREATION = "on-order-creation"


class ScheduleUnit(StrEnum):
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


#: Status an order gets when its export failed (fixed, SPEC §3).
EXPORT_FAILURE_STATUS = OrderStatus.EXPORTFAILED

#: Order statuses that mean "handed over to the ERP": only such orders accept status imports.
HANDED_OVER = frozenset(
    {OrderStatus.EXPORTED, OrderStatus.INPROGRESS, OrderStatus.CANCELLEDANDEXPORTED}
)

IMPORT_ORDER_TARGETS = frozenset(
    {
        OrderStatus.COMPLETED,
        OrderStatus.NOTDELIVERABLE,
        OrderStatus.DELIVERED,
        OrderStatus.RETURNED,
    }
)
IMPORT_LINE_ITEM_TARGETS = frozenset(
    {LineItemStatus.PARTDELIVERED, LineItemStatus.DELIVERED, LineItemStatus.RETURNED}
)
IMPORT_PAYMENT_TARGETS = frozenset({PaymentStatus.CAPTURED, PaymentStatus.VOIDEDAUTHORIZATION})

#: Default transitions of a new export configuration (SPEC §2).
DEFAULT_ORDER_TRANSITIONS: dict[str, str] = {
    OrderStatus.NEW: OrderStatus.EXPORTED,
    OrderStatus.CANCELLED: OrderStatus.CANCELLEDANDEXPORTED,
}
DEFAULT_LINE_ITEM_TRANSITIONS: dict[str, str] = {
    LineItemStatus.NEW: LineItemStatus.INPROGRESS,
    LineItemStatus.CANCELLED: LineItemStatus.CANCELLEDANDEXPORTED,
}


@dataclass(frozen=True)
class TransitionRule:
    """The statuses an actor may move an entity from, and to."""

    sources: frozenset[str]
    targets: frozenset[str]

    def allows(self, source: str, target: str) -> bool:
        return source in self.sources and target in self.targets


_EXPORT_ORDER_SOURCES = frozenset(
    {OrderStatus.NEW, OrderStatus.PENDING, OrderStatus.EXPORTFAILED, OrderStatus.CANCELLED}
)

#: The one transition table (SPEC §2). Cancelled orders and items only ever become
#: CANCELLEDANDEXPORTED, which :func:`transition_allowed` enforces on top of this table.
TRANSITIONS: dict[tuple[Actor, Entity], TransitionRule] = {
    (Actor.EXPORT, Entity.ORDER): TransitionRule(
        sources=_EXPORT_ORDER_SOURCES,
        targets=frozenset(
            {OrderStatus.EXPORTED, OrderStatus.INPROGRESS, OrderStatus.CANCELLEDANDEXPORTED}
        ),
    ),
    (Actor.EXPORT, Entity.LINE_ITEM): TransitionRule(
        sources=frozenset({LineItemStatus.NEW, LineItemStatus.CANCELLED}),
        targets=frozenset({LineItemStatus.INPROGRESS, LineItemStatus.CANCELLEDANDEXPORTED}),
    ),
    (Actor.IMPORT, Entity.ORDER): TransitionRule(
        sources=HANDED_OVER | IMPORT_ORDER_TARGETS,
        targets=IMPORT_ORDER_TARGETS,
    ),
    (Actor.IMPORT, Entity.LINE_ITEM): TransitionRule(
        sources=frozenset({LineItemStatus.NEW, LineItemStatus.INPROGRESS})
        | IMPORT_LINE_ITEM_TARGETS,
        targets=IMPORT_LINE_ITEM_TARGETS,
    ),
    (Actor.IMPORT, Entity.PAYMENT): TransitionRule(
        sources=frozenset({PaymentStatus.CREATED, PaymentStatus.AUTHORIZED}),
        targets=IMPORT_PAYMENT_TARGETS,
    ),
}

_CANCELLED = {OrderStatus.CANCELLED, LineItemStatus.CANCELLED}


def transition_allowed(actor: Actor, entity: Entity, source: str, target: str) -> bool:
    """Whether ``actor`` may move an ``entity`` from status ``source`` to ``target``.

    Setting a status that is already set is not a transition: callers count it as unchanged
    (check :func:`is_settable` for whether the target itself is allowed).
    """
    rule = TRANSITIONS.get((actor, entity))
    if rule is None or not rule.allows(source, target):
        return False
    cancelled_source = source in _CANCELLED
    cancelled_target = target in (
        OrderStatus.CANCELLEDANDEXPORTED,
        LineItemStatus.CANCELLEDANDEXPORTED,
    )
    return not (actor is Actor.EXPORT and cancelled_source != cancelled_target)


def is_settable(actor: Actor, entity: Entity, target: str) -> bool:
    """Whether ``actor`` may ever set ``target`` on an ``entity``."""
    rule = TRANSITIONS.get((actor, entity))
    return rule is not None and target in rule.targets


def import_accepts_order(status: str) -> bool:
    """Whether a status import may touch an order in ``status`` (handed over or imported)."""
    return status in TRANSITIONS[(Actor.IMPORT, Entity.ORDER)].sources


#: What the audit trail records changes of.
AUDIT_KINDS = ("export", "import", "intake", "service", "channel", "alert", "history")
#: Audit entries shown when no limit is given.
DEFAULT_AUDIT_LIMIT = 100
