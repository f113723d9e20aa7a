"""`[[alert]]` tables of the configuration file (SPEC §12, §16): checked, planned, applied in the
same transaction, dumped stably, pruned."""

from __future__ import annotations

from pathlib import Path

import pytest

ALERTS = """\
[[alert]]
name = "ops"
on = ["failed", "partial"]
channel = "demo-b2c"
webhook_url = "https://hooks.shop.example/orderio"
secret_env = "ORDERIO_ALERT_SECRET"

[[alert]]
name = "night"
on = ["failed", "scheduler-silent"]
silent_minutes = 15
configurations = ["erp-export"]
smtp_host = "mail.shop.example"
smtp_user = "orderio"
password_env = "ORDERIO_SMTP_PASSWORD"
from = "orderio@shop.example"
to = ["ops@shop.example", "erp@shop.example"]
"""


@pytest.fixture
def alerts_file(demo_300, tmp_path: Path) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(ALERTS)
    return path


def test_every_problem_of_an_alert_is_reported_at_its_line_and_nothing_changes(
    demo_300, tmp_path: Path
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        "[[alert]]\n"  # 1
        'name = "mail"\n'  # 2
        'on = ["failed", "sometimes"]\n'  # 3
        "silent_minutes = 0\n"  # 4
        'configurations = ["erp-exprot"]\n'  # 5
        'smtp_host = "mail.shop.example"\n'  # 6
        'smtp_user = "orderio"\n'  # 7
        'from = "nobody"\n'  # 8
        'to = ["ops@shop.example"]\n'  # 9
        "smtp_prot = 25\n"  # 10
        "[[alert]]\n"  # 11
        'name = "hook"\n'  # 12
        'on = ["failed"]\n'  # 13
        'channel = "demo-b2x"\n'  # 14
        'webhook_url = "ftp://hooks"\n'  # 15
    )
    checked = demo_300("config", "check", str(path))
    assert checked.code == 2
    assert checked.err.splitlines() == [
        f"{path}:1: alert.password_env: name the environment variable holding the SMTP password",
        f"{path}:3: alert.on: unknown event 'sometimes'; use failed, partial, overdue, "
        "scheduler-silent",
        f"{path}:4: alert.silent_minutes: a whole number of minutes from 1 to 10080",
        f"{path}:5: alert.configurations: no configuration named erp-exprot: check the names",
        f"{path}:8: alert.from: the sender's e-mail address, e.g. orderio@shop.example",
        f"{path}:10: alert.smtp_prot: unknown key: did you mean 'smtp_port'?",
        f"{path}:11: alert.secret_env: name the environment variable that holds the HMAC secret",
        f"{path}:14: alert.channel: channel 'demo-b2x' does not exist: create it first or use "
        "one of: demo-b2b, demo-b2c",
        f"{path}:15: alert.webhook_url: an http:// or https:// address, e.g. https://hooks/x",
        "orderio-tui: error: 9 problems; nothing was changed",
    ]
    assert demo_300("alerts", "list", "--json").json() == []


def test_alerts_are_planned_applied_and_unchanged_when_applied_again(
    demo_300, alerts_file: Path
) -> None:
    dry = demo_300("config", "apply", str(alerts_file), "--dry-run")
    assert dry.code == 0, dry.err
    assert "+ alert ops\n+ alert night\n" in dry.out
    assert "2 to add, 0 to change, 0 to delete." in dry.out
    assert demo_300("alerts", "list", "--json").json() == []

    assert demo_300("config", "apply", str(alerts_file)).code == 0
    listed = {a["name"]: a for a in demo_300("alerts", "list", "--json").json()}
    assert listed["ops"]["on"] == ["failed", "partial"]
    assert listed["ops"]["channel"] == "demo-b2c"
    assert listed["night"]["destinations"] == [
        "e-mail ops@shop.example, erp@shop.example via mail.shop.example:587"
    ]
    assert listed["night"]["configurations"] == ["erp-export"]

    again = demo_300("config", "apply", str(alerts_file))
    assert "= alert ops\n= alert night\n" in again.out
    assert again.out.strip().endswith("0 changes.")

    alerts_file.write_text(ALERTS.replace("silent_minutes = 15", "silent_minutes = 30"))
    changed = demo_300("config", "apply", str(alerts_file))
    assert "~ alert night\n    silent_minutes: 15 → 30\n" in changed.out
    assert "0 to add, 1 to change, 0 to delete." in changed.out


def test_dump_apply_dump_gives_the_same_text_with_alerts(
    demo_300, alerts_file: Path, tmp_path: Path, db_url: str
) -> None:
    assert demo_300("config", "apply", str(alerts_file)).code == 0
    first = demo_300("config", "dump")
    assert first.out.count("[[alert]]") == 2
    assert "smtp_starttls = true" in first.out
    dumped = tmp_path / "dumped.toml"
    dumped.write_text(first.out)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert demo_300("config", "apply", str(dumped), db=other).code == 0
    assert demo_300("config", "dump", db=other).out == first.out
    # With --channel: only the alerts bound to that channel.
    only = demo_300("config", "dump", "--channel", "demo-b2c").out
    assert 'name = "ops"' in only and 'name = "night"' not in only


def test_prune_deletes_the_alerts_the_file_does_not_name(
    demo_300, alerts_file: Path, tmp_path: Path
) -> None:
    assert demo_300("config", "apply", str(alerts_file)).code == 0
    whole = tmp_path / "whole.toml"
    whole.write_text(demo_300("config", "dump").out.split("[[alert]]")[0])
    kept = demo_300("config", "apply", str(whole))
    assert "    alert night\n    alert ops\n" in kept.out  # left alone without --prune
    pruned = demo_300("config", "apply", str(whole), "--prune")
    assert pruned.code == 0, pruned.err
    assert "- alert night\n- alert ops\n" in pruned.out
    assert demo_300("alerts", "list", "--json").json() == []


def test_an_alert_is_applied_in_the_same_transaction_as_the_rest(
    demo_300, alerts_file: Path, tmp_path: Path
) -> None:
    text = ALERTS + '\n[[channel]]\nname = "shop-at"\ncurrency = "EURO"\n'
    alerts_file.write_text(text)
    refused = demo_300("config", "apply", str(alerts_file))
    assert refused.code == 2
    assert "channel.currency" in refused.err
    assert demo_300("alerts", "list", "--json").json() == []
