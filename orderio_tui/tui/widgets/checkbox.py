"""Checkboxes whose state is in their characters, not only in their colour: "[x]" / "[ ]"
without colour (NO_COLOR), "X" / blank with it; for a Checkbox and a SelectionList alike."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets.option_list import OptionDoesNotExist


def marks(*, plain: bool, ticked: bool) -> tuple[str, str, str]:
    """The left side, the inside and the right side of a box."""
    if plain:
        return "[", "x" if ticked else " ", "]"
    inside = Checkbox.BUTTON_INNER if ticked else " "
    return Checkbox.BUTTON_LEFT, inside, Checkbox.BUTTON_RIGHT


class MarkedCheckbox(Checkbox):
    """A :class:`Checkbox` that can be read on a terminal without colour."""

    def on_mount(self) -> None:
        self._mark()

    def watch_value(self) -> None:
        super().watch_value()
        if self.is_mounted:
            self._mark()

    def _mark(self) -> None:
        self.BUTTON_LEFT, self.BUTTON_INNER, self.BUTTON_RIGHT = marks(
            plain=self.app.no_color, ticked=self.value
        )
        self.refresh(layout=True)


class MarkedSelectionList(SelectionList[Any]):
    """A :class:`SelectionList` whose boxes show their state in characters too."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        if len(segments) < 3 or segments[1].text != Checkbox.BUTTON_INNER:
            return line  # not a line with a box
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        texts = marks(plain=self.app.no_color, ticked=option.value in self.selected)
        boxed = [
            Segment(text, segment.style) for text, segment in zip(texts, segments[:3], strict=True)
        ]
        return Strip([*boxed, *segments[3:]], line.cell_length)
