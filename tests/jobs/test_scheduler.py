"""The background scheduler in this process: due runs, re-sync, failures, skips (SPEC §8)."""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from pathlib import Path

import pytest
from jobs_fixtures import (
    assert_no_overlap,
    configuration_id,
    document_numbers,
    document_numbers_in_file,
    exported_document_numbers,
    hold_back_new_orders,
    order_statuses,
    release_orders,
    run_every,
    run_log,
    stored_runs,
    wait_for,
)
from sqlalchemy import select, update

from orderio_tui.database import Database, open_database
from orderio_tui.demo import DemoSummary
from orderio_tui.domain.models import Lease, SchedulerHeartbeat, Service
from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.engines import failpoints
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.jobs.leases import lease_key
from orderio_tui.jobs.scheduler import (
    BackgroundScheduler,
    RunPrinter,
    list_heartbeats,
    scheduled_configurations,
)
from orderio_tui.runs.journal import (
    Heartbeat,
    LogLine,
    RunEvents,
    RunOutcome,
    RunProgress,
    RunStarted,
)
from orderio_tui.runs.progress import PROGRESS_INTERVAL_ENV_VAR

EXPORT = RunKind.EXPORT


@pytest.fixture
def events() -> tuple[RunEvents, list[object]]:
    bus = RunEvents()
    seen: list[object] = []
    bus.subscribe(seen.append)
    return bus, seen


def _scheduler(db: Database, bus: RunEvents, **options: float) -> BackgroundScheduler:
    options = {"resync_seconds": 0.3, "heartbeat_seconds": 0.3, **options}
    return BackgroundScheduler(db, bus, **options)  # type: ignore[arg-type]


def test_only_enabled_interval_schedules_of_enabled_services_are_scheduled(
    db: Database, demo: DemoSummary
) -> None:
    assert scheduled_configurations(db) == []
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    bi = configuration_id(db, EXPORT, "demo-b2c", "bi-export")
    run_every(db, EXPORT, erp, 5)
    run_every(db, EXPORT, bi, 7)
    with db.write() as session:
        session.execute(
            update(Service).where(Service.name == "bi-xml-export").values(enabled=False)
        )
    [only] = scheduled_configurations(db)
    assert (only.kind, only.configuration_id, only.name, only.channel) == (
        EXPORT,
        erp,
        "erp-export",
        "demo-b2c",
    )
    assert only.label == "export demo-b2c/erp-export"
    assert only.schedule.every == 5


def test_due_runs_start_on_time_one_at_a_time_and_pick_up_new_orders(
    db: Database, demo: DemoSummary, events
) -> None:
    bus, seen = events
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    later = hold_back_new_orders(db, "demo-b2c", 5)
    run_every(db, EXPORT, erp, 1)
    scheduler = _scheduler(db, bus)
    scheduler.start()
    try:
        assert scheduler.is_running
        wait_for(lambda: len(stored_runs(db, EXPORT, erp)) >= 1, timeout=10)
        release_orders(db, later)  # new orders between two runs
        wait_for(lambda: len(stored_runs(db, EXPORT, erp)) >= 4, timeout=15)
        label, due_at = scheduler.next_due()  # type: ignore[misc]
        assert label == "export demo-b2c/erp-export"
    finally:
        scheduler.stop()
    assert not scheduler.is_running
    runs = stored_runs(db, EXPORT, erp)
    assert all(r.trigger == Trigger.SCHEDULE.value for r in runs)
    assert all(r.state != RunState.RUNNING.value for r in runs)
    assert_no_overlap(runs)
    # every 1 s: consecutive runs start about a second apart (loose bounds: busy test machines)
    starts = [r.started_at for r in runs]
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    assert all(0.5 < gap < 3.0 for gap in gaps), gaps
    # the held-back orders went out exactly once, in a later file than the first run's
    assert set(order_statuses(db, later).values()) == {"EXPORTED"}
    exported = exported_document_numbers(demo.export_directory)
    assert len(exported) == len(set(exported))
    assert document_numbers(db, later) <= set(exported)
    assert not document_numbers(db, later) & set(document_numbers_in_file(Path(runs[0].files[0])))
    # events: starts and outcomes of every run, heartbeats; then the heartbeat row is gone
    ids = {r.id for r in runs}

    def run_ids(kind: type) -> set[int]:
        return {e.run_id for e in list(seen) if isinstance(e, kind)}

    # a run's row is committed a moment before its events go out: give a loaded machine time
    with contextlib.suppress(AssertionError):  # the assertion below names what is missing
        wait_for(lambda: run_ids(RunStarted) >= ids and run_ids(RunOutcome) >= ids, timeout=5)
    assert ids == run_ids(RunStarted) == run_ids(RunOutcome)
    beats = [e for e in seen if isinstance(e, Heartbeat)]
    assert beats and beats[-1].next_due_config == "export demo-b2c/erp-export"
    assert list_heartbeats(db) == []
    with db.read() as session:
        assert session.scalars(select(Lease)).all() == []


def test_the_heartbeat_row_names_the_process_and_the_next_due_configuration(
    db: Database, demo: DemoSummary, events
) -> None:
    bus, _ = events
    erp = configuration_id(db, EXPORT, "demo-b2b", "erp-export")
    run_every(db, EXPORT, erp, 30)
    scheduler = _scheduler(db, bus)
    scheduler.start()
    try:
        beat = wait_for(
            lambda: next((b for b in list_heartbeats(db) if b.next_due_config), None), timeout=10
        )
        assert beat.next_due_config == "export demo-b2b/erp-export"
        assert beat.next_due_at is not None and beat.last_tick >= beat.started_at
        with db.read() as session:
            assert session.get(SchedulerHeartbeat, beat.owner) is not None
    finally:
        scheduler.stop()
    assert list_heartbeats(db) == []


def test_schedule_changes_by_another_process_take_effect_without_restart(
    db: Database, db_url: str, demo: DemoSummary, events
) -> None:
    bus, _ = events
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    other_process = open_database(db_url)  # another connection pool, like another process
    scheduler = _scheduler(db, bus, resync_seconds=1.0)
    scheduler.start()
    try:
        wait_for(lambda: list_heartbeats(db), timeout=10)
        assert scheduler.next_due() is None
        run_every(other_process, EXPORT, erp, 1)
        wait_for(lambda: stored_runs(db, EXPORT, erp), timeout=5)
        run_every(other_process, EXPORT, erp, None)  # back to manual
        wait_for(lambda: scheduler.next_due() is None, timeout=5)
        wait_for(lambda: not scheduler.running(), timeout=10)
        count = len(stored_runs(db, EXPORT, erp))
        time.sleep(2.5)
        assert len(stored_runs(db, EXPORT, erp)) == count
    finally:
        scheduler.stop()
        other_process.dispose()


def test_a_failing_configuration_fails_at_each_due_time_and_the_others_keep_running(
    db: Database, demo: DemoSummary, tmp_path: Path, events
) -> None:
    bus, seen = events
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    bi = configuration_id(db, EXPORT, "demo-b2c", "bi-export")
    doomed = tmp_path / "bi-exports"
    doomed.mkdir()
    with db.write() as session:
        session.execute(
            update(Service).where(Service.name == "bi-xml-export").values(directory=str(doomed))
        )
    shutil.rmtree(doomed)
    run_every(db, EXPORT, erp, 1)
    run_every(db, EXPORT, bi, 1)
    scheduler = _scheduler(db, bus)
    scheduler.start()
    try:
        wait_for(lambda: len(stored_runs(db, EXPORT, bi)) >= 3, timeout=15)
        wait_for(lambda: len(stored_runs(db, EXPORT, erp)) >= 3, timeout=15)
        assert scheduler.is_running
    finally:
        scheduler.stop()
    # A due time that comes while the previous run still goes (a loaded machine) is SKIPPED;
    # every run that did start failed, naming the missing directory.
    failed = [r for r in stored_runs(db, EXPORT, bi) if r.state != RunState.SKIPPED.value]
    assert len(failed) >= 2 and {r.state for r in failed} == {RunState.FAILED.value}
    assert all("bi-exports" in r.message for r in failed)
    assert all(r.state != RunState.FAILED.value for r in stored_runs(db, EXPORT, erp))
    assert any(
        isinstance(e, LogLine) and e.level == "ERROR" and "bi-exports" in e.message for e in seen
    )


def test_a_configuration_leased_by_another_process_is_skipped_naming_it(
    db: Database, demo: DemoSummary, lease_process, events
) -> None:
    bus, _ = events
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    holder = lease_process(lease_key(EXPORT, erp), ttl=60)
    holder_owner = holder.result()["owner"]
    assert holder.result()["granted"]
    # a manual run respects the lease too
    manual = run_configuration(db, EXPORT, erp, trigger=Trigger.CLI, events=bus)
    assert manual.state is RunState.SKIPPED and holder_owner in manual.message
    run_every(db, EXPORT, erp, 1)
    scheduler = _scheduler(db, bus)
    scheduler.start()
    try:
        wait_for(lambda: len(stored_runs(db, EXPORT, erp)) >= 3, timeout=10)
        holder.kill()  # its lease is free at once: same host, process gone
        wait_for(
            lambda: any(r.state == "PARTIAL" or r.state == "SUCCEEDED" for r in stored_runs(db)),
            timeout=10,
        )
    finally:
        scheduler.stop()
    runs = stored_runs(db, EXPORT, erp)
    skipped = [r for r in runs if r.state == RunState.SKIPPED.value]
    assert len(skipped) >= 3
    for run in skipped:
        assert holder_owner in run.message
        assert any(holder_owner in line for line in run_log(db, run.id))
    assert runs[-1].state in (RunState.SUCCEEDED.value, RunState.PARTIAL.value)


def test_a_configuration_due_again_while_its_run_goes_on_is_skipped(
    db: Database, demo: DemoSummary, events, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus, _ = events
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    # The first run pauses 3 s inside its file writing, as a long run would.
    monkeypatch.setenv(failpoints.ENV_VAR, "export:while_writing")
    monkeypatch.setattr(failpoints, "PAUSE_SECONDS", 3.0)
    run_every(db, EXPORT, erp, 1)
    scheduler = _scheduler(db, bus)
    scheduler.start()
    try:
        wait_for(
            lambda: any(
                r.state != RunState.RUNNING.value for r in stored_runs(db, EXPORT, erp)[:1]
            ),
            timeout=15,
        )
    finally:
        monkeypatch.delenv(failpoints.ENV_VAR)
        scheduler.stop()
    runs = stored_runs(db, EXPORT, erp)
    first, *others = runs
    assert first.state in (RunState.SUCCEEDED.value, RunState.PARTIAL.value)
    skipped = [r for r in others if r.state == RunState.SKIPPED.value]
    assert 1 <= len(skipped) <= 4
    assert all(f"run {first.id}" in r.message and "still going" in r.message for r in skipped)
    assert_no_overlap(runs)


def test_the_scheduler_printer_keeps_one_line_per_run_start_and_end_with_progress_events(
    db: Database, demo: DemoSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROGRESS_INTERVAL_ENV_VAR, "0")
    bus = RunEvents()
    seen: list[object] = []
    bus.subscribe(seen.append)
    out = io.StringIO()
    bus.subscribe(RunPrinter(out))
    export = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    outcome = run_configuration(db, EXPORT, export, trigger=Trigger.SCHEDULE, events=bus)
    assert any(isinstance(event, RunProgress) for event in seen)
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["start", "end"]
    assert f"run {outcome.run_id} {outcome.state.value}" in lines[1]
