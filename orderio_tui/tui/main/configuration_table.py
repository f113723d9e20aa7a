"""The Order Export / Order Status Import lists of the main screen."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets.data_table import CellDoesNotExist

from ...application.configurations import ConfigurationRow
from ...domain.statuses import RunKind
from ..display import local_clock, local_short, schedule_short, state, sub_minute
from ..widgets.fitted_table import Cell, Column, FittedTable

#: When there is no room (80 columns) the Type (the service) is left out; long names are cut.
COLUMNS = (
    Column("Name", "name", shrink_to=12),
    Column("Type", "type", keep=0),
    Column("Schedule", "schedule"),
    Column("Last run", "last_run"),
    Column("State", "state"),
    Column("Next run", "next_run"),
)


class ConfigurationTable(FittedTable):
    """Configurations of one kind in the selected channel, one row each, keyed by id."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="open", tooltip="Open the row")]

    def __init__(self, kind: RunKind, title: str, *, id: str) -> None:
        super().__init__(COLUMNS, id=id, cursor_type="row", classes="configuration-table")
        self.kind = kind
        self.border_title = title
        self.rows_by_id: dict[int, ConfigurationRow] = {}
        self._signature: tuple[object, ...] | None = None

    def show(
        self,
        rows: list[ConfigurationRow],
        running: set[int],
        percentages: dict[int, int] | None = None,
    ) -> None:
        """Replace the rows, keeping the cursor on the same configuration when it is still there.

        ``percentages``: how far the runs going on are (configuration id → percent).
        """
        percentages = percentages or {}
        signature = (tuple(rows), frozenset(running), tuple(sorted(percentages.items())))
        if signature == self._signature:
            return
        self._signature = signature
        self.rows_by_id = {row.id: row for row in rows}
        self.set_rows(
            [
                (str(row.id), self._cells(row, row.id in running, percentages.get(row.id)))
                for row in rows
            ]
        )
        self.border_subtitle = "" if rows else "none yet: press n to create one"

    @staticmethod
    def _cells(row: ConfigurationRow, running: bool, percent: int | None) -> list[Cell]:
        seconds = sub_minute(row.schedule)
        if percent is not None:
            running_state = state("RUNNING")
            running_state.append(f" {percent}%")
        return [
            row.name,
            row.service,
            schedule_short(row.schedule),
            local_short(row.last_run_at, seconds=seconds)
            + (f" ✓{local_clock(row.checked_at)}" if row.checked_at else ""),
            running_state
            if percent is not None
            else state("RUNNING" if running else row.last_run_state),
            "BROKEN" if row.problem else local_short(row.next_run_at, seconds=seconds),
        ]

    @property
    def selected(self) -> ConfigurationRow | None:
        """The configuration under the cursor."""
        if not self.rows_by_id or self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return self.rows_by_id.get(int(key.value)) if key.value is not None else None
