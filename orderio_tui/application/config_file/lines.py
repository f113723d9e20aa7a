"""Where each table and key of a TOML file is, by line (tomllib does not say).

A small scan of the table headers and ``key =`` lines; arrays of tables are counted, so
``[export.schedule]`` belongs to the latest ``[[export]]``. Values that span lines (arrays,
multi-line strings) are skipped over, so nothing inside them is taken for a key.
"""

from __future__ import annotations

import re

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
_BARE_OR_QUOTED = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*)\s*=")
_DOT_OUTSIDE_QUOTES = re.compile(r"""\.(?=(?:[^"']|"[^"]*"|'[^']*')*$)""")

#: (table, index of the table in its array, key path) — table None for top-level keys.
Place = tuple[str | None, int, tuple[str, ...]]


def _segments(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in _DOT_OUTSIDE_QUOTES.split(dotted))


def _open_brackets(text: str) -> tuple[int, str | None]:
    """Unclosed ``[``/``{`` in a value, and an unclosed multi-line string delimiter."""
    depth = 0
    index = 0
    while index < len(text):
        for delimiter in ('"""', "'''"):
            if text.startswith(delimiter, index):
                end = text.find(delimiter, index + 3)
                if end < 0:
                    return depth, delimiter
                index = end + 3
                break
        else:
            char = text[index]
            if char in "\"'":
                end = text.find(char, index + 1)
                while char == '"' and end > 0 and text[end - 1] == "\\":
                    end = text.find(char, end + 1)
                index = len(text) if end < 0 else end + 1
                continue
            if char == "#":
                break
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            index += 1
    return depth, None


class LineIndex:
    """Line numbers (1-based) of the tables and keys of one TOML text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Place, int] = {}
        counts: dict[str, int] = {}
        table: str | None = None
        prefix: tuple[str, ...] = ()
        depth = 0
        string_end: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if string_end is not None:
                if string_end in line:
                    depth, string_end = _open_brackets(line[line.index(string_end) + 3 :])
                continue
            if depth > 0:
                more, string_end = _open_brackets(line)
                depth += more
                continue
            if match := _ARRAY_HEADER.match(line):
                path = _segments(match.group(1))
                table, prefix = path[0], path[1:]
                if not prefix:
                    counts[table] = counts.get(table, 0) + 1
                self._remember((table, counts.get(table, 1) - 1, prefix), number)
                continue
            if match := _TABLE_HEADER.match(line):
                path = _segments(match.group(1))
                table, prefix = path[0], path[1:]
                self._remember((table, counts.get(table, 1) - 1, prefix), number)
                continue
            if match := _KEY.match(line):
                key = _segments(match.group(1))
                index = counts.get(table, 1) - 1 if table else 0
                full = prefix + key
                for length in range(len(prefix) + 1, len(full) + 1):
                    self._remember((table, index, full[:length]), number)
                depth, string_end = _open_brackets(line[match.end() :])

    def _remember(self, place: Place, number: int) -> None:
        self._lines.setdefault(place, number)

    def line(self, table: str | None, index: int, path: tuple[str, ...] = ()) -> int:
        """The line of a key (or, when it is not written, of its nearest written parent)."""
        for length in range(len(path), -1, -1):
            number = self._lines.get((table, index, path[:length]))
            if number is not None:
                return number
        return 1
