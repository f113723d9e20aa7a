"""Export and import configurations of a channel: forms, validation, storage, lookup, lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.models import (
    Channel,
    ExportConfiguration,
    ImportConfiguration,
    IntakeConfiguration,
    Run,
    Service,
)
from ..domain.scheduling import (
    Schedule,
    read_schedule,
    schedule_of,
    schedule_problems,
    store_schedule,
)
from ..domain.statuses import (
    DEFAULT_LINE_ITEM_TRANSITIONS,
    DEFAULT_ORDER_TRANSITIONS,
    Actor,
    CustomerType,
    Entity,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    RunKind,
    ServiceKind,
    transition_allowed,
)
from ..errors import Ambiguous, FieldProblem, NotFound, ValidationFailed, echo
from .audit import CREATE, DELETE, UPDATE, record_change
from .channels import channel_by_name
from .forms import (
    MAX_AMOUNT,
    MAX_ORDER_AGE_MINUTES,
    MAX_ORDERS_PER_RUN,
    length_problems,
    text_field_problems,
    text_problem,
)
from .services import import_services_on_inbox

Configuration = ExportConfiguration | ImportConfiguration | IntakeConfiguration

MAX_NAME = 100
MAX_DESCRIPTION = 2000
#: Most order numbers or SKUs one condition lists.
MAX_LIST_ITEMS = 10_000


_MODELS: dict[RunKind, type[Configuration]] = {
    RunKind.EXPORT: ExportConfiguration,
    RunKind.IMPORT: ImportConfiguration,
    RunKind.INTAKE: IntakeConfiguration,
}
_LABELS = {
    RunKind.EXPORT: "export configuration",
    RunKind.IMPORT: "import configuration",
    RunKind.INTAKE: "intake configuration",
}


def _model(kind: RunKind) -> type[Configuration]:
    return _MODELS[kind]


def _label(kind: RunKind) -> str:
    return _LABELS[kind]


def service_fits(kind: RunKind, service_kind: ServiceKind) -> bool:
    """Whether a configuration of ``kind`` can use a service of ``service_kind``."""
    if kind is RunKind.EXPORT:
        return service_kind.is_export
    if kind is RunKind.INTAKE:
        return service_kind.is_intake
    return service_kind is ServiceKind.STATUS_IMPORT_XML


# --------------------------------------------------------------------------- forms


@dataclass(frozen=True)
class ImportConfigurationForm:
    """General and Scheduling tabs of an import configuration (SPEC §4)."""

    name: str
    service: str
    description: str = ""
    schedule: Schedule = field(default_factory=Schedule)


@dataclass(frozen=True)
class ExportConfigurationForm:
    """All four tabs of an export configuration (SPEC §3)."""

    # General
    name: str
    service: str
    description: str = ""
    # Actions
    status_updates_enabled: bool = True
    order_transitions: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_ORDER_TRANSITIONS)
    )
    line_item_transitions: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_LINE_ITEM_TRANSITIONS)
    )
    # Scheduling
    schedule: Schedule = field(default_factory=Schedule)
    # Conditions
    order_statuses: list[str] = field(default_factory=lambda: [OrderStatus.NEW.value])
    line_item_statuses: list[str] = field(default_factory=lambda: [s.value for s in LineItemStatus])
    payment_statuses: list[str] = field(default_factory=lambda: [s.value for s in PaymentStatus])
    customer_types: list[str] = field(default_factory=lambda: [s.value for s in CustomerType])
    order_numbers: list[str] = field(default_factory=list)
    customer_id: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None
    gross_min: Decimal | None = None
    gross_max: Decimal | None = None
    skus: list[str] = field(default_factory=list)
    supplier: str = ""
    min_age_minutes: int | None = None
    only_not_exported: bool = False
    max_orders: int | None = None


_CONDITION_FIELDS = (
    "order_statuses",
    "line_item_statuses",
    "payment_statuses",
    "customer_types",
    "order_numbers",
    "created_from",
    "created_to",
    "gross_min",
    "gross_max",
    "skus",
    "min_age_minutes",
    "only_not_exported",
    "max_orders",
)


def _check_general(
    session: Session,
    kind: RunKind,
    channel_id: int,
    name: str,
    service_name: str,
    configuration_id: int | None,
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    name = name.strip()
    name_problems = text_field_problems("name", "name", name, MAX_NAME)
    if not name:
        problems.append(FieldProblem("name", "name is mandatory"))
    elif name_problems:
        problems.extend(name_problems)
    else:
        model = _model(kind)
        clash = session.scalar(
            select(model.id).where(model.channel_id == channel_id, model.name == name)
        )
        if clash is not None and clash != configuration_id:
            channel = session.get(Channel, channel_id)
            problems.append(
                FieldProblem(
                    "name",
                    f"an {_label(kind)} named '{name}' already exists in channel "
                    f"'{channel.name if channel else channel_id}': choose another name",
                )
            )
    if not service_name.strip():
        problems.append(FieldProblem("service", "configuration type is mandatory: pick a service"))
    elif text_problem(service_name, MAX_NAME):
        problems.extend(text_field_problems("service", "service", service_name, MAX_NAME))
    else:
        service = session.scalar(select(Service).where(Service.name == service_name))
        if service is None:
            problems.append(
                FieldProblem(
                    "service", f"service '{echo(service_name)}' does not exist: pick another"
                )
            )
        elif not service_fits(kind, ServiceKind(service.kind)):
            wanted = {
                RunKind.EXPORT: "an export",
                RunKind.IMPORT: "a status import",
                RunKind.INTAKE: "an order intake",
            }[kind]
            problems.append(
                FieldProblem(
                    "service",
                    f"service '{service_name}' is a {service.kind} service: pick {wanted} service",
                )
            )
    return problems


def _check_statuses(
    field_name: str, label: str, values: list[str], allowed: type[OrderStatus] | type
) -> list[FieldProblem]:
    if not values:
        return [FieldProblem(field_name, f"select at least one {label}")]
    known = {s.value for s in allowed}  # type: ignore[attr-defined]
    unknown = [v for v in values if v not in known]
    if unknown:
        return [FieldProblem(field_name, f"unknown {label}: {', '.join(unknown)}")]
    return []


def export_form_problems(
    session: Session,
    channel_id: int,
    form: ExportConfigurationForm,
    *,
    configuration_id: int | None = None,
) -> list[FieldProblem]:
    """Everything wrong with an export configuration form, one message per problem."""
    problems = _check_general(
        session, RunKind.EXPORT, channel_id, form.name, form.service, configuration_id
    )
    problems.extend(
        text_field_problems("description", "description", form.description, MAX_DESCRIPTION)
    )
    problems.extend(text_field_problems("customer_id", "customer id", form.customer_id, MAX_NAME))
    problems.extend(text_field_problems("supplier", "supplier", form.supplier, 200))
    for field_name, label, values in (
        ("order_numbers", "order number", form.order_numbers),
        ("skus", "SKU", form.skus),
    ):
        if len(values) > MAX_LIST_ITEMS:
            problems.append(
                FieldProblem(field_name, f"at most {MAX_LIST_ITEMS} {label}s can be listed")
            )
        for value in values:
            problems.extend(text_field_problems(field_name, label, value, MAX_NAME))
    for entity, field_name, transitions in (
        (Entity.ORDER, "order_transitions", form.order_transitions),
        (Entity.LINE_ITEM, "line_item_transitions", form.line_item_transitions),
    ):
        for source, target in transitions.items():
            if not transition_allowed(Actor.EXPORT, entity, source, target):
                what = "order" if entity is Entity.ORDER else "line-item"
                problems.append(
                    FieldProblem(
                        field_name,
                        f"{what} transition {source} → {target} is not allowed for an export",
                    )
                )
    problems.extend(form.schedule.problems())
    problems.extend(
        _check_statuses("order_statuses", "order status", form.order_statuses, OrderStatus)
    )
    problems.extend(
        _check_statuses(
            "line_item_statuses", "fulfillment status", form.line_item_statuses, LineItemStatus
        )
    )
    problems.extend(
        _check_statuses("payment_statuses", "payment status", form.payment_statuses, PaymentStatus)
    )
    problems.extend(
        _check_statuses("customer_types", "customer type", form.customer_types, CustomerType)
    )
    if form.created_from and form.created_to and form.created_from > form.created_to:
        problems.append(
            FieldProblem("created_to", "creation date 'to' is before 'from': swap them")
        )
    for field_name, value in (("gross_min", form.gross_min), ("gross_max", form.gross_max)):
        if value is not None and not 0 <= value <= MAX_AMOUNT:
            problems.append(FieldProblem(field_name, f"amounts must be from 0 to {MAX_AMOUNT}"))
    if (
        form.gross_min is not None
        and form.gross_max is not None
        and form.gross_min > form.gross_max
    ):
        problems.append(FieldProblem("gross_max", "maximum amount is below the minimum"))
    if form.min_age_minutes is not None and not 0 <= form.min_age_minutes <= MAX_ORDER_AGE_MINUTES:
        problems.append(
            FieldProblem(
                "min_age_minutes",
                f"minimum order age must be from 0 to {MAX_ORDER_AGE_MINUTES} minutes",
            )
        )
    if form.max_orders is not None and not 1 <= form.max_orders <= MAX_ORDERS_PER_RUN:
        problems.append(
            FieldProblem("max_orders", f"max orders per run must be from 1 to {MAX_ORDERS_PER_RUN}")
        )
    problems.extend(
        length_problems(
            [
                ("customer_id", "customer id", form.customer_id, 100),
                ("supplier", "supplier", form.supplier, 200),
            ]
        )
    )
    return problems


def import_form_problems(
    session: Session,
    channel_id: int,
    form: ImportConfigurationForm,
    *,
    configuration_id: int | None = None,
    kind: RunKind = RunKind.IMPORT,
) -> list[FieldProblem]:
    """Everything wrong with an import (or intake) configuration form, one message each."""
    problems = _check_general(session, kind, channel_id, form.name, form.service, configuration_id)
    problems.extend(
        text_field_problems("description", "description", form.description, MAX_DESCRIPTION)
    )
    if all(problem.field != "service" for problem in problems):
        problems.extend(_inbox_problems(session, kind, form.service, configuration_id))
    problems.extend(form.schedule.problems())
    return problems


def intake_form_problems(
    session: Session,
    channel_id: int,
    form: ImportConfigurationForm,
    *,
    configuration_id: int | None = None,
) -> list[FieldProblem]:
    """Everything wrong with an intake configuration form (the import form's fields)."""
    return import_form_problems(
        session, channel_id, form, configuration_id=configuration_id, kind=RunKind.INTAKE
    )


def _inbox_problems(
    session: Session, kind: RunKind, service_name: str, configuration_id: int | None
) -> list[FieldProblem]:
    """A file is imported by one configuration: refuse a second one on an inbox."""
    service = session.scalar(select(Service).where(Service.name == service_name))
    if service is None:
        return []
    service_ids = [s.id for s in import_services_on_inbox(session, service.directory)]
    others = [
        (other_kind, other)
        for other_kind in (RunKind.IMPORT, RunKind.INTAKE)
        for other in session.scalars(
            select(_model(other_kind)).where(_model(other_kind).service_id.in_(service_ids))
        )
    ]
    for other_kind, other in others:
        if other_kind is not kind or other.id != configuration_id:
            return [
                FieldProblem(
                    "service",
                    f"the inbox {service.directory} of service '{service_name}' is already read "
                    f"by {_label(other_kind)} '{other.name}' of channel '{other.channel.name}': "
                    "a file is imported by one configuration only; give this configuration a "
                    "service with its own inbox",
                )
            ]
    return []


# --------------------------------------------------------------------------- storage


def _store_export(
    session: Session, row: ExportConfiguration, form: ExportConfigurationForm
) -> None:
    row.name = form.name.strip()
    row.service_id = session.scalar(select(Service.id).where(Service.name == form.service))  # type: ignore[assignment]
    row.description = form.description
    row.status_updates_enabled = form.status_updates_enabled
    row.order_transitions = dict(form.order_transitions)
    row.line_item_transitions = dict(form.line_item_transitions)
    store_schedule(row, form.schedule)
    row.order_statuses = list(form.order_statuses)
    row.line_item_statuses = list(form.line_item_statuses)
    row.payment_statuses = list(form.payment_statuses)
    row.customer_types = list(form.customer_types)
    row.order_numbers = list(form.order_numbers)
    row.customer_id = form.customer_id.strip() or None
    row.created_from = form.created_from
    row.created_to = form.created_to
    row.gross_min = form.gross_min
    row.gross_max = form.gross_max
    row.skus = list(form.skus)
    row.supplier = form.supplier.strip() or None
    row.min_age_minutes = form.min_age_minutes
    row.only_not_exported = form.only_not_exported
    row.max_orders = form.max_orders


def _store_import(
    session: Session, row: ImportConfiguration | IntakeConfiguration, form: ImportConfigurationForm
) -> None:
    row.name = form.name.strip()
    row.service_id = session.scalar(select(Service.id).where(Service.name == form.service))  # type: ignore[assignment]
    row.description = form.description
    store_schedule(row, form.schedule)


def export_form_of(session: Session, row: ExportConfiguration) -> ExportConfigurationForm:
    """The form that shows a stored export configuration."""
    return ExportConfigurationForm(
        name=row.name,
        service=row.service.name,
        description=row.description,
        status_updates_enabled=row.status_updates_enabled,
        order_transitions=dict(row.order_transitions or {}),
        line_item_transitions=dict(row.line_item_transitions or {}),
        schedule=schedule_of(row),
        order_statuses=list(row.order_statuses or []),
        line_item_statuses=list(row.line_item_statuses or []),
        payment_statuses=list(row.payment_statuses or []),
        customer_types=list(row.customer_types or []),
        order_numbers=list(row.order_numbers or []),
        customer_id=row.customer_id or "",
        created_from=row.created_from,
        created_to=row.created_to,
        gross_min=row.gross_min,
        gross_max=row.gross_max,
        skus=list(row.skus or []),
        supplier=row.supplier or "",
        min_age_minutes=row.min_age_minutes,
        only_not_exported=row.only_not_exported,
        max_orders=row.max_orders,
    )


def import_form_of(
    session: Session, row: ImportConfiguration | IntakeConfiguration
) -> ImportConfigurationForm:
    """The form that shows a stored import configuration."""
    return ImportConfigurationForm(
        name=row.name,
        service=row.service.name,
        description=row.description,
        schedule=schedule_of(row),
    )


def transient_export_configuration(
    session: Session, channel_id: int, form: ExportConfigurationForm
) -> ExportConfiguration:
    """An unsaved configuration row built from a form (for the live "N orders match" count)."""
    row = ExportConfiguration(channel_id=channel_id)
    _store_export(session, row, form)
    return row


# How each kind of form is checked and stored: (problems, store).
_FORM_HANDLERS: dict[RunKind, tuple[Callable[..., list[FieldProblem]], Callable[..., None]]] = {
    RunKind.EXPORT: (export_form_problems, _store_export),
    RunKind.IMPORT: (import_form_problems, _store_import),
    RunKind.INTAKE: (intake_form_problems, _store_import),
}


def save_configuration(
    session: Session,
    kind: RunKind,
    channel_id: int,
    form: object,
    *,
    configuration_id: int | None = None,
) -> int:
    """Validate and store a configuration form in ``session`` (a new one without an id)."""
    problems_of, store = _FORM_HANDLERS[kind]
    problems = problems_of(session, channel_id, form, configuration_id=configuration_id)
    if problems:
        raise ValidationFailed(problems)
    row = (
        _model(kind)(channel_id=channel_id)
        if configuration_id is None
        else _get(session, kind, configuration_id)
    )
    before = None if configuration_id is None else form_of(session, row)
    store(session, row, form)
    session.add(row)
    session.flush()
    session.expire(row, ["service", "channel"])  # the new ids' rows, not the ones loaded before
    _audit(session, kind, row, CREATE if before is None else UPDATE, before, form_of(session, row))
    return row.id


def form_of(
    session: Session, row: Configuration
) -> ExportConfigurationForm | ImportConfigurationForm:
    """The form that shows a stored configuration of any kind."""
    if isinstance(row, ExportConfiguration):
        return export_form_of(session, row)
    return import_form_of(session, row)


def _audit(
    session: Session,
    kind: RunKind,
    row: Configuration,
    action: str,
    before: object | None,
    after: object | None,
) -> None:
    record_change(
        session,
        kind.value,
        action,
        row.name,
        subject_id=row.id,
        channel=row.channel.name,
        before=before,
        after=after,
    )


def _create(db: Database, kind: RunKind, channel: str, form: object) -> int:
    with db.write() as session:
        channel_id = channel_by_name(session, channel).id
        return save_configuration(session, kind, channel_id, form)


def _update(db: Database, kind: RunKind, configuration_id: int, form: object) -> None:
    with db.write() as session:
        row = _get(session, kind, configuration_id)
        save_configuration(session, kind, row.channel_id, form, configuration_id=row.id)


def configuration_form_problems(
    db: Database,
    kind: RunKind,
    channel: str,
    form: ExportConfigurationForm | ImportConfigurationForm,
    *,
    configuration_id: int | None = None,
) -> list[FieldProblem]:
    """What saving ``form`` would refuse, without saving anything (for checks while typing)."""
    problems_of, _ = _FORM_HANDLERS[kind]
    with db.read() as session:
        channel_id = channel_by_name(session, channel).id
        return problems_of(session, channel_id, form, configuration_id=configuration_id)


def create_export_configuration(db: Database, channel: str, form: ExportConfigurationForm) -> int:
    """Validate and store a new export configuration; returns its id."""
    return _create(db, RunKind.EXPORT, channel, form)


def update_export_configuration(
    db: Database, configuration_id: int, form: ExportConfigurationForm
) -> None:
    """Validate and store changes to an export configuration."""
    _update(db, RunKind.EXPORT, configuration_id, form)


def create_import_configuration(db: Database, channel: str, form: ImportConfigurationForm) -> int:
    """Validate and store a new import configuration; returns its id."""
    return _create(db, RunKind.IMPORT, channel, form)


def update_import_configuration(
    db: Database, configuration_id: int, form: ImportConfigurationForm
) -> None:
    """Validate and store changes to an import configuration."""
    _update(db, RunKind.IMPORT, configuration_id, form)


def create_intake_configuration(db: Database, channel: str, form: ImportConfigurationForm) -> int:
    """Validate and store a new order intake configuration; returns its id."""
    return _create(db, RunKind.INTAKE, channel, form)


def update_intake_configuration(
    db: Database, configuration_id: int, form: ImportConfigurationForm
) -> None:
    """Validate and store changes to an order intake configuration."""
    _update(db, RunKind.INTAKE, configuration_id, form)


def load_intake_form(db: Database, configuration_id: int) -> ImportConfigurationForm:
    """The form of a stored order intake configuration."""
    with db.read() as session:
        row = _get(session, RunKind.INTAKE, configuration_id)
        assert isinstance(row, IntakeConfiguration)
        return import_form_of(session, row)


def remove_configuration(session: Session, kind: RunKind, configuration_id: int) -> None:
    """Delete a configuration in ``session``; its run history stays."""
    row = session.get(_model(kind), configuration_id)
    if row is not None:
        _audit(session, kind, row, DELETE, form_of(session, row), None)
        session.delete(row)
        session.flush()


def delete_configuration(db: Database, kind: RunKind, configuration_id: int) -> None:
    """Delete a configuration; its run history stays."""
    with db.write() as session:
        remove_configuration(session, kind, configuration_id)


def set_schedule(db: Database, kind: RunKind, configuration_id: int, value: Schedule) -> None:
    """Change only the Scheduling tab of a configuration."""
    problems = schedule_problems(value, is_export=kind is RunKind.EXPORT)
    if problems:
        raise ValidationFailed(problems)
    with db.write() as session:
        row = _get(session, kind, configuration_id)
        before = form_of(session, row)
        store_schedule(row, value)
        _audit(session, kind, row, UPDATE, before, form_of(session, row))


def _get(session: Session, kind: RunKind, configuration_id: int) -> Configuration:
    row = session.get(_model(kind), configuration_id)
    if row is None:
        raise NotFound(f"{_label(kind)} {configuration_id} no longer exists: refresh the list")
    return row


def load_export_form(db: Database, configuration_id: int) -> ExportConfigurationForm:
    with db.read() as session:
        row = _get(session, RunKind.EXPORT, configuration_id)
        assert isinstance(row, ExportConfiguration)
        return export_form_of(session, row)


def load_import_form(db: Database, configuration_id: int) -> ImportConfigurationForm:
    with db.read() as session:
        row = _get(session, RunKind.IMPORT, configuration_id)
        assert isinstance(row, ImportConfiguration)
        return import_form_of(session, row)


# --------------------------------------------------------------------------- lookup


def resolve_configuration(
    session: Session, kind: RunKind, name: str, channel: str | None = None
) -> Configuration:
    """The configuration called ``name`` (in ``channel`` if given).

    Without a channel the name must be unique across channels, else :class:`Ambiguous`.
    """
    model = _model(kind)
    query = select(model).where(model.name == name)
    if channel is not None:
        query = query.where(model.channel_id == channel_by_name(session, channel).id)
    rows = list(session.scalars(query))
    if not rows:
        where = f" in channel '{channel}'" if channel else ""
        known = sorted(set(session.scalars(select(model.name).order_by(model.name))))
        raise NotFound(
            f"{_label(kind)} '{echo(name)}' does not exist{where} "
            f"(known: {', '.join(known) or 'none'})"
        )
    if len(rows) > 1:
        names = sorted(session.get(Channel, r.channel_id).name for r in rows)  # type: ignore[union-attr]
        raise Ambiguous(_label(kind), name, names)
    return rows[0]


# --------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class ConfigurationRow:
    """One line of the Order Export / Order Status Import lists (and `export list --json`)."""

    id: int
    kind: RunKind
    name: str
    channel: str
    service: str
    service_kind: str
    description: str
    schedule: Schedule
    status_updates: bool | None
    last_run_id: int | None
    last_run_state: str | None
    last_run_at: datetime | None
    next_run_at: datetime | None
    #: Why the stored schedule can not be scheduled (the configuration is broken), or None.
    problem: str | None = None
    #: When the configuration last ran and found nothing to do (an idle run after its last run
    #: that did work; SPEC §14), or None.
    checked_at: datetime | None = None

    @property
    def type_label(self) -> str:
        return self.service

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "channel": self.channel,
            "type": self.service,
            "service_kind": self.service_kind,
            "description": self.description,
            "schedule": {
                "mode": self.schedule.mode.value,
                "every": self.schedule.every,
                "unit": self.schedule.unit.value if self.schedule.unit else None,
                "at": self.schedule.at,
                "weekday": self.schedule.weekday.value if self.schedule.weekday else None,
                "enabled": self.schedule.enabled,
                "text": self.schedule.describe(),
            },
            "last_run": None
            if self.last_run_id is None
            else {
                "run_id": self.last_run_id,
                "state": self.last_run_state,
                "started_at": _iso(self.last_run_at),
            },
            "checked_at": _iso(self.checked_at),
            "next_run_at": _iso(self.next_run_at),
            "problem": self.problem,
        }
        if self.kind is RunKind.EXPORT:
            data["status_updates"] = self.status_updates
        return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def list_configurations(
    db: Database, kind: RunKind, channel: str | None = None
) -> list[ConfigurationRow]:
    """Configurations of one kind (in one channel, if given) with their last and next run."""
    model = _model(kind)
    with db.read() as session:
        query = select(model).order_by(model.name)
        if channel is not None:
            query = query.where(model.channel_id == channel_by_name(session, channel).id)
        rows = list(session.scalars(query))
        ids = [r.id for r in rows]
        last_runs = _last_runs(session, kind, ids, idle=False)
        last_checks = _last_runs(session, kind, ids, idle=True)
        result = []
        for row in rows:
            last = last_runs.get(row.id)
            check = last_checks.get(row.id)
            checked_at = (
                check.started_at
                if check is not None and (last is None or check.id > last.id)
                else None
            )
            schedule, problem = read_schedule(row)
            result.append(
                ConfigurationRow(
                    id=row.id,
                    kind=kind,
                    name=row.name,
                    channel=row.channel.name,
                    service=row.service.name,
                    service_kind=row.service.kind,
                    description=row.description,
                    schedule=schedule,
                    status_updates=row.status_updates_enabled
                    if isinstance(row, ExportConfiguration)
                    else None,
                    last_run_id=last.id if last else None,
                    last_run_state=last.state if last else None,
                    last_run_at=last.started_at if last else None,
                    next_run_at=None if problem else schedule.next_run(row.channel.timezone),
                    problem=problem,
                    checked_at=checked_at,
                )
            )
        return result


def _last_runs(session: Session, kind: RunKind, ids: list[int], *, idle: bool) -> dict[int, Run]:
    """The latest run of each configuration that did work (or, with ``idle``, found nothing)."""
    if not ids:
        return {}
    latest_ids = (
        select(func.max(Run.id))
        .where(
            Run.kind == kind.value,
            Run.configuration_id.in_(ids),
            Run.dry_run.is_(False),
            Run.idle.is_(idle),
        )
        .group_by(Run.configuration_id)
    )
    return {
        run.configuration_id: run
        for run in session.scalars(select(Run).where(Run.id.in_(latest_ids)))
    }
