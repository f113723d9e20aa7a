"""`export run` draws a progress line on stderr only when stderr is a terminal (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orderio_tui.cli.progress import progress_words, shows_progress
from orderio_tui.domain.models import utcnow
from orderio_tui.domain.statuses import RunKind
from orderio_tui.runs.journal import RunProgress

CLI = str(Path(sys.executable).with_name("orderio-tui"))
#: The run pauses after its first batch of orders, long enough for the line to be drawn.
SLOW_EXPORT = {
    "ORDERIO_FAILPOINT": "export:while_writing",
    "ORDERIO_FAILPOINT_PAUSE": "0.5",
    "NO_COLOR": "1",
}


def _export_command(db_url: str, *extra: str) -> list[str]:
    return [CLI, "--db", db_url, "export", "run", "erp-export", "--channel", "demo-b2c", *extra]


def _run_with_terminal_stderr(command: list[str]) -> tuple[int, str, str]:
    """Run ``command`` with stderr on a pseudo-terminal; (exit code, stdout, terminal text)."""
    leader, follower = os.openpty()
    child = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, **SLOW_EXPORT},
    )
    os.close(follower)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        seen.extend(chunk)
    os.close(leader)
    assert child.stdout is not None
    out = child.stdout.read().decode()
    return child.wait(timeout=60), out, seen.decode(errors="replace")


@pytest.fixture
def demo_url(demo_300, db_url: str) -> str:
    return db_url


def test_on_a_terminal_the_run_shows_its_progress_line(demo_url: str) -> None:
    code, out, terminal = _run_with_terminal_stderr(_export_command(demo_url))
    assert code in (0, 3), terminal
    lines = [row for row in terminal.splitlines() if "erp-export #1" in row]
    assert any("%" in row and " orders" in row for row in lines), terminal
    assert out.startswith("run 1: ")


def test_piped_stderr_has_no_progress_characters(demo_url: str) -> None:
    done = subprocess.run(
        _export_command(demo_url),
        capture_output=True,
        text=True,
        env={**os.environ, **SLOW_EXPORT},
        timeout=60,
    )
    assert done.returncode in (0, 3), done.stderr
    assert "selected" in done.stderr  # the run's log lines are there
    assert "erp-export #1" not in done.stderr and "━" not in done.stderr
    assert "\x1b" not in done.stderr and "\r" not in done.stderr


def test_with_json_a_terminal_gets_no_progress_line(demo_url: str) -> None:
    code, out, terminal = _run_with_terminal_stderr(_export_command(demo_url, "--json"))
    assert code in (0, 3)
    assert "erp-export #1" not in terminal and "━" not in terminal
    assert '"run_id": 1' in out


def test_progress_is_shown_only_on_a_terminal_without_json(tmp_path: Path) -> None:
    with (tmp_path / "err.txt").open("w") as file:
        assert not shows_progress(file, as_json=False)
    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as terminal:
        assert shows_progress(terminal, as_json=False)
        assert not shows_progress(terminal, as_json=True)
    os.close(leader)


def test_the_line_of_an_import_counts_files_and_entries() -> None:
    event = RunProgress(3, RunKind.IMPORT, "erp-status", "shop", 1, 4, "files", utcnow(), 12345)
    assert progress_words(event) == "1/4 files, 12,345 entries"
