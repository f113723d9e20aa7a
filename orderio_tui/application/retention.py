"""How long the run history is kept: the configuration file's ``[history]`` table (SPEC §14).

The values live in the database (table ``settings``), so every scheduler on it, on any machine,
prunes by the same rule; the run journal reads them (``runs.journal.retention_days``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.models import StoredSetting, utcnow
from ..errors import FieldProblem, ValidationFailed
from ..runs.journal import (
    DEFAULT_IDLE_RETENTION_DAYS,
    DEFAULT_RETENTION_DAYS,
    IDLE_RETENTION_SETTING,
    MAX_RETENTION_DAYS,
    RETENTION_SETTING,
    retention_days,
)
from .audit import UPDATE, record_change

#: The audit trail's name of the run history's settings.
HISTORY_SUBJECT = "run history"


@dataclass(frozen=True)
class RetentionForm:
    """Days a finished run is kept: idle runs (nothing to do) and the others."""

    idle_run_retention_days: int = DEFAULT_IDLE_RETENTION_DAYS
    run_retention_days: int = DEFAULT_RETENTION_DAYS


_SETTINGS = (
    ("idle_run_retention_days", IDLE_RETENTION_SETTING, "idle runs"),
    ("run_retention_days", RETENTION_SETTING, "runs"),
)


def retention_problems(form: RetentionForm) -> list[FieldProblem]:
    """Each value that is not a whole number of days from 0 to 36,500 (100 years)."""
    problems = []
    for field, _, what in _SETTINGS:
        value = getattr(form, field)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(FieldProblem(field, f"days {what} are kept must be a whole number"))
        elif not 0 <= value <= MAX_RETENTION_DAYS:
            problems.append(
                FieldProblem(
                    field,
                    f"days {what} are kept must be from 0 to {MAX_RETENTION_DAYS:,} "
                    f"(0: pruned at once), not {value}",
                )
            )
    return problems


def retention_in(session: Session) -> RetentionForm:
    """The retention in force (stored, or the defaults)."""
    idle, other = retention_days(session)
    return RetentionForm(idle_run_retention_days=idle, run_retention_days=other)


def save_retention(session: Session, form: RetentionForm) -> bool:
    """Validate and store ``form`` in ``session``; whether anything changed (audited)."""
    problems = retention_problems(form)
    if problems:
        raise ValidationFailed(problems)
    before = retention_in(session)
    if before == form:
        return False
    stored = {
        row.name: row
        for row in session.scalars(
            select(StoredSetting).where(StoredSetting.name.in_([name for _, name, _ in _SETTINGS]))
        )
    }
    for field, name, _ in _SETTINGS:
        value = getattr(form, field)
        row = stored.get(name)
        if row is None:
            session.add(StoredSetting(name=name, value=value, updated_at=utcnow()))
        elif row.value != value:
            row.value = value
    session.flush()
    record_change(
        session,
        "history",
        UPDATE,
        HISTORY_SUBJECT,
        subject_id=None,
        channel=None,
        before=before,
        after=form,
    )
    return True
