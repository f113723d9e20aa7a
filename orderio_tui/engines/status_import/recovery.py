"""Recovery of import runs whose process died (SPEC §7.2).

A run records the ``processing/`` path of the file it works on before it moves the file there,
and commits the file's SHA-256 to the ledger in the transaction that applies its entries. So the
ledger alone says what happened to a file left in ``processing/``: in the ledger, its updates are
committed and it is archived (with its report, if it has one); not in the ledger, nothing of it
was applied and it goes back to the inbox to be imported again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from ...database import Database
from ...domain.models import Run
from ...domain.statuses import RunState
from ...runs.identity import owner_is_gone, process_owner
from ...runs.journal import RunEvents, RunJournal, finish_run, outcome_of
from ..files import NotRegularFile, sha256_of
from .inbox import (
    ERROR_SUFFIX,
    REPORT_SUFFIX,
    InboxLayout,
    companion,
    free_destination,
    move_file,
    remove_if_present,
)
from .settings import STATUS_IMPORT, InboxKind, load_settings


@dataclass(frozen=True)
class SettledFile:
    """What became of a file left in ``processing/``."""

    message: str
    archived_as: Path | None = None


def settle_processing_file(
    db: Database,
    configuration_id: int,
    layout: InboxLayout,
    run_id: int,
    processing_path: Path,
    final_path: Path | None,
    kind: InboxKind = STATUS_IMPORT,
) -> SettledFile:
    """Archive a file a run left in ``processing/`` if it was applied, else return it.

    An invalid file whose ``.error.txt`` was already written (``final_path`` names its place in
    the error directory) is moved next to its report; a report whose file vanished is removed.
    """
    name = processing_path.name
    report_part = layout.report_part(name)
    error_report = _error_report(layout, final_path)
    if not os.path.lexists(processing_path):
        remove_if_present(report_part)
        if error_report is not None:
            remove_if_present(error_report)
        return SettledFile(f"{name} is no longer in {layout.processing}; nothing to move")
    try:
        sha256: str | None = sha256_of(processing_path)
    except NotRegularFile:
        sha256 = None  # never applied; back to the inbox, whose scan reports and leaves it
    applied = sha256 is not None and _in_ledger(db, kind, configuration_id, sha256)
    if applied:
        layout.archive.mkdir(parents=True, exist_ok=True)
        target = final_path
        if target is None or os.path.lexists(target) or error_report is not None:
            target = free_destination(layout.archive, name, run_id)
        if os.path.lexists(report_part):
            move_file(report_part, companion(target, REPORT_SUFFIX))
        move_file(processing_path, target)
        return SettledFile(
            f"{name} was applied before the interruption; archived as {target}", target
        )
    remove_if_present(report_part)
    if final_path is not None and error_report is not None and os.path.lexists(error_report):
        move_file(processing_path, final_path)
        return SettledFile(f"{name} was not valid; moved to {final_path} next to its report")
    target = free_destination(layout.inbox, name, run_id)
    move_file(processing_path, target)
    renamed = f" as {target.name}" if target.name != name else ""
    return SettledFile(
        f"{name} was not applied; moved back to the inbox{renamed} to be imported again"
    )


def _error_report(layout: InboxLayout, final_path: Path | None) -> Path | None:
    """The ``.error.txt`` a run meant to write for the file, if it chose the error directory."""
    if final_path is None or final_path.parent != layout.error or os.path.lexists(final_path):
        return None
    return companion(final_path, ERROR_SUFFIX)


def _in_ledger(db: Database, kind: InboxKind, configuration_id: int, sha256: str) -> bool:
    ledger = kind.ledger
    with db.read() as session:
        count = session.scalar(
            select(func.count())
            .select_from(ledger)
            .where(ledger.configuration_id == configuration_id, ledger.sha256 == sha256)
        )
    return (count or 0) > 0


def recover_import_run(
    db: Database, run_id: int, *, events: RunEvents | None = None, kind: InboxKind = STATUS_IMPORT
) -> str:
    """Finish an abandoned RUNNING import run (SPEC §7.2); returns a one-line message.

    The file the run held in ``processing/`` is archived when its SHA-256 is in the ledger and
    moved back to the inbox otherwise; the run ends PARTIAL when it had committed files, else
    FAILED. A run whose process is still alive is left alone.
    """
    with db.write() as session:
        # Locked until the claim below commits: a second recoverer then sees the new owner.
        run = session.get(Run, run_id, with_for_update=True)
        if run is None:
            return f"run {run_id} does not exist"
        what = f"{kind.run_kind.value} run"
        if run.kind != kind.run_kind.value:
            return f"run {run_id} is not an {what}"
        if run.state != RunState.RUNNING.value:
            return f"{what} {run_id} already ended ({run.state}); nothing to recover"
        if not owner_is_gone(run.owner):
            return f"{what} {run_id} is still active in process {run.owner}; left alone"
        former_owner = run.owner
        run.owner = process_owner()  # claim it: a second recoverer now sees a live owner
        configuration_id = run.configuration_id
        config_name = run.config_name
        processing_path = Path(run.temp_path) if run.temp_path else None
        final_path = Path(run.final_path) if run.final_path else None
        settings = load_settings(session, configuration_id, kind)
    journal = RunJournal(db, run_id, config_name, events)
    notes: list[str] = []
    archived: str | None = None
    if processing_path is not None:
        if settings is not None:
            layout = settings.layout
        else:  # the configuration was deleted: the inbox is the parent of processing/
            layout = InboxLayout.of(processing_path.parent.parent, None, None)
        settled = settle_processing_file(
            db, configuration_id, layout, run_id, processing_path, final_path, kind
        )
        notes.append(settled.message)
        if settled.archived_as is not None:
            archived = str(settled.archived_as)
    else:
        notes.append("it held no file")
    with db.read() as session:
        committed = (
            session.scalar(
                select(func.count()).select_from(kind.ledger).where(kind.ledger.run_id == run_id)
            )
            or 0
        )
    state = RunState.PARTIAL if committed else RunState.FAILED
    message = (
        f"interrupted: its process ({former_owner}) is gone; recovered: {'; '.join(notes)}"
        + (f"; {committed} file(s) had been applied" if committed else "; nothing was applied")
    )
    journal.log(message, "WARNING" if committed else "ERROR")
    with db.write() as session:
        run = session.get(Run, run_id)
        assert run is not None
        files = list(run.files or [])
        if archived and archived not in files:
            files.append(archived)
        finish_run(run, state=state, counts=dict(run.counts or {}), files=files, message=message)
        run.final_path = None
        outcome = outcome_of(session, run)
    if events is not None:
        events.emit(outcome)
    return f"{kind.run_kind.value} run {run_id} ({config_name}): {state.value}, {message}"


def recover_abandoned_import_runs(
    db: Database,
    configuration_id: int,
    *,
    events: RunEvents | None = None,
    kind: InboxKind = STATUS_IMPORT,
) -> list[str]:
    """Recover the abandoned RUNNING runs of one import configuration (before a new run)."""
    with db.read() as session:
        rows = session.execute(
            select(Run.id, Run.owner).where(
                Run.kind == kind.run_kind.value,
                Run.configuration_id == configuration_id,
                Run.state == RunState.RUNNING.value,
            )
        ).all()
    return [
        recover_import_run(db, run_id, events=events, kind=kind)
        for run_id, owner in rows
        if owner_is_gone(owner)
    ]
