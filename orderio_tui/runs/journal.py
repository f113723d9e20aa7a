"""The run journal: what the engines and jobs write about a run, and the events they send.

- :class:`RunOutcome` is the one result object of every run, whoever started it.
- :class:`RunEvents` is the subscription interface (run started, log line, progress, run
  finished, heartbeat); :mod:`orderio_tui.runs.progress` sends the progress, throttled.
  **Listeners are called from whatever thread does the work** (a scheduler worker, a TUI thread
  worker): they must not touch widgets directly but hand the event over, e.g. with
  ``App.call_from_thread`` or ``post_message``.
- :class:`RunJournal` writes a run's log lines and per-order results, each in its own short
  transaction so other processes see them live, and forwards log lines to the listeners.
- :func:`create_run`, :func:`finish_run`, :func:`record_failed_run`: a run's row from start to
  end (the end also writes the alert outbox, SPEC §16); :func:`prune_runs`: retention.

This layer sits beneath the engines; the views the command line and the TUI read are in
:mod:`orderio_tui.application.runs`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, object_session

from ..alerts.incidents import record_run_end
from ..database import Database
from ..domain.models import (
    Channel,
    ExportConfiguration,
    ImportConfiguration,
    IntakeConfiguration,
    Run,
    RunLogLine,
    RunResultRow,
    StoredSetting,
    utcnow,
)
from ..domain.statuses import RunKind, RunState, Trigger
from ..errors import printable
from . import RUN_ID_FIELD
from .identity import process_owner

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- outcome


@dataclass(frozen=True)
class RunOutcome:
    """What a run did: the same object for the TUI, the scheduler and the command line."""

    run_id: int | None
    kind: RunKind
    config: str
    channel: str
    state: RunState
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    message: str = ""
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return self.state.exit_code

    def to_json(self) -> dict[str, Any]:
        """The SPEC §10 shape of `export run` / `import run` --json."""
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "kind": self.kind.value,
            "config": self.config,
            "channel": self.channel,
            "state": self.state.value,
            "counts": dict(self.counts),
            "files": list(self.files),
            "message": self.message,
        }
        if self.dry_run:
            data["dry_run"] = True
        return data


EXPORT_COUNT_KEYS = ("selected", "exported", "failed")
IMPORT_COUNT_KEYS = ("files", "applied", "unchanged", "rejected", "duplicates")
INTAKE_COUNT_KEYS = ("files", "created", "unchanged", "rejected", "duplicates")
_COUNT_KEYS = {
    RunKind.EXPORT: EXPORT_COUNT_KEYS,
    RunKind.IMPORT: IMPORT_COUNT_KEYS,
    RunKind.INTAKE: INTAKE_COUNT_KEYS,
}


def empty_counts(kind: RunKind) -> dict[str, int]:
    return dict.fromkeys(_COUNT_KEYS[kind], 0)


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class RunStarted:
    run_id: int
    kind: RunKind
    config: str
    channel: str
    trigger: Trigger
    started_at: datetime


@dataclass(frozen=True)
class LogLine:
    run_id: int
    at: datetime
    level: str
    message: str
    config: str = ""


@dataclass(frozen=True)
class Heartbeat:
    owner: str
    at: datetime
    next_due_config: str | None
    next_due_at: datetime | None
    running: int = 0


@dataclass(frozen=True)
class RunProgress:
    """How far a running run is: ``done`` of ``total`` ``unit`` (orders, files, bytes).

    ``entries`` counts what the files read so far held (status entries, orders taken in), for
    runs whose ``done`` counts files.
    """

    run_id: int
    kind: RunKind
    config: str
    channel: str
    done: int
    total: int
    unit: str
    at: datetime
    entries: int = 0

    @property
    def fraction(self) -> float:
        """``done / total`` from 0 to 1 (1 when there is nothing to do)."""
        if self.total <= 0:
            return 1.0
        return min(1.0, max(0.0, self.done / self.total))


#: Every event a :class:`RunEvents` bus carries.
RunEvent = RunStarted | LogLine | RunProgress | RunOutcome | Heartbeat


class RunListener(Protocol):
    """Receives run events. Called from worker threads: hand events over, don't block."""

    def __call__(self, event: RunEvent) -> None: ...


class RunEvents:
    """Thread-safe fan-out of run events to subscribed listeners.

    ``subscribe`` returns a function that unsubscribes. A listener that raises is logged and
    kept; it never breaks the run that emitted the event.
    """

    def __init__(self) -> None:
        self._listeners: list[RunListener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: RunListener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: RunEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                logger.exception("run event listener failed")


# --------------------------------------------------------------------------- journal


class RunJournal:
    """Writes the log lines and per-order results of one run and streams the log lines."""

    def __init__(
        self, db: Database, run_id: int, config: str, events: RunEvents | None = None
    ) -> None:
        self.db = db
        self.run_id = run_id
        self.config = config
        self.events = events

    def log(self, message: str, level: str = "INFO") -> None:
        """Append one line to the run's log (own transaction) and send it to the listeners.

        Control and bidi characters (from file names, say) are escaped: one line, read as written.
        """
        message = printable(message)
        at = utcnow()
        with self.db.write() as session:
            session.add(RunLogLine(run_id=self.run_id, at=at, level=level, message=message))
        logger.log(
            logging.getLevelName(level),
            "run %s: %s",
            self.run_id,
            message,
            extra={RUN_ID_FIELD: self.run_id},
        )
        if self.events is not None:
            self.events.emit(LogLine(self.run_id, at, level, message, self.config))

    def add_results(self, session: Session, results: Iterable[dict[str, Any]]) -> None:
        """Insert per-order results in the caller's transaction.

        Each dict has ``document_no`` and ``outcome`` and optionally ``order_id``,
        ``reason_code``, ``reason_text``, ``file_name``.
        """
        rows = [{"run_id": self.run_id, **r} for r in results]
        if rows:
            session.execute(insert(RunResultRow), rows)


def create_run(
    session: Session,
    *,
    kind: RunKind,
    configuration_id: int,
    config_name: str,
    channel_id: int,
    trigger: Trigger,
    dry_run: bool = False,
    state: RunState = RunState.RUNNING,
    message: str = "",
) -> Run:
    """Add a run row to the caller's transaction (flushed, so it has an id)."""
    run = Run(
        kind=kind.value,
        configuration_id=configuration_id,
        config_name=config_name,
        channel_id=channel_id,
        trigger=trigger.value,
        state=state.value,
        dry_run=dry_run,
        started_at=utcnow(),
        counts=empty_counts(kind),
        files=[],
        message=message,
        owner=process_owner(),
    )
    if state is not RunState.RUNNING:
        run.finished_at = run.started_at
    session.add(run)
    session.flush()
    if state is not RunState.RUNNING:
        record_run_end(session, run)
    return run


def finish_run(
    run: Run,
    *,
    state: RunState,
    counts: dict[str, int] | None = None,
    files: list[str] | None = None,
    message: str = "",
) -> None:
    """Set the end state of a run (the caller commits)."""
    run.state = state.value
    run.finished_at = utcnow()
    if counts is not None:
        run.counts = dict(counts)
    if files is not None:
        run.files = list(files)
    run.message = message
    run.temp_path = None
    run.idle = is_idle(run.kind, state, run.counts or {})
    session = object_session(run)
    if session is not None:
        # The alert outbox is written in the transaction that finishes the run (SPEC §16).
        record_run_end(session, run)


def is_idle(kind: str, state: RunState, counts: dict[str, int]) -> bool:
    """A run that found nothing to do: no order matched, no file in the inbox (SPEC §14)."""
    if state is not RunState.SUCCEEDED:
        return False
    if kind == RunKind.EXPORT.value:
        return not counts.get("selected")
    return not counts.get("files") and not counts.get("duplicates")


#: Retention of the run history by default (SPEC §14), in days.
#: The stored settings (table ``settings``, set by the configuration file's ``[history]``) of
#: how many days finished runs are kept, and their defaults.
IDLE_RETENTION_SETTING = "history.idle_run_retention_days"
RETENTION_SETTING = "history.run_retention_days"
DEFAULT_IDLE_RETENTION_DAYS = 1
DEFAULT_RETENTION_DAYS = 90
MAX_RETENTION_DAYS = 36_500


def retention_days(session: Session) -> tuple[int, int]:
    """How many days idle runs and the other runs are kept: the stored settings, or the
    defaults (1 and 90) where none is stored or a stored one is not a number of days."""
    query = select(StoredSetting.name, StoredSetting.value).where(
        StoredSetting.name.in_((IDLE_RETENTION_SETTING, RETENTION_SETTING))
    )
    stored: dict[str, Any] = {name: value for name, value in session.execute(query)}

    def days(name: str, default: int) -> int:
        value = stored.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            return default
        return value if 0 <= value <= MAX_RETENTION_DAYS else default

    return (
        days(IDLE_RETENTION_SETTING, DEFAULT_IDLE_RETENTION_DAYS),
        days(RETENTION_SETTING, DEFAULT_RETENTION_DAYS),
    )


def prune_runs(
    db: Database,
    *,
    older_than_days: float | None = None,
    idle_days: float | None = None,
    other_days: float | None = None,
    now: datetime | None = None,
) -> int:
    """Delete finished runs past their retention (idle runs sooner); how many.

    The retention is :func:`retention_days` (the configuration file's ``[history]``) unless
    given. With ``older_than_days`` every finished run older than that goes, idle or not. A
    running run is never deleted.
    """
    if idle_days is None or other_days is None:
        with db.read() as session:
            stored_idle, stored_other = retention_days(session)
        idle_days = stored_idle if idle_days is None else idle_days
        other_days = stored_other if other_days is None else other_days
    moment = now or utcnow()
    finished = Run.state != RunState.RUNNING.value
    if older_than_days is not None:
        conditions = [finished, Run.started_at <= moment - timedelta(days=older_than_days)]
    else:
        conditions = [
            finished,
            or_(
                (Run.idle.is_(True)) & (Run.started_at <= moment - timedelta(days=idle_days)),
                Run.started_at <= moment - timedelta(days=other_days),
            ),
        ]
    deleted = 0
    while True:  # in chunks, so that a large history does not hold the write lock for long
        with db.write() as session:
            ids = list(session.scalars(select(Run.id).where(*conditions).limit(5000)))
            if not ids:
                return deleted
            session.execute(delete(Run).where(Run.id.in_(ids)))
            deleted += len(ids)


def outcome_of(session: Session, run: Run) -> RunOutcome:
    """The :class:`RunOutcome` of a stored run."""
    channel = session.get(Channel, run.channel_id)
    return RunOutcome(
        run_id=run.id,
        kind=RunKind(run.kind),
        config=run.config_name,
        channel=channel.name if channel else "",
        state=RunState(run.state),
        counts=dict(run.counts or {}),
        files=list(run.files or []),
        message=run.message,
        dry_run=run.dry_run,
    )


def record_failed_run(
    db: Database,
    *,
    kind: RunKind,
    configuration: ExportConfiguration | ImportConfiguration | IntakeConfiguration,
    trigger: Trigger,
    message: str,
    dry_run: bool = False,
    state: RunState = RunState.FAILED,
    events: RunEvents | None = None,
) -> RunOutcome:
    """Store a run that ended before it began (FAILED or SKIPPED) with its one log line."""
    level = "ERROR" if state is RunState.FAILED else "WARNING"
    with db.write() as session:
        run = create_run(
            session,
            kind=kind,
            configuration_id=configuration.id,
            config_name=configuration.name,
            channel_id=configuration.channel_id,
            trigger=trigger,
            dry_run=dry_run,
            state=state,
            message=message,
        )
        line = RunLogLine(run_id=run.id, at=run.started_at, level=level, message=message)
        session.add(line)
        outcome = outcome_of(session, run)
    if events is not None:
        events.emit(LogLine(run.id, line.at, level, message, outcome.config))
        events.emit(outcome)
    return outcome


def active_runs(session: Session) -> list[Run]:
    """Runs still marked RUNNING."""
    return list(session.scalars(select(Run).where(Run.state == RunState.RUNNING.value)))
