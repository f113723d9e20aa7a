"""What an export run reads before it starts: its settings, the checks before a run, and the
exceptions that end one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ...database import Database
from ...domain.models import (
    Channel,
    ExportConfiguration,
    Service,
)
from ...domain.statuses import (
    ServiceKind,
)
from ...errors import NotFound, UserError
from ...settings import SettingError
from ..sftp import SftpSettings
from .publishing import (
    directory_problem,
    name_problem,
)
from .stylesheet import StylesheetError, TransformLimits, load_stylesheet

logger = logging.getLogger(__name__)


EXPORTED = "exported"
FAILED = "failed"
HISTORY_SOURCE = "export"
#: Failed orders named one by one in the run log; the rest are summed up (all are in the results).
LOGGED_FAILURES = 50
#: A run that failed tries this often to record that (the database may be locked for a while).
ABORT_ATTEMPTS = 3
ABORT_RETRY_SECONDS = 1.0
#: Longest wait for the server's answer to the remote rename, made while the run row (on SQLite:
#: the database's write lock) is held; without an answer recovery asks the server later.
REMOTE_RENAME_SECONDS = 10.0


@dataclass(frozen=True)
class ExportSettings:
    """What a run needs from its configuration, service and channel, read once at the start."""

    configuration: ExportConfiguration
    configuration_id: int
    name: str
    channel_id: int
    channel: str
    store: str
    service: str
    service_kind: str
    service_enabled: bool
    directory: Path
    prefix: str
    extension: str
    stylesheet: Path | None
    status_updates: bool
    order_transitions: dict[str, str]
    line_item_transitions: dict[str, str]
    #: The server the file is delivered to (SPEC §15); None for a local service.
    sftp: SftpSettings | None = None

    @classmethod
    def of(
        cls, configuration: ExportConfiguration, service: Service, channel: Channel
    ) -> ExportSettings:
        stylesheet = (service.stylesheet_path or "").strip()
        return cls(
            configuration=configuration,
            configuration_id=configuration.id,
            name=configuration.name,
            channel_id=configuration.channel_id,
            channel=channel.name,
            store=channel.store,
            service=service.name,
            service_kind=service.kind,
            service_enabled=bool(service.enabled),
            directory=Path(service.directory).expanduser(),
            prefix=(service.file_prefix or "").strip() or "orders",
            extension=(service.file_extension or "").strip(),
            stylesheet=Path(stylesheet).expanduser().absolute() if stylesheet else None,
            status_updates=bool(configuration.status_updates_enabled),
            order_transitions=dict(configuration.order_transitions or {}),
            line_item_transitions=dict(configuration.line_item_transitions or {}),
            sftp=(
                SftpSettings.from_stored(service.sftp or {})
                if service.transport == "sftp"
                else None
            ),
        )

    @property
    def is_xslt(self) -> bool:
        return self.service_kind == ServiceKind.EXPORT_XSLT.value


def _load_settings(db: Database, configuration_id: int) -> ExportSettings:
    with db.read() as session:
        configuration = session.get(ExportConfiguration, configuration_id)
        if configuration is None:
            raise NotFound(
                f"export configuration {configuration_id} does not exist: "
                f"see `orderio-tui export list`"
            )
        return ExportSettings.of(configuration, configuration.service, configuration.channel)


def _preflight(settings: ExportSettings) -> tuple[str | None, TransformLimits | None]:
    """Why the run cannot start (one line naming the thing and the fix), and (XSLT) the limits
    of the transformation; the stylesheet is compiled once here to check it."""
    service = f"service '{settings.service}'"
    if settings.service_kind not in (ServiceKind.EXPORT_XML.value, ServiceKind.EXPORT_XSLT.value):
        return (
            f"{service} of '{settings.name}' is a '{settings.service_kind}' service, not an "
            f"order export service: choose an export service as its configuration type",
            None,
        )
    if not settings.service_enabled:
        return (
            f"{service} is disabled: enable it on the services screen to run '{settings.name}'",
            None,
        )
    problem = name_problem(settings.prefix, settings.extension)
    if problem:
        return f"{service}: {problem}: correct it on the services screen", None
    problem = directory_problem(settings.directory)
    if problem:
        return (
            f"export directory '{settings.directory}' of {service} {problem}: create it "
            f"(writable) or point the service at another directory",
            None,
        )
    if settings.sftp is not None:
        problems = settings.sftp.problems()
        if problems:
            return (
                f"SFTP server of {service}: "
                + "; ".join(p.message for p in problems)
                + ": correct it on the services screen",
                None,
            )
    if not settings.is_xslt:
        return None, None
    if settings.stylesheet is None:
        return f"{service} has no XSLT stylesheet: set its stylesheet path", None
    try:
        load_stylesheet(settings.stylesheet)
        return None, TransformLimits.from_environment()
    except (StylesheetError, SettingError) as exc:
        return exc.message, None


class ExportInterrupted(UserError):
    """The environment (database locked, full or damaged) stopped a run in a way it could not
    record; the message says what is left and who finishes it."""


class RunTakenOver(Exception):
    """This run was recovered by another process (it paused past its lease): hands off."""


class LeaseLost(Exception):
    """The configuration's lease is no longer this process's: the file must not be published."""
