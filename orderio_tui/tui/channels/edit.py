"""Create or edit a channel: display name, store, currency, locale and time zone."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static

from ...application.channels import (
    DEFAULT_CURRENCY,
    DEFAULT_LOCALE,
    DEFAULT_TIMEZONE,
    ChannelForm,
    ChannelView,
    create_channel,
    update_channel,
)
from ...errors import UserError, ValidationFailed
from ..configuration.controls import form_snapshot
from ..context import OrderioContext, context_of
from ..widgets.confirm import leave_unless_unsaved
from ..widgets.field import FieldRow, clear_problems, not_saved_message

_FIELDS = (
    ("name", "Name *", "e.g. shop-de"),
    ("display_name", "Display name", "e.g. Shop Deutschland"),
    ("store", "Store", "written into exports; default: the name"),
    ("currency", "Currency *", "ISO 4217, e.g. EUR"),
    ("locale", "Locale *", "e.g. de_DE"),
    ("timezone", "Time zone *", "IANA, e.g. Europe/Berlin"),
)


class ChannelEditScreen(Screen[str | None]):
    """The fields of one channel; ctrl+s saves and goes back with the channel's name."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="channel.save"),
        Binding("escape", "leave", "Back", id="channel.back"),
    ]

    def __init__(self, channel: ChannelView | None, *, intro: str = "") -> None:
        super().__init__()
        self.channel = channel
        self.intro = intro
        self._saved: dict[str, object] = {}

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        title = f"Channel '{self.channel.name}'" if self.channel else "New channel"
        yield Static(title, id="form-title")
        with VerticalScroll(classes="form", id="channel-form"):
            if self.intro:
                yield Static(self.intro, classes="form-hint", markup=False)
            for field, label, placeholder in _FIELDS:
                control = Input(id=field, placeholder=placeholder, compact=True)
                yield FieldRow(label, control, field=field)
        with Horizontal(id="form-buttons"):
            yield Button("Save ^s", id="save", variant="primary", compact=True)
            yield Button("Back esc", id="back", compact=True)
            yield Static("", id="form-message", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Channel"
        form = (
            self.channel.form()
            if self.channel
            else ChannelForm("", currency=DEFAULT_CURRENCY, locale=DEFAULT_LOCALE)
        )
        values = {
            "name": form.name,
            "display_name": form.display_name,
            "store": form.store if self.channel else "",
            "currency": form.currency,
            "locale": form.locale,
            "timezone": form.timezone if self.channel else DEFAULT_TIMEZONE,
        }
        for field, value in values.items():
            self.query_one(f"#{field}", Input).value = value
        name = self.query_one("#name", Input)
        name.disabled = self.channel is not None  # the name is how files and commands find it
        self.query_one("#display_name" if self.channel else "#name", Input).focus()
        self._saved = form_snapshot(self)

    def read_form(self) -> ChannelForm:
        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        return ChannelForm(
            name=text("name"),
            display_name=text("display_name"),
            store=text("store"),
            currency=text("currency"),
            locale=text("locale"),
            timezone=text("timezone"),
        )

    def set_message(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#form-message", Static)
        message.update(text)
        message.set_class(problem, "-problem")

    def action_save(self) -> None:
        form = self.read_form()
        try:
            if self.channel is None:
                view = create_channel(self.orderio.db, form)
                self.notify(f"Created channel '{view.name}'")
            else:
                view = update_channel(self.orderio.db, self.channel.name, form)
                self.notify(f"Saved channel '{view.name}'")
        except ValidationFailed as exc:
            self.set_message(not_saved_message(self, exc.problems), problem=True)
            return
        except UserError as exc:
            self.set_message(str(exc), problem=True)
            return
        clear_problems(self)
        self.dismiss(view.name)

    def action_leave(self) -> None:
        leave_unless_unsaved(self, dirty=form_snapshot(self) != self._saved)

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#back")
    def back_pressed(self) -> None:
        self.action_leave()
