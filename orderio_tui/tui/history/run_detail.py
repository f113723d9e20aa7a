"""One run: its summary, per-order results and log; failed orders of an export run can be
retried from its results (one, the marked ones, or all of them; SPEC §16)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from ...application.runs import RunDetail, RunView, run_detail
from ...domain.statuses import RunKind
from ...errors import UserError
from ..context import OrderioContext, context_of
from ..display import NOTHING, counts, duration, local_clock, local_full
from ..messages import RunEnded, RunsChanged
from ..orders.detail import retry_and_notify
from ..widgets.run_log import WrappedLog


def summary_text(detail: RunDetail) -> str:
    """The header of the run detail screen."""
    run = detail.run
    lines = [
        f"Run {run.run_id} · {run.kind} '{run.config}' · channel '{run.channel}' · "
        f"{run.state}{' (dry run)' if run.dry_run else ''} · trigger {run.trigger}",
        f"Started {local_full(run.started_at)} · finished {local_full(run.finished_at)} · "
        f"{'running' if run.finished_at is None else duration(run.duration_seconds)}",
        f"Counts: {counts(run.counts)}",
    ]
    for path in run.files or []:
        lines.append(f"File: {path}")
    if run.message:
        lines.append(f"Message: {run.message}")
    return "\n".join(lines)


def open_file_preview(screen: Screen[None], run: RunView) -> None:
    """Show the preview of ``run``'s files, or say that it wrote or read none."""
    if not run.files:
        screen.notify(f"run {run.run_id} has no file", severity="warning")
        return
    from .file_preview import FilePreviewScreen

    screen.app.push_screen(FilePreviewScreen(list(run.files), run.run_id))


class RunDetailScreen(Screen[None]):
    """Summary, per-order results (first tab) and the stored log of one run."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="run.back"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="run.refresh", key_display="f5"),
        Binding("f6", "switch_tab", "Results/Log", id="run.switch_tab"),
        Binding("p", "preview_file", "File", id="run.preview", tooltip="Preview the run's file"),
        Binding("space", "mark", "Mark", id="run.mark", tooltip="Mark the order for a retry"),
        Binding(
            "t",
            "retry",
            "Retry",
            id="run.retry",
            tooltip="Send the marked orders (or the one under the cursor) again",
        ),
        Binding(
            "T",
            "retry_all",
            "Retry all",
            id="run.retry_all",
            key_display="shift+t",
            tooltip="Send every failed order of this run again",
        ),
    ]

    #: What the mark column shows for a marked order.
    MARK = "*"

    def __init__(self, run_id: int) -> None:
        super().__init__()
        self.run_id = run_id
        self.detail: RunDetail | None = None
        #: Document numbers of the marked results.
        self.marked: set[str] = set()

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        yield Static("", id="run-summary", markup=False)
        with TabbedContent(id="run-tabs"):
            with TabPane("Per-order results", id="tab-results"):
                yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
            with TabPane("Log", id="tab-log"):
                yield WrappedLog(id="run-log", auto_scroll=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Run {self.run_id}"
        results = self.query_one("#results", DataTable)
        self.load()
        results.focus()

    def load(self) -> None:
        try:
            detail = run_detail(self.orderio.db, self.run_id)
        except UserError as exc:
            self.query_one("#run-summary", Static).update(str(exc))
            return
        self.detail = detail
        self.query_one("#run-summary", Static).update(summary_text(detail))
        results = self.query_one("#results", DataTable)
        cursor = results.cursor_row
        retryable = detail.run.kind == RunKind.EXPORT.value
        results.clear(columns=True)
        if retryable:  # the marks of orders to retry come first
            results.add_column(" ", key="mark", width=1)
        results.add_columns("Order", "Outcome", "Reason", "File")
        for index, result in enumerate(detail.results):
            reason = ": ".join(p for p in (result.reason_code, result.reason_text) if p)
            mark = [self.MARK if result.document_no in self.marked else ""] if retryable else []
            results.add_row(
                *mark,
                result.document_no,
                result.outcome,
                reason or NOTHING,
                result.file_name or NOTHING,
                key=str(index),
            )
        if detail.results:
            results.move_cursor(row=min(cursor, len(detail.results) - 1))
        self.refresh_bindings()
        results.border_subtitle = (
            f"{len(detail.results)} orders" if detail.results else ("no per-order results")
        )
        log = self.query_one("#run-log", WrappedLog)
        log.clear_lines()
        log.add_lines(
            f"{local_clock(line.at)} {line.level:<7} {line.message}" for line in detail.log
        )

    def on_runs_changed(self, message: RunsChanged) -> None:
        if any(outcome.run_id == self.run_id for outcome in message.finished):
            self.load()

    def on_run_ended(self, message: RunEnded) -> None:
        if message.outcome is not None and message.outcome.run_id == self.run_id:
            self.load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a per-order result opens that order."""
        event.stop()
        if self.detail is None or event.row_key.value is None:
            return
        from ..orders.detail import OrderDetailScreen

        result = self.detail.results[int(event.row_key.value)]
        self.app.push_screen(OrderDetailScreen(result.document_no, self.detail.run.channel))

    def action_preview_file(self) -> None:
        if self.detail is not None:
            open_file_preview(self, self.detail.run)

    def action_refresh(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Retry and marks only where there are results of an export run to retry."""
        if action in ("mark", "retry", "retry_all"):
            detail = self.detail
            return bool(detail and detail.run.kind == RunKind.EXPORT.value and detail.results)
        return True

    def _current_document(self) -> str | None:
        results = self.query_one("#results", DataTable)
        if self.detail is None or not 0 <= results.cursor_row < len(self.detail.results):
            return None
        return self.detail.results[results.cursor_row].document_no

    def action_mark(self) -> None:
        document_no = self._current_document()
        if document_no is None:
            return
        self.marked.symmetric_difference_update({document_no})
        results = self.query_one("#results", DataTable)
        row = results.cursor_row
        results.update_cell_at((row, 0), self.MARK if document_no in self.marked else "")
        if row + 1 < results.row_count:
            results.move_cursor(row=row + 1)

    def action_retry(self) -> None:
        current = self._current_document()
        documents = sorted(self.marked) or ([current] if current else [])
        if documents:
            self._retry(documents, None)

    def action_retry_all(self) -> None:
        self._retry([], self.run_id)

    def _retry(self, documents: list[str], run_id: int | None) -> None:
        assert self.detail is not None
        retry_and_notify(
            self, self.orderio.db, documents, run_id=run_id, channel=self.detail.run.channel
        )
        self.marked.clear()
        self.load()

    def action_switch_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-log" if tabs.active == "tab-results" else "tab-results"
        target = "#run-log" if tabs.active == "tab-log" else "#results"
        self.query_one(target).focus()

    def action_back(self) -> None:
        self.dismiss(None)
