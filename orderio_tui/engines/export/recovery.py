"""Recovering an export run that was interrupted (SPEC §7.1, §15): completed from its published
file, or rolled back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    select,
)

from ...database import Database
from ...domain.models import (
    ExportConfiguration,
    Run,
    RunLogLine,
    utcnow,
)
from ...domain.statuses import (
    RunKind,
    RunState,
)
from ...runs.identity import owner_is_gone, process_owner
from ...runs.journal import (
    LogLine,
    RunEvents,
    RunOutcome,
    finish_run,
    outcome_of,
)
from ..files import sha256_of
from ..sftp import TransportError
from .completion import (
    _complete,
    _complete_ahead,
    _counts_text,
    _release_claims,
)
from .delivery import Delivery
from .publishing import (
    ExportPaths,
)
from .settings import (
    EXPORTED,
    FAILED,
    ExportSettings,
)

logger = logging.getLogger(__name__)


def recover_abandoned_export_runs(
    db: Database, events: RunEvents | None = None, *, configuration_id: int | None = None
) -> list[str]:
    """Recover RUNNING export runs whose process on this host is gone; one message per run.

    With ``configuration_id`` only that configuration's runs (``run_export`` does this for its
    own configuration, whose lease its caller holds). Runs of other hosts are left to the jobs
    layer, which decides by their leases.
    """
    query = select(Run.id, Run.owner).where(
        Run.kind == RunKind.EXPORT.value, Run.state == RunState.RUNNING.value
    )
    if configuration_id is not None:
        query = query.where(Run.configuration_id == configuration_id)
    with db.read() as session:
        rows = session.execute(query.order_by(Run.id)).all()
    return [
        recover_export_run(db, run_id, events=events)
        for run_id, owner in rows
        if owner_is_gone(owner)
    ]


def recover_export_run(db: Database, run_id: int, *, events: RunEvents | None = None) -> str:
    """Finish an abandoned RUNNING export run (SPEC §7.1); returns a one-line message.

    A run whose owner may still be alive somewhere is disowned first (run row locked), so that
    the owner can no longer publish its file (see :func:`_ExportRun._fenced`). Then: published (the
    final file exists, or its SHA-256 was recorded and no part file is left, i.e. the consumer
    already took the file) → the run is completed from its recorded order list. Otherwise its part
    files are removed, its claims released and it is marked FAILED. A run delivering over SFTP
    asks the server instead (:meth:`Delivery.is_delivered`); when the server can not be asked the
    run stays RUNNING with its claims and its message says why.
    """
    with db.write() as session:
        run = _locked_run(session, run_id)
        if run is None:
            return f"run {run_id} does not exist"
        if run.kind != RunKind.EXPORT.value or run.state != RunState.RUNNING.value:
            return f"run {run_id} is a {run.state} {run.kind} run: nothing to recover"
        if not owner_is_gone(run.owner):
            run.owner = None  # it may still be alive somewhere: fence it off
        final = Path(run.final_path) if run.final_path else None
        part = Path(run.temp_path) if run.temp_path else None
        expected_sha = run.file_sha256
        dry_run = run.dry_run
        remote_path, uploaded = run.remote_path, bool(run.remote_uploaded)
        configuration = session.get(ExportConfiguration, run.configuration_id)
        settings = (
            ExportSettings.of(configuration, configuration.service, configuration.channel)
            if configuration is not None
            else None
        )

    paths = None
    if final is not None:
        paths = ExportPaths.from_part(final, part or final.with_name(f".{final.name}.part"))
    delivery = None
    if remote_path is not None and paths is not None and not dry_run:
        if settings is None or settings.sftp is None:
            return _undecided(
                db,
                run_id,
                f"its file was being delivered to {remote_path} over SFTP, but its "
                f"configuration or service no longer names an SFTP server: set the service's "
                f"server again, or check that file and remove the run's claims by hand",
            )
        delivery = Delivery(settings.sftp)
    try:
        if delivery is not None:
            assert paths is not None
            published = delivery.is_delivered(paths.final.name, uploaded=uploaded)
        else:
            published = paths is not None and not dry_run and _was_published(paths, expected_sha)
        if not published:
            what = "dry run" if dry_run else "run"
            outcome = _roll_back(
                db,
                run_id,
                paths,
                lambda name, released: (
                    f"recovered: '{name}' {what} {run_id} was interrupted before its file "
                    f"was {'delivered' if delivery else 'published'}: temporary file removed, "
                    f"{released} claimed orders released"
                ),
                level="WARNING",
                owned=False,
                delivery=delivery,
            )
            if outcome is None:
                return f"run {run_id} was finished meanwhile: nothing to recover"
            message = outcome.message
    except TransportError as exc:
        return _undecided(
            db,
            run_id,
            f"whether its file reached the server is not known: {exc.message}; the next run "
            f"(or `orderio-tui recover`) finishes it once the server is reachable",
        )
    finally:
        if delivery is not None:
            delivery.close()
    if published:
        assert paths is not None
        problems = _remove_temporary(paths)
        note = ""
        if delivery is not None:
            note = f" (delivered to {delivery.where(paths.final.name)})"
        elif not paths.final.exists():
            note = " (the file was already taken from the directory by its consumer)"
        elif expected_sha and sha256_of(paths.final) != expected_sha:
            note = " (the file has changed since it was written)"
        _complete_ahead(db, run_id, settings, paths.final.name)
        with db.write() as session:
            run = _locked_run(session, run_id)
            if run is None or run.state != RunState.RUNNING.value:
                return f"run {run_id} was finished meanwhile: nothing to recover"
            counts = _complete(session, run, settings, paths.final.name)
            message = (
                f"recovered: '{run.config_name}' run {run_id} completed from published file "
                f"{paths.final.name}{note}: {_counts_text(counts)}{problems}"
            )
            state = RunState.PARTIAL if counts[FAILED] else RunState.SUCCEEDED
            finish_run(run, state=state, counts=counts, files=[str(paths.final)], message=message)
            session.add(RunLogLine(run_id=run_id, level="WARNING", message=message))
            outcome = outcome_of(session, run)
    logger.warning("%s", message)
    if events is not None and outcome is not None:
        events.emit(LogLine(run_id, utcnow(), "WARNING", message, outcome.config))
        events.emit(outcome)
    return message


def _undecided(db: Database, run_id: int, reason: str) -> str:
    """Leave an interrupted run RUNNING (its claims held) and say why, in its log and message
    (which :func:`_unrecovered` repeats to the next run)."""
    message = f"run {run_id} can not be recovered now: {reason}"
    with db.write() as session:
        run = _locked_run(session, run_id)
        if run is None or run.state != RunState.RUNNING.value:
            return f"run {run_id} was finished meanwhile: nothing to recover"
        run.owner = None
        run.message = message
        session.add(RunLogLine(run_id=run_id, level="ERROR", message=message))
    logger.error("%s", message)
    return message


def _unrecovered(db: Database, configuration_id: int) -> str | None:
    """Why a run of the configuration can not start: an interrupted run of it that recovery
    could not decide (its server was unreachable) still holds its orders."""
    with db.read() as session:
        message = session.scalar(
            select(Run.message)
            .where(
                Run.kind == RunKind.EXPORT.value,
                Run.configuration_id == configuration_id,
                Run.state == RunState.RUNNING.value,
                Run.owner.is_(None),
                Run.message != "",
            )
            .limit(1)
        )
    return message or None


def _was_published(paths: ExportPaths, expected_sha: str | None) -> bool:
    """True when the run's file was renamed to its final name (whether or not it is still there).

    The SHA-256 is recorded only once the part file is complete, and a part file only goes away
    by the rename or by a roll-back, which clears the SHA-256 first: so a recorded SHA-256 without
    any part file means the file was published and its consumer has taken it since.
    """
    if paths.final.exists():
        return True
    return bool(expected_sha) and not paths.part.exists() and not paths.source.exists()


def _locked_run(session: Any, run_id: int) -> Run | None:
    """The run row, locked until the end of the transaction (PostgreSQL ``FOR UPDATE``).

    On SQLite the write transaction (``BEGIN IMMEDIATE``) already excludes every other writer.
    """
    found: Run | None = session.scalars(
        select(Run).where(Run.id == run_id).with_for_update()
    ).one_or_none()
    return found


def _owned_by_this_process(run: Run | None) -> bool:
    return run is not None and run.state == RunState.RUNNING.value and run.owner == process_owner()


def _remove_temporary(paths: ExportPaths | None) -> str:
    """Remove the run's part files; words for the run log about any that could not be removed.

    Never raises: on a read-only or failing file system the part files stay and are named.
    """
    if paths is None:
        return ""
    try:
        paths.remove_temporary()
    except OSError as exc:
        logger.warning("could not remove the temporary files of %s: %s", paths.final, exc)
        return (
            f"; its temporary file in '{paths.final.parent}' could not be removed "
            f"({exc.strerror or exc}): remove {paths.part.name} by hand"
        )
    return ""


def _roll_back(
    db: Database,
    run_id: int,
    paths: ExportPaths | None,
    describe: Callable[[str, int], str],
    *,
    level: str,
    owned: bool,
    delivery: Delivery | None = None,
) -> RunOutcome | None:
    """Un-publish nothing, release everything: the run ends FAILED and its part files go.

    ``describe(config name, released claims)`` gives the message. With ``owned`` the run must
    still be this process's own (else None: someone recovered it); otherwise it must be RUNNING.
    The SHA-256 (and ``remote_uploaded``) is cleared before the part files are removed, so that a
    crash in between can not make the run look published (:func:`_was_published`,
    :meth:`Delivery.is_delivered`). With ``delivery`` (SFTP, not delivered) the local file, which
    was only staged, and the remote temporary file go too.
    """
    with db.write() as session:
        run = _locked_run(session, run_id)
        if run is None or run.state != RunState.RUNNING.value:
            return None
        if owned and not _owned_by_this_process(run):
            return None
        run.file_sha256 = None
        run.remote_uploaded = False
    problems = _remove_temporary(paths)
    if delivery is not None and paths is not None:
        problems += delivery.remove_temporary(paths.final.name)
        problems += _remove_staged(paths)
    with db.write() as session:
        run = _locked_run(session, run_id)
        if run is None or run.state != RunState.RUNNING.value:
            return None
        released = _release_claims(session, run_id)
        message = describe(run.config_name, released) + problems
        counts = {**(run.counts or {}), EXPORTED: 0}
        finish_run(run, state=RunState.FAILED, counts=counts, files=[], message=message)
        run.final_path = None
        run.remote_path = None
        session.add(RunLogLine(run_id=run_id, level=level, message=message))
        return outcome_of(session, run)


def _remove_staged(paths: ExportPaths) -> str:
    """Remove the local copy of a file that was not delivered; words for the log on failure."""
    try:
        paths.final.unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("could not remove the staged file %s: %s", paths.final, exc)
        return (
            f"; the staged file {paths.final} could not be removed ({exc.strerror or exc}): "
            f"remove it by hand"
        )
    return ""
