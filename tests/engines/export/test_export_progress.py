"""An export run reports orders written of orders claimed as it goes (issue 18)."""

from __future__ import annotations

from typing import Any

import pytest
from export_fixtures import Shop
from progress_checks import progress_of_run

from orderio_tui.domain.statuses import RunKind, Trigger
from orderio_tui.engines.export import run_export
from orderio_tui.runs.journal import RunEvents
from orderio_tui.runs.progress import PROGRESS_INTERVAL_ENV_VAR


def _run(shop: Shop, **kwargs: Any) -> tuple[Any, list[Any]]:
    events = RunEvents()
    seen: list[Any] = []
    events.subscribe(seen.append)
    outcome = run_export(
        shop.db, shop.configuration_id, trigger=Trigger.CLI, events=events, **kwargs
    )
    return outcome, seen


def test_export_progress_counts_orders_in_batches_up_to_all_claimed(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROGRESS_INTERVAL_ENV_VAR, "0")
    shop.add_orders(1100)
    outcome, seen = _run(shop)
    assert outcome.counts["exported"] == 1100
    progress = progress_of_run(seen, outcome.run_id, "orders")
    assert [(e.done, e.total) for e in progress] == [(500, 1100), (1000, 1100), (1100, 1100)]
    assert {(e.kind, e.config, e.channel) for e in progress} == {
        (RunKind.EXPORT, outcome.config, outcome.channel)
    }


def test_export_progress_is_throttled_but_always_ends_complete(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROGRESS_INTERVAL_ENV_VAR, "60000")
    shop.add_orders(1100)
    outcome, seen = _run(shop)
    progress = progress_of_run(seen, outcome.run_id, "orders")
    # The first batch always goes through, the second is held back, the 100 % always comes.
    assert [(e.done, e.total) for e in progress] == [(500, 1100), (1100, 1100)]


def test_a_dry_run_reports_the_orders_checked(shop: Shop) -> None:
    shop.add_orders(3)
    outcome, seen = _run(shop, dry_run=True)
    progress = progress_of_run(seen, outcome.run_id, "orders")
    assert (progress[-1].done, progress[-1].total) == (3, 3)
