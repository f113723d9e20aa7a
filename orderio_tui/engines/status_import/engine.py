"""Running an order status import configuration (SPEC §4, §7, §7.2, §7.3).

A run takes the ready files of the service's inbox in name order. For each file, exactly once:

1. the run records the file's ``processing/`` path (``Run.temp_path``), then moves it there;
2. a file whose SHA-256 is in the configuration's ledger is archived as a duplicate, unapplied;
3. otherwise its entries are validated, checked and applied, the ledger row and the run's counts
   written, all in one transaction; an invalid or unsafe file rolls that transaction back and goes
   to the error directory with a ``.error.txt``;
4. the file moves to the archive (with a ``.report.txt`` when entries were rejected) and the run
   forgets the path.

A crash anywhere leaves the run RUNNING with the path recorded; recovery (:mod:`.recovery`)
archives the file when its SHA-256 is in the ledger and otherwise moves it back to the inbox.
Both read a configuration through :mod:`.settings`; the engine imports recovery, never the reverse.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ...database import Database
from ...domain.models import (
    ImportConfiguration,
    ImportedFile,
    IntakeConfiguration,
    IntakeFile,
    Lease,
    Run,
    utcnow,
)
from ...domain.statuses import RunState, ServiceKind, Trigger
from ...errors import NotFound
from ...runs.identity import owner_is_gone
from ...runs.journal import (
    IMPORT_COUNT_KEYS,
    RunEvents,
    RunJournal,
    RunOutcome,
    RunStarted,
    create_run,
    finish_run,
    outcome_of,
    record_failed_run,
)
from ...runs.progress import ProgressReporter
from ..failpoints import failpoint
from ..files import NotRegularFile, sha256_of
from ..sftp import TransportError
from ..sftp_pickup import PickedFile, Pickup, Settled, pick_up
from .entries import RESULT_FIELDS, EntryApplier, ImportScope, Rejection
from .inbox import (
    ERROR_SUFFIX,
    REPORT_SUFFIX,
    LinkedDirectoryError,
    companion,
    free_destination,
    move_file,
    remove_if_present,
    scan_inbox,
    write_text_durably,
)
from .reader import StatusFileError, iter_entry_batches
from .recovery import recover_abandoned_import_runs, settle_processing_file
from .settings import (
    STATUS_IMPORT,
    ImportLimits,
    ImportSettings,
    InboxKind,
    LimitError,
    describe_seconds,
    limits_from_environment,
    load_settings,
)

logger = logging.getLogger(__name__)

#: How many rejections of one file are copied into the run log; the report has all of them.
LOGGED_REJECTIONS = 20


@dataclass
class ImportCounts:
    """The counts of an import run (SPEC §10); applied/unchanged/rejected count order entries."""

    files: int = 0
    applied: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in IMPORT_COUNT_KEYS}

    def describe_entries(self) -> str:
        """The entry counts in words (``3 applied, 0 unchanged, 1 rejected``)."""
        return f"{self.applied} applied, {self.unchanged} unchanged, {self.rejected} rejected"


def run_import(
    db: Database,
    configuration_id: int,
    *,
    trigger: Trigger,
    dry_run: bool = False,
    events: RunEvents | None = None,
) -> RunOutcome:
    """Import the ready status files of the configuration's inbox and return what the run did.

    ``dry_run`` reads and checks every file and reports what would happen, but moves no file
    and changes no order. Problems of files and entries end up in the run (its state, log and
    results), never as exceptions; only an unknown configuration id raises :class:`NotFound`.
    """
    return run_inbox(
        db, configuration_id, InboxRun, trigger=trigger, dry_run=dry_run, events=events
    )


def run_inbox(
    db: Database,
    configuration_id: int,
    run_class: type[InboxRun],
    *,
    trigger: Trigger,
    dry_run: bool = False,
    events: RunEvents | None = None,
) -> RunOutcome:
    """Run a configuration that takes files from an inbox (status import or intake) with
    ``run_class``, which says what a file's content does; see :func:`run_import`."""
    kind = run_class.KIND
    label = kind.label
    with db.read() as session:
        settings = load_settings(session, configuration_id, kind)
        configuration = cast(
            ImportConfiguration | IntakeConfiguration | None,
            session.get(kind.configuration, configuration_id),
        )
    if settings is None or configuration is None:
        raise NotFound(
            f"{label} with id {configuration_id} does not exist: "
            f"list them with `orderio-tui {kind.run_kind.value} list`"
        )
    problem = run_class.configuration_problem(settings)
    try:
        limits = limits_from_environment()
    except LimitError as exc:
        problem = problem or str(exc)
    if problem is not None:
        return record_failed_run(
            db,
            kind=kind.run_kind,
            configuration=configuration,
            trigger=trigger,
            message=problem,
            dry_run=dry_run,
            events=events,
        )
    recover_abandoned_import_runs(db, configuration_id, events=events, kind=kind)
    started = _start_run(db, kind, settings, trigger, dry_run)
    if isinstance(started, str):
        return record_failed_run(
            db,
            kind=kind.run_kind,
            configuration=configuration,
            trigger=trigger,
            message=started,
            dry_run=dry_run,
            state=RunState.SKIPPED,
            events=events,
        )
    if events is not None:
        events.emit(started)
    run = run_class(db, settings, limits, started.run_id, dry_run, events)
    try:
        outcome = run.execute()
    except Exception as exc:
        logger.exception("%s run %s stopped by an unexpected error", kind.run_kind, started.run_id)
        outcome = run.abort(f"the {kind.run_kind.value} stopped on an unexpected error: {exc}")
    if events is not None:
        events.emit(outcome)
    return outcome


def _unexpected(exc: Exception) -> str:
    return (
        f"the file could not be processed ({type(exc).__name__}: {exc}); this is a fault of "
        "orderio, please report it with the file"
    )


def _configuration_problem(
    settings: ImportSettings, kind: InboxKind, service_kinds: tuple[ServiceKind, ...]
) -> str | None:
    if settings.service_kind not in service_kinds:
        wanted = " or ".join(k.value for k in service_kinds)
        return (
            f"service {settings.service_name} is a {settings.service_kind} service; an "
            f"{kind.label} needs an {wanted} service"
        )
    if not settings.service_enabled:
        return (
            f"service {settings.service_name} is disabled: enable it (services screen) "
            f"to run {kind.label} {settings.name}"
        )
    return None


def _start_run(
    db: Database, kind: InboxKind, settings: ImportSettings, trigger: Trigger, dry_run: bool
) -> RunStarted | str:
    """A new RUNNING run, or why it may not start (another run of it is active)."""
    run_kind = kind.run_kind
    with db.write() as session:
        active = session.execute(
            select(Run.id, Run.owner).where(
                Run.kind == run_kind.value,
                Run.configuration_id == settings.configuration_id,
                Run.state == RunState.RUNNING.value,
            )
        ).all()
        alive = [run_id for run_id, owner in active if not owner_is_gone(owner)]
        if alive:
            return (
                f"{kind.label} {settings.name} is already running (run {alive[0]}); "
                "this run was skipped"
            )
        run = create_run(
            session,
            kind=run_kind,
            configuration_id=settings.configuration_id,
            config_name=settings.name,
            channel_id=settings.channel_id,
            trigger=trigger,
            dry_run=dry_run,
        )
        return RunStarted(
            run.id, run_kind, settings.name, settings.channel_name, trigger, run.started_at
        )


def _extend_leases_for_the_hold(session: Session, since: datetime) -> None:
    """Add the time this transaction held SQLite's write lock to every lease valid at its start.

    No holder could renew its lease while the lock was held (a long file takes minutes), so
    none may expire for it: the leases are as long as if they had been renewed meanwhile.
    """
    held = utcnow() - since
    if held <= timedelta(0):
        return
    for lease in session.scalars(select(Lease)):
        if lease.expires_at > since:
            lease.expires_at = lease.expires_at + held


class _DryRunRollback(Exception):
    """Ends a dry run's transaction without committing it."""


class _ResultSpool:
    """Run results of a dry run, kept in a temporary file until its transaction is rolled back."""

    def __init__(self) -> None:
        # Closed by close(), when the run ends.
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def add(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._file.write(json.dumps(row) + "\n")

    def mark(self) -> int:
        return self._file.tell()

    def forget_since(self, mark: int) -> None:
        """Drop what was added after ``mark`` (the results of a file that proved invalid)."""
        self._file.seek(mark)
        self._file.truncate()

    def batches(self, size: int = 1000) -> Iterator[list[dict[str, Any]]]:
        self._file.flush()
        self._file.seek(0)
        batch: list[dict[str, Any]] = []
        for line in self._file:
            batch.append(json.loads(line))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        self._file.close()


class RejectionReport:
    """The ``.report.txt`` of a file, written only once the file has a rejected entry."""

    def __init__(self, path: Path, header: str) -> None:
        self.path = path
        self._header = header
        self._file: IO[str] | None = None

    def add(self, rejections: list[Rejection]) -> None:
        if not rejections:
            return
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8")
            self._file.write(self._header)
        for rejection in rejections:
            self._file.write(rejection.report_line() + "\n")

    def complete(self, summary: str) -> None:
        """Write the summary and make the report durable (before the file's commit)."""
        if self._file is None:
            return
        self._file.write(f"\n{summary}\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class FileOutcome:
    """What importing one file did (counted only when its transaction committed)."""

    applied: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)


class InboxRun:
    """One run of one import configuration.

    The intake (:mod:`orderio_tui.engines.intake.engine`) is a subclass: the class attributes
    and :meth:`_apply_entries` say what a file's content does, the rest is shared.
    """

    KIND: InboxKind = STATUS_IMPORT
    SERVICE_KINDS: tuple[ServiceKind, ...] = (ServiceKind.STATUS_IMPORT_XML,)
    #: Problems of a whole file: it goes to the error directory, nothing of it applied.
    FILE_ERRORS: tuple[type[Exception], ...] = (StatusFileError,)

    @property
    def _file_errors_or_rollback(self) -> tuple[type[Exception], ...]:
        return (*self.FILE_ERRORS, _DryRunRollback)

    #: What the reports call a file of this kind.
    FILE_WORD = "Status file"

    @classmethod
    def configuration_problem(cls, settings: ImportSettings) -> str | None:
        """Why a configuration with these settings can not run (its service), or None."""
        return _configuration_problem(settings, cls.KIND, cls.SERVICE_KINDS)

    def _failpoint(self, name: str) -> None:
        failpoint(f"{self.KIND.failpoints}:{name}")

    def _new_counts(self) -> ImportCounts:
        return ImportCounts()

    def __init__(
        self,
        db: Database,
        settings: ImportSettings,
        limits: ImportLimits,
        run_id: int,
        dry_run: bool,
        events: RunEvents | None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.limits = limits
        self.layout = settings.layout
        self.run_id = run_id
        self.dry_run = dry_run
        self.journal = RunJournal(db, run_id, settings.name, events)
        self.counts = self._new_counts()
        self.files: list[str] = []
        self.invalid_files = 0
        self.stuck_files = 0
        #: Files whose entries this run committed (the run ends PARTIAL, not FAILED, if it stops).
        self.committed_files = 0
        self._dry_run_hashes: set[str] = set()
        self._spool = _ResultSpool() if dry_run else None
        #: Files done of files found, and the entries read so far (set once the inbox is read).
        self._progress = self._files_progress(0)
        self._entries_read = 0

    # ------------------------------------------------------------------ run

    def execute(self) -> RunOutcome:
        layout = self.layout
        if not layout.inbox.is_dir():
            return self._finish(
                RunState.FAILED,
                f"inbox directory {layout.inbox} does not exist: create it or correct the "
                f"directory of service {self.settings.service_name}",
            )
        try:
            if self.dry_run:
                layout.refuse_linked_directories()
            else:
                layout.create_work_directories()
        except LinkedDirectoryError as exc:
            return self._finish(RunState.FAILED, exc.strerror or str(exc))
        except OSError as exc:
            return self._finish(
                RunState.FAILED,
                f"cannot create the processing, archive or error directory of "
                f"{layout.inbox}: {exc.strerror or exc}",
            )
        pickup = self._pick_up()
        if isinstance(pickup, str):
            return self._finish(RunState.FAILED, pickup)
        try:
            state, message = self._import_inbox()
            if pickup is not None:
                for line in pickup.settle(self._settled):
                    self.journal.log(line)
        finally:
            if pickup is not None:
                pickup.close()
        return self._finish(state, message)

    def _import_inbox(self) -> tuple[RunState, str]:
        """Take the ready files of the inbox (SPEC §7.2); the run's state and message."""
        layout = self.layout
        prefix = "dry run: " if self.dry_run else ""
        try:
            scan = scan_inbox(
                layout.inbox, self.settings.file_pattern, self.settings.min_file_age_seconds
            )
        except OSError as exc:
            return RunState.FAILED, f"cannot read inbox directory {layout.inbox}: {exc.strerror}"
        for line in scan.left:
            self.journal.log(line)
        if not scan.ready:
            self.journal.log(
                f"{prefix}no files matching {self.settings.file_pattern} ready in {layout.inbox}"
            )
            return RunState.SUCCEEDED, "no files to import"
        self.journal.log(f"{prefix}{len(scan.ready)} file(s) to import from {layout.inbox}")
        self._progress = self._files_progress(len(scan.ready))
        for done, path in enumerate(scan.ready, start=1):
            if self.dry_run:
                self._dry_run_file(path)
            else:
                self._import_file(path)
            self._progress.advance(done, entries=self._entries_read)
        self._progress.finish()
        return self._final_state(), self._summary()

    def _files_progress(self, files: int) -> ProgressReporter:
        return ProgressReporter(
            self.journal.events,
            run_id=self.run_id,
            kind=self.KIND.run_kind,
            config=self.settings.name,
            channel=self.settings.channel_name,
            unit="files",
            total=files,
        )

    def _read_entries(self, count: int) -> None:
        """``count`` more entries of the current file were read (for the progress)."""
        self._entries_read += count
        self._progress.advance(self._progress.done, entries=self._entries_read)

    # ------------------------------------------------------------------ SFTP pickup

    def _pick_up(self) -> Pickup | str | None:
        """Download the service's remote files into the inbox (SPEC §15); None for a local
        service or a dry run, the reason when the server could not be read."""
        server = self.settings.sftp
        if server is None:
            return None
        if self.dry_run:
            self.journal.log(f"dry run: files on {server.host} are not downloaded")
            return None
        problems = server.problems()
        if problems:
            return f"SFTP server of service {self.settings.service_name}: " + "; ".join(
                p.message for p in problems
            )
        try:
            pickup = pick_up(
                server,
                self.layout.inbox,
                pattern=self.settings.file_pattern,
                min_age=self.settings.min_file_age_seconds,
                max_size=self.settings.max_file_size,
                busy=lambda name: os.path.lexists(self.layout.processing / name),
            )
        except TransportError as exc:
            return f"picking up files from the SFTP server failed: {exc.message}"
        for line in pickup.notes:
            self.journal.log(line, "WARNING")
        self.journal.log(
            f"downloaded {len(pickup.files)} file(s) from {server.host}:{server.remote_directory}"
        )
        return pickup

    def _settled(self, picked: PickedFile) -> Settled:
        """Where a downloaded file goes on the server: its bytes are in the ledger (applied now
        or before) → archive; gone from inbox and processing otherwise → error; else it stays."""
        if self._ledger_entry(picked.sha256) is not None:
            return Settled.ARCHIVE
        name = picked.local.name
        if os.path.lexists(picked.local) or os.path.lexists(self.layout.processing / name):
            return Settled.STAYS
        return Settled.ERROR

    def abort(self, message: str) -> RunOutcome:
        """End the run after an unexpected error; a file it held is settled like in recovery."""
        self.journal.log(message, "ERROR")
        with self.db.read() as session:
            run = session.get(Run, self.run_id)
            processing_path = run.temp_path if run else None
            final_path = run.final_path if run else None
        if processing_path and not self.dry_run:
            try:
                settled = settle_processing_file(
                    self.db,
                    self.settings.configuration_id,
                    self.layout,
                    self.run_id,
                    Path(processing_path),
                    Path(final_path) if final_path else None,
                    self.KIND,
                )
                self.journal.log(settled.message)
            except Exception as exc:
                logger.exception("import run %s: settling %s failed", self.run_id, processing_path)
                self.journal.log(
                    f"{processing_path} could not be put back ({exc}): if the run history lists "
                    "it as archived its entries were applied and it belongs in the archive, "
                    "otherwise move it back to the inbox",
                    "ERROR",
                )
        return self._finish(RunState.PARTIAL if self.committed_files else RunState.FAILED, message)

    def _final_state(self) -> RunState:
        troubled = self.invalid_files + self.stuck_files
        done = self.counts.files - self.invalid_files
        if troubled and done <= 0:
            return RunState.FAILED
        if troubled or self.counts.rejected:
            return RunState.PARTIAL
        return RunState.SUCCEEDED

    def _summary(self) -> str:
        counts = self.counts
        parts = [
            f"{counts.files} file(s)",
            counts.describe_entries(),
            f"{counts.duplicates} duplicate file(s)",
        ]
        if self.invalid_files:
            parts.append(f"{self.invalid_files} invalid file(s) moved to {self.layout.error}")
        if self.stuck_files:
            parts.append(f"{self.stuck_files} file(s) could not be taken")
        text = ", ".join(parts)
        return f"dry run, nothing changed: {text}" if self.dry_run else text

    def _finish(self, state: RunState, message: str) -> RunOutcome:
        if self._spool is not None:
            self._store_spooled_results()
        level = {RunState.FAILED: "ERROR", RunState.PARTIAL: "WARNING"}.get(state, "INFO")
        self.journal.log(f"{state.value}: {message}", level)
        with self.db.write() as session:
            run = session.get(Run, self.run_id)
            assert run is not None
            finish_run(
                run, state=state, counts=self.counts.as_dict(), files=self.files, message=message
            )
            run.final_path = None
            return outcome_of(session, run)

    def _store_spooled_results(self) -> None:
        assert self._spool is not None
        try:
            for batch in self._spool.batches():
                with self.db.write() as session:
                    self.journal.add_results(session, batch)
        finally:
            self._spool.close()
            self._spool = None

    # ------------------------------------------------------------------ one file

    def _set_current_file(self, processing_path: Path | None) -> None:
        with self.db.write() as session:
            run = session.get(Run, self.run_id)
            assert run is not None
            run.temp_path = str(processing_path) if processing_path else None
            run.final_path = None
            run.counts = self.counts.as_dict()
            run.files = list(self.files)

    def _import_file(self, path: Path) -> None:
        name = path.name
        processing_path = self.layout.processing / name
        if os.path.lexists(processing_path):
            self.stuck_files += 1
            self.journal.log(
                f"{name} left in the inbox: a file of that name is in {self.layout.processing} "
                "(another run is importing it, or recovery has yet to return it)",
                "WARNING",
            )
            return
        self._set_current_file(processing_path)
        self._failpoint("after_intent")
        try:
            move_file(path, processing_path)
        except FileNotFoundError:
            self._set_current_file(None)
            self.journal.log(f"{name} was taken by another run before this one could take it")
            return
        except OSError as exc:
            self._set_current_file(None)
            self.stuck_files += 1
            self.journal.log(
                f"{name} left in the inbox: cannot move it to {self.layout.processing}: "
                f"{exc.strerror or exc}",
                "ERROR",
            )
            return
        self._failpoint("after_move")
        self.counts.files += 1
        try:
            sha256 = sha256_of(processing_path)
        except NotRegularFile:
            self._move_to_error(
                processing_path, "not a regular file (a link, FIFO or device); it is not read"
            )
            return
        except FileNotFoundError:
            self._vanished(processing_path)
            return
        except OSError as exc:
            self._move_to_error(processing_path, f"cannot read the file: {exc.strerror or exc}")
            return
        earlier = self._ledger_entry(sha256)
        if earlier is not None:
            self._archive_duplicate(processing_path, earlier)
            return
        self._apply_file(processing_path, sha256)

    def _ledger_entry(self, sha256: str) -> ImportedFile | IntakeFile | None:
        ledger = self.KIND.ledger
        with self.db.read() as session:
            found = session.scalars(
                select(ledger).where(
                    ledger.configuration_id == self.settings.configuration_id,
                    ledger.sha256 == sha256,
                )
            ).first()
            return cast(ImportedFile | IntakeFile | None, found)

    def _archive_duplicate(self, processing_path: Path, earlier: ImportedFile | IntakeFile) -> None:
        name = processing_path.name
        target = free_destination(self.layout.archive, name, self.run_id)
        move_file(processing_path, target)
        self.counts.duplicates += 1
        self.files.append(str(target))
        self._set_current_file(None)
        self.journal.log(
            f"{name} is a duplicate: the same bytes were imported as {earlier.file_name} "
            f"(run {earlier.run_id}); nothing applied, archived as {target.name}",
            "WARNING",
        )

    def _apply_file(self, processing_path: Path, sha256: str) -> None:
        name = processing_path.name
        target = free_destination(self.layout.archive, name, self.run_id)
        report_part = self.layout.report_part(name)
        try:
            outcome = self._apply_in_transaction(processing_path, sha256, target, report_part)
        except self.FILE_ERRORS as exc:
            remove_if_present(report_part)
            self._move_to_error(processing_path, str(exc))
            return
        except (SQLAlchemyError, OSError):
            raise  # the database or the file system: the run stops, the file is kept for later
        except Exception as exc:
            # Something in this file's content trips a bug: keep the file out of the inbox.
            logger.exception("import run %s: %s could not be processed", self.run_id, name)
            remove_if_present(report_part)
            self._move_to_error(processing_path, _unexpected(exc))
            return
        self._failpoint("after_commit")
        if outcome.rejected:
            move_file(report_part, companion(target, REPORT_SUFFIX))
        else:
            remove_if_present(report_part)
        move_file(processing_path, target)
        self._failpoint("after_archive")
        self._set_current_file(None)
        self.journal.log(
            f"{name}: {self._outcome_text(outcome)}; archived as {target}"
            + (f" with report {companion(target, REPORT_SUFFIX).name}" if outcome.rejected else "")
        )
        self._log_rejections(name, outcome.rejections, outcome.rejected)

    def _apply_in_transaction(
        self, processing_path: Path, sha256: str, target: Path, report_part: Path
    ) -> FileOutcome:
        """Apply the file's entries and record it in the ledger, in one transaction."""
        name = processing_path.name
        outcome = FileOutcome()
        report = RejectionReport(report_part, self._report_header(name))
        try:
            with self._file_transaction() as session:
                self._apply_entries(session, processing_path, name, outcome, report)
                session.add(
                    self.KIND.ledger(
                        configuration_id=self.settings.configuration_id,
                        sha256=sha256,
                        file_name=name,
                        run_id=self.run_id,
                    )
                )
                counts = self._counts_with(outcome)
                run = session.get(Run, self.run_id)
                assert run is not None
                run.counts = counts.as_dict()
                run.files = [*self.files, str(target)]
                run.final_path = str(target)
                run.file_sha256 = sha256
                session.flush()
                report.complete(self._outcome_text(outcome))
                self._failpoint("before_commit")
        finally:
            report.close()
        self.counts = self._counts_with(outcome)
        self.files.append(str(target))
        self.committed_files += 1
        return outcome

    def _apply_entries(
        self,
        session: Session,
        path: Path,
        name: str,
        outcome: FileOutcome,
        report: RejectionReport | None,
    ) -> None:
        """Check and apply the file's entries in ``session``, counting into ``outcome``.

        Raises one of :attr:`FILE_ERRORS` when the file as a whole is invalid. Without a
        ``report`` it is a dry run.
        """
        applier = EntryApplier(session, self._scope(name))
        for number, batch in enumerate(
            iter_entry_batches(path, max_size=self.settings.max_file_size, limits=self.limits)
        ):
            self._apply_batch(applier, session, batch, outcome, report)
            self._read_entries(len(batch))
            if number == 0 and report is not None:
                self._failpoint("mid_apply")

    def _outcome_text(self, outcome: FileOutcome) -> str:
        return (
            f"{outcome.applied} applied, {outcome.unchanged} unchanged, {outcome.rejected} rejected"
        )

    def _apply_batch(
        self,
        applier: EntryApplier,
        session: Session,
        batch: list[Any],
        outcome: FileOutcome,
        report: RejectionReport | None,
    ) -> None:
        result = applier.apply(batch)
        outcome.applied += result.applied
        outcome.unchanged += result.unchanged
        outcome.rejected += result.rejected
        room = LOGGED_REJECTIONS - len(outcome.rejections)
        if room > 0:
            outcome.rejections.extend(result.rejections[:room])
        if report is not None:
            report.add(result.rejections)
        if self._spool is not None:
            file_name = applier.scope.file_name
            self._spool.add(
                [
                    {**dict(zip(RESULT_FIELDS, row, strict=True)), "file_name": file_name}
                    for row in result.results
                ]
            )
        else:
            applier.write_results(result.results)

    @contextmanager
    def _file_transaction(self) -> Iterator[Session]:
        """The one write transaction of a file's entries, its work inside a savepoint.

        Whether the work commits or is undone (an invalid file, a dry run), the leases valid
        when the transaction began are extended by the time it held SQLite's write lock, in
        the transaction itself, which then commits.
        """
        undone: Exception | None = None
        with self.db.write() as session:
            since = utcnow()
            try:
                with session.begin_nested():
                    yield session
            except self._file_errors_or_rollback as exc:
                undone = exc
            if self.db.is_sqlite:
                _extend_leases_for_the_hold(session, since)
        if undone is not None:
            raise undone

    def _counts_with(self, outcome: FileOutcome) -> ImportCounts:
        counts = self.counts
        return replace(
            counts,
            applied=counts.applied + outcome.applied,
            unchanged=counts.unchanged + outcome.unchanged,
            rejected=counts.rejected + outcome.rejected,
        )

    def _scope(self, name: str) -> ImportScope:
        return ImportScope(
            channel_id=self.settings.channel_id,
            channel_name=self.settings.channel_name,
            store=self.settings.store,
            run_id=self.run_id,
            file_name=name,
            latest_change=utcnow() + timedelta(seconds=self.limits.future_tolerance_seconds),
            tolerance_text=describe_seconds(self.limits.future_tolerance_seconds),
        )

    def _report_header(self, name: str) -> str:
        return (
            f"{self.FILE_WORD} {name}: rejected entries\n"
            f"{self.KIND.label.capitalize()} {self.settings.name}, "
            f"channel {self.settings.channel_name}, "
            f"run {self.run_id}, {utcnow().isoformat(timespec='seconds')}\n"
            "The other entries of the file were applied; these were not.\n\n"
        )

    def _move_to_error(self, processing_path: Path, problem: str) -> None:
        name = processing_path.name
        target = free_destination(self.layout.error, name, self.run_id)
        report = companion(target, ERROR_SUFFIX)
        self._set_error_target(target)  # recovery finishes the move once the report exists
        write_text_durably(
            report,
            f"{self.FILE_WORD} {name} was not imported; nothing of it was applied.\n"
            f"{self.KIND.label.capitalize()} {self.settings.name}, "
            f"channel {self.settings.channel_name}, "
            f"run {self.run_id}, {utcnow().isoformat(timespec='seconds')}\n\n"
            f"Problem: {problem}\n\n"
            f"Correct the file and deliver it to {self.layout.inbox} again.\n",
        )
        self._failpoint("after_error_report")
        try:
            move_file(processing_path, target)
        except FileNotFoundError:
            remove_if_present(report)  # no report without its file
            self._vanished(processing_path)
            return
        self.invalid_files += 1
        self.files.append(str(target))
        self._set_current_file(None)
        self.journal.log(
            f"{name} not imported: {problem}; moved to {target} (see {report.name})",
            "ERROR",
        )

    def _set_error_target(self, target: Path) -> None:
        with self.db.write() as session:
            run = session.get(Run, self.run_id)
            assert run is not None
            run.final_path = str(target)

    def _vanished(self, processing_path: Path) -> None:
        """The file was taken out of ``processing/`` by someone else while this run held it."""
        self.stuck_files += 1
        self._set_current_file(None)
        self.journal.log(
            f"{processing_path.name} vanished from {self.layout.processing} while this run "
            "held it (removed by someone else); nothing of it was applied",
            "WARNING",
        )

    def _log_rejections(self, name: str, shown: list[Rejection], total: int) -> None:
        for rejection in shown:
            self.journal.log(f"{name} {rejection.report_line()}", "WARNING")
        if total > len(shown):
            self.journal.log(f"{name}: {total - len(shown)} more rejected entries in the report")

    # ------------------------------------------------------------------ dry run

    def _dry_run_file(self, path: Path) -> None:
        name = path.name
        self.counts.files += 1
        self.files.append(str(path))
        try:
            sha256 = sha256_of(path)
        except OSError as exc:
            self.invalid_files += 1
            reason = "not a regular file" if isinstance(exc, NotRegularFile) else exc.strerror
            self.journal.log(f"dry run: {name} cannot be read: {reason or exc}", "ERROR")
            return
        earlier = self._ledger_entry(sha256)
        if earlier is not None or sha256 in self._dry_run_hashes:
            self.counts.duplicates += 1
            self.journal.log(f"dry run: {name} is a duplicate and would be archived unapplied")
            return
        self._dry_run_hashes.add(sha256)
        outcome = FileOutcome()
        assert self._spool is not None
        mark = self._spool.mark()
        try:
            with self._file_transaction() as session:
                self._apply_entries(session, path, name, outcome, None)
                raise _DryRunRollback
        except _DryRunRollback:
            pass
        except (SQLAlchemyError, OSError):
            raise
        except Exception as exc:
            self._spool.forget_since(mark)
            self.invalid_files += 1
            problem = str(exc) if isinstance(exc, self.FILE_ERRORS) else _unexpected(exc)
            self.journal.log(
                f"dry run: {name} would go to {self.layout.error}: {problem}; nothing applied",
                "ERROR",
            )
            return
        self.counts = self._counts_with(outcome)
        self.journal.log(f"dry run: {name} would give {self._outcome_text(outcome)}")
        self._log_rejections(name, outcome.rejections, outcome.rejected)
