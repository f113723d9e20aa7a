"""Due times shared by every scheduler on a database (SPEC §14).

Each scheduled configuration has one row in ``schedule_due`` with its next due time. A scheduler
that sees the time come runs the configuration only if its own compare-and-set update
(``UPDATE … SET next_due_at = :next WHERE key = :key AND next_due_at = :seen``) changed the row;
the others see the row advanced and do nothing — no run, not even a SKIPPED one. The row also
holds the schedule it was computed from, so a schedule changed by any process re-seeds it.
This is how Quartz's clustered job store and db-scheduler fire a trigger once cluster-wide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..database import Database
from ..domain.models import ScheduleDue
from ..runs.identity import process_owner


@dataclass(frozen=True)
class DueTime:
    """A configuration's shared due time as stored."""

    key: str
    signature: str
    next_due_at: datetime | None
    #: "On order creation": the channel's order version already handed to a run.
    seen_version: int | None = None
    last_fired_at: datetime | None = None


def read_due_times(db: Database, keys: Iterable[str]) -> dict[str, DueTime]:
    """The stored due times of ``keys`` (missing keys are left out)."""
    wanted = list(keys)
    if not wanted:
        return {}
    with db.read() as session:
        rows = session.scalars(select(ScheduleDue).where(ScheduleDue.key.in_(wanted))).all()
        return {
            row.key: DueTime(
                row.key, row.signature, row.next_due_at, row.seen_version, row.last_fired_at
            )
            for row in rows
        }


def seed_due_time(
    db: Database,
    key: str,
    signature: str,
    next_due_at: datetime | None,
    *,
    replacing: DueTime | None,
    seen_version: int | None = None,
) -> DueTime:
    """Store the first due time of a (new or changed) schedule; return what is stored now.

    Only one of several schedulers seeding at once wins; the others get the winner's row.
    """
    with db.write() as session:
        if replacing is None:
            session.add(
                ScheduleDue(
                    key=key,
                    signature=signature,
                    next_due_at=next_due_at,
                    seen_version=seen_version,
                )
            )
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
        else:
            session.execute(
                update(ScheduleDue)
                .where(ScheduleDue.key == key, ScheduleDue.signature == replacing.signature)
                .values(signature=signature, next_due_at=next_due_at, seen_version=seen_version)
            )
    stored = read_due_times(db, [key]).get(key)
    if stored is None:  # removed meanwhile: try once more as new
        return seed_due_time(
            db, key, signature, next_due_at, replacing=None, seen_version=seen_version
        )
    return stored


def claim_due_time(db: Database, due: DueTime, next_due_at: datetime | None, now: datetime) -> bool:
    """Advance ``due`` to ``next_due_at`` if nobody else did; True when this process won."""
    with db.write() as session:
        result = session.execute(
            update(ScheduleDue)
            .where(
                ScheduleDue.key == due.key,
                ScheduleDue.signature == due.signature,
                ScheduleDue.next_due_at == due.next_due_at,
            )
            .values(next_due_at=next_due_at, last_fired_at=now, fired_by=process_owner())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def claim_new_orders(db: Database, due: DueTime, version: int, run_at: datetime) -> bool:
    """Hand the channel's order ``version`` to a run due at ``run_at`` (or at the due time
    already set); True when this process did it first."""
    with db.write() as session:
        result = session.execute(
            update(ScheduleDue)
            .where(
                ScheduleDue.key == due.key,
                ScheduleDue.signature == due.signature,
                ScheduleDue.seen_version == due.seen_version,
            )
            .values(
                seen_version=version,
                next_due_at=func.coalesce(ScheduleDue.next_due_at, run_at),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def forget_due_times(db: Database, keep: Iterable[str]) -> int:
    """Remove the rows of configurations no longer scheduled; how many."""
    kept = list(keep)
    with db.write() as session:
        statement = delete(ScheduleDue)
        if kept:
            statement = statement.where(ScheduleDue.key.not_in(kept))
        return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
