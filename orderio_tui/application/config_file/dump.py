"""`config dump`: the database's channels, services, configurations and alerts as one TOML file.

The text is stable: entries sorted by name (configurations by channel, then name), keys in the
documented order, comments naming the allowed values, no time stamps. tomlkit writes it, so
strings, dates and tables are quoted the way TOML wants.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from sqlalchemy import select
from tomlkit.items import Table

from ...database import Database
from ...domain.models import Channel, ExportConfiguration, ImportConfiguration, IntakeConfiguration
from ...domain.statuses import ServiceKind
from ...engines.files import sync_directory
from ...errors import UserError
from ..alerts import alert_settings_in
from ..channels import channel_by_name, channels_in
from ..configurations import export_form_of, import_form_of
from ..retention import retention_in
from ..services import services_in
from .keys import SINGLE_TABLES, STRINGS, SUB_TABLES, TABLE, TABLES, TRANSITIONS, Key
from .records import (
    Record,
    alert_record,
    channel_record,
    export_record,
    history_record,
    import_record,
    service_record,
)

HEADER = (
    "orderio configuration. `orderio-tui config apply FILE` makes a database match it;",
    "`orderio-tui config check FILE` checks it. Every key: docs/configuration.md",
)
#: Lists longer than this (as one line) are written one value per line.
_LONG_LIST = 60


def _comment(key: Key) -> str:
    parts = [key.hint] if key.hint else []
    if key.allowed and key.type == STRINGS:
        parts.append(f"any of: {', '.join(key.allowed)}")
    elif key.allowed and key.type == TRANSITIONS:
        parts.append(f'FROM = "TO"; statuses: {", ".join(key.allowed)}')
    elif key.allowed:
        parts.append(" | ".join(key.allowed))
    return "; ".join(parts)


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        table.update(value)
        return table
    if isinstance(value, list):
        array = tomlkit.array()
        array.extend(value)
        if len(", ".join(f'"{v}"' for v in value)) > _LONG_LIST:
            array.multiline(True)
        return array
    return tomlkit.item(value)


def _fill(table: Table, keys: tuple[Key, ...], record: Record, owner: str) -> None:
    kind = ServiceKind(record["kind"]) if owner == "service" else None
    for key in keys:
        if kind is not None and not key.applies_to(kind):
            continue
        if key.type == TABLE:
            if key.name not in record:
                continue  # e.g. [service.sftp] of a local service
            sub = tomlkit.table()
            _fill(sub, SUB_TABLES[(owner, key.name)], record.get(key.name, {}), key.name)
            table.add(key.name, sub)
            continue
        comment = _comment(key)
        if key.name not in record:
            if key.example:
                note = f"{key.name} = {key.example}  (not set{'; ' + comment if comment else ''})"
                table.add(tomlkit.comment(note))
            continue
        value = record[key.name]
        if comment and (key.type in (STRINGS, TRANSITIONS)):
            table.add(tomlkit.comment(f"{key.name}: {comment}"))
            comment = ""
        item = _value(value)
        if comment:
            item.comment(comment)
        table.add(key.name, item)


def render(records: dict[str, list[Record]]) -> str:
    """The TOML text of the records of each table (``channel``, ``service``, …)."""
    document = tomlkit.document()
    for line in HEADER:
        document.add(tomlkit.comment(line))
    for name, keys in SINGLE_TABLES.items():
        for record in records.get(name, [])[:1]:
            table = tomlkit.table()
            _fill(table, keys, record, name)
            document.add(tomlkit.nl())
            document.add(name, table)
    for name, keys in TABLES.items():
        rows = records.get(name, [])
        if not rows:
            continue
        array = tomlkit.aot()
        for record in rows:
            table = tomlkit.table()
            _fill(table, keys, record, name)
            array.append(table)
        document.add(tomlkit.nl())
        document.add(name, array)
    return tomlkit.dumps(document)


def _configuration_rows(session: Any, model: Any, channel_id: int | None) -> list[Any]:
    query = select(model).join(Channel).order_by(Channel.name, model.name)
    if channel_id is not None:
        query = query.where(model.channel_id == channel_id)
    return list(session.scalars(query))


def dump_config(db: Database, channel: str | None = None) -> str:
    """Every channel, service, configuration and alert and the run history's retention (with
    ``channel``: that channel, its configurations, the services they use and its alerts) as
    configuration file text."""
    with db.read() as session:
        channel_id = channel_by_name(session, channel).id if channel else None
        exports = [
            export_record(row.channel.name, export_form_of(session, row))
            for row in _configuration_rows(session, ExportConfiguration, channel_id)
        ]
        imports = [
            import_record(row.channel.name, import_form_of(session, row))
            for row in _configuration_rows(session, ImportConfiguration, channel_id)
        ]
        intakes = [
            import_record(row.channel.name, import_form_of(session, row))
            for row in _configuration_rows(session, IntakeConfiguration, channel_id)
        ]
        used = {record["service"] for record in [*exports, *imports, *intakes]}
        channels = [
            channel_record(view.form())
            for view in channels_in(session)
            if channel is None or view.name == channel
        ]
        services = [
            service_record(view.form())
            for view in services_in(session)
            if channel is None or view.name in used
        ]
        alerts = [
            alert_record(settings)
            for settings in alert_settings_in(session)
            if channel is None or settings.channel == channel
        ]
        history = [] if channel else [history_record(retention_in(session))]
    return render(
        {
            "history": history,
            "channel": channels,
            "service": services,
            "export": exports,
            "import": imports,
            "intake": intakes,
            "alert": alerts,
        }
    )


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` durably: a temporary file beside it, fsync, rename."""
    directory = path.expanduser().absolute().parent
    if not directory.is_dir():
        raise UserError(f"directory '{directory}' does not exist: create it or give another -o")
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        temporary = None
        sync_directory(directory)
    except OSError as exc:
        raise UserError(f"cannot write '{path}': {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
