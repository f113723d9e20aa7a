"""Fixtures of the jobs tests: processes that hold leases."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

LEASE_PROCESS = Path(__file__).with_name("lease_process.py")


class LeaseProcess:
    """A child process that tried to take a lease; it keeps what it got until :meth:`close`."""

    def __init__(self, db_url: str, key: str, ttl: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(LEASE_PROCESS), db_url, key, str(ttl)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._result: dict[str, Any] | None = None

    def wait_ready(self) -> None:
        """Wait until the child has connected to the database."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.strip() == "ready", f"lease process failed to start ({self.process.wait()})"

    def go(self) -> None:
        """Let the child try to take the lease."""
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def result(self) -> dict[str, Any]:
        """What the child got: ``{"granted", "owner", "holder"}``."""
        if self._result is None:
            assert self.process.stdout is not None
            line = self.process.stdout.readline()
            assert line, f"lease process exited with {self.process.wait()} before answering"
            self._result = json.loads(line)
        return self._result

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


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
