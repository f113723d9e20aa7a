"""Fixtures of the jobs tests: a demo shop, processes that hold leases, scheduler processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from jobs_fixtures import LeaseProcess, SchedulerProcess

from orderio_tui.database import Database
from orderio_tui.demo import DemoSummary, create_demo


@pytest.fixture
def lease_process(db_url: str) -> Iterator[Callable[..., LeaseProcess]]:
    """``lease_process(key, ttl=30, go=True)`` starts a child that takes ``key``.

    With ``go=False`` the child waits, connected, until its :meth:`LeaseProcess.go`.
    """
    started: list[LeaseProcess] = []

    def start(key: str, *, ttl: float = 30.0, go: bool = True) -> LeaseProcess:
        child = LeaseProcess(db_url, key, ttl)
        started.append(child)
        if go:
            child.wait_ready()
            child.go()
        return child

    yield start
    for child in started:
        child.close()


@pytest.fixture
def demo(db: Database, tmp_path: Path) -> DemoSummary:
    """The demo setup with 80 orders (seed 5); every configuration manual."""
    return create_demo(db, tmp_path / "root", orders=80, seed=5)


@pytest.fixture
def scheduler_process(db_url: str) -> Iterator[Callable[..., SchedulerProcess]]:
    """``scheduler_process(duration=None, **env)`` starts `orderio-tui scheduler` on the test db."""
    started: list[SchedulerProcess] = []

    def start(duration: float | None = None, **env: str) -> SchedulerProcess:
        child = SchedulerProcess(db_url, duration, env)
        started.append(child)
        return child

    yield start
    for child in started:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait()
