"""Exactly-once acceptance for the export (SPEC §7.1, §8): random SIGKILL rounds and a soak.

    python benchmarks/exactly_once_soak.py [--rounds 20] [--soak-seconds 60] [--seed 1]
                                           [--min-orders 100] [--max-orders 30000]
                                           [--postgres SERVER_URL]

Rounds: each round builds a fresh database of a random number of orders (log-uniform between
``--min-orders`` and ``--max-orders``), starts ``orderio-tui export run`` in a child process,
SIGKILLs it at a random moment of its run, runs ``orderio-tui recover``, checks, then lets a
final ``export run`` finish and checks again.

Soak: one database that a feeder keeps filling with new orders, three ``orderio-tui scheduler``
processes running `erp-export` every second, manual ``export run`` commands in between, and
every 15 s one scheduler SIGKILLed and replaced; at the end the schedulers get SIGTERM, a
``recover`` and a last ``export run`` follow, and everything is checked.

Every check counts: orders in two files, EXPORTED orders in no file, orders in a file that are
not EXPORTED, temporary files, claims and RUNNING runs left. Any non-zero figure fails the
script (exit 1). With ``--postgres`` (a server URL such as
``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``) everything runs on a database of its
own on that server, dropped at the end; otherwise on SQLite files.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_bench import _empty_postgresql, create_shop, generate, insert_orders

from orderio_tui.database import Database, open_database
from orderio_tui.domain.models import ExportClaim, Order, Run
from orderio_tui.domain.statuses import RunState
from orderio_tui.engines.export import NAMESPACE

CLI = str(Path(sys.executable).with_name("orderio-tui"))
DOCUMENT_NO = f"{{{NAMESPACE}}}document-no"


# --------------------------------------------------------------------------- checks


def published_numbers(directory: Path) -> Counter[str]:
    """How often each document number appears in the published files of ``directory``."""
    counted: Counter[str] = Counter()
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue
        for _, element in etree.iterparse(str(path), tag=DOCUMENT_NO):
            counted[element.text or ""] += 1
            element.clear()
    return counted


def check(db: Database, directory: Path) -> dict[str, int]:
    """The exactly-once figures; every one must be 0."""
    counted = published_numbers(directory)
    with db.read() as session:
        exported = set(session.scalars(select(Order.document_no).where(Order.status == "EXPORTED")))
        claims = session.scalar(select(func.count()).select_from(ExportClaim)) or 0
        running = (
            session.scalar(
                select(func.count()).select_from(Run).where(Run.state == RunState.RUNNING.value)
            )
            or 0
        )
    return {
        "in_two_files": sum(1 for times in counted.values() if times > 1),
        "exported_without_file": len(exported - set(counted)),
        "in_file_not_exported": len(set(counted) - exported),
        "temporary_files": sum(1 for p in directory.iterdir() if p.name.startswith(".")),
        "claims_left": int(claims),
        "running_left": int(running),
    }


def cli(url: str, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "--db", url, *arguments], capture_output=True, text=True, timeout=timeout
    )


# --------------------------------------------------------------------------- databases


@contextmanager
def databases(postgres: str | None, workdir: Path) -> Iterator[Any]:
    """Yields ``fresh(name) -> url``: an empty, migrated database for each call."""
    if postgres is None:
        yield lambda name: f"sqlite:///{workdir / name / 'orderio.db'}"
        return
    server = make_url(postgres)
    name = f"orderio_soak_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)

    def fresh(_: str) -> str:
        _empty_postgresql(url)
        return url

    try:
        yield fresh
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Shop:
    """A fresh database with the bench shop and a feeder of new orders."""

    def __init__(self, url: str, root: Path, seed: int) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.db = open_database(url)
        self.export_dir = root / "export"
        self.channel_id, self.configuration_id = create_shop(self.db, root)
        self.seed = seed
        self.next_id = 1
        self.batch_index = 0

    def add_orders(self, count: int) -> None:
        with self.db.engine.begin() as connection:
            for first in range(self.next_id, self.next_id + count, 2000):
                size = min(2000, self.next_id + count - first)
                insert_orders(
                    connection,
                    self.channel_id,
                    generate(self.batch_index, first, size, self.seed),
                )
                self.batch_index += 1
        self.next_id += count

    def check(self) -> dict[str, int]:
        return check(self.db, self.export_dir)


def _running_run_exists(db: Database) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(Run.id).where(Run.state == RunState.RUNNING.value)))


# --------------------------------------------------------------------------- rounds


def kill_rounds(fresh: Any, workdir: Path, rounds: int, sizes: tuple[int, int], seed: int) -> int:
    rng = random.Random(seed)
    failures = 0
    rate = 6000.0  # orders per second of a whole run, learnt from the large final runs
    phases: Counter[str] = Counter()
    print(f"{'round':>5} {'orders':>7} {'killed at':>9} {'state after kill':<34} figures")
    for number in range(1, rounds + 1):
        size = int(math.exp(rng.uniform(math.log(sizes[0]), math.log(sizes[1]))))
        shop = Shop(fresh(f"round{number}"), workdir / f"round{number}", seed + number)
        shop.add_orders(size)
        child = subprocess.Popen(
            [CLI, "--db", shop.url, "export", "run", "erp-export"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        launched = time.monotonic()
        while child.poll() is None and not _running_run_exists(shop.db):
            assert time.monotonic() < launched + 120, "the export never started"
            time.sleep(0.005)
        startup = time.monotonic() - launched
        # Anywhere in the run, including after the rename and during the completion.
        delay = rng.uniform(0.0, 1.2 * (0.2 + size / rate))
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        recovered = cli(shop.url, "recover")
        after_kill = shop.check()
        note = recovered.stdout.strip().splitlines()[-1][:34] if recovered.stdout.strip() else ""
        if "completed from published file" in recovered.stdout:
            phases["completed from its file"] += 1
        elif "interrupted before" in recovered.stdout:
            phases["rolled back"] += 1
        else:
            phases["finished before the kill"] += 1
        began = time.monotonic()
        final = cli(shop.url, "export", "run", "erp-export")
        exported = int(final.stdout.split("exported ", 1)[1].split(",")[0]) if final.stdout else 0
        if exported > 3000:
            rate = exported / max(0.05, time.monotonic() - began - startup)
        figures = shop.check()
        with shop.db.read() as session:
            new_left = session.scalar(
                select(func.count()).select_from(Order).where(Order.status == "NEW")
            )
        bad = sum(after_kill.values()) + sum(figures.values()) + (new_left or 0)
        bad += final.returncode not in (0, 3)  # SUCCEEDED or PARTIAL
        failures += bool(bad)
        shown = {k: v for k, v in figures.items() if v} or "all 0"
        print(f"{number:>5} {size:>7} {delay:>8.2f}s {note:<34} {shown} new_left={new_left}")
        if final.returncode not in (0, 3):
            print(f"      final export run exited {final.returncode}: {final.stderr[-500:]}")
        shop.db.dispose()
    print(f"rounds: {dict(phases)}")
    return failures


# --------------------------------------------------------------------------- soak


def _busy_scheduler(db: Database, schedulers: list[Any], rng: random.Random) -> int:
    """Index of a scheduler that is in the middle of a run (waits up to 3 s), else any."""
    pids = {process.pid: index for index, process in enumerate(schedulers)}
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        with db.read() as session:
            owners = session.scalars(select(Run.owner).where(Run.state == RunState.RUNNING.value))
            for owner in owners:
                pid = int((owner or "::").rsplit(":", 2)[1] or 0)
                if pid in pids:
                    return pids[pid]
        time.sleep(0.01)
    return rng.randrange(len(schedulers))


def soak(fresh: Any, workdir: Path, seconds: float, seed: int) -> int:
    rng = random.Random(seed)
    shop = Shop(fresh("soak"), workdir / "soak", seed)
    shop.add_orders(2000)
    schedule = cli(
        shop.url, "export", "schedule", "erp-export", "--every", "1", "--unit", "seconds"
    )
    assert schedule.returncode == 0, schedule.stderr

    def scheduler() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [CLI, "--db", shop.url, "scheduler"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    schedulers = [scheduler() for _ in range(3)]
    stop = threading.Event()
    fed = [2000]

    def feed() -> None:
        while not stop.wait(0.5):
            count = rng.randint(50, 400)
            shop.add_orders(count)
            fed[0] += count

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    manual = killed = 0
    started = time.monotonic()
    next_kill = started + 15
    while time.monotonic() - started < seconds:
        cli(shop.url, "export", "run", "erp-export")
        manual += 1
        if time.monotonic() >= next_kill:
            victim = _busy_scheduler(shop.db, schedulers, rng)
            schedulers[victim].send_signal(signal.SIGKILL)
            schedulers[victim].wait()
            schedulers[victim] = scheduler()
            killed += 1
            next_kill += 15
        time.sleep(rng.uniform(0.2, 1.5))
    stop.set()
    feeder.join()
    for process in schedulers:
        process.send_signal(signal.SIGTERM)
    for process in schedulers:
        process.wait(timeout=120)
    cli(shop.url, "recover")
    cli(shop.url, "export", "run", "erp-export")
    figures = shop.check()
    with shop.db.read() as session:
        runs = dict(session.execute(select(Run.state, func.count()).group_by(Run.state)).all())
        recovered = session.scalar(
            select(func.count()).select_from(Run).where(Run.message.like("recovered:%"))
        )
        exported = session.scalar(
            select(func.count()).select_from(Order).where(Order.status == "EXPORTED")
        )
    files = sum(1 for p in shop.export_dir.iterdir() if not p.name.startswith("."))
    print(
        f"soak {seconds:.0f} s: {fed[0]} orders fed, {exported} EXPORTED in {files} files, "
        f"{manual} manual runs, {killed} schedulers SIGKILLed, {recovered} runs recovered, "
        f"runs by state {runs}"
    )
    print(f"soak figures: {figures}")
    shop.db.dispose()
    return int(sum(figures.values()) > 0 or exported != fed[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--soak-seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-orders", type=int, default=100)
    parser.add_argument("--max-orders", type=int, default=30_000)
    parser.add_argument("--postgres", default=None, help="PostgreSQL server URL")
    args = parser.parse_args()
    os.environ.pop("ORDERIO_FAILPOINT", None)
    with tempfile.TemporaryDirectory(prefix="orderio-soak-") as temporary:
        workdir = Path(temporary)
        with databases(args.postgres, workdir) as fresh:
            print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
            failures = 0
            if args.rounds:
                failures += kill_rounds(
                    fresh, workdir, args.rounds, (args.min_orders, args.max_orders), args.seed
                )
            if args.soak_seconds:
                failures += soak(fresh, workdir, args.soak_seconds, args.seed)
    print("PASS" if failures == 0 else f"FAIL ({failures})")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
