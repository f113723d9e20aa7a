"""What screens need from the application they run in, without importing the app class.

The app (:mod:`orderio_tui.tui.app`) composes the screens; screens see it only through
:class:`OrderioContext`, so no screen module imports the app module back.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual.dom import DOMNode

from ..database import Database
from ..domain.statuses import RunKind
from ..runs.journal import RunProgress


@runtime_checkable
class OrderioContext(Protocol):
    """The few things of the running app that screens use."""

    db: Database
    #: The channel chosen at the top right of the main screen (None: there is none yet).
    channel: str | None
    #: Runs started from this TUI that have not come back yet: (kind, id) → name.
    active_runs: dict[tuple[RunKind, int], str]
    #: The latest progress of the runs of this process going on (by run id).
    run_progress: dict[int, RunProgress]

    def use_channel(self, channel: str) -> None:
        """Show ``channel`` from now on, and open it again the next time."""
        ...

    def start_run(self, kind: RunKind, configuration_id: int, name: str) -> bool:
        """Run a configuration in the background; False if this TUI is already running it."""
        ...

    def configurations_changed(self) -> None:
        """Tell the background scheduler that configurations or services changed."""
        ...

    def status_text(self) -> str:
        """The status line: scheduler state, heartbeat, next due run, active runs."""
        ...


def context_of(node: DOMNode) -> OrderioContext:
    """The context of the app ``node`` runs in."""
    app = node.app
    if not isinstance(app, OrderioContext):
        raise TypeError(f"{type(app).__name__} does not provide the orderio context")
    return app
