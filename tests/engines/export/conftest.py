"""Fixtures of the export engine tests (helpers live in export_fixtures.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from export_fixtures import Shop

from orderio_tui.database import Database


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Iterator[Shop]:
    """A channel with an XML export service writing to ``tmp_path/export`` and `erp-export`."""
    yield Shop(db, tmp_path)
