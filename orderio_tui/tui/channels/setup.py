"""From an empty database to a first configuration: channel → service → configuration.

``n`` on the main screen goes through :func:`start_new`: with a channel and a service of the
right kind it opens a new configuration, otherwise it first asks for what is missing, one step
after the other. The channel selector's "new channel…" entry and the remembered channel live here
too, so that the main screen only calls in.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from ...application.configurations import service_fits
from ...application.services import list_services
from ...domain.statuses import RunKind, ServiceKind
from ..configuration.base import ConfigurationScreen
from ..configuration.controls import form_snapshot, set_select
from ..configuration.export_screen import ExportConfigurationScreen
from ..configuration.import_screen import ImportConfigurationScreen
from ..configuration.intake_screen import IntakeConfigurationScreen
from ..context import context_of
from ..services.edit import ServiceEditScreen
from .edit import ChannelEditScreen

#: Value of the "new channel…" entry of the channel selector.
NEW_CHANNEL = "\x00new-channel"
NEW_CHANNEL_LABEL = "new channel…"

EMPTY_DATABASE_HINT = (
    "There are no channels yet: press n to set up a channel, a service and a first "
    "configuration, one step after the other."
)
NO_CHANNEL_HINT = "There is no channel yet: press n to set one up"

_CHANNEL_STEP = (
    "Step 1 of 3: the sales channel. Then a service (where files go) and a first "
    "configuration. ctrl+s saves, esc leaves the set-up."
)
_SERVICE_STEP = (
    "Step 2 of 3: a service for channel '{channel}' — the directory {what}. "
    "orderio offers to create a directory that does not exist. ctrl+s saves."
)
_CONFIGURATION_STEP = (
    "Step 3 of 3: name the {what} configuration (its type is service '{service}') and "
    "apply with ctrl+s; then r on the main screen runs it."
)


class FirstServiceScreen(ServiceEditScreen):
    """The service step: a new service of the kind the configuration needs; saving goes on."""

    def __init__(self, kind: ServiceKind) -> None:
        super().__init__(None)
        self.first_kind = kind

    def load(self) -> None:
        super().load()
        if self.service is None:
            set_select(self.query_one("#kind"), self.first_kind)  # type: ignore[arg-type]
            self.show_fields_of_kind()
            self._saved = form_snapshot(self)

    def action_save(self) -> None:
        super().action_save()
        if self.service is not None and self.is_attached:
            self.dismiss(None)


def new_channel(app: App[Any], then: RunKind | None = None) -> None:
    """Ask for a new channel; it becomes the selected one (and with ``then``, the set-up goes
    on to a configuration of that kind)."""

    def made(name: str | None) -> None:
        if name is None:
            return
        context_of(app).use_channel(name)  # the main screen shows it when it resumes
        if then is not None:
            start_new(app, then, guided=True)

    app.push_screen(ChannelEditScreen(None, intro=_CHANNEL_STEP if then else ""), made)


def start_new(app: App[Any], kind: RunKind, *, guided: bool = False) -> None:
    """A new configuration of ``kind`` in the app's channel, after what is missing for it
    (``guided``: a step of the set-up, which says what comes next)."""
    orderio = context_of(app)
    if orderio.channel is None:
        new_channel(app, then=kind)
        return
    is_export = kind is RunKind.EXPORT
    services = [s for s in list_services(orderio.db) if service_fits(kind, s.kind)]
    if not services:
        service_kind = {
            RunKind.EXPORT: ServiceKind.EXPORT_XML,
            RunKind.IMPORT: ServiceKind.STATUS_IMPORT_XML,
            RunKind.INTAKE: ServiceKind.INTAKE_XML,
        }[kind]

        def made(_: None) -> None:
            if any(service_fits(kind, s.kind) for s in list_services(orderio.db)):
                start_new(app, kind, guided=True)

        app.notify(
            _SERVICE_STEP.format(
                channel=orderio.channel,
                what={
                    RunKind.EXPORT: "exports are written to",
                    RunKind.IMPORT: "status files arrive in",
                    RunKind.INTAKE: "the shop's order files arrive in",
                }[kind],
            ),
            timeout=10,
        )
        app.push_screen(FirstServiceScreen(service_kind), made)
        return
    if guided:
        app.notify(
            _CONFIGURATION_STEP.format(what=kind.value, service=services[0].name),
            timeout=10,
        )
    screen: ConfigurationScreen = (
        ExportConfigurationScreen(orderio.channel, None)
        if is_export
        else IntakeConfigurationScreen(orderio.channel, None)
        if kind is RunKind.INTAKE
        else ImportConfigurationScreen(orderio.channel, None)
    )
    app.push_screen(screen)
