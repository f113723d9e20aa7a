"""A status import reports files done of files found and the entries read (issue 18)."""

from __future__ import annotations

import pytest
from progress_checks import progress_of_run
from status_import_fixtures import Entry, ImportWorld, status_xml

from orderio_tui.domain.statuses import RunKind
from orderio_tui.runs.progress import PROGRESS_INTERVAL_ENV_VAR


def _entries(count: int, first: int) -> str:
    return status_xml(Entry(id=str(first + n), status="DELIVERED") for n in range(count))


def test_import_progress_counts_files_and_entries_and_ends_complete(
    world: ImportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROGRESS_INTERVAL_ENV_VAR, "0")
    world.deliver("a.xml", _entries(1500, 5000))
    world.deliver("b.xml", _entries(2, 9000))
    outcome = world.run()
    assert outcome.counts["files"] == 2
    progress = progress_of_run(world.events, outcome.run_id, "files")
    # Entries are counted per batch of 1000 as they are read, files as each one ends.
    assert [(e.done, e.total, e.entries) for e in progress] == [
        (0, 2, 1000),
        (0, 2, 1500),
        (1, 2, 1500),
        (1, 2, 1502),
        (2, 2, 1502),
    ]
    assert {(e.kind, e.config) for e in progress} == {(RunKind.IMPORT, outcome.config)}


def test_a_dry_run_import_reports_progress_too(world: ImportWorld) -> None:
    world.deliver("a.xml", _entries(3, 5000))
    outcome = world.run(dry_run=True)
    progress = progress_of_run(world.events, outcome.run_id, "files")
    assert (progress[-1].done, progress[-1].entries) == (1, 3)
