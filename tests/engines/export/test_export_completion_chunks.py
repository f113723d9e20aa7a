"""A large run completes in write transactions of COMPLETION_CHUNK orders, each releasing its
claims (issue 17): the run ends the same, and a kill between two of them is recovered exactly
once from the published file (SPEC §7.1)."""

from __future__ import annotations

import pytest
from export_fixtures import Shop, check_exactly_once
from failpoint_child import kill_at_failpoint
from sqlalchemy import func, select

from orderio_tui.domain.models import ExportClaim, Run, RunResultRow
from orderio_tui.domain.statuses import RunState, Trigger
from orderio_tui.engines.export import completion, recover_abandoned_export_runs, run_export

CHILD = """
import sys
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import Trigger
from orderio_tui.engines.export import completion, run_export

completion.COMPLETION_CHUNK = 10
run_export(open_database(sys.argv[1]), int(sys.argv[2]), trigger=Trigger.CLI)
"""


def _orders(shop: Shop) -> None:
    shop.add_orders(2, invoice_postal_code=None)  # the lowest ids: in the first chunk
    shop.add_orders(33)


def test_a_run_completed_in_chunks_ends_as_in_one_transaction(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(completion, "COMPLETION_CHUNK", 10)
    _orders(shop)
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.state is RunState.PARTIAL
    assert outcome.counts == {"selected": 35, "exported": 33, "failed": 2}
    published = check_exactly_once(shop)
    assert [len(numbers) for numbers in published.values()] == [33]
    assert sorted(shop.statuses().values()) == ["EXPORTED"] * 33 + ["EXPORTFAILED"] * 2
    with shop.db.read() as session:
        results = session.scalar(select(func.count()).select_from(RunResultRow))
    assert results == 35


def test_a_kill_between_completion_chunks_is_recovered_exactly_once(shop: Shop) -> None:
    _orders(shop)
    kill_at_failpoint(
        CHILD,
        [shop.db.url, str(shop.configuration_id)],
        "export:between_completion_chunks",
    )
    with shop.db.read() as session:
        assert session.scalars(select(Run.state)).one() == RunState.RUNNING.value
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 25
    statuses = shop.statuses()
    assert sorted(statuses.values()).count("NEW") == 25

    messages = recover_abandoned_export_runs(shop.db)
    assert len(messages) == 1 and "completed from published file" in messages[0]
    published = check_exactly_once(shop)
    assert [len(numbers) for numbers in published.values()] == [33]
    with shop.db.read() as session:
        run = session.scalars(select(Run)).one()
    assert run.state == RunState.PARTIAL.value
    assert run.counts == {"selected": 35, "exported": 33, "failed": 2}
    assert sorted(shop.statuses().values()) == ["EXPORTED"] * 33 + ["EXPORTFAILED"] * 2
