"""The orderio TUI application: run it with :func:`run_tui`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_log_dir
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from ..database import Database
from ..domain.statuses import RunKind, RunState, Trigger
from ..errors import UserError
from ..runs.journal import Heartbeat, RunEvents, RunOutcome, RunProgress
from .commands import ScreenKeysProvider
from .display import local_clock, local_soon
from .main.screen import MainScreen
from .memory import memory_file_path, remember_channel, remembered_channel
from .messages import RunEnded, RunProgressChanged, RunsChanged
from .run_feed import FeedBatch, RunFeed
from .widgets.confirm import ConfirmScreen
from .widgets.help import HelpScreen, key_rows
from .widgets.run_log import RunLogPanel

if TYPE_CHECKING:
    from ..jobs.scheduler import BackgroundScheduler

logger = logging.getLogger(__name__)

#: Seconds between two drains of the run feed into the log panel.
FEED_INTERVAL = 0.1
#: How often the status line looks for the schedulers of other processes.
SCHEDULERS_SECONDS = 5.0
#: A scheduler without a heartbeat for this long is shown as silent.
HEARTBEAT_SILENT_SECONDS = 30.0


class OrderioApp(App[None]):
    """Order Import & Export manager."""

    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ScreenKeysProvider}
    TITLE = "orderio"
    SUB_TITLE = "Order Import & Export"
    BINDINGS = [
        Binding(
            "question_mark,f1",
            "help",
            "Help",
            id="app.help",
            key_display="?",
            tooltip="Keys of this screen",
        ),
    ]

    def __init__(
        self,
        db: Database,
        *,
        scheduler: bool = True,
        channel: str | None = None,
        memory: Path | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.channel: str | None = channel
        #: Where the channel chosen is remembered for the next start (None: nowhere).
        self.memory = memory
        #: Schedulers of other processes or machines on this database ("host:pid"), kept fresh.
        self.other_schedulers: list[str] = []
        self.events = RunEvents()
        self.feed = RunFeed()
        self._unsubscribe = self.events.subscribe(self.feed)
        self.scheduler_wanted = scheduler
        self.scheduler: BackgroundScheduler | None = None
        self._closing = False
        self.scheduler_state = "off (--no-scheduler)" if not scheduler else "starting…"
        self.last_heartbeat: Heartbeat | None = None
        #: Runs started from this TUI that have not come back yet: (kind, id) → name.
        self.active_runs: dict[tuple[RunKind, int], str] = {}
        #: Runs whose end was announced with a notification (by run id).
        self.announced_runs: set[int] = set()
        #: The latest progress of the runs of this process going on (by run id).
        self.run_progress: dict[int, RunProgress] = {}

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        self.feed.note(
            "Keys: enter open · r run · o orders · s services · ? help · ctrl+p commands"
        )
        self.set_interval(FEED_INTERVAL, self.drain_feed)
        self.set_interval(1.0, self._tick_status)
        self.set_interval(SCHEDULERS_SECONDS, self._look_for_schedulers)
        self._look_for_schedulers()
        if self.scheduler_wanted:
            self._start_scheduler()

    def on_unmount(self) -> None:
        self._closing = True
        self._unsubscribe()
        self.stop_scheduler()

    @work(thread=True, exclusive=True, exit_on_error=False, group="scheduler")
    def _start_scheduler(self) -> None:
        try:
            from ..jobs.scheduler import BackgroundScheduler
        except ImportError as exc:
            logger.warning("background scheduler not available: %s", exc)
            self.scheduler_state = "unavailable"
            return
        try:
            scheduler = BackgroundScheduler(self.db, self.events, workers=3)
            scheduler.start()
        except UserError as exc:
            self.scheduler_state = f"unavailable ({exc})"
            return
        except Exception as exc:
            logger.exception("background scheduler did not start")
            self.scheduler_state = f"unavailable ({type(exc).__name__}: {exc})"
            return
        if self._closing:  # the app ended while the scheduler was starting
            scheduler.stop(timeout=10.0)
            return
        self.scheduler = scheduler
        self.scheduler_state = "running"
        self.feed.note(f"{local_clock(datetime.now(UTC))} scheduler started")

    def stop_scheduler(self) -> None:
        """Stop the background scheduler (waits for its running jobs a bounded time)."""
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is None:
            return
        try:
            scheduler.stop(timeout=10.0)
        except Exception:
            logger.exception("background scheduler did not stop cleanly")
        self.scheduler_state = "stopped"

    def use_channel(self, channel: str) -> None:
        """Show ``channel`` from now on, and open it again the next time."""
        self.channel = channel
        if self.memory is not None:
            remember_channel(self.memory, channel, self.db.location)

    def configurations_changed(self) -> None:
        """Tell the scheduler that configurations changed (it re-reads them)."""
        if self.scheduler is None:
            return
        try:
            self.scheduler.resync()
        except Exception:
            logger.exception("scheduler resync failed")

    # ------------------------------------------------------------------ status line

    def status_text(self) -> str:
        """The status line: scheduler state, heartbeat, next due run, active runs."""
        if self.scheduler is not None and not self.scheduler.is_running:
            self.scheduler_state = "stopped (see the application log)"
        text = f"scheduler: {self.scheduler_state}"
        if self.scheduler is not None and self.scheduler.is_running:
            beat = self.last_heartbeat
            if beat is None:
                text += ", no heartbeat yet"
            else:
                age = (datetime.now(UTC) - beat.at).total_seconds()
                silent = " (silent!)" if age > HEARTBEAT_SILENT_SECONDS else ""
                text += f", heartbeat {local_clock(beat.at)}{silent}"
            due = self._next_due()
            if due is None:
                text += " · nothing due"
            else:
                text += f" · next: {due[0]} {local_soon(due[1], seconds=True)}"
        if self.other_schedulers:
            others = ", ".join(self.other_schedulers[:3])
            more = len(self.other_schedulers) - 3
            text += f" · also scheduling: {others}" + (f" +{more}" if more > 0 else "")
        if self.active_runs:
            text += f" · running: {', '.join(sorted(self.active_runs.values()))}"
        return text

    def _look_for_schedulers(self) -> None:
        self._read_schedulers()

    @work(thread=True, exclusive=True, exit_on_error=False, group="schedulers")
    def _read_schedulers(self) -> None:
        """The live schedulers of other processes, from their heartbeats (SPEC §14)."""
        from ..jobs.scheduler import live_schedulers
        from ..runs.identity import process_owner

        try:
            beats = live_schedulers(self.db)
        except Exception:
            logger.exception("reading the scheduler heartbeats failed")
            return
        me = process_owner()
        others = [
            f"{beat.host}:{beat.pid}" + (f" ({len(beat.running)} running)" if beat.running else "")
            for beat in beats
            if beat.owner != me
        ]
        self.call_from_thread(setattr, self, "other_schedulers", others)

    def _next_due(self) -> tuple[str, datetime] | None:
        if self.scheduler is not None:
            try:
                return self.scheduler.next_due()
            except Exception:
                logger.exception("asking the scheduler for the next due run failed")
        beat = self.last_heartbeat
        if beat is not None and beat.next_due_config and beat.next_due_at:
            return beat.next_due_config, beat.next_due_at
        return None

    def _tick_status(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.update_status_line()

    # ------------------------------------------------------------------ run events

    def drain_feed(self) -> None:
        """Move what the worker threads reported into the log panel and the screens."""
        batch = self.feed.drain()
        if batch.heartbeat is not None:
            self.last_heartbeat = batch.heartbeat
        if batch.lines or batch.dropped_lines:
            for panel in self._log_panels():
                panel.add_batch(batch.lines, batch.dropped_lines)
        ended = [o.run_id for o in batch.finished if o.run_id in self.run_progress]
        if batch.progress or ended:
            self.run_progress.update(batch.progress)
            for run_id in ended:
                del self.run_progress[run_id]
            self._progress_changed()
        if batch.runs_changed:
            self._announce(batch)
            message_screens = {id(s): s for s in self.screen_stack}
            for screen in message_screens.values():
                screen.post_message(RunsChanged(batch.started, batch.finished))

    def _progress_changed(self) -> None:
        for screen in self.screen_stack:
            screen.post_message(RunProgressChanged(dict(self.run_progress)))

    def _log_panels(self) -> list[RunLogPanel]:
        panels: list[RunLogPanel] = []
        for screen in self.screen_stack:
            panels.extend(screen.query(RunLogPanel))
        return panels

    def _announce(self, batch: FeedBatch) -> None:
        # Runs started here are announced when they come back (on_run_ended); of the others
        # (scheduler, other processes) only those where something failed: a toast for every
        # run of a short schedule would cover the screen.
        for outcome in batch.finished:
            if outcome.state in (RunState.FAILED, RunState.PARTIAL):
                self._notify_outcome(outcome)

    def _notify_outcome(self, outcome: RunOutcome) -> None:
        if outcome.run_id is not None:
            if outcome.run_id in self.announced_runs:
                return
            self.announced_runs.add(outcome.run_id)
        counts = ", ".join(f"{key} {value}" for key, value in outcome.counts.items())
        text = f"{outcome.kind.value} '{outcome.config}': {outcome.state.value}"
        if counts:
            text += f" ({counts})"
        if outcome.message:
            text += f"\n{outcome.message}"
        severity: SeverityLevel = "information"
        if outcome.state is RunState.FAILED:
            severity = "error"
        elif outcome.state is RunState.PARTIAL:
            severity = "warning"
        self.notify(text, severity=severity)

    # ------------------------------------------------------------------ runs

    def start_run(self, kind: RunKind, configuration_id: int, name: str) -> bool:
        """Run a configuration in a thread worker; False if this TUI is already running it."""
        key = (kind, configuration_id)
        if key in self.active_runs:
            self.notify(f"'{name}' is already running", severity="warning")
            return False
        self.active_runs[key] = name
        self.feed.note(f"{local_clock(datetime.now(UTC))} starting {kind.value} '{name}'")
        self._run_in_thread(kind, configuration_id, name)
        return True

    @work(thread=True, exclusive=False, exit_on_error=False, group="runs")
    def _run_in_thread(self, kind: RunKind, configuration_id: int, name: str) -> None:
        outcome: RunOutcome | None = None
        try:
            from ..jobs.execute import run_configuration

            outcome = run_configuration(
                self.db, kind, configuration_id, trigger=Trigger.MANUAL, events=self.events
            )
        except UserError as exc:
            self.feed.note(f"{self._now()} ERROR   {name}: {exc}")
        except Exception as exc:
            logger.exception("run of %s configuration %s failed", kind.value, configuration_id)
            self.feed.note(
                f"{self._now()} ERROR   {name}: unexpected {type(exc).__name__}: {exc} "
                f"(details in the application log)"
            )
        finally:
            self.post_message(RunEnded(kind, configuration_id, outcome))

    @staticmethod
    def _now() -> str:
        return local_clock(datetime.now(UTC))

    def on_run_ended(self, message: RunEnded) -> None:
        name = self.active_runs.pop((message.kind, message.configuration_id), None)
        self.drain_feed()
        # A run that crashed sent no outcome: its progress line goes now.
        left = [
            run_id
            for run_id, event in self.run_progress.items()
            if message.outcome is None and event.kind is message.kind and event.config == name
        ]
        if left:
            for run_id in left:
                del self.run_progress[run_id]
            self._progress_changed()
        if message.outcome is not None:
            self._notify_outcome(message.outcome)
        else:
            self.notify("The run did not finish: see the log panel", severity="error")
        for screen in self.screen_stack:
            screen.post_message(RunEnded(message.kind, message.configuration_id, message.outcome))
        self._tick_status()

    # ------------------------------------------------------------------ navigation

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = self.screen.sub_title or self.screen.title or "orderio"
        self.push_screen(HelpScreen(str(title), key_rows(self.screen)))

    async def action_quit(self) -> None:
        """Quit; while runs started here are going on, ask first."""
        if not self.active_runs:
            self.exit()
            return
        names = ", ".join(sorted(self.active_runs.values()))

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.exit()

        self.push_screen(
            ConfirmScreen(
                f"{names} is still running. Quit anyway? orderio waits for the run to end "
                f"before it closes.",
                confirm_label="Quit",
            ),
            answered,
        )

    def _handle_exception(self, error: Exception) -> None:
        # Textual's one hook for every unhandled exception: it prints it on exit, we keep it.
        logger.error("the TUI ends after an unhandled exception", exc_info=error)
        super()._handle_exception(error)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The system commands, and Help (the keys of the screen come from their provider)."""
        yield SystemCommand("Help", "Keys of this screen (?)", self.action_help)
        yield from super().get_system_commands(screen)


def log_file_path() -> Path:
    """Where the TUI writes the application log while it owns the terminal."""
    return Path(user_log_dir("orderio", appauthor=False)) / "orderio-tui.log"


@contextmanager
def logging_to_file(path: Path) -> Iterator[Path | None]:
    """Send log records to ``path`` instead of the terminal while the TUI draws on it.

    Handlers writing to stdout / stderr would scribble over the screen; they are put back when
    the TUI ends. Yields the log file, or None when it cannot be opened (records are dropped).
    """
    root = logging.getLogger()
    terminal_streams = {sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__}
    terminal_handlers = [
        h
        for h in root.handlers
        if type(h) is logging.StreamHandler and getattr(h, "stream", None) in terminal_streams
    ]
    handler: logging.Handler
    opened: Path | None = path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler, opened = logging.NullHandler(), None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for terminal_handler in terminal_handlers:
        root.removeHandler(terminal_handler)
    root.addHandler(handler)
    try:
        yield opened
    finally:
        root.removeHandler(handler)
        handler.close()
        for terminal_handler in terminal_handlers:
            root.addHandler(terminal_handler)


def run_tui(db: Database, *, scheduler: bool = True) -> int:
    """Start the TUI on ``db``; with ``scheduler`` the background scheduler runs inside it.

    Returns the exit code: 0, or 1 after an unhandled exception (its traceback is in the log).
    """
    memory = memory_file_path()
    with logging_to_file(log_file_path()) as log_file:
        app = OrderioApp(
            db, scheduler=scheduler, channel=remembered_channel(memory, db.location), memory=memory
        )
        if log_file is not None:
            app.feed.note(f"Application log: {log_file}")
        try:
            app.run()
        finally:
            app.stop_scheduler()
    return app.return_code or 0
