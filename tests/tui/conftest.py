"""Fixtures of the TUI tests: a deterministic demo database and the app on top of it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orderio_tui.database import Database
from orderio_tui.demo import DemoSummary, create_demo
from orderio_tui.tui.app import OrderioApp

#: The demo's orders are this old; with it every screen shows the same dates on every run.
DEMO_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Local time is UTC in these tests, so that times on screen do not depend on the host."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


@pytest.fixture
def demo(db: Database, tmp_path: Path) -> DemoSummary:
    """The demo setup (channels demo-b2c and demo-b2b) with 60 orders, seed 3."""
    return create_demo(db, tmp_path / "root", orders=60, seed=3, now=DEMO_NOW)


@pytest.fixture
def app(db: Database, demo: DemoSummary) -> OrderioApp:
    """The TUI on the demo database, channel demo-b2c, without the background scheduler."""
    return OrderioApp(db, scheduler=False, channel="demo-b2c")
