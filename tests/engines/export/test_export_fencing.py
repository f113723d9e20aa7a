"""A run paused past its lease must not publish once another process took over (SPEC §7.1, §8).

The paused run is a real process on "another host" (its own UTS namespace, so this process
can only judge it by its lease), stopped with SIGSTOP at a step of the protocol. Meanwhile this
process recovers its run and exports the same orders; then the paused process gets SIGCONT.
Whatever the step, no order may end up in two files, and after everything has settled an order
is EXPORTED if and only if it is in exactly one published file.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from export_fixtures import (
    Shop,
    check_exactly_once,
    start_export_process,
    wait_for_failpoint,
    wait_until_stopped,
)
from sqlalchemy import func, select

from orderio_tui.domain.models import ExportClaim, Run, RunLogLine
from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.engines.export import run_export
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.jobs.leases import LeaseGrant, acquire_lease, lease_key, release_lease
from orderio_tui.jobs.recovery import recover_abandoned_runs

LEASE_SECONDS = 1.0
ORDERS = 40


def _pause_on_other_host(shop: Shop, failpoint: str, *, jobs: bool) -> subprocess.Popen[str]:
    """A child export on host 'paused-host', stopped at ``failpoint`` and past its lease."""
    child = start_export_process(
        shop, failpoint, jobs=jobs, lease_seconds=LEASE_SECONDS, host="paused-host", stop=True
    )
    wait_for_failpoint(child, failpoint)
    wait_until_stopped(child.pid)
    time.sleep(LEASE_SECONDS * 1.5)  # its lease expires unrenewed: the process is frozen
    return child


def _resume(child: subprocess.Popen[str]) -> str:
    """SIGCONT the child and return what it printed (state and message)."""
    child.send_signal(signal.SIGCONT)
    output, errors = child.communicate(timeout=60)
    assert child.returncode == 0, errors
    assert "Traceback" not in errors
    return output.strip()


def _run_log(shop: Shop, run_id: int) -> list[str]:
    with shop.db.read() as session:
        return list(
            session.scalars(
                select(RunLogLine.message)
                .where(RunLogLine.run_id == run_id)
                .order_by(RunLogLine.id)
            )
        )


@pytest.mark.parametrize(
    "failpoint", ["after_claim", "while_writing", "before_rename", "after_rename"]
)
def test_a_run_paused_past_its_lease_does_not_publish_what_another_process_exported(
    shop: Shop, failpoint: str
) -> None:
    shop.add_orders(ORDERS)
    child = _pause_on_other_host(shop, failpoint, jobs=True)
    try:
        # Another process comes along: it recovers the paused run and exports.
        outcome = run_configuration(
            shop.db, RunKind.EXPORT, shop.configuration_id, trigger=Trigger.CLI
        )
    finally:
        printed = _resume(child)

    published = check_exactly_once(shop)
    assert sum(len(numbers) for numbers in published.values()) == ORDERS
    with shop.db.read() as session:
        paused = session.scalars(select(Run).order_by(Run.id)).first()
    assert paused is not None and paused.state != RunState.RUNNING.value
    if failpoint == "after_rename":
        # Its file was out before the pause: the recoverer completed the run from it.
        assert outcome.counts["exported"] == 0
        assert paused.state == RunState.SUCCEEDED.value and len(published) == 1
    else:
        assert outcome.counts["exported"] == ORDERS
        assert paused.state == RunState.FAILED.value
        assert printed.startswith("FAILED")
        assert "its file was not published" in printed
        assert any("its file was not published" in line for line in _run_log(shop, paused.id))
        assert list(published) == [f"{outcome.files[0].rsplit('/', 1)[1]}"]


def test_the_run_row_fences_the_rename_even_without_a_lease(shop: Shop) -> None:
    """The bare engine (no lease to ask): the locked run row alone keeps the paused run out."""
    shop.add_orders(ORDERS)
    child = _pause_on_other_host(shop, "after_claim", jobs=False)
    try:
        messages = recover_abandoned_runs(shop.db)  # no valid lease: its run is abandoned
        assert len(messages) == 1 and messages[0].startswith("recovered:")
        outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    finally:
        printed = _resume(child)

    assert outcome.counts["exported"] == ORDERS
    assert printed.startswith("FAILED") and "its file was not published" in printed
    published = check_exactly_once(shop)
    assert sum(len(numbers) for numbers in published.values()) == ORDERS


def test_a_run_whose_lease_was_taken_aborts_without_publishing(shop: Shop) -> None:
    """Lease taken by another process that has not recovered anything yet: still no file."""
    shop.add_orders(ORDERS)
    child = _pause_on_other_host(shop, "before_rename", jobs=True)
    key = lease_key(RunKind.EXPORT, shop.configuration_id)
    grant = acquire_lease(shop.db, key)
    try:
        assert isinstance(grant, LeaseGrant) and grant.taken_over_from is not None
        printed = _resume(child)
    finally:
        if isinstance(grant, LeaseGrant):
            release_lease(shop.db, grant)

    assert printed.startswith("FAILED")
    assert "the lease on 'erp-export' was lost" in printed
    assert f"{ORDERS} claimed orders released" in printed
    assert shop.files() == []
    with shop.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["exported"] == ORDERS
    check_exactly_once(shop)
