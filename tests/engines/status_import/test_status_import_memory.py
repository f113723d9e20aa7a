"""Memory of the status import is bounded by what one entry may hold, never by the file
(SPEC §7.3): limits per entry with a clear rejection, elements cleared as they are parsed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from status_import_fixtures import Entry, ImportWorld, status_xml

from orderio_tui.domain.statuses import RunState
from orderio_tui.engines.status_import import NAMESPACE
from orderio_tui.engines.status_import.reader import StatusFileError, iter_entry_batches
from orderio_tui.engines.status_import.settings import ImportLimits

#: Reads a status file with the real reader in a fresh process and prints its peak RSS (MB).
READER_CHILD = """
import json, resource, sys
from pathlib import Path
from orderio_tui.engines.status_import.reader import iter_entry_batches

entries = items = 0
for batch in iter_entry_batches(Path(sys.argv[1]), max_size=1 << 30):
    entries += len(batch)
    items += sum(len(entry.line_items) for entry in batch)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"entries": entries, "items": items, "peak_mb": peak}))
"""


def _big_entries_file(path: Path, entries: int, items: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<orders xmlns="{NAMESPACE}">\n')
        line = '  <line-item position="{}" status="DELIVERED"/>\n'
        for number in range(entries):
            handle.write(f'<order id="{number:08d}" status="DELIVERED">\n')
            handle.writelines(line.format(position) for position in range(1, items + 1))
            handle.write("</order>\n")
        handle.write("</orders>\n")
    return path


def _read_in_child(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", READER_CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_a_batch_of_entries_with_many_line_items_is_not_kept_as_a_tree(tmp_path: Path) -> None:
    """40 entries of 9,999 line items (25 MB) used to stay in one tree: about 300 MB."""
    path = _big_entries_file(tmp_path / "big.xml", entries=40, items=9_999)
    baseline = _read_in_child(_big_entries_file(tmp_path / "small.xml", entries=1, items=10))

    result = _read_in_child(path)

    assert result["entries"] == 40 and result["items"] == 40 * 9_999
    assert result["peak_mb"] - baseline["peak_mb"] < 100, result


def test_batches_are_bounded_by_their_line_items_not_only_by_entries(tmp_path: Path) -> None:
    path = _big_entries_file(tmp_path / "big.xml", entries=12, items=5_000)

    sizes = [len(batch) for batch in iter_entry_batches(path, max_size=1 << 30)]

    assert sum(sizes) == 12 and len(sizes) > 1
    assert max(sizes) <= 5


def _one_entry(tmp_path: Path, inner: str, attributes: str = "") -> Path:
    path = tmp_path / "s.xml"
    path.write_text(
        f'<orders xmlns="{NAMESPACE}">\n<order id="1"{attributes}>\n{inner}\n</order>\n</orders>\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("field", "value", "inner", "attributes", "words"),
    [
        (
            "max_line_items",
            3,
            '<line-item position="1" status="A"/>' * 4,
            "",
            "more than 3 line items",
        ),
        (
            "max_payment_transactions",
            2,
            '<payment-transaction id="p" status="A"/>' * 3,
            "",
            "more than 2 payment transactions",
        ),
        (
            "max_attributes",
            4,
            '<line-item position="1" status="A" a="1" b="2" c="3"/>',
            "",
            "more than 4 attributes",
        ),
        ("max_attribute_length", 100, "", f' status="{"x" * 101}"', "longer than 100 characters"),
    ],
)
def test_each_entry_limit_rejects_the_file_with_a_clear_message(
    tmp_path: Path, field: str, value: int, inner: str, attributes: str, words: str
) -> None:
    path = _one_entry(tmp_path, inner, attributes)
    limits = ImportLimits(**{field: value})  # type: ignore[arg-type]

    with pytest.raises(StatusFileError) as error:
        list(iter_entry_batches(path, max_size=1 << 20, limits=limits))

    assert words in str(error.value)
    assert error.value.line is not None


def test_a_start_tag_of_megabytes_of_junk_attributes_is_refused_before_it_is_built(
    tmp_path: Path,
) -> None:
    junk = " ".join(f'a{n}="x"' for n in range(400_000))  # about 4 MB in one tag
    path = _one_entry(tmp_path, f'<line-item position="1" status="A" {junk}/>')

    with pytest.raises(StatusFileError, match="without a '>'"):
        list(iter_entry_batches(path, max_size=1 << 30))


def test_limits_set_in_the_environment_reach_the_run(
    world: ImportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_order("5001", line_items=["INPROGRESS"] * 3)
    items = [(position, "DELIVERED") for position in (1, 2, 3)]
    world.deliver("a.xml", status_xml([Entry(id="5001", status="DELIVERED", line_items=items)]))
    monkeypatch.setenv("ORDERIO_IMPORT_MAX_LINE_ITEMS", "2")

    outcome = world.run()

    assert outcome.state is RunState.FAILED
    report = (world.error / "a.xml.error.txt").read_text(encoding="utf-8")
    assert "more than 2 line items" in report and "ORDERIO_IMPORT_MAX_LINE_ITEMS" in report
    assert world.order("5001").status == "EXPORTED"
