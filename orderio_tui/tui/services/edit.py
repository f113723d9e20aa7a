"""Create or edit a service, with inline validation and an offer to create missing directories.

An SFTP service (SPEC §15) shows the server's fields and a "test connection" action that runs
the check of `service test` on the fields as typed, in a thread.
"""

from __future__ import annotations

import logging

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, Select, Static
from textual.worker import Worker, WorkerState

from ...application.forms import (
    MAX_FILE_AGE_SECONDS,
    MAX_FILE_SIZE,
    FieldErrors,
    parse_optional_int,
)
from ...application.service_checks import ServiceReport, check_local_service
from ...application.services import (
    LOG_LEVELS,
    TRANSPORTS,
    ServiceForm,
    ServiceView,
    create_directories,
    create_service,
    missing_directories,
    service_form_problems,
    sftp_settings_of,
    update_service,
    with_defaults,
)
from ...domain.statuses import ServiceKind
from ...errors import FieldProblem, UserError, ValidationFailed
from ..configuration.controls import form_snapshot, select_value, set_select
from ..context import OrderioContext, context_of
from ..widgets.checkbox import MarkedCheckbox
from ..widgets.confirm import ConfirmScreen, leave_unless_unsaved
from ..widgets.field import FieldRow, clear_problems, not_saved_message, show_problems
from ..widgets.form import FormScreen, unless_unreadable
from ..widgets.select import TypeAheadSelect

#: Fields shown only for some kinds of service.
EXPORT_ONLY = ("file_prefix", "file_extension")
XSLT_ONLY = ("stylesheet_path",)
IMPORT_ONLY = ("file_pattern", "archive_directory", "error_directory", "max_file_size")
IMPORT_ONLY += ("min_file_age_seconds",)
#: Fields of an SFTP pickup (status import, intake) only.
SFTP_PICKUP_ONLY = ("sftp_remote_archive", "sftp_remote_error")
DEFAULT_SFTP_PORT = 22
#: The worker group of the connection test.
CONNECTION_TEST = "connection-test"

logger = logging.getLogger(__name__)


def _input(field: str, label: str, placeholder: str = "") -> FieldRow:
    return FieldRow(label, Input(id=field, placeholder=placeholder, compact=True), field=field)


def _choice(field: str, label: str, options: list[tuple[str, object]], value: object) -> FieldRow:
    """A field with one of ``options`` always chosen (``value`` at first)."""
    select = TypeAheadSelect(options, id=field, allow_blank=False, value=value, compact=True)
    return FieldRow(label, select, field=field)


class ServiceEditScreen(FormScreen):
    """The fields of one service; ctrl+s saves."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="service.save"),
        Binding("ctrl+r", "reset", "Reset", id="service.reset"),
        Binding(
            "ctrl+t",
            "test_connection",
            "Test connection",
            id="service.test",
            tooltip="Connect to the SFTP server with the fields as typed and list its directory",
        ),
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
            yield _choice(
                "kind",
                "Kind *",
                [(kind.value, kind) for kind in ServiceKind],
                ServiceKind.EXPORT_XML,
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
            yield _choice("transport", "Transport", [(t, t) for t in TRANSPORTS], "local")
            with Vertical(id="sftp-section"):
                yield _input("sftp_host", "SFTP host *", "host name or IP address")
                yield _input("sftp_port", "SFTP port", str(DEFAULT_SFTP_PORT))
                yield _input("sftp_user", "SFTP user *", "the user to log in as")
                yield _input("sftp_known_hosts", "Known hosts file *", "holds the server's key")
                yield _input("sftp_key_file", "Private key file", "or a password variable")
                yield _input("sftp_password_env", "Password variable", "e.g. SFTP_PASSWORD")
                yield _input("sftp_remote_directory", "Remote directory *", "e.g. /upload/orders")
                yield _input("sftp_remote_archive", "Remote archive", "default: <remote>/archive")
                yield _input("sftp_remote_error", "Remote error dir", "default: <remote>/error")
                with Horizontal(id="connection-test"):
                    yield Button("Test connection ^t", id="test-connection", compact=True)
                yield Static("", id="connection-result", markup=False)
            yield _choice(
                "log_level", "Log level", [(level, level) for level in LOG_LEVELS], "INFO"
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
            "sftp_host": form.sftp_host,
            "sftp_port": str(form.sftp_port),
            "sftp_user": form.sftp_user,
            "sftp_known_hosts": form.sftp_known_hosts,
            "sftp_key_file": form.sftp_key_file,
            "sftp_password_env": form.sftp_password_env,
            "sftp_remote_directory": form.sftp_remote_directory,
            "sftp_remote_archive": form.sftp_remote_archive,
            "sftp_remote_error": form.sftp_remote_error,
        }
        for field, text in texts.items():
            self.query_one(f"#{field}", Input).value = text
        set_select(self.query_one("#transport", Select), form.transport)
        self.query_one("#connection-result", Static).update("")
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
        self.query_one("#sftp-section", Vertical).display = self.is_sftp()
        for field in SFTP_PICKUP_ONLY:
            self.query_one(f"#row-{field}", FieldRow).display = not kind.is_export
        self.refresh_bindings()

    def is_sftp(self) -> bool:
        return select_value(self.query_one("#transport", Select)) == "sftp"

    @on(Select.Changed, "#kind")
    @on(Select.Changed, "#transport")
    def kind_changed(self) -> None:
        self.show_fields_of_kind()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The connection test is offered only while the transport is SFTP."""
        if action == "test_connection":
            return self.is_mounted and self.is_sftp()
        return True

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
        transport = str(select_value(self.query_one("#transport", Select)) or "local")
        port = None
        if transport == "sftp":
            port = parse_optional_int(
                errors, "sftp_port", "SFTP port", text("sftp_port"), minimum=1, maximum=65535
            )
        pickup = not self.kind().is_export
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
            transport=transport,
            sftp_host=text("sftp_host").strip(),
            sftp_port=DEFAULT_SFTP_PORT if port is None else port,
            sftp_user=text("sftp_user").strip(),
            sftp_key_file=text("sftp_key_file").strip(),
            sftp_password_env=text("sftp_password_env").strip(),
            sftp_known_hosts=text("sftp_known_hosts").strip(),
            sftp_remote_directory=text("sftp_remote_directory").strip(),
            # Hidden for exports: what they still hold is not part of the service.
            sftp_remote_archive=text("sftp_remote_archive").strip() if pickup else "",
            sftp_remote_error=text("sftp_remote_error").strip() if pickup else "",
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

    def action_test_connection(self) -> None:
        """Run the check of `service test` on the fields as they are (nothing is saved)."""
        if not self.is_sftp():
            return
        errors = FieldErrors()
        form = self.read_form(errors)
        result = self.query_one("#connection-result", Static)
        settings = sftp_settings_of(form)
        problems = unless_unreadable(
            errors.problems, [] if settings is None else settings.problems()
        )
        if problems:
            show_problems(self, problems)
            result.update("✗ fix the fields marked ✗ first")
            return
        result.update(f"Testing the connection to {form.sftp_host or '?'}…")
        result.scroll_visible(animate=False)
        self.test_connection(form)

    @work(thread=True, exclusive=True, group=CONNECTION_TEST, exit_on_error=False)
    def test_connection(self, form: ServiceForm) -> ServiceReport:
        """In a thread: connecting may take up to the connect timeout."""
        return check_local_service(form)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != CONNECTION_TEST:
            return
        result = self.query_one("#connection-result", Static)
        if event.state is WorkerState.SUCCESS and event.worker.result is not None:
            result.update(connection_result(event.worker.result))
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            logger.error("the connection test stopped on an unexpected error", exc_info=error)
            result.update(f"✗ the test stopped on an unexpected error: {error!r}")
        else:
            return
        result.scroll_visible(animate=False)

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

    @on(Button.Pressed, "#test-connection")
    def test_pressed(self) -> None:
        self.action_test_connection()


def connection_result(report: ServiceReport) -> str:
    """The server's check and every failed check, one line each, marked ✓ or ✗."""
    shown = [check for check in report.checks if check.check == "sftp" or not check.ok]
    return "\n".join(f"{'✓' if c.ok else '✗'} {c.check}: {c.detail}" for c in shown)
