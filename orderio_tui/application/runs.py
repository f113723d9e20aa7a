"""Runs as the command line and the TUI show them: the history list and one run's detail
(the journal that writes runs is :mod:`orderio_tui.runs.journal`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.models import (
    Channel,
    ExportConfiguration,
    ImportConfiguration,
    IntakeConfiguration,
    Run,
    RunLogLine,
    RunResultRow,
)
from ..domain.statuses import RunKind

# --------------------------------------------------------------------------- history


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@dataclass(frozen=True)
class RunView:
    """A run as the history list and `runs --json` show it."""

    run_id: int
    kind: str
    config: str
    configuration_id: int
    channel: str
    trigger: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    files: list[str]
    message: str
    dry_run: bool
    idle: bool = False

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        """SPEC §10 shape of `runs --json`."""
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "config": self.config,
            "channel": self.channel,
            "trigger": self.trigger,
            "state": self.state,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "counts": dict(self.counts),
            "files": list(self.files),
            "message": self.message,
            "idle": self.idle,
        }


@dataclass(frozen=True)
class RunLogView:
    at: datetime
    level: str
    message: str


@dataclass(frozen=True)
class RunResultView:
    document_no: str
    outcome: str
    reason_code: str | None
    reason_text: str | None
    file_name: str | None


@dataclass(frozen=True)
class RunDetail:
    run: RunView
    log: list[RunLogView]
    results: list[RunResultView]


def _run_view(run: Run, channel: str) -> RunView:
    return RunView(
        run_id=run.id,
        kind=run.kind,
        config=run.config_name,
        configuration_id=run.configuration_id,
        channel=channel,
        trigger=run.trigger,
        state=run.state,
        started_at=run.started_at,
        finished_at=run.finished_at,
        counts=dict(run.counts or {}),
        files=list(run.files or []),
        message=run.message,
        dry_run=run.dry_run,
        idle=bool(run.idle),
    )


def list_runs(
    db: Database,
    *,
    config: str | None = None,
    channel: str | None = None,
    kind: RunKind | None = None,
    configuration_id: int | None = None,
    limit: int | None = 50,
    after_id: int | None = None,
    include_idle: bool = True,
) -> list[RunView]:
    """Runs, newest first, filtered by configuration name, channel, kind or id; without
    ``include_idle``, runs that found nothing to do are left out.

    A configuration name that no configuration and no run has is :class:`NotFound`.
    """
    from .channels import channel_by_name  # channels imports nothing from here; avoids a cycle

    with db.read() as session:
        query = (
            select(Run, Channel.name)
            .join(Channel, Channel.id == Run.channel_id)
            .order_by(Run.id.desc())
        )
        channel_id = None if channel is None else channel_by_name(session, channel).id
        if channel_id is not None:
            query = query.where(Run.channel_id == channel_id)
        if config is not None:
            _check_configuration_name(session, config, channel_id)
            query = query.where(Run.config_name == config)
        if kind is not None:
            query = query.where(Run.kind == kind.value)
        if configuration_id is not None:
            query = query.where(Run.configuration_id == configuration_id)
        if after_id is not None:
            query = query.where(Run.id > after_id)
        if not include_idle:
            query = query.where(Run.idle.is_(False))
        if limit is not None:
            query = query.limit(limit)
        return [_run_view(run, name) for run, name in session.execute(query)]


def _check_configuration_name(session: Session, name: str, channel_id: int | None) -> None:
    """:class:`NotFound` unless a configuration or a past run (in the channel) has ``name``."""
    from ..errors import NotFound

    known: set[str] = set()
    for column, of_channel in (
        (Run.config_name, Run.channel_id),
        (ExportConfiguration.name, ExportConfiguration.channel_id),
        (ImportConfiguration.name, ImportConfiguration.channel_id),
        (IntakeConfiguration.name, IntakeConfiguration.channel_id),
    ):
        query = select(column).distinct()
        if channel_id is not None:
            query = query.where(of_channel == channel_id)
        known.update(session.scalars(query))
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise NotFound(f"configuration '{name}' has no runs and does not exist (known: {listed})")


def run_detail(db: Database, run_id: int, *, max_results: int = 5000) -> RunDetail:
    """A run with its log and (up to ``max_results``) per-order results."""
    from ..errors import NotFound

    with db.read() as session:
        run = session.get(Run, run_id)
        if run is None:
            raise NotFound(f"run {run_id} does not exist: refresh the history")
        channel = session.get(Channel, run.channel_id)
        log = [
            RunLogView(line.at, line.level, line.message)
            for line in session.scalars(
                select(RunLogLine).where(RunLogLine.run_id == run_id).order_by(RunLogLine.id)
            )
        ]
        results = [
            RunResultView(r.document_no, r.outcome, r.reason_code, r.reason_text, r.file_name)
            for r in session.scalars(
                select(RunResultRow)
                .where(RunResultRow.run_id == run_id)
                .order_by(RunResultRow.id)
                .limit(max_results)
            )
        ]
        return RunDetail(_run_view(run, channel.name if channel else ""), log, results)


# --------------------------------------------------------------------------- file preview

#: Lines a file preview shows at most.
PREVIEW_LINES = 200
#: Characters of one line a preview shows; the rest of a longer line is left out.
PREVIEW_LINE_LENGTH = 1000
#: Bytes a preview reads at most, however the file's lines are cut.
PREVIEW_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FilePreview:
    """The first lines of a run's file, read-only; ``problem`` says why there are none."""

    path: str
    lines: list[str]
    #: True when the file goes on after the lines shown.
    more: bool = False
    problem: str | None = None


def file_preview(
    path: str, *, max_lines: int = PREVIEW_LINES, max_line_length: int = PREVIEW_LINE_LENGTH
) -> FilePreview:
    """The first ``max_lines`` lines of ``path``, each cut at ``max_line_length`` characters; a
    file that is gone or unreadable gives a preview with its ``problem`` instead."""
    lines: list[str] = []
    try:
        with open(path, "rb") as file:
            budget = PREVIEW_BYTES
            while len(lines) < max_lines and budget > 0:
                # A line's characters take up to 4 bytes; more is read only to find its end.
                raw = file.readline(min(budget, max_line_length * 4 + 4))
                if not raw:
                    return FilePreview(path, lines)
                budget -= len(raw)
                while not raw.endswith(b"\n") and budget > 0:
                    rest = file.readline(min(budget, 64 * 1024))
                    if not rest:
                        break
                    budget -= len(rest)
                    raw = raw[: max_line_length * 4 + 4] + rest[-1:]
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if len(text) > max_line_length:
                    text = text[: max_line_length - 1] + "…"
                lines.append(text)
            return FilePreview(path, lines, more=bool(file.read(1)))
    except FileNotFoundError:
        problem = "the file no longer exists: it was moved or deleted after the run"
    except IsADirectoryError:
        problem = "this is a directory, not a file"
    except OSError as exc:
        problem = f"the file cannot be read: {exc.strerror or exc}"
    return FilePreview(path, [], problem=problem)
