"""A drop-down that also takes typing: letters typed on a closed Select choose the option that
starts with them (like a native select box), without opening the list."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.widgets import Select

ValueType = TypeVar("ValueType")

#: Seconds after the last key press when typing starts a new search.
TYPE_AHEAD_RESET = 0.8


def match_option(choices: list[tuple[str, Any]], typed: str) -> Any | None:
    """The value of the first choice whose label starts with ``typed`` (case-insensitive),
    else of the first that contains it; None when none does."""
    wanted = typed.lower()
    for label, value in choices:
        if label.lower().startswith(wanted):
            return value
    for label, value in choices:
        if wanted in label.lower():
            return value
    return None


def _plain(label: RenderableType) -> str:
    return label.plain if isinstance(label, Text) else str(label)


class TypeAheadSelect(Select[ValueType]):
    """A :class:`Select` that jumps to the option typed while it is focused and closed."""

    def __init__(self, options: Iterable[tuple[RenderableType, ValueType]], **kwargs: Any) -> None:
        options = list(options)
        super().__init__(options, **kwargs)
        self._choices = [(_plain(label), value) for label, value in options]
        self._typed = ""
        self._typed_at = 0.0

    def set_options(self, options: Iterable[tuple[RenderableType, ValueType]]) -> None:
        """Replace the options (and what typing searches)."""
        options = list(options)
        self._choices = [(_plain(label), value) for label, value in options]
        super().set_options(options)

    def on_key(self, event: events.Key) -> None:
        character = event.character
        if self.expanded or character is None or not character.isprintable() or character == " ":
            return  # the open list searches by itself; space opens it
        now = time.monotonic()
        typed = self._typed + character if now - self._typed_at < TYPE_AHEAD_RESET else character
        self._typed_at = now
        value = match_option(self._choices, typed)
        if value is None and typed != character:
            typed, value = character, match_option(self._choices, character)
        self._typed = typed
        event.stop()
        event.prevent_default()
        if value is not None:
            self.value = value
