"""Random SIGKILL rounds of the status import: every status file is applied exactly once.

    .venv/bin/python tests/engines/status_import/kill_rounds.py [--rounds 20] [--seed 1]
        [--min-entries 100] [--max-entries 30000] [--kills 2] [--keep]

Not part of the default test suite (a round of 30,000 entries takes about a minute). Each round
builds a fresh SQLite database of exported orders (one line item and one payment each) and an
inbox with three status files that share the round's entries, a file with an unknown order
(so it has a report), an invalid file and a duplicate of the first file. Then it starts the
real import in a child process and kills it with SIGKILL after a random delay, ``--kills`` times
(each new child recovers the run the previous one left), and finally runs the import to the end.

After every round it checks: no run RUNNING, nothing in ``processing/``; each valid file
archived once and in the ledger once; the duplicate archived unapplied; the invalid file in the
error directory next to its report; every order applied exactly once (status DELIVERED, three
history rows: order, line item, payment; one "applied" result and no "unchanged" one, which
would mean a second application). It prints one line per round and exits 1 on the first
violation.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from status_import_fixtures import Entry, ImportWorld, make_world, status_xml  # noqa: E402

from orderio_tui.database import open_database  # noqa: E402
from orderio_tui.domain.models import (  # noqa: E402
    Order,
    Run,
    RunResultRow,
    StatusHistory,
)
from orderio_tui.domain.statuses import RunState  # noqa: E402
from orderio_tui.engines.files import sha256_of  # noqa: E402

CHILD = """
import sys
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import Trigger
from orderio_tui.engines.status_import import run_import

database = open_database(sys.argv[1])
print("STARTED", file=sys.stderr, flush=True)
outcome = run_import(database, int(sys.argv[2]), trigger=Trigger.CLI)
print(outcome.state.value, flush=True)
"""

GOOD_FILES = ("a.xml", "c.xml", "d.xml")


class Violation(Exception):
    """A round ended in a state that exactly-once forbids."""


def _deliver(world: ImportWorld, entries: int) -> dict[str, list[str]]:
    """Three good files sharing ``entries`` orders, one with an unknown order; a bad file; a
    duplicate of a.xml."""
    numbers = [f"K{n:07d}" for n in range(entries)]
    world.add_orders_in_bulk(numbers)
    files: dict[str, list[str]] = {}
    third = -(-entries // 3)
    for index, name in enumerate(GOOD_FILES):
        part = numbers[index * third : (index + 1) * third]
        rows = [
            Entry(
                id=number,
                status="DELIVERED",
                line_items=[(1, "DELIVERED")],
                payments=[(f"PAY-{number}", "CAPTURED")],
            )
            for number in part
        ]
        if index == 0:
            rows.append(Entry(id="K-unknown", status="DELIVERED"))
        world.deliver(name, status_xml(rows))
        files[name] = part
    world.deliver("b-bad.xml", b"<orders><order id='1'></orders>")
    shutil.copy2(world.inbox / "a.xml", world.inbox / "e-again.xml")
    return files


def _kill_once(world: ImportWorld, delay: float) -> None:
    env = {key: value for key, value in os.environ.items() if key != "ORDERIO_FAILPOINT"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, world.db.url, str(world.configuration_id)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    child.stderr.readline()  # STARTED
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    child.stderr.close()


def _check(world: ImportWorld, files: dict[str, list[str]], hashes: dict[str, str]) -> None:
    def fail(message: str) -> None:
        raise Violation(message)

    with world.db.read() as session:
        running = session.scalar(
            select(func.count()).select_from(Run).where(Run.state == RunState.RUNNING.value)
        )
        history = Counter(
            session.execute(
                select(Order.document_no).join(StatusHistory, StatusHistory.order_id == Order.id)
            ).scalars()
        )
        outcomes = Counter(
            session.execute(select(RunResultRow.document_no, RunResultRow.outcome)).all()
        )
        statuses = dict(session.execute(select(Order.document_no, Order.status)).all())
    if running:
        fail(f"{running} run(s) still RUNNING")
    if world.files(world.processing):
        fail(f"left in processing/: {world.files(world.processing)}")
    ledger = Counter(entry.sha256 for entry in world.ledger())
    archive = world.files(world.archive)
    for name in GOOD_FILES:
        if ledger[hashes[name]] != 1:
            fail(f"{name} is {ledger[hashes[name]]} times in the ledger")
        copies = [
            n
            for n in archive
            if n.endswith(".xml") and sha256_of(world.archive / n) == hashes[name]
        ]
        if name == "a.xml":
            copies = [n for n in copies if not n.startswith("e-again")]
        if len(copies) != 1:
            fail(f"{name} archived {len(copies)} times: {copies}")
    if not any(n.startswith("e-again") for n in archive):
        fail("the duplicate e-again.xml was not archived")
    if len(ledger) != len(GOOD_FILES):
        fail(f"the ledger has {len(ledger)} files, expected {len(GOOD_FILES)}")
    if world.files(world.error) != ["b-bad.xml", "b-bad.xml.error.txt"]:
        fail(f"error directory holds {world.files(world.error)}")
    for numbers in files.values():
        for number in numbers:
            if statuses[number] != "DELIVERED":
                fail(f"order {number} is {statuses[number]}")
            if history[number] != 3:
                fail(f"order {number} has {history[number]} history rows, expected 3")
            if outcomes[(number, "applied")] != 1 or outcomes[(number, "unchanged")]:
                fail(
                    f"order {number} results: {outcomes[(number, 'applied')]} applied, "
                    f"{outcomes[(number, 'unchanged')]} unchanged"
                )


def run_round(workdir: Path, entries: int, rng: random.Random, kills: int) -> str:
    """One round; returns its summary line, raises Violation when exactly-once is broken."""
    db = open_database(f"sqlite:///{workdir / 'orderio.db'}")
    world = make_world(db, workdir)
    files = _deliver(world, entries)
    hashes = {name: sha256_of(world.inbox / name) for name in GOOD_FILES}
    # Start-up (about 0.5 s) and 30,000 entries/s here: the kills land anywhere in a run.
    expected = 0.5 + entries / 30_000
    delays = [rng.uniform(0.0, expected) for _ in range(kills)]
    for delay in delays:
        _kill_once(world, delay)
    before = len(world.ledger())
    final = world.run()
    _check(world, files, hashes)
    with world.db.read() as session:  # the kills that hit a run in progress
        interrupted = session.scalar(
            select(func.count()).select_from(Run).where(Run.message.like("interrupted%"))
        )
    db.dispose()
    kills_text = ", ".join(f"{delay:.2f}" for delay in delays)
    return (
        f"{entries} entries, killed after {kills_text} s, {interrupted} run(s) interrupted, "
        f"{before} of {len(GOOD_FILES)} files applied before the final run "
        f"({final.state.value})"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the rounds; 0 when every file was applied exactly once in every round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-entries", type=int, default=100)
    parser.add_argument("--max-entries", type=int, default=30_000)
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs per round")
    parser.add_argument("--keep", action="store_true", help="Keep the working directories.")
    args = parser.parse_args(argv)
    logging.getLogger("orderio_tui").setLevel(logging.ERROR)  # the rounds' run logs are expected
    rng = random.Random(args.seed)
    sizes = [args.min_entries, args.max_entries]
    sizes += [rng.randint(args.min_entries, args.max_entries) for _ in range(args.rounds - 2)]
    root = Path(tempfile.mkdtemp(prefix="orderio-import-kills-"))
    try:
        for number, entries in enumerate(sizes[: args.rounds], start=1):
            workdir = root / f"round-{number}"
            workdir.mkdir()
            try:
                line = run_round(workdir, entries, rng, args.kills)
            except Violation as exc:
                print(f"round {number}: VIOLATION: {exc} (kept in {workdir})", flush=True)
                args.keep = True
                return 1
            print(f"round {number}: ok: {line}", flush=True)
            if not args.keep:
                shutil.rmtree(workdir)
        print(f"{args.rounds} rounds: every status file applied exactly once")
        return 0
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
