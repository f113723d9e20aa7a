"""Run bookkeeping shared by the engines, the jobs layer, the command line and the TUI.

- :class:`RunOutcome` is the one result object of every run, whoever started it.
- :class:`RunEvents` is the subscription interface (run started, log line, run finished,
  heartbeat). **Listeners are called from whatever thread does the work** (a scheduler worker,
  a TUI thread worker): they must not touch widgets directly but hand the event over, e.g. with
  ``App.call_from_thread`` or ``post_message``.
- :class:`RunJournal` writes a run's log lines and per-order results, each in its own short
  transaction so other processes see them live, and forwards log lines to the listeners.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, or_, select
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
    utcnow,
)
from ..domain.statuses import RunKind, RunState, Trigger

logger = logging.getLogger(__name__)
#: Attribute of the log records of a run's own log lines (also delivered as :class:`LogLine`).
RUN_ID_FIELD = "orderio_run_id"

#: This process, as it appears in runs' and leases' ``owner`` column.
PROCESS_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def process_owner() -> str:
    """The owner id of this process (recomputed after a fork)."""
    global PROCESS_OWNER
    host, pid, _ = PROCESS_OWNER.rsplit(":", 2)
    if int(pid) != os.getpid():
        PROCESS_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return PROCESS_OWNER


def owner_is_gone(owner: str | None) -> bool:
    """True when ``owner`` was a process on this host that no longer exists.

    Owners on other hosts are never declared gone here; leases with expiry cover them.
    """
    if not owner:
        return True
    try:
        host, pid_text, _ = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return True
    if host != socket.gethostname():
        return False
    if owner == process_owner():
        return False
    if pid == os.getpid():
        return True  # same pid, other uuid: a previous process that had our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


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


class RunListener(Protocol):
    """Receives run events. Called from worker threads: hand events over, don't block."""

    def __call__(self, event: RunStarted | LogLine | RunOutcome | Heartbeat) -> None: ...


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

    def emit(self, event: RunStarted | LogLine | RunOutcome | Heartbeat) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                logger.exception("run event listener failed")


# --------------------------------------------------------------------------- journal


def escape_unprintable(text: str) -> str:
    """``text`` with line breaks, control and bidi characters as ``\\n``, ``\\u202e`` escapes.

    Bytes of a name that is not UTF-8 (held as lone surrogates) are shown as ``\\xff``.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii") if code < 0x10000 else f"\\U{code:08x}"


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
        message = escape_unprintable(message)
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
            session.execute(RunResultRow.__table__.insert(), rows)


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
DEFAULT_IDLE_RETENTION_DAYS = 1.0
DEFAULT_RETENTION_DAYS = 90.0


def prune_runs(
    db: Database,
    *,
    older_than_days: float | None = None,
    idle_days: float = DEFAULT_IDLE_RETENTION_DAYS,
    other_days: float = DEFAULT_RETENTION_DAYS,
    now: datetime | None = None,
) -> int:
    """Delete finished runs past their retention (idle runs sooner); how many.

    With ``older_than_days`` every finished run older than that goes, idle or not. A running
    run is never deleted.
    """
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


# --------------------------------------------------------------------------- history


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@dataclass(frozen=True)
class RunView:
    """A run as the history list and `runs --json` show it."""

    run_id: int
    kind: str
    config: str
    configuration_id: int
    channel: str
    trigger: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    files: list[str]
    message: str
    dry_run: bool
    idle: bool = False

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        """SPEC §10 shape of `runs --json`."""
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "config": self.config,
            "channel": self.channel,
            "trigger": self.trigger,
            "state": self.state,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "counts": dict(self.counts),
            "files": list(self.files),
            "message": self.message,
            "idle": self.idle,
        }


@dataclass(frozen=True)
class RunLogView:
    at: datetime
    level: str
    message: str


@dataclass(frozen=True)
class RunResultView:
    document_no: str
    outcome: str
    reason_code: str | None
    reason_text: str | None
    file_name: str | None


@dataclass(frozen=True)
class RunDetail:
    run: RunView
    log: list[RunLogView]
    results: list[RunResultView]


def _run_view(run: Run, channel: str) -> RunView:
    return RunView(
        run_id=run.id,
        kind=run.kind,
        config=run.config_name,
        configuration_id=run.configuration_id,
        channel=channel,
        trigger=run.trigger,
        state=run.state,
        started_at=run.started_at,
        finished_at=run.finished_at,
        counts=dict(run.counts or {}),
        files=list(run.files or []),
        message=run.message,
        dry_run=run.dry_run,
        idle=bool(run.idle),
    )


def list_runs(
    db: Database,
    *,
    config: str | None = None,
    channel: str | None = None,
    kind: RunKind | None = None,
    configuration_id: int | None = None,
    limit: int | None = 50,
    after_id: int | None = None,
    include_idle: bool = True,
) -> list[RunView]:
    """Runs, newest first, filtered by configuration name, channel, kind or id; without
    ``include_idle``, runs that found nothing to do are left out.

    A configuration name that no configuration and no run has is :class:`NotFound`.
    """
    from .channels import channel_by_name  # channels imports nothing from here; avoids a cycle

    with db.read() as session:
        query = (
            select(Run, Channel.name)
            .join(Channel, Channel.id == Run.channel_id)
            .order_by(Run.id.desc())
        )
        channel_id = None if channel is None else channel_by_name(session, channel).id
        if channel_id is not None:
            query = query.where(Run.channel_id == channel_id)
        if config is not None:
            _check_configuration_name(session, config, channel_id)
            query = query.where(Run.config_name == config)
        if kind is not None:
            query = query.where(Run.kind == kind.value)
        if configuration_id is not None:
            query = query.where(Run.configuration_id == configuration_id)
        if after_id is not None:
            query = query.where(Run.id > after_id)
        if not include_idle:
            query = query.where(Run.idle.is_(False))
        if limit is not None:
            query = query.limit(limit)
        return [_run_view(run, name) for run, name in session.execute(query)]


def _check_configuration_name(session: Session, name: str, channel_id: int | None) -> None:
    """:class:`NotFound` unless a configuration or a past run (in the channel) has ``name``."""
    from ..errors import NotFound

    known: set[str] = set()
    for column, of_channel in (
        (Run.config_name, Run.channel_id),
        (ExportConfiguration.name, ExportConfiguration.channel_id),
        (ImportConfiguration.name, ImportConfiguration.channel_id),
        (IntakeConfiguration.name, IntakeConfiguration.channel_id),
    ):
        query = select(column).distinct()
        if channel_id is not None:
            query = query.where(of_channel == channel_id)
        known.update(session.scalars(query))
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise NotFound(f"configuration '{name}' has no runs and does not exist (known: {listed})")


def run_detail(db: Database, run_id: int, *, max_results: int = 5000) -> RunDetail:
    """A run with its log and (up to ``max_results``) per-order results."""
    from ..errors import NotFound

    with db.read() as session:
        run = session.get(Run, run_id)
        if run is None:
            raise NotFound(f"run {run_id} does not exist: refresh the history")
        channel = session.get(Channel, run.channel_id)
        log = [
            RunLogView(line.at, line.level, line.message)
            for line in session.scalars(
                select(RunLogLine).where(RunLogLine.run_id == run_id).order_by(RunLogLine.id)
            )
        ]
        results = [
            RunResultView(r.document_no, r.outcome, r.reason_code, r.reason_text, r.file_name)
            for r in session.scalars(
                select(RunResultRow)
                .where(RunResultRow.run_id == run_id)
                .order_by(RunResultRow.id)
                .limit(max_results)
            )
        ]
        return RunDetail(_run_view(run, channel.name if channel else ""), log, results)
