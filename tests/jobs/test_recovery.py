"""Which RUNNING runs recovery takes over, and which it never touches (SPEC §7.1, §7.2, §8)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from jobs_fixtures import configuration_id, run_log
from sqlalchemy import select

from orderio_tui.database import Database
from orderio_tui.demo import DemoSummary
from orderio_tui.domain.models import ExportClaim, Lease, Order, Run
from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.jobs.leases import database_now, lease_key
from orderio_tui.jobs.recovery import abandoned_run_ids, recover_abandoned_runs
from orderio_tui.runs.identity import process_owner
from orderio_tui.runs.journal import create_run

ELSEWHERE = "other-host.example:4242:0123abcd"


def _running_export(
    db: Database, configuration: int, owner: str | None, tmp_path: Path, *, dry_run: bool = False
) -> int:
    """A RUNNING export run of ``owner`` with 3 claimed orders and a half-written part file."""
    part = tmp_path / f".orders-{owner and owner.split(':')[1]}.xml.part"
    part.write_text("<orders>", encoding="utf-8")
    with db.write() as session:
        run = create_run(
            session,
            kind=RunKind.EXPORT,
            configuration_id=configuration,
            config_name="erp-export",
            channel_id=1,
            trigger=Trigger.SCHEDULE,
            dry_run=dry_run,
        )
        run.owner = owner
        run.temp_path = str(part)
        run.final_path = str(part.with_name(part.name[1:-5]))
        orders = session.scalars(
            select(Order.id)
            .where(Order.status == "NEW", Order.id.not_in(select(ExportClaim.order_id)))
            .limit(3)
        ).all()
        session.add_all(ExportClaim(order_id=order, run_id=run.id) for order in orders)
        return run.id


def _lease(db: Database, key: str, owner: str, *, expires_in: float) -> None:
    with db.write() as session:
        now = database_now(session)
        session.add(
            Lease(
                key=key,
                owner=owner,
                acquired_at=now - timedelta(seconds=60),
                expires_at=now + timedelta(seconds=expires_in),
            )
        )


def _state(db: Database, run_id: int) -> str:
    with db.read() as session:
        return session.get_one(Run, run_id).state


def _claims(db: Database, run_id: int) -> int:
    with db.read() as session:
        return len(session.scalars(select(ExportClaim).where(ExportClaim.run_id == run_id)).all())


@pytest.fixture
def erp(db: Database, demo: DemoSummary) -> int:
    return configuration_id(db, RunKind.EXPORT, "demo-b2c", "erp-export")


def test_a_run_of_another_host_with_a_valid_lease_is_never_touched(
    db: Database, erp: int, tmp_path: Path
) -> None:
    run_id = _running_export(db, erp, ELSEWHERE, tmp_path)
    _lease(db, lease_key(RunKind.EXPORT, erp), ELSEWHERE, expires_in=30)
    assert recover_abandoned_runs(db) == []
    assert _state(db, run_id) == RunState.RUNNING.value
    assert _claims(db, run_id) == 3


@pytest.mark.parametrize("lease", ["expired", "absent"])
def test_a_run_of_another_host_without_a_valid_lease_is_recovered(
    db: Database, erp: int, tmp_path: Path, lease: str
) -> None:
    run_id = _running_export(db, erp, ELSEWHERE, tmp_path)
    if lease == "expired":
        _lease(db, lease_key(RunKind.EXPORT, erp), ELSEWHERE, expires_in=-1)
    assert abandoned_run_ids(db) == [(run_id, RunKind.EXPORT)]
    [message] = recover_abandoned_runs(db)
    assert f"run {run_id}" in message
    assert _state(db, run_id) == RunState.FAILED.value
    assert _claims(db, run_id) == 0
    assert not list(tmp_path.glob(".*.part"))
    assert any(ELSEWHERE in line for line in run_log(db, run_id))
    with db.read() as session:  # the lease taken for the recovery is given back
        assert session.scalars(select(Lease)).all() == []


def test_a_run_of_a_live_process_on_this_host_is_never_touched(
    db: Database, erp: int, tmp_path: Path, lease_process
) -> None:
    alive = lease_process("unrelated:1")  # a live process of this host that holds no lease
    run_id = _running_export(db, erp, alive.result()["owner"], tmp_path)
    mine = _running_export(db, erp, process_owner(), tmp_path)
    assert recover_abandoned_runs(db) == []
    assert _state(db, run_id) == _state(db, mine) == RunState.RUNNING.value


def test_a_run_of_a_dead_process_on_this_host_is_recovered_at_once(
    db: Database, erp: int, tmp_path: Path, lease_process
) -> None:
    holder = lease_process(lease_key(RunKind.EXPORT, erp), ttl=300)
    owner = holder.result()["owner"]
    run_id = _running_export(db, erp, owner, tmp_path)
    assert recover_abandoned_runs(db) == []  # alive, lease valid
    holder.kill()
    [message] = recover_abandoned_runs(db)
    assert f"run {run_id}" in message
    assert _state(db, run_id) == RunState.FAILED.value
    assert _claims(db, run_id) == 0


def test_a_dry_run_of_another_host_counts_on_its_own_lease(
    db: Database, erp: int, tmp_path: Path
) -> None:
    run_id = _running_export(db, erp, ELSEWHERE, tmp_path, dry_run=True)
    _lease(db, lease_key(RunKind.EXPORT, erp, dry_run=True), ELSEWHERE, expires_in=30)
    assert recover_abandoned_runs(db) == []
    assert _state(db, run_id) == RunState.RUNNING.value


def test_an_import_run_of_another_host_with_an_expired_lease_is_recovered(
    db: Database, demo: DemoSummary
) -> None:
    status = configuration_id(db, RunKind.IMPORT, "demo-b2c", "erp-status")
    with db.write() as session:
        run = create_run(
            session,
            kind=RunKind.IMPORT,
            configuration_id=status,
            config_name="erp-status",
            channel_id=1,
            trigger=Trigger.SCHEDULE,
        )
        run.owner = ELSEWHERE
        run_id = run.id
    _lease(db, lease_key(RunKind.IMPORT, status), ELSEWHERE, expires_in=-5)
    [message] = recover_abandoned_runs(db)
    assert f"run {run_id}" in message
    assert _state(db, run_id) == RunState.FAILED.value
    assert any(ELSEWHERE in line for line in run_log(db, run_id))
