"""Logs that wrap their lines to the width of the panel, so every line can be read in full: the
live log panel (manual and scheduled runs, bounded in memory) and a run's stored log."""

from __future__ import annotations

import textwrap
from collections import deque
from collections.abc import Iterable

from textual import events
from textual.widgets import Log

#: Lines the panel keeps; older lines scroll away for good (the run's log stays in the database).
MAX_PANEL_LINES = 2000
#: Continuation lines of a wrapped log line start under its message, after the time.
CONTINUATION_INDENT = " " * 9


def wrap_line(line: str, width: int) -> list[str]:
    """``line`` as the rows of a panel ``width`` cells wide."""
    if len(line) <= width or width <= len(CONTINUATION_INDENT) + 10:
        return [line]
    return textwrap.wrap(
        line,
        width,
        subsequent_indent=CONTINUATION_INDENT,
        break_on_hyphens=False,
        drop_whitespace=True,
    ) or [line]


class WrappedLog(Log):
    """A ``Log`` whose long lines continue on the next rows instead of running off the side.

    The lines as written are kept (at most ``max_lines``) and wrapped again when the width
    changes.
    """

    def __init__(self, *, max_lines: int | None = None, **kwargs: object) -> None:
        super().__init__(max_lines=max_lines, **kwargs)  # type: ignore[arg-type]
        self.entries: deque[str] = deque(maxlen=max_lines)
        self._wrapped_for = 0

    def _wrap_width(self) -> int:
        width = self.scrollable_content_region.width or (self.app.size.width - 2)
        return max(1, width - 1)  # one cell for the vertical scroll bar's edge

    def add_lines(self, lines: Iterable[str]) -> None:
        """Append lines, each wrapped to the panel's width."""
        lines = list(lines)
        if not lines:
            return
        self.entries.extend(lines)
        width = self._wrap_width()
        if width != self._wrapped_for and self._wrapped_for:
            self._rewrap()
            return
        self._wrapped_for = width
        self.write_lines([row for line in lines for row in wrap_line(line, width)])

    def clear_lines(self) -> None:
        """Remove every line."""
        self.entries.clear()
        self.clear()

    def _rewrap(self) -> None:
        width = self._wrap_width()
        self._wrapped_for = width
        self.clear()
        self.write_lines([row for line in self.entries for row in wrap_line(line, width)])

    def on_resize(self, event: events.Resize) -> None:
        if self.entries and self._wrap_width() != self._wrapped_for:
            self._rewrap()


class RunLogPanel(WrappedLog):
    """The live log panel, written in batches by the app's feed timer."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=MAX_PANEL_LINES, auto_scroll=True, id=id)
        self.border_title = "Log"

    def add_batch(self, lines: list[str], dropped: int = 0) -> None:
        """Append one batch of lines (``dropped``: lines the feed had to leave out)."""
        if dropped:
            lines = [f"… {dropped} log lines left out (see the run history for all)", *lines]
        self.add_lines(lines)
