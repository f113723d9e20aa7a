"""Recovery of runs whose process died (SPEC §7.1, §7.2), before any run and by `recover`.

A RUNNING run is *abandoned* when nobody can still be working on it:

- its owner was a process on this host that no longer exists, or
- its owner is on another host (or on this host but out of reach of signals) and holds no valid
  lease on the run's configuration: the lease expired without renewal, so the owner crashed or
  lost the database.

A run whose owner is a live process on this host, or whose owner still holds a valid lease, is
never touched. Each abandoned run is recovered while holding its configuration's lease, so two
processes never recover the same run at once and no new run of that configuration starts in
between.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Collection

from sqlalchemy import select

from ..database import Database
from ..domain.models import Run, RunLogLine
from ..domain.statuses import RunKind, RunState
from ..engines.export import recover_export_run
from ..engines.intake.engine import recover_intake_run
from ..engines.status_import import recover_import_run
from ..runs.identity import owner_is_gone, process_owner
from ..runs.journal import RunEvents
from .leases import LeaseHolder, acquire_lease, lease_key, release_lease, valid_lease_owners

logger = logging.getLogger(__name__)

#: How an abandoned run of each kind is recovered.
RECOVERERS: dict[RunKind, Callable[..., str]] = {
    RunKind.EXPORT: recover_export_run,
    RunKind.IMPORT: recover_import_run,
    RunKind.INTAKE: recover_intake_run,
}


def _alive_on_this_host(owner: str) -> bool:
    """True when ``owner`` is a process of this host that exists and can be signalled."""
    try:
        host, pid_text, _ = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except OSError:  # gone, or not ours to signal: only its lease can tell
        return False
    return True


def _is_abandoned(owner: str | None, key: str, valid_leases: dict[str, str]) -> bool:
    if owner == process_owner():
        return False
    if owner is None or owner_is_gone(owner):
        return True
    if _alive_on_this_host(owner):
        return False
    return valid_leases.get(key) != owner


def abandoned_runs(db: Database) -> list[tuple[int, RunKind, str]]:
    """(run id, kind, lease key) of every abandoned RUNNING run, oldest first."""
    with db.read() as session:
        rows = session.execute(
            select(Run.id, Run.kind, Run.configuration_id, Run.dry_run, Run.owner)
            .where(Run.state == RunState.RUNNING.value)
            .order_by(Run.id)
        ).all()
    if not rows:
        return []
    valid_leases = valid_lease_owners(db)
    found = []
    for run_id, kind_value, configuration_id, dry_run, owner in rows:
        kind = RunKind(kind_value)
        key = lease_key(kind, configuration_id, dry_run=bool(dry_run))
        if _is_abandoned(owner, key, valid_leases):
            found.append((run_id, kind, key))
    return found


def abandoned_run_ids(db: Database) -> list[tuple[int, RunKind]]:
    """(run id, kind) of every abandoned RUNNING run."""
    return [(run_id, kind) for run_id, kind, _ in abandoned_runs(db)]


def _still_abandoned(db: Database, run_id: int, key: str) -> bool:
    with db.read() as session:
        run = session.get(Run, run_id)
        if run is None or run.state != RunState.RUNNING.value:
            return False
        owner = run.owner
    return _is_abandoned(owner, key, valid_lease_owners(db))


def _recover_one(db: Database, run_id: int, kind: RunKind, events: RunEvents | None) -> str:
    """Recover one abandoned run; the caller holds its configuration's lease."""
    with db.write() as session:
        # The run row's lock is the fence: a paused owner publishes only while holding it.
        run = session.get(Run, run_id, with_for_update=True)
        if run is not None and run.owner is not None and not owner_is_gone(run.owner):
            # Its owner is elsewhere and let the lease expire. Disown the run (under the lease)
            # so that the engines' recovery, which only takes over runs of vanished owners,
            # takes it, and so that the owner, should it resume, can not publish; the log says
            # whose it was.
            session.add(
                RunLogLine(
                    run_id=run_id,
                    level="WARNING",
                    message=f"process {run.owner} stopped renewing its lease on this "
                    f"configuration: the run is recovered by {process_owner()}",
                )
            )
            run.owner = None
    return RECOVERERS[kind](db, run_id, events=events)


def recover_abandoned_runs(
    db: Database, events: RunEvents | None = None, *, held: Collection[str] = ()
) -> list[str]:
    """Finish or roll back every abandoned run; returns one message per recovered run.

    ``held`` names lease keys the caller already holds (its runs are recovered directly).
    A run whose configuration's lease another live process holds is left to that process.
    A run whose recovery fails is logged and reported, and the others are still recovered.
    """
    messages: list[str] = []
    for run_id, kind, key in abandoned_runs(db):
        try:
            if key in held:
                messages.append(_recover_one(db, run_id, kind, events))
                continue
            lease = acquire_lease(db, key)
            if isinstance(lease, LeaseHolder):
                logger.info("run %s is left to %s, which holds %s", run_id, lease.owner, key)
                continue
            try:
                # Someone may have recovered it between the scan and taking the lease.
                if _still_abandoned(db, run_id, key):
                    messages.append(_recover_one(db, run_id, kind, events))
            finally:
                release_lease(db, lease)
        except Exception as exc:
            logger.exception("recovering run %s failed", run_id)
            messages.append(f"run {run_id}: recovery failed ({type(exc).__name__}: {exc})")
    return messages
