"""The trend of a configuration's runs at a glance: sparklines of the last 50 runs' durations
and counts (issue 18), on the run history and the configuration screen."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline

from ...application.runs import RunView
from ...domain.statuses import RunKind
from ..display import duration

#: Runs the sparklines show (the newest).
TREND_RUNS = 50
#: The count each kind's sparkline shows: what its runs did.
TREND_COUNT = {RunKind.EXPORT: "exported", RunKind.IMPORT: "applied", RunKind.INTAKE: "created"}


def trend_of(runs: Sequence[RunView], kind: RunKind) -> tuple[list[float], list[float]]:
    """Durations (seconds) and counts of the last :data:`TREND_RUNS` finished runs of ``runs``
    (given newest first), oldest first as a sparkline draws them."""
    finished = [run for run in runs if run.finished_at is not None][:TREND_RUNS]
    finished.reverse()
    key = TREND_COUNT[kind]
    return (
        [run.duration_seconds or 0.0 for run in finished],
        [float(run.counts.get(key, 0)) for run in finished],
    )


class RunTrend(Horizontal):
    """``last 10 runs duration ▁▃▇▂ max 3.2 s exported ▁▅▇▃ max 9,516`` (hidden without runs)."""

    def __init__(self, kind: RunKind, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="run-trend")
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield Label("", classes="run-trend-title")
        yield Label("duration", classes="run-trend-label")
        yield Sparkline([], id="trend-durations", classes="run-trend-line")
        yield Label("", id="trend-durations-most", classes="run-trend-most")
        yield Label(TREND_COUNT[self.kind], classes="run-trend-label")
        yield Sparkline([], id="trend-counts", classes="run-trend-line")
        yield Label("", id="trend-counts-most", classes="run-trend-most")

    def show(self, runs: Sequence[RunView]) -> None:
        """Draw the trend of ``runs`` (newest first, as the history lists them)."""
        durations, counts = trend_of(runs, self.kind)
        self.display = bool(durations)
        if not durations:
            return
        self.query_one(".run-trend-title", Label).update(
            f"last {len(durations)} run{'s' if len(durations) != 1 else ''}"
        )
        self.query_one("#trend-durations", Sparkline).data = durations
        self.query_one("#trend-counts", Sparkline).data = counts
        self.query_one("#trend-durations-most", Label).update(f"max {duration(max(durations))}")
        self.query_one("#trend-counts-most", Label).update(f"max {max(counts):,.0f}")
