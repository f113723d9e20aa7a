"""Due times shared by all schedulers (SPEC §14): one firing per due time across processes,
one catch-up after downtime, schedule changes from anywhere."""

from __future__ import annotations

import time
from datetime import timedelta

from jobs_fixtures import (
    assert_no_overlap,
    configuration_id,
    run_every,
    stored_runs,
    wait_for,
)
from sqlalchemy import select

from orderio_tui.database import Database
from orderio_tui.demo import DemoSummary
from orderio_tui.domain.models import ScheduleDue, utcnow
from orderio_tui.domain.scheduling import next_due_after, signature_of
from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.jobs.leases import lease_key
from orderio_tui.jobs.scheduler import BackgroundScheduler, scheduled_configurations
from orderio_tui.runs.journal import LogLine, RunEvents

EXPORT = RunKind.EXPORT


def _due_row(db: Database, key: str) -> ScheduleDue | None:
    with db.read() as session:
        return session.scalars(select(ScheduleDue).where(ScheduleDue.key == key)).first()


def test_three_scheduler_processes_fire_each_due_time_once(
    db: Database, demo: DemoSummary, scheduler_process
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    run_configuration(db, EXPORT, erp, trigger=Trigger.MANUAL)  # see the test below
    run_every(db, EXPORT, erp, 2)
    schedulers = [scheduler_process(duration=10) for _ in range(3)]
    assert [child.wait() for child in schedulers] == [0, 0, 0]
    runs = [r for r in stored_runs(db, EXPORT, erp) if r.trigger == Trigger.SCHEDULE.value]
    assert [(r.id, r.message) for r in runs if r.state == RunState.SKIPPED.value] == []
    assert 4 <= len(runs) <= 6, [(r.id, r.started_at, r.owner) for r in runs]
    assert_no_overlap(runs)
    started = sorted(r.started_at for r in runs)
    gaps = [(b - a).total_seconds() for a, b in zip(started, started[1:], strict=False)]
    assert min(gaps) > 1.0, gaps  # never two firings of one due time


def test_two_schedulers_in_one_process_do_not_both_run_a_due_time(
    db: Database, demo: DemoSummary
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    # The demo's orders go out first, by hand: a scheduled run that takes longer than the
    # 1-second interval (a slow machine) would make the next due time SKIPPED, which is no
    # double firing; the scheduled runs then have nothing to do and end at once.
    run_configuration(db, EXPORT, erp, trigger=Trigger.MANUAL)
    run_every(db, EXPORT, erp, 1)
    bus = RunEvents()
    first = BackgroundScheduler(db, bus, resync_seconds=0.3, heartbeat_seconds=0.5)
    second = BackgroundScheduler(db, bus, resync_seconds=0.3, heartbeat_seconds=0.5)
    first.start()
    second.start()
    try:
        time.sleep(4.5)
    finally:
        first.stop()
        second.stop()
    runs = [r for r in stored_runs(db, EXPORT, erp) if r.trigger == Trigger.SCHEDULE.value]
    assert [(r.id, r.message) for r in runs if r.state == RunState.SKIPPED.value] == []
    assert 3 <= len(runs) <= 5, len(runs)


def test_a_due_time_missed_during_downtime_runs_once_then_the_grid_goes_on(
    db: Database, demo: DemoSummary
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    run_every(db, EXPORT, erp, 2)
    [config] = scheduled_configurations(db)
    missed = utcnow() - timedelta(seconds=7)  # three due times went by with no scheduler
    with db.write() as session:
        session.add(
            ScheduleDue(
                key=lease_key(EXPORT, erp),
                signature=signature_of(config.schedule, config.timezone),
                next_due_at=missed,
            )
        )
    bus = RunEvents()
    lines: list[LogLine] = []
    bus.subscribe(lambda event: lines.append(event) if isinstance(event, LogLine) else None)
    scheduler = BackgroundScheduler(db, bus, resync_seconds=0.3, heartbeat_seconds=0.5)
    scheduler.start()
    try:
        wait_for(lambda: len(stored_runs(db, EXPORT, erp)) >= 1, timeout=5)
        time.sleep(0.5)
        assert len(stored_runs(db, EXPORT, erp)) == 1  # one catch-up, not three
        row = _due_row(db, lease_key(EXPORT, erp))
        assert row is not None
        assert row.next_due_at == missed + timedelta(seconds=8)  # back on the old grid
    finally:
        scheduler.stop()
    catch_ups = [line.message for line in lines if "catch-up, due at" in line.message]
    assert len(catch_ups) == 1
    assert catch_ups[0].startswith("export demo-b2c/erp-export: catch-up, due at ")


def test_a_schedule_changed_by_another_process_reseeds_its_due_time(
    db: Database, demo: DemoSummary
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    run_every(db, EXPORT, erp, 3600)
    scheduler = BackgroundScheduler(db, RunEvents(), resync_seconds=0.3, heartbeat_seconds=0.5)
    scheduler.start()
    try:
        wait_for(lambda: _due_row(db, lease_key(EXPORT, erp)) is not None, timeout=5)
        hourly = _due_row(db, lease_key(EXPORT, erp))
        assert hourly is not None and hourly.next_due_at > utcnow() + timedelta(minutes=59)
        run_every(db, EXPORT, erp, 1)  # as `export schedule` in another process would
        wait_for(lambda: len(stored_runs(db, EXPORT, erp)) >= 2, timeout=8)
        run_every(db, EXPORT, erp, None)  # manual: the due time goes away
        wait_for(lambda: _due_row(db, lease_key(EXPORT, erp)) is None, timeout=5)
    finally:
        scheduler.stop()


def test_due_times_stay_on_the_grid_of_the_last_firing() -> None:
    from orderio_tui.domain.scheduling import Schedule
    from orderio_tui.domain.statuses import ScheduleMode, ScheduleUnit

    every_5 = Schedule(mode=ScheduleMode.INTERVAL, every=5, unit=ScheduleUnit.MINUTES)
    fired = utcnow().replace(microsecond=0)
    assert next_due_after(every_5, fired + timedelta(seconds=2), fired) == fired + timedelta(
        minutes=5
    )
    late = fired + timedelta(minutes=17)
    assert next_due_after(every_5, late, fired) == fired + timedelta(minutes=20)
