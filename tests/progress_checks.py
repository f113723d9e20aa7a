"""Checks of the progress events a run sends (shared by the engine tests)."""

from __future__ import annotations

from typing import Any

from orderio_tui.runs.journal import RunOutcome, RunProgress, RunStarted


def progress_of_run(events: list[Any], run_id: int | None, unit: str) -> list[RunProgress]:
    """The ``unit`` progress events of run ``run_id``, checked to come between its start and its
    end, to never go back and to end at 100 %."""
    kinds = [type(e) for e in events if getattr(e, "run_id", None) == run_id]
    start, end = kinds.index(RunStarted), kinds.index(RunOutcome)
    positions = [i for i, kind in enumerate(kinds) if kind is RunProgress]
    assert positions and start < positions[0] and positions[-1] < end
    progress = [
        e for e in events if isinstance(e, RunProgress) and e.run_id == run_id and e.unit == unit
    ]
    assert progress, f"no {unit} progress in {events}"
    done = [e.done for e in progress]
    assert done == sorted(done)
    assert progress[-1].fraction == 1.0 and progress[-1].done == progress[-1].total
    assert [e for e in progress if e.fraction == 1.0] == [progress[-1]]
    return progress
