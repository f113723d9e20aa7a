"""A stored schedule that can not be scheduled breaks only its own configuration (SPEC §17)."""

from __future__ import annotations

import pytest
from jobs_fixtures import configuration_id, run_every, stored_runs, wait_for
from sqlalchemy import text

from orderio_tui.database import Database
from orderio_tui.demo import DemoSummary
from orderio_tui.domain.statuses import RunKind
from orderio_tui.jobs.scheduler import BackgroundScheduler, scan_configurations

EXPORT = RunKind.EXPORT
IMPORT = RunKind.IMPORT
BROKEN_LABEL = "import demo-b2c/erp-status"


def _break_the_b2c_status_import(db: Database, assignments: str) -> None:
    """Store an unschedulable schedule on demo-b2c/erp-status by SQL, as a hand edit would."""
    where = (
        "WHERE name = 'erp-status' "
        "AND channel_id = (SELECT id FROM channels WHERE name = 'demo-b2c')"
    )
    with db.write() as session:
        session.execute(
            text(
                "UPDATE import_configurations SET schedule_mode = 'interval', "
                f"schedule_every = 1, schedule_unit = 'seconds', schedule_enabled = true {where}"
            )
        )
        session.execute(text(f"UPDATE import_configurations SET {assignments} {where}"))


@pytest.mark.parametrize(
    "assignments",
    [
        "schedule_unit = 'fortnights'",
        "schedule_mode = 'sometimes'",
        "schedule_every = 1000000000",
        "schedule_unit = 'days', schedule_at = '99:99'",
        "schedule_weekday = 'someday'",
    ],
)
def test_a_broken_schedule_is_named_and_left_out(
    db: Database, demo: DemoSummary, assignments: str
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    run_every(db, EXPORT, erp, 1)
    _break_the_b2c_status_import(db, assignments)
    runnable, broken = scan_configurations(db)
    assert [c.label for c in runnable] == ["export demo-b2c/erp-export"]
    assert [b.label for b in broken] == [BROKEN_LABEL]
    assert "set the schedule again" in broken[0].problem


def test_the_scheduler_keeps_the_others_on_time_and_reports_the_broken_one_once(
    db: Database, demo: DemoSummary
) -> None:
    from orderio_tui.runs.journal import LogLine, RunEvents

    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    run_every(db, EXPORT, erp, 1)
    _break_the_b2c_status_import(db, "schedule_unit = 'fortnights'")
    events = RunEvents()
    seen: list[LogLine] = []
    events.subscribe(lambda event: seen.append(event) if isinstance(event, LogLine) else None)
    scheduler = BackgroundScheduler(db, events, resync_seconds=0.2, heartbeat_seconds=0.5)
    scheduler.start()
    try:
        wait_for(lambda: len(stored_runs(db, EXPORT, erp)) >= 3, timeout=15)
    finally:
        scheduler.stop()
    about_broken = [line for line in seen if BROKEN_LABEL in line.message]
    assert len(about_broken) == 1
    assert "fortnights" in about_broken[0].message
    assert about_broken[0].level == "WARNING"


def test_the_headless_scheduler_runs_the_others_and_logs_the_broken_one_once(
    db: Database, demo: DemoSummary, scheduler_process
) -> None:
    erp = configuration_id(db, EXPORT, "demo-b2c", "erp-export")
    run_every(db, EXPORT, erp, 1)
    _break_the_b2c_status_import(db, "schedule_every = 1000000000")
    scheduler = scheduler_process(duration=6)
    assert scheduler.wait() == 0
    output = scheduler.stdout + scheduler.stderr
    assert "Traceback" not in "\n".join(output)
    assert len([line for line in output if BROKEN_LABEL in line]) == 1
    assert len(stored_runs(db, EXPORT, erp)) >= 4
    assert stored_runs(db, IMPORT) == []
