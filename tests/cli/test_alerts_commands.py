"""`orderio-tui alerts list|test|check` and the acceptance of SPEC §16's alerts, on the command
line, with alerts created by `config apply` and real local webhook and SMTP servers."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alerts.alert_servers import SmtpReceiver, WebhookReceiver
from sqlalchemy import update

from orderio_tui.database import open_database
from orderio_tui.domain.models import ExportConfiguration, utcnow

SECRET = "cli-s3cret"
SECRET_ENV = "ORDERIO_TEST_ALERT_SECRET"
SIGNATURE = "x-orderio-signature"


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def _apply(orderio, tmp_path: Path, text: str) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(text)
    applied = orderio("config", "apply", str(path))
    assert applied.code == 0, applied.err


def _webhook_alert(url: str, on: str = '["failed"]') -> str:
    return (
        f'[[alert]]\nname = "ops"\non = {on}\nchannel = "demo-b2c"\n'
        f'webhook_url = "{url}"\nsecret_env = "{SECRET_ENV}"\n'
    )


def _export(orderio) -> int:
    return orderio("export", "run", "erp-export", "--channel", "demo-b2c").code


def _events(receiver: WebhookReceiver) -> list[str]:
    return [json.loads(post.body)["event"] for post in receiver.posts]


def _verifies(body: bytes, header: str, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_two_failed_runs_give_one_signed_notice_and_a_good_run_one_resolved(
    demo_300, demo_root: Path, tmp_path: Path, webhook: WebhookReceiver, monkeypatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    _apply(demo_300, tmp_path, _webhook_alert(webhook.url))
    shutil.rmtree(demo_root / "export")
    assert _export(demo_300) == 1
    assert _export(demo_300) == 1
    assert _events(webhook) == ["failed"]
    post = webhook.posts[0]
    assert _verifies(post.body, post.headers[SIGNATURE], SECRET)
    assert not _verifies(post.body, post.headers[SIGNATURE], "another secret")
    notice = json.loads(post.body)
    assert (notice["alert"], notice["config"], notice["state"]) == ("ops", "erp-export", "FAILED")

    (demo_root / "export").mkdir()
    assert _export(demo_300) in (0, 3)
    assert _events(webhook) == ["failed", "resolved"]
    resolved = webhook.posts[1]
    assert _verifies(resolved.body, resolved.headers[SIGNATURE], SECRET)
    assert json.loads(resolved.body)["resolves"] == "failed"


def test_the_same_by_starttls_mail_with_the_alert_from_config_apply(
    demo_300, demo_root: Path, tmp_path: Path, monkeypatch
) -> None:
    smtp = SmtpReceiver(tmp_path, "alerts", "mail-pass").start()
    try:
        monkeypatch.setenv("ORDERIO_TEST_SMTP_PASSWORD", "mail-pass")
        _apply(
            demo_300,
            tmp_path,
            '[[alert]]\nname = "mail"\non = ["failed"]\nconfigurations = ["erp-export"]\n'
            f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nsmtp_user = "alerts"\n'
            f'password_env = "ORDERIO_TEST_SMTP_PASSWORD"\nsmtp_ca_file = "{smtp.cert}"\n'
            'from = "orderio@shop.example"\nto = ["ops@shop.example"]\n',
        )
        shutil.rmtree(demo_root / "export")
        assert _export(demo_300) == 1
        assert _export(demo_300) == 1
        assert len(smtp.mailbox.messages) == 1
        (demo_root / "export").mkdir()
        assert _export(demo_300) in (0, 3)
        subjects = [message["Subject"] for message in smtp.mailbox.messages]
        assert len(subjects) == 2
        assert subjects[0].startswith("[orderio] FAILED: export demo-b2c/erp-export run ")
        assert subjects[1].startswith("[orderio] RESOLVED: export demo-b2c/erp-export run ")
        assert smtp.mailbox.envelopes[0] == ("orderio@shop.example", ["ops@shop.example"])

        tested = demo_300("alerts", "test", "mail")
        assert tested.out == "email ops@shop.example: delivered\n"
        assert smtp.mailbox.messages[2]["Subject"] == "[orderio] TEST: alert mail"
    finally:
        smtp.stop()


def test_alerts_list_shows_open_incidents_and_what_could_not_be_delivered(
    demo_300, demo_root: Path, tmp_path: Path, webhook: WebhookReceiver, monkeypatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    _apply(demo_300, tmp_path, _webhook_alert(webhook.url))
    webhook.status = 500
    shutil.rmtree(demo_root / "export")
    assert _export(demo_300) == 1
    [alert] = demo_300("alerts", "list", "--json").json()
    assert alert["on"] == ["failed"]
    assert alert["destinations"] == [f"webhook {webhook.url}"]
    [incident] = alert["open_incidents"]
    assert (incident["event"], incident["subject"]) == ("failed", "export demo-b2c/erp-export")
    [notice] = alert["undelivered"]
    assert (notice["event"], notice["target"], notice["attempts"]) == ("failed", "webhook", 1)
    assert alert["last_error"] == f"webhook {webhook.url} answered HTTP 500"

    text = demo_300("alerts", "list").out
    assert "ops" in text and "demo-b2c: all configurations" in text
    assert "ops: open failed incident of export demo-b2c/erp-export since " in text
    assert "not delivered after 1 attempt(s), next try " in text
    empty = f"sqlite:///{tmp_path / 'e.db'}"
    open_database(empty).dispose()
    assert demo_300("alerts", "list", "--json", db=empty).json() == []


def test_alerts_test_sends_a_signed_test_notice_or_names_the_failure(
    demo_300, tmp_path: Path, webhook: WebhookReceiver, monkeypatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    _apply(demo_300, tmp_path, _webhook_alert(webhook.url))
    sent = demo_300("alerts", "test", "ops")
    assert sent.code == 0, sent.err
    assert sent.out == f"webhook {webhook.url}: delivered\n"
    [post] = webhook.posts
    assert json.loads(post.body)["event"] == "test"
    assert _verifies(post.body, post.headers[SIGNATURE], SECRET)

    monkeypatch.delenv(SECRET_ENV)
    failed = demo_300("alerts", "test", "ops", "--json")
    assert failed.code == 1
    assert failed.json()["deliveries"] == [
        {
            "target": "webhook",
            "destination": webhook.url,
            "ok": False,
            "error": f"environment variable {SECRET_ENV} (webhook secret) is not set",
        }
    ]
    assert len(webhook.posts) == 1
    assert demo_300("alerts", "list", "--json").json()[0]["undelivered"] == []  # not stored

    unknown = demo_300("alerts", "test", "opps")
    assert unknown.code == 2
    assert unknown.err == "orderio-tui: error: alert 'opps' does not exist: one of: ops\n"


def test_alerts_check_reports_an_overdue_schedule_once_for_cron(
    demo_300, tmp_path: Path, webhook: WebhookReceiver, monkeypatch, db_url: str
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    _apply(demo_300, tmp_path, _webhook_alert(webhook.url, on='["overdue"]'))
    scheduled = demo_300(
        "export", "schedule", "erp-export", "--channel", "demo-b2c", "--every", "1", "--unit",
        "minutes",
    )  # fmt: skip
    assert scheduled.code == 0, scheduled.err
    db = open_database(db_url)
    try:
        with db.write() as session:
            session.execute(
                update(ExportConfiguration)
                .where(ExportConfiguration.name == "erp-export")
                .values(updated_at=utcnow() - timedelta(minutes=5))
            )
    finally:
        db.dispose()
    checked = demo_300("alerts", "check", "--json")
    assert checked.code == 0, checked.err
    assert checked.json() == {"opened": 1, "delivered": 1, "retrying": 0, "abandoned": 0}
    assert _events(webhook) == ["overdue"]
    again = demo_300("alerts", "check")
    assert again.out == "0 new notice(s); delivered 0, retrying 0, given up 0\n"
    assert _events(webhook) == ["overdue"]
