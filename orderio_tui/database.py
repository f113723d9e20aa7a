"""Opening the database: URL resolution, SQLite pragmas, write transactions, migrations.

One :class:`Database` per process; sessions are made per unit of work and never cross threads.
SQLite runs in WAL mode with a busy timeout, and write units of work start with
``BEGIN IMMEDIATE`` so that two writers queue instead of failing halfway through.

A writer waits for the write lock as long as its holder makes progress: a status import
applies a whole file in one transaction, which may take minutes, and the runs that need the
lock meanwhile (an export, a lease renewal) must wait for it, not fail. The holder's progress
is seen in the growing write-ahead log; a holder that makes none for the busy timeout (default
30 s, ``$ORDERIO_SQLITE_BUSY_TIMEOUT`` seconds) ends the wait with "database is locked".
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_dir
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker

from .errors import DatabaseUnavailable
from .settings import number_setting

if TYPE_CHECKING:
    from alembic.config import Config

ENV_VAR = "ORDERIO_DB"
#: How long a SQLite writer waits for another's write lock before it fails ("database is locked").
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Setting (seconds) that overrides it, e.g. for a database shared by many slow writers.
BUSY_TIMEOUT_ENV_VAR = "ORDERIO_SQLITE_BUSY_TIMEOUT"
_BUSY_TIMEOUT_RANGE = (0.1, 3600.0)
#: A waiting writer looks at the holder's progress this often (milliseconds).
_LOCK_CHECK_MS = 500
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r'^(revision|down_revision)\b[^=]*=\s*(None|"([^"]+)")', re.MULTILINE)
#: Key of the PostgreSQL advisory lock that serialises migrations of concurrent starts.
_MIGRATION_LOCK_KEY = 0x0D0E_510


def sqlite_busy_timeout_ms() -> int:
    """The busy timeout: ``$ORDERIO_SQLITE_BUSY_TIMEOUT`` seconds, else 30 s."""
    low, high = _BUSY_TIMEOUT_RANGE
    default = SQLITE_BUSY_TIMEOUT_MS / 1000
    return int(number_setting(BUSY_TIMEOUT_ENV_VAR, default, low, high, unit=" s") * 1000)


def environment_fault(exc: BaseException) -> str | None:
    """Words for a database failure the environment caused (locked, full, damaged, gone), or
    None for anything else (a programming error, which keeps its traceback)."""
    if not isinstance(exc, DBAPIError) or isinstance(
        exc, (IntegrityError, ProgrammingError, DataError, NotSupportedError)
    ):
        return None
    detail = (str(exc.orig).strip().splitlines() or [""])[0] if exc.orig else str(exc)
    lowered = detail.lower()
    if "locked" in lowered or "busy" in lowered:
        hint = "another process held its write lock too long; try again when it is free"
    elif "full" in lowered or "no space" in lowered:
        hint = "free disk space where the database lives"
    elif "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        hint = "the database file is damaged: restore it from a backup"
    elif "readonly" in lowered or "read-only" in lowered:
        hint = "make the database file and its directory writable"
    else:
        hint = "check that the database is reachable and has free disk space"
    return f"the database failed ({detail[:200]}): {hint}"


def log_failure(log: logging.Logger, what: str, exc: BaseException) -> str | None:
    """Log ``what`` failed: in words for an environment fault (no traceback on the terminal),
    with the traceback for anything else. Returns the fault's words, or None."""
    fault = environment_fault(exc)
    log.error("%s (%s)", what, fault or type(exc).__name__, exc_info=None if fault else exc)
    return fault


def default_database_url() -> str:
    """A SQLite file in the user data directory."""
    directory = Path(user_data_dir("orderio", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'orderio.db'}"


def resolve_database_url(explicit: str | None = None) -> str:
    """``--db`` first, then ``$ORDERIO_DB``, then the default SQLite file."""
    return explicit or os.environ.get(ENV_VAR) or default_database_url()


_SUPPORTED = "use e.g. sqlite:///path/to/orderio.db or postgresql+psycopg://user@host/dbname"
_BACKENDS = ("sqlite", "postgresql")


class Database:
    """An opened, migrated database and its session factories.

    A SQLite file that does not exist yet is created only with ``create``; :attr:`created`
    says whether this did it.
    """

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        try:
            url.encode("utf-8")
            parsed = make_url(url)
        except (ArgumentError, UnicodeEncodeError, ValueError):
            raise DatabaseUnavailable(
                f"database URL '{url.encode('utf-8', 'backslashreplace').decode()}' is not "
                f"valid: {_SUPPORTED}"
            ) from None
        if parsed.get_backend_name() not in _BACKENDS:
            raise DatabaseUnavailable(
                f"database URL '{parsed.render_as_string(hide_password=True)}' is "
                f"{parsed.get_backend_name()}: only SQLite and PostgreSQL are supported: "
                f"{_SUPPORTED}"
            )
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        #: Where the data is, for messages (the file of SQLite, the URL without password else).
        self.location = parsed.render_as_string(hide_password=True)
        self.created = False
        if self.is_sqlite:
            self.created = self._check_sqlite_path(parsed.database, create=create)
            if parsed.database:
                self.location = parsed.database
        try:
            self.engine = self._create_engine(url)
        except NoSuchModuleError:
            raise DatabaseUnavailable(
                f"database URL '{url}' needs a driver that is not installed: for PostgreSQL "
                f"install orderio-tui[postgres] and use postgresql+psycopg://"
            ) from None
        except ModuleNotFoundError as exc:
            raise DatabaseUnavailable(
                f"database driver '{exc.name}' for '{url}' is not installed: "
                f"install orderio-tui[postgres]"
            ) from None
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )

    @staticmethod
    def _check_sqlite_path(database: str | None, *, create: bool) -> bool:
        """Check where the SQLite file is; True if it does not exist yet (and may be created)."""
        if not database or database == ":memory:" or database.startswith("file:"):
            return False
        path = Path(database)
        if not path.parent.is_dir():
            raise DatabaseUnavailable(
                f"database directory '{path.parent}' does not exist: create it or give another --db"
            )
        if path.is_dir():
            raise DatabaseUnavailable(
                f"database '{path}' is a directory: give a file path such as {path}/orderio.db"
            )
        if path.exists():
            return False
        if not create:
            raise DatabaseUnavailable(
                f"database '{path}' does not exist: check --db / ${ENV_VAR} (a new database is "
                f"created by 'orderio-tui demo', 'channel add', 'config apply', 'scheduler' or "
                f"the TUI)"
            )
        return True

    def _create_engine(self, url: str) -> Engine:
        if not self.is_sqlite:
            return create_engine(url, pool_pre_ping=True, future=True)
        busy_timeout_ms = sqlite_busy_timeout_ms()
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )
        database = make_url(url).database
        wal = Path(f"{database}-wal") if database and database != ":memory:" else None

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy's "begin" event issue BEGIN itself (DEFERRED or IMMEDIATE).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            if mode == "IMMEDIATE" and wal is not None:
                _begin_immediate(connection, wal, busy_timeout_ms)
            else:
                connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    # ------------------------------------------------------------------ sessions

    def session(self) -> Session:
        """A session for reading (and small writes that may wait for the write lock)."""
        return self._read()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write unit of work: ``BEGIN IMMEDIATE`` on SQLite, committed on success."""
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read unit of work."""
        with self._read() as session:
            yield session

    # ------------------------------------------------------------------ migrations

    def _alembic_config(self) -> Config:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        return config

    def migrate(self) -> None:
        """Bring the schema to the newest revision shipped in the package.

        An up-to-date database is recognised without loading Alembic (it is the biggest part of
        the command line's start-up); Alembic runs only when there is something to upgrade.
        """
        try:
            if self._stored_revision() == head_revision():
                return
            from alembic import command

            config = self._alembic_config()
            with self.engine.execution_options(sqlite_begin="IMMEDIATE").begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except DBAPIError as exc:
            raise DatabaseUnavailable(self._explain(exc)) from None

    def _stored_revision(self) -> str | None:
        """The revision in ``alembic_version``; None for a database without one."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return None
            rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        return rows[0][0] if len(rows) == 1 else None

    def _explain(self, exc: DBAPIError) -> str:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if self.is_sqlite and "not a database" in detail:
            return (
                f"'{make_url(self.url).database}' is not an orderio database (SQLite says: "
                f"{detail}): give another --db"
            )
        return f"cannot open database '{self.url}': {detail}: check --db / ${ENV_VAR}"

    def dispose(self) -> None:
        self.engine.dispose()


def _begin_immediate(connection: Connection, wal: Path, busy_timeout_ms: int) -> None:
    """``BEGIN IMMEDIATE``, waiting while the holder of the write lock makes progress."""
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {min(_LOCK_CHECK_MS, busy_timeout_ms)}")
    try:
        seen = _wal_state(wal)
        progress_at = time.monotonic()
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                    raise
                now, state = time.monotonic(), _wal_state(wal)
                if state != seen:  # the holder wrote: it is alive and working
                    seen, progress_at = state, now
                elif (now - progress_at) * 1000 >= busy_timeout_ms:
                    raise
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_timeout_ms}")


def _wal_state(wal: Path) -> tuple[int, int]:
    try:
        stat = wal.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


def sqlite_file_missing(url: str | None) -> bool:
    """True when ``url`` names a SQLite file that does not exist (yet)."""
    try:
        parsed = make_url(resolve_database_url(url))
    except ArgumentError:
        return False
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return False
    return not database.startswith("file:") and not Path(database).exists()


def open_database(url: str | None = None, *, migrate: bool = True, create: bool = True) -> Database:
    """Open (and by default migrate) the database at ``url`` or the resolved default.

    Without ``create`` a SQLite file that does not exist is :class:`DatabaseUnavailable`.
    """
    database = Database(resolve_database_url(url), create=create)
    if migrate:
        database.migrate()
    return database


@cache
def head_revision() -> str:
    """The newest migration shipped in the package, read from the revision files themselves.

    The one revision no other revision names as its ``down_revision`` (a test checks that this
    agrees with Alembic's own head).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        fields = {m.group(1): m.group(3) for m in _REVISION.finditer(path.read_text("utf-8"))}
        if fields.get("revision"):
            revisions.add(fields["revision"])
            if fields.get("down_revision"):
                parents.add(fields["down_revision"])
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the package's migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()
