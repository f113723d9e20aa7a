"""Fixtures shared by all test folders: a fresh, migrated database per test.

By default each test gets a SQLite file in its own directory. With
``ORDERIO_TEST_DATABASE_URL`` set to a PostgreSQL server URL (any existing database on it, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), each test that uses ``db_url`` or
``db`` gets a freshly created database on that server instead, dropped afterwards. Such tests
are marked ``database`` (``pytest -m database`` runs only them); a test marked ``sqlite_only``
keeps SQLite either way.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from orderio_tui.database import Database, open_database

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


def _fresh_postgresql_database(server_url: str) -> Iterator[str]:
    """Create a uniquely named database on the server, yield its URL, drop it afterwards."""
    server = make_url(server_url)
    name = f"orderio_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # FORCE: connections of engines a test did not dispose must not keep it alive.
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh database: a SQLite file in the test's directory, or a new PostgreSQL
    database when ``ORDERIO_TEST_DATABASE_URL`` is set."""
    server_url = os.environ.get(TEST_DATABASE_ENV)
    if server_url and request.node.get_closest_marker("sqlite_only") is None:
        yield from _fresh_postgresql_database(server_url)
    else:
        yield f"sqlite:///{tmp_path / 'orderio.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A fresh, migrated database."""
    database = open_database(db_url)
    yield database
    database.dispose()
