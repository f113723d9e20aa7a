"""Creation-date bounds of a configuration file without an offset are wall-clock times of the
configuration's channel, so that one file means the same orders on every machine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from orderio_tui.application.config_file import ConfigInvalid, apply_config
from orderio_tui.application.configurations import export_form_of
from orderio_tui.application.forms import FieldErrors, parse_optional_local_datetime
from orderio_tui.database import Database, open_database
from orderio_tui.domain.models import ExportConfiguration


def _file(directory: Path, zone: str, created_from: str, created_to: str) -> str:
    return f"""
[[channel]]
name = "shop-us"
timezone = "{zone}"

[[service]]
name = "erp"
kind = "order-export-xml"
directory = "{directory}"

[[export]]
name = "erp-export"
channel = "shop-us"
service = "erp"

[export.conditions]
created_from = {created_from}
created_to = {created_to}
"""


@pytest.fixture
def shop_db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'shop.db'}")
    yield db
    db.dispose()


def _bounds(db: Database) -> tuple[datetime | None, datetime | None]:
    with db.read() as session:
        form = export_form_of(session, session.scalars(select(ExportConfiguration)).one())
    return form.created_from, form.created_to


def test_bounds_without_an_offset_are_the_channels_wall_clock_times(
    shop_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the machine's zone must not matter
    text = _file(tmp_path, "America/New_York", '"2026-11-01"', "2026-11-30T08:00:00")
    apply_config(shop_db, text)
    created_from, created_to = _bounds(shop_db)
    assert created_from == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # midnight, still EDT
    assert created_to == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # 08:00 EST
    again = apply_config(shop_db, text)
    assert [c.action for c in again.changes if c.what == "export"] == ["unchanged"]


def test_bounds_with_an_offset_are_kept_as_given(shop_db: Database, tmp_path: Path) -> None:
    text = _file(tmp_path, "America/New_York", "2026-11-01T01:00:00+01:00", '"2026-11-02"')
    apply_config(shop_db, text)
    created_from, created_to = _bounds(shop_db)
    assert created_from == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert created_to == datetime(2026, 11, 2, 23, 59, 59, tzinfo=ZoneInfo("America/New_York"))


def test_a_bound_out_of_range_in_the_channels_zone_is_a_problem_of_the_file(
    shop_db: Database, tmp_path: Path
) -> None:
    text = _file(tmp_path, "America/Los_Angeles", '"2026-11-01"', '"9999-12-31"')
    with pytest.raises(ConfigInvalid) as invalid:
        apply_config(shop_db, text)
    assert any("out of range" in p.message for p in invalid.value.problems)


def test_the_conditions_tab_reads_a_typed_day_in_the_channels_zone() -> None:
    errors = FieldErrors()
    zone = ZoneInfo("Europe/Berlin")
    moment = parse_optional_local_datetime(errors, "f", "from", "2026-07-01", zone=zone)
    assert moment == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert not errors.problems
