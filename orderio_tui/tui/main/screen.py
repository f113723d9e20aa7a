"""Main screen "Order Import & Export" of the selected channel (SPEC §9, §13): the Order
Export, Order Status Import and Order Intake lists and the live log."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Label, Select, Static

from ...application.channels import ChannelView, list_channels
from ...application.configurations import (
    ConfigurationRow,
    delete_configuration,
    list_configurations,
)
from ...domain.statuses import RunKind
from ...errors import NotFound, UserError
from ..channels.setup import (
    EMPTY_DATABASE_HINT,
    NEW_CHANNEL,
    NEW_CHANNEL_LABEL,
    NO_CHANNEL_HINT,
    new_channel,
    start_new,
)
from ..configuration.base import ConfigurationScreen
from ..configuration.export_screen import ExportConfigurationScreen
from ..configuration.import_screen import ImportConfigurationScreen
from ..configuration.intake_screen import IntakeConfigurationScreen
from ..context import OrderioContext, context_of
from ..display import show_times_in
from ..messages import RunEnded, RunProgressChanged, RunsChanged
from ..widgets.confirm import ConfirmScreen
from ..widgets.run_log import RunLogPanel
from ..widgets.run_progress import RunProgressPanel
from ..widgets.select import TypeAheadSelect
from .configuration_table import ConfigurationTable

logger = logging.getLogger(__name__)

#: Seconds between two reloads of the lists (runs of other processes, next run times).
AUTO_REFRESH_SECONDS = 30.0


def channel_options(channels: list[ChannelView]) -> list[tuple[str, str]]:
    """(label, name) of each channel for the channel selector."""
    return [
        (f"{c.name} · {c.display_name}" if c.display_name else c.name, c.name) for c in channels
    ]


class MainScreen(Screen[None]):
    """The two configuration lists, the live log panel and the scheduler status line."""

    BINDINGS = [
        Binding("n", "new", "New", id="main.new", tooltip="New configuration in this list"),
        Binding("r", "run", "Run", id="main.run", tooltip="Run the selected configuration now"),
        Binding(
            "f5,ctrl+r",
            "refresh",
            "Refresh",
            id="main.refresh",
            key_display="f5",
            tooltip="Reload from the database",
        ),
        Binding("d", "delete", "Delete", id="main.delete", tooltip="Delete (asks first)"),
        Binding("h", "history", "History", id="main.history", tooltip="Run history"),
        Binding("c", "channel", "Channel", id="main.channel", tooltip="Choose the channel"),
        # Not in the footer (no room at 80 columns): in the help screen and the command palette.
        Binding("o", "orders", "Orders", id="main.orders", tooltip="Browse the orders", show=False),
        Binding("s", "services", "Services", id="main.services", tooltip="Services", show=False),
        Binding("C", "channels", "Channels", id="main.channels", tooltip="Channels", show=False),
        Binding("a", "alerts", "Alerts", id="main.alerts", tooltip="Alerts", show=False),
        Binding("q", "app.quit", "Quit", id="main.quit", tooltip="Quit orderio"),
    ]

    def __init__(self) -> None:
        super().__init__(id="main")
        self._table_in_use: RunKind = RunKind.EXPORT
        #: Each channel's time zone: times are shown in the selected channel's.
        self._zones: dict[str, str] = {}

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="channel-bar"):
            yield Static("Order Import & Export", id="app-title")
            yield Label("Channel", id="channel-label")
            yield TypeAheadSelect[str](
                [], id="channel", allow_blank=True, prompt="no channel", compact=True
            )
        yield ConfigurationTable(RunKind.EXPORT, "Order Export", id="export-table")
        yield ConfigurationTable(RunKind.IMPORT, "Order Status Import", id="import-table")
        yield ConfigurationTable(RunKind.INTAKE, "Order Intake", id="intake-table")
        yield RunProgressPanel(id="run-progress")
        yield RunLogPanel(id="log")
        yield Static("", id="status-line", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = "Order Import & Export"
        self.load_channels()
        self.refresh_lists()
        table = self.query_one("#export-table", ConfigurationTable)
        table.focus()
        if table.row_count:
            table.move_cursor(row=0, animate=False)
        self.set_interval(AUTO_REFRESH_SECONDS, self.refresh_lists)
        self.update_status_line()
        if self.orderio.channel is None:  # an empty database: lead through the first set-up
            self.call_after_refresh(start_new, self.app, RunKind.EXPORT)

    def on_screen_resume(self) -> None:
        self.load_channels()  # a channel may have been made or changed on another screen
        self.refresh_lists()

    # ------------------------------------------------------------------ data

    def load_channels(self) -> None:
        """Fill the channel selector; keeps the selected channel when it still exists."""
        channels = list_channels(self.orderio.db)
        names = [c.name for c in channels]
        select = self.query_one("#channel", Select)
        with self.prevent(Select.Changed):
            select.set_options([*channel_options(channels), (NEW_CHANNEL_LABEL, NEW_CHANNEL)])
            if channels:
                if self.orderio.channel not in names:
                    self.orderio.channel = names[0]
                select.value = self.orderio.channel
        if not channels:
            self.orderio.channel = None
            self.query_one("#log", RunLogPanel).add_batch([EMPTY_DATABASE_HINT])
        self._zones = {c.name: c.timezone for c in channels}
        show_times_in(self._zones.get(self.orderio.channel or ""))

    def refresh_lists(self) -> None:
        """Reload both lists of the selected channel from the database."""
        try:
            self._show_lists()
        except NotFound:  # the channel was deleted meanwhile (by another process)
            self.load_channels()
            self._show_lists()
        except SQLAlchemyError as exc:
            logger.exception("reading the configurations failed")
            self.notify(f"Cannot read the database: {exc.__class__.__name__}", severity="error")

    def _show_lists(self) -> None:
        channel = self.orderio.channel
        for kind, table_id in (
            (RunKind.EXPORT, "#export-table"),
            (RunKind.IMPORT, "#import-table"),
            (RunKind.INTAKE, "#intake-table"),
        ):
            rows = [] if channel is None else list_configurations(self.orderio.db, kind, channel)
            self._show_rows(self.query_one(table_id, ConfigurationTable), rows)

    def _show_rows(self, table: ConfigurationTable, rows: list[ConfigurationRow]) -> None:
        """Show ``rows`` with the runs going on: RUNNING, and how far when they report it."""
        kind, channel = table.kind, self.orderio.channel
        running = {cid for k, cid in self.orderio.active_runs if k is kind}
        ids = {row.name: row.id for row in rows}
        percentages = {
            ids[event.config]: round(event.fraction * 100)
            for event in self.orderio.run_progress.values()
            if event.kind is kind and event.channel == channel and event.config in ids
        }
        table.show(rows, running, percentages)

    def update_status_line(self) -> None:
        for line in self.query("#status-line").results(Static):  # none while shutting down
            line.update(self.orderio.status_text())

    # ------------------------------------------------------------------ events

    @on(Select.Changed, "#channel")
    def channel_chosen(self, event: Select.Changed) -> None:
        if event.value is Select.NULL or event.value == self.orderio.channel:
            return
        if event.value == NEW_CHANNEL:
            with self.prevent(Select.Changed):
                event.select.value = self.orderio.channel or Select.NULL
            new_channel(self.app)
            return
        self.orderio.use_channel(str(event.value))
        show_times_in(self._zones.get(str(event.value)))
        self.refresh_lists()
        self.query_one("#export-table", ConfigurationTable).focus()

    def on_descendant_focus(self, event: object) -> None:
        focused = self.focused
        if isinstance(focused, ConfigurationTable):
            self._table_in_use = focused.kind

    @on(ConfigurationTable.RowSelected)
    def row_chosen(self, event: ConfigurationTable.RowSelected) -> None:
        event.stop()
        table = event.data_table
        if isinstance(table, ConfigurationTable):
            self._table_in_use = table.kind
            self.action_open()

    def on_run_ended(self, message: RunEnded) -> None:
        self.refresh_lists()

    def on_runs_changed(self, message: RunsChanged) -> None:
        self.refresh_lists()

    def on_run_progress_changed(self, message: RunProgressChanged) -> None:
        self.query_one("#run-progress", RunProgressPanel).show(message.progress)
        for table in self.query(ConfigurationTable):  # the rows as read last: no query here
            self._show_rows(table, list(table.rows_by_id.values()))

    # ------------------------------------------------------------------ actions

    def _table(self) -> ConfigurationTable:
        return self.query_one(f"#{self._table_in_use.value}-table", ConfigurationTable)

    def _need_channel(self) -> str | None:
        if self.orderio.channel is None:
            self.notify(NO_CHANNEL_HINT, severity="warning")
        return self.orderio.channel

    def _need_selection(self, doing: str) -> ConfigurationRow | None:
        row = self._table().selected
        if row is None:
            what = self._table_in_use.value
            self.notify(f"Select an {what} configuration to {doing}", severity="warning")
        return row

    def action_new(self) -> None:
        start_new(self.app, self._table_in_use)

    def action_open(self) -> None:
        row = self._need_selection("open")
        if row is not None:
            self.open_configuration(row.kind, row.id)

    def open_configuration(self, kind: RunKind, configuration_id: int | None) -> None:
        """Open the detail screen of a configuration (None: a new one in the channel)."""
        channel = self._need_channel()
        if channel is None:
            return
        screen: ConfigurationScreen
        if kind is RunKind.EXPORT:
            screen = ExportConfigurationScreen(channel, configuration_id)
        elif kind is RunKind.INTAKE:
            screen = IntakeConfigurationScreen(channel, configuration_id)
        else:
            screen = ImportConfigurationScreen(channel, configuration_id)
        self.app.push_screen(screen)

    def action_run(self) -> None:
        row = self._need_selection("run")
        if row is not None:
            self.orderio.start_run(row.kind, row.id, row.name)
            self.refresh_lists()

    def action_refresh(self) -> None:
        self.load_channels()
        self.refresh_lists()
        self.notify("Reloaded from the database", timeout=2)

    def action_delete(self) -> None:
        row = self._need_selection("delete")
        if row is None:
            return
        what = row.kind.value

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                delete_configuration(self.orderio.db, row.kind, row.id)
            except UserError as exc:
                self.notify(str(exc), severity="error")
                return
            self.orderio.configurations_changed()
            self.refresh_lists()
            self.notify(f"Deleted {what} configuration '{row.name}'")

        self.app.push_screen(
            ConfirmScreen(
                f"Delete {what} configuration '{row.name}' of channel '{row.channel}'?\n"
                f"Its run history stays.",
                confirm_label="Delete",
                destructive=True,
            ),
            answered,
        )

    def action_history(self) -> None:
        row = self._need_selection("show the history of")
        if row is not None:
            from ..history.screen import RunHistoryScreen

            self.app.push_screen(RunHistoryScreen(row.kind, row.id, row.name, row.channel))

    def action_channel(self) -> None:
        select = self.query_one("#channel", Select)
        select.focus()
        select.action_show_overlay()

    def action_orders(self) -> None:
        channel = self._need_channel()
        if channel is not None:
            from ..orders.screen import OrdersScreen

            self.app.push_screen(OrdersScreen(channel))

    def action_channels(self) -> None:
        from ..channels.screen import ChannelsScreen

        def back(_: None) -> None:  # channels may have been renamed, added or deleted
            self.load_channels()
            self.refresh_lists()

        self.app.push_screen(ChannelsScreen(), back)

    def action_services(self) -> None:
        from ..services.screen import ServicesScreen

        self.app.push_screen(ServicesScreen())

    def action_alerts(self) -> None:
        from ..alerts.screen import AlertsScreen

        self.app.push_screen(AlertsScreen())
