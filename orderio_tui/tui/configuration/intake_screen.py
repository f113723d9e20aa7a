"""Order intake configuration: General and Scheduling tabs (SPEC §13)."""

from __future__ import annotations

from ...application.configurations import (
    ImportConfigurationForm,
    create_intake_configuration,
    load_intake_form,
    update_intake_configuration,
)
from ...domain.statuses import RunKind
from .import_screen import ImportConfigurationScreen


class IntakeConfigurationScreen(ImportConfigurationScreen):
    """New or stored order intake configuration (the fields of an import configuration)."""

    KIND = RunKind.INTAKE

    def stored_form(self) -> ImportConfigurationForm:
        if self.configuration_id is None:
            return ImportConfigurationForm(name="", service="")
        return load_intake_form(self.orderio.db, self.configuration_id)

    def store(self, form: ImportConfigurationForm) -> int | None:
        if self.configuration_id is None:
            return create_intake_configuration(self.orderio.db, self.channel, form)
        update_intake_configuration(self.orderio.db, self.configuration_id, form)
        return None
