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
    exists,
    func,
    insert,
    literal,
    select,
    update,
)

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
    transition_allowed,
)
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
    for start in range(0, len(ids), ID_CHUNK):
        connection.execute(
            statement,
            [{"order_id": i, "run_id": run_id} for i in ids[start : start + ID_CHUNK]],
        )


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


def _claimed_ids(run_id: int, *, failed: bool) -> Select[int]:
    """The run's claimed order ids with (``failed``) or without a failed result, as a subquery.

    The ids stay in the database: every completion statement is one ``INSERT … SELECT`` or
    ``UPDATE … WHERE id IN (…)`` over the claims, whatever the number of orders.
    """
    has_failed = exists().where(_failure_of(run_id, ExportClaim.order_id))
    return select(ExportClaim.order_id).where(
        ExportClaim.run_id == run_id, has_failed if failed else ~has_failed
    )


def _complete(
    session: Any, run: Run, settings: ExportSettings | None, file_name: str | None
) -> dict[str, int]:
    """Step 4 in the caller's transaction; returns the run's counts.

    The exported orders are the run's claimed orders without a failed result (none when
    ``file_name`` is None: no file was published). ``settings`` is None when the configuration was
    deleted meanwhile: then no status changes and no ledger.
    """
    run_id = run.id
    now = utcnow()
    exported_ids = _claimed_ids(run_id, failed=False)
    failed_ids = _claimed_ids(run_id, failed=True)
    selected = session.scalar(
        select(func.count()).select_from(ExportClaim).where(ExportClaim.run_id == run_id)
    )
    failed = session.scalar(select(func.count()).select_from(failed_ids.subquery()))
    exported = selected - failed if file_name is not None else 0
    counts = {"selected": selected, EXPORTED: exported, FAILED: failed}

    statements: list[Any] = []
    if settings is not None and settings.status_updates:
        if exported:
            statements += _transition_statements(Entity.ORDER, exported_ids, now, run_id, settings)
            statements += _transition_statements(
                Entity.LINE_ITEM, exported_ids, now, run_id, settings
            )
        if failed:
            statements += _failure_statements(failed_ids, run_id, now, settings)
    if file_name is not None and exported:
        if settings is not None:
            statements += _ledger_statements(exported_ids, run_id, now, settings, file_name)
        statements.append(_exported_results_statement(exported_ids, run_id, file_name))
    # Core execution: with ORM entities, a parameter dict would mean an ORM bulk operation.
    connection = session.connection()
    for statement in statements:
        connection.execute(statement)
    _release_claims(session, run_id)
    return counts


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

    def reason(column: Any) -> Any:
        return select(column).where(is_this_failure).limit(1).scalar_subquery()

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
        update(Order)
        .where(*chosen)
        .values(
            status=EXPORT_FAILURE_STATUS.value,
            status_reason_code=reason(result.reason_code),
            status_reason_text=reason(result.reason_text),
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
