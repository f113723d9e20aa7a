"""Sending a failed order again (SPEC §16): `orders retry`, the order detail and a run's results.

An order whose export failed (``EXPORTFAILED``) returns to the status it had before that failed
export, read from its status history, with a history row of its own (reason code ``RETRY``, the
OS user in the text). Its status reason is cleared and its ``updated_at`` moves on, so the next run
of the configuration selects it again and no longer puts it last as an unchanged failure. A failed
order is never in the configuration's ledger and its claim was released when the run finished, so
nothing else holds it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.models import Order, Run, RunResultRow, StatusHistory, utcnow
from ..domain.statuses import EXPORT_FAILURE_STATUS, Entity, RunKind
from ..errors import NotFound, UserError, echo
from ..runs.identity import os_user
from .orders import find_order

#: Reason code of the history row a retry writes.
RETRY_REASON_CODE = "RETRY"
#: What made the change, in the history's ``source`` column.
RETRY_SOURCE = "manual"
_FAILED = EXPORT_FAILURE_STATUS.value


@dataclass(frozen=True)
class RetriedOrder:
    """An order that was sent back to the status it had before its failed export."""

    document_no: str
    channel: str
    status: str


@dataclass(frozen=True)
class RefusedRetry:
    """An order that could not be retried, and why in words for the user."""

    document_no: str
    channel: str | None
    status: str | None
    message: str


@dataclass(frozen=True)
class RetryOutcome:
    """What `orders retry` did: the retried orders and the refused ones."""

    retried: list[RetriedOrder] = field(default_factory=list)
    refused: list[RefusedRetry] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all retried, 3 some refused (partial), 2 nothing retried (SPEC §10)."""
        if not self.retried:
            return 2
        return 3 if self.refused else 0

    def to_json(self) -> dict[str, Any]:
        """The `orders retry --json` document."""
        return {
            "retried": [
                {"document_no": r.document_no, "channel": r.channel, "status": r.status}
                for r in self.retried
            ],
            "refused": [
                {
                    "document_no": r.document_no,
                    "channel": r.channel,
                    "status": r.status,
                    "message": r.message,
                }
                for r in self.refused
            ],
            "exit": self.exit_code,
        }


def retry_orders(
    db: Database,
    document_nos: Sequence[str] = (),
    *,
    run_id: int | None = None,
    channel: str | None = None,
    who: str | None = None,
) -> RetryOutcome:
    """Retry the orders ``document_nos`` (of ``channel`` if given), or the failed orders of the
    export run ``run_id``, in one transaction.

    Orders that are not EXPORTFAILED (any more) are refused with a message naming the order and
    its status; the others are retried. A run that does not exist or had no failed orders is a
    :class:`UserError`.
    """
    who = who or os_user()
    retried: list[RetriedOrder] = []
    refused: list[RefusedRetry] = []
    with db.write() as session:
        if run_id is not None:
            orders: Iterable[Order] = _failed_orders_of_run(session, run_id)
        else:
            orders = _orders_by_number(session, document_nos, channel, refused)
        now = utcnow()
        for order in orders:
            channel_name = order.channel.name
            problem = _retry_one(session, order, who, now)
            if problem is None:
                retried.append(RetriedOrder(order.document_no, channel_name, order.status))
            else:
                refused.append(RefusedRetry(order.document_no, channel_name, order.status, problem))
    return RetryOutcome(retried, refused)


def _orders_by_number(
    session: Session, document_nos: Sequence[str], channel: str | None, refused: list[RefusedRetry]
) -> list[Order]:
    if not document_nos:
        raise UserError("no order to retry: name document numbers or a run with --run N")
    orders: list[Order] = []
    for document_no in dict.fromkeys(document_nos):
        try:
            orders.append(find_order(session, document_no, channel))
        except NotFound as exc:
            refused.append(RefusedRetry(document_no, channel, None, exc.message))
    return orders


def _failed_orders_of_run(session: Session, run_id: int) -> list[Order]:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"run {run_id} does not exist: see `orderio-tui runs`")
    if run.kind != RunKind.EXPORT.value:
        raise UserError(
            f"run {run_id} is an {run.kind} run: only export runs have failed orders to retry"
        )
    orders = list(
        dict.fromkeys(
            session.scalars(
                select(Order)
                .join(RunResultRow, RunResultRow.order_id == Order.id)
                .where(RunResultRow.run_id == run_id, RunResultRow.outcome == "failed")
                .order_by(RunResultRow.id)
            )
        )
    )
    if not orders:
        raise UserError(f"run {run_id} has no failed orders: nothing to retry")
    return orders


def _retry_one(session: Session, order: Order, who: str, now: Any) -> str | None:
    """Retry ``order``; None when done, else why not."""
    label = f"order {echo(order.document_no)} of channel '{order.channel.name}'"
    if order.status != _FAILED:
        return (
            f"{label} is {order.status}, not {_FAILED}: only orders whose export failed "
            f"can be retried"
        )
    before = status_before_failure(session, order.id)
    if before is None:
        return f"{label} has no status history before it became {_FAILED}: nothing to return to"
    # Compare-and-set: a concurrent retry (or run) that changed the order meanwhile wins.
    changed = session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == _FAILED)
        .values(status=before, status_reason_code=None, status_reason_text=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return f"{label} changed meanwhile: look at it again"
    session.add(
        StatusHistory(
            order_id=order.id,
            at=now,
            entity=Entity.ORDER.value,
            from_status=_FAILED,
            to_status=before,
            reason_code=RETRY_REASON_CODE,
            reason_text=f"retry requested by {who}",
            source=RETRY_SOURCE,
        )
    )
    session.refresh(order)
    return None


def status_before_failure(session: Session, order_id: int) -> str | None:
    """The status the order had before its latest failed export, from its status history."""
    return session.scalar(
        select(StatusHistory.from_status)
        .where(
            StatusHistory.order_id == order_id,
            StatusHistory.entity == Entity.ORDER.value,
            StatusHistory.to_status == _FAILED,
            StatusHistory.from_status.is_not(None),
            StatusHistory.from_status != _FAILED,
        )
        .order_by(StatusHistory.at.desc(), StatusHistory.id.desc())
        .limit(1)
    )
