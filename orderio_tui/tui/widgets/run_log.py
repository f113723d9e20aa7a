"""The live log panel: lines of manual and scheduled runs, bounded in memory."""

from __future__ import annotations

from textual.widgets import Log

#: Lines the panel keeps; older lines scroll away for good (the run's log stays in the database).
MAX_PANEL_LINES = 2000


class RunLogPanel(Log):
    """A ``Log`` that is written in batches by the app's feed timer."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=MAX_PANEL_LINES, auto_scroll=True, id=id)
        self.border_title = "Log"

    def add_batch(self, lines: list[str], dropped: int = 0) -> None:
        """Append one batch of lines (``dropped``: lines the feed had to leave out)."""
        if dropped:
            lines = [f"… {dropped} log lines left out (see the run history for all)", *lines]
        if lines:
            self.write_lines(lines)
