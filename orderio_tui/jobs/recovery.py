"""Recovery of runs whose process died (SPEC §7.1, §7.2), before any run and by `recover`."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ..application.runs import RunEvents, owner_is_gone
from ..database import Database
from ..domain.models import Run
from ..domain.statuses import RunKind, RunState
from ..engines.export import recover_export_run
from ..engines.status_import import recover_import_run

logger = logging.getLogger(__name__)


def abandoned_run_ids(db: Database) -> list[tuple[int, RunKind]]:
    """RUNNING runs whose owner process is gone."""
    with db.read() as session:
        rows = session.execute(
            select(Run.id, Run.kind, Run.owner).where(Run.state == RunState.RUNNING.value)
        ).all()
    return [(run_id, RunKind(kind)) for run_id, kind, owner in rows if owner_is_gone(owner)]


def recover_abandoned_runs(db: Database, events: RunEvents | None = None) -> list[str]:
    """Finish or roll back every abandoned run; returns one message per recovered run."""
    messages: list[str] = []
    for run_id, kind in abandoned_run_ids(db):
        recover = recover_export_run if kind is RunKind.EXPORT else recover_import_run
        messages.append(recover(db, run_id, events=events))
    return messages
