"""Which notices a run end, an overdue schedule or a silent scheduler causes (SPEC §16).

An *incident* is one problem of one subject (a configuration, or the schedulers as a whole) for
one alert. It sends one notice when it opens and one ``resolved`` notice when it ends — never one
per failed run. Everything here writes in the caller's transaction, so a notice exists if and only
if the run end (or check) that caused it was committed: that is the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..domain.models import (
    Alert,
    AlertIncident,
    AlertNotice,
    Channel,
    ExportConfiguration,
    ImportConfiguration,
    Run,
    SchedulerHeartbeat,
    utcnow,
)
from ..domain.scheduling import interval_seconds, schedule_of
from ..domain.statuses import RunState
from .settings import RESOLVED, AlertEvent

SCHEDULER_SUBJECT = "scheduler"

#: Which open incidents a run that ended in a state resolves.
_RESOLVES: dict[str, frozenset[str]] = {
    RunState.SUCCEEDED.value: frozenset(
        {AlertEvent.FAILED, AlertEvent.PARTIAL, AlertEvent.OVERDUE}
    ),
    RunState.PARTIAL.value: frozenset({AlertEvent.FAILED, AlertEvent.OVERDUE}),
    RunState.FAILED.value: frozenset({AlertEvent.OVERDUE}),
}
#: Which incident a run that ended in a state opens (if the alert asks for it).
_OPENS: dict[str, AlertEvent] = {
    RunState.FAILED.value: AlertEvent.FAILED,
    RunState.PARTIAL.value: AlertEvent.PARTIAL,
}


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def subject_of(kind: str, configuration_id: int) -> str:
    """The incident subject of a configuration: ``"export:12"``."""
    return f"{kind}:{configuration_id}"


def _alerts_for(
    session: Session, event_family: set[str], channel_id: int | None, config_name: str | None
) -> list[Alert]:
    query = select(Alert).where(Alert.enabled.is_(True))
    if channel_id is not None:
        query = query.where(or_(Alert.channel_id.is_(None), Alert.channel_id == channel_id))
    found = []
    for alert in session.scalars(query.order_by(Alert.id)):
        if not event_family.intersection(alert.events or []):
            continue
        names = alert.configurations or []
        if config_name is not None and names and config_name not in names:
            continue
        found.append(alert)
    return found


def _open_incident(session: Session, alert_id: int, subject: str) -> AlertIncident | None:
    return session.scalars(
        select(AlertIncident)
        .where(
            AlertIncident.alert_id == alert_id,
            AlertIncident.subject == subject,
            AlertIncident.resolved_at.is_(None),
        )
        .order_by(AlertIncident.id.desc())
        .limit(1)
    ).first()


def notice_document(
    alert_name: str, event: str, payload: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """The JSON document of a notice (SPEC §16), as a webhook receives it."""
    return {"alert": alert_name, "event": event, **payload, "at": _iso(at)}


def _notice(
    session: Session, alert: Alert, event: str, payload: dict[str, Any]
) -> list[AlertNotice]:
    """One outbox row per destination of the alert (webhook, e-mail)."""
    at = utcnow()
    document = notice_document(alert.name, event, payload, at)
    targets = [
        target
        for target, configured in (("webhook", alert.webhook_url), ("email", alert.smtp_host))
        if configured
    ]
    notices = [
        AlertNotice(
            alert_id=alert.id,
            event=event,
            target=target,
            payload=document,
            created_at=at,
            attempts=0,
            next_attempt_at=at,
        )
        for target in targets
    ]
    session.add_all(notices)
    return notices


def _resolve(
    session: Session, alert: Alert, incident: AlertIncident, payload: dict[str, Any]
) -> list[AlertNotice]:
    incident.resolved_at = utcnow()
    return _notice(session, alert, RESOLVED, {**payload, "resolves": incident.event})


def record_run_end(session: Session, run: Run) -> list[AlertNotice]:
    """Open or resolve the incidents a run that just ended causes, in the caller's transaction.

    Dry runs, skipped and still-running runs cause nothing.
    """
    if run.dry_run or run.state not in _RESOLVES:
        return []
    subject = subject_of(run.kind, run.configuration_id)
    opens = _OPENS.get(run.state)
    resolves = _RESOLVES[run.state]
    family = {event.value for event in AlertEvent if event is not AlertEvent.SCHEDULER_SILENT}
    alerts = _alerts_for(session, family, run.channel_id, run.config_name)
    if not alerts:
        return []
    channel = session.get(Channel, run.channel_id)
    payload = {
        "kind": run.kind,
        "channel": channel.name if channel else "",
        "config": run.config_name,
        "run_id": run.id,
        "state": run.state,
        "message": run.message or "",
    }
    notices: list[AlertNotice] = []
    for alert in alerts:
        incident = _open_incident(session, alert.id, subject)
        if incident is not None and incident.event in resolves:
            notices.extend(_resolve(session, alert, incident, payload))
            incident = None
        if opens is not None and opens.value in (alert.events or []) and incident is None:
            session.add(AlertIncident(alert_id=alert.id, subject=subject, event=opens.value))
            notices.extend(_notice(session, alert, opens.value, payload))
    session.flush()
    return notices


def check_overdue(session: Session, now: datetime | None = None) -> list[AlertNotice]:
    """Open an ``overdue`` incident for every scheduled configuration whose due time passed by
    more than one interval without a run (resolved by its next run)."""
    moment = now or utcnow()
    notices: list[AlertNotice] = []
    if not _alerts_for(session, {AlertEvent.OVERDUE.value}, None, None):
        return notices
    models: tuple[tuple[str, type[ExportConfiguration] | type[ImportConfiguration]], ...] = (
        ("export", ExportConfiguration),
        ("import", ImportConfiguration),
    )
    for kind, model in models:
        configurations: list[ExportConfiguration | ImportConfiguration] = list(
            session.scalars(select(model).order_by(model.id))
        )
        for configuration in configurations:
            interval = interval_seconds(schedule_of(configuration))
            if interval is None:
                continue
            last_run: datetime | None = session.scalar(
                select(func.max(Run.started_at)).where(
                    Run.kind == kind,
                    Run.configuration_id == configuration.id,
                    Run.dry_run.is_(False),
                )
            )
            since = last_run or configuration.updated_at
            if since is not None and since.tzinfo is None:
                since = since.replace(tzinfo=moment.tzinfo)
            if since is None or moment - since <= timedelta(seconds=2 * interval):
                continue
            subject = subject_of(kind, configuration.id)
            channel = session.get(Channel, configuration.channel_id)
            payload = {
                "kind": kind,
                "channel": channel.name if channel else "",
                "config": configuration.name,
                "run_id": None,
                "state": None,
                "message": (
                    f"no run since {_iso(since)}; due every {interval} s — is a scheduler running?"
                ),
            }
            alerts = _alerts_for(
                session, {AlertEvent.OVERDUE.value}, configuration.channel_id, configuration.name
            )
            for alert in alerts:
                if _open_incident(session, alert.id, subject) is None:
                    session.add(
                        AlertIncident(
                            alert_id=alert.id, subject=subject, event=AlertEvent.OVERDUE.value
                        )
                    )
                    notices.extend(_notice(session, alert, AlertEvent.OVERDUE.value, payload))
    session.flush()
    return notices


def check_scheduler_silence(session: Session, now: datetime | None = None) -> list[AlertNotice]:
    """Open a ``scheduler-silent`` incident when no scheduler heartbeat was seen for the alert's
    ``silent_minutes``; resolve it when one is seen again."""
    moment = now or utcnow()
    notices: list[AlertNotice] = []
    alerts = _alerts_for(session, {AlertEvent.SCHEDULER_SILENT.value}, None, None)
    if not alerts:
        return notices
    latest = session.scalar(select(func.max(SchedulerHeartbeat.last_tick)))
    for alert in alerts:
        since = latest or alert.created_at
        silent = moment - since > timedelta(minutes=alert.silent_minutes)
        incident = _open_incident(session, alert.id, SCHEDULER_SUBJECT)
        payload = {
            "kind": None,
            "channel": None,
            "config": None,
            "run_id": None,
            "state": None,
            "message": (
                f"no scheduler heartbeat since {_iso(since)}"
                if latest
                else "no scheduler has run on this database"
            ),
        }
        if silent and incident is None:
            session.add(
                AlertIncident(
                    alert_id=alert.id,
                    subject=SCHEDULER_SUBJECT,
                    event=AlertEvent.SCHEDULER_SILENT.value,
                )
            )
            notices.extend(_notice(session, alert, AlertEvent.SCHEDULER_SILENT.value, payload))
        elif not silent and incident is not None:
            payload["message"] = f"scheduler heartbeat seen at {_iso(since)}"
            notices.extend(_resolve(session, alert, incident, payload))
    session.flush()
    return notices
