"""Create or edit a service, with inline validation and an offer to create missing directories."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, Select, Static

from ...application.forms import (
    MAX_FILE_AGE_SECONDS,
    MAX_FILE_SIZE,
    FieldErrors,
    parse_optional_int,
)
from ...application.services import (
    LOG_LEVELS,
    ServiceForm,
    ServiceView,
    create_directories,
    create_service,
    missing_directories,
    service_form_problems,
    update_service,
    with_defaults,
)
from ...domain.statuses import ServiceKind
from ...errors import FieldProblem, UserError, ValidationFailed
from ..configuration.controls import form_snapshot, select_value, set_select
from ..context import OrderioContext, context_of
from ..widgets.checkbox import MarkedCheckbox
from ..widgets.confirm import ConfirmScreen, leave_unless_unsaved
from ..widgets.field import FieldRow, clear_problems, not_saved_message
from ..widgets.form import FormScreen, unless_unreadable
from ..widgets.select import TypeAheadSelect

#: Fields shown only for some kinds of service.
EXPORT_ONLY = ("file_prefix", "file_extension")
XSLT_ONLY = ("stylesheet_path",)
IMPORT_ONLY = ("file_pattern", "archive_directory", "error_directory", "max_file_size")
IMPORT_ONLY += ("min_file_age_seconds",)


def _input(field: str, label: str, placeholder: str = "") -> FieldRow:
    return FieldRow(label, Input(id=field, placeholder=placeholder, compact=True), field=field)


class ServiceEditScreen(FormScreen):
    """The fields of one service; ctrl+s saves."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="service.save"),
        Binding("ctrl+r", "reset", "Reset", id="service.reset"),
        Binding("escape", "leave", "Back", id="service.back"),
    ]

    def __init__(self, service: ServiceView | None) -> None:
        super().__init__()
        self.service = service
        self._saved: dict[str, object] = {}

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        yield Static("", id="form-title")
        with VerticalScroll(classes="form", id="service-form"):
            yield _input("name", "Name *", "e.g. erp-xml")
            yield FieldRow(
                "Kind *",
                TypeAheadSelect(
                    [(kind.value, kind) for kind in ServiceKind],
                    id="kind",
                    allow_blank=False,
                    value=ServiceKind.EXPORT_XML,
                    compact=True,
                ),
                field="kind",
            )
            yield _input("display_name", "Display name")
            yield _input("directory", "Directory *", "export target or import inbox")
            yield _input("file_prefix", "File prefix", "orders")
            yield _input("file_extension", "File extension", ".xml")
            yield _input("stylesheet_path", "XSLT stylesheet", "path of an .xsl file")
            yield _input("file_pattern", "File pattern", "*.xml")
            yield _input("archive_directory", "Archive directory", "default: <inbox>/archive")
            yield _input("error_directory", "Error directory", "default: <inbox>/error")
            yield _input("max_file_size", "Max file size (bytes)")
            yield _input("min_file_age_seconds", "Min file age (s)", "2")
            yield FieldRow(
                "Log level",
                TypeAheadSelect(
                    [(level, level) for level in LOG_LEVELS],
                    id="log_level",
                    allow_blank=False,
                    value="INFO",
                    compact=True,
                ),
                field="log_level",
            )
            yield FieldRow(
                "Enabled",
                MarkedCheckbox("configurations may run", id="enabled", value=True, compact=True),
                field="enabled",
            )
        with Horizontal(id="form-buttons"):
            yield Button("Save ^s", id="save", variant="primary", compact=True)
            yield Button("Reset ^r", id="reset", compact=True)
            yield Button("Back esc", id="back", compact=True)
            yield Static("", id="form-message", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#name", Input).focus()

    def load(self) -> None:
        form = self.service.form() if self.service else with_defaults(ServiceKind.EXPORT_XML)
        self.query_one("#name", Input).value = form.name
        set_select(self.query_one("#kind", Select), form.kind)
        texts = {
            "display_name": form.display_name,
            "directory": form.directory,
            "file_prefix": form.file_prefix,
            "file_extension": form.file_extension,
            "stylesheet_path": form.stylesheet_path,
            "file_pattern": form.file_pattern,
            "archive_directory": form.archive_directory,
            "error_directory": form.error_directory,
            "max_file_size": str(form.max_file_size),
            "min_file_age_seconds": str(form.min_file_age_seconds),
        }
        for field, text in texts.items():
            self.query_one(f"#{field}", Input).value = text
        set_select(self.query_one("#log_level", Select), form.log_level)
        self.query_one("#enabled", Checkbox).value = form.enabled
        clear_problems(self)
        self.set_message("")
        self.update_title()
        self.show_fields_of_kind()
        self._saved = form_snapshot(self)

    def update_title(self) -> None:
        title = f"Service '{self.service.name}'" if self.service else "New service"
        self.sub_title = title
        self.query_one("#form-title", Static).update(title)

    def kind(self) -> ServiceKind:
        return ServiceKind(select_value(self.query_one("#kind", Select)) or ServiceKind.EXPORT_XML)

    def show_fields_of_kind(self) -> None:
        kind = self.kind()
        for field in (*EXPORT_ONLY, *XSLT_ONLY, *IMPORT_ONLY):
            shown = (
                (field in EXPORT_ONLY and kind.is_export)
                or (field in XSLT_ONLY and kind is ServiceKind.EXPORT_XSLT)
                or (field in IMPORT_ONLY and not kind.is_export)
            )
            self.query_one(f"#row-{field}", FieldRow).display = shown

    @on(Select.Changed, "#kind")
    def kind_changed(self) -> None:
        self.show_fields_of_kind()

    def read_form(self, errors: FieldErrors) -> ServiceForm:
        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        max_size = parse_optional_int(
            errors, "max_file_size", "max file size", text("max_file_size"), maximum=MAX_FILE_SIZE
        )
        min_age = parse_optional_int(
            errors,
            "min_file_age_seconds",
            "min file age",
            text("min_file_age_seconds"),
            maximum=MAX_FILE_AGE_SECONDS,
        )
        return ServiceForm(
            name=text("name"),
            kind=self.kind(),
            directory=text("directory").strip(),
            display_name=text("display_name"),
            file_prefix=text("file_prefix"),
            file_extension=text("file_extension").strip(),
            file_pattern=text("file_pattern"),
            archive_directory=text("archive_directory").strip(),
            error_directory=text("error_directory").strip(),
            stylesheet_path=text("stylesheet_path").strip(),
            log_level=str(select_value(self.query_one("#log_level", Select)) or "INFO"),
            enabled=self.query_one("#enabled", Checkbox).value,
            max_file_size=200 * 1024 * 1024 if max_size is None else max_size,
            min_file_age_seconds=2 if min_age is None else min_age,
        )

    def current_problems(self) -> list[FieldProblem]:
        errors = FieldErrors()
        form = self.read_form(errors)
        service_id = None if self.service is None else self.service.id
        checked = service_form_problems(self.orderio.db, form, service_id=service_id)
        return unless_unreadable(errors.problems, checked)

    def action_save(self) -> None:
        errors = FieldErrors()
        form = self.read_form(errors)
        if errors:
            self.report(errors.problems)
            return
        try:
            if self.service is None:
                self.service = create_service(self.orderio.db, form)
                self.notify(f"Created service '{self.service.name}'")
            else:
                self.service = update_service(self.orderio.db, self.service.id, form)
                self.notify(f"Saved service '{self.service.name}'")
        except ValidationFailed as exc:
            self.report(exc.problems)
            missing = missing_directories(form)
            if missing:
                self.offer_to_create(form, [str(p) for p in missing])
            return
        except UserError as exc:
            self.set_message(str(exc), problem=True)
            return
        clear_problems(self)
        self.set_message("Saved.")
        self.update_title()
        self._saved = form_snapshot(self)
        self.orderio.configurations_changed()

    def report(self, problems: list[FieldProblem]) -> None:
        self.set_message(not_saved_message(self, problems), problem=True)

    def offer_to_create(self, form: ServiceForm, paths: list[str]) -> None:
        listed = "\n".join(f"  {path}" for path in paths)
        question = (
            f"{'This directory does' if len(paths) == 1 else 'These directories do'} not exist:\n"
            f"{listed}\nCreate {'it' if len(paths) == 1 else 'them'} and save?"
        )

        def answered(create: bool | None) -> None:
            if not create:
                return
            try:
                create_directories(form)
            except UserError as exc:
                self.set_message(str(exc), problem=True)
                return
            self.action_save()

        self.app.push_screen(
            ConfirmScreen(question, confirm_label="Create", default_confirm=True), answered
        )

    def action_reset(self) -> None:
        self.load()

    def action_leave(self) -> None:
        leave_unless_unsaved(self, dirty=form_snapshot(self) != self._saved)

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#reset")
    def reset_pressed(self) -> None:
        self.action_reset()

    @on(Button.Pressed, "#back")
    def back_pressed(self) -> None:
        self.action_leave()
