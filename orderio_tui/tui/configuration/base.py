"""What export and import configuration screens share: General and Scheduling tabs, Apply,
Reset, inline validation and the question before leaving with unsaved changes.

Only the General tab is built when the screen opens; every other tab is built the first time it
is shown, so that the screen appears at once. Until then the stored values stand for the tab:
:meth:`ConfigurationScreen.read_form` takes them from the loaded form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from ...application.configurations import configuration_form_problems, service_fits
from ...application.forms import FieldErrors, parse_optional_int
from ...application.runs import RunView, list_runs
from ...application.services import list_services
from ...domain.scheduling import Schedule
from ...domain.statuses import RunKind, ScheduleMode, ScheduleUnit, Weekday
from ...errors import FieldProblem, UserError, ValidationFailed
from ..context import OrderioContext, context_of
from ..display import local_full
from ..messages import RunEnded, RunsChanged
from ..widgets.checkbox import MarkedCheckbox
from ..widgets.confirm import leave_unless_unsaved
from ..widgets.field import FieldRow, clear_problems, show_problems
from ..widgets.form import FormScreen, unless_unreadable
from ..widgets.run_trend import TREND_RUNS, RunTrend
from ..widgets.select import TypeAheadSelect
from .controls import form_snapshot, select_value, set_select

GENERAL_TAB = "tab-general"
SCHEDULING_TAB = "tab-scheduling"

#: Schedule fields that only mean something for an interval schedule.
INTERVAL_FIELDS = ("schedule_every", "schedule_unit", "schedule_at", "schedule_weekday")


def general_fields(kind: RunKind) -> list[Widget]:
    """Name, configuration type (a service of the right kind) and description."""
    if kind is RunKind.EXPORT:
        example, service = "erp-export", "pick an export service"
    else:
        example, service = "erp-status", "pick a status import service"
    return [
        FieldRow(
            "Name *", Input(id="name", placeholder=f"e.g. {example}", compact=True), field="name"
        ),
        FieldRow(
            "Configuration type *",
            TypeAheadSelect[str]([], id="service", prompt=service, compact=True),
            field="service",
        ),
        FieldRow("Description", Input(id="description", compact=True), field="description"),
        Static(
            "Services are managed on the services screen (s on the main screen).",
            classes="form-hint",
        ),
    ]


def scheduling_fields(kind: RunKind) -> list[Widget]:
    """Mode, every, unit, at, weekday, enabled (SPEC §5) and a preview of the next run; an
    export may also run on order creation (SPEC §14)."""
    modes: list[tuple[str, ScheduleMode]] = [
        ("manual (run with r)", ScheduleMode.MANUAL),
        ("interval", ScheduleMode.INTERVAL),
    ]
    if kind is RunKind.EXPORT:
        modes.append(("on order creation", ScheduleMode.ON_ORDER_CREATION))
    return [
        FieldRow(
            "Mode",
            TypeAheadSelect(
                modes,
                id="schedule_mode",
                allow_blank=False,
                value=ScheduleMode.MANUAL,
                compact=True,
            ),
            field="schedule_mode",
        ),
        FieldRow(
            "Every",
            Input(id="schedule_every", placeholder="e.g. 15", compact=True),
            field="schedule_every",
        ),
        FieldRow(
            "Unit",
            TypeAheadSelect(
                [(unit.value, unit) for unit in ScheduleUnit],
                id="schedule_unit",
                prompt="choose a unit",
                compact=True,
            ),
            field="schedule_unit",
        ),
        FieldRow(
            "At (HH:MM)",
            Input(id="schedule_at", placeholder="days / weeks only, e.g. 02:30", compact=True),
            field="schedule_at",
        ),
        FieldRow(
            "Weekday",
            TypeAheadSelect(
                [(day.value, day) for day in Weekday],
                id="schedule_weekday",
                prompt="any (weeks only)",
                compact=True,
            ),
            field="schedule_weekday",
        ),
        FieldRow(
            "Enabled",
            MarkedCheckbox("run on schedule", id="schedule_enabled", value=True, compact=True),
            field="schedule_enabled",
        ),
        Static("", id="next-run", classes="form-hint", markup=False),
    ]


class ConfigurationScreen(FormScreen):
    """Base of the export and import configuration screens."""

    KIND: ClassVar[RunKind]
    #: (tab id, title) in order; General first.
    TABS: ClassVar[tuple[tuple[str, str], ...]]
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
        Binding("f7", "audit", "Audit", id="config.audit", tooltip="Who changed it, and how"),
    ]

    def __init__(self, channel: str, configuration_id: int | None) -> None:
        super().__init__()
        self.channel = channel
        self.configuration_id = configuration_id
        #: The stored form (or the defaults of a new one); stands in for tabs not built yet.
        self.form: Any = None
        self._built: set[str] = set()
        self._saved: dict[str, object] = {}

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    @property
    def what(self) -> str:
        return f"{self.KIND.value} configuration"

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("", id="form-title")
        yield RunTrend(self.KIND, id="config-trend")
        with TabbedContent(id="tabs"):
            for tab_id, title in self.TABS:
                locked = tab_id != GENERAL_TAB and self.configuration_id is None
                with TabPane(title, id=tab_id, disabled=locked):
                    if tab_id == GENERAL_TAB:
                        yield self.tab_body(GENERAL_TAB)
        with Horizontal(id="form-buttons"):
            yield Button("Apply ^s", id="apply", variant="primary", compact=True)
            yield Button("Reset ^r", id="reset", compact=True)
            yield Button("Back esc", id="back", compact=True)
            yield Static("", id="form-message", markup=False)
        yield Footer(compact=True)

    def tab_body(self, tab_id: str) -> Widget:
        """The contents of one tab, built fresh."""
        if tab_id == GENERAL_TAB:
            return VerticalScroll(*general_fields(self.KIND), classes="form")
        if tab_id == SCHEDULING_TAB:
            return VerticalScroll(*scheduling_fields(self.KIND), classes="form")
        raise ValueError(f"no tab {tab_id}")

    def on_mount(self) -> None:
        self._built.add(GENERAL_TAB)
        services = [s for s in list_services(self.orderio.db) if service_fits(self.KIND, s.kind)]
        self.query_one("#service", Select).set_options(
            (f"{s.name}{'' if s.enabled else ' (disabled)'}", s.name) for s in services
        )
        try:
            self.load()
        except UserError as exc:  # deleted meanwhile, e.g. by another process
            self.notify(str(exc), severity="error")
            self.dismiss(None)
            return
        if self.configuration_id is None and len(services) == 1:
            # The only service that fits is the type of a new configuration: nothing to choose.
            set_select(self.query_one("#service", Select), services[0].name)
            self._saved = form_snapshot(self)
        self.query_one("#name", Input).focus()

    @property
    def is_export(self) -> bool:
        return self.KIND is RunKind.EXPORT

    async def build_tab(self, tab_id: str) -> None:
        """Build a tab the first time it is shown and fill it from the loaded form."""
        if tab_id in self._built:
            return
        self._built.add(tab_id)
        pane = self.query_one(f"#{tab_id}", TabPane)
        await pane.mount(self.tab_body(tab_id))
        self.fill_tab(tab_id, self.form)
        self._saved.update(form_snapshot(pane))
        self.tab_built(tab_id)

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id is not None:
            await self.build_tab(event.pane.id)

    # ------------------------------------------------------------------ load / fill / read

    def stored_form(self) -> Any:
        """The form of the stored configuration, or the defaults of a new one."""
        raise NotImplementedError

    def fill_tab(self, tab_id: str, form: Any) -> None:
        """Put the values of ``form`` into the controls of one built tab."""
        if tab_id == GENERAL_TAB:
            self.query_one("#name", Input).value = form.name
            set_select(self.query_one("#service", Select), form.service)
            self.query_one("#description", Input).value = form.description
        elif tab_id == SCHEDULING_TAB:
            self.fill_schedule(form.schedule)

    def read_tab(self, tab_id: str, errors: FieldErrors) -> dict[str, Any]:
        """The form fields one built tab holds."""
        if tab_id == GENERAL_TAB:
            return {
                "name": self.query_one("#name", Input).value,
                "service": select_value(self.query_one("#service", Select)) or "",
                "description": self.query_one("#description", Input).value,
            }
        if tab_id == SCHEDULING_TAB:
            return {"schedule": self.read_schedule(errors)}
        return {}

    def tab_built(self, tab_id: str) -> None:
        """Called once a tab has been built and filled."""
        if tab_id == SCHEDULING_TAB:
            self.update_schedule_state()

    def store(self, form: Any) -> int | None:
        """Create (returns the new id) or update the configuration."""
        raise NotImplementedError

    def load(self) -> None:
        """Fill the built tabs from the database (or the defaults of a new configuration)."""
        self.form = self.stored_form()
        for tab_id in self._built:
            self.fill_tab(tab_id, self.form)
            self.tab_built(tab_id)
        clear_problems(self)
        self.set_message("")
        self.update_title()
        self.show_trend()
        self._saved = form_snapshot(self)

    def show_trend(self) -> None:
        """The sparklines of the configuration's last runs (none for a new one)."""
        runs: list[RunView] = []
        if self.configuration_id is not None:
            runs = list_runs(
                self.orderio.db,
                kind=self.KIND,
                configuration_id=self.configuration_id,
                limit=TREND_RUNS,
                include_idle=False,
            )
        self.query_one("#config-trend", RunTrend).show(runs)

    def on_run_ended(self, message: RunEnded) -> None:
        self.show_trend()

    def on_runs_changed(self, message: RunsChanged) -> None:
        self.show_trend()

    def read_form(self, errors: FieldErrors) -> Any:
        """The form as the user has it: built tabs from their controls, the others as loaded."""
        changes: dict[str, Any] = {}
        for tab_id, _ in self.TABS:
            if tab_id in self._built:
                changes.update(self.read_tab(tab_id, errors))
        return replace(self.form, **changes)

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
            title = f"{self.what.capitalize()} '{self.form.name}' · channel '{self.channel}'"
        self.sub_title = title
        self.query_one("#form-title", Static).update(title)

    def current_problems(self) -> list[FieldProblem]:
        errors = FieldErrors()
        form = self.read_form(errors)
        try:
            checked = configuration_form_problems(
                self.orderio.db,
                self.KIND,
                self.channel,
                form,
                configuration_id=self.configuration_id,
            )
        except UserError:  # the channel is gone: Apply says so
            checked = []
        return unless_unreadable(errors.problems, checked)

    def update_schedule_state(self) -> None:
        """Enable the interval fields only for an interval schedule; preview the next run."""
        if SCHEDULING_TAB not in self._built:
            return
        mode = select_value(self.query_one("#schedule_mode", Select))
        interval = mode is ScheduleMode.INTERVAL
        for field in INTERVAL_FIELDS:
            row = self.query_one(f"#row-{field}", FieldRow)
            if row.disabled == interval:
                row.disabled = not interval
        switch = self.query_one("#row-schedule_enabled", FieldRow)
        switched = mode is not ScheduleMode.MANUAL
        if switch.disabled == switched:
            switch.disabled = not switched
        preview = self.query_one("#next-run", Static)
        errors = FieldErrors()
        schedule = self.read_schedule(errors)
        problems = errors.problems or schedule.problems()
        if schedule.mode is ScheduleMode.MANUAL:
            preview.update("Runs only when started by hand (r on the main screen).")
        elif not schedule.enabled:
            preview.update("The schedule is switched off: it does not run by itself.")
        elif schedule.on_order_creation:
            preview.update(
                "Runs when new orders were taken in, once they are as old as the minimum order "
                "age (Conditions tab)."
            )
        elif problems:
            preview.update("No next run: " + "; ".join(p.message for p in problems))
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

    async def action_apply(self) -> None:
        errors = FieldErrors()
        form = self.read_form(errors)
        if errors:
            await self.show_problems(errors.problems)
            return
        try:
            created = self.store(form)
        except ValidationFailed as exc:
            await self.show_problems(exc.problems)
            return
        except UserError as exc:
            clear_problems(self)
            self.set_message(str(exc), problem=True)
            return
        clear_problems(self)
        if created is not None:
            self.configuration_id = created
            for pane in self.query(TabPane):
                pane.disabled = False
            self.notify(f"Created {self.what} '{form.name.strip()}': the other tabs are open now")
            self.set_message("Created. Set up the other tabs (f6), then Apply again.")
        else:
            self.notify(f"Saved {self.what} '{form.name.strip()}'")
            self.set_message("Saved.")
        self.form = self.stored_form()
        self.update_title()
        self._saved = form_snapshot(self)
        self.orderio.configurations_changed()

    async def show_problems(self, problems: Iterable[FieldProblem]) -> None:
        """Problems inline next to their fields; the tab of the first one comes to the front."""
        problems = list(problems)
        tabs_with_problems = [self.FIELD_TABS.get(p.field, GENERAL_TAB) for p in problems]
        for tab_id in dict.fromkeys(tabs_with_problems):
            if not self.query_one(f"#{tab_id}", TabPane).disabled:
                await self.build_tab(tab_id)
        unplaced = show_problems(self, problems)
        count = len(problems)
        names = sorted({t.removeprefix("tab-").capitalize() for t in tabs_with_problems})
        text = (
            f"Not saved: {count} problem{'s' if count != 1 else ''} ({', '.join(names)}), marked ✗"
        )
        if unplaced:
            text += ": " + "; ".join(p.message for p in unplaced)
        self.set_message(text, problem=True)
        first = tabs_with_problems[0] if tabs_with_problems else None
        if first is not None and not self.query_one(f"#{first}", TabPane).disabled:
            self.query_one(TabbedContent).active = first

    def action_reset(self) -> None:
        try:
            self.load()
        except UserError as exc:
            self.set_message(str(exc), problem=True)
            return
        self.notify("Reset to the stored values" if self.configuration_id else "Reset")

    def action_audit(self) -> None:
        """The audit trail of this configuration (a new one has none yet)."""
        if self.configuration_id is None:
            self.notify("a new configuration has no audit trail until it is applied")
            return
        from .audit_screen import AuditTrailScreen

        self.app.push_screen(
            AuditTrailScreen(self.KIND, self.configuration_id, self.form.name, self.channel)
        )

    def action_leave(self) -> None:
        leave_unless_unsaved(self, dirty=self.dirty)

    async def _switch_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [p.id for p in self.query(TabPane) if not p.disabled and p.id is not None]
        if not ids:
            return
        current = ids.index(tabs.active) if tabs.active in ids else 0
        target = ids[(current + step) % len(ids)]
        await self.build_tab(target)
        tabs.active = target
        pane = self.query_one(f"#{target}", TabPane)
        for widget in pane.query("Input, Select, Checkbox, SelectionList"):
            if widget.focusable:
                widget.focus()
                return

    async def action_next_tab(self) -> None:
        await self._switch_tab(1)

    async def action_previous_tab(self) -> None:
        await self._switch_tab(-1)

    @on(Button.Pressed, "#apply")
    async def apply_pressed(self) -> None:
        await self.action_apply()

    @on(Button.Pressed, "#reset")
    def reset_pressed(self) -> None:
        self.action_reset()

    @on(Button.Pressed, "#back")
    def back_pressed(self) -> None:
        self.action_leave()
