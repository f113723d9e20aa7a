"""docs/configuration.md: its complete example passes `config check`, and it documents every key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from orderio_tui.application.config_file.keys import SINGLE_TABLES, SUB_TABLES, TABLES
from orderio_tui.cli import main

REPOSITORY = Path(__file__).resolve().parents[2]
DOCS = REPOSITORY / "docs" / "configuration.md"


def _example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## A complete example") :]
    match = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert match is not None, "docs/configuration.md has no ```toml example"
    return match.group(1)


def _sections() -> dict[str, str]:
    """Each '### `[…]`' section of the docs by its table header."""
    text = DOCS.read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    for part in text.split("\n### ")[1:]:
        title, _, body = part.partition("\n")
        for header in re.findall(r"`\[\[?([a-z.]+)\]\]?`", title):
            sections[header] = body
    return sections


def test_the_complete_example_passes_config_check(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "srv"
    for directory in ("export", "bi", "inbox"):
        (root / directory).mkdir(parents=True)
    shutil.copy(REPOSITORY / "sample_data" / "orders-to-csv.xsl", root / "orders-to-csv.xsl")
    path = tmp_path / "orderio.toml"
    path.write_text(_example().replace("/srv/orderio", str(root)), encoding="utf-8")
    with pytest.raises(SystemExit) as ended:
        main(["--db", db_url, "config", "check", str(path)])
        raise SystemExit(0)
    captured = capsys.readouterr()
    assert ended.value.code == 0, captured.err
    assert "ok (applying it now: 8 to add, 0 to change, 0 to delete)" in captured.out


def test_every_key_of_every_table_is_documented_in_its_section() -> None:
    sections = _sections()
    for table, keys in {**TABLES, **SINGLE_TABLES}.items():
        assert table in sections, f"no section for [{table}]"
        for key in keys:
            assert f"| `{key.name}` |" in sections[table], f"{table}.{key.name} is not documented"
    for (table, sub), keys in SUB_TABLES.items():
        section = sections[f"{table}.{sub}"]
        for key in keys:
            assert f"| `{key.name}` |" in section, f"{table}.{sub}.{key.name} is not documented"
