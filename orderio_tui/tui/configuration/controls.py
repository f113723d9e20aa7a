"""Reading and filling form controls the same way on every form screen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.dom import DOMNode
from textual.widgets import Checkbox, Input, Select, SelectionList, Switch
from textual.widgets.select import InvalidSelectValueError


def set_select(select: Select[Any], value: object) -> None:
    """Select ``value``, or nothing when it is not one of the options."""
    if value is None or value == "":
        select.clear()
        return
    try:
        select.value = value
    except InvalidSelectValueError:
        select.clear()


def select_value(select: Select[Any]) -> Any:
    """The selected value, or None."""
    value = select.value
    return None if value is Select.NULL else value


def set_selection(
    selection_list: SelectionList[str], values: Iterable[str], options: Iterable[str]
) -> None:
    """Select exactly those of ``values`` that are among ``options`` in a multi-select."""
    allowed = set(options)
    selection_list.deselect_all()
    for value in values:
        if value in allowed:
            selection_list.select(value)


def selection_in_order(selection_list: SelectionList[str], order: Iterable[str]) -> list[str]:
    """The selected values of a multi-select, in the order of ``order``."""
    chosen = set(selection_list.selected)
    return [value for value in order if value in chosen]


def form_snapshot(root: DOMNode) -> dict[str, object]:
    """What every control below ``root`` holds (by id), to tell whether anything changed."""
    values: dict[str, object] = {}
    for widget in root.query("Input, Select, Checkbox, Switch, SelectionList"):
        if widget.id is None:
            continue
        value: object
        if isinstance(widget, Input):
            value = widget.value
        elif isinstance(widget, Select):
            value = None if widget.value is Select.NULL else str(widget.value)
        elif isinstance(widget, Checkbox | Switch):
            value = widget.value
        elif isinstance(widget, SelectionList):
            value = tuple(sorted(str(v) for v in widget.selected))
        else:
            continue
        values[widget.id] = value
    return values
