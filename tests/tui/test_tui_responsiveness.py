"""Keys are handled while a 20,000-order export runs (acceptance 4).

Keys are sent with ``App.simulate_key`` (a key event, as from the terminal) rather than
``Pilot.press``: the latter also waits for the whole process to go idle, which it never does
while the export works in its thread.
"""

from __future__ import annotations

import math
import time

from textual.widgets import DataTable
from tui_fixtures import multiply_orders, wait_for

from orderio_tui.application.orders import list_orders
from orderio_tui.application.runs import list_runs
from orderio_tui.database import Database
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.orders.screen import OrdersScreen
from orderio_tui.tui.widgets.help import HelpScreen

ORDERS = 20_000


async def test_keys_are_handled_while_a_20000_order_export_runs(
    app: OrderioApp, db: Database
) -> None:
    channel_orders = len(list_orders(db, channel="demo-b2c"))
    total = multiply_orders(db, "demo-b2c", math.ceil(ORDERS / channel_orders) - 1)
    assert total >= ORDERS

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        assert exports.selected is not None and exports.selected.name == "bi-export"
        app.simulate_key("r")
        await wait_for(pilot, lambda: app.active_runs, what="the run to start")
        await wait_for(
            pilot,
            lambda: any(r.state == "RUNNING" for r in list_runs(db, channel="demo-b2c")),
            what="the export to start",
        )

        latencies: dict[str, float] = {}

        async def key(name: str, handled: object, label: str) -> None:
            sent = time.monotonic()
            app.simulate_key(name)
            await wait_for(pilot, handled, timeout=10, what=label)  # type: ignore[arg-type]
            latencies[label] = time.monotonic() - sent

        await key("down", lambda: exports.cursor_row == 1, "cursor down")
        await key("o", lambda: isinstance(app.screen, OrdersScreen), "orders browser")
        await wait_for(pilot, lambda: app.screen.query_one("#orders", DataTable).row_count > 0)
        await key("escape", lambda: isinstance(app.screen, MainScreen), "back")
        await key("question_mark", lambda: isinstance(app.screen, HelpScreen), "help")
        await key("escape", lambda: isinstance(app.screen, MainScreen), "help closed")
        assert app.active_runs, f"the export ended before the keys were handled ({latencies})"
        print("key latencies during the export:", latencies)

        await wait_for(pilot, lambda: not app.active_runs, timeout=180, what="the export to end")
    run = list_runs(db, channel="demo-b2c", limit=1)[0]
    assert run.config == "bi-export" and run.state == "SUCCEEDED"
    assert run.counts["selected"] == run.counts["exported"] == total
