"""The Order Export / Order Status Import lists of the main screen."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from ...application.configurations import ConfigurationRow
from ...domain.statuses import RunKind
from ..display import local_short, state

COLUMNS = ("Name", "Type", "Schedule", "Last run", "State", "Next run")


class ConfigurationTable(DataTable):
    """Configurations of one kind in the selected channel, one row each, keyed by id."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="open", tooltip="Open the row")]

    def __init__(self, kind: RunKind, title: str, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", classes="configuration-table")
        self.kind = kind
        self.border_title = title
        self.rows_by_id: dict[int, ConfigurationRow] = {}
        self._signature: tuple[object, ...] | None = None

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, rows: list[ConfigurationRow], running: set[int]) -> None:
        """Replace the rows, keeping the cursor on the same configuration when it is still there."""
        signature = (tuple(rows), frozenset(running))
        if signature == self._signature:
            return
        self._signature = signature
        selected = self.selected
        self.rows_by_id = {row.id: row for row in rows}
        self.clear()
        for row in rows:
            last_state = "RUNNING" if row.id in running else row.last_run_state
            self.add_row(
                row.name,
                row.service,
                row.schedule.describe(),
                local_short(row.last_run_at),
                state(last_state),
                "BROKEN" if row.problem else local_short(row.next_run_at),
                key=str(row.id),
            )
        self.border_subtitle = "" if rows else "none yet: press n to create one"
        if selected is not None and selected.id in self.rows_by_id:
            self.move_cursor(row=self.get_row_index(str(selected.id)), animate=False)
        elif rows:
            self.move_cursor(row=0, animate=False)

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
