"""The one way to run a configuration, whether the TUI, the scheduler or the command line asks.

``run_configuration`` recovers abandoned runs first (SPEC §7.1, §7.2), then hands the run to the
export or status import engine and returns the engine's :class:`RunOutcome`.
"""

from __future__ import annotations

from ..application.runs import RunEvents, RunOutcome
from ..database import Database
from ..domain.statuses import RunKind, Trigger
from ..engines.export import run_export
from ..engines.status_import import run_import
from .recovery import recover_abandoned_runs


def run_configuration(
    db: Database,
    kind: RunKind,
    configuration_id: int,
    *,
    trigger: Trigger,
    dry_run: bool = False,
    events: RunEvents | None = None,
) -> RunOutcome:
    """Run one export or import configuration now and return what it did."""
    recover_abandoned_runs(db, events=events)
    engine = run_export if kind is RunKind.EXPORT else run_import
    return engine(db, configuration_id, trigger=trigger, dry_run=dry_run, events=events)
