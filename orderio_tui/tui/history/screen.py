"""Run history of one configuration: state, trigger, start, duration, counts, file."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...application.runs import RunView, list_runs
from ...domain.statuses import RunKind
from ...runs.journal import empty_counts
from ..context import OrderioContext, context_of
from ..display import NOTHING, duration, local_day_time, state
from ..messages import RunEnded, RunsChanged
from ..widgets.fitted_table import Column, FittedTable
from ..widgets.run_trend import RunTrend

#: Runs listed (newest first).
HISTORY_LIMIT = 200


def files_text(files: list[str]) -> str:
    """The first file's name, and how many more there are."""
    if not files:
        return "–"
    first = Path(files[0]).name
    return first if len(files) == 1 else f"{first} (+{len(files) - 1})"


class RunHistoryScreen(Screen[None]):
    """Runs of one configuration, newest first; enter opens a run."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="history.back"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="history.refresh", key_display="f5"),
        Binding("a", "toggle_idle", "All runs", id="history.all"),
        Binding("p", "preview_file", "File", id="history.preview", tooltip="Preview its file"),
    ]

    def __init__(self, kind: RunKind, configuration_id: int, name: str, channel: str) -> None:
        super().__init__()
        self.kind = kind
        self.configuration_id = configuration_id
        self.config_name = name
        self.channel = channel
        self.runs: dict[int, RunView] = {}
        #: Also the runs that found nothing to do (SPEC §14: hidden unless asked).
        self.show_idle = False

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    @property
    def count_keys(self) -> tuple[str, ...]:
        return tuple(empty_counts(self.kind))

    def compose(self) -> ComposeResult:
        yield Static("", id="history-title")
        yield RunTrend(self.kind, id="history-trend")
        table = FittedTable(self.columns(), id="runs", cursor_type="row")
        table.border_title = "Runs (enter: log and per-order results)"
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Run history of {self.kind.value} configuration '{self.config_name}'"
        self.query_one("#history-title", Static).update(
            f"{self.sub_title} · channel '{self.channel}'"
        )
        table = self.query_one("#runs", FittedTable)
        self.load()
        table.focus()

    def columns(self) -> list[Column]:
        """At 80 columns the file stays; duration, trigger and counts go first, in that order."""
        return [
            Column("Run", "run"),
            Column("State", "state"),
            Column("Trigger", "trigger", keep=1),
            Column("Started", "started"),
            Column("Duration", "duration", keep=0),
            *(Column(key.capitalize(), key, keep=2) for key in self.count_keys),
            Column("File", "file"),
        ]

    def load(self) -> None:
        table = self.query_one("#runs", FittedTable)
        runs = list_runs(
            self.orderio.db,
            kind=self.kind,
            configuration_id=self.configuration_id,
            limit=HISTORY_LIMIT,
            include_idle=self.show_idle,
        )
        self.runs = {run.run_id: run for run in runs}
        self.query_one("#history-trend", RunTrend).show(runs)
        table.set_rows(
            [
                (
                    str(run.run_id),
                    [
                        str(run.run_id),
                        state(run.state + (" (dry run)" if run.dry_run else "")),
                        run.trigger,
                        local_day_time(run.started_at),
                        "running" if run.finished_at is None else duration(run.duration_seconds),
                        *(str(run.counts.get(key, NOTHING)) for key in self.count_keys),
                        files_text(run.files),
                    ],
                )
                for run in runs
            ]
        )
        hint = " · a: hide idle runs" if self.show_idle else " · a: also idle runs"
        table.border_subtitle = (
            f"{len(runs)} run{'s' if len(runs) != 1 else ''}{hint}"
            if runs
            else f"no runs that did work yet{hint}"
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is None:
            return
        from .run_detail import RunDetailScreen

        self.app.push_screen(RunDetailScreen(int(event.row_key.value)))

    def on_runs_changed(self, message: RunsChanged) -> None:
        self.load()

    def on_run_ended(self, message: RunEnded) -> None:
        self.load()

    def action_preview_file(self) -> None:
        table = self.query_one("#runs", FittedTable)
        if not table.row_count:
            return
        from .run_detail import open_file_preview

        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None and int(key) in self.runs:
            open_file_preview(self, self.runs[int(key)])

    def action_toggle_idle(self) -> None:
        self.show_idle = not self.show_idle
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
