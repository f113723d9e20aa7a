"""Turning what a user typed into typed values, with one clear message per problem.

The TUI's inputs and the command line's options both go through these parsers, so a value is
accepted or refused the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation

from ..errors import FieldProblem, echo

#: Bounds of the whole numbers of the forms (each far above any sensible value).
MAX_ORDER_AGE_MINUTES = 10 * 366 * 24 * 60
MAX_ORDERS_PER_RUN = 1_000_000
MAX_FILE_SIZE = 1024**4
MAX_FILE_AGE_SECONDS = 366 * 24 * 3600

#: Largest amount a form accepts (the database stores cents in 64 bits; far larger values are
#: typing mistakes).
MAX_AMOUNT = Decimal("999999999999.99")


class FieldErrors:
    """Collects :class:`FieldProblem` objects while a form is parsed or checked."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(FieldProblem(field, message))

    def extend(self, problems: list[FieldProblem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)


def text_problem(value: str, max_length: int) -> str | None:
    """Why ``value`` can not be stored as a line of text, or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"'{echo(value)}' is not valid UTF-8 text"
    if any(not char.isprintable() for char in value):
        return f"'{echo(value)}' contains control characters"
    if len(value) > max_length:
        return f"is longer than {max_length} characters"
    return None


def text_field_problems(field: str, label: str, value: str, max_length: int) -> list[FieldProblem]:
    """The problem of one text field of a form, if any, as a list to extend others with."""
    problem = text_problem(value, max_length)
    return [] if problem is None else [FieldProblem(field, f"{label} {problem}")]


def parse_optional_int(
    errors: FieldErrors,
    field: str,
    label: str,
    text: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """A whole number or nothing; below ``minimum`` or above ``maximum`` is a problem."""
    text = text.strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        errors.add(field, f"{label} '{echo(text)}' is not a whole number")
        return None
    if minimum is not None and value < minimum:
        errors.add(field, f"{label} must be {minimum} or more")
    if maximum is not None and value > maximum:
        errors.add(field, f"{label} must be at most {maximum}")
        return None
    return value


def parse_optional_money(errors: FieldErrors, field: str, label: str, text: str) -> Decimal | None:
    """An amount such as 12.50 or nothing; negative amounts are a problem."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.add(field, f"{label} '{echo(text)}' is not an amount (use e.g. 100.00)")
        return None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        errors.add(field, f"{label} must be an amount from 0 to {MAX_AMOUNT}")
        return None
    return value


def parse_optional_wall_datetime(
    errors: FieldErrors, field: str, label: str, text: str, *, end_of_day: bool = False
) -> datetime | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` (or an ISO time with an offset) as written: naive
    for a wall-clock time, aware when the text gives an offset.

    A bare date means the start of that day, or its last second when ``end_of_day`` (so that
    "to 2026-11-30" includes the whole 30th).
    """
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0))
        return datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        errors.add(
            field, f"{label} '{echo(text)}' is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"
        )
        return None


def wall_time_in(
    errors: FieldErrors,
    field: str,
    label: str,
    moment: datetime,
    zone: tzinfo | None,
    written: str | None = None,
) -> datetime | None:
    """``moment`` as aware UTC; a naive one is a wall-clock time in ``zone`` (a channel's time
    zone; the machine's when None)."""
    try:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # the first or last day of the calendar, shifted
        shown = echo(written) if written is not None else moment.isoformat(sep=" ")
        errors.add(field, f"{label} '{shown}' is out of range: use a year from 2 to 9998")
        return None


def parse_optional_local_datetime(
    errors: FieldErrors,
    field: str,
    label: str,
    text: str,
    *,
    end_of_day: bool = False,
    zone: tzinfo | None = None,
) -> datetime | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` in ``zone`` (the channel's time zone; the machine's
    when None), returned as aware UTC (see :func:`parse_optional_wall_datetime`)."""
    moment = parse_optional_wall_datetime(errors, field, label, text, end_of_day=end_of_day)
    if moment is None:
        return None
    return wall_time_in(errors, field, label, moment, zone, text.strip())


def format_local_datetime(value: datetime | None, zone: tzinfo | None = None) -> str:
    """An aware UTC datetime as ``YYYY-MM-DD HH:MM`` in ``zone`` (the machine's when None) for
    forms and lists."""
    if value is None:
        return ""
    shown = value.astimezone(zone) if zone is not None else value.astimezone()
    return shown.strftime("%Y-%m-%d %H:%M")


def parse_list(text: str) -> list[str]:
    """A list typed as comma-, semicolon- or whitespace-separated values."""
    for separator in (";", "\n", "\t"):
        text = text.replace(separator, ",")
    values: list[str] = []
    for part in text.split(","):
        values.extend(word for word in part.split() if word)
    return list(dict.fromkeys(values))


def length_problems(values: Iterable[tuple[str, str, str, int]]) -> list[FieldProblem]:
    """A problem for each (field, label, value, limit) whose value is longer than its column
    can hold."""
    return [
        FieldProblem(field, f"{label} is longer than {limit} characters")
        for field, label, value, limit in values
        if len(value.strip()) > limit
    ]


# --------------------------------------------------------------------------- order search

_CENT = Decimal("0.01")
#: Longest text a search field takes (customer id, e-mail, name, document number).
MAX_SEARCH_LENGTH = 200
#: Largest gross amount a search takes (the Money column's range is far beyond it).
MAX_SEARCH_AMOUNT = Decimal("1000000000")


def parse_amount(text: str) -> Decimal:
    """A gross amount of a search, 0 to :data:`MAX_SEARCH_AMOUNT` with at most two decimals;
    :class:`ValueError` says what is wrong."""
    text = text.strip()
    try:
        amount = Decimal(text) if len(text) <= 20 else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValueError(f"{echo(text[:40])!r} is not an amount such as 12.50")
    if not 0 <= amount <= MAX_SEARCH_AMOUNT:
        raise ValueError(f"{text} is not an amount from 0 to {MAX_SEARCH_AMOUNT}")
    if amount != amount.quantize(_CENT):
        raise ValueError(f"{text} has more than two decimals")
    return amount


def parse_day(text: str) -> date:
    """A day of a search written YYYY-MM-DD; :class:`ValueError` says what is wrong."""
    text = text.strip()
    try:
        if len(text) != len("YYYY-MM-DD"):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{echo(text[:40])!r} is not a day written YYYY-MM-DD") from None
