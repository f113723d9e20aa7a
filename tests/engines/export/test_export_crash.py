"""SIGKILL an export process at every step of the protocol; recovery keeps it exactly once (§7.1).

The child process runs the real export against the test's SQLite file. With
``ORDERIO_FAILPOINT=export:<point>`` it announces the point on stderr and waits there; the test
kills it with SIGKILL, runs recovery, and checks the invariants:

- no temporary file is left in the export directory;
- every order in a published file is EXPORTED, every EXPORTED order is in a published file;
- no order is in two files; no claim and no RUNNING run is left.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time

import pytest
from export_fixtures import (
    Shop,
    check_exactly_once,
    published_orders,
    start_export_process,
    wait_for_failpoint,
)
from sqlalchemy import func, select

from orderio_tui.domain.models import ExportClaim, Order, Run
from orderio_tui.domain.statuses import RunState, Trigger
from orderio_tui.engines.export import recover_abandoned_export_runs, run_export


def _start(shop: Shop, failpoint: str | None) -> subprocess.Popen[str]:
    return start_export_process(shop, failpoint)


def _kill_at(shop: Shop, failpoint: str) -> None:
    child = _start(shop, failpoint)
    wait_for_failpoint(child, failpoint)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    child.stdout.close()  # type: ignore[union-attr]
    child.stderr.close()  # type: ignore[union-attr]


_check_invariants = check_exactly_once


@pytest.mark.parametrize(
    ("failpoint", "published_after_recovery"),
    [
        ("after_claim", False),
        ("while_writing", False),
        ("before_rename", False),
        ("after_rename", True),
        ("during_commit", True),
    ],
)
def test_kill_at_each_step_then_recover(
    shop: Shop, failpoint: str, published_after_recovery: bool
) -> None:
    shop.add_orders(30)
    shop.add_orders(2, invoice_postal_code=None)

    _kill_at(shop, failpoint)

    with shop.db.read() as session:
        run = session.scalars(select(Run)).one()
        assert run.state == RunState.RUNNING.value
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 32
    if failpoint in ("while_writing", "before_rename"):
        assert [p.name.startswith(".") for p in shop.export_dir.iterdir()] == [True]

    messages = recover_abandoned_export_runs(shop.db)
    assert len(messages) == 1 and messages[0].startswith("recovered:")

    published = _check_invariants(shop)
    with shop.db.read() as session:
        run = session.scalars(select(Run)).one()
    if published_after_recovery:
        assert run.state == RunState.PARTIAL.value
        assert run.counts == {"selected": 32, "exported": 30, "failed": 2}
        assert len(published) == 1 and len(next(iter(published.values()))) == 30
        assert "completed from published file" in run.message
        assert set(shop.statuses().values()) == {"EXPORTED", "EXPORTFAILED"}
    else:
        assert run.state == RunState.FAILED.value and published == {}
        assert "interrupted before its file was published" in run.message
        assert set(shop.statuses().values()) == {"NEW"}

    # The next run picks up whatever is still to do, and the invariants still hold.
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    published = _check_invariants(shop)
    assert sum(len(n) for n in published.values()) == 30
    assert outcome.counts["exported"] == (0 if published_after_recovery else 30)


def test_a_new_run_recovers_an_abandoned_one_first(shop: Shop) -> None:
    shop.add_orders(5)
    _kill_at(shop, "after_rename")
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["selected"] == 0
    published = _check_invariants(shop)
    assert len(published) == 1


def _wait_for_running_run(shop: Shop, child: subprocess.Popen[str]) -> bool:
    """Wait until the child's run exists; False when the child ended first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        with shop.db.read() as session:
            if session.scalar(select(Run.id).where(Run.state == RunState.RUNNING.value)):
                return True
        time.sleep(0.005)
    return False


def test_kills_at_random_moments_keep_exports_exactly_once(shop: Shop) -> None:
    rng = random.Random(20261126)
    interrupted = 0
    for round_number in range(4):
        shop.add_orders(100, invoice_city=None if round_number == 1 else "Jena")
        child = _start(shop, None)
        if _wait_for_running_run(shop, child):
            time.sleep(rng.uniform(0.0, 0.2))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
        interrupted += len(recover_abandoned_export_runs(shop.db))
        _check_invariants(shop)
    assert interrupted > 0
    run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    published = _check_invariants(shop)
    with shop.db.read() as session:
        still_new = session.scalar(
            select(func.count()).select_from(Order).where(Order.status == "NEW")
        )
    assert still_new == 0
    assert (
        sum(len(n) for n in published.values()) == 300
    )  # round 1 orders lack a city: EXPORTFAILED


def test_a_published_file_its_consumer_took_away_still_counts_as_published(shop: Shop) -> None:
    shop.add_orders(20)
    shop.add_orders(1, invoice_postal_code=None)
    _kill_at(shop, "after_rename")
    (published,) = [p for p in shop.files() if not p.name.startswith(".")]
    (numbers,) = published_orders(shop).values()
    documents = set(numbers)
    assert len(documents) == 20
    published.unlink()  # the ERP picked the file up before recovery ran

    messages = recover_abandoned_export_runs(shop.db)

    assert len(messages) == 1 and "taken from the directory by its consumer" in messages[0]
    statuses = shop.statuses()
    assert {n for n, s in statuses.items() if s == "EXPORTED"} == documents
    assert sorted(statuses.values()).count("EXPORTFAILED") == 1
    with shop.db.read() as session:
        run = session.scalars(select(Run)).one()
        assert run.state == RunState.PARTIAL.value
        assert run.counts == {"selected": 21, "exported": 20, "failed": 1}
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["selected"] == 0 and shop.files() == []
