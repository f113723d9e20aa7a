"""Fixtures shared by all test folders: a fresh, migrated database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orderio_tui.database import Database, open_database


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite database file in the test's own directory."""
    return f"sqlite:///{tmp_path / 'orderio.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A fresh, migrated database."""
    database = open_database(db_url)
    yield database
    database.dispose()
