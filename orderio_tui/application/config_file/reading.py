"""Reading a configuration file into forms, with every problem of its shape at once.

Only the file's shape is checked here (TOML syntax, unknown keys, types, enumerations, duplicate
names, missing mandatory keys); what the forms themselves must satisfy is checked by the same
functions the TUI and the command line use, when the file is applied (:mod:`.plan`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ...alerts.settings import AlertSettings
from ...domain.scheduling import Schedule
from ...domain.statuses import ScheduleMode, ScheduleUnit, ServiceKind, Weekday
from ..channels import ChannelForm
from ..configurations import ExportConfigurationForm, ImportConfigurationForm
from ..forms import FieldErrors, parse_optional_money, parse_optional_wall_datetime
from ..retention import RetentionForm
from ..services import with_defaults
from .keys import (
    AMOUNT,
    CONDITION_KEYS,
    DATETIME,
    SCHEDULE_KEYS,
    SFTP_KEYS,
    SINGLE_TABLES,
    STRINGS,
    TABLE,
    TABLES,
    Key,
    key_path_of_field,
    toml_type,
    type_problem,
)
from .lines import LineIndex

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class ConfigProblem:
    """One problem of a configuration file, at a line."""

    line: int | None
    key: str
    message: str

    def render(self, file_name: str) -> str:
        """``FILE:LINE: key: problem and fix``."""
        where = f"{file_name}:{self.line}" if self.line else file_name
        return f"{where}: {self.key}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "key": self.key, "message": self.message}


@dataclass
class Entry:
    """One table of the file (a channel, service, configuration or alert) and its form."""

    table: str
    index: int
    name: str
    form: Any
    #: Channel of a configuration (None for channels and services).
    channel: str | None = None
    #: Keys (dotted, without the table) that already have a problem of their shape.
    failed: set[str] = field(default_factory=set)

    @property
    def qualified_name(self) -> str:
        """The name, with the channel for a configuration: ``shop-de/erp-export``."""
        return f"{self.channel}/{self.name}" if self.channel else self.name

    @property
    def label(self) -> str:
        """How plans and messages name it: ``export shop-de/erp-export``."""
        return f"{self.table} {self.qualified_name}"


@dataclass
class ConfigFile:
    """A configuration file read into entries, with the problems found so far."""

    lines: LineIndex
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)

    def add_problem(
        self, table: str | None, index: int, path: tuple[str, ...], message: str
    ) -> None:
        key = ".".join(((table,) if table else ()) + path) or "(file)"
        self.problems.append(ConfigProblem(self.lines.line(table, index, path), key, message))

    def add_field_problem(self, entry: Entry, field_name: str, message: str) -> None:
        """A problem that validation of the entry's form found in one of its fields."""
        path = tuple(key_path_of_field(entry.table, field_name).split("."))
        self.add_problem(entry.table, entry.index, path, message)

    def of(self, table: str) -> list[Entry]:
        return self.entries.get(table, [])


def _nearest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known keys: {', '.join(known)}"


class _TableReader:
    """Checks one table against its keys; collects the well-typed values by form field."""

    def __init__(self, config: ConfigFile, table: str, index: int) -> None:
        self.config = config
        self.table = table
        self.index = index
        self.failed: set[str] = set()

    def problem(self, path: tuple[str, ...], message: str) -> None:
        self.failed.add(".".join(path))
        self.config.add_problem(self.table, self.index, path, message)

    def values(
        self, data: dict[str, Any], keys: tuple[Key, ...], prefix: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        by_name = {key.name: key for key in keys}
        found: dict[str, Any] = {}
        for name, value in data.items():
            path = (*prefix, name)
            key = by_name.get(name)
            if key is None:
                self.problem(path, f"unknown key: {_nearest(name, list(by_name))}")
                continue
            problem = type_problem(key, value)
            if problem is not None:
                self.problem(path, problem)
                continue
            if key.type == TABLE:
                continue
            if key.enumeration and value not in key.allowed:
                self.problem(path, f"unknown value '{value}': use one of {', '.join(key.allowed)}")
                continue
            found[key.name] = value
        for key in keys:
            if key.mandatory and key.name not in data and not key.kinds:
                self.problem((*prefix, key.name), f"{key.name} is mandatory: add {key.name} = …")
        return found


def _schedule(reader: _TableReader, data: Any) -> Schedule:
    if not isinstance(data, dict):
        return Schedule()
    values = reader.values(data, SCHEDULE_KEYS, ("schedule",))
    return Schedule(
        mode=ScheduleMode(values.get("mode", ScheduleMode.MANUAL.value)),
        every=values.get("every"),
        unit=ScheduleUnit(values["unit"]) if "unit" in values else None,
        at=values.get("at"),
        weekday=Weekday(values["weekday"]) if "weekday" in values else None,
        enabled=values.get("enabled", True),
    )


def _moment(reader: _TableReader, name: str, value: Any) -> datetime | None:
    errors = FieldErrors()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    else:
        text = value.isoformat() if isinstance(value, date) else str(value)
    # Without an offset it is a wall-clock time of the configuration's channel, made UTC when
    # the plan knows the channel's time zone.
    moment = parse_optional_wall_datetime(
        errors, name, name.replace("_", " "), text, end_of_day=name == "created_to"
    )
    for problem in errors.problems:
        reader.problem(("conditions", name), problem.message)
    return moment


def _conditions(reader: _TableReader, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        return {}
    values = reader.values(data, CONDITION_KEYS, ("conditions",))
    by_name = {key.name: key for key in CONDITION_KEYS}
    fields: dict[str, Any] = {}
    for name, value in values.items():
        key = by_name[name]
        if key.type == DATETIME:
            value = _moment(reader, name, value)
        elif key.type == AMOUNT:
            errors = FieldErrors()
            value = parse_optional_money(errors, name, name.replace("_", " "), str(value))
            for problem in errors.problems:
                reader.problem(("conditions", name), problem.message)
        fields[key.form_field] = value
    return fields


def _channel_entry(reader: _TableReader, data: dict[str, Any]) -> Entry | None:
    values = reader.values(data, TABLES["channel"])
    if "name" not in values:
        return None
    return Entry("channel", reader.index, values["name"].strip(), ChannelForm(**values))


def _service_entry(reader: _TableReader, data: dict[str, Any]) -> Entry | None:
    keys = TABLES["service"]
    values = reader.values(data, keys)
    if "name" not in values or "kind" not in values:
        return None
    kind = ServiceKind(values["kind"])
    fields: dict[str, Any] = {}
    for key in keys:
        if key.name not in values or key.name == "kind":
            continue
        if not key.applies_to(kind):
            kinds = ", ".join(k.value for k in key.kinds)
            reader.problem((key.name,), f"applies only to {kinds} services: remove it")
            continue
        fields[key.form_field] = values[key.name]
    for key in keys:
        if key.mandatory and key.kinds and kind in key.kinds and key.name not in values:
            reader.problem((key.name,), f"a {kind.value} service needs {key.name} = …")
    sftp = data.get("sftp")
    if values.get("transport") == "sftp" and not isinstance(sftp, dict):
        reader.problem(("sftp",), "an sftp service needs a [service.sftp] table with host, …")
    elif isinstance(sftp, dict):
        if values.get("transport") != "sftp":
            reader.problem(("sftp",), 'applies only with transport = "sftp": remove it or set it')
        for key in SFTP_KEYS:
            if key.name in sftp and not key.applies_to(kind):
                reader.problem(("sftp", key.name), "applies only to pickups: remove it")
        found = reader.values(sftp, SFTP_KEYS, ("sftp",))
        fields.update({key.form_field: found[key.name] for key in SFTP_KEYS if key.name in found})
    return Entry("service", reader.index, values["name"].strip(), with_defaults(kind, **fields))


def _configuration_entry(reader: _TableReader, data: dict[str, Any]) -> Entry | None:
    table = reader.table
    values = reader.values(data, TABLES[table])
    schedule = _schedule(reader, data.get("schedule"))
    if "name" not in values or "channel" not in values:
        return None
    common = {
        "name": values["name"],
        "service": values.get("service", ""),
        "description": values.get("description", ""),
        "schedule": schedule,
    }
    if table in ("import", "intake"):
        form: Any = ImportConfigurationForm(**common)
    else:
        extra = {
            key.form_field: values[key.name]
            for key in TABLES["export"]
            if key.name in ("status_updates", "order_transitions", "line_item_transitions")
            and key.name in values
        }
        form = ExportConfigurationForm(
            **common, **extra, **_conditions(reader, data.get("conditions"))
        )
    return Entry(table, reader.index, values["name"].strip(), form, values["channel"].strip())


def _alert_entry(reader: _TableReader, data: dict[str, Any]) -> Entry | None:
    keys = TABLES["alert"]
    values = reader.values(data, keys)
    if "name" not in values:
        return None
    fields = {
        key.form_field: tuple(values[key.name]) if key.type == STRINGS else values[key.name]
        for key in keys
        if key.name in values
    }
    fields["name"] = values["name"].strip()
    return Entry("alert", reader.index, fields["name"], AlertSettings(**fields))


_ENTRY_READERS = {
    "channel": _channel_entry,
    "service": _service_entry,
    "export": _configuration_entry,
    "import": _configuration_entry,
    "intake": _configuration_entry,
    "alert": _alert_entry,
}


def _single_entry(config: ConfigFile, table: str, data: object) -> None:
    """A table written once (``[history]``)."""
    if not isinstance(data, dict):
        config.add_problem(
            None, 0, (table,), f"must be one table written [{table}], not {toml_type(data)}"
        )
        return
    reader = _TableReader(config, table, 0)
    entry = Entry(table, 0, table, RetentionForm(**reader.values(data, SINGLE_TABLES[table])))
    entry.failed = reader.failed
    config.entries[table] = [entry]


def _toml_problem(config: ConfigFile, error: tomllib.TOMLDecodeError) -> None:
    text = str(error)
    match = _TOML_POSITION.search(text)
    line = int(match.group(1)) if match else None
    message = _TOML_POSITION.sub("", text).strip()
    column = f" at column {match.group(2)}" if match else ""
    config.problems.append(
        ConfigProblem(line, "(TOML syntax)", f"{message}{column}: fix the TOML syntax")
    )


def read_config(text: str) -> ConfigFile:
    """The file's entries and every problem of its shape (none: it can be applied)."""
    config = ConfigFile(LineIndex(text))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        _toml_problem(config, error)
        return config
    for table, tables in document.items():
        if table in SINGLE_TABLES:
            _single_entry(config, table, tables)
            continue
        if table not in TABLES:
            known = [*TABLES, *SINGLE_TABLES]
            config.add_problem(None, 0, (table,), f"unknown table: {_nearest(table, known)}")
            continue
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            config.add_problem(
                None,
                0,
                (table,),
                f"must be an array of tables written [[{table}]], not {toml_type(tables)}",
            )
            continue
        seen: dict[tuple[str | None, str], int] = {}
        for index, data in enumerate(tables):
            reader = _TableReader(config, table, index)
            entry = _ENTRY_READERS[table](reader, data)
            if entry is None:
                continue
            entry.failed = reader.failed
            identity = (entry.channel, entry.name)
            if identity in seen:
                config.add_problem(
                    table,
                    index,
                    ("name",),
                    f"duplicate: {entry.label} is already defined at line "
                    f"{config.lines.line(table, seen[identity], ('name',))}: rename or remove one",
                )
                continue
            seen[identity] = index
            config.entries.setdefault(table, []).append(entry)
    return config
