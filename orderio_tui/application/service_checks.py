"""`service test NAME`: whether a service can do its work on this machine right now.

A local export service needs a directory it can write into (and, for XSLT, a stylesheet that
compiles); a status import or intake service needs an inbox it can read and move files out of, and
archive and error directories that exist or can be created inside it. An SFTP service also
connects to its server (host key verified), lists the remote directory and, for an export,
writes and removes a test file there.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..database import Database
from ..domain.statuses import ServiceKind
from ..engines.export.stylesheet import load_stylesheet
from ..engines.sftp import SftpSettings, TransportError, check_connection
from ..errors import UserError
from .services import ServiceForm, list_services, sftp_settings_of


@dataclass(frozen=True)
class ServiceCheck:
    """One thing checked about a service, and what was found."""

    check: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, object]:
        return {"check": self.check, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class ServiceReport:
    """Everything checked about one service."""

    service: str
    kind: str
    checks: list[ServiceCheck]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, object]:
        return {
            "service": self.service,
            "kind": self.kind,
            "ok": self.ok,
            "checks": [c.to_json() for c in self.checks],
        }


def _can_write(directory: Path) -> str | None:
    """None when a file can be created and removed in ``directory``, else why not."""
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".orderio-test-"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _directory_check(check: str, value: str, *, write: bool) -> ServiceCheck:
    if not value.strip():  # Path("") is the working directory: never test that instead
        return ServiceCheck(check, False, "no directory is set: give one in the service")
    path = Path(value).expanduser()
    if not path.exists():
        return ServiceCheck(
            check, False, f"'{path}' does not exist: create it or change the service"
        )
    if not path.is_dir():
        return ServiceCheck(check, False, f"'{path}' is not a directory: change the service")
    if not os.access(path, os.R_OK | os.X_OK):
        return ServiceCheck(check, False, f"'{path}' cannot be read: fix its permissions")
    if write:
        problem = _can_write(path)
        if problem is not None:
            return ServiceCheck(
                check, False, f"cannot create a file in '{path}' ({problem}): fix its permissions"
            )
    return ServiceCheck(check, True, f"'{path}' is {'writable' if write else 'readable'}")


def _sub_directory_check(check: str, value: str) -> ServiceCheck:
    path = Path(value).expanduser()
    if path.exists():
        return _directory_check(check, value, write=True)
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and os.access(parent, os.W_OK | os.X_OK):
        return ServiceCheck(check, True, f"'{path}' will be created by the first run")
    return ServiceCheck(
        check, False, f"'{path}' does not exist and cannot be created: create it by hand"
    )


def check_local_service(service: ServiceForm) -> ServiceReport:
    """Check a service as stored or as typed on the services screen: its directories (and
    stylesheet) on this machine and, for SFTP, its server."""
    checks: list[ServiceCheck] = []
    if service.kind.is_export:
        checks.append(_directory_check("export directory", service.directory, write=True))
        if service.kind is ServiceKind.EXPORT_XSLT:
            try:
                load_stylesheet(Path(service.stylesheet_path).expanduser())
            except UserError as exc:
                checks.append(ServiceCheck("stylesheet", False, exc.message))
            else:
                checks.append(
                    ServiceCheck("stylesheet", True, f"'{service.stylesheet_path}' compiles")
                )
    else:
        inbox = _directory_check("inbox", service.directory, write=True)
        checks.append(inbox)
        if inbox.ok:
            checks.append(_sub_directory_check("archive directory", service.inbox_archive))
            checks.append(_sub_directory_check("error directory", service.inbox_error))
    settings = sftp_settings_of(service)
    if settings is not None:
        checks.append(_sftp_check(settings, write=service.kind.is_export))
    if not service.enabled:
        checks.append(
            ServiceCheck("enabled", False, "the service is disabled: its configurations do not run")
        )
    return ServiceReport(service.name, service.kind.value, checks)


def _sftp_check(settings: SftpSettings, *, write: bool) -> ServiceCheck:
    """Connect (host key verified), list the remote directory and, for exports, write a test
    file there (SPEC §15)."""
    problems = settings.problems()
    if problems:
        return ServiceCheck("sftp", False, "; ".join(p.message for p in problems))
    try:
        found = check_connection(settings, write=write)
    except TransportError as exc:
        return ServiceCheck("sftp", False, exc.message)
    return ServiceCheck("sftp", True, found.describe())


def check_service(db: Database, name: str) -> ServiceReport:
    """Check the service called ``name``; :class:`UserError` when there is no such service."""
    services = list_services(db)
    for view in services:
        if view.name == name:
            return check_local_service(view)
    known = ", ".join(v.name for v in services) or "none"
    raise UserError(f"service '{name}' does not exist (services: {known})")
