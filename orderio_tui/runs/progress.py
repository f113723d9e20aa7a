"""Progress of a running run, sent as :class:`~orderio_tui.runs.journal.RunProgress` events.

An engine makes one :class:`ProgressReporter` per step it can count (orders written of orders
claimed, files done of files found, bytes uploaded) and tells it how far it is as often as it
likes; the reporter sends an event at most every ``$ORDERIO_PROGRESS_INTERVAL_MS``
milliseconds (default 250), but always the first one and the one that reaches 100 %, so that
listeners (the TUI, the command line) see a run start moving and end complete. Engines know
nothing of who listens.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..domain.models import utcnow
from ..domain.statuses import RunKind
from ..settings import number_setting
from .journal import RunEvents, RunProgress

PROGRESS_INTERVAL_ENV_VAR = "ORDERIO_PROGRESS_INTERVAL_MS"
#: Milliseconds between two progress events of one step by default: a few a second.
DEFAULT_PROGRESS_INTERVAL_MS = 250


def progress_interval() -> float:
    """The least time between two progress events of one step, in seconds, from
    ``$ORDERIO_PROGRESS_INTERVAL_MS`` (0 to 60000 milliseconds, default 250)."""
    milliseconds = number_setting(
        PROGRESS_INTERVAL_ENV_VAR, DEFAULT_PROGRESS_INTERVAL_MS, 0, 60_000, unit=" ms"
    )
    return milliseconds / 1000


class Throttle:
    """Says yes at most once every ``interval`` seconds (the first time always)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: float | None = None

    def ready(self) -> bool:
        """True (and the interval starts again) when the interval has passed since the last yes."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            return False
        self._last = now
        return True


class ProgressReporter:
    """Sends the progress of one counted step of a run, throttled (see the module docstring).

    Without ``events`` it does nothing, so an engine reports the same way whoever started it.
    """

    def __init__(
        self,
        events: RunEvents | None,
        *,
        run_id: int,
        kind: RunKind,
        config: str,
        channel: str,
        unit: str,
        total: int,
        interval: float | None = None,
    ) -> None:
        self.events = events
        self.run_id = run_id
        self.kind = kind
        self.config = config
        self.channel = channel
        self.unit = unit
        self.total = total
        self.done = 0
        self.entries = 0
        self._throttle = Throttle(progress_interval() if interval is None else interval)
        self._complete_sent = False

    def advance(self, done: int, *, entries: int | None = None) -> None:
        """``done`` of the total are done (``entries``: entries read so far, if counted)."""
        self.done = done
        if entries is not None:
            self.entries = entries
        if self.total > 0 and done >= self.total:
            if not self._complete_sent:
                self._send()
        elif self._throttle.ready():
            self._send()

    def finish(self) -> None:
        """The step ended: send 100 % unless already sent (a total that shrank becomes done)."""
        if self._complete_sent:
            return
        if self.done < self.total:
            self.total = self.done
        self._send()

    def _send(self) -> None:
        self._complete_sent = self.done >= self.total
        if self.events is None:
            return
        self.events.emit(
            RunProgress(
                run_id=self.run_id,
                kind=self.kind,
                config=self.config,
                channel=self.channel,
                done=self.done,
                total=self.total,
                unit=self.unit,
                at=utcnow(),
                entries=self.entries,
            )
        )
