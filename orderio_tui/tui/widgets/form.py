"""What the form screens (configurations, services) share: the message line next to the
buttons and inline problems that are checked again while the user fixes them."""

from __future__ import annotations

from textual import on
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Select, SelectionList, Static

from ...errors import FieldProblem
from .field import FieldError, recheck_shown

#: Seconds of quiet after a change before the problems on screen are checked again.
RECHECK_DELAY = 0.3


def unless_unreadable(
    unreadable: list[FieldProblem], checked: list[FieldProblem]
) -> list[FieldProblem]:
    """The problems of fields that could not be read, and the checks of the other fields."""
    fields = {problem.field for problem in unreadable}
    return [*unreadable, *(problem for problem in checked if problem.field not in fields)]


class FormScreen(Screen[None]):
    """A screen of fields with a ``#form-message`` line; subclasses say what is wrong."""

    def __init__(self) -> None:
        super().__init__()
        self._recheck_timer: Timer | None = None

    def current_problems(self) -> list[FieldProblem]:
        """Everything wrong with the fields as they are now (nothing is saved)."""
        raise NotImplementedError

    def set_message(self, text: str, *, problem: bool = False) -> None:
        """The line next to the buttons; ``problem`` shows it as an error."""
        message = self.query_one("#form-message", Static)
        message.update(text)
        message.set_class(problem, "-problem")

    def problems_shown(self) -> bool:
        """Whether any inline validation message is on screen."""
        return any(error.display for error in self.query(FieldError))

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    def _field_changed(self) -> None:
        if not self.problems_shown():
            return  # nothing to take back: problems are first shown by Apply / Save
        if self._recheck_timer is not None:
            self._recheck_timer.stop()
        self._recheck_timer = self.set_timer(RECHECK_DELAY, self.recheck)

    def recheck(self) -> None:
        """Check the fields that show a problem again: fixed ones lose their message."""
        if not self.problems_shown():
            return
        recheck_shown(self, self.current_problems())
        message = self.query_one("#form-message", Static)
        if not self.problems_shown() and message.has_class("-problem"):
            self.set_message("")
