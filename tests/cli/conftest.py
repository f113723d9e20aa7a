"""Running the command line in-process, as the console script does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orderio_tui.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def orderio(capsys: pytest.CaptureFixture[str], db_url: str):
    """Call ``orderio(*args)`` to run `orderio-tui --db <test db> args…`."""

    def run(*args: str, db: str | None = db_url) -> Result:
        argv = (["--db", db] if db else []) + list(args)
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def demo_root(tmp_path: Path) -> Path:
    return tmp_path / "root"


@pytest.fixture
def demo_300(orderio, demo_root: Path):
    """A demo database with 300 orders, seed 7."""
    result = orderio("demo", "--root", str(demo_root), "--orders", "300", "--seed", "7")
    assert result.code == 0, result.err
    return orderio
