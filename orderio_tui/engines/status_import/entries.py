"""Checking and applying the order entries of a valid status file (SPEC §2, §6.2, §7.2).

Each entry is checked on its own and applied whole or not at all: an unknown order, an order of
another channel, an order not handed over, a status the import may not set or a transition the
table does not allow, an unknown line-item position or payment id, or a stale ``changed`` time
rejects that entry only. Which statuses may change is decided by :mod:`orderio_tui.domain.statuses`
alone. Entries are handled in batches with a few set-based statements each, inside the caller's
transaction; an order that appears twice sees the effect of its earlier entry.

The bulk statements of a batch (status updates, history rows, run results: several rows per
entry) go to the DB-API cursor of the session's connection, as ``executemany`` updates and
multi-row INSERTs, in the same transaction: building SQLAlchemy parameters row by row would cost
more than the database work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from itertools import chain
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from ...domain.models import (
    Channel,
    LineItem,
    Order,
    PaymentTransaction,
    RunResultRow,
    StatusHistory,
    UTCDateTime,
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
_ORDER, _LINE_ITEM, _PAYMENT = Entity.ORDER, Entity.LINE_ITEM, Entity.PAYMENT
_ORDER_VALUE, _LINE_ITEM_VALUE, _PAYMENT_VALUE = _ORDER.value, _LINE_ITEM.value, _PAYMENT.value
_UNDECIDED = object()
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}")
#: Longest document number a run result stores (RunResultRow.document_no).
_RESULT_REF_LENGTH = 100

_orders = cast(Table, Order.__table__)
_line_items = cast(Table, LineItem.__table__)
_payments = cast(Table, PaymentTransaction.__table__)
_channels = cast(Table, Channel.__table__)
_history = cast(Table, StatusHistory.__table__)
_results = cast(Table, RunResultRow.__table__)
_HISTORY_COLUMNS = (
    "order_id",
    "at",
    "entity",
    "entity_ref",
    "from_status",
    "to_status",
    "reason_code",
    "reason_text",
    "run_id",
    "source",
)
#: The fields of BatchResult.results rows (RunResultRow columns).
RESULT_FIELDS = ("order_id", "document_no", "outcome", "reason_code", "reason_text")
_RESULT_COLUMNS = (
    "run_id",
    "order_id",
    "document_no",
    "outcome",
    "reason_code",
    "reason_text",
    "file_name",
)


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
    FUTURE_CHANGED = "FUTURE_CHANGED"


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
    #: A `changed` later than this (now plus the tolerance) is rejected: it would freeze the order.
    latest_change: datetime = datetime.max.replace(tzinfo=UTC)
    #: The tolerance as people read it (``1 day``), for the rejection.
    tolerance_text: str = ""


@dataclass(frozen=True)
class Rejection:
    """A rejected entry, for the run results and the file's report."""

    line: int
    order_ref: str
    reason_code: str
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
    #: One row per entry, as in RESULT_FIELDS.
    results: list[tuple[Any, ...]] = field(default_factory=list)


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


class _MultiRowInsert:
    """INSERT of many rows with one statement per chunk (cheaper than a row-wise executemany)."""

    #: Bound parameters per statement, under SQLite's oldest limit of 999.
    MAX_PARAMETERS = 990

    def __init__(self, table: str, columns: tuple[str, ...], row: str, *, bound: int) -> None:
        self._head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        self._row = row
        self.chunk = self.MAX_PARAMETERS // bound
        self._full = self._statement(self.chunk)

    def _statement(self, rows: int) -> str:
        return self._head + ", ".join([self._row] * rows)

    def run(self, raw_connection: Any, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cursor = raw_connection.cursor()
        try:
            chunk = self.chunk
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                sql = self._full if len(part) == chunk else self._statement(len(part))
                cursor.execute(sql, list(chain.from_iterable(part)))
        finally:
            cursor.close()


def _timestamp_literal(moment: datetime) -> str:
    """A UTC time as an SQL literal, in the form SQLAlchemy stores times in SQLite."""
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if not _TIMESTAMP.fullmatch(text):  # pragma: no cover - isoformat never gives anything else
        raise ValueError(f"unexpected timestamp {text!r}")
    return text


class _Changes:
    """What an accepted entry changes, collected before anything of it is applied."""

    __slots__ = ("changed_at", "history", "line_items", "payments", "status", "to_be_deleted")

    def __init__(self) -> None:
        self.history: list[tuple[Any, ...]] = []
        self.status: str | None = None
        self.to_be_deleted: bool | None = None
        self.changed_at: datetime | None = None
        #: ([line item id, status], new status)
        self.line_items: list[tuple[list[Any], str]] = []
        #: ([payment id, status], new status)
        self.payments: list[tuple[list[Any], str]] = []

    def apply(
        self,
        state: _OrderState,
        history: list[tuple[Any, ...]],
        line_item_updates: dict[int, str],
        payment_updates: dict[int, str],
    ) -> None:
        """Make the changes on the batch's view of the order and queue their statements."""
        history.extend(self.history)
        if self.status is not None:
            state.status = self.status
        if self.to_be_deleted is not None:
            state.to_be_deleted = self.to_be_deleted
        for item, target in self.line_items:
            item[1] = target
            line_item_updates[item[0]] = target
        for payment, target in self.payments:
            payment[1] = target
            payment_updates[payment[0]] = target
        changed_at = self.changed_at
        if changed_at is not None and (state.last_change is None or changed_at > state.last_change):
            state.last_change = changed_at
        state.changed = True


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
        connection = session.connection()
        self._raw = connection.connection
        dialect = connection.dialect
        to_database = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        self._datetime: Callable[[datetime], Any] = to_database or (lambda value: value)
        # One moment for every change of the file: they are committed together. It and the run
        # id go into the statements as literals instead of being bound for every row; nothing
        # that a file supplies is ever written into a statement.
        moment = utcnow()
        at = _timestamp_literal(moment)
        run_id = int(scope.run_id)
        self._to_be_deleted = {
            True: self._bool(dialect, True),
            False: self._bool(dialect, False),
        }
        from_database = _orders.c.last_import_change_at.type.dialect_impl(dialect).result_processor(
            dialect, None
        )
        self._datetime_result = from_database or (lambda value: value)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._mark = mark
        self._sql_find_orders = (
            f"SELECT id, document_no, status, to_be_deleted, last_import_change_at "
            f"FROM {_orders.name} WHERE channel_id = {mark} AND document_no IN (#)"
        )
        self._sql_find_line_items = (
            f"SELECT order_id, position, id, status FROM {_line_items.name} WHERE order_id IN (#)"
        )
        self._sql_find_payments = (
            f"SELECT order_id, transaction_id, id, status FROM {_payments.name} "
            f"WHERE order_id IN (#)"
        )
        self._sql_order = (
            f"UPDATE {_orders.name} SET status = {mark}, to_be_deleted = {mark}, "
            f"last_import_change_at = {mark}, updated_at = '{at}' WHERE id = {mark}"
        )
        self._sql_line_item = f"UPDATE {_line_items.name} SET status = {mark} WHERE id = {mark}"
        self._sql_payment = f"UPDATE {_payments.name} SET status = {mark} WHERE id = {mark}"
        self._insert_history = _MultiRowInsert(
            _history.name,
            _HISTORY_COLUMNS,
            f"({mark}, '{at}', {mark}, {mark}, {mark}, {mark}, NULL, NULL, {run_id}, "
            f"'{HISTORY_SOURCE}')",
            bound=5,
        )
        self._insert_results = _MultiRowInsert(
            _results.name, _RESULT_COLUMNS, f"({run_id}, {', '.join([mark] * 6)})", bound=6
        )
        #: Answers of the transition table, asked once per distinct question.
        self._decisions: dict[tuple[Entity, str, str], Any] = {}
        self._accepts: dict[str, bool] = {}

    @staticmethod
    def _bool(dialect: Any, value: bool) -> Any:
        processor = _orders.c.to_be_deleted.type.dialect_impl(dialect).bind_processor(dialect)
        return processor(value) if processor else value

    def _executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cursor = self._raw.cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()

    def write_results(self, results: list[tuple[Any, ...]]) -> None:
        """Insert run results (rows of BatchResult.results) in the caller's transaction."""
        file_name = self.scope.file_name
        self._insert_results.run(self._raw, [(*row, file_name) for row in results])

    # ------------------------------------------------------------------ batch

    def apply(self, entries: list[StatusEntry]) -> BatchResult:
        """Check every entry, apply the accepted ones; returns counts, rejections and results."""
        result = BatchResult()
        if not entries:
            return result
        states, resolved = self._load_orders(entries)
        foreign = self._foreign_orders(entries, resolved)
        history: list[tuple[Any, ...]] = []
        line_item_updates: dict[int, str] = {}
        payment_updates: dict[int, str] = {}
        results = result.results
        applied = EntryOutcome.APPLIED.value
        unchanged = EntryOutcome.UNCHANGED.value
        for entry, state in zip(entries, resolved, strict=True):
            try:
                if state is None:
                    raise self._not_found(entry.order_ref, foreign)
                changes = self._check(entry, state)
            except _Rejected as rejected:
                rejection = Rejection(entry.line, entry.order_ref, rejected.code, rejected.text)
                result.rejected += 1
                result.rejections.append(rejection)
                results.append(
                    (
                        state.id if state else None,
                        state.document_no if state else entry.order_ref[:_RESULT_REF_LENGTH],
                        EntryOutcome.REJECTED.value,
                        str(rejection.reason_code),  # a RejectReason, a StrEnum
                        rejection.reason_text,
                    )
                )
                continue
            if changes.history:
                changes.apply(state, history, line_item_updates, payment_updates)
                result.applied += 1
                results.append((state.id, state.document_no, applied, None, None))
            else:
                result.unchanged += 1
                results.append((state.id, state.document_no, unchanged, None, None))
        self._write(states, history, line_item_updates, payment_updates)
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

    def _fetch(self, sql: str, first: list[Any], values: Iterable[Any]) -> list[Any]:
        """Rows of ``sql`` whose last condition is ``IN (<values>)``, on the DB-API cursor."""
        values = list(values)
        statement = sql.replace("(#)", "(" + ", ".join([self._mark] * len(values)) + ")")
        cursor = self._raw.cursor()
        try:
            cursor.execute(statement, (*first, *values))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _load_orders(
        self, entries: list[StatusEntry]
    ) -> tuple[dict[str, _OrderState], list[_OrderState | None]]:
        """The batch's orders of this channel by document number, and each entry's order."""
        wanted = self._own_document_numbers(entries)
        from_database = self._datetime_result
        states = {
            document_no: _OrderState(
                order_id,
                document_no,
                status,
                bool(flag),
                from_database(last_change) if last_change is not None else None,
            )
            for order_id, document_no, status, flag, last_change in self._fetch(
                self._sql_find_orders, [self.scope.channel_id], wanted
            )
        }
        by_id = {state.id: state for state in states.values()}
        resolved = [self._resolve(entry.order_ref, states) for entry in entries]
        needs_items = set()
        needs_payments = set()
        for entry, state in zip(entries, resolved, strict=True):
            if state is not None:
                if entry.line_items:
                    needs_items.add(state.id)
                if entry.payments:
                    needs_payments.add(state.id)
        if needs_items:
            for order_id, position, item_id, status in self._fetch(
                self._sql_find_line_items, [], needs_items
            ):
                by_id[order_id].line_items[position] = [item_id, status]
        if needs_payments:
            for order_id, transaction_id, payment_id, status in self._fetch(
                self._sql_find_payments, [], needs_payments
            ):
                by_id[order_id].payments[transaction_id] = [payment_id, status]
        return states, resolved

    def _resolve(self, order_ref: str, states: dict[str, _OrderState]) -> _OrderState | None:
        document_no, store = self._split(order_ref)
        if store is None or store == self.scope.store:
            state = states.get(document_no)
            if state is not None:
                return state
        return states.get(order_ref) if store is not None else None

    def _foreign_orders(
        self, entries: list[StatusEntry], resolved: list[_OrderState | None]
    ) -> dict[str, list[tuple[str, str]]]:
        """Document number -> [(channel, store)] of other channels, for unresolved entries."""
        missing = {
            self._split(entry.order_ref)[0]
            for entry, state in zip(entries, resolved, strict=True)
            if state is None
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
        ).all():
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

    def _check(self, entry: StatusEntry, state: _OrderState) -> _Changes:
        """The changes an acceptable entry makes (maybe none); raises _Rejected otherwise."""
        status = state.status
        accepts = self._accepts.get(status)
        if accepts is None:
            accepts = self._accepts[status] = import_accepts_order(status)
        if not accepts:
            raise _Rejected(
                RejectReason.NOT_HANDED_OVER,
                f"order is {status}: a status import changes only orders that were handed "
                f"over ({', '.join(sorted(HANDED_OVER))}) or have a status set by an import",
            )
        changes = _Changes()
        if entry.changed is not None:
            try:
                changes.changed_at = parse_changed(entry.changed)
            except ValueError:
                raise _Rejected(
                    RejectReason.INVALID_CHANGED,
                    f"changed '{entry.changed}' is not a date and time between the years "
                    f"1 and 9999",
                ) from None
            if changes.changed_at > self.scope.latest_change:
                raise _Rejected(
                    RejectReason.FUTURE_CHANGED,
                    f"changed {entry.changed} lies more than {self.scope.tolerance_text} in the "
                    "future; correct the sender's clock or the time in the file",
                )
            if state.last_change is not None and changes.changed_at < state.last_change:
                raise _Rejected(
                    RejectReason.STALE,
                    f"changed {entry.changed} is older than the last imported change of this "
                    f"order ({state.last_change.isoformat().replace('+00:00', 'Z')}): stale update "
                    f"skipped",
                )
        order_id = state.id
        history = changes.history
        # A known allowed change skips the call; anything else asks (and caches) the table.
        decisions = self._decisions
        target = entry.status
        if target is not None and target != status:
            if decisions.get((_ORDER, status, target), _UNDECIDED) is not None:
                self._check_transition(_ORDER, status, target, "order")
            history.append((order_id, _ORDER_VALUE, None, status, target))
            changes.status = target
        flag = entry.to_be_deleted
        if flag is not None and flag != state.to_be_deleted:
            history.append(
                (
                    order_id,
                    TO_BE_DELETED_ENTITY,
                    None,
                    "true" if state.to_be_deleted else "false",
                    "true" if flag else "false",
                )
            )
            changes.to_be_deleted = flag
        if entry.line_items:
            items = state.line_items
            current: dict[int, str] = {}
            for position, target in entry.line_items:
                item = items.get(position)
                if item is None:
                    raise _Rejected(
                        RejectReason.UNKNOWN_LINE_ITEM,
                        f"the order has no line item at position {position}",
                    )
                source = current.get(position, item[1])
                if target != source:
                    if decisions.get((_LINE_ITEM, source, target), _UNDECIDED) is not None:
                        self._check_transition(_LINE_ITEM, source, target, "line item", position)
                    history.append((order_id, _LINE_ITEM_VALUE, str(position), source, target))
                    current[position] = target
                    changes.line_items.append((item, target))
        if entry.payments:
            payments = state.payments
            current_payments: dict[str, str] = {}
            for transaction_id, target in entry.payments:
                payment = payments.get(transaction_id)
                if payment is None:
                    raise _Rejected(
                        RejectReason.UNKNOWN_PAYMENT,
                        f"the order has no payment transaction {transaction_id}",
                    )
                source = current_payments.get(transaction_id, payment[1])
                if target != source:
                    if decisions.get((_PAYMENT, source, target), _UNDECIDED) is not None:
                        self._check_transition(_PAYMENT, source, target, "payment", transaction_id)
                    history.append((order_id, _PAYMENT_VALUE, transaction_id, source, target))
                    current_payments[transaction_id] = target
                    changes.payments.append((payment, target))
        return changes

    def _check_transition(
        self, entity: Entity, source: str, target: str, what: str, reference: object = None
    ) -> None:
        key = (entity, source, target)
        problem = self._decisions.get(key, _UNDECIDED)
        if problem is _UNDECIDED:
            problem = self._decisions[key] = self._decide(entity, source, target)
        if problem is not None:
            where = what if reference is None else f"{what} {reference}"
            raise _Rejected(problem.code, f"{where}: {problem.text}")

    @staticmethod
    def _decide(entity: Entity, source: str, target: str) -> _Rejected | None:
        """What the transition table says about one change (the same for every entry)."""
        if not is_settable(Actor.IMPORT, entity, target):
            return _Rejected(
                RejectReason.STATUS_NOT_SETTABLE,
                f"a status import may not set {target} (it may set {_settable_text(entity)})",
            )
        if not transition_allowed(Actor.IMPORT, entity, source, target):
            return _Rejected(
                RejectReason.TRANSITION_NOT_ALLOWED,
                f"{source} to {target} is not an allowed transition",
            )
        return None

    # ------------------------------------------------------------------ writing

    def _write(
        self,
        states: dict[str, _OrderState],
        history: list[tuple[Any, ...]],
        line_item_updates: dict[int, str],
        payment_updates: dict[int, str],
    ) -> None:
        to_database = self._datetime
        flags = self._to_be_deleted
        self._executemany(
            self._sql_order,
            [
                (
                    state.status,
                    flags[state.to_be_deleted],
                    to_database(state.last_change) if state.last_change else None,
                    state.id,
                )
                for state in states.values()
                if state.changed
            ],
        )
        self._executemany(
            self._sql_line_item, [(status, key) for key, status in line_item_updates.items()]
        )
        self._executemany(
            self._sql_payment, [(status, key) for key, status in payment_updates.items()]
        )
        self._insert_history.run(self._raw, history)
