"""Retry and Explain in the TUI (SPEC §16): from the order detail and from a run's results."""

from __future__ import annotations

from sqlalchemy import update
from textual.widgets import DataTable, Static, TabbedContent
from tui_fixtures import wait_for

from orderio_tui.application.configurations import resolve_configuration
from orderio_tui.application.orders import OrderFilter, list_orders
from orderio_tui.database import Database
from orderio_tui.domain.models import Order
from orderio_tui.domain.statuses import RunKind, Trigger
from orderio_tui.engines.export import run_export
from orderio_tui.runs.journal import RunOutcome
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.history.run_detail import RunDetailScreen
from orderio_tui.tui.orders.detail import OrderDetailScreen


def _failing_export(db: Database, count: int) -> tuple[RunOutcome, list[str]]:
    """Break the invoice city of ``count`` NEW orders of demo-b2c and run erp-export."""
    broken = [
        o.document_no
        for o in list_orders(db, channel="demo-b2c", filters=OrderFilter(status="NEW"))
    ][:count]
    with db.write() as session:
        session.execute(
            update(Order).where(Order.document_no.in_(broken)).values(invoice_city=None)
        )
        configuration_id = resolve_configuration(
            session, RunKind.EXPORT, "erp-export", "demo-b2c"
        ).id
    outcome = run_export(db, configuration_id, trigger=Trigger.CLI)
    return outcome, broken


def _statuses(db: Database, documents: list[str]) -> list[str]:
    by_number = {o.document_no: o.status for o in list_orders(db, channel="demo-b2c")}
    return [by_number[d] for d in documents]


def _footer_keys(app: OrderioApp) -> set[str]:
    return {binding.action for (_, binding, enabled, _) in app.active_bindings.values() if enabled}


async def test_order_detail_explains_and_retries_a_failed_order(
    app: OrderioApp, db: Database
) -> None:
    _, (failed,) = _failing_export(db, 1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(OrderDetailScreen(failed, "demo-b2c"))
        await wait_for(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        await pilot.pause()
        screen = app.screen
        assert {"retry", "explain"} <= _footer_keys(app)

        await pilot.press("e")
        assert screen.query_one(TabbedContent).active == "tab-explain"
        text = str(screen.query_one("#explain", Static).render())
        assert f"order {failed} would NOT be exported by 'erp-export' (demo-b2c) now" in text
        assert "FAIL order_status: required one of NEW; order: EXPORTFAILED" in text
        assert (
            "FAIL validation: required valid for export; order: INCOMPLETE_INVOICE_ADDRESS" in text
        )
        assert "by 'bi-export' (demo-b2c)" in text

        await pilot.press("t")
        header = screen.query_one("#order-header", Static)
        await wait_for(pilot, lambda: "status NEW" in str(header.render()), what="the retry")
        history = screen.query_one("#history", DataTable)
        last = [str(cell) for cell in history.get_row_at(history.row_count - 1)]
        assert "EXPORTFAILED" in last and "NEW" in last
        assert last[-1].startswith("RETRY: retry requested by ")
        assert _statuses(db, [failed]) == ["NEW"]

        rows_after_retry = history.row_count
        await pilot.press("t")  # now NEW: refused, nothing changes
        await pilot.pause()
        assert _statuses(db, [failed]) == ["NEW"]
        assert history.row_count == rows_after_retry


async def test_run_results_retry_one_marked_orders_and_all_failed(
    app: OrderioApp, db: Database
) -> None:
    run, broken = _failing_export(db, 4)
    assert run.counts["failed"] == 4 and run.run_id is not None
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(RunDetailScreen(run.run_id))
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        await pilot.pause()
        results = app.screen.query_one("#results", DataTable)
        assert {"mark", "retry", "retry_all"} <= _footer_keys(app)

        def rows() -> list[list[str]]:
            return [[str(c) for c in results.get_row_at(i)] for i in range(results.row_count)]

        failed_rows = [i for i, row in enumerate(rows()) if row[2] == "failed"]
        failed = [rows()[i][1] for i in failed_rows]
        assert sorted(failed) == sorted(broken)

        # the order under the cursor
        results.move_cursor(row=failed_rows[0])
        await pilot.press("t")
        await wait_for(pilot, lambda: _statuses(db, failed)[0] == "NEW", what="one retry")
        assert _statuses(db, failed)[1:] == ["EXPORTFAILED"] * 3

        # two marked ones
        results.move_cursor(row=failed_rows[1])
        await pilot.press("space")
        assert rows()[failed_rows[1]][0] == "*"
        results.move_cursor(row=failed_rows[2])
        await pilot.press("space")
        await pilot.press("t")
        await wait_for(pilot, lambda: _statuses(db, failed)[2] == "NEW", what="marked retry")
        assert _statuses(db, failed) == ["NEW", "NEW", "NEW", "EXPORTFAILED"]
        assert all(row[0] == "" for row in rows())

        # all failed of the run: the last one is retried, the others are refused
        await pilot.press("T")
        await wait_for(pilot, lambda: _statuses(db, failed)[3] == "NEW", what="retry all")
