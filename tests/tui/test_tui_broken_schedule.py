"""A configuration whose stored schedule can not be used shows as broken in the main list."""

from __future__ import annotations

from sqlalchemy import text

from orderio_tui.database import Database
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.main.configuration_table import COLUMNS, ConfigurationTable
from orderio_tui.tui.main.screen import MainScreen


async def test_a_broken_schedule_shows_in_the_next_run_column(
    db: Database, app: OrderioApp
) -> None:
    with db.write() as session:
        session.execute(
            text(
                "UPDATE export_configurations SET schedule_mode = 'interval', "
                "schedule_every = 1, schedule_unit = 'fortnights' WHERE name = 'erp-export'"
            )
        )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        by_name = {row.name: row for row in exports.rows_by_id.values()}
        next_run = [column.label for column in COLUMNS].index("Next run")
        broken = exports.get_row(str(by_name["erp-export"].id))
        fine = exports.get_row(str(by_name["bi-export"].id))
        assert str(broken[next_run]) == "BROKEN"
        assert str(fine[next_run]) != "BROKEN"
