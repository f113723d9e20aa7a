"""Import configuration: General and Scheduling tabs (SPEC §4)."""

from __future__ import annotations

from ...application.configurations import (
    ImportConfigurationForm,
    create_import_configuration,
    load_import_form,
    update_import_configuration,
)
from ...domain.statuses import RunKind
from .base import GENERAL_TAB, SCHEDULING_TAB, ConfigurationScreen


class ImportConfigurationScreen(ConfigurationScreen):
    """New or stored order status import configuration."""

    KIND = RunKind.IMPORT

    TABS = ((GENERAL_TAB, "General"), (SCHEDULING_TAB, "Scheduling"))

    def stored_form(self) -> ImportConfigurationForm:
        if self.configuration_id is None:
            return ImportConfigurationForm(name="", service="")
        return load_import_form(self.orderio.db, self.configuration_id)

    def store(self, form: ImportConfigurationForm) -> int | None:
        if self.configuration_id is None:
            return create_import_configuration(self.orderio.db, self.channel, form)
        update_import_configuration(self.orderio.db, self.configuration_id, form)
        return None
