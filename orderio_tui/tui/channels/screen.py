"""The channels: create, edit, delete one that nothing uses."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from ...application.channels import ChannelView, delete_channel, list_channels
from ...errors import UserError
from ..context import OrderioContext, context_of
from ..widgets.confirm import ConfirmScreen
from .edit import ChannelEditScreen


class ChannelsScreen(Screen[None]):
    """Channels; enter edits, n creates, d deletes one that nothing uses."""

    BINDINGS = [
        Binding("n", "new", "New", id="channels.new", tooltip="Create a channel"),
        Binding("d", "delete", "Delete", id="channels.delete", tooltip="Delete (asks first)"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="channels.refresh", key_display="f5"),
        Binding("escape", "back", "Back", id="channels.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.channels: dict[str, ChannelView] = {}

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        table: DataTable[object] = DataTable(id="channels", cursor_type="row")
        table.border_title = "Channels (enter: edit)"
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Channels"
        table = self.query_one("#channels", DataTable)
        table.add_columns("Name", "Display name", "Currency", "Locale", "Time zone")
        self.load()
        table.focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        table = self.query_one("#channels", DataTable)
        cursor = table.cursor_row
        channels = list_channels(self.orderio.db)
        self.channels = {c.name: c for c in channels}
        table.clear()
        for c in channels:
            table.add_row(
                c.name, c.display_name or "–", c.currency, c.locale, c.timezone, key=c.name
            )
        table.border_subtitle = "" if channels else "none yet: press n to create one"
        if channels:
            table.move_cursor(row=min(cursor, len(channels) - 1), animate=False)

    def selected(self) -> ChannelView | None:
        table = self.query_one("#channels", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.channels.get(str(key)) if key is not None else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        channel = self.selected()
        if channel is not None:
            self.app.push_screen(ChannelEditScreen(channel))

    def action_new(self) -> None:
        def created(name: str | None) -> None:
            if name is not None and self.orderio.channel is None:
                self.orderio.channel = name

        self.app.push_screen(ChannelEditScreen(None), created)

    def action_delete(self) -> None:
        channel = self.selected()
        if channel is None:
            self.notify("Select a channel to delete", severity="warning")
            return

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                delete_channel(self.orderio.db, channel.name)
            except UserError as exc:
                self.notify(str(exc), severity="error", timeout=10)
                return
            if self.orderio.channel == channel.name:
                self.orderio.channel = None
            self.notify(f"Deleted channel '{channel.name}'")
            self.load()

        self.app.push_screen(
            ConfirmScreen(
                f"Delete channel '{channel.name}'?", confirm_label="Delete", destructive=True
            ),
            answered,
        )

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
