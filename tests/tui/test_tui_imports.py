"""The TUI package has no import circles: the app composes the screens, screens never import the
app back (they see it through ``tui/context.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import orderio_tui

PACKAGE = Path(orderio_tui.__file__).parent
TUI = PACKAGE / "tui"


def _module_name(path: Path, top: Path) -> str:
    parts = list(path.relative_to(top.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, top: Path, known: set[str]) -> set[str]:
    """Modules of ``known`` that ``path`` imports, at the top or inside functions."""
    module = _module_name(path, top)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known and name != module}


def import_graph(root: Path, top: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module below ``root`` (in the package at ``top``) → those below ``root`` it imports."""
    paths = {_module_name(path, top): path for path in root.rglob("*.py")}
    return {name: _imports(path, top, set(paths)) for name, path in paths.items()}


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle of the graph, each once, as the modules along it."""
    circles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target == start:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    circles.append([*path, start])
            elif target not in path and target > start:
                walk(start, target, [*path, target])

    for start in sorted(graph):
        walk(start, start, [start])
    return circles


def test_no_tui_module_imports_a_module_that_imports_it_back() -> None:
    assert import_circles(import_graph(TUI)) == []


def test_screens_do_not_import_the_app() -> None:
    graph = import_graph(TUI)
    importers = sorted(name for name, targets in graph.items() if "orderio_tui.tui.app" in targets)
    assert importers == []


def test_the_check_finds_a_circle_through_a_function_level_import(tmp_path: Path) -> None:
    package = tmp_path / "orderio_tui" / "tui"
    (package / "main").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "main" / "__init__.py").write_text("", encoding="utf-8")
    (package / "app.py").write_text("from .main.screen import MainScreen\n", encoding="utf-8")
    (package / "main" / "screen.py").write_text(
        "def f():\n    from ..app import OrderioApp\n", encoding="utf-8"
    )
    circles = import_circles(import_graph(package, tmp_path / "orderio_tui"))
    assert circles == [
        ["orderio_tui.tui.app", "orderio_tui.tui.main.screen", "orderio_tui.tui.app"]
    ]
