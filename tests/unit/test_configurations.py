"""Configurations and services: validation with one clear message per problem (SPEC §3–§5)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orderio_tui.application.channels import ChannelForm, create_channel
from orderio_tui.application.configurations import (
    ExportConfigurationForm,
    ImportConfigurationForm,
    create_export_configuration,
    create_import_configuration,
    delete_configuration,
    list_configurations,
    load_export_form,
    resolve_configuration,
    set_schedule,
    update_export_configuration,
)
from orderio_tui.application.services import (
    ServiceForm,
    create_directories,
    create_service,
    delete_service,
    list_services,
    update_service,
)
from orderio_tui.database import Database
from orderio_tui.domain.models import ExportConfiguration, Service
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import (
    RunKind,
    ScheduleMode,
    ScheduleUnit,
    ServiceKind,
    Weekday,
)
from orderio_tui.errors import Ambiguous, NotFound, UserError, ValidationFailed


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Database:
    """Two channels, an export and an import service with real directories."""
    (tmp_path / "out").mkdir()
    (tmp_path / "inbox").mkdir()
    create_channel(db, ChannelForm("b2c", store="Shop-B2C"))
    create_channel(db, ChannelForm("b2b", store="Shop-B2B"))
    create_service(db, ServiceForm("xml-out", ServiceKind.EXPORT_XML, str(tmp_path / "out")))
    create_service(
        db, ServiceForm("status-in", ServiceKind.STATUS_IMPORT_XML, str(tmp_path / "inbox"))
    )
    return db


def _problems(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in excinfo.value.problems:
        found.setdefault(problem.field, []).append(problem.message)
    return found


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_new_export_configuration_gets_the_spec_defaults(shop: Database) -> None:
    config_id = create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    form = load_export_form(shop, config_id)
    assert form.status_updates_enabled is True
    assert form.order_transitions == {"NEW": "EXPORTED", "CANCELLED": "CANCELLEDANDEXPORTED"}
    assert form.line_item_transitions == {
        "NEW": "INPROGRESS",
        "CANCELLED": "CANCELLEDANDEXPORTED",
    }
    assert form.order_statuses == ["NEW"]
    assert set(form.customer_types) == {"PRIVATE", "SMB"}
    assert len(form.line_item_statuses) == 7
    assert form.schedule.mode is ScheduleMode.MANUAL


def test_every_condition_is_stored_and_read_back(shop: Database) -> None:
    form = ExportConfigurationForm(
        "bi",
        "xml-out",
        description="for reporting",
        status_updates_enabled=False,
        order_statuses=["NEW", "EXPORTED"],
        line_item_statuses=["NEW"],
        payment_statuses=["AUTHORIZED"],
        customer_types=["SMB"],
        order_numbers=["00000001", "00000002"],
        customer_id="C-1",
        gross_min=Decimal("10.00"),
        gross_max=Decimal("500.50"),
        skus=["SKU-1"],
        supplier="ACME",
        min_age_minutes=15,
        only_not_exported=True,
        max_orders=100,
        schedule=Schedule(ScheduleMode.INTERVAL, 1, ScheduleUnit.DAYS, at="02:30"),
    )
    config_id = create_export_configuration(shop, "b2c", form)
    assert load_export_form(shop, config_id) == form


def test_empty_name_unknown_service_and_empty_statuses_are_each_reported(shop: Database) -> None:
    form = ExportConfigurationForm(
        "", "nope", order_statuses=[], customer_types=[], payment_statuses=[]
    )
    with pytest.raises(ValidationFailed) as info:
        create_export_configuration(shop, "b2c", form)
    problems = _problems(info)
    assert problems["name"] == ["name is mandatory"]
    assert "does not exist" in problems["service"][0]
    assert problems["order_statuses"] == ["select at least one order status"]
    assert problems["customer_types"] == ["select at least one customer type"]
    assert problems["payment_statuses"] == ["select at least one payment status"]
    assert _count(shop, ExportConfiguration) == 0


def test_duplicate_names_are_refused_within_a_channel_but_not_across(shop: Database) -> None:
    create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    with pytest.raises(ValidationFailed) as info:
        create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    assert "already exists in channel 'b2c'" in _problems(info)["name"][0]
    create_export_configuration(shop, "b2b", ExportConfigurationForm("erp", "xml-out"))
    assert _count(shop, ExportConfiguration) == 2


def test_an_import_service_cannot_be_the_type_of_an_export(shop: Database) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "status-in"))
    assert "pick an export service" in _problems(info)["service"][0]
    with pytest.raises(ValidationFailed):
        create_import_configuration(shop, "b2c", ImportConfigurationForm("st", "xml-out"))


def test_illegal_transitions_and_ranges_are_reported(shop: Database) -> None:
    form = ExportConfigurationForm(
        "erp",
        "xml-out",
        order_transitions={"NEW": "DELIVERED"},
        line_item_transitions={"CANCELLED": "INPROGRESS"},
        gross_min=Decimal("100"),
        gross_max=Decimal("10"),
        max_orders=0,
        min_age_minutes=-1,
        order_statuses=["NEW", "BOGUS"],
    )
    with pytest.raises(ValidationFailed) as info:
        create_export_configuration(shop, "b2c", form)
    problems = _problems(info)
    assert "NEW → DELIVERED is not allowed" in problems["order_transitions"][0]
    assert "CANCELLED → INPROGRESS" in problems["line_item_transitions"][0]
    assert problems["gross_max"] == ["maximum amount is below the minimum"]
    assert problems["max_orders"] == ["max orders per run must be from 1 to 1000000"]
    assert problems["min_age_minutes"] == ["minimum order age must be from 0 to 5270400 minutes"]
    assert problems["order_statuses"] == ["unknown order status: BOGUS"]


def test_huge_numbers_and_unstorable_text_are_validation_messages(shop: Database) -> None:
    form = ExportConfigurationForm(
        "erp\x00",
        "xml-out",
        description="\udcff",
        gross_max=Decimal("1e999999"),
        max_orders=10**30,
        min_age_minutes=10**20,
        skus=["x" * 101],
    )
    with pytest.raises(ValidationFailed) as info:
        create_export_configuration(shop, "b2c", form)
    problems = _problems(info)
    assert problems["name"] == ["name 'erp\\x00' contains control characters"]
    assert problems["description"] == ["description '\\xff' is not valid UTF-8 text"]
    assert "from 0 to 999999999999.99" in problems["gross_max"][0]
    assert set(problems) >= {"max_orders", "min_age_minutes", "skus"}


@pytest.mark.parametrize(
    ("schedule", "field", "text"),
    [
        (Schedule(ScheduleMode.INTERVAL, 0, ScheduleUnit.MINUTES), "schedule_every", "1 or more"),
        (
            Schedule(ScheduleMode.INTERVAL, None, ScheduleUnit.MINUTES),
            "schedule_every",
            "1 or more",
        ),
        (Schedule(ScheduleMode.INTERVAL, 5, None), "schedule_unit", "choose a unit"),
        (
            Schedule(ScheduleMode.INTERVAL, 1, ScheduleUnit.DAYS, at="25:00"),
            "schedule_at",
            "'25:00' is not a valid HH:MM",
        ),
        (
            Schedule(ScheduleMode.INTERVAL, 5, ScheduleUnit.MINUTES, at="10:00"),
            "schedule_at",
            "only be set for days or weeks",
        ),
        (
            Schedule(ScheduleMode.INTERVAL, 1, ScheduleUnit.DAYS, weekday=Weekday.MONDAY),
            "schedule_weekday",
            "only be set for weeks",
        ),
    ],
)
def test_invalid_schedules_are_reported(shop: Database, schedule, field, text) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_import_configuration(
            shop, "b2c", ImportConfigurationForm("st", "status-in", schedule=schedule)
        )
    assert text in _problems(info)[field][0]


def test_schedules_describe_themselves_and_know_their_next_run() -> None:
    assert Schedule().describe() == "manual"
    assert Schedule().next_run() is None
    every5 = Schedule(ScheduleMode.INTERVAL, 5, ScheduleUnit.MINUTES)
    assert every5.describe() == "every 5 minutes"
    assert every5.next_run() is not None
    weekly = Schedule(ScheduleMode.INTERVAL, 1, ScheduleUnit.WEEKS, "06:00", Weekday.MONDAY)
    assert weekly.describe() == "every monday at 06:00"
    assert weekly.next_run().astimezone().weekday() == 0
    off = Schedule(ScheduleMode.INTERVAL, 5, ScheduleUnit.MINUTES, enabled=False)
    assert off.describe() == "every 5 minutes (off)"
    assert off.next_run() is None


def test_set_schedule_changes_only_the_schedule(shop: Database) -> None:
    config_id = create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    set_schedule(
        shop, RunKind.EXPORT, config_id, Schedule(ScheduleMode.INTERVAL, 5, ScheduleUnit.MINUTES)
    )
    (row,) = list_configurations(shop, RunKind.EXPORT, "b2c")
    assert row.schedule.describe() == "every 5 minutes"
    assert row.next_run_at is not None
    assert row.to_json()["schedule"]["every"] == 5
    with pytest.raises(ValidationFailed):
        set_schedule(
            shop, RunKind.EXPORT, config_id, Schedule(ScheduleMode.INTERVAL, 0, ScheduleUnit.DAYS)
        )


def test_update_and_delete(shop: Database) -> None:
    config_id = create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    form = replace(load_export_form(shop, config_id), description="changed", max_orders=10)
    update_export_configuration(shop, config_id, form)
    assert load_export_form(shop, config_id).description == "changed"
    delete_configuration(shop, RunKind.EXPORT, config_id)
    assert list_configurations(shop, RunKind.EXPORT) == []


def test_names_resolve_across_channels_or_ask_for_one(shop: Database) -> None:
    create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    create_export_configuration(shop, "b2b", ExportConfigurationForm("erp", "xml-out"))
    create_export_configuration(shop, "b2b", ExportConfigurationForm("only-b2b", "xml-out"))
    with shop.read() as session:
        assert resolve_configuration(session, RunKind.EXPORT, "only-b2b").name == "only-b2b"
        assert resolve_configuration(session, RunKind.EXPORT, "erp", "b2c").channel.name == "b2c"
        with pytest.raises(Ambiguous, match="b2b, b2c"):
            resolve_configuration(session, RunKind.EXPORT, "erp")
        with pytest.raises(NotFound, match="'nope' does not exist"):
            resolve_configuration(session, RunKind.EXPORT, "nope")
        with pytest.raises(NotFound, match="channel 'x' does not exist"):
            resolve_configuration(session, RunKind.EXPORT, "erp", "x")


def test_a_service_with_a_missing_directory_is_refused_and_can_be_created(
    db: Database, tmp_path: Path
) -> None:
    form = ServiceForm("out", ServiceKind.EXPORT_XML, str(tmp_path / "later" / "export"))
    with pytest.raises(ValidationFailed) as info:
        create_service(db, form)
    assert "does not exist: create it" in _problems(info)["directory"][0]
    assert _count(db, Service) == 0
    assert create_directories(form) == [tmp_path / "later" / "export"]
    assert create_service(db, form).directory == form.directory


def test_service_names_are_unique_and_kind_specific_fields_checked(
    db: Database, tmp_path: Path
) -> None:
    create_service(db, ServiceForm("out", ServiceKind.EXPORT_XML, str(tmp_path)))
    bad = ServiceForm(
        "out", ServiceKind.EXPORT_XSLT, str(tmp_path), file_prefix="a/b", file_extension="csv"
    )
    with pytest.raises(ValidationFailed) as info:
        create_service(db, bad)
    problems = _problems(info)
    assert "already exists" in problems["name"][0]
    assert "may not contain '/'" in problems["file_prefix"][0]
    assert "must start with '.'" in problems["file_extension"][0]
    assert "needs a stylesheet" in problems["stylesheet_path"][0]


def test_a_service_in_use_cannot_be_deleted_or_change_kind(shop: Database) -> None:
    create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    service = next(s for s in list_services(shop) if s.name == "xml-out")
    assert service.used_by == ["erp"]
    with pytest.raises(UserError, match="used by erp"):
        delete_service(shop, service.id)
    with pytest.raises(ValidationFailed):
        update_service(
            shop, service.id, replace(service.form(), kind=ServiceKind.STATUS_IMPORT_XML)
        )
    update_service(shop, service.id, replace(service.form(), enabled=False))
    assert not next(s for s in list_services(shop) if s.name == "xml-out").enabled
