"""The streaming reader of status files and the shipped XSD (SPEC §6.2, §7.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree
from status_import_fixtures import Entry, status_xml

from orderio_tui.engines.status_import import NAMESPACE, SCHEMA_PATH
from orderio_tui.engines.status_import.reader import (
    StatusEntry,
    StatusFileError,
    iter_entry_batches,
    parse_changed,
    status_schema,
)
from orderio_tui.engines.status_import.settings import ImportLimits

SAMPLE = Path(__file__).parents[3] / "sample_data" / "status-demo-seed1.xml"


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "s.xml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_the_xsd_ships_inside_the_package_and_is_a_valid_schema() -> None:
    shipped = resources.files("orderio_tui.engines.status_import") / "order-status-1.0.xsd"
    assert shipped.is_file()
    assert Path(str(shipped)) == SCHEMA_PATH
    schema = status_schema()
    assert schema.validate(etree.fromstring(f'<orders xmlns="{NAMESPACE}"/>'.encode()))


def test_the_spec_example_and_the_sample_file_are_valid() -> None:
    example = f"""<?xml version="1.0" encoding="UTF-8"?>
<orders xmlns="{NAMESPACE}">
  <order id="00000151" status="DELIVERED" toBeDeleted="false" changed="2026-11-20T10:15:00Z">
    <line-item position="1" status="DELIVERED"/>
    <payment-transaction id="BPS_INVOICE-7f3a" status="CAPTURED"/>
  </order>
</orders>"""
    schema = status_schema()
    assert schema.validate(etree.fromstring(example.encode()))
    assert schema.validate(etree.parse(str(SAMPLE)))


def test_entries_are_read_with_all_their_fields(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        status_xml(
            [
                Entry(
                    id="00000151",
                    status="DELIVERED",
                    to_be_deleted=False,
                    changed="2026-11-20T10:15:00Z",
                    line_items=[(1, "DELIVERED"), (2, "RETURNED")],
                    payments=[("BPS_INVOICE-7f3a", "CAPTURED")],
                ),
                Entry(id="00000152@Store-A"),
            ]
        ),
    )

    (batch,) = list(iter_entry_batches(path, max_size=10_000))

    assert batch == [
        StatusEntry(
            line=3,
            order_ref="00000151",
            status="DELIVERED",
            to_be_deleted=False,
            changed="2026-11-20T10:15:00Z",
            line_items=[(1, "DELIVERED"), (2, "RETURNED")],
            payments=[("BPS_INVOICE-7f3a", "CAPTURED")],
        ),
        StatusEntry(line=8, order_ref="00000152@Store-A"),
    ]


def test_entries_stream_in_batches_and_a_late_error_still_stops_the_file(tmp_path: Path) -> None:
    entries = [Entry(id=f"{n:05d}", status="DELIVERED") for n in range(3000)]
    text = status_xml(entries).replace('id="02999"', 'id="02999" toBeDeleted="perhaps"')
    path = _write(tmp_path, text)
    seen: list[list[str]] = []

    with pytest.raises(StatusFileError) as error:
        for batch in iter_entry_batches(path, max_size=1_000_000, batch_size=100):
            seen.append([entry.order_ref for entry in batch])

    # Batches were handed out before the parser reached the end: the file is streamed.
    assert 0 < len(seen) < 30
    assert all(len(batch) == 100 for batch in seen)
    assert seen[0][0] == "00000"
    assert error.value.line == 3002
    assert str(error.value).startswith("line 3002:") and "toBeDeleted" in str(error.value)


def test_an_entry_with_too_many_children_is_refused_early(tmp_path: Path) -> None:
    limit = ImportLimits().max_line_items
    entry = Entry(id="1", line_items=[(1, "DELIVERED")] * (limit + 1))
    path = _write(tmp_path, status_xml([entry]))

    with pytest.raises(StatusFileError, match="more than"):
        list(iter_entry_batches(path, max_size=10_000_000))


def test_a_utf16_file_is_read(tmp_path: Path) -> None:
    text = status_xml([Entry(id="Ä-1", status="DELIVERED")]).replace("UTF-8", "UTF-16")
    path = _write(tmp_path, text.encode("utf-16"))

    (batch,) = list(iter_entry_batches(path, max_size=10_000))

    assert [entry.order_ref for entry in batch] == ["Ä-1"]


@pytest.mark.parametrize("content", [b"<orders:", b"<:orders/>", b"<a:orders xmlns:a=''/>"])
def test_odd_root_names_are_refused_as_file_errors(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path, content)

    with pytest.raises(StatusFileError):
        list(iter_entry_batches(path, max_size=10_000))


def test_the_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    path = _write(tmp_path, status_xml([Entry(id="1")]))

    with pytest.raises(StatusFileError, match="size limit of 100 bytes"):
        list(iter_entry_batches(path, max_size=100))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20T10:15:00Z", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("2026-11-20T11:15:00+01:00", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("2026-11-20T10:15:00", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("2026-11-20T10:15:00.1234567Z", datetime(2026, 11, 20, 10, 15, 0, 123456, tzinfo=UTC)),
        ("2026-12-31T24:00:00-00:30", datetime(2027, 1, 1, 0, 30, tzinfo=UTC)),
    ],
)
def test_changed_times_are_read_as_utc(text: str, expected: datetime) -> None:
    value = parse_changed(text)
    assert value == expected
    assert value.utcoffset() == timedelta(0)
    assert value.tzinfo in (UTC, UTC)


@pytest.mark.parametrize("text", ["10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "yesterday"])
def test_changed_times_python_cannot_hold_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_changed(text)
