"""Quiet history (SPEC §14): idle runs hidden unless asked, retention, `runs prune`, and
`schedulers` listing every live scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from orderio_tui.database import open_database
from orderio_tui.domain.models import Run, SchedulerHeartbeat, utcnow


def test_idle_runs_are_hidden_unless_asked_and_marked_in_json(demo_300, db_url: str) -> None:
    orderio = demo_300
    assert orderio("export", "run", "erp-export", "--channel", "demo-b2c").code == 3  # PARTIAL
    assert orderio("export", "run", "erp-export", "--channel", "demo-b2c").code == 0  # nothing
    quiet = orderio("runs", "--config", "erp-export", "--json").json()
    everything = orderio("runs", "--all", "--config", "erp-export", "--json").json()
    assert [(r["run_id"], r["idle"]) for r in quiet] == [(1, False)]
    assert [(r["run_id"], r["idle"]) for r in everything] == [(2, True), (1, False)]
    text = orderio("runs", "--config", "erp-export").out
    assert text.count("erp-export") == 1


def test_runs_prune_keeps_idle_runs_a_day_and_others_ninety_days(demo_300, db_url: str) -> None:
    orderio = demo_300
    for _ in range(4):
        orderio("export", "run", "bi-export", "--channel", "demo-b2b")
        orderio("import", "run", "erp-status", "--channel", "demo-b2c")  # empty inbox: idle
    db = open_database(db_url)
    try:
        now = utcnow()
        with db.write() as session:
            session.execute(
                update(Run).where(Run.id.in_([1, 2])).values(started_at=now - timedelta(days=2))
            )
            session.execute(
                update(Run).where(Run.id.in_([3, 4])).values(started_at=now - timedelta(days=91))
            )
    finally:
        db.dispose()
    before = {r["run_id"]: r["idle"] for r in orderio("runs", "--all", "--json").json()}
    assert before[2] is True and before[1] is False
    assert orderio("runs", "prune").out.strip() == "deleted 3 run(s)"
    after = {r["run_id"] for r in orderio("runs", "--all", "--json").json()}
    assert after == set(before) - {2, 3, 4}
    assert orderio("runs", "prune", "--older-than", "0", "--json").json() == {"deleted": len(after)}
    assert orderio("runs", "--all", "--json").json() == []


def test_schedulers_lists_the_live_ones_of_every_host(orderio, db_url: str) -> None:
    db = open_database(db_url)
    try:
        now = utcnow()
        with db.write() as session:
            session.add_all(
                [
                    SchedulerHeartbeat(
                        owner="erp-host-1:4711:aa",
                        host="erp-host-1",
                        pid=4711,
                        started_at=now - timedelta(hours=2),
                        last_tick=now - timedelta(seconds=2),
                        running=["export shop-de/erp-export"],
                    ),
                    SchedulerHeartbeat(
                        owner="gone-host:99:bb",
                        host="gone-host",
                        pid=99,
                        started_at=now - timedelta(days=1),
                        last_tick=now - timedelta(hours=1),
                        running=[],
                    ),
                ]
            )
    finally:
        db.dispose()
    listed = orderio("schedulers", "--json").json()
    assert [(s["host"], s["pid"], s["running"]) for s in listed] == [
        ("erp-host-1", 4711, ["export shop-de/erp-export"])
    ]
    assert "erp-host-1" in orderio("schedulers").out
    assert "gone-host" not in orderio("schedulers").out


def test_the_retention_comes_from_the_configuration_files_history_table(
    demo_300, db_url: str, tmp_path: Path
) -> None:
    orderio = demo_300
    orderio("import", "run", "erp-status", "--channel", "demo-b2c")  # idle
    orderio("export", "run", "erp-export", "--channel", "demo-b2c")  # did work
    db = open_database(db_url)
    try:
        with db.write() as session:
            session.execute(update(Run).values(started_at=utcnow() - timedelta(days=5)))
    finally:
        db.dispose()
    setup = tmp_path / "history.toml"

    def apply_history(idle: int, other: int) -> None:
        setup.write_text(
            f"[history]\nidle_run_retention_days = {idle}\nrun_retention_days = {other}\n"
        )
        assert orderio("config", "apply", str(setup)).code == 0

    apply_history(7, 90)
    assert orderio("runs", "prune").out.strip() == "deleted 0 run(s)"
    apply_history(2, 90)
    assert orderio("runs", "prune").out.strip() == "deleted 1 run(s)"  # the idle one
    apply_history(2, 3)
    assert orderio("runs", "prune").out.strip() == "deleted 1 run(s)"  # the one that did work
    assert "~ history of runs" not in orderio("config", "apply", str(setup)).out
    assert (
        orderio("config", "dump").out.startswith("# orderio configuration")
        and "[history]\nidle_run_retention_days = 2 " in orderio("config", "dump").out
    )
    setup.write_text("[history]\nrun_retention_days = -1\n")
    refused = orderio("config", "check", str(setup))
    assert refused.code == 2
    assert "history.toml:2: history.run_retention_days: days runs are kept must be from 0" in (
        refused.err
    )


def test_times_are_shown_in_the_channel_time_zone(demo_300, db_url: str) -> None:
    from zoneinfo import ZoneInfo

    orderio = demo_300
    assert orderio("channel", "edit", "demo-b2c", "--timezone", "Asia/Tokyo").code == 0
    orderio("export", "run", "erp-export", "--channel", "demo-b2c")
    [run] = orderio("runs", "--config", "erp-export", "--json").json()
    started = datetime.fromisoformat(run["started_at"].replace("Z", "+00:00"))
    in_tokyo = started.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M:%S")
    assert in_tokyo in orderio("runs", "--config", "erp-export").out
    assert in_tokyo in orderio("export", "list", "--channel", "demo-b2c").out
