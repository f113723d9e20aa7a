"""Status import picking its files up from a real OpenSSH server (SPEC §15, §7.2).

A remote file is downloaded into the local inbox, imported as any local file, and moved to the
remote archive (or error) directory only after the local commit. Killed anywhere in between, the
next run downloads it again, finds it a SHA-256 duplicate, applies nothing and moves it then.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from failpoint_child import kill_at_failpoint
from sftp_server import SshServer
from sqlalchemy import select
from status_import_fixtures import Entry, ImportWorld, status_xml

from orderio_tui.domain.models import Run
from orderio_tui.domain.statuses import RunState
from orderio_tui.jobs.recovery import recover_abandoned_runs

CHILD = """
import sys
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import Trigger
from orderio_tui.engines.status_import import run_import

database = open_database(sys.argv[1])
outcome = run_import(database, int(sys.argv[2]), trigger=Trigger.CLI)
print(outcome.state.value, outcome.message, flush=True)
"""


def _use_sftp(world: ImportWorld, sshd: SshServer) -> None:
    settings = sshd.settings()
    world.set_service(
        transport="sftp",
        sftp={
            "host": settings.host,
            "port": settings.port,
            "user": settings.user,
            "key_file": settings.key_file,
            "known_hosts": settings.known_hosts,
            "remote_directory": settings.remote_directory,
        },
    )


def _put_remote(sshd: SshServer, name: str, content: str | bytes, age: float = 60.0) -> Path:
    path = sshd.remote / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


def _orders_and_file(world: ImportWorld, sshd: SshServer, count: int = 3) -> list[str]:
    numbers = [f"P{n:04d}" for n in range(count)]
    world.add_orders(numbers)
    _put_remote(sshd, "a.xml", status_xml(Entry(id=n, status="DELIVERED") for n in numbers))
    return numbers


def _remote_names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def _applied_once(world: ImportWorld, sshd: SshServer, numbers: list[str]) -> None:
    """Every order DELIVERED by exactly one change, one ledger row, the file archived remotely."""
    for number in numbers:
        assert world.order(number).status == "DELIVERED"
        changes = [h for h in world.history(number) if h.to_status == "DELIVERED"]
        assert len(changes) == 1, number
    assert len(world.ledger()) == 1
    assert [n for n in _remote_names(sshd.remote) if n != "archive"] == []
    assert _remote_names(sshd.remote / "archive") == ["a.xml"]
    assert world.files(world.processing) == []
    assert [n for n in world.files(world.inbox) if n.startswith(".")] == []
    with world.db.read() as session:
        running = session.scalars(select(Run).where(Run.state == RunState.RUNNING.value)).all()
    assert running == []


@pytest.fixture
def remote_world(world: ImportWorld, sshd: SshServer) -> ImportWorld:
    _use_sftp(world, sshd)
    return world


def test_a_remote_file_is_applied_once_and_moved_to_the_remote_archive(
    remote_world: ImportWorld, sshd: SshServer
) -> None:
    numbers = _orders_and_file(remote_world, sshd)
    _put_remote(sshd, "young.xml", "<orders/>", age=0)  # still being written: left there

    outcome = remote_world.run()

    assert outcome.state is RunState.SUCCEEDED, outcome.message
    assert outcome.counts["applied"] == 3
    (sshd.remote / "young.xml").unlink()
    _applied_once(remote_world, sshd, numbers)
    assert remote_world.files(remote_world.archive) == ["a.xml"]
    log = remote_world.log(outcome.run_id)  # type: ignore[arg-type]
    assert any(f"moved a.xml to {sshd.remote / 'archive' / 'a.xml'}" in line for line in log)

    again = remote_world.run()
    assert again.counts["files"] == 0
    _applied_once(remote_world, sshd, numbers)


def test_an_invalid_remote_file_goes_to_the_remote_error_directory(
    remote_world: ImportWorld, sshd: SshServer
) -> None:
    _put_remote(sshd, "bad.xml", b"<orders><order id='1'></orders>")

    outcome = remote_world.run()

    assert outcome.state is RunState.FAILED
    assert _remote_names(sshd.remote / "error") == ["bad.xml"]
    assert "bad.xml" in remote_world.files(remote_world.error)
    assert remote_world.ledger() == []


def test_a_server_that_is_down_fails_the_run_and_applies_nothing(
    remote_world: ImportWorld, sshd: SshServer
) -> None:
    numbers = _orders_and_file(remote_world, sshd)
    sshd.stop()

    outcome = remote_world.run()

    assert outcome.state is RunState.FAILED
    assert outcome.message.startswith("picking up files from the SFTP server failed: can not")
    assert {remote_world.order(n).status for n in numbers} == {"EXPORTED"}

    sshd.start()
    assert remote_world.run().counts["applied"] == 3
    _applied_once(remote_world, sshd, numbers)


@pytest.mark.parametrize(
    "failpoint",
    [
        "pickup:after_download",
        "import:after_move",
        "import:after_commit",
        "import:after_archive",
        "pickup:before_remote_move",
    ],
)
def test_kill_at_each_step_of_a_pickup_then_recover_and_run_again(
    remote_world: ImportWorld, sshd: SshServer, failpoint: str
) -> None:
    numbers = _orders_and_file(remote_world, sshd)
    kill_at_failpoint(CHILD, [remote_world.db.url, str(remote_world.configuration_id)], failpoint)

    recover_abandoned_runs(remote_world.db)
    outcome = remote_world.run()

    assert outcome.state is RunState.SUCCEEDED, outcome.message
    _applied_once(remote_world, sshd, numbers)
    committed_before = failpoint in (
        "import:after_commit",
        "import:after_archive",
        "pickup:before_remote_move",
    )
    assert outcome.counts["duplicates"] == (1 if committed_before else 0)
    assert outcome.counts["applied"] == (0 if committed_before else 3)


def test_a_remote_file_over_the_size_limit_goes_to_the_remote_error_directory_undownloaded(
    remote_world: ImportWorld, sshd: SshServer
) -> None:
    numbers = _orders_and_file(remote_world, sshd)
    remote_world.set_service(max_file_size=10)

    outcome = remote_world.run()

    assert _remote_names(sshd.remote / "error") == ["a.xml"]
    assert remote_world.files(remote_world.inbox) == ["archive", "error", "processing"]
    assert {remote_world.order(n).status for n in numbers} == {"EXPORTED"}
    log = remote_world.log(outcome.run_id)  # type: ignore[arg-type]
    assert any("more than the service's maximum of 10" in line for line in log)


def test_a_remote_file_whose_name_is_still_in_processing_is_left_on_the_server(
    remote_world: ImportWorld, sshd: SshServer
) -> None:
    _orders_and_file(remote_world, sshd)
    remote_world.processing.mkdir(exist_ok=True)
    (remote_world.processing / "a.xml").write_text("held by an interrupted run")

    outcome = remote_world.run()

    assert (sshd.remote / "a.xml").exists()
    assert remote_world.files(remote_world.inbox) == ["archive", "error", "processing"]
    log = remote_world.log(outcome.run_id)  # type: ignore[arg-type]
    assert any("a.xml left on 127.0.0.1: a file of that name is still" in line for line in log)
