"""`config check` and `config apply`: make the database match a configuration file.

Everything happens in one write transaction: channels, then services, then configurations, then
alerts are compared with the database and created or updated through the same validating
functions the TUI and the command line use, and with ``prune`` what the file does not name is
deleted. Any problem (of the file's shape or of a form) rolls the whole transaction back; so do
a check and a dry run, after they have found the plan.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...database import Database
from ...domain.models import Channel, ExportConfiguration, ImportConfiguration, IntakeConfiguration
from ...domain.statuses import RunKind
from ...errors import UserError, ValidationFailed
from ..alerts import alert_settings_in, put_alert, remove_alert
from ..channels import add_channel, change_channel, channels_in, remove_channel
from ..configurations import (
    export_form_of,
    export_form_problems,
    import_form_of,
    import_form_problems,
    intake_form_problems,
    remove_configuration,
    save_configuration,
)
from ..forms import FieldErrors, wall_time_in
from ..retention import RetentionForm, retention_in, save_retention
from ..services import remove_service, save_service, services_in
from .keys import key_path_of_field
from .reading import ConfigFile, ConfigProblem, Entry, read_config
from .records import (
    Record,
    alert_record,
    channel_record,
    differences,
    export_record,
    history_record,
    import_record,
    service_record,
)

CREATE, UPDATE, DELETE, UNCHANGED = "create", "update", "delete", "unchanged"
_SYMBOLS = {CREATE: "+", UPDATE: "~", DELETE: "-", UNCHANGED: "="}
_KINDS = {"export": RunKind.EXPORT, "import": RunKind.IMPORT, "intake": RunKind.INTAKE}
_MODELS = {
    "export": ExportConfiguration,
    "import": ImportConfiguration,
    "intake": IntakeConfiguration,
}
_FORM_PROBLEMS = {
    "export": export_form_problems,
    "import": import_form_problems,
    "intake": intake_form_problems,
}


def show_value(value: Any) -> str:
    """A value in a plan line, written as TOML would (``(not set)`` for nothing)."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Change:
    """One line of a plan: what happens to one channel, service or configuration."""

    action: str
    what: str
    name: str
    changed: tuple[tuple[str, Any, Any], ...] = ()

    def lines(self) -> list[str]:
        head = f"{_SYMBOLS[self.action]} {self.what} {self.name}"
        return [
            head,
            *(
                f"    {key}: {show_value(old)} → {show_value(new)}"
                for key, old, new in self.changed
            ),
        ]

    def to_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "what": self.what,
            "name": self.name,
            "changed": {
                key: {"old": show_value(old), "new": show_value(new)}
                for key, old, new in self.changed
            },
        }


@dataclass
class Plan:
    """What applying a file does (or did), in order."""

    changes: list[Change] = field(default_factory=list)
    #: In the database but not in the file, left alone (without prune).
    left_alone: list[str] = field(default_factory=list)
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def summary(self) -> str:
        """``N to add, N to change, N to delete`` or ``0 changes``."""
        add, change, delete = self.count(CREATE), self.count(UPDATE), self.count(DELETE)
        if not add + change + delete:
            return "0 changes"
        return f"{add} to add, {change} to change, {delete} to delete"

    def lines(self) -> list[str]:
        """The plan as text, the same for a dry run and before a real apply."""
        lines = [line for change in self.changes for line in change.lines()]
        if self.left_alone:
            lines.append("Not in the file, left alone (--prune deletes them):")
            lines.extend(f"    {label}" for label in self.left_alone)
        lines.append(f"{self.summary}.")
        return lines

    def to_json(self) -> dict[str, object]:
        return {
            "changes": [c.to_json() for c in self.changes],
            "left_alone": list(self.left_alone),
            "add": self.count(CREATE),
            "change": self.count(UPDATE),
            "delete": self.count(DELETE),
            "unchanged": self.count(UNCHANGED),
            "applied": self.applied,
        }


class ConfigInvalid(UserError):
    """A configuration file with problems; nothing of it was applied."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the configuration file")


class _RollBack(Exception):
    """Ends the transaction of a check, a dry run or a file with problems without a trace."""


class _Applier:
    """Applies one read file in one session, collecting the plan and the forms' problems."""

    def __init__(self, session: Session, config: ConfigFile, prune: bool) -> None:
        self.session = session
        self.config = config
        self.prune = prune
        self.plan = Plan()
        #: Names of the file's channels, services and configurations that could not be stored.
        self.broken: dict[str, set[str]] = defaultdict(set)

    def run(self) -> Plan:
        self._channels()
        self._services()
        for table in _MODELS:
            self._configurations(table)
        self._alerts()
        self._history()
        self._absent()
        return self.plan

    # ------------------------------------------------------------------ helpers

    def _bounds_in_zone(self, entry: Entry, zone_name: str) -> bool:
        """Creation-date bounds written without an offset are wall-clock times of the
        configuration's channel (the same file means the same orders on every machine);
        False when one is out of range (reported)."""
        try:
            zone: tzinfo = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        errors = FieldErrors()
        bounds: dict[str, datetime | None] = {}
        for name in ("created_from", "created_to"):
            value = getattr(entry.form, name)
            if isinstance(value, datetime) and value.tzinfo is None:
                bounds[name] = wall_time_in(errors, name, name.replace("_", " "), value, zone)
        for problem in errors.problems:
            self.config.add_problem(
                entry.table, entry.index, ("conditions", problem.field), problem.message
            )
        if errors.problems:
            return False
        if bounds:
            entry.form = replace(entry.form, **bounds)
        return True

    def _problems(
        self, entry: Entry, error: ValidationFailed, *, skip: tuple[str, ...] = ()
    ) -> None:
        for problem in error.problems:
            path = key_path_of_field(entry.table, problem.field)
            if problem.field in skip or path in entry.failed:
                continue  # already reported, as a problem of the file's shape or elsewhere
            self.config.add_field_problem(entry, problem.field, problem.message)

    def _record(self, action: str, entry: Entry, old: Record | None, new: Record) -> None:
        changed = tuple(differences(old, new)) if old is not None else ()
        self.plan.changes.append(Change(action, entry.table, entry.qualified_name, changed))

    # ------------------------------------------------------------------ channels, services

    def _put(
        self,
        entry: Entry,
        old: Record | None,
        new: Record,
        create: Callable[[], object],
        update: Callable[[], object],
        *,
        skip: tuple[str, ...] = (),
    ) -> None:
        """Create, update or leave one channel, service or alert; its problems go to the
        file's (but not those of the fields in ``skip``, reported elsewhere)."""
        try:
            if old is None:
                create()
                self._record(CREATE, entry, None, new)
            elif differences(old, new):
                update()
                self._record(UPDATE, entry, old, new)
            else:
                self._record(UNCHANGED, entry, old, new)
        except ValidationFailed as error:
            self.broken[entry.table].add(entry.name)
            self._problems(entry, error, skip=skip)

    def _channels(self) -> None:
        existing = {view.name: view for view in channels_in(self.session)}
        for entry in self.config.of("channel"):
            before = existing.get(entry.name)
            self._put(
                entry,
                channel_record(before.form()) if before else None,
                channel_record(entry.form),
                lambda e=entry: add_channel(self.session, e.form),
                lambda e=entry: change_channel(self.session, e.name, e.form),
            )

    def _services(self) -> None:
        existing = {view.name: view for view in services_in(self.session)}
        for entry in self.config.of("service"):
            before = existing.get(entry.name)
            self._put(
                entry,
                service_record(before.form()) if before else None,
                service_record(entry.form),
                lambda e=entry: save_service(self.session, e.form),
                lambda e=entry, b=before: save_service(
                    self.session, e.form, service_id=b.id if b else None
                ),
            )

    # ------------------------------------------------------------------ configurations

    def _stored_record(self, table: str, row: Any) -> Record:
        if table == "export":
            return export_record(row.channel.name, export_form_of(self.session, row))
        return import_record(row.channel.name, import_form_of(self.session, row))

    def _configurations(self, table: str) -> None:
        model = _MODELS[table]
        to_record = export_record if table == "export" else import_record
        for entry in self.config.of(table):
            assert entry.channel is not None
            channel = self.session.scalar(select(Channel).where(Channel.name == entry.channel))
            zone = channel.timezone if channel is not None else "UTC"
            if table == "export" and not self._bounds_in_zone(entry, zone):
                continue
            if channel is None and entry.channel in self.broken["channel"]:
                # Its channel has problems of its own; the configuration's are reported too.
                problems = _FORM_PROBLEMS[table](self.session, 0, entry.form)
                self._problems(entry, ValidationFailed(problems))
                continue
            if channel is None:
                if "channel" not in entry.failed:
                    known = ", ".join(sorted(v.name for v in channels_in(self.session)))
                    self.config.add_problem(
                        table,
                        entry.index,
                        ("channel",),
                        f"unknown channel '{entry.channel}': add a [[channel]] with this name "
                        f"or use one of: {known or 'none yet'}",
                    )
                continue
            row = self.session.scalar(
                select(model).where(model.channel_id == channel.id, model.name == entry.name)
            )
            new = to_record(entry.channel, entry.form)
            old = self._stored_record(table, row) if row is not None else None
            if old is not None and not differences(old, new):
                self._record(UNCHANGED, entry, old, new)
                continue
            broken_service = entry.form.service in self.broken["service"]
            try:
                save_configuration(
                    self.session,
                    _KINDS[table],
                    channel.id,
                    entry.form,
                    configuration_id=row.id if row is not None else None,
                )
            except ValidationFailed as error:
                self.broken[table].add(entry.name)
                self._problems(entry, error, skip=("service",) if broken_service else ())
                continue
            self._record(CREATE if row is None else UPDATE, entry, old, new)

    # ------------------------------------------------------------------ alerts

    def _alerts(self) -> None:
        existing = {settings.name: settings for settings in alert_settings_in(self.session)}
        broken_configurations = (
            self.broken["export"] | self.broken["import"] | self.broken["intake"]
        )
        for entry in self.config.of("alert"):
            before = existing.get(entry.name)
            settings = entry.form
            skip = ("channel",) if settings.channel in self.broken["channel"] else ()
            if broken_configurations.intersection(settings.configurations):
                skip += ("configurations",)  # their own problems are reported at them
            save = partial(put_alert, self.session, settings)
            self._put(
                entry,
                alert_record(before) if before else None,
                alert_record(settings),
                save,
                save,
                skip=skip,
            )

    # ------------------------------------------------------------------ run history

    def _history(self) -> None:
        """``[history]``: how long runs are kept. Without it the stored values stay (with
        ``prune`` they go back to the defaults)."""
        entries = self.config.of("history")
        stored = retention_in(self.session)
        if entries:
            wanted = entries[0].form
        elif self.prune:
            wanted = RetentionForm()
        else:
            if stored != RetentionForm():
                self.plan.left_alone.append("history (run retention)")
            return
        try:
            save_retention(self.session, wanted)
        except ValidationFailed as error:
            self._problems(entries[0], error)
            return
        changed = tuple(differences(history_record(stored), history_record(wanted)))
        if changed or entries:
            action = UPDATE if changed else UNCHANGED
            self.plan.changes.append(Change(action, "history", "of runs", changed))

    # ------------------------------------------------------------------ not in the file

    def _absent(self) -> None:
        named = {
            (entry.table, entry.channel, entry.name)
            for entries in self.config.entries.values()
            for entry in entries
        }
        for table in _MODELS:  # what the file's configurations use is in the file, too
            for entry in self.config.of(table):
                named |= {("channel", None, entry.channel), ("service", None, entry.form.service)}
        named |= {("channel", None, entry.form.channel) for entry in self.config.of("alert")}
        for settings in alert_settings_in(self.session):  # first: they may name a channel
            if ("alert", None, settings.name) not in named:
                self._absent_one("alert", settings.name, remove_alert, settings.name)
        for table, model in _MODELS.items():
            rows = self.session.scalars(
                select(model).join(Channel).order_by(Channel.name, model.name)
            )
            for row in list(rows):
                if (table, row.channel.name, row.name) in named:
                    continue
                label = f"{row.channel.name}/{row.name}"
                if self.prune:
                    remove_configuration(self.session, _KINDS[table], row.id)
                    self.plan.changes.append(Change(DELETE, table, label))
                else:
                    self.plan.left_alone.append(f"{table} {label}")
        for service in services_in(self.session):
            if ("service", None, service.name) not in named:
                self._absent_one("service", service.name, remove_service, service.id)
        for channel in channels_in(self.session):
            if ("channel", None, channel.name) not in named:
                self._absent_one("channel", channel.name, remove_channel, channel.name)

    def _absent_one(self, what: str, name: str, remove: Any, key: object) -> None:
        if not self.prune:
            self.plan.left_alone.append(f"{what} {name}")
            return
        try:
            remove(self.session, key)
        except UserError as error:
            self.config.problems.append(
                ConfigProblem(
                    None,
                    f"{what} {name}",
                    f"not in the file, but --prune cannot delete it: {error.message}; "
                    f"or add it to the file",
                )
            )
            return
        self.plan.changes.append(Change(DELETE, what, name))


def apply_config(db: Database, text: str, *, prune: bool = False, commit: bool = True) -> Plan:
    """Make the database match the configuration file ``text`` in one transaction.

    Returns the plan (``applied`` when it was committed). Without ``commit`` (a check or a dry
    run) the plan is found the same way and then rolled back. Raises :class:`ConfigInvalid` with
    every problem of the file; then nothing is changed.
    """
    config = read_config(text)
    if any(problem.key == "(TOML syntax)" for problem in config.problems):
        raise ConfigInvalid(config.problems)
    plan = Plan()
    try:
        with db.write() as session:
            plan = _Applier(session, config, prune).run()
            if config.problems or not commit:
                raise _RollBack
    except _RollBack:
        pass
    if config.problems:
        raise ConfigInvalid(sorted(config.problems, key=lambda p: p.line or 0))
    plan.applied = commit
    return plan
