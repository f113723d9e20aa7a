"""The live "N orders match now" count of the Conditions tab, for a form not yet saved."""

from __future__ import annotations

from datetime import datetime

from ..database import Database
from .channels import channel_by_name
from .configurations import ExportConfigurationForm, transient_export_configuration


def count_orders_matching_form(
    db: Database,
    channel: str,
    form: ExportConfigurationForm,
    *,
    configuration_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """How many orders of ``channel`` the conditions of ``form`` select right now.

    ``configuration_id`` names the stored configuration the form edits, so that "only orders not
    yet exported by this configuration" counts against that configuration's ledger. Nothing is
    written: the configuration row is built in memory and the session is never committed.
    """
    from ..domain.conditions import count_matching_orders

    with db.read() as session:
        channel_id = channel_by_name(session, channel).id
        configuration = transient_export_configuration(session, channel_id, form)
        if configuration_id is not None:
            configuration.id = configuration_id
        return count_matching_orders(session, configuration, now=now)
