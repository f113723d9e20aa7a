"""Fixtures shared by all test folders: a fresh, migrated database per test.

By default each test gets a SQLite file in its own directory. With
``ORDERIO_TEST_DATABASE_URL`` set to a PostgreSQL server URL (any existing database on it, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), the tests that use ``db_url`` or
``db`` run on PostgreSQL instead: the session creates one migrated database on that server
(dropped at the end) and every test starts with all its tables emptied and its id sequences
reset, which is as good as a fresh database and much faster than creating one per test. Such
tests are marked ``database`` (``pytest -m database`` runs only them); a test marked
``sqlite_only`` keeps SQLite either way.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sftp_server import SshServer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from orderio_tui.database import Database, open_database
from orderio_tui.domain.models import Base

TEST_DATABASE_ENV = "ORDERIO_TEST_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "database: uses the db/db_url fixture (runs again on PostgreSQL in CI)"
    )
    config.addinivalue_line("markers", "sqlite_only: always runs on SQLite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def _postgresql_test_database() -> Iterator[str | None]:
    """URL of this session's migrated PostgreSQL test database (None without the variable)."""
    server_url = os.environ.get(TEST_DATABASE_ENV)
    if not server_url:
        yield None
        return
    server = make_url(server_url)
    name = f"orderio_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            open_database(url).dispose()
            yield url
        finally:
            with admin.connect() as connection:
                # FORCE: connections of engines a test did not dispose must not keep it alive.
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _empty_postgresql_database(url: str) -> None:
    """Empty every table and reset the id sequences; end what earlier tests left connected."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def db_url(
    tmp_path: Path, request: pytest.FixtureRequest, _postgresql_test_database: str | None
) -> str:
    """URL of a fresh database: a SQLite file in the test's directory, or the emptied
    PostgreSQL test database when ``ORDERIO_TEST_DATABASE_URL`` is set."""
    if _postgresql_test_database and request.node.get_closest_marker("sqlite_only") is None:
        _empty_postgresql_database(_postgresql_test_database)
        return _postgresql_test_database
    return f"sqlite:///{tmp_path / 'orderio.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A fresh, migrated database."""
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    """A running OpenSSH server on 127.0.0.1 for this test (see ``sftp_server.py``)."""
    server = SshServer(tmp_path / "sshd").start()
    yield server
    server.stop()
