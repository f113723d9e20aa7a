"""The `?` help screen: the keys of the screen it was opened from, and how to get around."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

GETTING_AROUND = (
    "tab / shift+tab move between sections and fields · ↑ ↓ move in lists · "
    "enter opens · space toggles · letters on a drop-down choose the option starting with "
    "them · escape goes back · ctrl+p opens the command palette · "
    "ctrl+q quits from anywhere"
)


def key_rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, what they do) for the bindings of ``screen`` and the app, and those a focused
    widget shows in the footer (not its cursor keys, which the hint below covers)."""
    rows: dict[str, list[str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        if not binding.show and not isinstance(active.node, Screen | App):
            continue
        display = screen.app.get_key_display(binding)
        keys = rows.setdefault(binding.description, [])
        if display not in keys:
            keys.append(display)
    return [(" / ".join(keys), description) for description, keys in rows.items()]


class HelpScreen(ModalScreen[None]):
    """Lists keys; any of escape, q, ? or f1 closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")]

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(f"Keys: {self.title_text}", classes="dialog-title")
            table: DataTable[str] = DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Action")
            for keys, description in self.rows:
                table.add_row(keys, description)
            yield table
            yield Static(GETTING_AROUND, classes="help-hint")
            yield Static("escape closes this help", classes="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)
