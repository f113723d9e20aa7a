"""Scheduler cluster benchmark (SPEC §14): several scheduler processes on one database.

    python benchmarks/scheduler_bench.py [--schedulers 3] [--configurations 20] [--seconds 60]
                                         [--orders 2000] [--db-url URL]

Builds the demo (``--orders`` orders) in a fresh SQLite file (or the emptied PostgreSQL database
given with ``--db-url``), adds export configurations up to ``--configurations`` (each exporting
every order of demo-b2c once, "only orders not yet exported", status updates off), schedules
them every 1–5 seconds, and starts ``--schedulers`` `orderio-tui scheduler` processes for
``--seconds`` seconds. Then it prints, from the stored runs and published files:

- firings per configuration (runs, and SKIPPED runs of due times that came while the previous run
  still went) against the number of due times from the first firing to the moment the last
  scheduler stopped;
- overlaps (two runs of one configuration at once) and double exports (an order in two files of
  one configuration);
- start lateness of each run after its due time (p50, p99, max).

Targets: firings = due ± 1 for every configuration, 0 overlaps, 0 double exports, p99 lateness
under 1 s.

The baseline of the same run is one scheduler process alone: its lateness is printed next to the
cluster's, so the cost of sharing due times shows as a difference, not as an absolute figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from orderio_tui.application.configurations import (
    ExportConfigurationForm,
    create_export_configuration,
    list_configurations,
    set_schedule,
)
from orderio_tui.database import Database, open_database
from orderio_tui.demo import create_demo
from orderio_tui.domain.models import Base, Run, ScheduleDue, utcnow
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import OrderStatus, RunKind, RunState, ScheduleMode, ScheduleUnit
from orderio_tui.engines.export import NAMESPACE
from orderio_tui.jobs.leases import lease_key


def _empty_postgresql(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _set_up(db: Database, root: Path, configurations: int, orders: int) -> dict[int, int]:
    """Demo plus extra exports; every export scheduled. Configuration id → interval seconds."""
    create_demo(db, root, orders=orders, seed=11)
    every_order = [status.value for status in OrderStatus]
    for number in range(max(0, configurations - 4)):
        create_export_configuration(
            db,
            "demo-b2c",
            ExportConfigurationForm(
                name=f"feed-{number + 1:02d}",
                service="bi-xml-export",
                status_updates_enabled=False,
                order_statuses=every_order,
                only_not_exported=True,
            ),
        )
    intervals: dict[int, int] = {}
    rows = [
        row
        for channel in ("demo-b2c", "demo-b2b")
        for row in list_configurations(db, RunKind.EXPORT, channel)
    ]
    for index, row in enumerate(rows[:configurations]):
        seconds = 1 + index % 5
        set_schedule(
            db,
            RunKind.EXPORT,
            row.id,
            Schedule(mode=ScheduleMode.INTERVAL, every=seconds, unit=ScheduleUnit.SECONDS),
        )
        intervals[row.id] = seconds
    return intervals


def _run_schedulers(url: str, count: int, seconds: float) -> datetime:
    """Run ``count`` schedulers for ``seconds``; the moment the last one stopped firing (its
    "scheduler stopping" line), which ends the window the due times are counted in."""
    command = [sys.executable, "-m", "orderio_tui", "--db", url, "scheduler"]
    children = [
        subprocess.Popen(
            [*command, "--duration", str(seconds)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "ORDERIO_LOG_LEVEL": "ERROR", "PYTHONUNBUFFERED": "1"},
        )
        for _ in range(count)
    ]
    stopped: list[datetime] = []

    def watch(child: subprocess.Popen[str]) -> None:
        assert child.stderr is not None
        for line in child.stderr:
            if line.startswith("scheduler stopping"):
                stopped.append(utcnow())

    watchers = [threading.Thread(target=watch, args=(child,)) for child in children]
    for watcher in watchers:
        watcher.start()
    for child in children:
        child.wait(timeout=seconds + 120)
    for watcher in watchers:
        watcher.join()
    return max(stopped) if stopped else utcnow()


def _double_exports(runs: list[Run]) -> int:
    """Orders that are in more than one published file of one configuration."""
    doubles = 0
    per_configuration: dict[int, Counter[str]] = {}
    for run in runs:
        seen = per_configuration.setdefault(run.configuration_id, Counter())
        for name in run.files or []:
            path = Path(name)
            if path.exists():
                for order in etree.parse(str(path)).getroot().iter(f"{{{NAMESPACE}}}order"):
                    seen[order.get("id", "")] += 1
    for seen in per_configuration.values():
        doubles += sum(1 for times in seen.values() if times > 1)
    return doubles


def _measure(db: Database, intervals: dict[int, int], end: datetime, label: str) -> dict:
    with db.read() as session:
        runs = list(
            session.scalars(
                select(Run).where(Run.kind == "export", Run.dry_run.is_(False)).order_by(Run.id)
            )
        )
        anchors = {row.key: row.next_due_at for row in session.scalars(select(ScheduleDue)).all()}
    lateness: list[float] = []
    worst_firing_error = 0
    overlaps = skipped = 0
    lines = []
    for configuration_id, seconds in sorted(intervals.items()):
        mine = [r for r in runs if r.configuration_id == configuration_id]
        skipped += sum(1 for r in mine if r.state == RunState.SKIPPED.value)
        worked = [r for r in mine if r.state != RunState.SKIPPED.value]
        overlaps += sum(
            1
            for earlier, later in zip(worked, worked[1:], strict=False)
            if earlier.finished_at and earlier.finished_at > later.started_at
        )
        anchor = anchors.get(lease_key(RunKind.EXPORT, configuration_id))
        due = 0
        if anchor is not None and worked:
            # Every due time is anchor + k × interval; a start's lateness is its distance past
            # the grid point before it (exact while lateness stays under one interval).
            late = [(run.started_at - anchor).total_seconds() % seconds for run in worked]
            lateness.extend(late)
            first_due = worked[0].started_at - timedelta(seconds=late[0])
            due = int((end - first_due).total_seconds() // seconds) + 1
        # A due time is fired once whether its run worked or was SKIPPED (its previous run
        # still going): both are the one firing of that due time.
        fired = len(mine)
        worst_firing_error = max(worst_firing_error, abs(fired - due))
        lines.append(
            f"  export {configuration_id:>3} every {seconds} s: {fired} firings "
            f"({len(worked)} runs, {fired - len(worked)} skipped), {due} due"
        )
    lateness.sort()
    print(f"{label}:")
    print("\n".join(lines))
    return {
        "runs": sum(1 for r in runs if r.state != RunState.SKIPPED.value),
        "skipped": skipped,
        "overlaps": overlaps,
        "double_exports": _double_exports(runs),
        "worst_firing_error": worst_firing_error,
        "p50": statistics.median(lateness) if lateness else 0.0,
        "p99": lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))] if lateness else 0.0,
        "max": lateness[-1] if lateness else 0.0,
    }


def _round(url: str, root: Path, schedulers: int, args: argparse.Namespace) -> dict:
    db = open_database(url)  # migrates a new database first
    if url.startswith("postgresql"):
        _empty_postgresql(url)
    try:
        intervals = _set_up(db, root, args.configurations, args.orders)
        end = _run_schedulers(url, schedulers, args.seconds)
        return _measure(db, intervals, end, f"{schedulers} scheduler(s)")
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedulers", type=int, default=3)
    parser.add_argument("--configurations", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--db-url", help="an existing PostgreSQL database to empty and use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orderio-scheduler-bench-") as directory:
        base = Path(directory)
        results = {}
        for label, count in (("baseline", 1), ("cluster", args.schedulers)):
            root = base / label
            url = args.db_url or f"sqlite:///{root / 'orderio.db'}"
            root.mkdir()
            started = time.monotonic()
            results[label] = _round(url, root, count, args)
            results[label]["wall"] = time.monotonic() - started
    print()
    print(f"{'':<10} {'runs':>6} {'skipped':>8} {'overlaps':>9} {'doubles':>8} "
          f"{'firing±':>8} {'p50 s':>7} {'p99 s':>7} {'max s':>7}")  # fmt: skip
    for label, figures in results.items():
        print(
            f"{label:<10} {figures['runs']:>6} {figures['skipped']:>8} {figures['overlaps']:>9} "
            f"{figures['double_exports']:>8} {figures['worst_firing_error']:>8} "
            f"{figures['p50']:>7.3f} {figures['p99']:>7.3f} {figures['max']:>7.3f}"
        )
    cluster = results["cluster"]
    ok = (
        cluster["worst_firing_error"] <= 1
        and cluster["overlaps"] == 0
        and cluster["double_exports"] == 0
        and cluster["p99"] < 1.0
    )
    verdict = "met" if ok else "NOT met"
    print(f"\ntargets (firings = due ± 1, 0 overlaps, 0 doubles, p99 < 1 s): {verdict}")


if __name__ == "__main__":
    main()
