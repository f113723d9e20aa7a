"""Services: the connectors that configurations use as their configuration type."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.models import ExportConfiguration, ImportConfiguration, IntakeConfiguration, Service
from ..domain.statuses import ServiceKind
from ..errors import FieldProblem, NotFound, UserError, ValidationFailed, echo
from .audit import CREATE, DELETE, UPDATE, record_change
from .forms import length_problems, text_field_problems

if TYPE_CHECKING:
    from ..engines.sftp import SftpSettings

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: How much of a path a message repeats: enough to recognise it, not a whole screen.
PATH_LIMIT = 200
#: Problem code of a directory that does not exist (the TUI offers to create it).
MISSING_DIRECTORY = "missing_directory"
#: Largest file taken for a stylesheet; anything bigger is some other file.
MAX_STYLESHEET_BYTES = 10 * 1024 * 1024
MAX_PATH = 4096
#: Largest status file a service may accept: 1 TiB (beyond that it is a typing mistake).
MAX_FILE_SIZE = 1024**4
#: Longest a file must rest in the inbox before it is taken: one day.
MAX_FILE_AGE_SECONDS = 24 * 3600


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
    #: "local" or "sftp"; with "sftp" the fields below name the server (SPEC §15).
    transport: str = "local"
    sftp_host: str = ""
    sftp_port: int = 22
    sftp_user: str = ""
    sftp_key_file: str = ""
    sftp_password_env: str = ""
    sftp_known_hosts: str = ""
    sftp_remote_directory: str = ""
    sftp_remote_archive: str = ""
    sftp_remote_error: str = ""

    @property
    def inbox_archive(self) -> str:
        return self.archive_directory or str(Path(self.directory) / "archive")

    @property
    def inbox_error(self) -> str:
        return self.error_directory or str(Path(self.directory) / "error")


TRANSPORTS = ("local", "sftp")
#: The SFTP fields of a form and their keys in a service's ``sftp`` settings.
SFTP_FIELDS = {
    "sftp_host": "host",
    "sftp_port": "port",
    "sftp_user": "user",
    "sftp_key_file": "key_file",
    "sftp_password_env": "password_env",
    "sftp_known_hosts": "known_hosts",
    "sftp_remote_directory": "remote_directory",
    "sftp_remote_archive": "remote_archive",
    "sftp_remote_error": "remote_error",
}


def sftp_settings_of(form: ServiceForm) -> SftpSettings | None:
    """The SFTP server of a service form, or None for a local service."""
    if form.transport != "sftp":
        return None
    from ..engines.sftp import SftpSettings  # the SSH library only where SFTP is used

    return SftpSettings(
        host=form.sftp_host.strip(),
        port=form.sftp_port,
        user=form.sftp_user.strip(),
        key_file=form.sftp_key_file.strip() or None,
        password_env=form.sftp_password_env.strip() or None,
        known_hosts=form.sftp_known_hosts.strip(),
        remote_directory=form.sftp_remote_directory.strip(),
        remote_archive=form.sftp_remote_archive.strip() or None,
        remote_error=form.sftp_remote_error.strip() or None,
    )


def _sftp_problems(form: ServiceForm) -> list[FieldProblem]:
    if form.transport not in TRANSPORTS:
        return [FieldProblem("transport", f"transport must be one of {', '.join(TRANSPORTS)}")]
    settings = sftp_settings_of(form)
    if settings is None:
        return []
    problems = settings.problems()
    if form.kind.is_export and (form.sftp_remote_archive or form.sftp_remote_error):
        problems.append(
            FieldProblem(
                "sftp_remote_archive",
                "remote archive and error directories are for pickups; remove them",
            )
        )
    return problems


@dataclass(frozen=True)
class ServiceView(ServiceForm):
    id: int = 0
    used_by: list[str] = field(default_factory=list)

    def form(self) -> ServiceForm:
        return ServiceForm(
            **{f: getattr(self, f) for f in ServiceForm.__dataclass_fields__}  # type: ignore[arg-type]
        )

    def to_json(self) -> dict[str, object]:
        """Every field (as `service list --json` prints it) and the configurations using it."""
        data: dict[str, object] = {f: getattr(self, f) for f in ServiceForm.__dataclass_fields__}
        data["kind"] = self.kind.value
        data["used_by"] = list(self.used_by)
        return data


def _view(session: Session, service: Service) -> ServiceView:
    used = [
        *session.scalars(
            select(ExportConfiguration.name).where(ExportConfiguration.service_id == service.id)
        ),
        *session.scalars(
            select(ImportConfiguration.name).where(ImportConfiguration.service_id == service.id)
        ),
        *session.scalars(
            select(IntakeConfiguration.name).where(IntakeConfiguration.service_id == service.id)
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
        transport=service.transport or "local",
        **_sftp_fields(service.sftp or {}),
        used_by=sorted(set(used)),
    )


def _sftp_fields(stored: dict[str, object]) -> dict[str, object]:
    fields: dict[str, object] = {}
    for field_name, key in SFTP_FIELDS.items():
        if key in stored and stored[key] is not None:
            value = stored[key]
            fields[field_name] = value if key == "port" else str(value)
    return fields


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
        raise NotFound(
            f"service '{echo(name)}' does not exist: see the services screen for the list"
        )
    return service


def service_problems(
    session: Session, form: ServiceForm, *, service_id: int | None = None
) -> list[FieldProblem]:
    """Everything wrong with a service form, one message per problem."""
    problems: list[FieldProblem] = []
    name = form.name.strip()
    texts = _text_problems(form)
    problems.extend(texts)
    unreadable = {p.field for p in texts}
    if not name:
        problems.append(FieldProblem("name", "name is mandatory"))
    elif "name" not in unreadable:
        clash = session.scalar(select(Service.id).where(Service.name == name))
        if clash is not None and clash != service_id:
            problems.append(
                FieldProblem(
                    "name", f"a service named '{echo(name)}' already exists: choose another"
                )
            )
    if not form.directory.strip():
        problems.append(FieldProblem("directory", "directory is mandatory"))
    elif "directory" not in unreadable:
        problems.extend(_directory_problems("directory", form.directory))
    for field_name in ("archive_directory", "error_directory"):
        value = getattr(form, field_name)
        if value.strip() and field_name not in unreadable:
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
        if not 1 <= form.max_file_size <= MAX_FILE_SIZE:
            problems.append(
                FieldProblem("max_file_size", f"size limit must be from 1 to {MAX_FILE_SIZE} bytes")
            )
        if not 0 <= form.min_file_age_seconds <= MAX_FILE_AGE_SECONDS:
            problems.append(
                FieldProblem(
                    "min_file_age_seconds",
                    f"minimum file age must be from 0 to {MAX_FILE_AGE_SECONDS} s",
                )
            )
    if form.kind is ServiceKind.EXPORT_XSLT:
        if not form.stylesheet_path.strip():
            problems.append(
                FieldProblem("stylesheet_path", "an XSLT service needs a stylesheet path")
            )
        elif "stylesheet_path" not in unreadable and not _is_file(_expanded(form.stylesheet_path)):
            problems.append(
                FieldProblem(
                    "stylesheet_path",
                    f"stylesheet '{echo(form.stylesheet_path, PATH_LIMIT)}' does not exist: "
                    f"give the path of an .xsl file",
                )
            )
        elif "stylesheet_path" not in unreadable:
            problems.extend(_stylesheet_problems(_expanded(form.stylesheet_path)))
    problems.extend(
        length_problems(
            [
                ("name", "name", form.name, 100),
                ("display_name", "display name", form.display_name, 200),
                ("file_prefix", "file prefix", form.file_prefix, 100),
                ("file_extension", "file extension", form.file_extension, 20),
                ("file_pattern", "file pattern", form.file_pattern, 200),
            ]
        )
    )
    if form.log_level not in LOG_LEVELS:
        problems.append(FieldProblem("log_level", f"log level must be one of {LOG_LEVELS}"))
    problems.extend(_sftp_problems(form))
    return problems


# Each text field of a service with the longest value its column holds.
_TEXT_FIELDS = (
    ("name", "name", 100),
    ("display_name", "display name", 200),
    ("directory", "directory", MAX_PATH),
    ("file_prefix", "file prefix", 100),
    ("file_extension", "file extension", 20),
    ("file_pattern", "file pattern", 200),
    ("archive_directory", "archive directory", MAX_PATH),
    ("error_directory", "error directory", MAX_PATH),
    ("stylesheet_path", "stylesheet path", MAX_PATH),
)


def _expanded(text: str) -> Path:
    """``~`` and ``~user`` expanded; a ``~name`` of no known user stays as it is."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        return Path(text)


def _text_problems(form: ServiceForm) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for field_name, label, longest in _TEXT_FIELDS:
        problems.extend(text_field_problems(field_name, label, getattr(form, field_name), longest))
    return problems


def _stylesheet_problems(path: Path) -> list[FieldProblem]:
    """Whether the file compiles as the export will compile it (no file or network access)."""
    if path.stat().st_size > MAX_STYLESHEET_BYTES:
        return [
            FieldProblem(
                "stylesheet_path",
                f"'{path}' is larger than {MAX_STYLESHEET_BYTES // 1024 // 1024} MB: "
                f"that is not a stylesheet; give the path of an .xsl file",
            )
        ]
    from ..engines.export.stylesheet import StylesheetError, load_stylesheet  # lxml: only here

    try:
        load_stylesheet(path)
    except StylesheetError as exc:
        return [FieldProblem("stylesheet_path", exc.message)]
    return []


def inbox_path(directory: str) -> Path:
    """An inbox directory as one spelling: absolute, links and ``..`` resolved."""
    path = Path(directory.strip()).expanduser()
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL: compare as written
        return path.absolute()


def import_services_on_inbox(session: Session, directory: str) -> list[Service]:
    """The status import and order intake services whose inbox is ``directory`` (however it
    is spelt)."""
    wanted = inbox_path(directory)
    kinds = [kind.value for kind in ServiceKind if kind.reads_inbox]
    services = session.scalars(select(Service).where(Service.kind.in_(kinds)))
    return [service for service in services if inbox_path(service.directory) == wanted]


def inbox_owner(
    session: Session, directory: str, *, except_service_id: int | None = None
) -> Service | None:
    """Another status import or intake service that already reads ``directory``, if any."""
    if not directory.strip():
        return None
    others = [
        service
        for service in import_services_on_inbox(session, directory)
        if service.id != except_service_id
    ]
    return others[0] if others else None


def _directory_problems(field_name: str, directory: str) -> list[FieldProblem]:
    where = echo(directory, PATH_LIMIT)
    path = _expanded(directory)
    try:
        is_directory = stat.S_ISDIR(path.stat().st_mode)
    except FileNotFoundError:
        return [
            FieldProblem(
                field_name,
                f"directory '{where}' does not exist: create it or choose another",
            )
        ]
    except OSError as exc:
        return [FieldProblem(field_name, f"directory '{where}' can not be used: {exc.strerror}")]
    if not is_directory:
        return [FieldProblem(field_name, f"'{where}' is not a directory: choose a directory")]
    if not os.access(path, os.W_OK | os.X_OK):
        return [
            FieldProblem(field_name, f"directory '{where}' is not writable: fix its permissions")
        ]
    return []


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _exists(path: Path) -> bool:
    """Whether something is at ``path``; a path the system refuses (too long) is not."""
    try:
        path.stat()
    except OSError:
        return False
    return True


def missing_directories(form: ServiceForm) -> list[Path]:
    """Directories of a form that do not exist yet (for an offer to create them)."""
    values = [form.directory, form.archive_directory, form.error_directory]
    return [_expanded(v) for v in values if v.strip() and not _exists(_expanded(v))]


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
    service.transport = form.transport
    settings = sftp_settings_of(form)
    service.sftp = (
        {}
        if settings is None
        else {
            key: getattr(form, field_name).strip()
            if isinstance(getattr(form, field_name), str)
            else getattr(form, field_name)
            for field_name, key in SFTP_FIELDS.items()
            if getattr(form, field_name) not in ("", None)
        }
    )


def save_service(
    session: Session, form: ServiceForm, *, service_id: int | None = None
) -> ServiceView:
    """Validate and store a service form in ``session`` (a new one without an id); the kind of
    a service in use cannot change."""
    if service_id is None:
        problems = service_problems(session, form)
        service = Service()
    else:
        found = session.get(Service, service_id)
        if found is None:
            raise NotFound(f"service {service_id} no longer exists: refresh the list")
        service = found
        problems = _update_problems(session, service, form)
    if problems:
        raise ValidationFailed(problems)
    before = None if service_id is None else _view(session, service).form()
    _store(service, form)
    session.add(service)
    session.flush()
    view = _view(session, service)
    _audit(session, service, CREATE if before is None else UPDATE, before, view.form())
    return view


def _audit(
    session: Session,
    service: Service,
    action: str,
    before: ServiceForm | None,
    after: ServiceForm | None,
) -> None:
    record_change(
        session,
        "service",
        action,
        service.name,
        subject_id=service.id,
        channel=None,
        before=before,
        after=after,
    )


def services_in(session: Session) -> list[ServiceView]:
    """All services by name, read in ``session``."""
    return [_view(session, s) for s in session.scalars(select(Service).order_by(Service.name))]


def create_service(db: Database, form: ServiceForm) -> ServiceView:
    """Validate and store a new service."""
    with db.write() as session:
        return save_service(session, form)


def update_service(db: Database, service_id: int, form: ServiceForm) -> ServiceView:
    """Validate and store changes to a service; its kind cannot change once it is in use."""
    with db.write() as session:
        return save_service(session, form, service_id=service_id)


def remove_service(session: Session, service_id: int) -> None:
    """Delete a service that no configuration uses, in ``session``."""
    service = session.get(Service, service_id)
    if service is None:
        return
    view = _view(session, service)
    if view.used_by:
        raise UserError(
            f"service '{service.name}' is used by {', '.join(view.used_by)}: "
            f"change or delete those configurations first"
        )
    _audit(session, service, DELETE, view.form(), None)
    session.delete(service)
    session.flush()


def _update_problems(session: Session, service: Service, form: ServiceForm) -> list[FieldProblem]:
    problems = service_problems(session, form, service_id=service.id)
    if form.kind.value != service.kind and _view(session, service).used_by:
        problems.append(
            FieldProblem("kind", "the kind of a service in use by configurations is fixed")
        )
    return problems


def service_form_problems(
    db: Database, form: ServiceForm, *, service_id: int | None = None
) -> list[FieldProblem]:
    """What saving ``form`` would refuse, without saving anything (for checks while typing)."""
    with db.read() as session:
        service = None if service_id is None else session.get(Service, service_id)
        if service is None:
            return service_problems(session, form)
        return _update_problems(session, service, form)


def delete_service(db: Database, service_id: int) -> None:
    """Delete a service that no configuration uses."""
    with db.write() as session:
        remove_service(session, service_id)


def count_services(session: Session) -> int:
    return session.scalar(select(func.count(Service.id))) or 0


def with_defaults(kind: ServiceKind, **values: object) -> ServiceForm:
    """A form for a new service of ``kind`` with sensible defaults."""
    form = ServiceForm(name="", kind=kind, directory="")
    if kind is ServiceKind.EXPORT_XSLT:
        form = replace(form, file_extension=".csv")
    if kind is ServiceKind.INTAKE_JSONL:
        form = replace(form, file_pattern="*.jsonl")
    return replace(form, **values)  # type: ignore[arg-type]
