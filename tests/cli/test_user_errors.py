"""Whatever a user types on the command line ends as a result or one clear line (SPEC §10, §17)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from orderio_tui.database import open_database


def _one_line(result) -> None:
    assert "Traceback" not in result.err
    assert result.err.strip().count("\n") == 0, result.err


def _set_by_sql(db_url: str, statement: str) -> None:
    db = open_database(db_url)
    try:
        with db.write() as session:
            session.execute(text(statement))
    finally:
        db.dispose()


SCHEDULE = ("export", "schedule", "erp-export", "--channel", "demo-b2c")


@pytest.mark.parametrize("every", ["9999999999999999", "99999999999999999999", str(10**30)])
@pytest.mark.parametrize("kind", ["export", "import"])
def test_a_huge_every_exits_2_with_one_line_and_stores_nothing(demo_300, kind, every) -> None:
    name = "erp-export" if kind == "export" else "erp-status"
    result = demo_300(
        kind, "schedule", name, "--channel", "demo-b2c", "--every", every, "--unit", "minutes"
    )
    assert result.code == 2
    _one_line(result)
    assert "every" in result.err
    listed = demo_300(kind, "list", "--channel", "demo-b2c", "--json")
    assert listed.code == 0
    assert all(row["schedule"]["mode"] == "manual" for row in listed.json())


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("schedule_every", "1000000000"),
        ("schedule_unit", "'fortnights'"),
        ("schedule_mode", "'sometimes'"),
        ("schedule_at", "'99:99'"),
    ],
)
def test_an_unschedulable_stored_value_shows_that_configuration_as_broken(
    demo_300, db_url: str, column: str, value: str
) -> None:
    _set_by_sql(
        db_url,
        "UPDATE export_configurations SET schedule_mode = 'interval', schedule_every = 1, "
        "schedule_unit = 'days', schedule_enabled = true WHERE name = 'erp-export'",
    )
    _set_by_sql(
        db_url, f"UPDATE export_configurations SET {column} = {value} WHERE name = 'erp-export'"
    )
    listed = demo_300("export", "list", "--json")
    assert listed.code == 0, listed.err
    rows = listed.json()
    assert sorted(row["name"] for row in rows) == ["bi-export"] * 2 + ["erp-export"] * 2
    for row in rows:
        broken = row["name"] == "erp-export"
        assert bool(row["problem"]) is broken, row
        assert broken or row["problem"] is None
    assert all(row["next_run_at"] is None for row in rows if row["problem"])
    table = demo_300("export", "list", "--channel", "demo-b2c")
    assert table.code == 0, table.err
    assert "broken" in table.out
    assert "erp-export" in table.out and "bi-export" in table.out


def test_a_broken_configuration_leaves_the_others_listed_as_they_are(demo_300, db_url: str) -> None:
    _set_by_sql(
        db_url,
        "UPDATE import_configurations SET schedule_mode = 'interval', schedule_unit = 'fortnights'"
        ", schedule_every = 1 WHERE channel_id = (SELECT id FROM channels WHERE name = 'demo-b2c')",
    )
    rows = {(r["channel"], r["name"]): r for r in demo_300("import", "list", "--json").json()}
    assert "fortnights" in rows[("demo-b2c", "erp-status")]["problem"]
    assert rows[("demo-b2b", "erp-status")]["problem"] is None


def test_runs_of_an_unknown_configuration_exit_2(demo_300) -> None:
    result = demo_300("runs", "--config", "nope")
    assert result.code == 2
    _one_line(result)
    assert "'nope'" in result.err
    assert demo_300("runs", "--config", "erp-export").code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("export", "run", "nope"),
        ("import", "list", "--channel", "nope"),
        ("orders", "--channel", "nope"),
        ("order", "99999999"),
        ("runs", "--config", "nope"),
        ("export", "schedule", "nope", "--manual"),
        ("orders", "--limit", "9223372036854775808"),
        ("orders", "--status", "NOPE"),
        ("no-such-command",),
    ],
)
def test_with_json_errors_are_json_on_stdout_and_the_same_line_on_stderr(demo_300, args) -> None:
    result = demo_300(*args, "--json")
    assert result.code == 2
    document = result.json()
    assert set(document) == {"error", "exit"}
    assert document["exit"] == 2
    assert document["error"]
    assert result.err.strip() == result.out.strip()
    _one_line(result)


def test_an_unknown_export_run_with_json_is_the_acceptance_shape(demo_300) -> None:
    result = demo_300("export", "run", "nope", "--json")
    assert result.code == 2
    assert json.loads(result.out) == {"error": result.json()["error"], "exit": 2}
    assert "export configuration 'nope' does not exist" in result.json()["error"]


@pytest.mark.parametrize(
    "args",
    [
        ("orders", "--limit", "9223372036854775808"),
        ("runs", "--limit", "9223372036854775808"),
        ("runs", "--limit", "0"),
        ("orders", "--channel", "\udcff"),
        ("runs", "--config", "\udcff"),
        ("order", "\udcff"),
        ("export", "run", "erp-\udcff"),
        ("export", "schedule", "erp-export", "--every", str(10**30), "--unit", "seconds"),
        ("scheduler", "--duration", "nan"),
        ("scheduler", "--duration", "inf"),
        ("scheduler", "--duration", "-1"),
        ("demo", "--root", "/tmp/x", "--orders", "9223372036854775808"),
        ("--db", "sqlite:////tmp/\udcff.db", "orders"),
    ],
)
def test_out_of_range_values_exit_2_with_one_line(demo_300, args) -> None:
    result = demo_300(*args)
    assert result.code == 2, result.err
    _one_line(result)
    assert result.err.startswith("orderio-tui: error: ")


def test_a_mysql_url_is_told_which_databases_are_supported(orderio) -> None:
    result = orderio("orders", db="mysql://user@localhost/shop")
    assert result.code == 2
    _one_line(result)
    assert "only SQLite and PostgreSQL are supported" in result.err
    assert "install" not in result.err


@pytest.mark.parametrize(
    "args",
    [
        ("orders",),
        ("order", "1"),
        ("runs",),
        ("export", "list"),
        ("import", "list"),
        ("export", "run", "erp-export"),
        ("recover",),
    ],
)
def test_reading_commands_do_not_create_a_missing_database(orderio, tmp_path: Path, args) -> None:
    typo = tmp_path / "ordreio.db"
    result = orderio(*args, db=f"sqlite:///{typo}")
    assert result.code == 2
    _one_line(result)
    assert str(typo) in result.err
    assert not typo.exists()


def test_a_new_database_is_announced_once_on_stderr(orderio, tmp_path: Path) -> None:
    new = tmp_path / "new.db"
    first = orderio(
        "demo", "--root", str(tmp_path / "root"), "--orders", "5", db=f"sqlite:///{new}"
    )
    assert first.code == 0, first.err
    assert first.err.count(f"created new database at {new}") == 1
    again = orderio("orders", db=f"sqlite:///{new}")
    assert again.code == 0
    assert "created new database" not in again.err


def test_a_run_prints_each_warning_once(demo_300, db_url: str) -> None:
    # The console script in its own process, with the logging it configures for itself.
    command = [sys.executable, "-m", "orderio_tui", "--db", db_url, "export", "run", "erp-export"]
    result = subprocess.run(
        [*command, "--channel", "demo-b2c"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode in (0, 3), result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert warnings, "the demo has orders that fail validation"
    left_out = [line.split("left out:", 1)[0].split()[-1] for line in warnings]
    assert len(left_out) == len(set(left_out)), warnings
