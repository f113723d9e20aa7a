"""A stored schedule this version can not use is named, never raised (SPEC §17)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from orderio_tui.application.channels import ChannelForm, create_channel
from orderio_tui.application.configurations import (
    ImportConfigurationForm,
    create_import_configuration,
    list_configurations,
    load_import_form,
)
from orderio_tui.application.services import ServiceForm, create_service
from orderio_tui.database import Database
from orderio_tui.domain.scheduling import read_schedule
from orderio_tui.domain.statuses import RunKind, ScheduleMode, ScheduleUnit, ServiceKind


@dataclass
class Stored:
    """The schedule columns of a configuration row, as a hand edit may leave them."""

    schedule_mode: object = "interval"
    schedule_every: object = 5
    schedule_unit: object = "minutes"
    schedule_at: object = None
    schedule_weekday: object = None
    schedule_enabled: object = True


def test_a_valid_stored_schedule_has_no_problem() -> None:
    value, problem = read_schedule(Stored())
    assert problem is None
    assert (value.mode, value.every, value.unit) == (ScheduleMode.INTERVAL, 5, ScheduleUnit.MINUTES)


@pytest.mark.parametrize(
    ("columns", "named"),
    [
        ({"schedule_mode": "sometimes"}, "mode 'sometimes' is unknown"),
        ({"schedule_unit": "fortnights"}, "unit 'fortnights' is unknown"),
        ({"schedule_weekday": "someday", "schedule_unit": "weeks", "schedule_every": 1}, "someday"),
        ({"schedule_every": 10**20}, "at most"),
        ({"schedule_every": 1e20}, "at most"),
        ({"schedule_every": "lots"}, "'lots' is not a whole number"),
        ({"schedule_every": 2.5}, "2.5 is not a whole number"),
        ({"schedule_unit": "days", "schedule_at": "99:99"}, "'99:99' is not a valid HH:MM"),
    ],
)
def test_an_unusable_stored_schedule_is_a_problem_not_an_exception(columns, named) -> None:
    value, problem = read_schedule(Stored(**columns))
    assert problem is not None and named in problem
    assert "set the schedule again" in problem
    assert value.problems() == [] or value.next_run() is None


def test_junk_left_in_a_manual_schedule_is_ignored() -> None:
    value, problem = read_schedule(Stored(schedule_mode="manual", schedule_unit="fortnights"))
    assert problem is None
    assert value.mode is ScheduleMode.MANUAL


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Database:
    create_channel(db, ChannelForm("b2c", store="Shop-B2C"))
    for name in ("broken", "fine"):  # one inbox per import configuration
        inbox = tmp_path / f"inbox-{name}"
        inbox.mkdir()
        create_service(db, ServiceForm(f"status-{name}", ServiceKind.STATUS_IMPORT_XML, str(inbox)))
        create_import_configuration(db, "b2c", ImportConfigurationForm(name, f"status-{name}"))
    with db.write() as session:
        session.execute(
            text(
                "UPDATE import_configurations SET schedule_mode = 'interval', "
                "schedule_every = 1, schedule_unit = 'fortnights' WHERE name = 'broken'"
            )
        )
    return db


def test_the_list_view_carries_the_problem_of_only_the_broken_configuration(
    shop: Database,
) -> None:
    rows = {row.name: row for row in list_configurations(shop, RunKind.IMPORT)}
    assert rows["broken"].problem is not None and "fortnights" in rows["broken"].problem
    assert rows["broken"].next_run_at is None
    assert rows["broken"].to_json()["problem"] == rows["broken"].problem
    assert rows["fine"].problem is None
    assert rows["fine"].to_json()["problem"] is None


def test_a_broken_configuration_still_opens_in_its_form(shop: Database) -> None:
    broken = next(r for r in list_configurations(shop, RunKind.IMPORT) if r.name == "broken")
    form = load_import_form(shop, broken.id)
    assert form.name == "broken"
    assert form.schedule.unit is None  # the form asks for a unit again
    assert [p.field for p in form.schedule.problems()] == ["schedule_unit"]
