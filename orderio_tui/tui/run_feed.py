"""Hand-over of run events from worker threads to the event loop.

Listeners on :class:`~orderio_tui.runs.journal.RunEvents` are called from the thread doing
the work (a TUI thread worker, a scheduler worker). :class:`RunFeed` is such a listener: it only
appends to bounded buffers under a lock, and the app drains it on a timer, so a run that logs
thousands of lines costs the event loop one batch write per tick and never more memory than the
buffers hold.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from ..runs.journal import Heartbeat, LogLine, RunEvent, RunOutcome, RunProgress, RunStarted
from .display import local_clock

#: Log lines kept between two drains; older ones are dropped (and counted) if the UI lags.
MAX_PENDING_LINES = 5000
#: Started / finished runs kept between two drains.
MAX_PENDING_RUNS = 200
#: Runs whose configuration name is remembered for log lines that do not carry it.
MAX_KNOWN_RUNS = 1000


@dataclass
class FeedBatch:
    """Everything that arrived since the previous drain."""

    lines: list[str] = field(default_factory=list)
    dropped_lines: int = 0
    started: list[RunStarted] = field(default_factory=list)
    finished: list[RunOutcome] = field(default_factory=list)
    heartbeat: Heartbeat | None = None
    #: The latest progress of each run that reported some (by run id).
    progress: dict[int, RunProgress] = field(default_factory=dict)

    @property
    def runs_changed(self) -> bool:
        return bool(self.started or self.finished)


def log_text(event: LogLine, config: str = "") -> str:
    """One log line as the log panel shows it (``config``: the name if the line lacks it)."""
    name = event.config or config
    prefix = f"{name} " if name else ""
    return f"{local_clock(event.at)} {event.level:<7} {prefix}#{event.run_id}  {event.message}"


class RunFeed:
    """A thread-safe, bounded inbox of run events (a ``RunEvents`` listener)."""

    def __init__(
        self, max_lines: int = MAX_PENDING_LINES, max_runs: int = MAX_PENDING_RUNS
    ) -> None:
        self._lock = threading.Lock()
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._dropped = 0
        self._started: deque[RunStarted] = deque(maxlen=max_runs)
        self._finished: deque[RunOutcome] = deque(maxlen=max_runs)
        self._heartbeat: Heartbeat | None = None
        #: The latest progress per run (one entry per running run: bounded by the runs going on).
        self._progress: dict[int, RunProgress] = {}
        #: run id → configuration name, from the runs' start events (oldest dropped first).
        self._names: OrderedDict[int, str] = OrderedDict()

    def __call__(self, event: RunEvent) -> None:
        """Accept one event (from any thread); never blocks for longer than an append."""
        if isinstance(event, LogLine):
            with self._lock:
                text = log_text(event, self._names.get(event.run_id, ""))
                if len(self._lines) == self._lines.maxlen:
                    self._dropped += 1
                self._lines.append(text)
        elif isinstance(event, RunStarted):
            with self._lock:
                self._started.append(event)
                self._names[event.run_id] = event.config
                if len(self._names) > MAX_KNOWN_RUNS:
                    self._names.popitem(last=False)
        elif isinstance(event, RunProgress):
            with self._lock:
                self._progress[event.run_id] = event
        elif isinstance(event, RunOutcome):
            with self._lock:
                self._finished.append(event)
                if event.run_id is not None:
                    self._progress.pop(event.run_id, None)
        elif isinstance(event, Heartbeat):
            with self._lock:
                self._heartbeat = event

    def note(self, text: str) -> None:
        """Add a line of the TUI's own to the log panel (from any thread)."""
        with self._lock:
            self._lines.append(text)

    def drain(self) -> FeedBatch:
        """Take everything that arrived since the last drain."""
        with self._lock:
            batch = FeedBatch(
                lines=list(self._lines),
                dropped_lines=self._dropped,
                started=list(self._started),
                finished=list(self._finished),
                heartbeat=self._heartbeat,
                progress=self._progress,
            )
            self._progress = {}
            self._lines.clear()
            self._started.clear()
            self._finished.clear()
            self._dropped = 0
            self._heartbeat = None
        return batch
