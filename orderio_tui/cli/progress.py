"""The progress line of `export|import|intake run` on a terminal (issue 18).

:class:`ProgressLine` listens to a run's events and draws one line per counted step (orders
written, bytes uploaded, files done) with rich's live progress on stderr: count, percentage,
rate and time left. Lines written to stderr meanwhile (the run's log) appear above it. It is
used only when stderr is a terminal and the output is not ``--json``; otherwise nothing of it
is written.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text

from ..runs.journal import RunEvent, RunOutcome, RunProgress


def shows_progress(stream: TextIO, *, as_json: bool) -> bool:
    """Whether a progress line goes to ``stream``: a terminal, and no ``--json``."""
    if as_json:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-less stream
        return False


def progress_words(event: RunProgress) -> str:
    """``1,500/20,000 orders`` (with the entries read, for runs that count files)."""
    text = f"{event.done:,}/{event.total:,} {event.unit}"
    if event.unit == "files":
        text += f", {event.entries:,} entries"
    return text


def _one_line() -> Column:
    """A column that never wraps onto a second line (which would break the live line)."""
    return Column(no_wrap=True, overflow="ellipsis")


class _CountColumn(ProgressColumn):
    """What :func:`progress_words` says of the task's last event."""

    def __init__(self) -> None:
        super().__init__(table_column=_one_line())

    def render(self, task: Task) -> Text:
        return Text(str(task.fields.get("words", "")))


class _RateColumn(ProgressColumn):
    """Units per second since the step started (the unit is in the count beside it)."""

    def __init__(self) -> None:
        super().__init__(table_column=_one_line())

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text(f"{speed:,.0f}/s" if speed else "")


class ProgressLine:
    """A run-event listener that keeps a live progress line on ``stream`` while it is open."""

    def __init__(self, stream: TextIO) -> None:
        self.progress = Progress(
            TextColumn("{task.description}", table_column=_one_line()),
            BarColumn(bar_width=16),
            TaskProgressColumn(),
            _CountColumn(),
            _RateColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=True,
            redirect_stderr=True,
            redirect_stdout=False,
        )
        self._lock = threading.Lock()
        self._tasks: dict[tuple[int, str], TaskID] = {}

    def __enter__(self) -> ProgressLine:
        self.progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.progress.stop()

    def __call__(self, event: RunEvent) -> None:
        """Move the line of a progress event; a run's end removes its lines."""
        if isinstance(event, RunProgress):
            self._show(event)
        elif isinstance(event, RunOutcome):
            with self._lock:
                ended = [key for key in self._tasks if key[0] == event.run_id]
                for key in ended:
                    self.progress.remove_task(self._tasks.pop(key))

    def _show(self, event: RunProgress) -> None:
        key = (event.run_id, event.unit)
        with self._lock:
            task = self._tasks.get(key)
            words = progress_words(event)
            if task is None:
                self._tasks[key] = self.progress.add_task(
                    f"{event.config} #{event.run_id}",
                    total=event.total,
                    completed=event.done,
                    unit=event.unit,
                    words=words,
                )
            else:
                self.progress.update(task, completed=event.done, total=event.total, words=words)
