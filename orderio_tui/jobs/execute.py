"""The one way to run a configuration, whether the TUI, the scheduler or the command line asks.

``run_configuration``:

1. recovers abandoned runs (SPEC §7.1, §7.2);
2. takes the configuration's lease (:mod:`.leases`). When another process, or another thread of
   this one, holds it, a SKIPPED run naming the holder is stored and returned instead;
   when the lease was taken over from an expired or dead holder, that holder's run is recovered
   first;
3. hands the run to the export or status import engine while a background thread renews the
   lease, and returns the engine's :class:`RunOutcome`; the export confirms the lease right
   before it publishes its file and aborts when it was lost;
4. releases the lease.

If the engine raises instead of returning, the run it left RUNNING is recovered at once (the
engine is no longer touching it) and the exception goes on to the caller.
"""

from __future__ import annotations

import logging
from typing import cast

from ..alerts.delivery import deliver_pending
from ..database import Database, log_failure
from ..domain.models import ExportConfiguration, ImportConfiguration, IntakeConfiguration, Run
from ..domain.statuses import RunKind, RunState, Trigger
from ..engines.export import run_export
from ..engines.intake.engine import run_intake
from ..engines.status_import import run_import
from ..errors import NotFound
from ..runs.journal import RunEvents, RunOutcome, RunStarted, record_failed_run
from .leases import (
    DEFAULT_LEASE_SECONDS,
    LeaseGrant,
    LeaseHolder,
    LeaseKeeper,
    acquire_lease,
    lease_key,
    release_lease,
)
from .recovery import RECOVERERS, recover_abandoned_runs

logger = logging.getLogger(__name__)

#: How long the process that finished a run waits for a webhook or SMTP server at most.
AT_ONCE_TIMEOUT_SECONDS = 5.0


def run_configuration(
    db: Database,
    kind: RunKind,
    configuration_id: int,
    *,
    trigger: Trigger,
    dry_run: bool = False,
    events: RunEvents | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> RunOutcome:
    """Run one export or import configuration now and return what it did.

    Listeners on ``events`` are called from the thread that calls this function.
    """
    recover_abandoned_runs(db, events=events)
    key = lease_key(kind, configuration_id, dry_run=dry_run)
    lease = acquire_lease(db, key, ttl=lease_seconds)
    if isinstance(lease, LeaseHolder):
        return skip_run(
            db,
            kind,
            configuration_id,
            trigger=trigger,
            message=f"skipped: {lease.describe()}",
            dry_run=dry_run,
            events=events,
        )
    try:
        if lease.taken_over_from is not None:
            recover_abandoned_runs(db, events=events, held={key})
        return _run_engine(
            db, kind, configuration_id, trigger, dry_run, events, lease_seconds, lease
        )
    finally:
        release_lease(db, lease)
        deliver_alerts_now(db)


def deliver_alerts_now(db: Database) -> None:
    """Send the notices a run end put into the outbox (SPEC §16); what fails stays there for a
    scheduler to retry, and never fails the run."""
    try:
        deliver_pending(db, timeout=AT_ONCE_TIMEOUT_SECONDS)
    except Exception:
        logger.exception("delivering alert notices failed; a scheduler will retry them")


def _run_engine(
    db: Database,
    kind: RunKind,
    configuration_id: int,
    trigger: Trigger,
    dry_run: bool,
    events: RunEvents | None,
    lease_seconds: float,
    lease: LeaseGrant,
) -> RunOutcome:
    bus = events if events is not None else RunEvents()
    started: list[int] = []
    with LeaseKeeper(db, lease, ttl=lease_seconds) as keeper:

        def note_run(event: object) -> None:
            if isinstance(event, RunStarted) and not started:
                started.append(event.run_id)
                keeper.attach_run(event.run_id)

        unsubscribe = bus.subscribe(note_run)
        try:
            if kind is RunKind.EXPORT:
                return run_export(
                    db,
                    configuration_id,
                    trigger=trigger,
                    dry_run=dry_run,
                    events=bus,
                    still_leased=keeper.confirm,
                )
            run_inbox = run_intake if kind is RunKind.INTAKE else run_import
            return run_inbox(db, configuration_id, trigger=trigger, dry_run=dry_run, events=bus)
        except BaseException:
            if started:
                _recover_after_crash(db, kind, started[0], bus)
            raise
        finally:
            unsubscribe()


def _recover_after_crash(db: Database, kind: RunKind, run_id: int, events: RunEvents) -> None:
    recover = RECOVERERS[kind]
    try:
        with db.read() as session:
            run = session.get(Run, run_id)
            if run is None or run.state != RunState.RUNNING.value:
                return
        logger.error("run %s ended with an exception; recovering it", run_id)
        recover(db, run_id, events=events)
    except Exception as exc:
        log_failure(logger, f"recovering run {run_id} after its engine failed did not work", exc)


def skip_run(
    db: Database,
    kind: RunKind,
    configuration_id: int,
    *,
    trigger: Trigger,
    message: str,
    dry_run: bool = False,
    events: RunEvents | None = None,
) -> RunOutcome:
    """Store and return a SKIPPED run whose one log line, ``message``, says who was first."""
    models: dict[
        RunKind, type[ExportConfiguration] | type[ImportConfiguration] | type[IntakeConfiguration]
    ] = {
        RunKind.EXPORT: ExportConfiguration,
        RunKind.IMPORT: ImportConfiguration,
        RunKind.INTAKE: IntakeConfiguration,
    }
    model = models[kind]
    with db.read() as session:
        configuration = cast(
            ExportConfiguration | ImportConfiguration | IntakeConfiguration | None,
            session.get(model, configuration_id),
        )
    if configuration is None:
        raise NotFound(
            f"{kind.value} configuration {configuration_id} does not exist: refresh the list"
        )
    return record_failed_run(
        db,
        kind=kind,
        configuration=configuration,
        trigger=trigger,
        message=message,
        dry_run=dry_run,
        state=RunState.SKIPPED,
        events=events,
    )
