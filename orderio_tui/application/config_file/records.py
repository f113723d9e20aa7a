"""Channels, services and configurations as the plain values the file holds.

The plan compares the record of what the file says with the record of what the database holds,
and the dump writes the database's records; both go through the same forms, so a dumped file
applied to an empty database gives the same records again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ...alerts.settings import AlertEvent, AlertSettings
from ...domain.models import CENT
from ...domain.scheduling import Schedule
from ...domain.statuses import ScheduleMode
from ..channels import ChannelForm, normalized
from ..configurations import ExportConfigurationForm, ImportConfigurationForm
from ..retention import RetentionForm
from ..services import ServiceForm
from .keys import ALERT_KEYS, CONDITION_KEYS, SERVICE_KEYS, SFTP_KEYS, TABLE

Record = dict[str, Any]

#: Keys whose values are tables of their own in a record (the others are plain values).
NESTED = ("schedule", "conditions", "sftp")


def _plain(value: Any) -> Any:
    """A form value as the file writes it; None for a value that is not set."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(sorted(value.items()))
    return value


def channel_record(form: ChannelForm) -> Record:
    """A channel's keys."""
    form = normalized(form)
    return {
        "name": form.name,
        "display_name": form.display_name,
        "store": form.store,
        "currency": form.currency,
        "locale": form.locale,
        "timezone": form.timezone,
    }


def service_record(form: ServiceForm) -> Record:
    """A service's keys that apply to its kind."""
    record: Record = {"name": form.name.strip(), "kind": form.kind.value}
    for key in SERVICE_KEYS:
        if key.type == TABLE:
            continue
        if key.name not in record and key.applies_to(form.kind):
            record[key.name] = _plain(getattr(form, key.form_field))
    if form.transport == "sftp":
        sftp: Record = {}
        for key in SFTP_KEYS:
            value = getattr(form, key.form_field)
            if key.applies_to(form.kind) and value not in ("", None):
                sftp[key.name] = _plain(value)
        record["sftp"] = sftp
    return record


def schedule_record(schedule: Schedule) -> Record:
    """The schedule sub-table; a manual schedule keeps only its mode and switch."""
    record: Record = {"mode": schedule.mode.value}
    if schedule.mode is not ScheduleMode.MANUAL:
        record["every"] = schedule.every
        record["unit"] = schedule.unit.value if schedule.unit else None
        record["at"] = schedule.at or None
        record["weekday"] = schedule.weekday.value if schedule.weekday else None
    record["enabled"] = schedule.enabled
    return {key: value for key, value in record.items() if value is not None}


def _configuration_record(channel: str, form: Any) -> Record:
    return {
        "channel": channel.strip(),
        "name": form.name.strip(),
        "service": form.service.strip(),
        "description": form.description,
    }


def export_record(channel: str, form: ExportConfigurationForm) -> Record:
    """An export configuration's keys with its schedule and conditions sub-tables."""
    conditions = {key.name: _plain(getattr(form, key.form_field)) for key in CONDITION_KEYS}
    return {
        **_configuration_record(channel, form),
        "status_updates": form.status_updates_enabled,
        "order_transitions": _plain(form.order_transitions),
        "line_item_transitions": _plain(form.line_item_transitions),
        "schedule": schedule_record(form.schedule),
        "conditions": {key: value for key, value in conditions.items() if value is not None},
    }


def import_record(channel: str, form: ImportConfigurationForm) -> Record:
    """An import configuration's keys with its schedule sub-table."""
    return {**_configuration_record(channel, form), "schedule": schedule_record(form.schedule)}


def alert_record(settings: AlertSettings) -> Record:
    """An alert's keys: those of its destinations (and ``silent_minutes`` where it matters)."""
    record: Record = {"name": settings.name.strip(), "on": list(settings.events)}
    if settings.channel:
        record["channel"] = settings.channel
    if settings.configurations:
        record["configurations"] = list(settings.configurations)
    if AlertEvent.SCHEDULER_SILENT in settings.events:
        record["silent_minutes"] = settings.silent_minutes
    if settings.webhook_url:
        record["webhook_url"] = settings.webhook_url
        record["secret_env"] = settings.secret_env
    if settings.smtp_host:
        for key in ALERT_KEYS:
            value = getattr(settings, key.form_field, None)
            if key.name.startswith("smtp_") or key.name == "password_env":
                record[key.name] = value
        record["from"] = settings.mail_from
        record["to"] = list(settings.mail_to)
    record["enabled"] = settings.enabled
    return {key: value for key, value in record.items() if value is not None}


def history_record(form: RetentionForm) -> Record:
    """The run history's keys."""
    return {
        "idle_run_retention_days": form.idle_run_retention_days,
        "run_retention_days": form.run_retention_days,
    }


def flat(record: Record) -> Record:
    """The record with its sub-tables' keys dotted (``schedule.every``)."""
    result: Record = {}
    for key, value in record.items():
        if key in NESTED and isinstance(value, dict):
            result.update({f"{key}.{sub}": item for sub, item in value.items()})
        else:
            result[key] = value
    return result


def differences(old: Record, new: Record) -> list[tuple[str, Any, Any]]:
    """The keys whose values differ, with the old and the new value (None: not set)."""
    before, after = flat(old), flat(new)
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
