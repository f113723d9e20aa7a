"""`orderio-tui config dump|check|apply` (SPEC §12): plans, one transaction, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderio_tui.database import open_database

HAND_MADE = """\
[[service]]
name = "erp-out"
kind = "order-export-xml"
directory = "{root}/out"
file_prefix = "shop"

[[service]]
name = "erp-in"
kind = "order-status-import-xml"
directory = "{root}/inbox"

[[export]]
channel = "shop-de"
name = "erp-export"
service = "erp-out"
description = "New paid orders to the ERP"

[export.schedule]
mode = "interval"
every = 5
unit = "minutes"

[export.conditions]
order_statuses = ["NEW"]
fulfillment_statuses = ["NEW", "INPROGRESS"]
payment_statuses = ["AUTHORIZED", "CAPTURED"]
customer_types = ["PRIVATE"]
gross_min = "10.00"
min_age_minutes = 15

[[import]]
channel = "shop-de"
name = "erp-status"
service = "erp-in"
"""


@pytest.fixture
def shop(orderio, tmp_path: Path) -> Path:
    """A database with channel shop-de and a hand-written file for it; returns the file."""
    for directory in ("out", "inbox"):
        (tmp_path / directory).mkdir()
    assert orderio("channel", "add", "shop-de", "--currency", "EUR", "--locale", "de_DE").code == 0
    path = tmp_path / "orderio.toml"
    path.write_text(HAND_MADE.format(root=tmp_path))
    return path


def test_a_hand_written_file_is_checked_planned_applied_and_then_has_0_changes(
    orderio, shop: Path
) -> None:
    checked = orderio("config", "check", str(shop))
    assert checked.code == 0, checked.err
    dry = orderio("config", "apply", str(shop), "--dry-run")
    assert dry.code == 0, dry.err
    assert "+ export shop-de/erp-export" in dry.out
    assert "4 to add, 0 to change, 0 to delete." in dry.out
    assert orderio("export", "list", "--json").json() == []

    applied = orderio("config", "apply", str(shop))
    assert applied.code == 0, applied.err
    assert applied.out.startswith(dry.out.split("Dry run")[0])
    [export] = orderio("export", "list", "--json").json()
    assert export["schedule"]["mode"] == "interval"
    assert (export["schedule"]["every"], export["schedule"]["unit"]) == (5, "minutes")
    assert [i["name"] for i in orderio("import", "list", "--json").json()] == ["erp-status"]

    again = orderio("config", "apply", str(shop))
    assert again.code == 0
    assert again.out.strip().endswith("0 changes.")
    assert "= export shop-de/erp-export" in again.out


def _round_trip(orderio, first_db: str, second_db: str, tmp_path: Path) -> tuple[str, str]:
    dumped = orderio("config", "dump", db=first_db)
    assert dumped.code == 0, dumped.err
    path = tmp_path / "dumped.toml"
    path.write_text(dumped.out)
    applied = orderio("config", "apply", str(path), db=second_db)
    assert applied.code == 0, applied.err
    return dumped.out, orderio("config", "dump", db=second_db).out


def test_dump_apply_dump_gives_the_same_text_for_a_hand_made_setup(
    orderio, shop: Path, tmp_path: Path, db_url: str
) -> None:
    assert orderio("config", "apply", str(shop)).code == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    first, second = _round_trip(orderio, db_url, other, tmp_path)
    assert 'gross_min = "10.00"' in first
    assert first == second


def test_dump_apply_dump_gives_the_same_text_for_the_demo(
    demo_300, tmp_path: Path, db_url: str
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    first, second = _round_trip(demo_300, db_url, other, tmp_path)
    assert first.count("[[export]]") == 4
    assert first == second


def test_four_problems_on_four_lines_are_all_reported_and_nothing_changes(
    orderio, shop: Path, tmp_path: Path
) -> None:
    text = shop.read_text()
    text = text.replace("every = 5", "every = -5")
    text = text.replace('order_statuses = ["NEW"]', 'order_statuses = ["NEW", "SHIPPED"]')
    text = text.replace(f'directory = "{tmp_path}/inbox"', f'directory = "{tmp_path}/missing"')
    text = text.replace('file_prefix = "shop"', 'file_prefix = "shop"\nfile_prefx = "x"')
    shop.write_text(text)
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if fragment in line)

    result = orderio("config", "apply", str(shop))
    assert result.code == 2
    problems = result.err.strip().splitlines()
    assert problems == [
        f"{shop}:{line_of('file_prefx')}: service.file_prefx: unknown key: "
        f"did you mean 'file_prefix'?",
        f"{shop}:{line_of('missing')}: service.directory: directory '{tmp_path}/missing' "
        f"does not exist: create it or choose another",
        f"{shop}:{line_of('every = -5')}: export.schedule.every: 'every' must be a whole "
        f"number of 1 or more",
        f"{shop}:{line_of('SHIPPED')}: export.conditions.order_statuses: unknown order status: "
        f"SHIPPED",
        "orderio-tui: error: 4 problems; nothing was changed",
    ]
    assert orderio("service", "list", "--json").json() == []
    assert orderio("export", "list", "--json").json() == []


def test_a_toml_syntax_error_names_its_line_and_column(orderio, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[[channel]]\nname = "shop"\ncurrency = EUR\n')
    result = orderio("config", "check", str(path))
    assert result.code == 2
    assert result.err.startswith(f"{path}:3: (TOML syntax): Invalid value at column 12")


def test_wrong_types_unknown_values_references_and_duplicates_are_named(
    orderio, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.toml"
    path.write_text(
        "[[channel]]\n"
        'name = "shop"\n'
        'timezone = "Mars/Olympus"\n'
        "\n"
        "[[channel]]\n"
        'name = "shop"\n'
        "\n"
        "[[export]]\n"
        'channel = "shop"\n'
        'name = "erp"\n'
        'service = "nowhere"\n'
        'status_updates = "yes"\n'
        "[export.schedule]\n"
        'mode = "hourly"\n'
        "\n"
        "[[import]]\n"
        'channel = "elsewhere"\n'
        'name = "status"\n'
        'service = "nowhere"\n'
    )
    result = orderio("config", "check", str(path))
    assert result.code == 2
    err = result.err
    assert f"{path}:3: channel.timezone: time zone 'Mars/Olympus' is not an IANA" in err
    assert f"{path}:6: channel.name: duplicate: channel shop is already defined at line 2" in err
    assert f"{path}:11: export.service: service 'nowhere' does not exist" in err
    assert f"{path}:12: export.status_updates: must be true or false, not string" in err
    assert f"{path}:14: export.schedule.mode: unknown value 'hourly': use one of manual" in err
    assert f"{path}:17: import.channel: unknown channel 'elsewhere'" in err


def test_an_update_prints_the_changed_keys_and_keeps_the_run_history(
    demo_300, tmp_path: Path
) -> None:
    assert demo_300("export", "run", "erp-export", "--channel", "demo-b2c").code in (0, 3)
    text = demo_300("config", "dump", "--channel", "demo-b2c").out
    changed = text.replace(
        'description = "New orders to the ERP; marks them EXPORTED."',
        'description = "New orders to the ERP"',
        1,
    ).replace('mode = "manual"', 'mode = "interval"\nevery = 2\nunit = "hours"', 1)
    path = tmp_path / "changed.toml"
    path.write_text(changed)
    result = demo_300("config", "apply", str(path))
    assert result.code == 0, result.err
    assert "~ export demo-b2c/bi-export" in result.out
    assert '    schedule.mode: "manual" → "interval"' in result.out
    assert "    schedule.every: (not set) → 2" in result.out
    assert "= export demo-b2c/erp-export" not in result.out
    assert "0 to add, 2 to change, 0 to delete." in result.out
    assert "Not in the file, left alone (--prune deletes them):" in result.out
    assert "    export demo-b2b/erp-export" in result.out
    runs = demo_300("runs", "--config", "erp-export", "--channel", "demo-b2c", "--json").json()
    assert len(runs) == 1


def test_prune_deletes_what_the_file_does_not_name(orderio, shop: Path) -> None:
    assert orderio("config", "apply", str(shop)).code == 0
    text = shop.read_text()
    shop.write_text(text[: text.index("[[import]]")])
    kept = orderio("config", "apply", str(shop))
    assert "    import shop-de/erp-status" in kept.out
    assert [i["name"] for i in orderio("import", "list", "--json").json()] == ["erp-status"]
    pruned = orderio("config", "apply", str(shop), "--prune")
    assert pruned.code == 0, pruned.err
    assert "- import shop-de/erp-status" in pruned.out
    assert "= service erp-in" in pruned.out
    assert "- channel shop-de" not in pruned.out
    assert orderio("import", "list", "--json").json() == []


def test_prune_refuses_to_delete_a_channel_with_orders_and_changes_nothing(
    demo_300, tmp_path: Path
) -> None:
    path = tmp_path / "b2c.toml"
    path.write_text(demo_300("config", "dump", "--channel", "demo-b2c").out)
    result = demo_300("config", "apply", str(path), "--prune")
    assert result.code == 2
    assert f"{path}: channel demo-b2b: not in the file, but --prune cannot delete it" in result.err
    assert len(demo_300("export", "list", "--channel", "demo-b2b", "--json").json()) == 2


def test_apply_json_prints_the_plan(orderio, shop: Path) -> None:
    result = orderio("config", "apply", str(shop), "--json", "--dry-run")
    assert result.code == 0, result.err
    plan = result.json()
    assert (plan["add"], plan["change"], plan["delete"]) == (4, 0, 0)
    assert plan["applied"] is False
    assert {"action": "create", "what": "service", "name": "erp-in", "changed": {}} in plan[
        "changes"
    ]


def test_dump_with_a_channel_holds_only_it_and_the_services_it_uses(demo_300) -> None:
    text = demo_300("config", "dump", "--channel", "demo-b2b").out
    assert 'name = "demo-b2b"' in text
    assert 'channel = "demo-b2c"' not in text
    assert text.count("[[service]]") == 4  # export, BI export, status import, intake
    assert text.count("[[intake]]") == 1 and 'service = "shop-intake-b2b"' in text


def test_dump_to_a_file_writes_the_same_text(demo_300, tmp_path: Path) -> None:
    target = tmp_path / "setup.toml"
    assert demo_300("config", "dump", "-o", str(target)).code == 0
    assert target.read_text() == demo_300("config", "dump").out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".setup")] == []


def test_an_applied_file_is_one_transaction(orderio, shop: Path, db_url: str) -> None:
    text = shop.read_text() + '\n[[import]]\nchannel = "shop-de"\nname = "x"\nservice = "erp-out"\n'
    shop.write_text(text)
    result = orderio("config", "apply", str(shop))
    assert result.code == 2
    assert "is a order-export-xml service: pick a status import service" in result.err
    db = open_database(db_url)
    try:
        from orderio_tui.application.services import list_services

        assert list_services(db) == []
    finally:
        db.dispose()


def test_apply_json_reports_the_problems_as_json_too(orderio, shop: Path) -> None:
    shop.write_text(shop.read_text().replace("every = 5", "every = 0"))
    result = orderio("config", "apply", str(shop), "--json")
    assert result.code == 2
    report = result.json()
    assert report["exit"] == 2
    assert report["error"] == "1 problem; nothing was changed"
    [problem] = report["problems"]
    assert problem["key"] == "export.schedule.every"
    assert problem["line"] == shop.read_text().splitlines().index("every = 0") + 1


def test_dump_into_a_missing_directory_exits_2_naming_it(demo_300, tmp_path: Path) -> None:
    result = demo_300("config", "dump", "-o", str(tmp_path / "nowhere" / "setup.toml"))
    assert result.code == 2
    assert f"directory '{tmp_path / 'nowhere'}' does not exist" in result.err


def test_a_file_without_history_leaves_it_and_prune_resets_it_to_the_defaults(
    orderio, shop: Path
) -> None:
    text = shop.read_text()
    shop.write_text("[history]\nrun_retention_days = 30\n\n" + text)
    changed = orderio("config", "apply", str(shop))
    assert "~ history of runs\n    run_retention_days: 90 → 30" in changed.out
    shop.write_text(text)
    kept = orderio("config", "apply", str(shop))
    assert "0 changes." in kept.out and "    history (run retention)" in kept.out
    assert "run_retention_days = 30 " in orderio("config", "dump").out
    pruned = orderio("config", "apply", str(shop), "--prune")
    assert "~ history of runs\n    run_retention_days: 30 → 90" in pruned.out
    assert "run_retention_days = 90 " in orderio("config", "dump").out
