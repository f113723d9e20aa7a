"""Helpers of the jobs tests: a demo shop to schedule, lease-holding and scheduler processes."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select, update

from orderio_tui.application.configurations import resolve_configuration, set_schedule
from orderio_tui.database import Database
from orderio_tui.domain.models import Channel, Order, Run, RunLogLine
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import RunKind, RunState, ScheduleMode, ScheduleUnit
from orderio_tui.engines.export import NAMESPACE as ORDER_NAMESPACE

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


def configuration_id(db: Database, kind: RunKind, channel: str, name: str) -> int:
    with db.read() as session:
        return resolve_configuration(session, kind, name, channel).id


def run_every(db: Database, kind: RunKind, configuration: int, seconds: int | None) -> None:
    """Schedule a configuration every ``seconds`` seconds, or back to manual with None."""
    value = (
        Schedule()
        if seconds is None
        else Schedule(mode=ScheduleMode.INTERVAL, every=seconds, unit=ScheduleUnit.SECONDS)
    )
    set_schedule(db, kind, configuration, value)


def hold_back_new_orders(db: Database, channel: str, count: int) -> list[int]:
    """Put ``count`` NEW orders of ``channel`` on PENDING (not exportable); returns their ids."""
    with db.write() as session:
        ids = list(
            session.scalars(
                select(Order.id)
                .join(Channel, Channel.id == Order.channel_id)
                .where(Channel.name == channel, Order.status == "NEW")
                .order_by(Order.id)
                .limit(count)
            )
        )
        session.execute(update(Order).where(Order.id.in_(ids)).values(status="PENDING"))
    return ids


def release_orders(db: Database, ids: list[int]) -> None:
    """Make held-back orders NEW again: for the export they are new orders."""
    with db.write() as session:
        session.execute(update(Order).where(Order.id.in_(ids)).values(status="NEW"))


def order_statuses(db: Database, ids: list[int]) -> dict[int, str]:
    with db.read() as session:
        return dict(session.execute(select(Order.id, Order.status).where(Order.id.in_(ids))).all())


def document_numbers_in_file(path: Path) -> list[str]:
    """Document numbers of the orders in one published XML file."""
    return [
        order.get("id", "").split("@", 1)[0]
        for order in etree.parse(str(path)).getroot().iter(f"{{{ORDER_NAMESPACE}}}order")
    ]


def exported_document_numbers(directory: Path) -> list[str]:
    """Document numbers of every order in the published XML files (repeats kept)."""
    numbers: list[str] = []
    for path in sorted(directory.glob("*.xml")):
        numbers.extend(document_numbers_in_file(path))
    return numbers


def document_numbers(db: Database, ids: list[int]) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(Order.document_no).where(Order.id.in_(ids))))


def stored_runs(db: Database, kind: RunKind | None = None, configuration: int | None = None):
    """Runs oldest first (the stored rows, with owner)."""
    with db.read() as session:
        query = select(Run).order_by(Run.id)
        if kind is not None:
            query = query.where(Run.kind == kind.value)
        if configuration is not None:
            query = query.where(Run.configuration_id == configuration)
        return list(session.scalars(query))


def run_log(db: Database, run_id: int) -> list[str]:
    with db.read() as session:
        return list(
            session.scalars(
                select(RunLogLine.message)
                .where(RunLogLine.run_id == run_id)
                .order_by(RunLogLine.id)
            )
        )


def wait_for(condition: Callable[[], Any], *, timeout: float, step: float = 0.05) -> Any:
    """Poll ``condition`` until it is truthy (returned) or ``timeout`` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)


def assert_no_overlap(runs: list[Run]) -> None:
    """Runs that did work (not SKIPPED) never overlap in time."""
    worked = sorted(
        (r for r in runs if r.state != RunState.SKIPPED.value), key=lambda r: r.started_at
    )
    for earlier, later in itertools.pairwise(worked):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at, (earlier.id, later.id)


class SchedulerProcess:
    """``orderio-tui scheduler`` in a child process, its stdout and stderr collected."""

    def __init__(self, db_url: str, duration: float | None, env: dict[str, str]) -> None:
        args = [sys.executable, "-m", "orderio_tui", "--db", db_url, "scheduler"]
        if duration is not None:
            args += ["--duration", str(duration)]
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._collect, args=(self.process.stdout, self.stdout)),
            threading.Thread(target=self._collect, args=(self.process.stderr, self.stderr)),
        ]
        for reader in self._readers:
            reader.daemon = True
            reader.start()

    @staticmethod
    def _collect(stream: Any, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_for_line(self, text: str, *, stream: str = "stdout", timeout: float = 20.0) -> str:
        lines = self.stdout if stream == "stdout" else self.stderr
        return wait_for(
            lambda: next((line for line in list(lines) if text in line), None), timeout=timeout
        )

    def wait(self, timeout: float = 30.0) -> int:
        code = self.process.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        return code
