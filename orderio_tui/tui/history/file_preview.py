"""A read-only preview of a run's file: its path and first lines (SPEC §16: links)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from ...application.runs import PREVIEW_LINES, FilePreview, file_preview
from ..context import OrderioContext, context_of


def preview_title(preview: FilePreview, index: int, count: int) -> str:
    """The path, which file of the run it is, and how much of it is shown."""
    which = f" (file {index + 1} of {count}, n: next)" if count > 1 else ""
    if preview.problem:
        return f"{preview.path}{which}\n{preview.problem}"
    shown = f"first {len(preview.lines)} lines" if preview.more else "whole file"
    return f"{preview.path}{which}\n{shown}, read-only"


class FilePreviewScreen(Screen[None]):
    """The first lines of the files of one run, one file at a time."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="preview.back"),
        Binding("n", "next_file", "Next file", id="preview.next"),
    ]

    def __init__(self, paths: list[str], run_id: int) -> None:
        super().__init__()
        self.paths = paths
        self.run_id = run_id
        self.index = 0

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        yield Static("", id="preview-title", markup=False)
        yield TextArea("", id="preview", read_only=True, show_line_numbers=True, soft_wrap=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"File of run {self.run_id}"
        self.show_file()
        self.query_one("#preview", TextArea).focus()

    def show_file(self) -> None:
        preview = file_preview(self.paths[self.index], max_lines=PREVIEW_LINES)
        self.query_one("#preview-title", Static).update(
            preview_title(preview, self.index, len(self.paths))
        )
        area = self.query_one("#preview", TextArea)
        area.load_text("\n".join(preview.lines))
        area.display = preview.problem is None

    def action_next_file(self) -> None:
        if len(self.paths) > 1:
            self.index = (self.index + 1) % len(self.paths)
            self.show_file()

    def action_back(self) -> None:
        self.dismiss(None)
