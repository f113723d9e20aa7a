"""While the TUI owns the terminal, log records go to a file, not over the screen."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from orderio_tui.tui.app import logging_to_file


def test_log_records_go_to_the_file_and_the_terminal_handler_comes_back(tmp_path: Path) -> None:
    root = logging.getLogger()
    terminal = logging.StreamHandler(sys.stderr)
    root.addHandler(terminal)
    try:
        path = tmp_path / "log" / "orderio-tui.log"
        with logging_to_file(path) as opened:
            assert opened == path
            assert terminal not in root.handlers
            logging.getLogger("orderio_tui.test").warning("order 0042 left out")
        assert terminal in root.handlers
        assert "WARNING orderio_tui.test: order 0042 left out" in path.read_text(encoding="utf-8")
    finally:
        root.removeHandler(terminal)


def test_a_log_file_that_cannot_be_opened_drops_the_records(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    with logging_to_file(blocker / "orderio-tui.log") as opened:
        assert opened is None
        logging.getLogger("orderio_tui.test").warning("nowhere to go")
