"""What an import run and its recovery read of a configuration, and the import's limits.

Both the engine (:mod:`.engine`) and recovery (:mod:`.recovery`) need a configuration's
settings; they live here so that neither imports the other for them.

The limits bound what one order entry may hold, so that memory grows with the largest entry,
never with the file, and how far in the future a ``changed`` time may lie. Each has a default
and may be set by an environment variable (README, "Status import limits"); a value that is not
a whole number in its range is refused with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from sqlalchemy.orm import Session

from ...domain.models import (
    ImportConfiguration,
    ImportedFile,
    IntakeConfiguration,
    IntakeFile,
)
from ...domain.statuses import RunKind
from ..sftp import SftpSettings
from .inbox import InboxLayout


@dataclass(frozen=True)
class InboxKind:
    """What differs between the configurations that take files from an inbox (SPEC §7.2, §13):
    the run kind, the configuration and ledger tables, the prefix of the failpoints."""

    run_kind: RunKind
    configuration: type[ImportConfiguration] | type[IntakeConfiguration]
    ledger: type[ImportedFile] | type[IntakeFile]
    failpoints: str
    #: What the run log and reports call the configuration ("import configuration").
    label: str


STATUS_IMPORT = InboxKind(
    RunKind.IMPORT, ImportConfiguration, ImportedFile, "import", "import configuration"
)
ORDER_INTAKE = InboxKind(
    RunKind.INTAKE, IntakeConfiguration, IntakeFile, "intake", "intake configuration"
)


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on one order entry of a status file and on its ``changed`` time."""

    #: `line-item` elements of one `order`.
    max_line_items: int = 10_000
    #: `payment-transaction` elements of one `order`.
    max_payment_transactions: int = 1_000
    #: Attributes of one element (the format has at most four).
    max_attributes: int = 8
    #: Characters of one attribute value (the format's longest is 100).
    max_attribute_length: int = 1_000
    #: How far (seconds) an entry's `changed` may lie ahead of now; later ones are rejected.
    future_tolerance_seconds: int = 86_400


#: Environment variable, field, lowest and highest value of each limit.
LIMIT_VARIABLES: tuple[tuple[str, str, int, int], ...] = (
    ("ORDERIO_IMPORT_MAX_LINE_ITEMS", "max_line_items", 1, 1_000_000),
    ("ORDERIO_IMPORT_MAX_PAYMENT_TRANSACTIONS", "max_payment_transactions", 1, 1_000_000),
    ("ORDERIO_IMPORT_MAX_ATTRIBUTES", "max_attributes", 4, 1_000),
    ("ORDERIO_IMPORT_MAX_ATTRIBUTE_LENGTH", "max_attribute_length", 100, 1_000_000),
    ("ORDERIO_IMPORT_FUTURE_TOLERANCE_SECONDS", "future_tolerance_seconds", 0, 366 * 86_400),
)


def describe_seconds(seconds: int) -> str:
    """A duration for people: ``1 day``, ``2 hours``, ``90 s``."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} s"


class LimitError(ValueError):
    """A limit set in the environment is not a whole number in its range."""


def limits_from_environment(environ: Mapping[str, str] | None = None) -> ImportLimits:
    """The import limits: defaults, each overridden by its environment variable when set."""
    environ = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for variable, field_name, lowest, highest in LIMIT_VARIABLES:
        text = environ.get(variable, "").strip()
        if not text:
            continue
        try:
            value = int(text)
        except ValueError:
            value = lowest - 1
        if not lowest <= value <= highest:
            raise LimitError(
                f"${variable} is '{text[:40]}'; set it to a whole number from {lowest} to "
                f"{highest}, or unset it for the default {getattr(ImportLimits, field_name)}"
            )
        values[field_name] = value
    return ImportLimits(**values)


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
    #: The server files are picked up from before the inbox is read (SPEC §15); None: local.
    sftp: SftpSettings | None = None
    #: The channel's currency (an intake rejects orders in another).
    currency: str = "EUR"


def load_settings(
    session: Session, configuration_id: int, kind: InboxKind = STATUS_IMPORT
) -> ImportSettings | None:
    """The settings of an import (or intake) configuration, or None when it does not exist."""
    configuration = cast(
        ImportConfiguration | IntakeConfiguration | None,
        session.get(kind.configuration, configuration_id),
    )
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
        sftp=(
            SftpSettings.from_stored(service.sftp or {}) if service.transport == "sftp" else None
        ),
        currency=channel.currency,
    )
