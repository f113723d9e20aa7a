"""The background scheduler (SPEC §8) and the headless ``orderio-tui scheduler`` command.

:class:`BackgroundScheduler` runs these threads:

- **the loop** keeps the configurations whose interval schedule is enabled (and whose service is
  enabled) with their due times, which live in the database (:mod:`.due_times`) and are shared by
  every scheduler: when one comes, the loop runs the configuration only if its compare-and-set
  update advanced the due time first, so each due time fires once across all processes and
  machines (SPEC §14); a due time missed while no scheduler ran fires once, as a catch-up, and the
  grid goes on. Due times follow the ``schedule`` library's rules
  (:func:`~orderio_tui.domain.scheduling.next_due_after`). Every ``resync_seconds`` the loop
  re-reads the configurations, so changes made by this process or by any other one take effect
  without a restart. A due configuration only hands the run to the worker pool, so the loop is
  never busy for long;
- **the workers** (``workers`` threads) run configurations through
  :func:`~orderio_tui.jobs.execute.run_configuration`, which takes the configuration's lease,
  so a configuration never runs twice at once, also across processes and hosts. A configuration
  that falls due while its previous run is still going (or still waiting for a worker) gets a
  SKIPPED run saying so;
- **the heartbeat** writes this process's row in ``scheduler_heartbeats`` (process, host, last
  tick of the loop, next due configuration) and emits a :class:`Heartbeat` event.

Every exception is caught and logged; none ends a thread.

Events go to the :class:`RunEvents` given to the scheduler: RunStarted, LogLine, RunProgress
and RunOutcome from the worker threads, Heartbeat from the heartbeat thread. **Listeners are
called from these threads, never from the caller's**: a UI must hand the event over to its own
thread. A LogLine with ``run_id`` 0 is a message of the scheduler itself (a run that could not
even be stored).
"""

from __future__ import annotations

import logging
import math
import os
import queue
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TextIO, cast

from sqlalchemy import delete, select

from ..alerts.delivery import check_and_deliver
from ..database import Database
from ..domain.models import (
    Channel,
    ExportConfiguration,
    ImportConfiguration,
    IntakeConfiguration,
    SchedulerHeartbeat,
    Service,
    utcnow,
)
from ..domain.order_events import order_versions
from ..domain.scheduling import (
    Schedule,
    interval_seconds,
    next_due_after,
    read_schedule,
    signature_of,
)
from ..domain.statuses import RunKind, Trigger
from ..errors import UserError
from ..runs.identity import owner_is_gone, process_owner
from ..runs.journal import Heartbeat, LogLine, RunEvents, RunOutcome, RunStarted, prune_runs
from .due_times import (
    DueTime,
    claim_due_time,
    claim_new_orders,
    forget_due_times,
    read_due_times,
    seed_due_time,
)
from .execute import run_configuration, skip_run
from .leases import DEFAULT_LEASE_SECONDS, current_lease, lease_key, valid_lease_owners
from .recovery import recover_abandoned_runs

logger = logging.getLogger(__name__)

#: How often the configurations are re-read (changes by other processes show within this).
DEFAULT_RESYNC_SECONDS = 2.0
DEFAULT_HEARTBEAT_SECONDS = 5.0
#: Longest sleep of the loop; it wakes earlier for due jobs, re-syncs and stop requests.
_MAX_LOOP_WAIT = 1.0
#: Heartbeat rows of other hosts older than this are removed as leftovers.
_STALE_HEARTBEAT = timedelta(days=1)
#: How often the heartbeat rows of vanished schedulers are looked for.
_PRUNE_SECONDS = 60.0
#: "On order creation": new orders within this time after a run wait and go in one next run.
_COALESCE = timedelta(seconds=2.5)
#: How often alerts are checked and undelivered notices retried.
_ALERT_SECONDS = 30.0
#: How often the run history is pruned to its retention (SPEC §14).
_HISTORY_PRUNE_SECONDS = 3600.0
#: A due time fired this much (or one interval) late counts as a catch-up in the log.
_CATCH_UP_SLACK = 5.0


# --------------------------------------------------------------------------- configurations


@dataclass(frozen=True)
class ScheduledConfiguration:
    """A configuration the scheduler runs, with what decides when."""

    kind: RunKind
    configuration_id: int
    name: str
    channel: str
    schedule: Schedule
    channel_id: int = 0
    #: The export's minimum order age, waited for after new orders (on order creation).
    settle_minutes: int = 0
    #: The channel's time zone: a time of day of the schedule is wall-clock time there.
    timezone: str = ""

    @property
    def key(self) -> str:
        return lease_key(self.kind, self.configuration_id)

    @property
    def label(self) -> str:
        """``"export demo-b2c/erp-export"``: kind, channel and name."""
        return f"{self.kind.value} {self.channel}/{self.name}"


@dataclass(frozen=True)
class BrokenSchedule:
    """A configuration whose stored schedule can not be scheduled, and why."""

    kind: RunKind
    configuration_id: int
    name: str
    channel: str
    problem: str

    @property
    def key(self) -> str:
        return lease_key(self.kind, self.configuration_id)

    @property
    def label(self) -> str:
        return f"{self.kind.value} {self.channel}/{self.name}"


def scan_configurations(
    db: Database,
) -> tuple[list[ScheduledConfiguration], list[BrokenSchedule]]:
    """The configurations to schedule (an enabled, valid schedule and an enabled service), and
    those whose stored schedule can not be used (each says why)."""
    found: list[ScheduledConfiguration] = []
    broken: list[BrokenSchedule] = []
    models: tuple[
        tuple[
            RunKind,
            type[ExportConfiguration] | type[ImportConfiguration] | type[IntakeConfiguration],
        ],
        ...,
    ] = (
        (RunKind.EXPORT, ExportConfiguration),
        (RunKind.IMPORT, ImportConfiguration),
        (RunKind.INTAKE, IntakeConfiguration),
    )
    with db.read() as session:
        for kind, model in models:
            rows = session.execute(
                select(model, Channel.name, Channel.timezone)
                .join(Channel, Channel.id == model.channel_id)
                .join(Service, Service.id == model.service_id)
                .where(Service.enabled.is_(True))
                .order_by(model.id)
            ).all()
            for stored, channel, zone in rows:
                row = cast(ExportConfiguration | ImportConfiguration | IntakeConfiguration, stored)
                value, problem = read_schedule(row)
                if problem is None and value.on_order_creation and kind is not RunKind.EXPORT:
                    problem = "only export configurations can run on order creation"
                if problem:
                    broken.append(BrokenSchedule(kind, row.id, row.name, channel, problem))
                    continue
                if not value.is_active:
                    continue
                settle = getattr(row, "min_age_minutes", None) or 0
                found.append(
                    ScheduledConfiguration(
                        kind, row.id, row.name, channel, value, row.channel_id, settle, zone or ""
                    )
                )
    return found, broken


def scheduled_configurations(db: Database) -> list[ScheduledConfiguration]:
    """Every configuration the scheduler runs (see :func:`scan_configurations`)."""
    return scan_configurations(db)[0]


# --------------------------------------------------------------------------- heartbeats


@dataclass(frozen=True)
class HeartbeatView:
    """A scheduler process as its heartbeat row shows it."""

    owner: str
    host: str
    pid: int
    started_at: datetime
    last_tick: datetime
    next_due_config: str | None
    next_due_at: datetime | None
    running: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """`schedulers --json`: one scheduler process."""

        def iso(value: datetime | None) -> str | None:
            return _utc_text(value) if value is not None else None

        return {
            "host": self.host,
            "pid": self.pid,
            "owner": self.owner,
            "started_at": iso(self.started_at),
            "last_heartbeat": iso(self.last_tick),
            "running": list(self.running),
            "next_due_config": self.next_due_config,
            "next_due_at": iso(self.next_due_at),
        }


#: A scheduler whose heartbeat is older than this many heartbeat intervals counts as gone.
_LIVE_HEARTBEATS = 3


def live_schedulers(db: Database) -> list[HeartbeatView]:
    """The schedulers that are alive: a recent heartbeat, and not a dead process of this host."""
    limit = timedelta(seconds=DEFAULT_HEARTBEAT_SECONDS * _LIVE_HEARTBEATS)
    now = utcnow()
    return [
        beat
        for beat in list_heartbeats(db)
        if now - beat.last_tick <= limit and not owner_is_gone(beat.owner)
    ]


def list_heartbeats(db: Database) -> list[HeartbeatView]:
    """Heartbeats of the scheduler processes, most recent tick first."""
    with db.read() as session:
        rows = session.scalars(
            select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.last_tick.desc())
        ).all()
        return [
            HeartbeatView(
                r.owner,
                r.host,
                r.pid,
                r.started_at,
                r.last_tick,
                r.next_due_config,
                r.next_due_at,
                tuple(r.running or ()),
            )
            for r in rows
        ]


def write_heartbeat(
    db: Database,
    *,
    started_at: datetime,
    last_tick: datetime,
    next_due: tuple[str, datetime] | None,
    running: list[str] | None = None,
) -> None:
    """Insert or update this process's heartbeat row."""
    owner = process_owner()
    with db.write() as session:
        row = session.get(SchedulerHeartbeat, owner)
        if row is None:
            host, pid, _ = owner.rsplit(":", 2)
            row = SchedulerHeartbeat(owner=owner, host=host, pid=int(pid), started_at=started_at)
            session.add(row)
        row.last_tick = last_tick
        row.next_due_config = next_due[0] if next_due else None
        row.next_due_at = next_due[1] if next_due else None
        row.running = list(running or [])


def remove_heartbeat(db: Database, owner: str | None = None) -> None:
    """Delete the heartbeat row of ``owner`` (default: this process)."""
    with db.write() as session:
        session.execute(
            delete(SchedulerHeartbeat).where(SchedulerHeartbeat.owner == (owner or process_owner()))
        )


def prune_heartbeats(db: Database) -> int:
    """Remove rows of schedulers that died without saying so; returns how many."""
    now = utcnow()
    leftovers = [
        beat.owner
        for beat in list_heartbeats(db)
        if beat.owner != process_owner()
        and (owner_is_gone(beat.owner) or now - beat.last_tick > _STALE_HEARTBEAT)
    ]
    for owner in leftovers:
        remove_heartbeat(db, owner)
    return len(leftovers)


# --------------------------------------------------------------------------- the scheduler

_Task = Callable[[], None]


class BackgroundScheduler:
    """Runs scheduled configurations in background threads until :meth:`stop`.

    See the module documentation for the threads and where events are delivered.
    """

    def __init__(
        self,
        db: Database,
        events: RunEvents,
        *,
        workers: int = 3,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        resync_seconds: float = DEFAULT_RESYNC_SECONDS,
        heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS,
    ) -> None:
        if workers < 1:
            raise ValueError("a scheduler needs at least one worker")
        self.db = db
        self.events = events
        self.workers = workers
        self.lease_seconds = lease_seconds
        self.resync_seconds = resync_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._wake = threading.Event()
        self._resync_now = threading.Event()
        self._give_up_waiting = threading.Event()
        #: What is scheduled, and each one's shared due time as last seen in the database.
        self._jobs: dict[str, ScheduledConfiguration] = {}
        self._due: dict[str, DueTime] = {}
        self._tasks: queue.Queue[_Task | None] = queue.Queue()
        #: Configurations with a run queued or in progress, and those with a SKIPPED run queued.
        self._pending: set[str] = set()
        self._skip_queued: set[str] = set()
        self._running: dict[str, ScheduledConfiguration] = {}
        self._next_due: tuple[str, datetime] | None = None
        #: Problem last reported per broken configuration: each is reported once, not every sync.
        self._broken: dict[str, str] = {}
        self._threads: list[threading.Thread] = []
        self._loop_thread: threading.Thread | None = None
        self._started_at = utcnow()
        self._last_tick = self._started_at

    # ------------------------------------------------------------------ public interface

    @property
    def is_running(self) -> bool:
        """True between :meth:`start` and :meth:`stop` while the loop thread lives."""
        thread = self._loop_thread
        return thread is not None and thread.is_alive() and not self._cancel.is_set()

    def start(self) -> None:
        """Start the loop, the workers and the heartbeat (does nothing if already running)."""
        if self.is_running:
            return
        self._cancel.clear()
        self._give_up_waiting.clear()
        self._started_at = utcnow()
        self._last_tick = self._started_at
        self._tasks = queue.Queue()
        self._threads = [
            threading.Thread(
                target=self._work, args=(self._tasks,), name=f"scheduler-worker-{n}", daemon=True
            )
            for n in range(1, self.workers + 1)
        ]
        self._threads.append(
            threading.Thread(target=self._beat, name="scheduler-heartbeat", daemon=True)
        )
        self._loop_thread = threading.Thread(target=self._loop, name="scheduler-loop", daemon=True)
        self._threads.append(self._loop_thread)
        self._tasks.put(self._recover_at_start)
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop cleanly: no new runs, wait up to ``timeout`` seconds for the current ones.

        Each finished run has released its lease. A run still going after ``timeout`` keeps its
        lease and goes on in its (daemon) thread; if the process ends first, the run is
        recovered by the next run of any process (at once on this host, after the lease
        expires on others) or by ``orderio-tui recover``.
        """
        if self._loop_thread is None:
            return
        self._cancel.set()
        self._wake.set()
        dropped = self._drop_queued_tasks()
        if dropped:
            logger.info("scheduler stopping: %d queued task(s) dropped", dropped)
        for _ in range(self.workers):
            self._tasks.put(None)
        deadline = time.monotonic() + max(timeout, 0.0)
        for thread in self._threads:
            while thread.is_alive() and not self._give_up_waiting.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                thread.join(min(remaining, 0.2))
        with self._lock:
            unfinished = [c.label for c in self._running.values()]
        if unfinished:
            logger.warning(
                "scheduler stopped while these runs were still going: %s; they keep their "
                "leases until they end, and are recovered if this process exits first",
                ", ".join(unfinished),
            )
        try:
            remove_heartbeat(self.db)
        except Exception:
            logger.exception("removing the scheduler heartbeat failed")
        self._jobs.clear()
        self._due.clear()
        self._broken = {}
        self._next_due = None
        self._loop_thread = None

    def resync(self) -> None:
        """Re-read the configurations now instead of at the next periodic re-sync."""
        self._resync_now.set()
        self._wake.set()

    def next_due(self) -> tuple[str, datetime] | None:
        """The configuration due next (label as in :attr:`ScheduledConfiguration.label`) and
        when (aware UTC), or None when nothing is scheduled."""
        with self._lock:
            return self._next_due

    def scheduled(self) -> list[tuple[ScheduledConfiguration, datetime | None]]:
        """The configurations now scheduled, with their next due time (aware UTC)."""
        with self._lock:
            return [
                (config, due.next_due_at if (due := self._due.get(key)) else None)
                for key, config in self._jobs.items()
            ]

    def running(self) -> list[ScheduledConfiguration]:
        """Configurations whose run is going on right now."""
        with self._lock:
            return list(self._running.values())

    # ------------------------------------------------------------------ loop thread

    def _loop(self) -> None:
        last_sync: float | None = None
        last_error: str | None = None
        while not self._cancel.is_set():
            try:
                now = time.monotonic()
                if (
                    last_sync is None
                    or self._resync_now.is_set()
                    or now - last_sync >= self.resync_seconds
                ):
                    self._resync_now.clear()
                    last_sync = now
                    self._sync()
                self._fire_due()
                self._remember_next_due()
                self._last_tick = utcnow()
                last_error = None
            except Exception as exc:
                # The same error again (say, the database is down) is logged once, not every tick.
                text = f"{type(exc).__name__}: {exc}"
                if text != last_error:
                    logger.exception("scheduler loop: unexpected error; carrying on")
                last_error = text
            self._wake.wait(self._seconds_to_sleep(last_sync))
            self._wake.clear()

    def _seconds_to_sleep(self, last_sync: float | None) -> float:
        wait = _MAX_LOOP_WAIT
        if last_sync is not None:
            wait = min(wait, last_sync + self.resync_seconds - time.monotonic())
        with self._lock:
            upcoming = [due.next_due_at for due in self._due.values() if due.next_due_at]
        if upcoming:
            wait = min(wait, (min(upcoming) - utcnow()).total_seconds())
        return max(wait, 0.005)

    def _sync(self) -> None:
        runnable, broken = scan_configurations(self.db)
        current = {c.key: c for c in runnable}
        stored = read_due_times(self.db, current)
        now = utcnow()
        changed = False
        versions: dict[int, int] = {}
        if any(c.schedule.on_order_creation for c in current.values()):
            with self.db.read() as session:
                versions = order_versions(session, {c.channel_id for c in current.values()})
        for key, config in current.items():
            signature = signature_of(config.schedule, config.timezone)
            due = stored.get(key)
            if due is None or due.signature != signature:
                if config.schedule.on_order_creation:
                    # Orders created from now on trigger it; those already there do not.
                    due = seed_due_time(
                        self.db,
                        key,
                        signature,
                        None,
                        replacing=due,
                        seen_version=versions.get(config.channel_id, 0),
                    )
                else:
                    try:
                        first = next_due_after(config.schedule, now, zone=config.timezone)
                    except (ValueError, OverflowError) as exc:
                        broken.append(
                            BrokenSchedule(
                                config.kind,
                                config.configuration_id,
                                config.name,
                                config.channel,
                                f"can not be scheduled: {exc}",
                            )
                        )
                        continue
                    due = seed_due_time(self.db, key, signature, first, replacing=due)
            with self._lock:
                old = self._jobs.get(key)
                if old is None or old.schedule != config.schedule:
                    changed = True
                    logger.info(
                        "scheduled %s %s, next at %s",
                        config.label,
                        config.schedule.describe(),
                        _utc_text(due.next_due_at) if due.next_due_at else "new orders",
                    )
                self._jobs[key] = config
                self._due[key] = due
        with self._lock:
            for key in [key for key in self._jobs if key not in current]:
                old = self._jobs.pop(key)
                self._due.pop(key, None)
                changed = True
                logger.info("unscheduled %s (%s)", old.label, old.schedule.describe())
        forget_due_times(self.db, keep=current)
        if changed:
            self._remember_next_due()
        self._report_broken(broken)

    def _report_broken(self, broken: list[BrokenSchedule]) -> None:
        """Say once per configuration (and again only if the problem changes) why it is not run."""
        reported: dict[str, str] = {}
        for item in broken:
            reported[item.key] = item.problem
            if self._broken.get(item.key) != item.problem:
                self._report(item, f"{item.label}: not scheduled: {item.problem}", "WARNING")
        self._broken = reported

    def _remember_next_due(self) -> None:
        with self._lock:
            upcoming = [
                (due.next_due_at, self._jobs[key].label)
                for key, due in self._due.items()
                if key in self._jobs and due.next_due_at is not None
            ]
            self._next_due = (min(upcoming)[1], min(upcoming)[0]) if upcoming else None

    def _fire_due(self) -> None:
        """Run every configuration whose shared due time has come and that this process claimed
        first (one firing per due time across all schedulers, SPEC §14)."""
        self._notice_new_orders()
        now = utcnow()
        with self._lock:
            due_now = [
                (self._jobs[key], due)
                for key, due in self._due.items()
                if key in self._jobs and due.next_due_at is not None and due.next_due_at <= now
            ]
        held: dict[str, str] | None = None
        for config, due in due_now:
            assert due.next_due_at is not None
            following: datetime | None
            if config.schedule.on_order_creation:
                # One run at a time: new orders that come during a run wait for its end, and
                # the due time stays until a run can take it (nothing is lost to a SKIPPED run).
                if held is None:
                    held = valid_lease_owners(self.db)
                with self._lock:
                    busy = config.key in self._pending
                if busy or config.key in held:
                    continue
                following = None
            else:
                following = next_due_after(
                    config.schedule, now, previous=due.next_due_at, zone=config.timezone
                )
            if claim_due_time(self.db, due, following, now):
                with self._lock:
                    self._due[config.key] = DueTime(
                        due.key, due.signature, following, due.seen_version, now
                    )
                interval = interval_seconds(config.schedule)
                late = (now - due.next_due_at).total_seconds()
                if interval is not None and late >= max(interval, _CATCH_UP_SLACK):
                    logger.info(
                        "%s: catch-up, due at %s (missed while no scheduler ran)",
                        config.label,
                        _utc_text(due.next_due_at),
                    )
                    self._report(
                        config,
                        f"{config.label}: catch-up, due at {_utc_text(due.next_due_at)}",
                        "INFO",
                    )
                self._dispatch_safely(config.key)
            else:
                fresh = read_due_times(self.db, [config.key]).get(config.key)
                with self._lock:
                    if fresh is not None:
                        self._due[config.key] = fresh
                    else:
                        self._due.pop(config.key, None)

    def _notice_new_orders(self) -> None:
        """Give the channels' new orders to their "on order creation" exports (SPEC §14)."""
        with self._lock:
            waiting = [
                (self._jobs[key], due)
                for key, due in self._due.items()
                if key in self._jobs and self._jobs[key].schedule.on_order_creation
            ]
        if not waiting:
            return
        with self.db.read() as session:
            versions = order_versions(session, {config.channel_id for config, _ in waiting})
        for config, due in waiting:
            version = versions.get(config.channel_id)
            if version is None or due.seen_version is None or version <= due.seen_version:
                continue
            run_at = utcnow() + timedelta(minutes=config.settle_minutes)
            if due.last_fired_at is not None:
                # Commits in quick succession are gathered into one run, not one run each.
                run_at = max(run_at, due.last_fired_at + _COALESCE)
            claim_new_orders(self.db, due, version, run_at)
            fresh = read_due_times(self.db, [config.key]).get(config.key)
            with self._lock:
                if fresh is not None:
                    self._due[config.key] = fresh

    def _dispatch_safely(self, key: str) -> None:
        try:
            self._dispatch(key)
        except Exception:
            logger.exception("dispatching %s failed", key)

    def _dispatch(self, key: str) -> None:
        with self._lock:
            config = self._jobs.get(key)
            if config is None or self._cancel.is_set():
                return
            if key not in self._pending:
                self._pending.add(key)
                task: _Task = lambda: self._execute(config)  # noqa: E731
            elif key in self._skip_queued:
                return  # one SKIPPED run per busy configuration is enough until it gets a worker
            else:
                self._skip_queued.add(key)
                task = lambda: self._record_skip(config)  # noqa: E731
        self._tasks.put(task)

    # ------------------------------------------------------------------ worker threads

    def _work(self, tasks: queue.Queue[_Task | None]) -> None:
        # Each worker keeps the queue it was started with: after a stop and a new start, a worker
        # still finishing an old run ends there instead of joining the new pool.
        while True:
            task = tasks.get()
            if task is None:
                return
            try:
                task()
            except Exception:
                logger.exception("scheduler task failed")

    def _execute(self, config: ScheduledConfiguration) -> None:
        with self._lock:
            if self._cancel.is_set():  # picked up while stopping: do not start anything new
                self._pending.discard(config.key)
                return
            self._running[config.key] = config
        try:
            run_configuration(
                self.db,
                config.kind,
                config.configuration_id,
                trigger=Trigger.SCHEDULE,
                events=self.events,
                lease_seconds=self.lease_seconds,
            )
        except UserError as exc:
            self._report(config, f"{config.label}: not run: {exc}", "WARNING")
        except Exception as exc:
            logger.exception("run of %s failed", config.label)
            self._report(config, f"{config.label}: run failed: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._running.pop(config.key, None)
                self._pending.discard(config.key)

    def _record_skip(self, config: ScheduledConfiguration) -> None:
        with self._lock:
            self._skip_queued.discard(config.key)
            running = config.key in self._running
        if running:
            lease = current_lease(self.db, config.key)
            run = f" (run {lease.run_id})" if lease and lease.run_id else ""
            message = f"skipped: the previous run{run} of this configuration is still going"
        else:
            message = "skipped: the previous due run of this configuration still waits for a worker"
        try:
            skip_run(
                self.db,
                config.kind,
                config.configuration_id,
                trigger=Trigger.SCHEDULE,
                message=message,
                events=self.events,
            )
        except UserError as exc:
            self._report(config, f"{config.label}: not run: {exc}", "WARNING")

    def _recover_at_start(self) -> None:
        for message in recover_abandoned_runs(self.db, events=self.events):
            logger.warning("recovered at scheduler start: %s", message)

    def _report(
        self,
        config: ScheduledConfiguration | BrokenSchedule,
        message: str,
        level: str = "ERROR",
    ) -> None:
        self.events.emit(LogLine(0, utcnow(), level, message, config.name))

    # ------------------------------------------------------------------ heartbeat thread

    def _beat(self) -> None:
        last_prune: float | None = None
        last_history_prune: float | None = None
        last_alerts: float | None = None
        while not self._cancel.is_set():
            if last_alerts is None or time.monotonic() - last_alerts >= _ALERT_SECONDS:
                last_alerts = time.monotonic()
                self._tend_alerts()
            if last_prune is None or time.monotonic() - last_prune >= _PRUNE_SECONDS:
                last_prune = time.monotonic()
                try:
                    prune_heartbeats(self.db)
                except Exception:
                    logger.exception("pruning old scheduler heartbeats failed")
            if (
                last_history_prune is None
                or time.monotonic() - last_history_prune >= _HISTORY_PRUNE_SECONDS
            ):
                last_history_prune = time.monotonic()
                try:
                    deleted = prune_runs(self.db)
                    if deleted:
                        logger.info("run history: %d run(s) past their retention deleted", deleted)
                except Exception:
                    logger.exception("pruning the run history failed")
            try:
                self._beat_once()
            except Exception:
                logger.exception("writing the scheduler heartbeat failed; retrying")
            self._cancel.wait(self.heartbeat_seconds)

    def _tend_alerts(self) -> None:
        """Look for overdue schedules and silent schedulers, and retry undelivered notices
        (SPEC §16); a failure here is logged and never stops the scheduler."""
        try:
            check_and_deliver(self.db)
        except Exception:
            logger.exception("checking or delivering alerts failed; trying again later")

    def _beat_once(self) -> None:
        next_due = self.next_due()
        # A loop that stopped ticking (stuck) must not look alive: the heartbeat carries its tick.
        last_tick = self._last_tick
        with self._lock:
            labels = sorted(config.label for config in self._running.values())
        running = len(labels)
        write_heartbeat(
            self.db,
            started_at=self._started_at,
            last_tick=last_tick,
            next_due=next_due,
            running=labels,
        )
        self.events.emit(
            Heartbeat(
                owner=process_owner(),
                at=last_tick,
                next_due_config=next_due[0] if next_due else None,
                next_due_at=next_due[1] if next_due else None,
                running=running,
            )
        )

    # ------------------------------------------------------------------ helpers

    def _drop_queued_tasks(self) -> int:
        dropped = 0
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                dropped += 1
        with self._lock:
            self._pending = set(self._running)
            self._skip_queued.clear()
        return dropped


# --------------------------------------------------------------------------- headless


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class RunPrinter:
    """Prints one line per run start and one per run end (with counts) to ``out``; progress
    events print nothing (stdout stays one line per start and end)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()
        self._labels: dict[int, str] = {}

    def __call__(self, event: object) -> None:
        if isinstance(event, RunStarted):
            label = f"{event.kind.value} {event.channel}/{event.config}"
            self._labels[event.run_id] = label
            at = _utc_text(event.started_at)
            self._print(f"{at} start {label} run {event.run_id} ({event.trigger.value})")
        elif isinstance(event, RunOutcome):
            label = self._labels.pop(
                event.run_id or 0, f"{event.kind.value} {event.channel}/{event.config}"
            )
            counts = " ".join(f"{name}={value}" for name, value in event.counts.items())
            message = f" - {event.message}" if event.message else ""
            self._print(
                f"{_utc_text(utcnow())} end {label} run {event.run_id} {event.state.value} "
                f"{counts}{message}"
            )
        elif isinstance(event, LogLine) and event.run_id == 0:
            self._print(f"{_utc_text(event.at)} {event.level.lower()} {event.message}")

    def _print(self, line: str) -> None:
        with self._lock:
            print(line, file=self.out, flush=True)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@contextmanager
def _stop_on_signals(stop: threading.Event, give_up: Callable[[], None]) -> Iterator[None]:
    """First SIGTERM/SIGINT/SIGHUP: stop cleanly. Second: stop waiting for running runs."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            give_up()
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield  # signals can only be handled in the main thread; the caller stops us
        return
    previous = {sig: signal.signal(sig, handle) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_headless(
    db: Database,
    duration: float | None = None,
    *,
    out: TextIO | None = None,
    stop_timeout: float = 60.0,
    stop: threading.Event | None = None,
) -> int:
    """Run the scheduler without the TUI until ``duration`` seconds pass or a signal arrives.

    Prints one line per run start and end on ``out`` (stdout); returns the exit code (0).
    On SIGTERM, SIGINT or SIGHUP it stops cleanly: no new runs, the current ones may finish
    (up to ``stop_timeout`` seconds; a second signal stops waiting) and release their leases.
    """
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be a finite number of seconds above 0, not {duration}")
    out = out if out is not None else sys.stdout
    stop = stop if stop is not None else threading.Event()
    events = RunEvents()
    events.subscribe(RunPrinter(out))
    scheduler = BackgroundScheduler(db, events)
    with _stop_on_signals(stop, scheduler._give_up_waiting.set):
        scheduler.start()
        print(
            f"scheduler started as {process_owner()} (pid {os.getpid()} on "
            f"{socket.gethostname()}); stop with SIGTERM or Ctrl-C",
            file=sys.stderr,
            flush=True,
        )
        deadline = None if duration is None else time.monotonic() + duration
        while not stop.is_set():
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                break
            stop.wait(1.0 if remaining is None else min(remaining, 1.0))
        print("scheduler stopping", file=sys.stderr, flush=True)
        scheduler.stop(timeout=stop_timeout)
    print("scheduler stopped", file=sys.stderr, flush=True)
    return 0
