"""Snapshots of the main screen, the four tabs of an export configuration and the run history
(acceptance 2), at 100×30 on a demo database whose visible content does not depend on the day.

Update after an intended change of the screens with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input
from tui_fixtures import wait_for

from orderio_tui.application.configurations import set_schedule
from orderio_tui.database import Database
from orderio_tui.demo import create_demo
from orderio_tui.domain.models import Channel, ExportConfiguration, Run, RunLogLine, RunResultRow
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import RunKind, ScheduleMode, ScheduleUnit
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.history.screen import RunHistoryScreen

SIZE = (100, 30)
DEMO_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

#: (trigger, state, minutes before DEMO_NOW, seconds it took, counts, message)
RUNS = [
    ("manual", "SUCCEEDED", 26 * 60, 4.2, (14, 14, 0), ""),
    ("schedule", "PARTIAL", 2 * 60, 3.1, (9, 8, 1), "exported 8 of 9 orders; 1 failed"),
    ("cli", "SUCCEEDED", 45, 0.4, (0, 0, 0), "no order matched: no file written"),
]


def _configuration(db: Database, name: str) -> ExportConfiguration:
    with db.read() as session:
        row = session.scalar(
            select(ExportConfiguration)
            .join(Channel, Channel.id == ExportConfiguration.channel_id)
            .where(Channel.name == "demo-b2c", ExportConfiguration.name == name)
        )
    assert row is not None
    return row


def _add_history(db: Database, configuration: ExportConfiguration) -> None:
    """Three finished runs at fixed times, with files, log lines and per-order results."""
    with db.write() as session:
        for trigger, state, minutes_ago, seconds, (selected, exported, failed), message in RUNS:
            started = DEMO_NOW - timedelta(minutes=minutes_ago)
            stamp = started.strftime("%Y%m%dT%H%M%SZ")
            run = Run(
                kind="export",
                configuration_id=configuration.id,
                config_name=configuration.name,
                channel_id=configuration.channel_id,
                trigger=trigger,
                state=state,
                started_at=started,
                finished_at=started + timedelta(seconds=seconds),
                counts={"selected": selected, "exported": exported, "failed": failed},
                files=[f"/srv/orderio/export/orders-{stamp}-run.xml"] if exported else [],
                message=message,
            )
            session.add(run)
            session.flush()
            session.add(RunLogLine(run_id=run.id, at=started, message=message or "started"))
            session.add_all(
                RunResultRow(run_id=run.id, document_no=f"0000{n:04d}", outcome="exported")
                for n in range(exported)
            )


@pytest.fixture
def snapshot_app(db: Database, tmp_path: Path) -> OrderioApp:
    create_demo(db, tmp_path / "root", orders=60, seed=3, now=DEMO_NOW)
    bi_export = _configuration(db, "bi-export")
    set_schedule(
        db,
        RunKind.EXPORT,
        bi_export.id,
        Schedule(
            mode=ScheduleMode.INTERVAL,
            every=1,
            unit=ScheduleUnit.DAYS,
            at="02:00",
            enabled=False,  # a next run would be a time relative to today
        ),
    )
    _add_history(db, _configuration(db, "erp-export"))
    return OrderioApp(db, scheduler=False, channel="demo-b2c")


async def _settle(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a steady cursor: the same picture every time
    await pilot.pause()


def _open_erp_export(tabs_forward: int):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExportConfigurationScreen))
        for _ in range(tabs_forward):
            await pilot.press("f6")
        await pilot.pause(0.6)  # the match count waits for a pause in typing
        await _settle(pilot)

    return run_before


def test_main_screen(snap_compare, snapshot_app: OrderioApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=_settle)


def test_export_configuration_general_tab(snap_compare, snapshot_app: OrderioApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=_open_erp_export(0))


def test_export_configuration_actions_tab(snap_compare, snapshot_app: OrderioApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=_open_erp_export(1))


def test_export_configuration_scheduling_tab(snap_compare, snapshot_app: OrderioApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=_open_erp_export(2))


def test_export_configuration_conditions_tab(snap_compare, snapshot_app: OrderioApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=_open_erp_export(3))


def test_run_history(snap_compare, snapshot_app: OrderioApp) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await pilot.press("down", "h")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunHistoryScreen))
        await _settle(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=run_before)
