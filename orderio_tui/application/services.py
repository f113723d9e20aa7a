"""Services: the connectors that configurations use as their configuration type."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.models import ExportConfiguration, ImportConfiguration, Service
from ..domain.statuses import ServiceKind
from ..errors import FieldProblem, NotFound, UserError, ValidationFailed

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: Problem code of a directory that does not exist (the TUI offers to create it).
MISSING_DIRECTORY = "missing_directory"


@dataclass(frozen=True)
class ServiceForm:
    """The editable fields of a service."""

    name: str
    kind: ServiceKind
    directory: str
    display_name: str = ""
    file_prefix: str = "orders"
    file_extension: str = ".xml"
    file_pattern: str = "*.xml"
    archive_directory: str = ""
    error_directory: str = ""
    stylesheet_path: str = ""
    log_level: str = "INFO"
    enabled: bool = True
    max_file_size: int = 200 * 1024 * 1024
    min_file_age_seconds: int = 2


@dataclass(frozen=True)
class ServiceView(ServiceForm):
    id: int = 0
    used_by: list[str] = field(default_factory=list)

    @property
    def inbox_archive(self) -> str:
        return self.archive_directory or str(Path(self.directory) / "archive")

    @property
    def inbox_error(self) -> str:
        return self.error_directory or str(Path(self.directory) / "error")

    def form(self) -> ServiceForm:
        return ServiceForm(
            **{f: getattr(self, f) for f in ServiceForm.__dataclass_fields__}  # type: ignore[arg-type]
        )


def _view(session: Session, service: Service) -> ServiceView:
    used = [
        *session.scalars(
            select(ExportConfiguration.name).where(ExportConfiguration.service_id == service.id)
        ),
        *session.scalars(
            select(ImportConfiguration.name).where(ImportConfiguration.service_id == service.id)
        ),
    ]
    return ServiceView(
        id=service.id,
        name=service.name,
        kind=ServiceKind(service.kind),
        directory=service.directory,
        display_name=service.display_name,
        file_prefix=service.file_prefix,
        file_extension=service.file_extension,
        file_pattern=service.file_pattern,
        archive_directory=service.archive_directory or "",
        error_directory=service.error_directory or "",
        stylesheet_path=service.stylesheet_path or "",
        log_level=service.log_level,
        enabled=service.enabled,
        max_file_size=service.max_file_size,
        min_file_age_seconds=service.min_file_age_seconds,
        used_by=sorted(set(used)),
    )


def list_services(db: Database, kind: ServiceKind | None = None) -> list[ServiceView]:
    """All services (of one kind, if given) by name."""
    with db.read() as session:
        query = select(Service).order_by(Service.name)
        if kind is not None:
            query = query.where(Service.kind == kind.value)
        return [_view(session, s) for s in session.scalars(query)]


def service_by_name(session: Session, name: str) -> Service:
    service = session.scalar(select(Service).where(Service.name == name))
    if service is None:
        raise NotFound(f"service '{name}' does not exist: see the services screen for the list")
    return service


def service_problems(
    session: Session, form: ServiceForm, *, service_id: int | None = None
) -> list[FieldProblem]:
    """Everything wrong with a service form, one message per problem."""
    problems: list[FieldProblem] = []
    name = form.name.strip()
    if not name:
        problems.append(FieldProblem("name", "name is mandatory"))
    else:
        clash = session.scalar(select(Service.id).where(Service.name == name))
        if clash is not None and clash != service_id:
            problems.append(
                FieldProblem("name", f"a service named '{name}' already exists: choose another")
            )
    if not form.directory.strip():
        problems.append(FieldProblem("directory", "directory is mandatory"))
    else:
        problems.extend(_directory_problems("directory", form.directory))
    for field_name in ("archive_directory", "error_directory"):
        value = getattr(form, field_name)
        if value.strip():
            problems.extend(_directory_problems(field_name, value))
    if form.kind.is_export:
        if not form.file_prefix.strip() or any(c in form.file_prefix for c in "/\\"):
            problems.append(
                FieldProblem("file_prefix", "file prefix is mandatory and may not contain '/'")
            )
        if not form.file_extension.startswith(".") or len(form.file_extension) < 2:
            problems.append(
                FieldProblem("file_extension", "file extension must start with '.', e.g. .xml")
            )
    else:
        owner = inbox_owner(session, form.directory, except_service_id=service_id)
        if form.directory.strip() and owner is not None:
            problems.append(
                FieldProblem(
                    "directory",
                    f"directory '{form.directory}' is already the inbox of service "
                    f"'{owner.name}': each inbox belongs to one import service; choose another "
                    f"directory or use service '{owner.name}'",
                )
            )
        if not form.file_pattern.strip():
            problems.append(FieldProblem("file_pattern", "file pattern is mandatory, e.g. *.xml"))
        if form.max_file_size < 1:
            problems.append(FieldProblem("max_file_size", "size limit must be 1 byte or more"))
        if form.min_file_age_seconds < 0:
            problems.append(
                FieldProblem("min_file_age_seconds", "minimum file age must be 0 s or more")
            )
    if form.kind is ServiceKind.EXPORT_XSLT:
        if not form.stylesheet_path.strip():
            problems.append(
                FieldProblem("stylesheet_path", "an XSLT service needs a stylesheet path")
            )
        elif not Path(form.stylesheet_path).expanduser().is_file():
            problems.append(
                FieldProblem(
                    "stylesheet_path",
                    f"stylesheet '{form.stylesheet_path}' does not exist: give the path of "
                    f"an .xsl file",
                )
            )
    if form.log_level not in LOG_LEVELS:
        problems.append(FieldProblem("log_level", f"log level must be one of {LOG_LEVELS}"))
    return problems


def inbox_path(directory: str) -> Path:
    """An inbox directory as one spelling: absolute, links and ``..`` resolved."""
    path = Path(directory.strip()).expanduser()
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop: compare as written
        return path.absolute()


def import_services_on_inbox(session: Session, directory: str) -> list[Service]:
    """The status import services whose inbox is ``directory`` (however it is spelt)."""
    wanted = inbox_path(directory)
    services = session.scalars(
        select(Service).where(Service.kind == ServiceKind.STATUS_IMPORT_XML.value)
    )
    return [service for service in services if inbox_path(service.directory) == wanted]


def inbox_owner(
    session: Session, directory: str, *, except_service_id: int | None = None
) -> Service | None:
    """Another status import service that already reads ``directory``, if any."""
    if not directory.strip():
        return None
    others = [
        service
        for service in import_services_on_inbox(session, directory)
        if service.id != except_service_id
    ]
    return others[0] if others else None


def _directory_problems(field_name: str, directory: str) -> list[FieldProblem]:
    path = Path(directory).expanduser()
    if not path.exists():
        return [
            FieldProblem(
                field_name,
                f"directory '{directory}' does not exist: create it or choose another",
            )
        ]
    if not path.is_dir():
        return [FieldProblem(field_name, f"'{directory}' is not a directory: choose a directory")]
    if not os.access(path, os.W_OK | os.X_OK):
        return [
            FieldProblem(
                field_name, f"directory '{directory}' is not writable: fix its permissions"
            )
        ]
    return []


def missing_directories(form: ServiceForm) -> list[Path]:
    """Directories of a form that do not exist yet (for an offer to create them)."""
    values = [form.directory, form.archive_directory, form.error_directory]
    return [Path(v).expanduser() for v in values if v.strip() and not Path(v).expanduser().exists()]


def create_directories(form: ServiceForm) -> list[Path]:
    """Create the missing directories of a form; returns what was created."""
    created = missing_directories(form)
    for path in created:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create directory '{path}': {exc.strerror}") from None
    return created


def _store(service: Service, form: ServiceForm) -> None:
    service.name = form.name.strip()
    service.kind = form.kind.value
    service.display_name = form.display_name.strip()
    service.directory = form.directory.strip()
    service.file_prefix = form.file_prefix.strip()
    service.file_extension = form.file_extension.strip()
    service.file_pattern = form.file_pattern.strip()
    service.archive_directory = form.archive_directory.strip() or None
    service.error_directory = form.error_directory.strip() or None
    service.stylesheet_path = form.stylesheet_path.strip() or None
    service.log_level = form.log_level
    service.enabled = form.enabled
    service.max_file_size = form.max_file_size
    service.min_file_age_seconds = form.min_file_age_seconds


def create_service(db: Database, form: ServiceForm) -> ServiceView:
    """Validate and store a new service."""
    with db.write() as session:
        problems = service_problems(session, form)
        if problems:
            raise ValidationFailed(problems)
        service = Service()
        _store(service, form)
        session.add(service)
        session.flush()
        return _view(session, service)


def update_service(db: Database, service_id: int, form: ServiceForm) -> ServiceView:
    """Validate and store changes to a service; its kind cannot change once it is in use."""
    with db.write() as session:
        service = session.get(Service, service_id)
        if service is None:
            raise NotFound(f"service {service_id} no longer exists: refresh the list")
        problems = service_problems(session, form, service_id=service_id)
        if form.kind.value != service.kind and _view(session, service).used_by:
            problems.append(
                FieldProblem("kind", "the kind of a service in use by configurations is fixed")
            )
        if problems:
            raise ValidationFailed(problems)
        _store(service, form)
        session.flush()
        return _view(session, service)


def delete_service(db: Database, service_id: int) -> None:
    """Delete a service that no configuration uses."""
    with db.write() as session:
        service = session.get(Service, service_id)
        if service is None:
            return
        view = _view(session, service)
        if view.used_by:
            raise UserError(
                f"service '{service.name}' is used by {', '.join(view.used_by)}: "
                f"change or delete those configurations first"
            )
        session.delete(service)


def count_services(session: Session) -> int:
    return session.scalar(select(func.count(Service.id))) or 0


def with_defaults(kind: ServiceKind, **values: object) -> ServiceForm:
    """A form for a new service of ``kind`` with sensible defaults."""
    form = ServiceForm(name="", kind=kind, directory="")
    if kind is ServiceKind.EXPORT_XSLT:
        form = replace(form, file_extension=".csv")
    return replace(form, **values)  # type: ignore[arg-type]
