"""`orderio-tui audit` (SPEC §16): changes made on the command line and by `config apply` are in
the trail, an unchanged apply adds nothing, and `--json` has the documented shape."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path

import pytest

FILE = """\
[[channel]]
name = "shop-de"
timezone = "Europe/Berlin"

[[service]]
name = "erp-out"
kind = "order-export-xml"
directory = "{root}/out"

[[export]]
channel = "shop-de"
name = "erp-export"
service = "erp-out"
description = "{description}"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    (tmp_path / "out").mkdir()
    path = tmp_path / "orderio.toml"
    path.write_text(FILE.format(root=tmp_path, description="to the ERP"))
    return path


def test_audit_json_lists_each_change_with_who_when_and_the_fields(orderio) -> None:
    assert orderio("channel", "add", "shop-de").code == 0
    assert orderio("channel", "edit", "shop-de", "--currency", "CHF").code == 0

    result = orderio("audit", "--json")
    assert result.code == 0, result.err
    edit, add = result.json()
    assert set(edit) == {"at", "user", "host", "kind", "name", "channel", "action", "changes"}
    assert (edit["user"], edit["host"]) == (getpass.getuser(), socket.gethostname())
    assert edit["at"].endswith("Z")
    assert (edit["kind"], edit["name"], edit["channel"], edit["action"]) == (
        "channel",
        "shop-de",
        "shop-de",
        "update",
    )
    assert edit["changes"] == [{"field": "currency", "before": "EUR", "after": "CHF"}]
    assert add["action"] == "create"


def test_a_config_apply_writes_one_entry_per_change_and_an_unchanged_one_none(
    orderio, config_file: Path
) -> None:
    assert orderio("config", "apply", str(config_file)).code == 0
    applied = orderio("audit", "--json").json()
    assert sorted((e["kind"], e["name"], e["action"]) for e in applied) == [
        ("channel", "shop-de", "create"),
        ("export", "erp-export", "create"),
        ("service", "erp-out", "create"),
    ]

    assert orderio("config", "apply", str(config_file)).code == 0
    assert len(orderio("audit", "--json").json()) == 3

    config_file.write_text(FILE.format(root=config_file.parent, description="to the new ERP"))
    assert orderio("config", "apply", str(config_file)).code == 0
    [change, *_] = orderio("audit", "--json").json()
    assert (change["kind"], change["action"], change["channel"]) == ("export", "update", "shop-de")
    assert change["changes"] == [
        {"field": "description", "before": "to the ERP", "after": "to the new ERP"}
    ]


def test_a_dry_run_writes_no_entry(orderio, config_file: Path) -> None:
    assert orderio("channel", "add", "other").code == 0
    assert orderio("config", "apply", str(config_file), "--dry-run").code == 0
    assert [e["name"] for e in orderio("audit", "--json").json()] == ["other"]


def test_a_schedule_command_is_recorded_and_audit_filters_by_channel_and_limit(
    orderio, config_file: Path
) -> None:
    assert orderio("config", "apply", str(config_file)).code == 0
    assert orderio("channel", "add", "other").code == 0
    scheduled = orderio("export", "schedule", "erp-export", "--every", "5", "--unit", "minutes")
    assert scheduled.code == 0, scheduled.err

    [newest] = orderio("audit", "--channel", "shop-de", "--limit", "1", "--json").json()
    assert (newest["kind"], newest["name"], newest["action"]) == ("export", "erp-export", "update")
    assert {c["field"] for c in newest["changes"]} == {
        "schedule.mode",
        "schedule.every",
        "schedule.unit",
    }
    assert {e["channel"] for e in orderio("audit", "--channel", "shop-de", "--json").json()} == {
        "shop-de"
    }
    table = orderio("audit")
    assert table.code == 0
    assert "schedule.every: (not set) → 5" in table.out
    assert orderio("audit", "--limit", "0").code == 2
