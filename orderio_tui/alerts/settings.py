"""What an alert is and the rules its fields obey (SPEC §16, §17)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.models import Alert, Channel, ExportConfiguration, ImportConfiguration
from ..errors import FieldProblem, ValidationFailed


class AlertEvent(StrEnum):
    """What an alert can be asked to report (``on = [...]``)."""

    FAILED = "failed"
    PARTIAL = "partial"
    OVERDUE = "overdue"
    SCHEDULER_SILENT = "scheduler-silent"


#: The event of the notice sent when an incident is over.
RESOLVED = "resolved"
#: The event of a notice sent by hand to try an alert's destinations (never in the outbox).
TEST = "test"

MAX_SILENT_MINUTES = 7 * 24 * 60
MAX_RECIPIENTS = 50
MAX_CONFIGURATIONS = 100
#: Longest texts, by field (what the database columns hold, or more than any real value needs).
_MAX_LENGTHS = {"webhook_url": 2000, "smtp_user": 200, "smtp_ca_file": 1000}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_ADDRESS = re.compile(r"^[^@\s<>,;]{1,64}@[^@\s<>,;]{1,255}$")
_HOST = re.compile(r"^[A-Za-z0-9._:\-\[\]]{1,253}$")


@dataclass(frozen=True)
class AlertSettings:
    """One alert: when it fires and where its notices go (a webhook, e-mail, or both)."""

    name: str
    events: tuple[str, ...]
    channel: str | None = None
    configurations: tuple[str, ...] = ()
    silent_minutes: int = 10
    webhook_url: str | None = None
    secret_env: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    password_env: str | None = None
    smtp_starttls: bool = True
    smtp_ca_file: str | None = None
    mail_from: str | None = None
    mail_to: tuple[str, ...] = field(default_factory=tuple)
    enabled: bool = True

    def problems(self) -> list[FieldProblem]:
        """Everything wrong with this alert, one message per problem."""
        found: list[FieldProblem] = []

        def problem(key: str, message: str) -> None:
            found.append(FieldProblem(key, message))

        if not _NAME.match(self.name or ""):
            problem("name", "a name of letters, digits, '.', '_' or '-' (at most 100)")
        allowed = [event.value for event in AlertEvent]
        if not self.events:
            problem("on", f"name at least one event: {', '.join(allowed)}")
        for event in self.events:
            if event not in allowed:
                problem("on", f"unknown event '{event[:40]}'; use {', '.join(allowed)}")
        if not 1 <= self.silent_minutes <= MAX_SILENT_MINUTES:
            problem("silent_minutes", f"a whole number of minutes from 1 to {MAX_SILENT_MINUTES}")
        if len(self.configurations) > MAX_CONFIGURATIONS:
            problem("configurations", f"at most {MAX_CONFIGURATIONS} configuration names")
        for name in self.configurations:
            if not name.strip():
                problem("configurations", "an empty name: remove it")
            elif len(name) > 100:
                problem("configurations", f"'{name[:60]}…' is longer than a configuration name")
        too_long = {
            key for key, most in _MAX_LENGTHS.items() if len(getattr(self, key) or "") > most
        }
        for key in sorted(too_long):
            problem(key, f"at most {_MAX_LENGTHS[key]} characters")
        if not self.webhook_url and not self.smtp_host:
            problem("webhook_url", "give a webhook_url, or smtp_host with from and to, or both")
        if self.webhook_url and "webhook_url" not in too_long:
            parts = urlsplit(self.webhook_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                problem("webhook_url", "an http:// or https:// address, e.g. https://hooks/x")
            if not self.secret_env:
                problem("secret_env", "name the environment variable that holds the HMAC secret")
        for key, value in (("secret_env", self.secret_env), ("password_env", self.password_env)):
            if value and not _ENV_NAME.match(value):
                problem(key, "the name of an environment variable, e.g. ORDERIO_ALERT_SECRET")
        if self.smtp_host:
            if not _HOST.match(self.smtp_host):
                problem("smtp_host", "the SMTP server's host name or IP address")
            if self.smtp_port is not None and not 1 <= self.smtp_port <= 65535:
                problem("smtp_port", "a port from 1 to 65535 (usually 587)")
            if not self.mail_from or not _ADDRESS.match(self.mail_from):
                problem("from", "the sender's e-mail address, e.g. orderio@shop.example")
            if not self.mail_to:
                problem("to", "a list of at least one e-mail address")
            if len(self.mail_to) > MAX_RECIPIENTS:
                problem("to", f"at most {MAX_RECIPIENTS} addresses")
            for address in self.mail_to:
                if not _ADDRESS.match(address):
                    problem("to", f"'{address[:60]}' is not an e-mail address")
            if self.smtp_user and not self.password_env:
                problem("password_env", "name the environment variable holding the SMTP password")
            ca_file = self.smtp_ca_file if "smtp_ca_file" not in too_long else None
            if ca_file and not Path(ca_file).is_file():
                problem("smtp_ca_file", f"{ca_file[:200]} does not exist")
        return found


def reference_problems(session: Session, settings: AlertSettings) -> list[FieldProblem]:
    """The alert's channel and configuration names that name nothing in the database."""
    found: list[FieldProblem] = []
    channel_id = _channel_id(session, settings.channel)
    if settings.channel and channel_id is None:
        known = ", ".join(session.scalars(select(Channel.name).order_by(Channel.name)))
        found.append(
            FieldProblem(
                "channel",
                f"channel '{settings.channel[:60]}' does not exist: create it first"
                + (f" or use one of: {known}" if known else ""),
            )
        )
        return found
    if settings.configurations:
        names: set[str] = set()
        for model in (ExportConfiguration, ImportConfiguration):
            query = select(model.name).where(model.name.in_(settings.configurations))
            if channel_id is not None:
                query = query.where(model.channel_id == channel_id)
            names.update(session.scalars(query))
        unknown = [name[:60] for name in settings.configurations if name not in names]
        if unknown:
            where = f" in channel '{settings.channel}'" if settings.channel else ""
            found.append(
                FieldProblem(
                    "configurations",
                    f"no configuration named {', '.join(unknown)}{where}: check the names",
                )
            )
    return found


def _channel_id(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    return session.scalars(select(Channel.id).where(Channel.name == name)).first()


def save_alert(session: Session, settings: AlertSettings) -> Alert:
    """Create or update the alert ``settings.name`` in the caller's transaction.

    Raises :class:`ValidationFailed` with every problem, the names of a channel or
    configurations that do not exist among them (so each can be shown at its field).
    """
    problems = [*settings.problems(), *reference_problems(session, settings)]
    if problems:
        raise ValidationFailed(problems)
    alert = session.scalars(select(Alert).where(Alert.name == settings.name)).first()
    if alert is None:
        alert = Alert(name=settings.name)
        session.add(alert)
    alert.events = list(settings.events)
    alert.channel_id = _channel_id(session, settings.channel)
    alert.configurations = list(settings.configurations)
    alert.silent_minutes = settings.silent_minutes
    alert.webhook_url = settings.webhook_url
    alert.secret_env = settings.secret_env
    alert.smtp_host = settings.smtp_host
    alert.smtp_port = settings.smtp_port
    alert.smtp_user = settings.smtp_user
    alert.password_env = settings.password_env
    alert.smtp_starttls = settings.smtp_starttls
    alert.smtp_ca_file = settings.smtp_ca_file
    alert.mail_from = settings.mail_from
    alert.mail_to = list(settings.mail_to)
    alert.enabled = settings.enabled
    session.flush()
    return alert


def settings_of(session: Session, alert: Alert) -> AlertSettings:
    """The settings a stored alert was saved with (the reverse of :func:`save_alert`)."""
    channel = session.get(Channel, alert.channel_id) if alert.channel_id else None
    return AlertSettings(
        name=alert.name,
        events=tuple(alert.events or ()),
        channel=channel.name if channel else None,
        configurations=tuple(alert.configurations or ()),
        silent_minutes=alert.silent_minutes,
        webhook_url=alert.webhook_url,
        secret_env=alert.secret_env,
        smtp_host=alert.smtp_host,
        smtp_port=alert.smtp_port,
        smtp_user=alert.smtp_user,
        password_env=alert.password_env,
        smtp_starttls=alert.smtp_starttls,
        smtp_ca_file=alert.smtp_ca_file,
        mail_from=alert.mail_from,
        mail_to=tuple(alert.mail_to or ()),
        enabled=alert.enabled,
    )
