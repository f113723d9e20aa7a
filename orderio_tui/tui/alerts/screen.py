"""The alerts: what each reports and where it sends, its open incidents and delivery errors;
create, edit, delete, and send a test notice (SPEC §16)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...application.alerts import (
    AlertView,
    TestDelivery,
    delete_alert,
    list_alerts,
    send_test_notice,
)
from ...errors import UserError
from ..context import OrderioContext, context_of
from ..display import NOTHING, local_full
from ..widgets.confirm import ConfirmScreen

#: Widest name and event list in the list, so that its columns fit 80 columns (the detail under
#: it shows everything in full, the last delivery error too).
_NAME_WIDTH = 16
_EVENTS_WIDTH = 22


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def delivery_state(view: AlertView) -> str:
    """``retrying`` while a notice waits for another try, ``given up`` when one was abandoned,
    ``failed`` for an older error, ``ok`` otherwise."""
    if any(not notice.abandoned for notice in view.undelivered):
        return "retrying"
    if view.undelivered:
        return "given up"
    return "failed" if view.last_error else "ok"


def detail_text(view: AlertView) -> str:
    """The block under the list: everything about the selected alert."""
    settings = view.settings
    lines = [
        f"{view.name} · on {', '.join(settings.events)} · {view.watches}"
        + ("" if settings.enabled else " · switched off"),
        *(f"Sends to {destination}" for destination in view.destinations),
    ]
    if not view.open_incidents:
        lines.append("No open incident.")
    for incident in view.open_incidents:
        lines.append(
            f"Open: {incident.event} of {incident.subject} since {local_full(incident.opened_at)}"
        )
    for notice in view.undelivered:
        state = "given up" if notice.abandoned else f"next try {local_full(notice.next_attempt_at)}"
        lines.append(
            f"Undelivered: {notice.event} by {notice.target}, {notice.attempts} attempt(s), {state}"
        )
    if view.last_error:
        lines.append(f"Last delivery error: {view.last_error}")
    return "\n".join(lines)


class TestNoticeSent(Message):
    """The test notice of an alert came back from its thread."""

    def __init__(self, name: str, results: list[TestDelivery] | None, error: str = "") -> None:
        super().__init__()
        self.name = name
        self.results = results
        self.error = error


class AlertsScreen(Screen[None]):
    """Alerts; enter edits, n creates, d deletes, t sends a test notice."""

    DEFAULT_CSS = """
    AlertsScreen #alerts {
        height: 1fr;
        border: round $secondary;
    }
    AlertsScreen #alerts:focus {
        border: heavy $accent;
    }
    AlertsScreen #alert-detail {
        height: auto;
        max-height: 9;
        padding: 0 1;
        background: $panel;
    }
    """

    BINDINGS = [
        Binding("n", "new", "New", id="alerts.new", tooltip="Create an alert"),
        Binding("d", "delete", "Delete", id="alerts.delete", tooltip="Delete (asks first)"),
        Binding("t", "test", "Test", id="alerts.test", tooltip="Send a test notice now"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="alerts.refresh", key_display="f5"),
        Binding("escape", "back", "Back", id="alerts.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.alerts: dict[str, AlertView] = {}

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        table: DataTable[object] = DataTable(id="alerts", cursor_type="row")
        table.border_title = "Alerts (enter: edit)"
        yield table
        yield Static("", id="alert-detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Alerts"
        table = self.query_one("#alerts", DataTable)
        table.add_columns("Name", "On", "Sends to", "Open", "Delivery")
        self.load()
        table.focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        table = self.query_one("#alerts", DataTable)
        cursor = table.cursor_row
        views = list_alerts(self.orderio.db)
        self.alerts = {view.name: view for view in views}
        table.clear()
        for view in views:
            settings = view.settings
            table.add_row(
                _short(view.name + ("" if settings.enabled else " (off)"), _NAME_WIDTH),
                _short(",".join(settings.events), _EVENTS_WIDTH),
                ", ".join(d.split()[0] for d in view.destinations),  # webhook, e-mail
                str(len(view.open_incidents)) if view.open_incidents else NOTHING,
                delivery_state(view),
                key=view.name,
            )
        table.border_subtitle = "" if views else "none yet: press n to create one"
        if views:
            table.move_cursor(row=min(cursor, len(views) - 1), animate=False)
        self.show_detail()

    def selected(self) -> AlertView | None:
        table = self.query_one("#alerts", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.alerts.get(str(key)) if key is not None else None

    def show_detail(self) -> None:
        view = self.selected()
        text = detail_text(view) if view else "An alert sends a notice when a run fails (n: new)."
        self.query_one("#alert-detail", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        view = self.selected()
        if view is not None:
            from .edit import AlertEditScreen

            self.app.push_screen(AlertEditScreen(view.settings))

    def action_new(self) -> None:
        from .edit import AlertEditScreen

        self.app.push_screen(AlertEditScreen(None))

    def action_delete(self) -> None:
        view = self.selected()
        if view is None:
            self.notify("Select an alert to delete", severity="warning")
            return

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                delete_alert(self.orderio.db, view.name)
            except UserError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Deleted alert '{view.name}'")
            self.load()

        self.app.push_screen(
            ConfirmScreen(
                f"Delete alert '{view.name}' with its open incidents and undelivered notices?",
                confirm_label="Delete",
                destructive=True,
            ),
            answered,
        )

    def action_test(self) -> None:
        view = self.selected()
        if view is None:
            self.notify("Select an alert to test", severity="warning")
            return
        self.notify(f"Sending a test notice of '{view.name}'…", timeout=3)
        self.send_test(view.name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="alert-test")
    def send_test(self, name: str) -> None:
        """Send in a thread: a receiver may take up to its timeout to answer."""
        try:
            self.post_message(TestNoticeSent(name, send_test_notice(self.orderio.db, name)))
        except UserError as exc:
            self.post_message(TestNoticeSent(name, None, str(exc)))

    def on_test_notice_sent(self, message: TestNoticeSent) -> None:
        if message.results is None:
            self.notify(message.error, severity="error", timeout=10)
            return
        for result in message.results:
            if result.ok:
                self.notify(f"Test notice of '{message.name}' delivered by {result.target}")
            else:
                self.notify(
                    f"Test notice of '{message.name}' by {result.target} failed: {result.error}",
                    severity="error",
                    timeout=15,
                )

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
