"""Fixtures of the status import tests (helpers in status_import_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from status_import_fixtures import CliResult, ImportWorld, make_world

from orderio_tui.cli import main as cli_main
from orderio_tui.database import Database


@pytest.fixture
def world(db: Database, tmp_path: Path) -> ImportWorld:
    return make_world(db, tmp_path)


@pytest.fixture
def orderio(capsys: pytest.CaptureFixture[str], db_url: str):
    """``orderio(*args)`` runs `orderio-tui --db <test db> args…` in this process."""

    def run(*args: str) -> CliResult:
        try:
            cli_main(["--db", db_url, *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
