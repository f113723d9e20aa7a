"""Import configuration: General and Scheduling tabs (SPEC §4)."""

from __future__ import annotations

from textual.app import ComposeResult

from ...application.configurations import (
    ImportConfigurationForm,
    create_import_configuration,
    load_import_form,
    update_import_configuration,
)
from ...application.forms import FieldErrors
from ...domain.statuses import RunKind
from .base import ConfigurationScreen


class ImportConfigurationScreen(ConfigurationScreen):
    """New or stored order status import configuration."""

    KIND = RunKind.IMPORT

    def compose_tabs(self) -> ComposeResult:
        yield from self.general_pane()
        yield from self.scheduling_pane()

    def fill_stored(self) -> None:
        if self.configuration_id is None:
            form = ImportConfigurationForm(name="", service="")
        else:
            form = load_import_form(self.orderio.db, self.configuration_id)
        self.fill_general(form.name, form.service, form.description)
        self.fill_schedule(form.schedule)

    def read_form(self, errors: FieldErrors) -> ImportConfigurationForm:
        name, service, description = self.read_general()
        return ImportConfigurationForm(
            name=name,
            service=service,
            description=description,
            schedule=self.read_schedule(errors),
        )

    def store(self, form: ImportConfigurationForm) -> int | None:
        if self.configuration_id is None:
            return create_import_configuration(self.orderio.db, self.channel, form)
        update_import_configuration(self.orderio.db, self.configuration_id, form)
        return None
