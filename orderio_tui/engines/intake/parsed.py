"""What the intake readers hand out: one parsed order, or one problem with one order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class IntakeFileError(Exception):
    """The file as a whole can not be taken in: not well-formed, unsafe, too big, wrong root."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line or None

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedOrder:
    """One order of a file in its JSON form, and the line it starts on."""

    line: int
    document: dict[str, Any]

    @property
    def document_no(self) -> str | None:
        return self.document.get("document_no")


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """One order of a file that can not be read; the rest of the file still can."""

    line: int
    document_no: str | None
    message: str

    def __str__(self) -> str:
        which = f"order '{self.document_no}'" if self.document_no else "an order"
        return f"line {self.line}: {which}: {self.message}"
