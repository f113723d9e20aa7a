"""The status import through the command line, on the demo data (SPEC §10)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from status_import_fixtures import Entry, status_xml


def _orders(orderio: Any) -> dict[tuple[str, str], dict[str, Any]]:
    result = orderio("orders", "--json")
    assert result.code == 0, result.err
    return {(o["channel"], o["document_no"]): o for o in result.json()}


def _deliver(inbox: Path, name: str, content: bytes) -> None:
    path = inbox / name
    path.write_bytes(content)
    moment = time.time() - 60
    os.utime(path, (moment, moment))


def test_import_run_applies_valid_entries_rejects_bad_ones_and_spots_a_duplicate(
    orderio: Any, tmp_path: Path
) -> None:
    root = tmp_path / "demo"
    assert orderio("demo", "--root", str(root), "--orders", "600").code == 0
    exported = orderio("export", "run", "erp-export", "--channel", "demo-b2c", "--json")
    assert exported.code in (0, 3), exported.err
    before = _orders(orderio)
    b2c = [o for (channel, _), o in sorted(before.items()) if channel == "demo-b2c"]
    ready = [
        o
        for o in b2c
        if o["status"] == "EXPORTED"
        and all(li["status"] in ("NEW", "INPROGRESS") for li in o["line_items"])
        and all(p["status"] in ("CREATED", "AUTHORIZED") for p in o["payments"])
    ][:50]
    failed = next(o for o in b2c if o["status"] == "EXPORTFAILED")
    foreign = next(o for (channel, _), o in sorted(before.items()) if channel == "demo-b2b")
    assert len(ready) == 50
    entries = [
        Entry(
            id=o["document_no"],
            status="DELIVERED",
            line_items=[(li["position"], "DELIVERED") for li in o["line_items"]],
            payments=[(p["id"], "CAPTURED") for p in o["payments"]],
        )
        for o in ready
    ]
    entries[10:10] = [Entry(id="99999999", status="DELIVERED")]
    entries[20:20] = [Entry(id=failed["document_no"], status="DELIVERED")]
    entries[30:30] = [Entry(id=foreign["document_no"], status="DELIVERED")]
    content = status_xml(entries).encode()
    inbox = root / "import" / "demo-b2c" / "inbox"
    _deliver(inbox, "status-1.xml", content)

    result = orderio("import", "run", "erp-status", "--channel", "demo-b2c", "--json")

    assert result.code == 3, result.err
    outcome = result.json()
    assert outcome["state"] == "PARTIAL"
    assert outcome["kind"] == "import"
    assert outcome["counts"] == {
        "files": 1,
        "applied": 50,
        "unchanged": 0,
        "rejected": 3,
        "duplicates": 0,
    }
    after = _orders(orderio)
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {("demo-b2c", o["document_no"]) for o in ready}
    for o in ready:
        now = after[("demo-b2c", o["document_no"])]
        assert now["status"] == "DELIVERED"
        assert {li["status"] for li in now["line_items"]} == {"DELIVERED"}
        assert {p["status"] for p in now["payments"]} <= {"CAPTURED"}
    archive = inbox / "archive"
    assert (archive / "status-1.xml").read_bytes() == content
    report = (archive / "status-1.xml.report.txt").read_text(encoding="utf-8")
    assert "order '99999999': UNKNOWN_ORDER" in report
    assert f"order '{failed['document_no']}': NOT_HANDED_OVER" in report
    assert "EXPORTFAILED" in report
    assert f"order '{foreign['document_no']}': OTHER_CHANNEL" in report
    assert "demo-b2b" in report

    _deliver(inbox, "status-1-again.xml", content)
    again = orderio("import", "run", "erp-status", "--channel", "demo-b2c", "--json")

    assert again.code == 0, again.err
    assert again.json()["counts"] == {
        "files": 1,
        "applied": 0,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 1,
    }
    assert (archive / "status-1-again.xml").read_bytes() == content
    assert _orders(orderio) == after


def test_import_dry_run_json_and_a_missing_inbox(orderio: Any, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    assert orderio("demo", "--root", str(root), "--orders", "40").code == 0
    inbox = root / "import" / "demo-b2c" / "inbox"
    _deliver(inbox, "s.xml", status_xml([Entry(id="00000001", status="DELIVERED")]).encode())

    dry = orderio("import", "run", "erp-status", "--channel", "demo-b2c", "--dry-run", "--json")

    assert dry.code == 3, dry.err  # the order is not handed over yet: the entry would be rejected
    assert dry.json()["counts"]["rejected"] == 1
    assert (inbox / "s.xml").exists()

    shutil.rmtree(inbox)
    missing = orderio("import", "run", "erp-status", "--channel", "demo-b2c", "--json")

    assert missing.code == 1
    assert missing.json()["state"] == "FAILED"
    assert str(inbox) in missing.json()["message"]
