"""List of services with their kind, directory and the configurations that use them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from ...application.services import ServiceView, delete_service, list_services
from ...errors import UserError
from ..context import OrderioContext, context_of
from ..widgets.confirm import ConfirmScreen


class ServicesScreen(Screen[None]):
    """Services; enter edits, n creates, d deletes one that nothing uses."""

    BINDINGS = [
        Binding("n", "new", "New", id="services.new"),
        Binding("d", "delete", "Delete", id="services.delete"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="services.refresh", key_display="f5"),
        Binding("escape", "back", "Back", id="services.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.services: dict[int, ServiceView] = {}

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        table: DataTable[object] = DataTable(id="services", cursor_type="row")
        table.border_title = "Services (enter: edit)"
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Services"
        table = self.query_one("#services", DataTable)
        table.add_columns("Name", "Kind", "Directory", "Enabled", "Used by")
        self.load()
        table.focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        table = self.query_one("#services", DataTable)
        cursor = table.cursor_row
        services = list_services(self.orderio.db)
        self.services = {s.id: s for s in services}
        table.clear()
        for service in services:
            table.add_row(
                service.name,
                service.kind.value,
                service.directory,
                "yes" if service.enabled else "no",
                ", ".join(service.used_by) or "–",
                key=str(service.id),
            )
        table.border_subtitle = "" if services else "none yet: press n to create one"
        if services:
            table.move_cursor(row=min(cursor, len(services) - 1), animate=False)

    def selected(self) -> ServiceView | None:
        table = self.query_one("#services", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.services.get(int(key)) if key is not None else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        service = self.selected()
        if service is not None:
            from .edit import ServiceEditScreen

            self.app.push_screen(ServiceEditScreen(service))

    def action_new(self) -> None:
        from .edit import ServiceEditScreen

        self.app.push_screen(ServiceEditScreen(None))

    def action_delete(self) -> None:
        service = self.selected()
        if service is None:
            self.notify("Select a service to delete", severity="warning")
            return

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                delete_service(self.orderio.db, service.id)
            except UserError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Deleted service '{service.name}'")
            self.load()

        self.app.push_screen(
            ConfirmScreen(
                f"Delete service '{service.name}'?", confirm_label="Delete", destructive=True
            ),
            answered,
        )

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
