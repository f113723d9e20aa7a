"""Arbitrary text in every field of the configuration and service forms, through the same
application functions the TUI's forms use: accepted, or validation messages (SPEC §17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderio_tui.application.channels import ChannelForm, create_channel
from orderio_tui.application.configurations import (
    ExportConfigurationForm,
    ImportConfigurationForm,
    create_export_configuration,
    create_import_configuration,
    list_configurations,
    load_export_form,
)
from orderio_tui.application.forms import (
    FieldErrors,
    parse_list,
    parse_optional_int,
    parse_optional_local_datetime,
    parse_optional_money,
)
from orderio_tui.application.services import ServiceForm, create_service
from orderio_tui.database import Database
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import RunKind, ScheduleMode, ScheduleUnit, ServiceKind, Weekday
from orderio_tui.errors import ValidationFailed

TEXT = st.one_of(
    st.text(max_size=50),
    st.text(st.characters(exclude_categories=[]), max_size=20),
    st.integers().map(str),
    st.integers(min_value=10**9, max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "0", "-1", "1e999999", "0001-01-01", "9999-12-31 23:59", "~nobody"]),
    st.text(max_size=3000).filter(lambda t: len(t) > 100),
)
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Database:
    (tmp_path / "out").mkdir()
    (tmp_path / "inbox").mkdir()
    create_channel(db, ChannelForm("b2c", store="Shop-B2C"))
    create_service(db, ServiceForm("xml-out", ServiceKind.EXPORT_XML, str(tmp_path / "out")))
    create_service(
        db, ServiceForm("status-in", ServiceKind.STATUS_IMPORT_XML, str(tmp_path / "inbox"))
    )
    return db


def _schedule(errors: FieldErrors, mode, every: str, unit, at: str, weekday) -> Schedule:
    """The Scheduling tab as the configuration screens read it."""
    return Schedule(
        mode=mode,
        every=parse_optional_int(errors, "schedule_every", "every", every),
        unit=unit,
        at=at.strip() or None,
        weekday=weekday,
    )


def _saved_or_refused(save, errors: FieldErrors, *form_args) -> None:
    if errors:
        assert all(p.message for p in errors.problems)
        return
    try:
        save(*form_args)
    except ValidationFailed as exc:
        assert exc.problems and all(p.message for p in exc.problems)


FIELDS = st.fixed_dictionaries(
    {
        name: TEXT
        for name in [
            "name",
            "description",
            "every",
            "at",
            "order_numbers",
            "customer_id",
            "created_from",
            "created_to",
            "gross_min",
            "gross_max",
            "skus",
            "supplier",
            "min_age_minutes",
            "max_orders",
        ]
    }
)
MODES = st.sampled_from(list(ScheduleMode))
UNITS = st.one_of(st.none(), st.sampled_from(list(ScheduleUnit)))
WEEKDAYS = st.one_of(st.none(), st.sampled_from(list(Weekday)))


@SETTINGS
@given(fields=FIELDS, mode=MODES, unit=UNITS, weekday=WEEKDAYS)
def test_any_export_configuration_form_is_saved_or_refused(
    shop: Database, fields, mode, unit, weekday
) -> None:
    errors = FieldErrors()
    schedule = _schedule(errors, mode, fields["every"], unit, fields["at"], weekday)
    schedule.describe()
    schedule.next_run()  # the live preview of the Scheduling tab
    form = ExportConfigurationForm(
        name=fields["name"],
        service="xml-out",
        description=fields["description"],
        schedule=schedule,
        order_numbers=parse_list(fields["order_numbers"]),
        customer_id=fields["customer_id"].strip(),
        created_from=parse_optional_local_datetime(
            errors, "created_from", "from", fields["created_from"]
        ),
        created_to=parse_optional_local_datetime(
            errors, "created_to", "to", fields["created_to"], end_of_day=True
        ),
        gross_min=parse_optional_money(errors, "gross_min", "minimum", fields["gross_min"]),
        gross_max=parse_optional_money(errors, "gross_max", "maximum", fields["gross_max"]),
        skus=parse_list(fields["skus"]),
        supplier=fields["supplier"].strip(),
        min_age_minutes=parse_optional_int(
            errors, "min_age_minutes", "age", fields["min_age_minutes"], minimum=0
        ),
        max_orders=parse_optional_int(errors, "max_orders", "max", fields["max_orders"], minimum=1),
    )
    _saved_or_refused(lambda f: create_export_configuration(shop, "b2c", f), errors, form)
    for row in list_configurations(shop, RunKind.EXPORT):
        load_export_form(shop, row.id)


@SETTINGS
@given(name=TEXT, description=TEXT, every=TEXT, at=TEXT, mode=MODES, unit=UNITS)
def test_any_import_configuration_form_is_saved_or_refused(
    shop: Database, name, description, every, at, mode, unit
) -> None:
    errors = FieldErrors()
    schedule = _schedule(errors, mode, every, unit, at, None)
    schedule.next_run()
    form = ImportConfigurationForm(
        name=name, service="status-in", description=description, schedule=schedule
    )
    _saved_or_refused(lambda f: create_import_configuration(shop, "b2c", f), errors, form)
    list_configurations(shop, RunKind.IMPORT)


SERVICE_FIELDS = st.fixed_dictionaries(
    {
        name: TEXT
        for name in [
            "name",
            "directory",
            "display_name",
            "file_prefix",
            "file_extension",
            "file_pattern",
            "archive_directory",
            "error_directory",
            "stylesheet_path",
            "max_file_size",
            "min_file_age_seconds",
        ]
    }
)


@SETTINGS
@given(fields=SERVICE_FIELDS, kind=st.sampled_from(list(ServiceKind)))
def test_any_service_form_is_saved_or_refused(shop: Database, fields, kind) -> None:
    errors = FieldErrors()
    max_size = parse_optional_int(errors, "max_file_size", "max", fields["max_file_size"])
    min_age = parse_optional_int(
        errors, "min_file_age_seconds", "age", fields["min_file_age_seconds"]
    )
    form = ServiceForm(
        name=fields["name"],
        kind=kind,
        directory=fields["directory"].strip(),
        display_name=fields["display_name"],
        file_prefix=fields["file_prefix"],
        file_extension=fields["file_extension"].strip(),
        file_pattern=fields["file_pattern"],
        archive_directory=fields["archive_directory"].strip(),
        error_directory=fields["error_directory"].strip(),
        stylesheet_path=fields["stylesheet_path"].strip(),
        max_file_size=200 * 1024 * 1024 if max_size is None else max_size,
        min_file_age_seconds=2 if min_age is None else min_age,
    )
    _saved_or_refused(lambda f: create_service(shop, f), errors, form)
