"""Alerts for the command line and the alerts screen (SPEC §16): what each alert watches, where it
sends, its open incidents and undelivered notices; creating, changing and deleting one; sending
a test notice through the real delivery code.

Every rule of an alert's fields is :meth:`AlertSettings.problems` (and the names it refers to,
:func:`reference_problems`); nothing here adds rules of its own.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..alerts.delivery import DeliveryFailed, send_mail, send_webhook
from ..alerts.incidents import SCHEDULER_SUBJECT, notice_document
from ..alerts.settings import TEST, AlertSettings, save_alert, settings_of
from ..database import Database
from ..domain.models import (
    Alert,
    AlertIncident,
    AlertNotice,
    Channel,
    ExportConfiguration,
    ImportConfiguration,
    IntakeConfiguration,
    utcnow,
)
from ..errors import FieldProblem, NotFound, ValidationFailed
from .audit import CREATE, DELETE, UPDATE, record_change
from .forms import FieldErrors, parse_list, parse_optional_int

#: Undelivered notices shown per alert (the newest).
_UNDELIVERED_SHOWN = 20


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@dataclass(frozen=True)
class IncidentView:
    """An open incident: what is wrong with which subject since when."""

    event: str
    subject: str
    opened_at: datetime

    def to_json(self) -> dict[str, object]:
        return {"event": self.event, "subject": self.subject, "opened_at": _iso(self.opened_at)}


@dataclass(frozen=True)
class NoticeView:
    """A notice of the outbox that has not been delivered (yet, or ever: ``abandoned``)."""

    id: int
    event: str
    target: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    abandoned: bool

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "event": self.event,
            "target": self.target,
            "attempts": self.attempts,
            "next_attempt_at": None if self.abandoned else _iso(self.next_attempt_at),
            "abandoned": self.abandoned,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class AlertView:
    """One alert as the command line and the alerts screen show it."""

    settings: AlertSettings
    open_incidents: tuple[IncidentView, ...]
    undelivered: tuple[NoticeView, ...]
    #: The newest delivery error of any of its notices (None: none failed, or it was sent since).
    last_error: str | None

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def destinations(self) -> list[str]:
        """Where its notices go, in words: ``webhook https://…``, ``e-mail a@b via host:587``."""
        found = []
        if self.settings.webhook_url:
            found.append(f"webhook {self.settings.webhook_url}")
        if self.settings.smtp_host:
            recipients = ", ".join(self.settings.mail_to)
            server = f"{self.settings.smtp_host}:{self.settings.smtp_port or 587}"
            found.append(f"e-mail {recipients} via {server}")
        return found

    @property
    def watches(self) -> str:
        """Which runs it watches: ``all channels, all configurations``, ``demo-b2c: erp-export``."""
        channel = self.settings.channel or "all channels"
        names = ", ".join(self.settings.configurations) or "all configurations"
        return f"{channel}: {names}"

    def to_json(self) -> dict[str, object]:
        settings = self.settings
        return {
            "name": settings.name,
            "on": list(settings.events),
            "channel": settings.channel,
            "configurations": list(settings.configurations),
            "enabled": settings.enabled,
            "destinations": self.destinations,
            "webhook_url": settings.webhook_url,
            "mail_to": list(settings.mail_to),
            "open_incidents": [incident.to_json() for incident in self.open_incidents],
            "undelivered": [notice.to_json() for notice in self.undelivered],
            "last_error": self.last_error,
        }


def _subject_label(session: Session, subject: str) -> str:
    """``export demo-b2c/erp-export`` for ``export:12``; ``schedulers`` for the scheduler."""
    if subject == SCHEDULER_SUBJECT:
        return "schedulers"
    kind, _, number = subject.partition(":")
    model = {"export": ExportConfiguration, "intake": IntakeConfiguration}.get(
        kind, ImportConfiguration
    )
    row = session.get(model, int(number)) if number.isdigit() else None
    if row is None:
        return f"{kind} configuration {number} (deleted)"
    channel = session.get(Channel, row.channel_id)
    return f"{kind} {channel.name if channel else '?'}/{row.name}"


def _view(session: Session, alert: Alert) -> AlertView:
    incidents = session.scalars(
        select(AlertIncident)
        .where(AlertIncident.alert_id == alert.id, AlertIncident.resolved_at.is_(None))
        .order_by(AlertIncident.id)
    )
    notices = session.scalars(
        select(AlertNotice)
        .where(AlertNotice.alert_id == alert.id, AlertNotice.delivered_at.is_(None))
        .order_by(AlertNotice.id.desc())
        .limit(_UNDELIVERED_SHOWN)
    )
    last_error = session.scalars(
        select(AlertNotice.last_error)
        .where(AlertNotice.alert_id == alert.id, AlertNotice.last_error.is_not(None))
        .order_by(AlertNotice.id.desc())
        .limit(1)
    ).first()
    return AlertView(
        settings=settings_of(session, alert),
        open_incidents=tuple(
            IncidentView(i.event, _subject_label(session, i.subject), i.opened_at)
            for i in incidents
        ),
        undelivered=tuple(
            NoticeView(
                n.id,
                n.event,
                n.target,
                n.attempts,
                n.next_attempt_at,
                n.last_error,
                n.abandoned_at is not None,
            )
            for n in reversed(list(notices))
        ),
        last_error=last_error,
    )


def _alert(session: Session, name: str) -> Alert:
    alert = session.scalars(select(Alert).where(Alert.name == name)).first()
    if alert is None:
        known = ", ".join(session.scalars(select(Alert.name).order_by(Alert.name)))
        hint = f"one of: {known}" if known else "none exist yet; add an [[alert]] first"
        raise NotFound(f"alert '{name[:100]}' does not exist: {hint}")
    return alert


def alert_settings_in(session: Session) -> list[AlertSettings]:
    """Every stored alert's settings, by name."""
    return [
        settings_of(session, alert) for alert in session.scalars(select(Alert).order_by(Alert.name))
    ]


def list_alerts(db: Database) -> list[AlertView]:
    """Every alert, by name, with its open incidents and undelivered notices."""
    with db.read() as session:
        return [_view(session, a) for a in session.scalars(select(Alert).order_by(Alert.name))]


def alert_view(db: Database, name: str) -> AlertView:
    """One alert; :class:`NotFound` names the existing ones."""
    with db.read() as session:
        return _view(session, _alert(session, name))


def store_alert(db: Database, settings: AlertSettings, *, new: bool) -> AlertView:
    """Create (``new``) or change an alert; :class:`ValidationFailed` has every problem."""
    with db.write() as session:
        exists = session.scalars(select(Alert.id).where(Alert.name == settings.name)).first()
        if new and exists is not None:
            problem = f"an alert named '{settings.name}' exists already: choose another name"
            raise ValidationFailed([FieldProblem("name", problem)])
        if not new and exists is None:
            _alert(session, settings.name)
        return _view(session, put_alert(session, settings))


def put_alert(session: Session, settings: AlertSettings) -> Alert:
    """Create or update the alert ``settings.name`` in the caller's transaction, with its
    entry in the audit trail; :class:`ValidationFailed` has every problem."""
    stored = session.scalars(select(Alert).where(Alert.name == settings.name)).first()
    before = settings_of(session, stored) if stored is not None else None
    alert = save_alert(session, settings)
    after = settings_of(session, alert)
    _audit(session, alert, CREATE if before is None else UPDATE, before, after)
    return alert


def _audit(
    session: Session,
    alert: Alert,
    action: str,
    before: AlertSettings | None,
    after: AlertSettings | None,
) -> None:
    settings = after or before
    assert settings is not None, "a change has a before or an after"
    record_change(
        session,
        "alert",
        action,
        alert.name,
        subject_id=alert.id,
        channel=settings.channel,
        before=before,
        after=after,
    )


def remove_alert(session: Session, name: str) -> None:
    """Delete an alert with its incidents and notices, in the caller's transaction."""
    alert = _alert(session, name)
    _audit(session, alert, DELETE, settings_of(session, alert), None)
    # Explicitly, not by the foreign keys' cascade: SQLite may run without foreign keys.
    session.execute(delete(AlertNotice).where(AlertNotice.alert_id == alert.id))
    session.execute(delete(AlertIncident).where(AlertIncident.alert_id == alert.id))
    session.delete(alert)
    session.flush()


def delete_alert(db: Database, name: str) -> None:
    """Delete an alert, its incidents and its undelivered notices."""
    with db.write() as session:
        remove_alert(session, name)


def parse_alert_form(
    text: Mapping[str, str], events: Iterable[str], *, smtp_starttls: bool, enabled: bool
) -> AlertSettings:
    """The settings typed into the alerts screen's form (``text`` by field name: ``name``,
    ``channel``, ``configurations``, ``silent_minutes``, ``webhook_url``, ``secret_env``,
    ``smtp_host``, ``smtp_port``, ``smtp_user``, ``password_env``, ``smtp_ca_file``, ``from``,
    ``to``); :class:`ValidationFailed` with every problem."""
    errors = FieldErrors()

    def value(field: str) -> str | None:
        return text.get(field, "").strip() or None

    silent = parse_optional_int(
        errors, "silent_minutes", "silent minutes", text.get("silent_minutes", "")
    )
    port = parse_optional_int(errors, "smtp_port", "SMTP port", text.get("smtp_port", ""))
    settings = AlertSettings(
        name=text.get("name", "").strip(),
        events=tuple(events),
        channel=value("channel"),
        configurations=tuple(parse_list(text.get("configurations", ""))),
        silent_minutes=10 if silent is None else silent,
        webhook_url=value("webhook_url"),
        secret_env=value("secret_env"),
        smtp_host=value("smtp_host"),
        smtp_port=port,
        smtp_user=value("smtp_user"),
        password_env=value("password_env"),
        smtp_starttls=smtp_starttls,
        smtp_ca_file=value("smtp_ca_file"),
        mail_from=value("from"),
        mail_to=tuple(parse_list(text.get("to", ""))),
        enabled=enabled,
    )
    parsed = {problem.field for problem in errors.problems}
    problems = [p for p in settings.problems() if p.field not in parsed]
    if errors or problems:
        raise ValidationFailed([*errors.problems, *problems])
    return settings


@dataclass(frozen=True)
class TestDelivery:
    """The outcome of sending a test notice to one destination of an alert."""

    target: str
    destination: str
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "destination": self.destination,
            "ok": self.ok,
            "error": self.error,
        }


def send_test_notice(db: Database, name: str) -> list[TestDelivery]:
    """Send a notice with event ``test`` to every destination of the alert now, through the
    delivery code the outbox uses, and say for each whether it arrived (nothing is stored)."""
    with db.read() as session:
        alert = _alert(session, name)
        view = _view(session, alert)
        session.expunge(alert)
    who = f"{getpass.getuser()}@{socket.gethostname()}"
    payload: dict[str, Any] = {
        "kind": None,
        "channel": view.settings.channel,
        "config": None,
        "run_id": None,
        "state": None,
        "message": f"test notice of alert '{name}', sent by {who}",
    }
    document = notice_document(alert.name, TEST, payload, utcnow())
    results = []
    for target, send, destination in (
        ("webhook", send_webhook, alert.webhook_url),
        ("email", send_mail, ", ".join(alert.mail_to or [])),
    ):
        if not (alert.webhook_url if target == "webhook" else alert.smtp_host):
            continue
        try:
            send(alert, document)
            results.append(TestDelivery(target, destination or "", None))
        except DeliveryFailed as failure:
            results.append(TestDelivery(target, destination or "", str(failure)))
    return results
