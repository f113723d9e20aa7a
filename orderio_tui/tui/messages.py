"""Messages the app sends to its screens."""

from __future__ import annotations

from textual.message import Message

from ..domain.statuses import RunKind
from ..runs.journal import RunOutcome, RunProgress, RunStarted


class RunEnded(Message, bubble=False):
    """A run started from this TUI came back from its thread (``outcome`` None: it crashed)."""

    def __init__(self, kind: RunKind, configuration_id: int, outcome: RunOutcome | None) -> None:
        super().__init__()
        self.kind = kind
        self.configuration_id = configuration_id
        self.outcome = outcome


class RunsChanged(Message, bubble=False):
    """Runs started or finished (here, in the scheduler or seen in the database)."""

    def __init__(self, started: list[RunStarted], finished: list[RunOutcome]) -> None:
        super().__init__()
        self.started = started
        self.finished = finished


class RunProgressChanged(Message, bubble=False):
    """The progress of the runs going on changed (``progress``: run id → latest event)."""

    def __init__(self, progress: dict[int, RunProgress]) -> None:
        super().__init__()
        self.progress = progress
