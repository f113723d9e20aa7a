"""Step 4 of an export run (and of its recovery): the statements that apply the transitions,
write the ledger and the results, and release the claims, in chunks of ids."""

from __future__ import annotations

import logging
from array import array
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from ...database import Database
from ...domain.bulk import batched
from ...domain.conditions import matching_orders_query
from ...domain.models import (
    ExportClaim,
    ExportLedgerEntry,
    LineItem,
    Order,
    Run,
    RunResultRow,
    StatusHistory,
    UTCDateTime,
    utcnow,
)
from ...domain.statuses import (
    EXPORT_FAILURE_STATUS,
    Actor,
    Entity,
    RunState,
    transition_allowed,
)
from ..failpoints import failpoint
from .id_sets import plan_as_lookups
from .settings import (
    EXPORTED,
    FAILED,
    HISTORY_SOURCE,
    ExportSettings,
)

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- completion

#: Ids fetched per round trip when a run reads its selected or claimed orders, and claims
#: written per executemany (one driver call; batched into multi-row statements on PostgreSQL).
ID_CHUNK = 10_000
#: Orders completed per write transaction of a large run (:func:`_complete_ahead`): at most a
#: few seconds of SQLite's write lock, far below its busy timeout.
COMPLETION_CHUNK = 50_000


def _matching_ids(session: Any, settings: ExportSettings, now: datetime) -> array[int]:
    """Ids of the orders the configuration selects now, in file order (8 bytes per order).

    Streamed in chunks (``yield_per``: a server-side cursor on PostgreSQL), so that the ids are
    never held as result rows too.
    """
    query = matching_orders_query(settings.configuration, now=now)
    return array("q", session.scalars(query.execution_options(yield_per=ID_CHUNK)))


def _claim_orders(session: Any, run_id: int, ids: Sequence[int]) -> None:
    """Claim the orders ``ids`` for the run: one executemany per :data:`ID_CHUNK` ids."""
    connection = session.connection()
    statement = insert(ExportClaim)
    for chunk in batched(ids, ID_CHUNK):
        connection.execute(statement, [{"order_id": i, "run_id": run_id} for i in chunk])


def _release_claims(session: Any, run_id: int) -> int:
    result = session.execute(delete(ExportClaim).where(ExportClaim.run_id == run_id))
    return int(result.rowcount or 0)


def _failure_of(run_id: int, order_id: Any) -> Any:
    """The run's failed result for the order ``order_id`` names (a correlated condition)."""
    return (
        (RunResultRow.order_id == order_id)
        & (RunResultRow.run_id == run_id)
        & (RunResultRow.outcome == FAILED)
    )


def _claimed_ids(run_id: int, *, failed: bool, below: int | None) -> Select[int]:
    """The run's claimed order ids with (``failed``) or without a failed result, as a subquery;
    with ``below`` only the ids below it.

    The ids stay in the database: every completion statement is one ``INSERT … SELECT`` or
    ``UPDATE … WHERE id IN (…)`` over the claims, whatever the number of orders.
    """
    # Not correlated: PostgreSQL runs it once (a hashed subplan), with or without statistics.
    failed_orders = select(RunResultRow.order_id).where(
        RunResultRow.run_id == run_id,
        RunResultRow.outcome == FAILED,
        RunResultRow.order_id.is_not(None),  # NOT IN over a NULL would match nothing
    )
    in_failed = ExportClaim.order_id.in_(failed_orders)
    query = select(ExportClaim.order_id).where(
        ExportClaim.run_id == run_id, in_failed if failed else ~in_failed
    )
    return query if below is None else query.where(ExportClaim.order_id < below)


def _complete_ahead(
    db: Database, run_id: int, settings: ExportSettings | None, file_name: str
) -> None:
    """Complete a published run's claims in write transactions of :data:`COMPLETION_CHUNK`
    orders (lowest ids first) until at most one chunk is left for :func:`_complete`.

    Each transaction applies its orders' statuses, ledger and results and releases their claims
    together, so an interruption anywhere leaves the rest claimed, and recovery completes it from
    the published file: §7.1 holds, and no transaction holds SQLite's write lock for long.
    Stops when the run is no longer RUNNING (recovered by another process meanwhile).
    """
    while True:
        with db.write() as session:
            state = session.scalar(select(Run.state).where(Run.id == run_id).with_for_update())
            if state != RunState.RUNNING.value:
                return
            below = session.scalar(
                select(ExportClaim.order_id)
                .where(ExportClaim.run_id == run_id)
                .order_by(ExportClaim.order_id)
                .offset(COMPLETION_CHUNK)
                .limit(1)
            )
            if below is None:
                return
            _apply(session, run_id, settings, file_name, below)
        failpoint("export:between_completion_chunks")


def _complete(
    session: Any, run: Run, settings: ExportSettings | None, file_name: str | None
) -> dict[str, int]:
    """Step 4 in the caller's transaction (after :func:`_complete_ahead` for a large run):
    completes the run's remaining claims and returns the run's counts.

    The exported orders are the run's claimed orders without a failed result (none when
    ``file_name`` is None: no file was published). ``settings`` is None when the configuration was
    deleted meanwhile: then no status changes and no ledger. The counts are the run's results
    (those of earlier transactions too): exported, and failed of orders that still exist.
    """
    _apply(session, run.id, settings, file_name, None)
    outcomes = dict(
        session.execute(
            select(RunResultRow.outcome, func.count())
            .where(RunResultRow.run_id == run.id, RunResultRow.order_id.is_not(None))
            .group_by(RunResultRow.outcome)
        ).all()
    )
    exported, failed = outcomes.get(EXPORTED, 0), outcomes.get(FAILED, 0)
    return {"selected": exported + failed, EXPORTED: exported, FAILED: failed}


def _apply(
    session: Any,
    run_id: int,
    settings: ExportSettings | None,
    file_name: str | None,
    below: int | None,
) -> None:
    """The statements of completion for the run's claims (below ``below``, if given), which
    they release."""
    # Core execution: with ORM entities, a parameter dict would mean an ORM bulk operation.
    connection = session.connection()
    plan_as_lookups(connection)
    for statement in completion_statements(run_id, settings, file_name, below):
        connection.execute(statement)


def completion_statements(
    run_id: int,
    settings: ExportSettings | None,
    file_name: str | None,
    below: int | None = None,
) -> list[Any]:
    """Completion's statements for the run's claims (below ``below``, if given), in order; the
    last releases those claims."""
    now = utcnow()
    exported_ids = _claimed_ids(run_id, failed=False, below=below)
    failed_ids = _claimed_ids(run_id, failed=True, below=below)
    statements: list[Any] = []
    if settings is not None and settings.status_updates:
        if file_name is not None:
            statements += _transition_statements(Entity.ORDER, exported_ids, now, run_id, settings)
            statements += _transition_statements(
                Entity.LINE_ITEM, exported_ids, now, run_id, settings
            )
        statements += _failure_statements(failed_ids, run_id, now, settings)
    if file_name is not None:
        if settings is not None:
            statements += _ledger_statements(exported_ids, run_id, now, settings, file_name)
        statements.append(_exported_results_statement(exported_ids, run_id, file_name))
    released = delete(ExportClaim).where(ExportClaim.run_id == run_id)
    if below is not None:
        released = released.where(ExportClaim.order_id < below)
    statements.append(released)
    return statements


def _history_insert(select_statement: Select[*tuple[Any, ...]]) -> Any:
    return insert(StatusHistory).from_select(
        [
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
        ],
        select_statement,
    )


def _transition_statements(
    entity: Entity, ids: Select[int], now: datetime, run_id: int, settings: ExportSettings
) -> list[Any]:
    """History inserts and updates applying the configuration's transitions of ``entity``.

    The export's sources and targets are disjoint in the transition table, so applying the
    transitions one after another can not chain two of them on one order or line item.
    """
    table: type[Order] | type[LineItem]
    order_id: Any
    status: Any
    ref: Any
    if entity is Entity.ORDER:
        transitions = settings.order_transitions
        table, order_id, status, ref = Order, Order.id, Order.status, literal(None, String())
        cleared: dict[str, Any] = {
            "status_reason_code": None,
            "status_reason_text": None,
            "updated_at": now,
        }
    else:
        transitions = settings.line_item_transitions
        table, order_id, status = LineItem, LineItem.order_id, LineItem.status
        ref, cleared = cast(LineItem.position, String), {}
    statements: list[Any] = []
    for source, target in transitions.items():
        if not transition_allowed(Actor.EXPORT, entity, source, target):
            continue
        chosen = (order_id.in_(ids), status == source)
        statements.append(
            _history_insert(
                select(
                    order_id,
                    literal(now, UTCDateTime()),
                    literal(entity.value),
                    ref,
                    status,
                    literal(target),
                    literal(None, String()),
                    literal(None, String()),
                    literal(run_id),
                    literal(HISTORY_SOURCE),
                ).where(*chosen)
            )
        )
        statements.append(
            update(table)
            .where(*chosen)
            .values(status=target, **cleared)
            .execution_options(synchronize_session=False)
        )
    return statements


def _failure_statements(
    ids: Select[int], run_id: int, now: datetime, settings: ExportSettings
) -> list[Any]:
    """EXPORTFAILED with reason for failed orders the configuration would have moved on success.

    An order in a status the configuration's transitions do not move (a report of delivered
    orders, say) keeps its status; a failed order that is already EXPORTFAILED gets the new reason.
    """
    movable = {
        source
        for source, target in settings.order_transitions.items()
        if transition_allowed(Actor.EXPORT, Entity.ORDER, source, target)
    }
    movable.add(EXPORT_FAILURE_STATUS.value)
    chosen = (Order.id.in_(ids), Order.status.in_(sorted(movable)))
    result = RunResultRow
    is_this_failure = _failure_of(run_id, Order.id)
    return [
        _history_insert(
            select(
                Order.id,
                literal(now, UTCDateTime()),
                literal(Entity.ORDER.value),
                literal(None, String()),
                Order.status,
                literal(EXPORT_FAILURE_STATUS.value),
                result.reason_code,
                result.reason_text,
                literal(run_id),
                literal(HISTORY_SOURCE),
            )
            .join(result, is_this_failure)
            .where(*chosen)
        ),
        # UPDATE … FROM run_results: a join, not a subquery per order.
        update(Order)
        .where(*chosen, is_this_failure)
        .values(
            status=EXPORT_FAILURE_STATUS.value,
            status_reason_code=result.reason_code,
            status_reason_text=result.reason_text,
            updated_at=now,
        )
        .execution_options(synchronize_session=False),
    ]


def _ledger_statements(
    ids: Select[int], run_id: int, now: datetime, settings: ExportSettings, file_name: str
) -> list[Any]:
    """Replace the ledger entries of the exported orders by this run's."""
    return [
        delete(ExportLedgerEntry).where(
            ExportLedgerEntry.configuration_id == settings.configuration_id,
            ExportLedgerEntry.order_id.in_(ids),
        ),
        insert(ExportLedgerEntry).from_select(
            ["configuration_id", "order_id", "run_id", "file_name", "exported_at"],
            select(
                literal(settings.configuration_id),
                Order.id,
                literal(run_id),
                literal(file_name),
                literal(now, UTCDateTime()),
            ).where(Order.id.in_(ids)),
        ),
    ]


def _exported_results_statement(ids: Select[int], run_id: int, file_name: str) -> Any:
    return insert(RunResultRow).from_select(
        ["run_id", "order_id", "document_no", "outcome", "file_name"],
        select(
            literal(run_id),
            Order.id,
            Order.document_no,
            literal(EXPORTED),
            literal(file_name),
        )
        .where(Order.id.in_(ids))
        .order_by(Order.created_at, Order.id),
    )


# --------------------------------------------------------------------------- small things


def _counts_text(counts: dict[str, int]) -> str:
    return f"{counts.get(EXPORTED, 0)} exported, {counts.get(FAILED, 0)} failed"
