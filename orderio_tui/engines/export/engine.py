"""The order export run and its exactly-once protocol (SPEC §3, §6.1, §7, §7.1).

A run goes through four steps:

1. **Claim** (one transaction): create the run, write its file paths, select the orders with the
   configuration's conditions (one SQL query) and claim them. A claimed order is not selected by
   any other run. The run keeps the claimed ids in file order, 8 bytes per order.
2. **Write**: stream the claimed orders into ``.<name>.part`` in the target directory. An order
   that fails validation is left out and recorded as a failed result at once (own transaction),
   together with its reason.
3. **Publish**: flush and fsync the part file, store its SHA-256 in the run, rename it to its
   final name, fsync the directory.
4. **Complete**: apply the configuration's status transitions to the exported orders and
   EXPORTFAILED to the failed ones (when status updates are on), write the ledger and the
   per-order results, release the claims and finish the run — set-based statements over the
   run's claims, in one transaction per 50,000 orders that releases their claims with them
   (:func:`_complete_ahead`), the last one finishing the run.

The claim is an executemany of the ids; the reads of a batch bind its ids as one value (an
array on PostgreSQL, JSON on SQLite: :mod:`.id_sets`) and look up primary or indexed foreign
keys, so they plan the same with or without table statistics.

Because the failed orders are in the database before the rename, "the orders in the published
file" are exactly "the claimed orders without a failed result". :func:`recover_export_run` uses
that: an interrupted run whose final file exists is completed from it (step 4), otherwise its part
files are removed, its claims released and the run marked FAILED. After recovery an order is
marked exported if and only if it is in exactly one published file of that configuration.

For a service with SFTP transport (SPEC §15) step 3 continues on the server (:mod:`.delivery`):
the published file is uploaded under a temporary name, recorded as uploaded, and renamed there,
fenced like the local rename; the remote rename is what "published" means for its recovery.
"""

from __future__ import annotations

import logging
import os
import re
import time
from array import array
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from ...database import Database, environment_fault, log_failure
from ...domain.models import (
    Run,
    RunLogLine,
    utcnow,
)
from ...domain.statuses import (
    RunKind,
    RunState,
    Trigger,
)
from ...runs.journal import (
    LogLine,
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
from ..sftp import TransportError
from .completion import (
    _claim_orders,
    _complete,
    _complete_ahead,
    _matching_ids,
)
from .delivery import Delivery, DeliveryUnknown
from .order_xml import OrderXmlWriter
from .publishing import (
    ExportPaths,
    open_part_file,
    publish,
)
from .reading import order_batches
from .recovery import (
    _locked_run,
    _owned_by_this_process,
    _remove_temporary,
    _roll_back,
    _unrecovered,
    recover_abandoned_export_runs,
    recover_export_run,
)
from .settings import (
    ABORT_ATTEMPTS,
    ABORT_RETRY_SECONDS,
    EXPORTED,
    FAILED,
    LOGGED_FAILURES,
    REMOTE_RENAME_SECONDS,
    ExportInterrupted,
    ExportSettings,
    LeaseLost,
    RunTakenOver,
    _load_settings,
    _preflight,
)
from .stylesheet import StylesheetError, TransformLimits, transform_file
from .validation import validate_order

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- entry points


def run_export(
    db: Database,
    configuration_id: int,
    *,
    trigger: Trigger,
    dry_run: bool = False,
    events: RunEvents | None = None,
    still_leased: Callable[[], bool] | None = None,
) -> RunOutcome:
    """Run one export configuration now (SPEC §7.1) and return what it did.

    Abandoned runs of this configuration are recovered first. A run that cannot start (disabled
    service, missing or unwritable directory, bad stylesheet) is recorded as FAILED and changes
    nothing. With ``dry_run`` the orders are selected and validated, and nothing else changes.

    ``still_leased`` (the caller's lease, renewed on the spot) is asked right before publishing:
    when it says False the run aborts without publishing. Independently of it, the file is only
    renamed while the run row is locked and still owned by this process (see :func:`_fenced`).
    """
    recover_abandoned_export_runs(db, events=events, configuration_id=configuration_id)
    settings = _load_settings(db, configuration_id)
    problem, transform = _preflight(settings)
    problem = problem or _unrecovered(db, configuration_id)
    if problem:
        return record_failed_run(
            db,
            kind=RunKind.EXPORT,
            configuration=settings.configuration,
            trigger=trigger,
            message=problem,
            dry_run=dry_run,
            events=events,
        )
    if dry_run:
        return _dry_run(db, settings, trigger, events)
    return _ExportRun(db, settings, trigger, transform, events, still_leased).run()


# --------------------------------------------------------------------------- the run


class _ExportRun:
    """One real (not dry) export run, step by step."""

    def __init__(
        self,
        db: Database,
        settings: ExportSettings,
        trigger: Trigger,
        transform: TransformLimits | None,
        events: RunEvents | None,
        still_leased: Callable[[], bool] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.trigger = trigger
        self.transform = transform
        self.events = events
        self.still_leased = still_leased
        self.run_id = 0
        self.paths: ExportPaths | None = None
        self.journal: RunJournal | None = None
        #: The claimed orders in file order (creation time, id).
        self.order_ids = array("q")
        self.delivery = Delivery(settings.sftp) if settings.sftp is not None else None

    # -- step 1

    def _claim(self) -> RunOutcome | int:
        """Create the run and claim its orders; an outcome when the run ends here."""
        settings = self.settings
        for attempt in range(3):
            try:
                with self.db.write() as session:
                    active = session.scalar(
                        select(Run.id)
                        .where(
                            Run.kind == RunKind.EXPORT.value,
                            Run.configuration_id == settings.configuration_id,
                            Run.state == RunState.RUNNING.value,
                            Run.dry_run.is_(False),
                        )
                        .limit(1)
                    )
                    if active is not None:
                        return self._skipped(session, active)
                    run = create_run(
                        session,
                        kind=RunKind.EXPORT,
                        configuration_id=settings.configuration_id,
                        config_name=settings.name,
                        channel_id=settings.channel_id,
                        trigger=self.trigger,
                    )
                    self.run_id = run.id
                    self.paths = ExportPaths.for_run(
                        settings.directory,
                        settings.prefix,
                        run.started_at,
                        run.id,
                        settings.extension,
                    )
                    run.final_path = str(self.paths.final)
                    run.temp_path = str(self.paths.part)
                    if self.delivery is not None:
                        run.remote_path = self.delivery.remote_path(self.paths.final.name)
                    self.order_ids = _matching_ids(session, settings, run.started_at)
                    _claim_orders(session, run.id, self.order_ids)
                    selected = len(self.order_ids)
                    run.counts = {"selected": selected, EXPORTED: 0, FAILED: 0}
                    if not selected:
                        message = (
                            f"no order matches the conditions of '{settings.name}': no file written"
                        )
                        finish_run(run, state=RunState.SUCCEEDED, files=[], message=message)
                        run.final_path = None
                        session.add(RunLogLine(run_id=run.id, message=message))
                        return outcome_of(session, run)
                    return selected
            except IntegrityError:
                # Another database client claimed some of the same orders at the same time
                # (PostgreSQL); the conditions leave them out on the next attempt.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _skipped(self, session: Any, active: int) -> RunOutcome:
        settings = self.settings
        message = f"'{settings.name}' is already running (run {active}): this run was skipped"
        run = create_run(
            session,
            kind=RunKind.EXPORT,
            configuration_id=settings.configuration_id,
            config_name=settings.name,
            channel_id=settings.channel_id,
            trigger=self.trigger,
            state=RunState.SKIPPED,
            message=message,
        )
        session.add(RunLogLine(run_id=run.id, level="WARNING", message=message))
        return outcome_of(session, run)

    # -- entry

    def run(self) -> RunOutcome:
        try:
            return self._run()
        finally:
            if self.delivery is not None:
                self.delivery.close()

    def _run(self) -> RunOutcome:
        try:
            claimed = self._claim()
        except DBAPIError as exc:
            fault = environment_fault(exc)
            if fault is None:
                raise
            raise ExportInterrupted(
                f"'{self.settings.name}' could not start: {fault}; nothing was changed"
            ) from None
        if isinstance(claimed, RunOutcome):
            if claimed.run_id is not None and self.events is not None:
                self._emit_started()
                self.events.emit(LogLine(claimed.run_id, utcnow(), "INFO", claimed.message))
                self.events.emit(claimed)
            return claimed
        assert self.paths is not None
        settings = self.settings
        self.journal = RunJournal(self.db, self.run_id, settings.name, self.events)
        self._emit_started()
        try:
            self.journal.log(
                f"selected {claimed} orders of channel '{settings.channel}' for "
                f"{self.paths.final.name} in {settings.directory}"
            )
            failpoint("export:after_claim")
            written, failed, sha256 = self._write()
            if written == 0:
                return self._finish_without_file(failed)
            with self.db.write() as session:
                run = self._fenced(session)
                run.file_sha256 = sha256
                run.counts = {"selected": claimed, EXPORTED: written, FAILED: failed}
            if self.delivery is not None:
                self.delivery.connected()  # a server that is down fails the run before publishing
            failpoint("export:before_rename")
            self._publish()
            failpoint("export:after_rename")
            if self.delivery is not None:
                self._deliver(written)
        except DeliveryUnknown as exc:
            self._hand_over_to_recovery()
            raise ExportInterrupted(
                f"'{settings.name}' run {self.run_id}: {exc}; the next run (or `orderio-tui "
                f"recover`) asks the server and completes or rolls back the run"
            ) from None
        except Exception as exc:
            return self._abort(exc)
        try:
            if self.delivery is None:
                self.journal.log(f"published {self.paths.final.name} ({written} orders)")
            return self._complete_published()
        except Exception as exc:
            # The file is out; its orders must be completed, not released. Recovery does that
            # from the file; if even that fails, the run is left for the next recovery.
            fault = log_failure(
                logger, f"completing export run {self.run_id} failed; recovering it", exc
            )
            try:
                recover_export_run(self.db, self.run_id, events=self.events)
                with self.db.read() as session:
                    return outcome_of(session, session.get_one(Run, self.run_id))
            except Exception as again:
                self._hand_over_to_recovery()
                fault = fault or environment_fault(again)
                if fault is None:
                    raise
                raise ExportInterrupted(
                    f"'{self.settings.name}' run {self.run_id} published "
                    f"{self.paths.final}, but recording that failed: {fault}; the next run "
                    f"(or `orderio-tui recover`) completes it from the file"
                ) from None

    def _fenced(self, session: Any) -> Run:
        """The run row, locked, if it is still this process's RUNNING run; else RunTakenOver.

        Every step that commits to the run's outcome (recording the file, the rename, the
        completion) goes through here, and recovery disowns a run under the same lock.
        """
        run = _locked_run(session, self.run_id)
        if run is None or not _owned_by_this_process(run):
            raise RunTakenOver(f"run {self.run_id} was recovered by another process")
        return run

    def _publish(self) -> None:
        """Rename the part file to its final name, fenced: only while the run is still ours.

        The lease is renewed on the spot first; then the rename happens inside a transaction that
        holds the run row, so a recoverer (which takes the same lock to disown the run) either
        comes after it and finds the file, or before it and the rename does not happen.
        """
        assert self.paths is not None
        if self.still_leased is not None and not self.still_leased():
            raise LeaseLost(
                f"the lease on '{self.settings.name}' was lost (this process was paused or cut "
                f"off from the database longer than the lease lasts)"
            )
        with self.db.write() as session:
            self._fenced(session)
            publish(self.paths)

    def _deliver(self, written: int) -> None:
        """Upload the published file, mark it uploaded, rename it on the server (SPEC §15).

        The rename is fenced like the local one: it happens only while the run row is locked and
        still this process's, so a recoverer either finds the remote file or prevents it.
        """
        assert self.paths is not None and self.delivery is not None
        name = self.paths.final.name
        self._log(f"staged {name} ({written} orders) in {self.settings.directory}")
        session = self.delivery.connected()
        stale = self.delivery.remove_stale(self._finished_uploads)
        if stale:
            self._log(f"removed {len(stale)} temporary file(s) of ended runs: {', '.join(stale)}")
        upload = self._progress("bytes", self.paths.final.stat().st_size)
        session.send(self.paths.final, name, progress=lambda sent, _size: upload.advance(sent))
        upload.finish()
        with self.db.write() as db_session:
            self._fenced(db_session).remote_uploaded = True
        failpoint("export:before_remote_rename")
        if self.still_leased is not None and not self.still_leased():
            raise LeaseLost(
                f"the lease on '{self.settings.name}' was lost before the remote rename (this "
                f"process was paused or cut off from the database longer than the lease lasts)"
            )
        with self.db.write() as db_session:
            self._fenced(db_session)
            try:
                session.rename_into_place(name, timeout=REMOTE_RENAME_SECONDS)
            except TransportError as exc:
                raise DeliveryUnknown(
                    f"the connection broke while {name} was renamed on "
                    f"{self.delivery.settings.host} ({exc.message}), so whether it was delivered "
                    f"is not known yet"
                ) from exc
        self._log(f"delivered {name} to {self.delivery.where(name)}")

    def _finished_uploads(self, hidden: list[str]) -> list[str]:
        """The remote temporary files among ``hidden`` of this configuration's ended runs."""
        settings = self.settings
        pattern = re.compile(
            rf"\.{re.escape(settings.prefix)}-\d{{8}}T\d{{6}}Z-(\d+){re.escape(settings.extension)}"
            rf"\.part"
        )
        by_run = {int(m.group(1)): m.group(0) for m in map(pattern.fullmatch, hidden) if m}
        if not by_run:
            return []
        with self.db.read() as session:
            ended = session.scalars(
                select(Run.id).where(
                    Run.id.in_(sorted(by_run)),
                    Run.kind == RunKind.EXPORT.value,
                    Run.configuration_id == settings.configuration_id,
                    Run.state != RunState.RUNNING.value,
                )
            ).all()
        return [by_run[run_id] for run_id in ended]

    def _hand_over_to_recovery(self) -> None:
        """Mark the run as ownerless so that the next recovery completes it."""
        try:
            with self.db.write() as session:
                session.get_one(Run, self.run_id).owner = None
        except Exception as exc:
            log_failure(
                logger,
                f"could not hand export run {self.run_id} over to recovery; it is recovered "
                f"once this process has ended",
                exc,
            )

    def _emit_started(self) -> None:
        if self.events is None:
            return
        self.events.emit(
            RunStarted(
                self.run_id,
                RunKind.EXPORT,
                self.settings.name,
                self.settings.channel,
                self.trigger,
                utcnow(),
            )
        )

    def _progress(self, unit: str, total: int) -> ProgressReporter:
        return _progress(self.events, self.run_id, self.settings, unit, total)

    # -- step 2

    def _write(self) -> tuple[int, int, str]:
        """Write the part file; returns (orders written, orders failed, SHA-256 of the file)."""
        assert self.paths is not None
        target = self.paths.source if self.transform is not None else self.paths.part
        descriptor = open_part_file(target)
        with os.fdopen(descriptor, "wb", buffering=1 << 20) as sink:
            writer = OrderXmlWriter(sink.write)
            failed = 0
            first_batch = True
            progress = self._progress("orders", len(self.order_ids))
            with self.db.engine.connect() as connection:
                for batch in order_batches(connection, self.order_ids, self.settings.store):
                    failures = []
                    for order in batch:
                        problem = validate_order(order)
                        if problem is None:
                            writer.add(order)
                        else:
                            failures.append((order, problem))
                    if failures:
                        self._record_failures(failures, failed)
                        failed += len(failures)
                    progress.advance(writer.orders + failed)
                    if first_batch:
                        writer.flush()
                        sink.flush()
                        failpoint("export:while_writing")
                        first_batch = False
            progress.finish()
            sha256 = writer.close()
            sink.flush()
            os.fsync(sink.fileno())
        if failed > LOGGED_FAILURES:
            self._log(f"… and {failed - LOGGED_FAILURES} more failed orders (see the results)")
        if self.transform is None or writer.orders == 0:
            return writer.orders, failed, sha256
        return writer.orders, failed, self._apply_stylesheet()

    def _apply_stylesheet(self) -> str:
        """Transform the XML source into the part file; returns the part file's SHA-256."""
        assert self.paths is not None and self.transform is not None
        assert self.settings.stylesheet is not None
        sha256 = transform_file(
            self.settings.stylesheet, self.paths.source, self.paths.part, self.transform
        )
        self.paths.source.unlink()
        size = self.paths.part.stat().st_size
        self._log(f"applied stylesheet {self.settings.stylesheet.name} ({size} bytes)")
        return sha256

    def _record_failures(self, failures: list[tuple[Any, Any]], already: int) -> None:
        assert self.journal is not None
        with self.db.write() as session:
            self.journal.add_results(
                session,
                [
                    {
                        "order_id": order.id,
                        "document_no": order.document_no,
                        "outcome": FAILED,
                        "reason_code": problem.code,
                        "reason_text": problem.text,
                    }
                    for order, problem in failures
                ],
            )
        for index, (order, problem) in enumerate(failures, start=already):
            if index >= LOGGED_FAILURES:
                break
            self._log(
                f"order {order.document_no} left out: {problem.code}: {problem.text}", "WARNING"
            )

    def _log(self, message: str, level: str = "INFO") -> None:
        assert self.journal is not None
        self.journal.log(message, level)

    # -- step 4

    def _complete_published(self) -> RunOutcome:
        assert self.paths is not None
        settings = self.settings
        _complete_ahead(self.db, self.run_id, settings, self.paths.final.name)
        with self.db.write() as session:
            run = _locked_run(session, self.run_id)
            assert run is not None
            if run.state != RunState.RUNNING.value:
                # Recovered meanwhile (this process paused after the rename): completed from
                # the file by the recoverer.
                return self._finished(outcome_of(session, run))
            counts = _complete(session, run, settings, self.paths.final.name)
            state = RunState.PARTIAL if counts[FAILED] else RunState.SUCCEEDED
            target = (
                self.delivery.where(self.paths.final.name)
                if self.delivery is not None
                else str(self.paths.final)
            )
            message = f"exported {counts[EXPORTED]} of {counts['selected']} orders to {target}" + (
                f"; {counts[FAILED]} failed validation" if counts[FAILED] else ""
            )
            finish_run(
                run, state=state, counts=counts, files=[str(self.paths.final)], message=message
            )
            session.add(RunLogLine(run_id=run.id, message=message))
            failpoint("export:during_commit")
            outcome = outcome_of(session, run)
        return self._finished(outcome)

    def _finish_without_file(self, failed: int) -> RunOutcome:
        """Every selected order failed validation: no file; the failures are still applied.

        The state is PARTIAL, not FAILED: the run itself worked, its orders did not (SPEC §7
        keeps FAILED for runs that could apply nothing, such as a missing directory).
        """
        assert self.paths is not None
        with self.db.write() as session:
            run = self._fenced(session)
            run.file_sha256 = None
        problems = _remove_temporary(self.paths)
        with self.db.write() as session:
            run = self._fenced(session)
            counts = _complete(session, run, self.settings, None)
            message = f"all {failed} selected orders failed validation: no file written" + (
                "; they are now EXPORTFAILED" if self.settings.status_updates else ""
            )
            message += problems
            finish_run(run, state=RunState.PARTIAL, counts=counts, files=[], message=message)
            run.final_path = None
            session.add(RunLogLine(run_id=run.id, level="WARNING", message=message))
            outcome = outcome_of(session, run)
        return self._finished(outcome)

    def _abort(self, exc: Exception) -> RunOutcome:
        """The file was not published: remove it, release the claims, fail the run.

        A run that another process recovered meanwhile is left as that process recorded it;
        only this run's own part files are removed.
        """
        assert self.paths is not None
        reason = self._reason(exc)
        outcome = None
        if not isinstance(exc, RunTakenOver):
            for attempt in range(1, ABORT_ATTEMPTS + 1):
                try:
                    outcome = _roll_back(
                        self.db,
                        self.run_id,
                        self.paths,
                        lambda name, released: (
                            f"{reason}; no file published, {released} claimed orders released"
                        ),
                        level="ERROR",
                        owned=True,
                        delivery=self.delivery,
                    )
                    break
                except DBAPIError as again:
                    fault = environment_fault(again)
                    if fault is None:
                        raise
                    if attempt == ABORT_ATTEMPTS:
                        self._hand_over_to_recovery()
                        raise ExportInterrupted(
                            f"'{self.settings.name}' run {self.run_id} failed: {reason}; no "
                            f"file was published, but the run could not be marked FAILED "
                            f"either: {fault}; the next run (or `orderio-tui recover`) releases "
                            f"its claimed orders"
                        ) from None
                    time.sleep(ABORT_RETRY_SECONDS)
        if outcome is None:
            return self._taken_over()
        return self._finished(outcome)

    def _reason(self, exc: Exception) -> str:
        if isinstance(exc, (StylesheetError, LeaseLost)):
            return str(exc)
        if isinstance(exc, TransportError):
            return f"delivering the export file over SFTP failed: {exc.message}"
        if isinstance(exc, OSError):
            return (
                f"writing the export file in '{self.settings.directory}' failed "
                f"({exc.strerror or exc}): check the directory and free disk space"
            )
        if isinstance(exc, RunTakenOver):
            return str(exc)
        fault = environment_fault(exc)
        if fault is not None:
            return fault
        logger.error("export run %s failed", self.run_id, exc_info=exc)
        return f"export failed: {type(exc).__name__}: {exc}"

    def _taken_over(self) -> RunOutcome:
        """This run was recovered by another process while it was paused: it publishes nothing."""
        assert self.paths is not None
        with self.db.write() as session:
            run = _locked_run(session, self.run_id)
            assert run is not None
            # A recovery still under way decides by the part files: leave them to it.
            problems = ""
            if run.state != RunState.RUNNING.value:
                problems = _remove_temporary(self.paths)
            message = (
                f"run {self.run_id} of '{self.settings.name}' was paused longer than its lease "
                f"and recovered by another process meanwhile: its file was not published"
                f"{problems}"
            )
            session.add(RunLogLine(run_id=self.run_id, level="WARNING", message=message))
            outcome = outcome_of(session, run)
        logger.warning("%s", message)
        return self._finished(replace(outcome, message=message))

    def _finished(self, outcome: RunOutcome) -> RunOutcome:
        if self.events is not None:
            level = "ERROR" if outcome.state is RunState.FAILED else "INFO"
            self.events.emit(LogLine(self.run_id, utcnow(), level, outcome.message, outcome.config))
            self.events.emit(outcome)
        return outcome


# --------------------------------------------------------------------------- dry run


def _progress(
    events: RunEvents | None, run_id: int, settings: ExportSettings, unit: str, total: int
) -> ProgressReporter:
    """The reporter of one counted step of an export run (orders written, bytes uploaded)."""
    return ProgressReporter(
        events,
        run_id=run_id,
        kind=RunKind.EXPORT,
        config=settings.name,
        channel=settings.channel,
        unit=unit,
        total=total,
    )


def _dry_run(
    db: Database, settings: ExportSettings, trigger: Trigger, events: RunEvents | None
) -> RunOutcome:
    """Select and validate as a run would; record the dry run and nothing else."""
    with db.write() as session:
        run = create_run(
            session,
            kind=RunKind.EXPORT,
            configuration_id=settings.configuration_id,
            config_name=settings.name,
            channel_id=settings.channel_id,
            trigger=trigger,
            dry_run=True,
        )
        run_id, started_at = run.id, run.started_at
    name = ExportPaths.for_run(
        settings.directory, settings.prefix, started_at, run_id, settings.extension
    ).final.name
    journal = RunJournal(db, run_id, settings.name, events)
    if events is not None:
        events.emit(
            RunStarted(run_id, RunKind.EXPORT, settings.name, settings.channel, trigger, started_at)
        )
    selected = valid = 0
    logged = 0
    with db.read() as session:
        order_ids = _matching_ids(session, settings, started_at)
    progress = _progress(events, run_id, settings, "orders", len(order_ids))
    with db.engine.connect() as connection:
        for batch in order_batches(connection, order_ids, settings.store):
            selected += len(batch)
            progress.advance(selected)
            batch_failures = []
            for order in batch:
                problem = validate_order(order)
                if problem is None:
                    valid += 1
                else:
                    batch_failures.append(
                        {
                            "order_id": order.id,
                            "document_no": order.document_no,
                            "outcome": FAILED,
                            "reason_code": problem.code,
                            "reason_text": problem.text,
                        }
                    )
            if batch_failures:
                with db.write() as session:
                    journal.add_results(session, batch_failures)
                for failure in batch_failures:
                    if logged < LOGGED_FAILURES:
                        logged += 1
                        journal.log(
                            f"order {failure['document_no']} would be left out: "
                            f"{failure['reason_code']}: {failure['reason_text']}",
                            "WARNING",
                        )
    progress.finish()
    failed = selected - valid
    counts = {"selected": selected, EXPORTED: valid, FAILED: failed}
    if selected == 0:
        message = f"dry run: no order matches the conditions of '{settings.name}'"
        state = RunState.SUCCEEDED
    else:
        message = (
            f"dry run: would export {valid} of {selected} orders to "
            f"{settings.directory / name}"
            + (f"; {failed} would fail validation" if failed else "")
            + ("" if valid else "; no file would be written")
            + ("" if settings.status_updates else "; status updates are off")
        )
        state = RunState.PARTIAL if failed else RunState.SUCCEEDED
    with db.write() as session:
        run = session.get_one(Run, run_id)
        finish_run(run, state=state, counts=counts, files=[], message=message)
        run.final_path = None
        session.add(RunLogLine(run_id=run_id, message=message))
        outcome = outcome_of(session, run)
    if events is not None:
        events.emit(LogLine(run_id, utcnow(), "INFO", message, settings.name))
        events.emit(outcome)
    return outcome
