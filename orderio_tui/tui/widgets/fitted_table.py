"""Tables whose columns fit the terminal: at 80 columns the long ones are cut and the least
important ones left out, instead of the table scrolling sideways with its ends out of sight.

Each table says, per column, whether it may be cut (down to a minimum width) and how much it
matters; :func:`fit_columns` decides what is shown, and :class:`FittedTable` lays its rows out
again whenever its width changes or new rows arrive (so no width of an earlier list stays).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

#: Cells of padding DataTable puts around each column (one on each side).
COLUMN_PADDING = 2
#: Cells kept free for a vertical scroll bar.
SCROLLBAR = 2

Cell = str | Text


@dataclass(frozen=True)
class Column:
    """One column: ``shrink_to`` lets it be cut down to that width; ``keep`` 0 marks it as one
    to leave out when there is no room, higher numbers are left out later (None: never)."""

    label: str
    key: str
    shrink_to: int | None = None
    keep: int | None = None


def _width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def fit_columns(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int
) -> list[tuple[int, int]]:
    """(index of the column, width) of the columns to show in ``width`` cells, in order."""
    natural = [
        max([_width(column.label), *(_width(row[i]) for row in rows)])
        for i, column in enumerate(columns)
    ]
    shown = list(range(len(columns)))

    def needed(indexes: list[int]) -> tuple[int, int]:
        total = sum(natural[i] + COLUMN_PADDING for i in indexes)
        slack = sum(max(0, natural[i] - (columns[i].shrink_to or natural[i])) for i in indexes)
        return total, slack

    total, slack = needed(shown)
    while total - slack > width:
        optional = [i for i in shown if columns[i].keep is not None]
        if not optional:
            break
        shown.remove(min(optional, key=lambda i: (columns[i].keep, -i)))
        total, slack = needed(shown)
    widths = {i: natural[i] for i in shown}
    floors = {i: columns[i].shrink_to for i in shown if columns[i].shrink_to is not None}
    for _ in range(max(0, total - width)):  # one cell at a time off the widest that may shrink
        cuttable = [i for i, floor in floors.items() if widths[i] > floor]
        if not cuttable:
            break
        widths[max(cuttable, key=lambda i: (widths[i], -i))] -= 1
    return [(i, widths[i]) for i in shown]


class FittedTable(DataTable[Cell]):
    """A DataTable that shows its rows in the columns that fit its width."""

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fitted_columns = tuple(columns)
        self._rows: list[tuple[str | None, Sequence[Cell]]] = []
        self._laid_out_for: int | None = None

    @property
    def shown_labels(self) -> list[str]:
        """The labels of the columns shown now."""
        return [str(column.label) for column in self.columns.values()]

    def available_width(self) -> int:
        """Cells the columns may take."""
        width = self.scrollable_content_region.width or (self.app.size.width - 2)
        return max(20, width - SCROLLBAR)

    def set_rows(self, rows: Sequence[tuple[str | None, Sequence[Cell]]]) -> None:
        """Replace every row ((key, cells in the order of the columns)); the cursor stays on
        the row with the same key when it is still there, else on the same position."""
        self._rows = list(rows)
        self._lay_out()

    def _lay_out(self) -> None:
        key = None
        if self.row_count and self.cursor_row < self.row_count:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        position = self.cursor_row
        width = self.available_width()
        self._laid_out_for = width
        fitted = fit_columns(self.fitted_columns, [cells for _, cells in self._rows], width)
        self.clear(columns=True)
        for index, column_width in fitted:
            column = self.fitted_columns[index]
            self.add_column(column.label, key=column.key, width=column_width)
        for row_key, cells in self._rows:
            self.add_row(*(cells[index] for index, _ in fitted), key=row_key)
        if not self._rows:
            return
        keys = [row_key for row_key, _ in self._rows]
        row = keys.index(key) if key in keys else min(position, len(keys) - 1)
        self.move_cursor(row=row, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        if self._rows and self.available_width() != self._laid_out_for:
            self._lay_out()
