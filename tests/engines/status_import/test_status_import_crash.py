"""SIGKILL an import process at every step of a file's way; recovery keeps it exactly once (§7.2).

The child process runs the real import against the test's SQLite file. With
``ORDERIO_FAILPOINT=import:<point>`` it announces the point on stderr and waits there; the test
kills it with SIGKILL (or, without a failpoint, after a random delay), runs recovery as the
command line does, and checks that every file is either archived and applied once, or back in
the inbox and not applied at all. A second, normal run then imports what was returned, and in
the end every entry has been applied exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from status_import_fixtures import Entry, ImportWorld, status_xml

from orderio_tui.domain.models import Run
from orderio_tui.domain.statuses import RunState
from orderio_tui.engines.files import sha256_of
from orderio_tui.jobs.recovery import recover_abandoned_runs

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

FAILPOINTS = [
    "after_intent",
    "after_move",
    "mid_apply",
    "before_commit",
    "after_commit",
    "after_archive",
    "after_error_report",
]


def _deliver_files(world: ImportWorld, entries_per_file: int) -> dict[str, list[str]]:
    """Three good files (each with one unknown order, so each has a report) and a bad one."""
    files: dict[str, list[str]] = {}
    for prefix in ("a", "c", "d"):
        numbers = [f"{prefix}{n:05d}" for n in range(entries_per_file)]
        world.add_orders(numbers, line_items=["INPROGRESS"])
        entries = [
            Entry(
                id=number,
                status="DELIVERED",
                line_items=[(1, "DELIVERED")],
                payments=[(f"PAY-{number}", "CAPTURED")],
            )
            for number in numbers
        ]
        entries.append(Entry(id=f"{prefix}-unknown", status="DELIVERED"))
        world.deliver(f"{prefix}.xml", status_xml(entries))
        files[f"{prefix}.xml"] = numbers
    world.deliver("b-bad.xml", b"<orders><order id='1'></orders>")
    return files


def _start(
    world: ImportWorld, failpoint: str | None, *, pause: float | None = None
) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("ORDERIO_FAILPOINT", None)
    if failpoint:
        env["ORDERIO_FAILPOINT"] = f"import:{failpoint}"
    if pause is not None:
        env["ORDERIO_FAILPOINT_PAUSE"] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, world.db.url, str(world.configuration_id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(child: subprocess.Popen[str], marker: str) -> None:
    assert child.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = child.stderr.readline()
        if marker in line:
            return
        if not line and child.poll() is not None:
            raise AssertionError(f"child ended before {marker}: {child.stdout.read()}")
    raise AssertionError(f"child never reached {marker}")


def _kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    for stream in (child.stdout, child.stderr):
        if stream is not None:
            stream.close()


def _check_exactly_once_so_far(
    world: ImportWorld, files: dict[str, list[str]], hashes: dict[str, str]
) -> set[str]:
    """After recovery: each file archived and applied, or in the inbox and not applied."""
    assert world.files(world.processing) == []
    with world.db.read() as session:
        running = session.scalars(select(Run).where(Run.state == RunState.RUNNING.value)).all()
    assert running == []
    ledger = {entry.sha256 for entry in world.ledger()}
    snapshot = world.snapshot()
    archived: set[str] = set()
    for name, numbers in files.items():
        in_archive = (world.archive / name).exists()
        in_inbox = (world.inbox / name).exists()
        assert in_archive != in_inbox, name
        applied = {snapshot[("shop-a", number)].status for number in numbers}
        if in_archive:
            archived.add(name)
            assert hashes[name] in ledger, name
            assert applied == {"DELIVERED"}, name
            assert (world.archive / f"{name}.report.txt").exists(), name
        else:
            assert hashes[name] not in ledger, name
            assert applied == {"EXPORTED"}, name
    bad_in_error = (world.error / "b-bad.xml").exists()
    assert bad_in_error != (world.inbox / "b-bad.xml").exists()
    if bad_in_error:
        assert (world.error / "b-bad.xml.error.txt").exists()
    return archived


def _finish_and_check(world: ImportWorld, files: dict[str, list[str]]) -> None:
    """A normal run takes what was returned; every order was applied exactly once overall."""
    world.run()
    assert sorted(name for name in world.files(world.archive) if name.endswith(".xml")) == [
        "a.xml",
        "c.xml",
        "d.xml",
    ]
    assert world.files(world.processing) == []
    assert len(world.ledger()) == 3
    applied: dict[str, int] = {}
    for result in world.results():
        assert result.outcome != "unchanged", result.document_no  # would mean a second apply
        if result.outcome == "applied":
            applied[result.document_no] = applied.get(result.document_no, 0) + 1
    expected = {number for numbers in files.values() for number in numbers}
    assert applied == dict.fromkeys(expected, 1)
    for number in expected:
        assert len(world.history(number)) == 3  # order, line item, payment: once each


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_killed_at_a_failpoint_the_import_is_applied_once_or_not_at_all(
    world: ImportWorld, failpoint: str
) -> None:
    files = _deliver_files(world, entries_per_file=30)
    hashes = {name: sha256_of(world.inbox / name) for name in files}
    child = _start(world, failpoint)
    _wait_for(child, f"FAILPOINT import:{failpoint}")
    _kill(child)

    messages = recover_abandoned_runs(world.db)

    assert len(messages) == 1
    archived = _check_exactly_once_so_far(world, files, hashes)
    if failpoint in ("after_commit", "after_archive"):
        assert archived == {"a.xml"}  # committed before the kill: kept
    if failpoint in ("after_intent", "after_move", "mid_apply", "before_commit"):
        assert archived == set()  # not committed: returned to the inbox
    _finish_and_check(world, files)


@pytest.mark.parametrize("seed", range(4))
def test_killed_at_a_random_moment_the_import_is_applied_once_or_not_at_all(
    world: ImportWorld, seed: int
) -> None:
    files = _deliver_files(world, entries_per_file=150)
    hashes = {name: sha256_of(world.inbox / name) for name in files}
    child = _start(world, None)
    _wait_for(child, "STARTED")
    # The whole run takes about half a second: the kill lands somewhere inside it.
    time.sleep(random.Random(seed).uniform(0.0, 0.4))
    _kill(child)

    recover_abandoned_runs(world.db)

    _check_exactly_once_so_far(world, files, hashes)
    _finish_and_check(world, files)


def test_recovery_of_a_run_whose_file_was_deleted_meanwhile(world: ImportWorld) -> None:
    files = _deliver_files(world, entries_per_file=5)
    child = _start(world, "after_move")
    _wait_for(child, "FAILPOINT import:after_move")
    _kill(child)
    Path(world.processing / "a.xml").unlink()

    (message,) = recover_abandoned_runs(world.db)

    assert "no longer in" in message
    with world.db.read() as session:
        (run,) = session.scalars(select(Run)).all()
    assert run.state == RunState.FAILED.value
    assert "interrupted" in run.message
    assert (world.inbox / "c.xml").exists() and sorted(files) == ["a.xml", "c.xml", "d.xml"]


def test_the_next_run_recovers_an_abandoned_run_before_it_starts(world: ImportWorld) -> None:
    files = _deliver_files(world, entries_per_file=5)
    child = _start(world, "mid_apply")
    _wait_for(child, "FAILPOINT import:mid_apply")
    _kill(child)

    outcome = world.run()  # no explicit recovery: the run does it first

    with world.db.read() as session:
        states = dict(session.execute(select(Run.id, Run.state)).all())
    assert states[1] == RunState.FAILED.value
    assert outcome.run_id == 2
    assert outcome.counts["applied"] == 15
    _check_exactly_once_so_far(world, files, {n: sha256_of(world.archive / n) for n in files})
