"""What is typed is checked live without ever ending the TUI (SPEC §17): the next-run preview
names what is wrong with a schedule, and a message under a field goes away once it is fixed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from textual.widgets import Input, Select, Static, TabbedContent
from tui_fixtures import error_of, open_erp_export, type_text, wait_for

from orderio_tui.application.configurations import load_export_form
from orderio_tui.application.forms import (
    FieldErrors,
    parse_optional_local_datetime,
    parse_optional_money,
)
from orderio_tui.database import Database
from orderio_tui.domain.models import Channel, ExportConfiguration
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import ScheduleMode, ScheduleUnit
from orderio_tui.errors import ECHO_LIMIT
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.services.edit import ServiceEditScreen
from orderio_tui.tui.services.screen import ServicesScreen
from orderio_tui.tui.widgets.field import FieldError


def text_of(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def open_scheduling_of_erp_export(pilot, app: OrderioApp) -> ExportConfigurationScreen:  # type: ignore[no-untyped-def]
    screen = await open_erp_export(pilot)
    await pilot.press("f6", "f6")
    await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tab-scheduling")
    return screen


@pytest.mark.parametrize(
    ("every", "unit", "expected"),
    [
        pytest.param("500000", ScheduleUnit.WEEKS, "at most 52 weeks", id="500000-weeks"),
        pytest.param("9" * 20, ScheduleUnit.WEEKS, "at most 52 weeks", id="20-digit-weeks"),
        pytest.param("9" * 20, ScheduleUnit.MINUTES, "at most 527040", id="20-digit-minutes"),
        pytest.param("9" * 5000, ScheduleUnit.SECONDS, "not a whole number", id="5000-digits"),
    ],
)
async def test_a_huge_every_is_a_message_in_the_next_run_preview_not_a_crash(
    app: OrderioApp, every: str, unit: ScheduleUnit, expected: str
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_scheduling_of_erp_export(pilot, app)
        screen.query_one("#schedule_mode", Select).value = ScheduleMode.INTERVAL
        screen.query_one("#schedule_unit", Select).value = unit
        await pilot.pause()  # the interval fields are enabled now
        screen.query_one("#schedule_every", Input).focus()
        await type_text(pilot, every[:25])
        if len(every) > 25:
            screen.query_one("#schedule_every", Input).value = every
        await wait_for(pilot, lambda: expected in text_of(screen, "#next-run"), what=expected)
        assert text_of(screen, "#next-run").startswith("No next run: ")
        assert app.is_running and app.screen is screen


async def test_a_name_message_goes_away_once_a_name_is_typed(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportConfigurationScreen))
        screen = app.screen
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "name is mandatory" in error_of(screen, "name"))
        await type_text(pilot, "nightly")
        await wait_for(pilot, lambda: error_of(screen, "name") == "", what="name message gone")
        assert "configuration type is mandatory" in error_of(screen, "service")
        assert text_of(screen, "#form-message").startswith("Not saved")
        await pilot.press("tab", "enter", "down", "enter")
        await wait_for(pilot, lambda: error_of(screen, "service") == "", what="service message")
        assert text_of(screen, "#form-message") == ""


async def test_a_schedule_message_follows_the_field_it_depends_on(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_scheduling_of_erp_export(pilot, app)
        screen.query_one("#schedule_mode", Select).value = ScheduleMode.INTERVAL
        screen.query_one("#schedule_unit", Select).value = ScheduleUnit.WEEKS
        await pilot.pause()  # the interval fields are enabled now
        screen.query_one("#schedule_every", Input).focus()
        await type_text(pilot, "500")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "at most 52 weeks" in error_of(screen, "schedule_every"))
        screen.query_one("#schedule_unit", Select).value = ScheduleUnit.DAYS
        await wait_for(pilot, lambda: "at most 366 days" in error_of(screen, "schedule_every"))
        await pilot.press("backspace")
        await wait_for(pilot, lambda: error_of(screen, "schedule_every") == "", what="fixed")


async def test_a_service_message_goes_away_once_the_field_is_fixed(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ServiceEditScreen))
        screen = app.screen
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "name is mandatory" in error_of(screen, "name"))
        await type_text(pilot, "erp-two")
        await wait_for(pilot, lambda: error_of(screen, "name") == "", what="name message gone")
        assert "directory is mandatory" in error_of(screen, "directory")


@pytest.fixture
def far_east_channel(db: Database) -> None:
    """The channel's time zone ahead of UTC: the first day of year 1 there is still year 0 in
    UTC (typed dates are read in the channel's zone)."""
    with db.write() as session:
        session.execute(
            update(Channel).where(Channel.name == "demo-b2c").values(timezone="Asia/Tokyo")
        )


async def test_a_date_out_of_range_in_the_conditions_is_a_message_not_a_crash(
    app: OrderioApp, far_east_channel: None
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tab-conditions")
        screen.query_one("#created_from", Input).focus()
        await type_text(pilot, "0001-01-01")
        await wait_for(
            pilot,
            lambda: "fix the fields" in text_of(screen, "#match-count"),
            what="the match count refuses the date",
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "out of range" in error_of(screen, "created_from"))
        assert app.is_running and app.screen is screen


async def test_a_message_repeats_only_the_start_of_a_long_input(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tab-conditions")
        screen.query_one("#max_orders", Input).value = "lots " * 600
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "is not a whole number" in error_of(screen, "max_orders"))
        message = error_of(screen, "max_orders")
        assert message == f"✗ max orders per run '{('lots ' * 12)[:60]}…' is not a whole number"
        assert screen.query_one("#error-max_orders", FieldError).size.height <= 2


def test_every_echo_of_typed_text_is_cut_the_same_way() -> None:
    errors = FieldErrors()
    parse_optional_money(errors, "gross_min", "minimum gross amount", "x" * 3000)
    parse_optional_local_datetime(errors, "created_from", "creation date from", "y" * 3000)
    at = Schedule(ScheduleMode.INTERVAL, every=1, unit=ScheduleUnit.DAYS, at="z" * 3000)
    messages = [p.message for p in [*errors.problems, *at.problems()]]
    assert [len(m) < 150 for m in messages] == [True, True, True]
    assert all(f"'{c * ECHO_LIMIT}…'" in m for c, m in zip("xyz", messages, strict=True))


async def test_a_huge_amount_is_a_message_not_a_crash(app: OrderioApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tab-conditions")
        screen.query_one("#gross_min", Input).focus()
        await type_text(pilot, "1e30")
        await wait_for(
            pilot,
            lambda: "fix the fields" in text_of(screen, "#match-count"),
            what="the match count refuses the amount",
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "from 0 to" in error_of(screen, "gross_min"))
        assert app.is_running and app.screen is screen


@pytest.mark.parametrize("field", ["max_orders", "min_age_minutes"])
async def test_a_huge_whole_number_in_the_conditions_is_a_message_not_a_crash(
    app: OrderioApp, field: str
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tab-conditions")
        screen.query_one(f"#{field}", Input).value = "9" * 20
        await wait_for(
            pilot,
            lambda: "fix the fields" in text_of(screen, "#match-count"),
            what="the match count refuses the number",
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "at most" in error_of(screen, field))
        assert app.is_running and app.screen is screen


@pytest.mark.parametrize("field", ["max_file_size", "min_file_age_seconds"])
async def test_a_huge_whole_number_in_a_service_is_a_message_not_a_crash(
    app: OrderioApp, field: str
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ServiceEditScreen))
        screen = app.screen
        screen.query_one(f"#{field}", Input).value = "9" * 20
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "at most" in error_of(screen, field), what=field)
        assert app.is_running and app.screen is screen


async def test_text_longer_than_its_column_is_a_message_not_a_crash(
    app: OrderioApp, db: Database
) -> None:
    stored = load_export_form(db, app_configuration_id(db))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("f6", "f6", "f6")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tab-conditions")
        screen.query_one("#supplier", Input).value = "s" * 300
        screen.query_one("#customer_id", Input).value = "c" * 300
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "longer than 200" in error_of(screen, "supplier"))
        assert "longer than 100" in error_of(screen, "customer_id")
        assert app.is_running and app.screen is screen
    assert load_export_form(db, app_configuration_id(db)) == stored


async def test_a_service_text_longer_than_its_column_is_a_message_not_a_crash(
    app: OrderioApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ServiceEditScreen))
        screen = app.screen
        screen.query_one("#display_name", Input).value = "d" * 300
        screen.query_one("#file_prefix", Input).value = "p" * 300
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "longer than 200" in error_of(screen, "display_name"))
        assert "longer than 100" in error_of(screen, "file_prefix")
        assert app.is_running and app.screen is screen


def app_configuration_id(db: Database) -> int:
    with db.read() as session:
        found = session.scalar(
            select(ExportConfiguration.id)
            .join(Channel, Channel.id == ExportConfiguration.channel_id)
            .where(Channel.name == "demo-b2c", ExportConfiguration.name == "erp-export")
        )
    assert found is not None
    return int(found)
