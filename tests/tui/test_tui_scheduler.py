"""The TUI runs the background scheduler: status line, heartbeat, scheduled runs in the log."""

from __future__ import annotations

import re

from sqlalchemy import select
from textual.widgets import Static
from tui_fixtures import wait_for

from orderio_tui.application.configurations import set_schedule
from orderio_tui.database import Database
from orderio_tui.domain.models import Channel, ExportConfiguration
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import RunKind, ScheduleMode, ScheduleUnit
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.main.configuration_table import ConfigurationTable
from orderio_tui.tui.widgets.run_log import RunLogPanel


def erp_export_of_b2c(db: Database) -> int:
    with db.read() as session:
        configuration_id = session.scalar(
            select(ExportConfiguration.id)
            .join(Channel, Channel.id == ExportConfiguration.channel_id)
            .where(Channel.name == "demo-b2c", ExportConfiguration.name == "erp-export")
        )
    assert configuration_id is not None
    return configuration_id


async def test_scheduled_runs_stream_into_the_log_and_the_status_line_shows_the_heartbeat(
    db: Database, demo: object
) -> None:
    configuration_id = erp_export_of_b2c(db)
    set_schedule(
        db,
        RunKind.EXPORT,
        configuration_id,
        Schedule(mode=ScheduleMode.INTERVAL, every=1, unit=ScheduleUnit.SECONDS),
    )
    app = OrderioApp(db, scheduler=True, channel="demo-b2c")
    async with app.run_test(size=(100, 30)) as pilot:
        status = app.screen.query_one("#status-line", Static)
        await wait_for(
            pilot,
            lambda: (
                "scheduler: running" in str(status.render()) and "heartbeat" in str(status.render())
            ),
            what="the heartbeat",
        )
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        panel = app.screen.query_one(RunLogPanel)
        await wait_for(
            pilot,
            lambda: any("erp-export #" in line for line in panel.lines),
            timeout=30,
            what="a scheduled run's log lines",
        )
        await wait_for(
            pilot,
            lambda: exports.rows_by_id[configuration_id].last_run_state in ("SUCCEEDED", "PARTIAL"),
            timeout=30,
            what="the row to show the scheduled run",
        )
        assert "next: demo-b2c/erp-export" in str(status.render()) or "next:" in str(
            status.render()
        )

        def run_lines() -> list[str]:
            return [line for line in panel.lines if re.search(r" #\d+  ", line)]

        await wait_for(
            pilot,
            lambda: len({re.search(r"#(\d+)  ", line).group(1) for line in run_lines()}) >= 3,  # type: ignore[union-attr]
            timeout=30,
            what="three scheduled runs",
        )
        assert all("erp-export #" in line for line in run_lines()), run_lines()
    assert app.scheduler is None


async def test_without_the_scheduler_nothing_runs_by_itself(db: Database, demo: object) -> None:
    configuration_id = erp_export_of_b2c(db)
    set_schedule(
        db,
        RunKind.EXPORT,
        configuration_id,
        Schedule(mode=ScheduleMode.INTERVAL, every=1, unit=ScheduleUnit.SECONDS),
    )
    app = OrderioApp(db, scheduler=False, channel="demo-b2c")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(2.5)
        exports = app.screen.query_one("#export-table", ConfigurationTable)
        assert exports.rows_by_id[configuration_id].last_run_state is None
        assert "scheduler: off" in str(app.screen.query_one("#status-line", Static).render())
