"""The progress of the runs going on: one line per run above the log panel (issue 18).

Each line is the run's configuration, a Textual :class:`ProgressBar` (bar, percentage, time
left) and what it counted with its rate, e.g. ``12,000/20,000 orders 3,100/s``. The app feeds
the lines from its run-feed timer (never from a worker thread); a run's line goes when it ends.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar

from ...runs.journal import RunProgress


def counted_text(event: RunProgress, rate: float | None) -> str:
    """``12,000/20,000 orders 3,100/s`` (files: with the entries read)."""
    text = f"{event.done:,}/{event.total:,} {event.unit}"
    if event.unit == "files":
        text += f" {event.entries:,} entries"
    if rate:
        text += f" {rate:,.0f}/s"
    return text


class RunProgressLine(Horizontal):
    """One running run: name, bar with percentage and time left, count and rate."""

    def __init__(self, event: RunProgress) -> None:
        super().__init__(classes="run-progress-line")
        self.run_id = event.run_id
        self.event = event
        #: Where the rate is measured from: the first event of the current unit.
        self._since = event

    def compose(self) -> ComposeResult:
        yield Label(f"{self.event.config} #{self.event.run_id}", classes="run-progress-name")
        yield ProgressBar(total=max(self.event.total, 1), show_eta=True)
        yield Label("", classes="run-progress-count")

    def on_mount(self) -> None:
        self.show(self.event)

    def show(self, event: RunProgress) -> None:
        """Move to ``event`` (a new unit, such as bytes after orders, starts the bar again)."""
        if event.unit != self._since.unit:
            self._since = event
        self.event = event
        progress = self.query_one(ProgressBar)
        counted = event.entries if event.unit == "files" else event.done
        since = self._since.entries if event.unit == "files" else self._since.done
        seconds = (event.at - self._since.at).total_seconds()
        rate = (counted - since) / seconds if seconds > 0 else None
        progress.update(total=max(event.total, 1), progress=event.done if event.total else 1)
        self.query_one(".run-progress-count", Label).update(counted_text(event, rate))


class RunProgressPanel(Vertical):
    """The progress lines of the runs going on (hidden while none is)."""

    def show(self, progress: dict[int, RunProgress]) -> None:
        """One line per run in ``progress`` (run id → its latest event); others removed."""
        lines = {line.run_id: line for line in self.query(RunProgressLine)}
        for run_id, line in lines.items():
            if run_id not in progress:
                line.remove()
        for run_id, event in progress.items():
            line = lines.get(run_id)
            if line is None:
                self.mount(RunProgressLine(event))
            else:
                line.show(event)
        self.display = bool(progress)
