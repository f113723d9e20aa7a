"""Delivering the outbox (SPEC §16): webhook POSTs signed with HMAC-SHA256 and e-mail over SMTP
with STARTTLS, retried with backoff, never blocking the run that caused them.

Any process may deliver: a notice is first *claimed* by a compare-and-set update (so two
processes never send it twice at once), sent outside any transaction, then marked delivered or
given a later attempt. A notice still undelivered after :data:`MAX_ATTEMPTS` is abandoned with a
logged error. Secrets come from environment variables only and appear in no message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, select, update

from ..database import Database
from ..domain.models import Alert, AlertNotice, utcnow
from .incidents import check_overdue, check_scheduler_silence
from .settings import TEST

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Orderio-Signature"
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 3600.0
CLAIM_SECONDS = 120.0
TIMEOUT_SECONDS = 10.0
_MAX_ERROR = 500


class DeliveryFailed(Exception):
    """A notice could not be delivered this time; the message says why (no secrets)."""


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass over the outbox did."""

    delivered: int = 0
    retrying: int = 0
    abandoned: int = 0
    #: Notices that the checks before it put into the outbox (see :func:`check_and_deliver`).
    opened: int = 0


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes a webhook receives (and the signature covers)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature_of(body: bytes, secret: str) -> str:
    """``sha256=<hex HMAC-SHA256 of the body>``, the value of the signature header."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _secret(name: str | None, purpose: str) -> str:
    if not name:
        raise DeliveryFailed(f"no environment variable is named for the {purpose}")
    value = os.environ.get(name)
    if value is None:
        raise DeliveryFailed(f"environment variable {name} ({purpose}) is not set")
    return value


def send_webhook(
    alert: Alert, payload: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS
) -> None:
    """POST the notice to the alert's webhook, signed; raise :class:`DeliveryFailed`."""
    if not alert.webhook_url:
        return
    body = body_of(payload)
    request = urllib.request.Request(
        alert.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "orderio",
            SIGNATURE_HEADER: signature_of(body, _secret(alert.secret_env, "webhook secret")),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"webhook {alert.webhook_url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryFailed(f"webhook {alert.webhook_url} not reachable: {reason}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook {alert.webhook_url} answered HTTP {status}")


def _subject(payload: dict[str, Any]) -> str:
    event = str(payload.get("event", "")).upper()
    if payload.get("event") == TEST:
        return f"[orderio] {event}: alert {payload.get('alert')}"
    if payload.get("config"):
        where = f"{payload.get('kind')} {payload.get('channel')}/{payload.get('config')}"
        run = f" run {payload['run_id']}" if payload.get("run_id") else ""
        return f"[orderio] {event}: {where}{run}"
    return f"[orderio] {event}: schedulers"


def send_mail(alert: Alert, payload: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> None:
    """Send the notice by e-mail (STARTTLS unless switched off); raise :class:`DeliveryFailed`."""
    if not alert.smtp_host:
        return
    message = EmailMessage()
    message["Subject"] = _subject(payload)
    message["From"] = alert.mail_from or ""
    message["To"] = ", ".join(alert.mail_to or [])
    lines = [f"{key}: {payload.get(key)}" for key in sorted(payload) if key != "message"]
    message.set_content(f"{payload.get('message', '')}\n\n" + "\n".join(lines) + "\n")
    server = f"{alert.smtp_host}:{alert.smtp_port or 587}"
    try:
        with smtplib.SMTP(alert.smtp_host, alert.smtp_port or 587, timeout=timeout) as smtp:
            smtp.ehlo()
            if alert.smtp_starttls:
                if not smtp.has_extn("starttls"):
                    raise DeliveryFailed(f"SMTP server {server} does not offer STARTTLS")
                context = ssl.create_default_context(cafile=alert.smtp_ca_file or None)
                smtp.starttls(context=context)
                smtp.ehlo()
            if alert.smtp_user:
                smtp.login(alert.smtp_user, _secret(alert.password_env, "SMTP password"))
            smtp.send_message(message)
    except DeliveryFailed:
        raise
    except smtplib.SMTPAuthenticationError:
        raise DeliveryFailed(
            f"SMTP server {server} refused the login of {alert.smtp_user}"
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        raise DeliveryFailed(f"SMTP server {server}: {error}") from None


def _retry_delay(attempts: int) -> timedelta:
    seconds = min(FIRST_RETRY_SECONDS * (2 ** max(attempts - 1, 0)), MAX_RETRY_SECONDS)
    return timedelta(seconds=seconds)


def _claim(db: Database, notice_id: int, now: datetime) -> bool:
    with db.write() as session:
        result = session.execute(
            update(AlertNotice)
            .where(
                AlertNotice.id == notice_id,
                AlertNotice.delivered_at.is_(None),
                AlertNotice.abandoned_at.is_(None),
                or_(AlertNotice.claimed_until.is_(None), AlertNotice.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def deliver_pending(
    db: Database, *, now: datetime | None = None, limit: int = 50, timeout: float = TIMEOUT_SECONDS
) -> DeliveryReport:
    """Send the notices that are due, oldest first; never raises for a delivery problem."""
    moment = now or utcnow()
    with db.read() as session:
        due = list(
            session.execute(
                select(AlertNotice.id)
                .where(
                    AlertNotice.delivered_at.is_(None),
                    AlertNotice.abandoned_at.is_(None),
                    AlertNotice.next_attempt_at <= moment,
                )
                .order_by(AlertNotice.id)
                .limit(limit)
            ).scalars()
        )
    delivered = retrying = abandoned = 0
    for notice_id in due:
        if not _claim(db, notice_id, moment):
            continue  # another process has it
        with db.read() as session:
            notice = session.get(AlertNotice, notice_id)
            alert = session.get(Alert, notice.alert_id) if notice else None
            if notice is None or alert is None:
                continue
            session.expunge(alert)
            payload = dict(notice.payload)
            attempts = notice.attempts + 1
            send = send_webhook if notice.target == "webhook" else send_mail
        error: str | None = None
        try:
            send(alert, payload, timeout=timeout)
        except DeliveryFailed as failure:
            error = str(failure)[:_MAX_ERROR]
        finished = utcnow()
        values: dict[str, Any] = {"attempts": attempts, "claimed_until": None}
        if error is None:
            values["delivered_at"] = finished
            values["last_error"] = None
            delivered += 1
        elif attempts >= MAX_ATTEMPTS:
            values["abandoned_at"] = finished
            values["last_error"] = error
            abandoned += 1
            log.error(
                "alert %s: notice %s (%s) given up after %d attempts: %s",
                alert.name,
                notice_id,
                payload.get("event"),
                attempts,
                error,
            )
        else:
            values["next_attempt_at"] = finished + _retry_delay(attempts)
            values["last_error"] = error
            retrying += 1
            log.warning(
                "alert %s: notice %s (%s) not delivered, will retry: %s",
                alert.name,
                notice_id,
                payload.get("event"),
                error,
            )
        with db.write() as session:
            session.execute(update(AlertNotice).where(AlertNotice.id == notice_id).values(values))
    return DeliveryReport(delivered, retrying, abandoned)


def check_and_deliver(db: Database, *, timeout: float = TIMEOUT_SECONDS) -> DeliveryReport:
    """Look for overdue schedules and a silent scheduler, then send what is due: what a
    scheduler does every 30 s, and ``orderio-tui alerts check`` once."""
    with db.write() as session:
        opened = len(check_overdue(session)) + len(check_scheduler_silence(session))
    report = deliver_pending(db, timeout=timeout)
    return DeliveryReport(report.delivered, report.retrying, report.abandoned, opened)
