"""A yes/no question as a modal dialog, answerable with y / n / escape."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Asks one question; dismisses with True (confirmed) or False."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
        Binding("left,right", "switch_button", "Switch", show=False),
    ]

    def __init__(
        self,
        question: str,
        *,
        confirm_label: str = "Yes",
        cancel_label: str = "Cancel",
        default_confirm: bool = False,
        destructive: bool = False,
    ) -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.default_confirm = default_confirm
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(self.question, id="question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    f"{self.confirm_label} (y)",
                    id="confirm",
                    variant="error" if self.destructive else "primary",
                    compact=True,
                )
                yield Button(f"{self.cancel_label} (n)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm" if self.default_confirm else "#cancel").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_switch_button(self) -> None:
        focused = self.focused
        target = "#cancel" if focused is not None and focused.id == "confirm" else "#confirm"
        self.query_one(target).focus()


def leave_unless_unsaved(screen: Screen[Any], *, dirty: bool) -> None:
    """Dismiss ``screen``; with unsaved changes, only after the user agrees to discard them."""
    if not dirty:
        screen.dismiss(None)
        return

    def answered(discard: bool | None) -> None:
        if discard:
            screen.dismiss(None)

    screen.app.push_screen(
        ConfirmScreen(
            "There are unsaved changes. Leave and discard them?",
            confirm_label="Discard",
            cancel_label="Stay",
            destructive=True,
        ),
        answered,
    )
