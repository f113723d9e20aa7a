"""The command line of SPEC §10: output shapes, exit codes, one-line errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def test_export_list_shows_both_demo_configurations(demo_300) -> None:
    result = demo_300("export", "list", "--channel", "demo-b2c", "--json")
    assert result.code == 0
    rows = {row["name"]: row for row in result.json()}
    assert set(rows) == {"erp-export", "bi-export"}
    assert rows["erp-export"]["status_updates"] is True
    assert rows["bi-export"]["status_updates"] is False
    for row in rows.values():
        assert row["type"]
        assert row["channel"] == "demo-b2c"
        assert row["schedule"]["mode"] == "manual"


def test_import_list_shows_the_status_import(demo_300) -> None:
    result = demo_300("import", "list", "--channel", "demo-b2c", "--json")
    assert result.code == 0
    assert [row["name"] for row in result.json()] == ["erp-status"]


def test_orders_json_has_the_spec_shape_and_most_orders_are_new(demo_300) -> None:
    result = demo_300("orders", "--channel", "demo-b2c", "--json")
    assert result.code == 0
    orders = result.json()
    assert orders
    for order in orders:
        assert set(order) == {
            "document_no",
            "channel",
            "status",
            "line_items",
            "payments",
            "to_be_deleted",
        }
        assert order["channel"] == "demo-b2c"
        assert 1 <= len(order["line_items"]) <= 5
        assert set(order["line_items"][0]) == {"position", "status"}
        assert set(order["payments"][0]) == {"id", "status"}
    statuses = Counter(order["status"] for order in orders)
    assert statuses.most_common(1)[0][0] == "NEW"
    assert statuses["NEW"] > len(orders) / 2


def test_orders_filter_by_status(demo_300) -> None:
    result = demo_300("orders", "--status", "cancelled", "--json")
    assert result.code == 0
    assert {o["status"] for o in result.json()} <= {"CANCELLED"}


def test_order_shows_one_order_with_its_history(demo_300) -> None:
    document_no = demo_300("orders", "--channel", "demo-b2b", "--json").json()[0]["document_no"]
    result = demo_300("order", document_no, "--json")
    assert result.code == 0
    detail = result.json()
    assert detail["document_no"] == document_no
    assert detail["channel"] == "demo-b2b"
    assert detail["history"], "the demo writes a creation history row"
    text = demo_300("order", document_no)
    assert text.code == 0
    assert f"Order {document_no} (demo-b2b)" in text.out


def test_an_unknown_order_exits_2_with_one_line(demo_300) -> None:
    result = demo_300("order", "99999999")
    assert result.code == 2
    assert result.err.strip().count("\n") == 0
    assert "order '99999999' does not exist" in result.err


def test_a_name_in_two_channels_needs_a_channel(demo_300) -> None:
    result = demo_300("export", "run", "erp-export", "--json")
    assert result.code == 2
    assert "demo-b2b, demo-b2c" in result.err
    assert "--channel" in result.err


def test_schedule_is_visible_in_the_list(demo_300) -> None:
    result = demo_300(
        "export", "schedule", "erp-export", "--channel", "demo-b2c", "--every", "5", "--unit",
        "minutes",
    )  # fmt: skip
    assert result.code == 0, result.err
    rows = {
        r["name"]: r
        for r in demo_300("export", "list", "--json").json()
        if r["channel"] == "demo-b2c"
    }
    schedule = rows["erp-export"]["schedule"]
    assert (schedule["mode"], schedule["every"], schedule["unit"]) == ("interval", 5, "minutes")
    assert rows["erp-export"]["next_run_at"] is not None
    back = demo_300("export", "schedule", "erp-export", "--channel", "demo-b2c", "--manual")
    assert back.code == 0
    rows = {
        r["name"]: r for r in demo_300("export", "list", "--channel", "demo-b2c", "--json").json()
    }
    assert rows["erp-export"]["schedule"]["mode"] == "manual"


def test_import_schedule_with_time_of_day(demo_300) -> None:
    result = demo_300(
        "import", "schedule", "erp-status", "--channel", "demo-b2b", "--every", "1", "--unit",
        "days", "--at", "02:30", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.json()["schedule"]["at"] == "02:30"


def test_bad_schedules_exit_2_with_a_clear_message(demo_300) -> None:
    base = ("export", "schedule", "erp-export", "--channel", "demo-b2c")
    zero = demo_300(*base, "--every", "0", "--unit", "minutes")
    assert zero.code == 2
    assert "Invalid value for '--every': 0 is not in the range 1<=x" in zero.err
    late = demo_300(*base, "--every", "1", "--unit", "days", "--at", "25:00")
    assert late.code == 2
    assert "'25:00' is not a valid HH:MM" in late.err
    unknown = demo_300("export", "schedule", "nope", "--every", "5", "--unit", "minutes")
    assert unknown.code == 2
    assert "export configuration 'nope' does not exist" in unknown.err
    neither = demo_300(*base)
    assert neither.code == 2
    assert "--every N --unit UNIT" in neither.err
    for result in (zero, late, unknown, neither):
        assert "Traceback" not in result.err
        assert result.err.strip().count("\n") == 0


def test_demo_refuses_a_non_empty_database(demo_300, demo_root: Path) -> None:
    result = demo_300("demo", "--root", str(demo_root), "--orders", "10")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert result.err.strip().count("\n") == 0


def test_runs_is_empty_on_a_fresh_demo(demo_300) -> None:
    result = demo_300("runs", "--json")
    assert result.code == 0
    assert result.json() == []


def test_a_db_in_a_missing_directory_exits_2_with_one_line(orderio, tmp_path: Path) -> None:
    result = orderio("orders", db=f"sqlite:///{tmp_path / 'missing' / 'o.db'}")
    assert result.code == 2
    assert "does not exist" in result.err
    assert "Traceback" not in result.err
    assert result.err.strip().count("\n") == 0


def test_a_db_that_is_not_a_database_exits_2_with_one_line(orderio, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("shopping list\n" * 500)
    result = orderio("export", "list", db=f"sqlite:///{junk}")
    assert result.code == 2
    assert "not an orderio database" in result.err
    assert "Traceback" not in result.err
    assert result.err.strip().count("\n") == 0


def test_the_environment_variable_chooses_the_database(orderio, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ORDERIO_DB", f"sqlite:///{tmp_path / 'env.db'}")
    assert orderio("demo", "--root", str(tmp_path / "root"), "--orders", "3", db=None).code == 0
    result = orderio("runs", "--json", db=None)
    assert result.code == 0
    assert (tmp_path / "env.db").exists()


def test_usage_errors_exit_2(orderio) -> None:
    assert orderio("orders", "--status", "NOPE").code == 2
    assert orderio("no-such-command").code == 2
