"""Checking and applying the order entries of a valid status file (SPEC §2, §6.2, §7.2).

Each entry is checked on its own and applied whole or not at all: an unknown order, an order of
another channel, an order not handed over, a status the import may not set or a transition the
table does not allow, an unknown line-item position or payment id, or a stale ``changed`` time
rejects that entry only. Which statuses may change is decided by :mod:`orderio_tui.domain.statuses`
alone. Entries are handled in batches with a few set-based statements each, inside the caller's
transaction; an order that appears twice sees the effect of its earlier entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ...domain.models import (
    Channel,
    LineItem,
    Order,
    PaymentTransaction,
    StatusHistory,
    utcnow,
)
from ...domain.statuses import (
    HANDED_OVER,
    TRANSITIONS,
    Actor,
    Entity,
    import_accepts_order,
    is_settable,
    transition_allowed,
)
from .reader import StatusEntry, parse_changed

#: StatusHistory.entity of a change of the to-be-deleted flag.
TO_BE_DELETED_ENTITY = "to_be_deleted"
HISTORY_SOURCE = "import"
#: Longest document number a run result stores (RunResultRow.document_no).
_RESULT_REF_LENGTH = 100

_orders = Order.__table__
_line_items = LineItem.__table__
_payments = PaymentTransaction.__table__
_channels = Channel.__table__
_history = StatusHistory.__table__


class RejectReason(StrEnum):
    """Why an entry was rejected (RunResultRow.reason_code)."""

    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    OTHER_CHANNEL = "OTHER_CHANNEL"
    NOT_HANDED_OVER = "NOT_HANDED_OVER"
    STATUS_NOT_SETTABLE = "STATUS_NOT_SETTABLE"
    TRANSITION_NOT_ALLOWED = "TRANSITION_NOT_ALLOWED"
    UNKNOWN_LINE_ITEM = "UNKNOWN_LINE_ITEM"
    UNKNOWN_PAYMENT = "UNKNOWN_PAYMENT"
    STALE = "STALE"
    INVALID_CHANGED = "INVALID_CHANGED"


class EntryOutcome(StrEnum):
    """RunResultRow.outcome of an import entry."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ImportScope:
    """Where the entries of one file go: the channel, the run and the file's name."""

    channel_id: int
    channel_name: str
    store: str
    run_id: int
    file_name: str


@dataclass(frozen=True)
class Rejection:
    """A rejected entry, for the run results and the file's report."""

    line: int
    order_ref: str
    reason_code: RejectReason
    reason_text: str

    def report_line(self) -> str:
        return f"line {self.line}: order '{self.order_ref}': {self.reason_code}: {self.reason_text}"


@dataclass
class BatchResult:
    """What one batch did: its counts, its rejections and one result row per entry."""

    applied: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    #: Dicts for RunJournal.add_results.
    results: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _OrderState:
    id: int
    document_no: str
    status: str
    to_be_deleted: bool
    last_change: datetime | None
    #: position -> [line item id, status]
    line_items: dict[int, list[Any]] = field(default_factory=dict)
    #: transaction id -> [payment id, status]
    payments: dict[str, list[Any]] = field(default_factory=dict)
    changed: bool = False


class _Rejected(Exception):
    def __init__(self, code: RejectReason, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def _settable_text(entity: Entity) -> str:
    return ", ".join(sorted(TRANSITIONS[(Actor.IMPORT, entity)].targets))


class EntryApplier:
    """Checks and applies batches of entries of one file in the caller's transaction."""

    def __init__(self, session: Session, scope: ImportScope) -> None:
        self.session = session
        self.scope = scope
        self._history_text = f"status file {scope.file_name}"
        self._update_order = (
            update(_orders)
            .where(_orders.c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                to_be_deleted=bindparam("b_to_be_deleted"),
                last_import_change_at=bindparam("b_changed"),
                updated_at=bindparam("b_now"),
            )
        )
        self._update_line_item = (
            update(_line_items)
            .where(_line_items.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"))
        )
        self._update_payment = (
            update(_payments)
            .where(_payments.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"))
        )

    # ------------------------------------------------------------------ batch

    def apply(self, entries: list[StatusEntry]) -> BatchResult:
        """Check every entry, apply the accepted ones; returns counts, rejections and results."""
        result = BatchResult()
        if not entries:
            return result
        now = utcnow()
        states = self._load_orders(entries)
        foreign = self._foreign_orders(entries, states)
        history: list[dict[str, Any]] = []
        line_item_updates: dict[int, str] = {}
        payment_updates: dict[int, str] = {}
        for entry in entries:
            state = self._resolve(entry.order_ref, states)
            try:
                if state is None:
                    raise self._not_found(entry.order_ref, foreign)
                changes = self._check(entry, state)
            except _Rejected as rejected:
                rejection = Rejection(entry.line, entry.order_ref, rejected.code, rejected.text)
                result.rejected += 1
                result.rejections.append(rejection)
                result.results.append(
                    {
                        "order_id": state.id if state else None,
                        "document_no": state.document_no
                        if state
                        else entry.order_ref[:_RESULT_REF_LENGTH],
                        "outcome": EntryOutcome.REJECTED.value,
                        "reason_code": rejection.reason_code.value,
                        "reason_text": rejection.reason_text,
                        "file_name": self.scope.file_name,
                    }
                )
                continue
            if changes:
                self._commit_changes(
                    entry, state, changes, now, history, line_item_updates, payment_updates
                )
                outcome = EntryOutcome.APPLIED
                result.applied += 1
            else:
                outcome = EntryOutcome.UNCHANGED
                result.unchanged += 1
            result.results.append(
                {
                    "order_id": state.id,
                    "document_no": state.document_no,
                    "outcome": outcome.value,
                    "reason_code": None,
                    "reason_text": None,
                    "file_name": self.scope.file_name,
                }
            )
        self._write(states, now, history, line_item_updates, payment_updates)
        return result

    # ------------------------------------------------------------------ lookups

    @staticmethod
    def _split(order_ref: str) -> tuple[str, str | None]:
        if "@" not in order_ref:
            return order_ref, None
        document_no, store = order_ref.rsplit("@", 1)
        return document_no, store

    def _own_document_numbers(self, entries: list[StatusEntry]) -> set[str]:
        wanted: set[str] = set()
        for entry in entries:
            document_no, store = self._split(entry.order_ref)
            if store is None or store == self.scope.store:
                wanted.add(document_no)
            if store is not None:
                wanted.add(entry.order_ref)  # a document number that itself contains '@'
        return wanted

    def _load_orders(self, entries: list[StatusEntry]) -> dict[str, _OrderState]:
        wanted = self._own_document_numbers(entries)
        rows = self.session.execute(
            select(
                _orders.c.id,
                _orders.c.document_no,
                _orders.c.status,
                _orders.c.to_be_deleted,
                _orders.c.last_import_change_at,
            ).where(
                _orders.c.channel_id == self.scope.channel_id,
                _orders.c.document_no.in_(wanted),
            )
        )
        states = {
            document_no: _OrderState(order_id, document_no, status, bool(flag), last_change)
            for order_id, document_no, status, flag, last_change in rows
        }
        by_id = {state.id: state for state in states.values()}
        needs_items = {
            state.id
            for entry in entries
            if entry.line_items and (state := self._resolve(entry.order_ref, states))
        }
        needs_payments = {
            state.id
            for entry in entries
            if entry.payments and (state := self._resolve(entry.order_ref, states))
        }
        if needs_items:
            for order_id, position, item_id, status in self.session.execute(
                select(
                    _line_items.c.order_id,
                    _line_items.c.position,
                    _line_items.c.id,
                    _line_items.c.status,
                ).where(_line_items.c.order_id.in_(needs_items))
            ):
                by_id[order_id].line_items[position] = [item_id, status]
        if needs_payments:
            for order_id, transaction_id, payment_id, status in self.session.execute(
                select(
                    _payments.c.order_id,
                    _payments.c.transaction_id,
                    _payments.c.id,
                    _payments.c.status,
                ).where(_payments.c.order_id.in_(needs_payments))
            ):
                by_id[order_id].payments[transaction_id] = [payment_id, status]
        return states

    def _resolve(self, order_ref: str, states: dict[str, _OrderState]) -> _OrderState | None:
        document_no, store = self._split(order_ref)
        if store is None or store == self.scope.store:
            state = states.get(document_no)
            if state is not None:
                return state
        return states.get(order_ref) if store is not None else None

    def _foreign_orders(
        self, entries: list[StatusEntry], states: dict[str, _OrderState]
    ) -> dict[str, list[tuple[str, str]]]:
        """Document number -> [(channel, store)] of other channels, for unresolved entries."""
        missing = {
            self._split(entry.order_ref)[0]
            for entry in entries
            if self._resolve(entry.order_ref, states) is None
        }
        if not missing:
            return {}
        found: dict[str, list[tuple[str, str]]] = {}
        for document_no, channel_name, store in self.session.execute(
            select(_orders.c.document_no, _channels.c.name, _channels.c.store)
            .join(_channels, _channels.c.id == _orders.c.channel_id)
            .where(
                _orders.c.channel_id != self.scope.channel_id,
                _orders.c.document_no.in_(missing),
            )
        ):
            found.setdefault(document_no, []).append((channel_name, store))
        return found

    def _not_found(self, order_ref: str, foreign: dict[str, list[tuple[str, str]]]) -> _Rejected:
        document_no, store = self._split(order_ref)
        owners = [
            channel
            for channel, owner_store in foreign.get(document_no, [])
            if store in (None, owner_store)
        ]
        if owners:
            return _Rejected(
                RejectReason.OTHER_CHANNEL,
                f"order {document_no} belongs to channel {', '.join(sorted(owners))}, "
                f"not to channel {self.scope.channel_name}",
            )
        if store is not None and store != self.scope.store:
            return _Rejected(
                RejectReason.UNKNOWN_ORDER,
                f"no order {document_no} in store {store}; channel {self.scope.channel_name} "
                f"is store {self.scope.store}",
            )
        return _Rejected(
            RejectReason.UNKNOWN_ORDER,
            f"no order with document number {document_no} in channel {self.scope.channel_name}",
        )

    # ------------------------------------------------------------------ checks

    def _check(self, entry: StatusEntry, state: _OrderState) -> list[tuple[str, Any, Any, Any]]:
        """The changes of an acceptable entry as (entity, reference, from, to); else _Rejected."""
        if not import_accepts_order(state.status):
            raise _Rejected(
                RejectReason.NOT_HANDED_OVER,
                f"order is {state.status}: a status import changes only orders that were handed "
                f"over ({', '.join(sorted(HANDED_OVER))}) or have a status set by an import",
            )
        if entry.changed is not None:
            try:
                changed_at = parse_changed(entry.changed)
            except ValueError:
                raise _Rejected(
                    RejectReason.INVALID_CHANGED,
                    f"changed '{entry.changed}' is not a date and time between the years "
                    f"1 and 9999",
                ) from None
            if state.last_change is not None and changed_at < state.last_change:
                raise _Rejected(
                    RejectReason.STALE,
                    f"changed {entry.changed} is older than the last imported change of this "
                    f"order ({state.last_change.isoformat().replace('+00:00', 'Z')}): stale update "
                    f"skipped",
                )
        changes: list[tuple[str, Any, Any, Any]] = []
        if entry.status is not None and entry.status != state.status:
            self._check_transition(Entity.ORDER, "order", state.status, entry.status)
            changes.append((Entity.ORDER.value, None, state.status, entry.status))
        if entry.to_be_deleted is not None and entry.to_be_deleted != state.to_be_deleted:
            changes.append((TO_BE_DELETED_ENTITY, None, state.to_be_deleted, entry.to_be_deleted))
        if entry.line_items:
            current: dict[int, str] = {}
            for position, target in entry.line_items:
                item = state.line_items.get(position)
                if item is None:
                    raise _Rejected(
                        RejectReason.UNKNOWN_LINE_ITEM,
                        f"the order has no line item at position {position}",
                    )
                source = current.get(position, item[1])
                if target != source:
                    self._check_transition(
                        Entity.LINE_ITEM, f"line item {position}", source, target
                    )
                    changes.append((Entity.LINE_ITEM.value, position, source, target))
                    current[position] = target
        if entry.payments:
            current_payments: dict[str, str] = {}
            for transaction_id, target in entry.payments:
                payment = state.payments.get(transaction_id)
                if payment is None:
                    raise _Rejected(
                        RejectReason.UNKNOWN_PAYMENT,
                        f"the order has no payment transaction {transaction_id}",
                    )
                source = current_payments.get(transaction_id, payment[1])
                if target != source:
                    self._check_transition(
                        Entity.PAYMENT, f"payment {transaction_id}", source, target
                    )
                    changes.append((Entity.PAYMENT.value, transaction_id, source, target))
                    current_payments[transaction_id] = target
        return changes

    @staticmethod
    def _check_transition(entity: Entity, what: str, source: str, target: str) -> None:
        if not is_settable(Actor.IMPORT, entity, target):
            raise _Rejected(
                RejectReason.STATUS_NOT_SETTABLE,
                f"{what}: a status import may not set {target} "
                f"(it may set {_settable_text(entity)})",
            )
        if not transition_allowed(Actor.IMPORT, entity, source, target):
            raise _Rejected(
                RejectReason.TRANSITION_NOT_ALLOWED,
                f"{what}: {source} to {target} is not an allowed transition",
            )

    # ------------------------------------------------------------------ writing

    def _commit_changes(
        self,
        entry: StatusEntry,
        state: _OrderState,
        changes: list[tuple[str, Any, Any, Any]],
        now: datetime,
        history: list[dict[str, Any]],
        line_item_updates: dict[int, str],
        payment_updates: dict[int, str],
    ) -> None:
        order_id = state.id
        for entity, reference, source, target in changes:
            if entity == Entity.ORDER:
                state.status = target
            elif entity == TO_BE_DELETED_ENTITY:
                state.to_be_deleted = target
                source = "true" if source else "false"
                target = "true" if target else "false"
            elif entity == Entity.LINE_ITEM:
                item = state.line_items[reference]
                item[1] = target
                line_item_updates[item[0]] = target
                reference = str(reference)
            else:
                payment = state.payments[reference]
                payment[1] = target
                payment_updates[payment[0]] = target
            history.append(
                {
                    "order_id": order_id,
                    "at": now,
                    "entity": entity,
                    "entity_ref": reference,
                    "from_status": source,
                    "to_status": target,
                    "reason_code": None,
                    "reason_text": self._history_text,
                    "run_id": self.scope.run_id,
                    "source": HISTORY_SOURCE,
                }
            )
        if entry.changed is not None:
            changed_at = parse_changed(entry.changed)
            if state.last_change is None or changed_at > state.last_change:
                state.last_change = changed_at
        state.changed = True

    def _write(
        self,
        states: dict[str, _OrderState],
        now: datetime,
        history: list[dict[str, Any]],
        line_item_updates: dict[int, str],
        payment_updates: dict[int, str],
    ) -> None:
        execute = self.session.execute
        order_rows = [
            {
                "b_id": state.id,
                "b_status": state.status,
                "b_to_be_deleted": state.to_be_deleted,
                "b_changed": state.last_change,
                "b_now": now,
            }
            for state in states.values()
            if state.changed
        ]
        if order_rows:
            execute(self._update_order, order_rows)
        if line_item_updates:
            execute(
                self._update_line_item,
                [{"b_id": key, "b_status": value} for key, value in line_item_updates.items()],
            )
        if payment_updates:
            execute(
                self._update_payment,
                [{"b_id": key, "b_status": value} for key, value in payment_updates.items()],
            )
        if history:
            execute(_history.insert(), history)
