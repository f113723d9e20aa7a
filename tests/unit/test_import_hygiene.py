"""Architecture (SPEC §11): only the TUI package may import Textual."""

from __future__ import annotations

import ast
from pathlib import Path

import orderio_tui

PACKAGE = Path(orderio_tui.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_outside_the_tui_package_imports_textual() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "tui") in path.parents:
            continue
        if any(
            name == "textual" or name.startswith("textual.") for name in _imported_modules(path)
        ):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_the_check_sees_a_textual_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from textual.app import App\nimport textual.widgets\n", encoding="utf-8")
    assert _imported_modules(sample) == {"textual.app", "textual.widgets"}


def test_engines_and_domain_do_not_import_the_command_line_or_the_tui() -> None:
    for layer in ("domain", "engines", "application"):
        for path in (PACKAGE / layer).rglob("*.py"):
            modules = _imported_modules(path)
            text = path.read_text(encoding="utf-8")
            assert "orderio_tui.tui" not in modules, path
            assert "from ..tui" not in text and "from ...tui" not in text, path
            assert "from ..cli" not in text and "from ...cli" not in text, path
