"""The Order Intake list of the main screen (SPEC §13): run, history and the detail screen."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import select
from tui_fixtures import wait_for

from orderio_tui.database import Database
from orderio_tui.demo import DemoSummary
from orderio_tui.domain.models import Order, Run
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.intake_screen import IntakeConfigurationScreen
from orderio_tui.tui.history.screen import RunHistoryScreen
from orderio_tui.tui.main.configuration_table import ConfigurationTable

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "shop-orders-b2c.xml"


async def test_r_on_the_intake_list_takes_in_the_shop_order_file(
    app: OrderioApp, db: Database, demo: DemoSummary
) -> None:
    inbox = demo.root / "intake" / "demo-b2c" / "inbox"
    (inbox / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    an_hour_ago = time.time() - 3600
    os.utime(inbox / SAMPLE.name, (an_hour_ago, an_hour_ago))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("tab", "tab")
        table = app.screen.query_one("#intake-table", ConfigurationTable)
        assert app.focused is table
        assert [row.name for row in table.rows_by_id.values()] == ["shop-orders"]
        await pilot.press("r")

        def created() -> bool:
            with db.read() as session:
                return (
                    session.scalar(select(Order).where(Order.document_no == "SHOP-1001"))
                    is not None
                )

        await wait_for(pilot, created, what="the intake run")
        with db.read() as session:
            kinds = set(session.scalars(select(Run.kind)))
        assert "intake" in kinds
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        assert app.screen.count_keys == ("files", "created", "unchanged", "rejected", "duplicates")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunHistoryScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, IntakeConfigurationScreen))
