"""Settings read from the environment, each bounded where it is read (SPEC §17)."""

from __future__ import annotations

import math
import os

from .errors import UserError


class SettingError(UserError):
    """An environment setting with a value out of its range."""


def number_setting(name: str, default: float, low: float, high: float, *, unit: str = "") -> float:
    """``$name`` as a number from ``low`` to ``high``, ``default`` when unset or empty.

    A whole-number range (``low`` and ``high`` integers) accepts whole numbers only.
    """
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    whole = float(low).is_integer() and float(high).is_integer()
    try:
        value = float(int(text)) if whole else float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also false for nan
        kind = "a whole number" if whole else "a number"
        raise SettingError(
            f"setting {name}={text[:40]!r} is not {kind} from {_shown(low)} to {_shown(high)}: "
            f"correct it in the environment of orderio (default {_shown(default)}{unit})"
        )
    return value


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
