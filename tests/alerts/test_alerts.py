"""Alerts (SPEC §16): one notice per incident, a resolved notice, an outbox written with the run
end, signed webhooks and STARTTLS e-mail to real local servers, retries that never fail a run."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alert_servers import SmtpReceiver, WebhookReceiver
from sqlalchemy import select, update

from orderio_tui.alerts.delivery import SIGNATURE_HEADER, _claim, deliver_pending
from orderio_tui.alerts.incidents import check_overdue, check_scheduler_silence
from orderio_tui.alerts.settings import AlertSettings, save_alert
from orderio_tui.application.configurations import resolve_configuration, set_schedule
from orderio_tui.database import Database
from orderio_tui.demo import create_demo
from orderio_tui.domain.models import (
    AlertNotice,
    ExportConfiguration,
    SchedulerHeartbeat,
    utcnow,
)
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import RunKind, RunState, ScheduleMode, ScheduleUnit, Trigger
from orderio_tui.errors import ValidationFailed
from orderio_tui.jobs.execute import run_configuration

SECRET = "s3cret-for-tests"


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> tuple[Database, Path, int]:
    """The demo with 40 orders; the id of demo-b2c's erp-export."""
    create_demo(db, tmp_path / "demo", orders=40, seed=3)
    with db.read() as session:
        configuration = resolve_configuration(session, RunKind.EXPORT, "erp-export", "demo-b2c")
        return db, tmp_path / "demo", configuration.id


def _add_alert(db: Database, **fields: object) -> None:
    settings = AlertSettings(**{"name": "ops", "events": ("failed",), **fields})  # type: ignore[arg-type]
    with db.write() as session:
        save_alert(session, settings)


def _run(db: Database, configuration_id: int) -> RunState:
    return run_configuration(db, RunKind.EXPORT, configuration_id, trigger=Trigger.CLI).state


def _break_export_directory(root: Path) -> None:
    shutil.rmtree(root / "export")


def test_two_failures_send_one_signed_notice_and_the_next_good_run_one_resolved(
    shop: tuple[Database, Path, int], webhook: WebhookReceiver, monkeypatch
) -> None:
    db, root, configuration_id = shop
    monkeypatch.setenv("ORDERIO_TEST_ALERT_SECRET", SECRET)
    _add_alert(
        db, channel="demo-b2c", webhook_url=webhook.url, secret_env="ORDERIO_TEST_ALERT_SECRET"
    )
    _break_export_directory(root)
    assert _run(db, configuration_id) is RunState.FAILED
    assert _run(db, configuration_id) is RunState.FAILED
    assert len(webhook.posts) == 1
    post = webhook.posts[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), post.body, hashlib.sha256).hexdigest()
    assert post.headers[SIGNATURE_HEADER.lower()] == expected
    notice = json.loads(post.body)
    assert {k: notice[k] for k in ("alert", "event", "kind", "channel", "config", "state")} == {
        "alert": "ops",
        "event": "failed",
        "kind": "export",
        "channel": "demo-b2c",
        "config": "erp-export",
        "state": "FAILED",
    }
    assert isinstance(notice["run_id"], int) and notice["message"] and notice["at"].endswith("Z")

    (root / "export").mkdir()
    assert _run(db, configuration_id) in (RunState.SUCCEEDED, RunState.PARTIAL)
    assert [json.loads(p.body)["event"] for p in webhook.posts] == ["failed", "resolved"]
    assert _run(db, configuration_id) in (RunState.SUCCEEDED, RunState.PARTIAL)
    assert len(webhook.posts) == 2  # nothing more while all is well


def test_the_same_incident_goes_out_by_starttls_mail(
    shop: tuple[Database, Path, int], tmp_path: Path, monkeypatch
) -> None:
    db, root, configuration_id = shop
    smtp = SmtpReceiver(tmp_path, "alerts", "mail-pass").start()
    try:
        monkeypatch.setenv("ORDERIO_TEST_SMTP_PASSWORD", "mail-pass")
        _add_alert(
            db,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_user="alerts",
            password_env="ORDERIO_TEST_SMTP_PASSWORD",
            smtp_ca_file=str(smtp.cert),
            mail_from="orderio@shop.example",
            mail_to=("ops@shop.example", "erp@shop.example"),
        )
        _break_export_directory(root)
        _run(db, configuration_id)
        _run(db, configuration_id)
        (root / "export").mkdir()
        _run(db, configuration_id)
        subjects = [message["Subject"] for message in smtp.mailbox.messages]
        assert len(subjects) == 2
        assert subjects[0].startswith("[orderio] FAILED: export demo-b2c/erp-export run ")
        assert subjects[1].startswith("[orderio] RESOLVED: export demo-b2c/erp-export run ")
        assert smtp.mailbox.envelopes[0] == (
            "orderio@shop.example",
            ["ops@shop.example", "erp@shop.example"],
        )
    finally:
        smtp.stop()


def test_a_receiver_that_fails_never_fails_the_run_and_is_retried_later(
    shop: tuple[Database, Path, int], webhook: WebhookReceiver, monkeypatch
) -> None:
    db, root, configuration_id = shop
    monkeypatch.setenv("ORDERIO_TEST_ALERT_SECRET", SECRET)
    _add_alert(db, webhook_url=webhook.url, secret_env="ORDERIO_TEST_ALERT_SECRET")
    webhook.status = 500
    _break_export_directory(root)
    assert _run(db, configuration_id) is RunState.FAILED
    with db.read() as session:
        notice = session.scalars(select(AlertNotice)).one()
        assert notice.delivered_at is None and notice.attempts == 1
        assert "HTTP 500" in (notice.last_error or "")
        retry_at = notice.next_attempt_at
    assert retry_at > utcnow() + timedelta(seconds=20)  # backoff, not at once
    webhook.status = 200
    assert deliver_pending(db).delivered == 0  # not due yet
    report = deliver_pending(db, now=retry_at + timedelta(seconds=1))
    assert report.delivered == 1
    assert [json.loads(p.body)["event"] for p in webhook.posts] == ["failed", "failed"]
    with db.read() as session:
        assert session.scalars(select(AlertNotice)).one().delivered_at is not None


def test_a_missing_secret_is_logged_and_kept_for_a_retry(
    shop: tuple[Database, Path, int], webhook: WebhookReceiver, monkeypatch
) -> None:
    db, root, configuration_id = shop
    monkeypatch.delenv("ORDERIO_TEST_ALERT_SECRET", raising=False)
    _add_alert(db, webhook_url=webhook.url, secret_env="ORDERIO_TEST_ALERT_SECRET")
    _break_export_directory(root)
    assert _run(db, configuration_id) is RunState.FAILED
    assert webhook.posts == []
    with db.read() as session:
        notice = session.scalars(select(AlertNotice)).one()
    assert notice.last_error == (
        "environment variable ORDERIO_TEST_ALERT_SECRET (webhook secret) is not set"
    )


def test_a_notice_claimed_by_one_process_is_not_sent_by_another(
    shop: tuple[Database, Path, int], webhook: WebhookReceiver, monkeypatch
) -> None:
    db, root, configuration_id = shop
    monkeypatch.setenv("ORDERIO_TEST_ALERT_SECRET", SECRET)
    _add_alert(db, webhook_url=webhook.url, secret_env="ORDERIO_TEST_ALERT_SECRET")
    webhook.status = 503
    _break_export_directory(root)
    _run(db, configuration_id)
    with db.read() as session:
        notice = session.scalars(select(AlertNotice)).one()
    later = notice.next_attempt_at + timedelta(seconds=1)
    assert _claim(db, notice.id, later) is True
    assert _claim(db, notice.id, later) is False  # held by the first claimer
    assert deliver_pending(db, now=later).delivered == 0
    assert len(webhook.posts) == 1


def test_dry_runs_and_alerts_for_other_configurations_send_nothing(
    shop: tuple[Database, Path, int], webhook: WebhookReceiver, monkeypatch
) -> None:
    db, root, configuration_id = shop
    monkeypatch.setenv("ORDERIO_TEST_ALERT_SECRET", SECRET)
    _add_alert(
        db,
        configurations=("bi-export",),
        webhook_url=webhook.url,
        secret_env="ORDERIO_TEST_ALERT_SECRET",
    )
    _break_export_directory(root)
    run_configuration(db, RunKind.EXPORT, configuration_id, trigger=Trigger.CLI, dry_run=True)
    assert _run(db, configuration_id) is RunState.FAILED  # erp-export: not this alert's
    assert webhook.posts == []


def test_an_overdue_schedule_opens_one_incident_resolved_by_its_next_run(
    shop: tuple[Database, Path, int], webhook: WebhookReceiver, monkeypatch
) -> None:
    db, root, configuration_id = shop
    monkeypatch.setenv("ORDERIO_TEST_ALERT_SECRET", SECRET)
    _add_alert(
        db, events=("overdue",), webhook_url=webhook.url, secret_env="ORDERIO_TEST_ALERT_SECRET"
    )
    set_schedule(
        db,
        RunKind.EXPORT,
        configuration_id,
        Schedule(mode=ScheduleMode.INTERVAL, every=1, unit=ScheduleUnit.MINUTES),
    )
    with db.write() as session:
        session.execute(
            update(ExportConfiguration)
            .where(ExportConfiguration.id == configuration_id)
            .values(updated_at=utcnow() - timedelta(minutes=5))
        )
    for _ in range(2):
        with db.write() as session:
            check_overdue(session)
        deliver_pending(db)
    assert [json.loads(p.body)["event"] for p in webhook.posts] == ["overdue"]
    assert json.loads(webhook.posts[0].body)["config"] == "erp-export"
    _run(db, configuration_id)
    assert [json.loads(p.body)["event"] for p in webhook.posts] == ["overdue", "resolved"]


def test_a_silent_scheduler_is_reported_once_and_resolved_by_a_heartbeat(
    db: Database, webhook: WebhookReceiver, monkeypatch
) -> None:
    monkeypatch.setenv("ORDERIO_TEST_ALERT_SECRET", SECRET)
    _add_alert(
        db,
        events=("scheduler-silent",),
        silent_minutes=5,
        webhook_url=webhook.url,
        secret_env="ORDERIO_TEST_ALERT_SECRET",
    )
    with db.write() as session:
        session.add(
            SchedulerHeartbeat(
                owner="host:1:x",
                host="host",
                pid=1,
                started_at=utcnow() - timedelta(hours=1),
                last_tick=utcnow() - timedelta(minutes=6),
            )
        )
    for _ in range(2):
        with db.write() as session:
            check_scheduler_silence(session)
        deliver_pending(db)
    assert [json.loads(p.body)["event"] for p in webhook.posts] == ["scheduler-silent"]
    with db.write() as session:
        session.execute(update(SchedulerHeartbeat).values(last_tick=utcnow()))
    with db.write() as session:
        check_scheduler_silence(session)
    deliver_pending(db)
    assert [json.loads(p.body)["event"] for p in webhook.posts] == ["scheduler-silent", "resolved"]


def test_alert_settings_are_checked_where_they_are_read(db: Database) -> None:
    bad = AlertSettings(
        name="no spaces please",
        events=("failed", "sometimes"),
        silent_minutes=0,
        webhook_url="ftp://x",
        smtp_host="mail.example",
        smtp_port=70000,
        mail_from="nobody",
        mail_to=(),
    )
    fields = sorted({problem.field for problem in bad.problems()})
    assert fields == [
        "from",
        "name",
        "on",
        "secret_env",
        "silent_minutes",
        "smtp_port",
        "to",
        "webhook_url",
    ]
    with db.write() as session, pytest.raises(ValidationFailed):
        save_alert(session, bad)
    unknown_channel = AlertSettings(
        name="x", events=("failed",), channel="nope", webhook_url="https://h/x", secret_env="S"
    )
    with db.write() as session, pytest.raises(ValidationFailed) as refused:
        save_alert(session, unknown_channel)
    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("channel", "channel 'nope' does not exist: create it first")
    ]
    unknown_configuration = AlertSettings(
        name="x", events=("failed",), configurations=("erp-exprot",), webhook_url="https://h/x",
        secret_env="S",
    )  # fmt: skip
    with db.write() as session, pytest.raises(ValidationFailed) as refused:
        save_alert(session, unknown_configuration)
    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("configurations", "no configuration named erp-exprot: check the names")
    ]


def test_a_scheduler_delivers_what_is_left_in_the_outbox(
    shop: tuple[Database, Path, int], webhook: WebhookReceiver, monkeypatch
) -> None:
    from orderio_tui.jobs.scheduler import BackgroundScheduler
    from orderio_tui.runs.journal import RunEvents

    db, root, configuration_id = shop
    monkeypatch.setenv("ORDERIO_TEST_ALERT_SECRET", SECRET)
    _add_alert(db, webhook_url=webhook.url, secret_env="ORDERIO_TEST_ALERT_SECRET")
    webhook.status = 500
    _break_export_directory(root)
    assert _run(db, configuration_id) is RunState.FAILED
    with db.write() as session:  # its retry is due now
        session.execute(update(AlertNotice).values(next_attempt_at=utcnow()))
    webhook.status = 200
    scheduler = BackgroundScheduler(db, RunEvents(), resync_seconds=0.5, heartbeat_seconds=0.5)
    scheduler.start()
    try:
        deadline = utcnow() + timedelta(seconds=10)
        while len(webhook.posts) < 2 and utcnow() < deadline:
            time.sleep(0.1)
    finally:
        scheduler.stop()
    assert [json.loads(p.body)["event"] for p in webhook.posts] == ["failed", "failed"]
    with db.read() as session:
        assert session.scalars(select(AlertNotice)).one().delivered_at is not None


def test_every_text_of_an_alert_is_bounded_where_it_is_read(db: Database) -> None:
    long = AlertSettings(
        name="x",
        events=("failed",),
        configurations=tuple(f"c{n}" for n in range(101)),
        webhook_url="https://hooks.example/" + "a" * 2100,
        secret_env="S",
        smtp_host="mail.example",
        smtp_user="u" * 201,
        password_env="P",
        smtp_ca_file="/" + "d" * 1100,
        mail_from="orderio@shop.example",
        mail_to=("ops@shop.example",),
    )
    problems = {problem.field: problem.message for problem in long.problems()}
    assert problems == {
        "configurations": "at most 100 configuration names",
        "webhook_url": "at most 2000 characters",
        "smtp_user": "at most 200 characters",
        "smtp_ca_file": "at most 1000 characters",
    }
