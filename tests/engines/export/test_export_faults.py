"""Faults of the environment end a run cleanly: FAILED, one clear message, claims released.

Each fault is real: a tmpfs mounted over the export directory and remounted read-only while the
run is stopped (SIGSTOP) just before its rename, a tmpfs too small for the file, a SQLite write
lock held by another connection longer than the busy timeout. Nothing may end in a traceback on
the terminal, and the abort's own clean-up must not fail on a read-only file system.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from export_fixtures import (
    Shop,
    check_exactly_once,
    start_export_process,
    wait_for_failpoint,
    wait_until_stopped,
)
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from orderio_tui.database import open_database
from orderio_tui.domain.models import ExportClaim, Run
from orderio_tui.domain.statuses import RunState, Trigger
from orderio_tui.engines.export import recover_abandoned_export_runs, run_export

ORDERS = 30


def _mount(*arguments: str) -> None:
    subprocess.run(["mount", *arguments], check=True, capture_output=True)


@pytest.fixture
def export_tmpfs(shop: Shop) -> Iterator[Callable[[str], None]]:
    """``mount_export_tmpfs(size)``: a tmpfs of that size over the shop's export directory."""
    mounted: list[Path] = []

    def mount(size: str) -> None:
        _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(shop.export_dir))
        mounted.append(shop.export_dir)

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _claims(shop: Shop) -> int:
    with shop.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(ExportClaim)) or 0)


def _the_run(shop: Shop) -> Run:
    with shop.db.read() as session:
        return session.scalars(select(Run)).one()


def _stopped_before_rename(shop: Shop, **options: object) -> subprocess.Popen[str]:
    child = start_export_process(shop, "before_rename", cli=True, stop=True, **options)  # type: ignore[arg-type]
    wait_for_failpoint(child, "before_rename")
    wait_until_stopped(child.pid)
    return child


def test_export_directory_turning_read_only_mid_run_fails_the_run_cleanly(
    shop: Shop, export_tmpfs: Callable[[str], None]
) -> None:
    export_tmpfs("4m")
    shop.add_orders(ORDERS)
    child = _stopped_before_rename(shop)
    _mount("-o", "remount,ro", str(shop.export_dir))
    child.send_signal(signal.SIGCONT)
    output, errors = child.communicate(timeout=60)

    assert child.returncode == RunState.FAILED.exit_code
    assert "Traceback" not in errors and "Traceback" not in output
    assert "failed (Read-only file system): check the directory" in output
    assert f"no file published, {ORDERS} claimed orders released" in output
    (part,) = [p.name for p in shop.export_dir.iterdir()]
    assert f"could not be removed (Read-only file system): remove {part} by hand" in output
    assert _the_run(shop).state == RunState.FAILED.value
    assert _claims(shop) == 0 and set(shop.statuses().values()) == {"NEW"}

    _mount("-o", "remount,rw", str(shop.export_dir))
    (shop.export_dir / part).unlink()  # as the message says
    assert (
        run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI).counts["exported"] == ORDERS
    )
    check_exactly_once(shop)


def test_export_directory_running_full_fails_the_run_cleanly(
    shop: Shop, export_tmpfs: Callable[[str], None], caplog: pytest.LogCaptureFixture
) -> None:
    export_tmpfs("32k")
    shop.add_orders(200)
    with caplog.at_level(logging.WARNING):
        outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.state is RunState.FAILED
    assert "(No space left on device): check the directory and free disk space" in outcome.message
    assert "no file published, 200 claimed orders released" in outcome.message
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert list(shop.export_dir.iterdir()) == []
    assert _claims(shop) == 0 and set(shop.statuses().values()) == {"NEW"}


def _lock_database(shop: Shop) -> sqlite3.Connection:
    """Another connection takes SQLite's write lock and keeps it."""
    connection = sqlite3.connect(str(make_url(shop.db.url).database), isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    return connection


@pytest.mark.sqlite_only
def test_a_database_locked_longer_than_the_busy_timeout_fails_the_run_cleanly(shop: Shop) -> None:
    shop.add_orders(ORDERS)
    child = _stopped_before_rename(shop, env={"ORDERIO_SQLITE_BUSY_TIMEOUT": "0.5"})
    lock = _lock_database(shop)
    try:
        child.send_signal(signal.SIGCONT)
        time.sleep(1.5)  # publishing has given up; the abort waits for the lock to go
    finally:
        lock.rollback()
        lock.close()
    output, errors = child.communicate(timeout=60)

    assert child.returncode == RunState.FAILED.exit_code, errors
    assert "Traceback" not in errors and "Traceback" not in output
    assert "the database failed (database is locked): another process held its write" in output
    assert f"no file published, {ORDERS} claimed orders released" in output
    assert _the_run(shop).state == RunState.FAILED.value
    assert _claims(shop) == 0 and list(shop.export_dir.iterdir()) == []


@pytest.mark.sqlite_only
def test_a_database_that_stays_locked_ends_in_one_message_and_recovery_releases_the_claims(
    shop: Shop,
) -> None:
    shop.add_orders(ORDERS)
    child = _stopped_before_rename(shop, env={"ORDERIO_SQLITE_BUSY_TIMEOUT": "0.2"})
    lock = _lock_database(shop)
    try:
        child.send_signal(signal.SIGCONT)
        output, errors = child.communicate(timeout=60)
    finally:
        lock.rollback()
        lock.close()

    assert child.returncode == 2
    assert "Traceback" not in errors and "Traceback" not in output
    (message,) = [line for line in errors.splitlines() if line.startswith("orderio-tui: error:")]
    assert "could not be marked FAILED either: the database failed (database is locked)" in message
    assert "the next run (or `orderio-tui recover`) releases its claimed orders" in message
    assert _the_run(shop).state == RunState.RUNNING.value

    assert len(recover_abandoned_export_runs(shop.db)) == 1
    assert _the_run(shop).state == RunState.FAILED.value
    assert _claims(shop) == 0
    check_exactly_once(shop)


@pytest.fixture
def shop_on_small_disk(tmp_path: Path) -> Iterator[Shop]:
    """A shop whose SQLite database (and export directory) live on a 16 MiB tmpfs."""
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk))
    db = open_database(f"sqlite:///{disk / 'orderio.db'}")
    try:
        yield Shop(db, disk)
    finally:
        db.dispose()
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(directory: Path) -> Path:
    """Write a file into ``directory`` until its file system is full."""
    filler = directory / "filler"
    try:
        with filler.open("wb") as sink:
            while True:
                sink.write(b"\0" * 65536)
                sink.flush()
    except OSError:
        pass  # full (possibly before the first byte: the database took the space already)
    return filler


def test_a_full_database_disk_ends_in_one_message_and_recovery_releases_the_claims(
    shop_on_small_disk: Shop,
) -> None:
    shop = shop_on_small_disk
    shop.add_orders(ORDERS)
    child = start_export_process(shop, "after_claim", cli=True, stop=True)
    wait_for_failpoint(child, "after_claim")
    wait_until_stopped(child.pid)
    with sqlite3.connect(str(shop.root / "orderio.db")) as connection:
        # An empty write-ahead log: the run's next write must take new space.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = _fill(shop.root)
    try:
        child.send_signal(signal.SIGCONT)
        output, errors = child.communicate(timeout=60)
    finally:
        filler.unlink(missing_ok=True)

    assert "Traceback" not in errors and "Traceback" not in output
    if child.returncode == 2:  # the database refused the run's own end: recovery finishes it
        (message,) = [
            line for line in errors.splitlines() if line.startswith("orderio-tui: error:")
        ]
        assert "the database failed (database or disk is full): free disk space" in message
        assert "the next run (or `orderio-tui recover`) releases its claimed orders" in message
        assert len(recover_abandoned_export_runs(shop.db)) == 1
    else:  # the file's write failed first, and the run's end still fit into the database
        assert child.returncode == 1, errors
        assert "No space left on device" in errors and "claimed orders released" in errors
        assert recover_abandoned_export_runs(shop.db) == []
    assert _the_run(shop).state == RunState.FAILED.value
    assert _claims(shop) == 0
    assert (
        run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI).counts["exported"] == ORDERS
    )
    check_exactly_once(shop)


@pytest.mark.sqlite_only
def test_a_damaged_database_page_mid_run_fails_the_run_with_one_message(shop: Shop) -> None:
    shop.add_orders(ORDERS)
    child = _stopped_before_write(shop)
    path = make_url(shop.db.url).database
    assert path is not None
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page into the file
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        pages = [
            number
            for (number,) in connection.execute(
                "SELECT pageno FROM dbstat WHERE name = 'line_items' AND pagetype = 'leaf'"
            )
        ]
    with open(path, "r+b") as database:  # the line items the run is about to read
        for number in pages:
            database.seek((number - 1) * page_size)
            database.write(b"\xff" * page_size)
    child.send_signal(signal.SIGCONT)
    output, errors = child.communicate(timeout=60)

    assert child.returncode == RunState.FAILED.exit_code, errors
    assert "Traceback" not in errors and "Traceback" not in output
    assert "the database failed (database disk image is malformed): the database file is " in output
    assert "damaged: restore it from a backup" in output
    assert f"no file published, {ORDERS} claimed orders released" in output
    assert _claims(shop) == 0 and list(shop.export_dir.iterdir()) == []


def _stopped_before_write(shop: Shop) -> subprocess.Popen[str]:
    child = start_export_process(shop, "after_claim", cli=True, stop=True)
    wait_for_failpoint(child, "after_claim")
    wait_until_stopped(child.pid)
    return child
