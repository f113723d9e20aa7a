"""The command line's parameter types: every value is bounded where click reads it (SPEC §17).

A value out of range ends as click's one-line usage error (exit 2), never as an exception
further down (an integer too large for the database, text that is not UTF-8, ``nan`` seconds).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import click

from ..application.forms import MAX_SEARCH_LENGTH, parse_amount, parse_day, text_problem
from ..domain.scheduling import MAX_EVERY

#: Longest name, document number or channel the command line accepts.
MAX_NAME_LENGTH = 200
#: Longest URL or path.
MAX_PATH_LENGTH = 4096
#: Most rows a list command shows, and most orders the demo creates.
MAX_COUNT = 1_000_000
#: Longest a headless scheduler may be asked to run for: one year.
MAX_DURATION_SECONDS = 366 * 24 * 3600.0


class Text(click.ParamType):
    """Printable UTF-8 text of at most ``max_length`` characters."""

    name = "text"

    def __init__(self, max_length: int = MAX_NAME_LENGTH) -> None:
        self.max_length = max_length

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = value if isinstance(value, str) else str(value)
        problem = text_problem(text, self.max_length)
        if problem:
            self.fail(problem, param, ctx)
        return text


class TextPath(click.Path):
    """A path that is also printable UTF-8 text (it is stored in the database)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            problem = text_problem(value, MAX_PATH_LENGTH)
            if problem:
                self.fail(f"path {problem}", param, ctx)
        return super().convert(value, param, ctx)


class Seconds(click.FloatRange):
    """A finite number of seconds above 0 and at most ``MAX_DURATION_SECONDS``."""

    def __init__(self) -> None:
        super().__init__(min=0, max=MAX_DURATION_SECONDS, min_open=True)

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        seconds = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        return super().convert(seconds, param, ctx)  # type: ignore[no-any-return]


class Amount(click.ParamType):
    """A gross amount of the orders search, as the orders browser reads one."""

    name = "amount"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Decimal:
        if isinstance(value, Decimal):
            return value
        try:
            return parse_amount(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


class Day(click.ParamType):
    """A day of the orders search written YYYY-MM-DD."""

    name = "day"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


NAME = Text()
#: A search text of `orders` (customer id, e-mail, name, document number).
SEARCH_TEXT = Text(MAX_SEARCH_LENGTH)
DB_URL = Text(MAX_PATH_LENGTH)
#: HH:MM; the schedule itself says what a valid time is.
TIME_OF_DAY = Text(max_length=10)
#: How many rows to show (``--limit``).
LIMIT = click.IntRange(1, MAX_COUNT)
#: How many orders the demo creates.
ORDER_COUNT = click.IntRange(0, MAX_COUNT)
SEED = click.IntRange(0, 2**63 - 1)
#: A run's id: a positive database key.
RUN_ID = click.IntRange(1, 2**63 - 1)
#: ``--every N``: the unit's own bound is checked by the schedule (at most one year of it).
EVERY = click.IntRange(1, max(MAX_EVERY.values()))
DURATION = Seconds()
#: A day of the orders search (``--created-from``), read in the channel's time zone.
DAY = Day()
#: A gross amount of the orders search (``--gross-min``).
AMOUNT = Amount()
