"""What an import run and its recovery read of a configuration.

Both the engine (:mod:`.engine`) and recovery (:mod:`.recovery`) need a configuration's
settings; they live here so that neither imports the other for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...domain.models import ImportConfiguration
from .inbox import InboxLayout


@dataclass(frozen=True)
class ImportSettings:
    """What a run needs of its configuration, channel and service, read once at the start."""

    configuration_id: int
    name: str
    channel_id: int
    channel_name: str
    store: str
    service_name: str
    service_kind: str
    service_enabled: bool
    layout: InboxLayout
    file_pattern: str
    max_file_size: int
    min_file_age_seconds: int


def load_settings(session: Session, configuration_id: int) -> ImportSettings | None:
    """The settings of an import configuration, or None when it does not exist."""
    configuration = session.get(ImportConfiguration, configuration_id)
    if configuration is None:
        return None
    service = configuration.service
    channel = configuration.channel
    return ImportSettings(
        configuration_id=configuration.id,
        name=configuration.name,
        channel_id=channel.id,
        channel_name=channel.name,
        store=channel.store,
        service_name=service.name,
        service_kind=service.kind,
        service_enabled=service.enabled,
        layout=InboxLayout.of(
            service.directory, service.archive_directory, service.error_directory
        ),
        file_pattern=service.file_pattern or "*.xml",
        max_file_size=service.max_file_size,
        min_file_age_seconds=service.min_file_age_seconds,
    )
