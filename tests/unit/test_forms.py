"""Parsing what users type into forms and options."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from orderio_tui.application.forms import (
    FieldErrors,
    format_local_datetime,
    parse_list,
    parse_optional_int,
    parse_optional_local_datetime,
    parse_optional_money,
)


def test_whole_numbers(monkeypatch) -> None:
    errors = FieldErrors()
    assert parse_optional_int(errors, "every", "every", " 5 ", minimum=1) == 5
    assert parse_optional_int(errors, "every", "every", "") is None
    assert not errors
    parse_optional_int(errors, "every", "every", "five")
    parse_optional_int(errors, "every", "every", "0", minimum=1)
    assert [p.message for p in errors.problems] == [
        "every 'five' is not a whole number",
        "every must be 1 or more",
    ]


def test_amounts() -> None:
    errors = FieldErrors()
    assert parse_optional_money(errors, "min", "minimum", "12,50") == Decimal("12.50")
    assert parse_optional_money(errors, "min", "minimum", "") is None
    assert parse_optional_money(errors, "min", "minimum", "abc") is None
    assert parse_optional_money(errors, "min", "minimum", "-1") is None
    assert len(errors.problems) == 2


def test_local_dates_become_utc_and_back(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    errors = FieldErrors()
    start = parse_optional_local_datetime(errors, "from", "from", "2026-11-01")
    end = parse_optional_local_datetime(errors, "to", "to", "2026-11-30", end_of_day=True)
    moment = parse_optional_local_datetime(errors, "from", "from", "2026-11-01 08:15")
    assert start == datetime(2026, 11, 1, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    assert moment == datetime(2026, 11, 1, 8, 15, tzinfo=UTC)
    assert format_local_datetime(moment) == "2026-11-01 08:15"
    assert parse_optional_local_datetime(errors, "from", "from", "1.11.2026") is None
    assert "is not a date" in errors.problems[0].message


def test_lists_accept_commas_semicolons_and_spaces() -> None:
    assert parse_list("A, B;C  D\nA") == ["A", "B", "C", "D"]
    assert parse_list("") == []


def test_dates_and_amounts_out_of_range_are_problems_not_exceptions(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        errors = FieldErrors()
        assert parse_optional_local_datetime(errors, "from", "from", "0001-01-01") is None
        assert parse_optional_money(errors, "max", "maximum", "1e999999") is None
        assert [p.field for p in errors.problems] == ["from", "max"]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
