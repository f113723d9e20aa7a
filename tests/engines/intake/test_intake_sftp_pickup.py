"""Order intake picking its files up from a real OpenSSH server (SPEC §15, §13, §7.2).

The intake shares the status import's pickup: a remote order file is downloaded into the local
inbox, taken in as any local file, and moved to the remote archive (or error) directory only
after the local commit; the same bytes again are a SHA-256 duplicate.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from failpoint_child import kill_at_failpoint
from intake_fixtures import b2b_order, orders_file
from sftp_server import SshServer
from sqlalchemy import func, select

from orderio_tui.application.services import create_service, with_defaults
from orderio_tui.database import Database
from orderio_tui.domain.models import Channel, IntakeConfiguration, IntakeFile, Order, Run
from orderio_tui.domain.statuses import RunKind, RunState, ServiceKind, Trigger
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.jobs.recovery import recover_abandoned_runs
from orderio_tui.runs.journal import RunOutcome

CHILD = """
import sys
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import Trigger
from orderio_tui.engines.intake.engine import run_intake

database = open_database(sys.argv[1])
outcome = run_intake(database, int(sys.argv[2]), trigger=Trigger.CLI)
print(outcome.state.value, outcome.message, flush=True)
"""


@pytest.fixture
def remote_intake(db: Database, tmp_path: Path, sshd: SshServer) -> tuple[Path, int]:
    """An intake configuration whose service (made through the application) is SFTP."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    form = with_defaults(
        ServiceKind.INTAKE_XML, name="shop-in", directory=str(inbox), **sshd.service_fields()
    )
    service = create_service(db, form)
    with db.write() as session:
        channel = Channel(name="b2b", store="Nordwerk-B2B", currency="EUR")
        session.add(channel)
        session.flush()
        row = IntakeConfiguration(channel_id=channel.id, name="shop-orders", service_id=service.id)
        session.add(row)
        session.flush()
        return inbox, row.id


def _put_remote(sshd: SshServer, name: str, numbers: list[str]) -> bytes:
    path = orders_file(sshd.remote / name, *(b2b_order(n) for n in numbers))
    moment = time.time() - 60
    os.utime(path, (moment, moment))
    return path.read_bytes()


def _run(db: Database, configuration_id: int) -> RunOutcome:
    return run_configuration(db, RunKind.INTAKE, configuration_id, trigger=Trigger.CLI)


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def _orders(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(session.scalars(select(Order.document_no)))


def _ledger(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(IntakeFile)) or 0


def test_a_remote_order_file_is_taken_in_once_and_moved_to_the_remote_archive(
    db: Database, sshd: SshServer, remote_intake: tuple[Path, int]
) -> None:
    inbox, configuration_id = remote_intake
    _put_remote(sshd, "a.xml", ["B-1", "B-2"])

    outcome = _run(db, configuration_id)

    assert outcome.state is RunState.SUCCEEDED, outcome.message
    assert outcome.counts["created"] == 2
    assert _orders(db) == ["B-1", "B-2"]
    assert _names(sshd.remote) == ["archive"]
    assert _names(sshd.remote / "archive") == ["a.xml"]
    assert _names(inbox / "archive") == ["a.xml"]
    again = _run(db, configuration_id)
    assert again.counts["files"] == 0
    assert _orders(db) == ["B-1", "B-2"] and _ledger(db) == 1


def test_a_bad_remote_order_file_goes_to_the_remote_error_directory(
    db: Database, sshd: SshServer, remote_intake: tuple[Path, int]
) -> None:
    inbox, configuration_id = remote_intake
    bad = sshd.remote / "bad.xml"
    bad.write_text("<orders><order id='1'></orders>")
    moment = time.time() - 60
    os.utime(bad, (moment, moment))

    outcome = _run(db, configuration_id)

    assert outcome.state is RunState.FAILED
    assert _names(sshd.remote / "error") == ["bad.xml"]
    assert "bad.xml" in _names(inbox / "error")
    assert _orders(db) == [] and _ledger(db) == 0


def test_the_same_remote_file_again_is_a_duplicate_and_is_archived_remotely(
    db: Database, sshd: SshServer, remote_intake: tuple[Path, int]
) -> None:
    _inbox, configuration_id = remote_intake
    first = _put_remote(sshd, "a.xml", ["B-1"])
    assert _run(db, configuration_id).counts["created"] == 1
    second = _put_remote(sshd, "a-again.xml", ["B-1"])
    assert second == first

    outcome = _run(db, configuration_id)

    assert outcome.state is RunState.SUCCEEDED, outcome.message
    assert outcome.counts["duplicates"] == 1 and outcome.counts["created"] == 0
    assert _names(sshd.remote / "archive") == ["a-again.xml", "a.xml"]
    assert _orders(db) == ["B-1"] and _ledger(db) == 1


@pytest.mark.parametrize("failpoint", ["intake:after_commit", "pickup:before_remote_move"])
def test_killed_after_the_local_commit_the_next_run_finds_a_duplicate_and_moves_it(
    db: Database, sshd: SshServer, remote_intake: tuple[Path, int], failpoint: str
) -> None:
    _inbox, configuration_id = remote_intake
    _put_remote(sshd, "a.xml", ["B-1", "B-2"])
    kill_at_failpoint(CHILD, [db.url, str(configuration_id)], failpoint)
    assert _names(sshd.remote) == ["a.xml"]

    recover_abandoned_runs(db)
    outcome = _run(db, configuration_id)

    assert outcome.state is RunState.SUCCEEDED, outcome.message
    assert outcome.counts["duplicates"] == 1 and outcome.counts["created"] == 0
    assert _names(sshd.remote) == ["archive"]
    assert _names(sshd.remote / "archive") == ["a.xml"]
    assert _orders(db) == ["B-1", "B-2"] and _ledger(db) == 1
    with db.read() as session:
        running = session.scalars(select(Run).where(Run.state == RunState.RUNNING.value)).all()
    assert running == []
