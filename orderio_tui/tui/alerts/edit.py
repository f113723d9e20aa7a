"""Create or edit an alert: its events, what it watches, its webhook and its e-mail.

The form is checked by the same rules as the configuration file's ``[[alert]]`` tables
(:func:`parse_alert_form`, :func:`store_alert`); each problem is shown at its field.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Select, Static

from ...alerts.settings import AlertEvent, AlertSettings
from ...application.alerts import parse_alert_form, store_alert
from ...application.channels import list_channels
from ...errors import UserError, ValidationFailed
from ..configuration.controls import form_snapshot, select_value, set_select
from ..context import OrderioContext, context_of
from ..widgets.confirm import leave_unless_unsaved
from ..widgets.field import FieldRow, clear_problems, not_saved_message

#: The text fields of the form: (field, label, placeholder), by section.
_WATCH = (
    ("name", "Name *", "e.g. ops"),
    ("configurations", "Configurations", "names, comma-separated; empty: all"),
    ("silent_minutes", "Silent minutes", "for scheduler-silent; empty: 10"),
)
_WEBHOOK = (
    ("webhook_url", "Webhook URL", "e.g. https://hooks.example/orderio"),
    ("secret_env", "Secret variable", "environment variable, e.g. ORDERIO_ALERT_SECRET"),
)
_MAIL = (
    ("smtp_host", "SMTP host", "e.g. mail.example"),
    ("smtp_port", "SMTP port", "empty: 587"),
    ("smtp_user", "SMTP user", "login; empty: none"),
    ("password_env", "Password variable", "environment variable, e.g. ORDERIO_SMTP_PASSWORD"),
    ("smtp_ca_file", "CA file", "empty: the system's CAs"),
    ("from", "From", "e.g. orderio@shop.example"),
    ("to", "To", "addresses, comma-separated"),
)


class MarkedCheckbox(Checkbox):
    """A checkbox marked X when on and blank when off, so that it reads without colour."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Checkbox's name for the mark
        return "X" if self.value else " "


def _input(field: str, label: str, placeholder: str) -> FieldRow:
    return FieldRow(label, Input(id=field, placeholder=placeholder, compact=True), field=field)


def _event_id(event: AlertEvent) -> str:
    return f"on-{event.value}"


class AlertEditScreen(Screen[None]):
    """The fields of one alert; ctrl+s saves."""

    DEFAULT_CSS = """
    AlertEditScreen #events {
        layout: grid;
        grid-size: 2;
        grid-columns: 14 22;
        grid-rows: 1;
        height: auto;
        width: 1fr;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="alert.save"),
        Binding("escape", "leave", "Back", id="alert.back"),
    ]

    def __init__(self, settings: AlertSettings | None) -> None:
        super().__init__()
        self.settings = settings
        self._saved: dict[str, object] = {}

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        title = f"Alert '{self.settings.name}'" if self.settings else "New alert"
        yield Static(title, id="form-title")
        with VerticalScroll(classes="form", id="alert-form"):
            yield _input(*_WATCH[0])
            yield FieldRow(
                "On *",
                Container(
                    *(
                        MarkedCheckbox(event.value, id=_event_id(event), compact=True)
                        for event in AlertEvent
                    ),
                    id="events",
                ),
                field="on",
            )
            yield FieldRow(
                "Channel",
                Select[str]([], id="channel", prompt="all channels", compact=True),
                field="channel",
            )
            for row in _WATCH[1:]:
                yield _input(*row)
            yield Static("Webhook (a signed POST)", classes="section-title")
            for row in _WEBHOOK:
                yield _input(*row)
            yield Static("E-mail", classes="section-title")
            for row in _MAIL:
                yield _input(*row)
            yield FieldRow(
                "STARTTLS",
                MarkedCheckbox("required", id="smtp_starttls", value=True, compact=True),
                field="smtp_starttls",
            )
            yield FieldRow(
                "Enabled",
                MarkedCheckbox("send notices", id="enabled", value=True, compact=True),
                field="enabled",
            )
            yield Static(
                "Secrets are never stored: name the environment variables that hold them.",
                classes="form-hint",
            )
        with Horizontal(id="form-buttons"):
            yield Button("Save ^s", id="save", variant="primary", compact=True)
            yield Button("Back esc", id="back", compact=True)
            yield Static("", id="form-message", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Alert"
        channel = self.query_one("#channel", Select)
        channel.set_options([(c.name, c.name) for c in list_channels(self.orderio.db)])
        settings = self.settings or AlertSettings(name="", events=(AlertEvent.FAILED.value,))
        texts = {
            "name": settings.name,
            "configurations": ", ".join(settings.configurations),
            "silent_minutes": str(settings.silent_minutes),
            "webhook_url": settings.webhook_url or "",
            "secret_env": settings.secret_env or "",
            "smtp_host": settings.smtp_host or "",
            "smtp_port": str(settings.smtp_port) if settings.smtp_port else "",
            "smtp_user": settings.smtp_user or "",
            "password_env": settings.password_env or "",
            "smtp_ca_file": settings.smtp_ca_file or "",
            "from": settings.mail_from or "",
            "to": ", ".join(settings.mail_to),
        }
        for field, text in texts.items():
            self.query_one(f"#{field}", Input).value = text
        for event in AlertEvent:
            self.query_one(f"#{_event_id(event)}", Checkbox).value = event in settings.events
        set_select(channel, settings.channel)
        self.query_one("#smtp_starttls", Checkbox).value = settings.smtp_starttls
        self.query_one("#enabled", Checkbox).value = settings.enabled
        name = self.query_one("#name", Input)
        name.disabled = self.settings is not None  # the name is how files and commands find it
        (self.query_one(f"#{_event_id(AlertEvent.FAILED)}") if self.settings else name).focus()
        self._saved = form_snapshot(self)

    def read_form(self) -> AlertSettings:
        """The settings typed in; :class:`ValidationFailed` with every problem."""
        fields = [row[0] for row in (*_WATCH, *_WEBHOOK, *_MAIL)]
        text = {field: self.query_one(f"#{field}", Input).value for field in fields}
        text["channel"] = str(select_value(self.query_one("#channel", Select)) or "")
        events = [e.value for e in AlertEvent if self.query_one(f"#{_event_id(e)}", Checkbox).value]
        return parse_alert_form(
            text,
            events,
            smtp_starttls=self.query_one("#smtp_starttls", Checkbox).value,
            enabled=self.query_one("#enabled", Checkbox).value,
        )

    def set_message(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#form-message", Static)
        message.update(text)
        message.set_class(problem, "-problem")

    def action_save(self) -> None:
        try:
            settings = self.read_form()
            store_alert(self.orderio.db, settings, new=self.settings is None)
        except ValidationFailed as exc:
            self.set_message(not_saved_message(self, exc.problems), problem=True)
            return
        except UserError as exc:
            self.set_message(str(exc), problem=True)
            return
        clear_problems(self)
        self.notify(f"{'Created' if self.settings is None else 'Saved'} alert '{settings.name}'")
        self.dismiss(None)

    def action_leave(self) -> None:
        leave_unless_unsaved(self, dirty=form_snapshot(self) != self._saved)

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#back")
    def back_pressed(self) -> None:
        self.action_leave()
