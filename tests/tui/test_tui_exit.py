"""The TUI started by `orderio-tui` on a terminal: exit 1 after an unhandled exception, with the
traceback in the application log (SPEC §17), 0 when the user quits; the channel used last is
remembered in the user state directory."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from orderio_tui.application.channels import ChannelForm, create_channel
from orderio_tui.database import Database
from orderio_tui.demo import create_demo
from orderio_tui.tui.memory import remembered_channel

#: Long enough for a slow machine to start the TUI, draw it and act on a key.
STARTUP_SECONDS = 60.0
#: Seconds between two keys typed, so that each is acted on before the next.
KEY_INTERVAL = 1.0


def run_in_terminal(args: list[str], env: dict[str, str], keys: list[bytes]) -> tuple[int, str]:
    """Run ``args`` on a pseudo-terminal; type ``keys`` once it has drawn; (exit code, output)."""
    main_fd, terminal_fd = pty.openpty()
    process = subprocess.Popen(
        args, stdin=terminal_fd, stdout=terminal_fd, stderr=terminal_fd, env=env, close_fds=True
    )
    os.close(terminal_fd)
    output = b""
    deadline = time.monotonic() + STARTUP_SECONDS
    pending = list(keys)
    next_key_at = time.monotonic() + KEY_INTERVAL
    try:
        while process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([main_fd], [], [], 0.2)
            if ready:
                try:
                    output += os.read(main_fd, 65536)
                except OSError:
                    break
            if pending and b"Order Export" in output and time.monotonic() >= next_key_at:
                os.write(main_fd, pending.pop(0))
                next_key_at = time.monotonic() + KEY_INTERVAL
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main_fd)
    return code, output.decode("utf-8", "replace")


def tui_environment(state_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_STATE_HOME": str(state_home),
        "COLUMNS": "80",
        "LINES": "24",
    }


def application_log(state_home: Path) -> str:
    return (state_home / "orderio" / "log" / "orderio-tui.log").read_text(encoding="utf-8")


@pytest.mark.sqlite_only  # it damages the database
def test_an_unhandled_exception_ends_the_tui_with_exit_code_1_and_the_traceback_in_the_log(
    db: Database, tmp_path: Path
) -> None:
    engine = create_engine(db.url)
    with engine.begin() as connection:  # a damaged database: reading the channels fails
        connection.execute(text("ALTER TABLE channels RENAME TO channels_gone"))
    engine.dispose()
    state = tmp_path / "state"
    code, output = run_in_terminal(
        [sys.executable, "-m", "orderio_tui", "--db", db.url, "--no-scheduler"],
        tui_environment(state),
        [],
    )
    assert code == 1, output
    log = application_log(state)
    assert "the TUI ends after an unhandled exception" in log
    assert "Traceback (most recent call last)" in log and "channels" in log


def test_quitting_the_tui_exits_with_code_0(db: Database, tmp_path: Path) -> None:
    create_channel(db, ChannelForm("shop"))  # an empty database would open the first set-up
    state = tmp_path / "state"
    code, output = run_in_terminal(
        [sys.executable, "-m", "orderio_tui", "--db", db.url, "--no-scheduler"],
        tui_environment(state),
        [b"q"],
    )
    assert code == 0, output
    assert "Traceback" not in application_log(state)


def test_the_channel_chosen_is_remembered_in_the_user_state_directory(
    db: Database, tmp_path: Path
) -> None:
    create_demo(db, tmp_path / "root", orders=5, seed=3)
    state = tmp_path / "state"
    code, output = run_in_terminal(
        [sys.executable, "-m", "orderio_tui", "--db", db.url, "--no-scheduler"],
        tui_environment(state),
        [b"c", b"\x1b[B", b"\r", b"q"],  # c, down (from demo-b2b, the first) to demo-b2c
    )
    assert code == 0, output
    assert remembered_channel(state / "orderio" / "tui.json", db.location) == "demo-b2c"
