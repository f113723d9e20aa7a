"""Errors a user can cause. Each carries one clear message naming the thing and the fix.

Programming errors stay ordinary exceptions; the command line, the TUI and the scheduler turn
:class:`UserError` into a readable message (exit code 2 on the command line) and anything else
into a logged traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Characters of what the user typed that a message repeats; longer input is cut (SPEC §17).
ECHO_LIMIT = 60


def echo(text: object, limit: int = ECHO_LIMIT) -> str:
    """What the user typed, as a message repeats it: printable (control characters and bytes
    that were not UTF-8 escaped) and at most ``limit`` characters, then "…"."""
    value = printable(str(text))
    return value if len(value) <= limit else value[:limit] + "…"


def printable(text: str) -> str:
    """``text`` with undecodable characters and control characters escaped, safe to show."""
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as Python passes it on
        return f"\\x{code - 0xDC00:02x}"
    if char.isprintable() and not 0xD800 <= code <= 0xDFFF:
        return char
    return char.encode("unicode_escape").decode("ascii")


class UserError(Exception):
    """A problem the user can fix: bad input, a missing directory, an unknown name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DatabaseUnavailable(UserError):
    """The database URL points at something orderio cannot open."""


class NotFound(UserError):
    """A named thing (channel, configuration, service, order) does not exist."""


class Ambiguous(UserError):
    """A name exists in several channels; the user must say which one."""

    def __init__(self, what: str, name: str, channels: list[str]) -> None:
        self.channels = channels
        super().__init__(
            f"{what} '{name}' exists in several channels ({', '.join(channels)}); "
            f"choose one with --channel"
        )


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field of a form, in words for the user."""

    field: str
    message: str


class ValidationFailed(UserError):
    """A form (configuration, service) has one or more invalid fields."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))

    def for_field(self, field: str) -> list[str]:
        return [p.message for p in self.problems if p.field == field]
