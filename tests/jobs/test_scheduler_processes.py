"""`orderio-tui scheduler` as separate processes: signals, two schedulers, a killed holder."""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from jobs_fixtures import (
    assert_no_overlap,
    configuration_id,
    document_numbers,
    exported_document_numbers,
    hold_back_new_orders,
    order_statuses,
    release_orders,
    run_every,
    stored_runs,
    wait_for,
)
from sqlalchemy import select

from orderio_tui.database import Database
from orderio_tui.demo import DemoSummary
from orderio_tui.domain.models import ExportClaim, Lease, Order, SchedulerHeartbeat
from orderio_tui.domain.statuses import RunKind, RunState

EXPORT = RunKind.EXPORT


def _nothing_left_behind(db: Database) -> None:
    """No RUNNING run, no lease, no claim, no heartbeat row."""
    assert all(r.state != RunState.RUNNING.value for r in stored_runs(db))
    with db.read() as session:
        assert session.scalars(select(Lease)).all() == []
        assert session.scalars(select(ExportClaim)).all() == []
        assert session.scalars(select(SchedulerHeartbeat)).all() == []


def _exported_exactly_once(db: Database, demo: DemoSummary) -> None:
    """Each order is in at most one file, and EXPORTED exactly when it is in one (SPEC §7.1)."""
    exported = Counter(exported_document_numbers(demo.export_directory))
    assert [number for number, times in exported.items() if times > 1] == []
    with db.read() as session:
        marked = set(session.scalars(select(Order.document_no).where(Order.status == "EXPORTED")))
    assert marked == set(exported)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_the_headless_scheduler_prints_runs_and_stops_cleanly_on_a_signal(
    db: Database, demo: DemoSummary, scheduler_process, stop_signal: signal.Signals
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    run_every(db, EXPORT, erp, 1)
    scheduler = scheduler_process()
    end = scheduler.wait_for_line(" end export demo-b2c/erp-export run ")
    scheduler.process.send_signal(stop_signal)
    assert scheduler.wait() == 0
    assert "scheduler stopped" in scheduler.stderr[-1]
    starts = [line for line in scheduler.stdout if " start " in line]
    ends = [line for line in scheduler.stdout if " end " in line]
    assert len(starts) == len(ends) >= 1
    assert len(scheduler.stdout) == len(starts) + len(ends)  # nothing else on stdout
    assert "selected=" in end and "exported=" in end and "failed=" in end
    _nothing_left_behind(db)


def test_two_schedulers_never_run_one_configuration_at_once(
    db: Database, demo: DemoSummary, scheduler_process
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    later = hold_back_new_orders(db, "demo-b2c", 6)
    run_every(db, EXPORT, erp, 1)
    first, second = scheduler_process(duration=7), scheduler_process(duration=7)
    first.wait_for_line(" end ")
    release_orders(db, later[:3])
    wait_for(lambda: len(stored_runs(db, EXPORT, erp)) >= 5, timeout=15)
    release_orders(db, later[3:])
    assert first.wait() == 0 and second.wait() == 0
    runs = stored_runs(db, EXPORT, erp)
    assert_no_overlap(runs)
    _exported_exactly_once(db, demo)
    assert set(order_statuses(db, later).values()) == {"EXPORTED"}
    assert document_numbers(db, later) <= set(exported_document_numbers(demo.export_directory))
    pids = {first.pid, second.pid}
    for run in runs:
        if run.state == RunState.SKIPPED.value:
            # a SKIPPED run is stored by one scheduler and names the other one as the holder
            own_pid = int(run.owner.rsplit(":", 2)[1])
            (other_pid,) = pids - {own_pid}
            assert f":{other_pid}:" in run.message, run.message
    _nothing_left_behind(db)


def test_a_killed_holder_is_taken_over_and_its_run_recovered(
    db: Database, demo: DemoSummary, scheduler_process
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    run_every(db, EXPORT, erp, 1)
    # The first scheduler's run stops halfway through writing its file.
    stuck = scheduler_process(ORDERIO_FAILPOINT="export:while_writing")
    stuck.wait_for_line("FAILPOINT export:while_writing", stream="stderr")
    survivor = scheduler_process()
    wait_for(
        lambda: any(
            r.state == RunState.SKIPPED.value and f":{stuck.pid}:" in r.message
            for r in stored_runs(db, EXPORT, erp)
        ),
        timeout=15,
    )
    stuck.process.kill()
    stuck.wait()
    recovered = wait_for(
        lambda: next(
            (r for r in stored_runs(db, EXPORT, erp) if r.message.startswith("recovered")), None
        ),
        timeout=15,
    )
    assert f":{stuck.pid}:" in recovered.owner
    wait_for(
        lambda: any(
            r.id > recovered.id and r.state in (RunState.SUCCEEDED.value, RunState.PARTIAL.value)
            for r in stored_runs(db, EXPORT, erp)
        ),
        timeout=15,
    )
    survivor.process.send_signal(signal.SIGTERM)
    assert survivor.wait() == 0
    assert recovered.state == RunState.FAILED.value  # no file had been published
    assert_no_overlap([r for r in stored_runs(db, EXPORT, erp) if r.id != recovered.id])
    _exported_exactly_once(db, demo)
    assert list(demo.export_directory.glob(".*.part")) == []
    with db.read() as session:
        assert session.scalars(select(Lease)).all() == []
        assert session.scalars(select(ExportClaim)).all() == []
