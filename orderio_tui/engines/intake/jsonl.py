"""Reader of order JSON Lines files (`order-intake-jsonl`, SPEC §13): one order per line.

Each non-blank line is one order in its JSON form (:mod:`orderio_tui.domain.order_json`); a
line that is not JSON or not an order of that form is an :class:`OrderProblem` with its line
number, and the other lines are still read. Lines are read one at a time and bounded in size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ...domain.order_json import OrderDataError, read_document
from .parsed import OrderProblem, ParsedOrder

#: A line longer than this is refused as a problem of its order (and skipped unread).
MAX_LINE_BYTES = 4 * 1024 * 1024


def read_jsonl(
    path: Path, *, max_line: int = MAX_LINE_BYTES
) -> Iterator[ParsedOrder | OrderProblem]:
    """The orders of the JSON Lines file at ``path``, one at a time."""
    with path.open("rb") as stream:
        number = 0
        while True:
            raw = stream.readline(max_line + 1)
            if not raw:
                return
            number += 1
            if len(raw) > max_line and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the long line
                    raw = stream.readline(max_line + 1)
                yield OrderProblem(number, None, f"the line is longer than {max_line} bytes")
                continue
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield OrderProblem(number, None, f"not valid JSON: {exc}")
                continue
            document_no = value.get("document_no") if isinstance(value, dict) else None
            try:
                yield ParsedOrder(number, read_document(value))
            except OrderDataError as exc:
                yield OrderProblem(
                    number, document_no if isinstance(document_no, str) else None, str(exc)
                )
