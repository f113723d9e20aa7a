"""Labelled form fields with an inline validation message underneath each."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Label, Static

from ...errors import FieldProblem


class FieldRow(Vertical):
    """One field: its label, its control and the place for its validation message."""

    def __init__(
        self, label: str, control: Widget, *, field: str, hint: str = "", id: str | None = None
    ) -> None:
        super().__init__(id=id or f"row-{field}", classes="field-row")
        self.label = label
        self.control_widget = control
        self.field = field
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-line"):
            yield Label(self.label, classes="field-label")
            yield self.control_widget
            if self.hint:
                yield Label(self.hint, classes="field-hint")
        yield FieldError(field=self.field)


class FieldError(Static):
    """The inline validation message of one field; hidden while there is none."""

    def __init__(self, *, field: str) -> None:
        super().__init__("", id=f"error-{field}", classes="field-error", markup=False)
        self.field = field
        self.display = False

    def show(self, messages: Iterable[str]) -> None:
        text = "\n".join(f"✗ {message}" for message in messages)
        self.update(text)
        self.display = bool(text)


def clear_problems(root: DOMNode) -> None:
    """Hide every inline validation message below ``root``."""
    for error in root.query(FieldError):
        error.show([])


def show_problems(root: DOMNode, problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    """Put each problem next to its field below ``root``; returns those without a field."""
    clear_problems(root)
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        by_field.setdefault(problem.field, []).append(problem.message)
    unplaced: list[FieldProblem] = []
    for field, messages in by_field.items():
        try:
            root.query_one(f"#error-{field}", FieldError).show(messages)
        except NoMatches:
            unplaced.extend(FieldProblem(field, message) for message in messages)
    return unplaced


def not_saved_message(root: DOMNode, problems: list[FieldProblem]) -> str:
    """Show each problem at its field below ``root``; the form's line saying it was not saved
    (with the problems that have no field of their own)."""
    unplaced = show_problems(root, problems)
    count = len(problems)
    text = f"Not saved: {count} problem{'s' if count != 1 else ''}, marked ✗"
    if unplaced:
        text += ": " + "; ".join(p.message for p in unplaced)
    return text


def recheck_shown(root: DOMNode, problems: Iterable[FieldProblem]) -> None:
    """Bring the messages on screen below ``root`` up to date with ``problems``: a fixed field
    loses its message, one still wrong shows what is wrong now; no new field gets one."""
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        by_field.setdefault(problem.field, []).append(problem.message)
    for error in root.query(FieldError):
        if error.display:
            error.show(by_field.get(error.field, []))
