"""What export and import configuration screens share: General and Scheduling tabs, Apply,
Reset, inline validation and the question before leaving with unsaved changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from ...application.forms import FieldErrors, parse_optional_int
from ...application.services import list_services
from ...domain.scheduling import Schedule
from ...domain.statuses import RunKind, ScheduleMode, ScheduleUnit, Weekday
from ...errors import FieldProblem, UserError, ValidationFailed
from ..display import local_full
from ..widgets.confirm import ConfirmScreen
from ..widgets.field import FieldError, FieldRow, clear_problems, show_problems
from .controls import form_snapshot, select_value, set_select

if TYPE_CHECKING:
    from ..app import OrderioApp

GENERAL_TAB = "tab-general"
SCHEDULING_TAB = "tab-scheduling"

#: Schedule fields that only mean something for an interval schedule.
INTERVAL_FIELDS = ("schedule_every", "schedule_unit", "schedule_at", "schedule_weekday")


def general_fields(kind: RunKind) -> ComposeResult:
    """Name, configuration type (a service of the right kind) and description."""
    yield FieldRow(
        "Name *", Input(id="name", placeholder="e.g. erp-export", compact=True), field="name"
    )
    what = "export" if kind is RunKind.EXPORT else "status import"
    yield FieldRow(
        "Configuration type *",
        Select[str]([], id="service", prompt=f"pick an {what} service", compact=True),
        field="service",
    )
    yield FieldRow("Description", Input(id="description", compact=True), field="description")
    yield Static(
        "Services are managed on the services screen (s on the main screen).",
        classes="form-hint",
    )


def scheduling_fields() -> ComposeResult:
    """Mode, every, unit, at, weekday, enabled (SPEC §5) and a preview of the next run."""
    yield FieldRow(
        "Mode",
        Select(
            [("manual (run with r)", ScheduleMode.MANUAL), ("interval", ScheduleMode.INTERVAL)],
            id="schedule_mode",
            allow_blank=False,
            value=ScheduleMode.MANUAL,
            compact=True,
        ),
        field="schedule_mode",
    )
    yield FieldRow(
        "Every",
        Input(id="schedule_every", placeholder="e.g. 15", compact=True, type="text"),
        field="schedule_every",
    )
    yield FieldRow(
        "Unit",
        Select(
            [(unit.value, unit) for unit in ScheduleUnit],
            id="schedule_unit",
            prompt="choose a unit",
            compact=True,
        ),
        field="schedule_unit",
    )
    yield FieldRow(
        "At (HH:MM)",
        Input(id="schedule_at", placeholder="days / weeks only, e.g. 02:30", compact=True),
        field="schedule_at",
    )
    yield FieldRow(
        "Weekday",
        Select(
            [(day.value, day) for day in Weekday],
            id="schedule_weekday",
            prompt="any (weeks only)",
            compact=True,
        ),
        field="schedule_weekday",
    )
    yield FieldRow(
        "Enabled",
        Checkbox("run on schedule", id="schedule_enabled", value=True, compact=True),
        field="schedule_enabled",
    )
    yield Static("", id="next-run", classes="form-hint", markup=False)


class ConfigurationScreen(Screen[None]):
    """Base of the export and import configuration screens."""

    KIND: ClassVar[RunKind]
    #: Form field → id of the tab it is on (fields not listed are on General).
    FIELD_TABS: ClassVar[dict[str, str]] = {
        **{f: SCHEDULING_TAB for f in (*INTERVAL_FIELDS, "schedule_mode", "schedule_enabled")},
    }

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="config.apply", tooltip="Save the configuration"),
        Binding("ctrl+r", "reset", "Reset", id="config.reset", tooltip="Back to the stored values"),
        Binding("escape", "leave", "Back", id="config.back", tooltip="Back to the lists"),
        Binding(
            "f6,ctrl+pagedown",
            "next_tab",
            "Next tab",
            id="config.next_tab",
            key_display="f6",
            tooltip="Next tab",
        ),
        Binding(
            "shift+f6,ctrl+pageup",
            "previous_tab",
            "Previous tab",
            id="config.previous_tab",
            show=False,
        ),
    ]

    def __init__(self, channel: str, configuration_id: int | None) -> None:
        super().__init__()
        self.channel = channel
        self.configuration_id = configuration_id
        self._saved: tuple[tuple[str, object], ...] = ()

    @property
    def orderio(self) -> OrderioApp:
        return cast("OrderioApp", self.app)

    @property
    def what(self) -> str:
        return "export configuration" if self.KIND is RunKind.EXPORT else "import configuration"

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("", id="form-title")
        with TabbedContent(id="tabs"):
            yield from self.compose_tabs()
        with Horizontal(id="form-buttons"):
            yield Button("Apply ^s", id="apply", variant="primary", compact=True)
            yield Button("Reset ^r", id="reset", compact=True)
            yield Button("Back esc", id="back", compact=True)
            yield Static("", id="form-message", markup=False)
        yield Footer(compact=True)

    def compose_tabs(self) -> ComposeResult:
        """The tab panes, General first."""
        raise NotImplementedError

    def general_pane(self) -> ComposeResult:
        with TabPane("General", id=GENERAL_TAB), VerticalScroll(classes="form"):
            yield from general_fields(self.KIND)

    def scheduling_pane(self) -> ComposeResult:
        with (
            TabPane("Scheduling", id=SCHEDULING_TAB, disabled=self.configuration_id is None),
            VerticalScroll(classes="form"),
        ):
            yield from scheduling_fields()

    def on_mount(self) -> None:
        services = [s for s in list_services(self.orderio.db) if s.kind.is_export == self.is_export]
        self.query_one("#service", Select).set_options(
            (f"{s.name}{'' if s.enabled else ' (disabled)'}", s.name) for s in services
        )
        self.load()
        self.query_one("#name", Input).focus()

    @property
    def is_export(self) -> bool:
        return self.KIND is RunKind.EXPORT

    # ------------------------------------------------------------------ load / fill / read

    def load(self) -> None:
        """Fill the controls from the database (or the defaults of a new configuration)."""
        self.fill_stored()
        clear_problems(self)
        self.set_message("")
        self.update_title()
        self.update_schedule_state()
        self._saved = form_snapshot(self)

    def fill_stored(self) -> None:
        raise NotImplementedError

    def read_form(self, errors: FieldErrors) -> Any:
        raise NotImplementedError

    def store(self, form: Any) -> int | None:
        """Create (returns the new id) or update the configuration."""
        raise NotImplementedError

    def fill_general(self, name: str, service: str, description: str) -> None:
        self.query_one("#name", Input).value = name
        set_select(self.query_one("#service", Select), service)
        self.query_one("#description", Input).value = description

    def read_general(self) -> tuple[str, str, str]:
        return (
            self.query_one("#name", Input).value,
            select_value(self.query_one("#service", Select)) or "",
            self.query_one("#description", Input).value,
        )

    def fill_schedule(self, schedule: Schedule) -> None:
        set_select(self.query_one("#schedule_mode", Select), schedule.mode)
        self.query_one("#schedule_every", Input).value = (
            "" if schedule.every is None else str(schedule.every)
        )
        set_select(self.query_one("#schedule_unit", Select), schedule.unit)
        self.query_one("#schedule_at", Input).value = schedule.at or ""
        set_select(self.query_one("#schedule_weekday", Select), schedule.weekday)
        self.query_one("#schedule_enabled", Checkbox).value = schedule.enabled

    def read_schedule(self, errors: FieldErrors) -> Schedule:
        mode = select_value(self.query_one("#schedule_mode", Select)) or ScheduleMode.MANUAL
        every = parse_optional_int(
            errors, "schedule_every", "every", self.query_one("#schedule_every", Input).value
        )
        return Schedule(
            mode=ScheduleMode(mode),
            every=every,
            unit=select_value(self.query_one("#schedule_unit", Select)),
            at=self.query_one("#schedule_at", Input).value.strip() or None,
            weekday=select_value(self.query_one("#schedule_weekday", Select)),
            enabled=self.query_one("#schedule_enabled", Checkbox).value,
        )

    # ------------------------------------------------------------------ state shown

    def update_title(self) -> None:
        if self.configuration_id is None:
            title = f"New {self.what} in channel '{self.channel}'"
        else:
            name = self.query_one("#name", Input).value
            title = f"{self.what.capitalize()} '{name}' · channel '{self.channel}'"
        self.sub_title = title
        self.query_one("#form-title", Static).update(title)

    def set_message(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#form-message", Static)
        message.update(text)
        message.set_class(problem, "-problem")

    def update_schedule_state(self) -> None:
        """Enable the interval fields only for an interval schedule; preview the next run."""
        interval = select_value(self.query_one("#schedule_mode", Select)) is ScheduleMode.INTERVAL
        for field in (*INTERVAL_FIELDS, "schedule_enabled"):
            self.query_one(f"#row-{field}", FieldRow).disabled = not interval
        preview = self.query_one("#next-run", Static)
        schedule = self.read_schedule(FieldErrors())
        if schedule.mode is ScheduleMode.MANUAL:
            preview.update("Runs only when started by hand (r on the main screen).")
        elif not schedule.enabled:
            preview.update("The schedule is switched off: it does not run by itself.")
        elif schedule.problems():
            preview.update("Next run: complete the schedule first.")
        else:
            preview.update(f"Next run: {local_full(schedule.next_run())} ({schedule.describe()})")

    @on(Select.Changed, "#schedule_mode, #schedule_unit, #schedule_weekday")
    @on(Input.Changed, "#schedule_every, #schedule_at")
    @on(Checkbox.Changed, "#schedule_enabled")
    def schedule_changed(self) -> None:
        self.update_schedule_state()

    # ------------------------------------------------------------------ apply / reset / leave

    @property
    def dirty(self) -> bool:
        return form_snapshot(self) != self._saved

    def action_apply(self) -> None:
        errors = FieldErrors()
        form = self.read_form(errors)
        if errors:
            self.show_problems(errors.problems)
            return
        try:
            created = self.store(form)
        except ValidationFailed as exc:
            self.show_problems(exc.problems)
            return
        except UserError as exc:
            clear_problems(self)
            self.set_message(str(exc), problem=True)
            return
        clear_problems(self)
        if created is not None:
            self.configuration_id = created
            self.enable_tabs()
            self.notify(f"Created {self.what} '{form.name.strip()}': the other tabs are open now")
            self.set_message("Created. Set up the other tabs (f6), then Apply again.")
        else:
            self.notify(f"Saved {self.what} '{form.name.strip()}'")
            self.set_message("Saved.")
        self.update_title()
        self._saved = form_snapshot(self)
        self.orderio.configurations_changed()

    def enable_tabs(self) -> None:
        for pane in self.query(TabPane):
            pane.disabled = False

    def show_problems(self, problems: Iterable[FieldProblem]) -> None:
        problems = list(problems)
        unplaced = show_problems(self, problems)
        count = len(problems)
        first_tab = self.FIELD_TABS.get(problems[0].field, GENERAL_TAB) if problems else None
        tab_names = {
            self.FIELD_TABS.get(p.field, GENERAL_TAB).removeprefix("tab-").capitalize()
            for p in problems
        }
        text = (
            f"Not saved: {count} problem{'s' if count != 1 else ''} "
            f"({', '.join(sorted(tab_names))}), marked ✗"
        )
        if unplaced:
            text += ": " + "; ".join(p.message for p in unplaced)
        self.set_message(text, problem=True)
        tabs = self.query_one(TabbedContent)
        if first_tab is not None and not self.query_one(f"#{first_tab}", TabPane).disabled:
            tabs.active = first_tab

    def action_reset(self) -> None:
        self.load()
        self.notify("Reset to the stored values" if self.configuration_id else "Reset")

    def action_leave(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                "There are unsaved changes. Leave and discard them?",
                confirm_label="Discard",
                cancel_label="Stay",
                destructive=True,
            ),
            answered,
        )

    def _switch_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        panes = [p for p in self.query(TabPane) if not p.disabled]
        ids = [p.id for p in panes]
        if not ids:
            return
        current = ids.index(tabs.active) if tabs.active in ids else 0
        pane = panes[(current + step) % len(ids)]
        tabs.active = str(pane.id)

        def focus_first() -> None:
            for widget in pane.query("Input, Select, Checkbox, SelectionList"):
                if widget.focusable:
                    widget.focus()
                    return

        self.call_after_refresh(focus_first)

    def action_next_tab(self) -> None:
        self._switch_tab(1)

    def action_previous_tab(self) -> None:
        self._switch_tab(-1)

    @on(Button.Pressed, "#apply")
    def apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#reset")
    def reset_pressed(self) -> None:
        self.action_reset()

    @on(Button.Pressed, "#back")
    def back_pressed(self) -> None:
        self.action_leave()

    def error_label(self, field: str) -> FieldError:
        return self.query_one(f"#error-{field}", FieldError)

    def section_title(self, text: str) -> Label:
        return Label(text, classes="section-title")
