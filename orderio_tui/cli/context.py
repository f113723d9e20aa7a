"""What every command of the command line shares: the lazily opened database and the output
helpers (JSON, tables, local times)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

if TYPE_CHECKING:
    from ..database import Database

EXIT_USAGE = 2


class Context:
    """Lazily opened database shared by the subcommands of one invocation."""

    def __init__(self, db_url: str | None) -> None:
        self.db_url = db_url
        self._db: Database | None = None
        self._zones: dict[str, str] | None = None

    @property
    def db(self) -> Database:
        """The existing database: a missing SQLite file is an error, not a new database."""
        return self.open(create=False)

    def zone_of(self, channel: str | None) -> str | None:
        """The time zone of ``channel``, in which its times are shown (None: unknown)."""
        if self._zones is None:
            from ..application.channels import list_channels

            self._zones = {c.name: c.timezone for c in list_channels(self.db)}
        return self._zones.get(channel or "")

    def open(self, *, create: bool) -> Database:
        """The database, created (and announced once on stderr) if ``create`` and missing."""
        if self._db is None:
            from ..database import open_database  # SQLAlchemy only for commands that use it

            self._db = open_database(self.db_url, create=create)
            if self._db.created:
                click.echo(f"orderio-tui: created new database at {self._db.location}", err=True)
        return self._db


pass_context = click.make_pass_decorator(Context)


def print_json(data: Any) -> None:
    """One JSON document on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain text table with a header line, columns as wide as their widest cell."""
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def local_time(value: Any, zone: str | None = None) -> str:
    """An aware time as ``YYYY-MM-DD HH:MM:SS`` in ``zone`` (a channel's IANA time zone; the
    machine's when None or unknown); "" for None."""
    if not value:
        return ""
    try:
        shown = value.astimezone(ZoneInfo(zone)) if zone else value.astimezone()
    except (ZoneInfoNotFoundError, ValueError):
        shown = value.astimezone()
    return str(shown.strftime("%Y-%m-%d %H:%M:%S"))
