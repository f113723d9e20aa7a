"""The audit trail (SPEC §16): who changed which configuration, service, channel or alert, when,
and which fields, before and after.

Each function of the application that saves or deletes one of them calls :func:`record_change`
in the session of the change, so its entry is committed (or rolled back) with the change itself;
the TUI, the command line and `config apply` all go through those functions. What is recorded
are the form's fields, which name environment variables for secrets, never the secrets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.models import AuditEntry
from ..domain.statuses import DEFAULT_AUDIT_LIMIT as DEFAULT_LIMIT
from ..runs.identity import host_name, os_user

CREATE, UPDATE, DELETE = "create", "update", "delete"
#: Longest value shown in a one-line description of a change.
_SHOWN_VALUE_LENGTH = 60


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _json_value(value: Any) -> Any:
    """A form value as JSON holds it (enums by value, money as text, times in ISO 8601 UTC)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in sorted(value.items())}
    return value


def fields_of(form: object | None) -> dict[str, Any]:
    """A form's fields as JSON values; a sub-form's fields dotted (``schedule.every``)."""
    if form is None:
        return {}
    result: dict[str, Any] = {}
    for field in dataclasses.fields(form):  # type: ignore[arg-type]
        value = getattr(form, field.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            result.update({f"{field.name}.{key}": item for key, item in fields_of(value).items()})
        else:
            result[field.name] = _json_value(value)
    return result


def record_change(
    session: Session,
    kind: str,
    action: str,
    name: str,
    *,
    subject_id: int | None,
    channel: str | None,
    before: object | None,
    after: object | None,
) -> None:
    """Add the entry of one change to ``session`` (``before``/``after``: the forms of the thing
    as stored before and after it; None for what did not exist). An update that changes no
    field adds nothing."""
    old, new = fields_of(before), fields_of(after)
    changes = [
        [key, old.get(key), new.get(key)]
        for key in dict.fromkeys([*old, *new])
        if old.get(key) != new.get(key)
    ]
    if action == UPDATE and not changes:
        return
    session.add(
        AuditEntry(
            os_user=os_user()[:100],
            host=host_name()[:255],
            kind=kind,
            subject_id=subject_id,
            name=name[:200],
            channel=channel[:100] if channel else None,
            action=action,
            changes=changes,
        )
    )


def _shown(value: Any) -> str:
    text = "(not set)" if value is None else str(value)
    if len(text) > _SHOWN_VALUE_LENGTH:
        return text[: _SHOWN_VALUE_LENGTH - 1] + "…"
    return text


@dataclass(frozen=True)
class AuditView:
    """One entry of the audit trail as the command line and the TUI show it."""

    at: datetime
    os_user: str
    host: str
    kind: str
    name: str
    channel: str | None
    action: str
    changes: tuple[tuple[str, Any, Any], ...]

    @property
    def who(self) -> str:
        return f"{self.os_user}@{self.host}"

    def describe(self) -> str:
        """The changed fields in one line: ``field: before → after; …``."""
        return "; ".join(
            f"{key}: {_shown(before)} → {_shown(after)}" for key, before, after in self.changes
        )

    def to_json(self) -> dict[str, object]:
        """The shape of ``audit --json`` (docs/cli.md)."""
        return {
            "at": _iso(self.at),
            "user": self.os_user,
            "host": self.host,
            "kind": self.kind,
            "name": self.name,
            "channel": self.channel,
            "action": self.action,
            "changes": [
                {"field": key, "before": before, "after": after}
                for key, before, after in self.changes
            ],
        }


def list_audit(
    db: Database,
    *,
    channel: str | None = None,
    kind: str | None = None,
    subject_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[AuditView]:
    """The newest ``limit`` entries, newest first: of one channel (its configurations, alerts and
    the channel itself), of one kind, of one configuration (``kind`` and ``subject_id``)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if channel is not None:
        query = query.where(AuditEntry.channel == channel)
    if kind is not None:
        query = query.where(AuditEntry.kind == kind)
    if subject_id is not None:
        query = query.where(AuditEntry.subject_id == subject_id)
    with db.read() as session:
        return [
            AuditView(
                at=entry.at,
                os_user=entry.os_user,
                host=entry.host,
                kind=entry.kind,
                name=entry.name,
                channel=entry.channel,
                action=entry.action,
                changes=tuple(
                    (str(key), before, after) for key, before, after in entry.changes or []
                ),
            )
            for entry in session.scalars(query)
        ]
