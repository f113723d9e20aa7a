"""Export configuration: General, Actions, Scheduling and Conditions tabs (SPEC §3)."""

from __future__ import annotations

from datetime import datetime, time

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static, TabPane
from textual.worker import Worker, WorkerState

from ...application.configurations import (
    ExportConfigurationForm,
    create_export_configuration,
    load_export_form,
    update_export_configuration,
)
from ...application.forms import (
    FieldErrors,
    format_local_datetime,
    parse_list,
    parse_optional_int,
    parse_optional_local_datetime,
    parse_optional_money,
)
from ...domain.statuses import (
    EXPORT_FAILURE_STATUS,
    Actor,
    CustomerType,
    Entity,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    RunKind,
    transition_allowed,
)
from ...errors import UserError
from ..widgets.field import FieldError, FieldRow
from .base import ConfigurationScreen
from .controls import select_value, selection_in_order, set_select, set_selection

ACTIONS_TAB = "tab-actions"
CONDITIONS_TAB = "tab-conditions"

ORDER_STATUSES = [s.value for s in OrderStatus]
LINE_ITEM_STATUSES = [s.value for s in LineItemStatus]
PAYMENT_STATUSES = [s.value for s in PaymentStatus]
CUSTOMER_TYPES = [s.value for s in CustomerType]

#: Seconds of quiet after the last change before the match count is recomputed.
COUNT_DELAY = 0.4


def export_transition_choices(entity: Entity, statuses: list[str]) -> list[tuple[str, list[str]]]:
    """(source status, the statuses an export may move it to) from the one transition table."""
    choices = []
    for source in statuses:
        targets = [t for t in statuses if transition_allowed(Actor.EXPORT, entity, source, t)]
        if targets:
            choices.append((source, targets))
    return choices


ORDER_TRANSITIONS = export_transition_choices(Entity.ORDER, ORDER_STATUSES)
LINE_ITEM_TRANSITIONS = export_transition_choices(Entity.LINE_ITEM, LINE_ITEM_STATUSES)


def _date_text(value: datetime | None, *, end_of_day: bool) -> str:
    """A stored bound as typed: a bare date when it is a whole-day bound."""
    if value is None:
        return ""
    local = value.astimezone()
    whole_day = time(23, 59, 59) if end_of_day else time(0, 0)
    if local.time().replace(microsecond=0) == whole_day:
        return local.strftime("%Y-%m-%d")
    return format_local_datetime(value)


def _multi_select(field: str, label: str, options: list[str]) -> ComposeResult:
    yield Label(label, classes="multi-label")
    yield SelectionList[str](*((o, o) for o in options), id=field, compact=True)
    yield FieldError(field=field)


def _input_row(field: str, label: str, placeholder: str = "", hint: str = "") -> FieldRow:
    return FieldRow(
        label, Input(id=field, placeholder=placeholder, compact=True), field=field, hint=hint
    )


class ExportConfigurationScreen(ConfigurationScreen):
    """New or stored export configuration."""

    KIND = RunKind.EXPORT
    FIELD_TABS = {
        **ConfigurationScreen.FIELD_TABS,
        "status_updates_enabled": ACTIONS_TAB,
        "order_transitions": ACTIONS_TAB,
        "line_item_transitions": ACTIONS_TAB,
        **{
            f: CONDITIONS_TAB
            for f in (
                "order_statuses",
                "line_item_statuses",
                "payment_statuses",
                "customer_types",
                "order_numbers",
                "customer_id",
                "created_from",
                "created_to",
                "gross_min",
                "gross_max",
                "skus",
                "supplier",
                "min_age_minutes",
                "only_not_exported",
                "max_orders",
            )
        },
    }

    def __init__(self, channel: str, configuration_id: int | None) -> None:
        super().__init__(channel, configuration_id)
        self._count_timer: Timer | None = None

    # ------------------------------------------------------------------ layout

    def compose_tabs(self) -> ComposeResult:
        locked = self.configuration_id is None
        yield from self.general_pane()
        with TabPane("Actions", id=ACTIONS_TAB, disabled=locked), VerticalScroll(classes="form"):
            yield from self.actions_fields()
        yield from self.scheduling_pane()
        with TabPane("Conditions", id=CONDITIONS_TAB, disabled=locked):
            yield Static("", id="match-count", markup=False)
            with VerticalScroll(classes="form"):
                yield from self.conditions_fields()

    def actions_fields(self) -> ComposeResult:
        yield Checkbox(
            "Enable status updates (off: the export changes no status, e.g. for BI)",
            id="status_updates_enabled",
            value=True,
            compact=True,
        )
        yield FieldError(field="status_updates_enabled")
        yield self.section_title("Order status after a successful export")
        for source, targets in ORDER_TRANSITIONS:
            yield FieldRow(
                f"{source} →",
                Select(
                    [(t, t) for t in targets],
                    id=f"order_transition_{source}",
                    prompt="(unchanged)",
                    compact=True,
                ),
                field=f"order_transition_{source}",
            )
        yield FieldError(field="order_transitions")
        yield self.section_title("Line-item status after a successful export")
        for source, targets in LINE_ITEM_TRANSITIONS:
            yield FieldRow(
                f"{source} →",
                Select(
                    [(t, t) for t in targets],
                    id=f"line_item_transition_{source}",
                    prompt="(unchanged)",
                    compact=True,
                ),
                field=f"line_item_transition_{source}",
            )
        yield FieldError(field="line_item_transitions")
        yield Static(
            f"When an order fails to export it gets status {EXPORT_FAILURE_STATUS.value} with a "
            f"reason code and text (fixed).",
            classes="form-hint",
        )

    def conditions_fields(self) -> ComposeResult:
        with Horizontal(id="multi-selects"):
            with Vertical(classes="multi-column"):
                yield from _multi_select("order_statuses", "Order statuses *", ORDER_STATUSES)
            with Vertical(classes="multi-column"):
                yield from _multi_select(
                    "line_item_statuses", "Fulfillment statuses *", LINE_ITEM_STATUSES
                )
                yield from _multi_select("payment_statuses", "Payment statuses *", PAYMENT_STATUSES)
                yield from _multi_select("customer_types", "Customer types *", CUSTOMER_TYPES)
        yield _input_row("order_numbers", "Order numbers", "any; list: 0001, 0002")
        yield _input_row("customer_id", "Customer id", "any")
        yield _input_row("created_from", "Created from", "YYYY-MM-DD [HH:MM], local time")
        yield _input_row("created_to", "Created to", "YYYY-MM-DD [HH:MM], inclusive")
        yield _input_row("gross_min", "Gross amount min", "e.g. 10.00")
        yield _input_row("gross_max", "Gross amount max", "e.g. 500.00")
        yield _input_row("skus", "Product SKUs", "any; list: SKU-1, SKU-2")
        yield _input_row("supplier", "Supplier", "any")
        yield _input_row("min_age_minutes", "Min. order age (min)", "settle delay, e.g. 15")
        yield FieldRow(
            "Not yet exported",
            Checkbox(
                "only orders this configuration has not exported yet",
                id="only_not_exported",
                compact=True,
            ),
            field="only_not_exported",
        )
        yield _input_row("max_orders", "Max orders per run", "no limit")

    # ------------------------------------------------------------------ fill / read / store

    def fill_stored(self) -> None:
        if self.configuration_id is None:
            form = ExportConfigurationForm(name="", service="")
        else:
            form = load_export_form(self.orderio.db, self.configuration_id)
        self.fill(form)

    def fill(self, form: ExportConfigurationForm) -> None:
        self.fill_general(form.name, form.service, form.description)
        self.query_one("#status_updates_enabled", Checkbox).value = form.status_updates_enabled
        for source, _ in ORDER_TRANSITIONS:
            set_select(
                self.query_one(f"#order_transition_{source}", Select),
                form.order_transitions.get(source),
            )
        for source, _ in LINE_ITEM_TRANSITIONS:
            set_select(
                self.query_one(f"#line_item_transition_{source}", Select),
                form.line_item_transitions.get(source),
            )
        self.fill_schedule(form.schedule)
        for field, values, options in (
            ("order_statuses", form.order_statuses, ORDER_STATUSES),
            ("line_item_statuses", form.line_item_statuses, LINE_ITEM_STATUSES),
            ("payment_statuses", form.payment_statuses, PAYMENT_STATUSES),
            ("customer_types", form.customer_types, CUSTOMER_TYPES),
        ):
            set_selection(self.query_one(f"#{field}", SelectionList), values, options)
        texts = {
            "order_numbers": ", ".join(form.order_numbers),
            "customer_id": form.customer_id,
            "created_from": _date_text(form.created_from, end_of_day=False),
            "created_to": _date_text(form.created_to, end_of_day=True),
            "gross_min": "" if form.gross_min is None else str(form.gross_min),
            "gross_max": "" if form.gross_max is None else str(form.gross_max),
            "skus": ", ".join(form.skus),
            "supplier": form.supplier,
            "min_age_minutes": "" if form.min_age_minutes is None else str(form.min_age_minutes),
            "max_orders": "" if form.max_orders is None else str(form.max_orders),
        }
        for field, text in texts.items():
            self.query_one(f"#{field}", Input).value = text
        self.query_one("#only_not_exported", Checkbox).value = form.only_not_exported
        self.update_actions_state()
        self.schedule_count()

    def read_form(self, errors: FieldErrors) -> ExportConfigurationForm:
        name, service, description = self.read_general()

        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        def transitions(prefix: str, choices: list[tuple[str, list[str]]]) -> dict[str, str]:
            chosen: dict[str, str] = {}
            for source, _ in choices:
                target = select_value(self.query_one(f"#{prefix}{source}", Select))
                if target is not None:
                    chosen[source] = str(target)
            return chosen

        def selection(field: str, order: list[str]) -> list[str]:
            return selection_in_order(self.query_one(f"#{field}", SelectionList), order)

        return ExportConfigurationForm(
            name=name,
            service=service,
            description=description,
            status_updates_enabled=self.query_one("#status_updates_enabled", Checkbox).value,
            order_transitions=transitions("order_transition_", ORDER_TRANSITIONS),
            line_item_transitions=transitions("line_item_transition_", LINE_ITEM_TRANSITIONS),
            schedule=self.read_schedule(errors),
            order_statuses=selection("order_statuses", ORDER_STATUSES),
            line_item_statuses=selection("line_item_statuses", LINE_ITEM_STATUSES),
            payment_statuses=selection("payment_statuses", PAYMENT_STATUSES),
            customer_types=selection("customer_types", CUSTOMER_TYPES),
            order_numbers=parse_list(text("order_numbers")),
            customer_id=text("customer_id").strip(),
            created_from=parse_optional_local_datetime(
                errors, "created_from", "creation date from", text("created_from")
            ),
            created_to=parse_optional_local_datetime(
                errors, "created_to", "creation date to", text("created_to"), end_of_day=True
            ),
            gross_min=parse_optional_money(
                errors, "gross_min", "minimum gross amount", text("gross_min")
            ),
            gross_max=parse_optional_money(
                errors, "gross_max", "maximum gross amount", text("gross_max")
            ),
            skus=parse_list(text("skus")),
            supplier=text("supplier").strip(),
            min_age_minutes=parse_optional_int(
                errors,
                "min_age_minutes",
                "minimum order age",
                text("min_age_minutes"),
                minimum=0,
            ),
            only_not_exported=self.query_one("#only_not_exported", Checkbox).value,
            max_orders=parse_optional_int(
                errors, "max_orders", "max orders per run", text("max_orders"), minimum=1
            ),
        )

    def store(self, form: ExportConfigurationForm) -> int | None:
        if self.configuration_id is None:
            return create_export_configuration(self.orderio.db, self.channel, form)
        update_export_configuration(self.orderio.db, self.configuration_id, form)
        return None

    # ------------------------------------------------------------------ live state

    def update_actions_state(self) -> None:
        enabled = self.query_one("#status_updates_enabled", Checkbox).value
        for select in self.query(f"#{ACTIONS_TAB} Select"):
            select.disabled = not enabled

    @on(Checkbox.Changed, "#status_updates_enabled")
    def status_updates_toggled(self) -> None:
        self.update_actions_state()

    @on(SelectionList.SelectedChanged)
    @on(Input.Changed, f"#{CONDITIONS_TAB} Input")
    @on(Checkbox.Changed, "#only_not_exported")
    def conditions_changed(self) -> None:
        self.schedule_count()

    def schedule_count(self) -> None:
        """Recount the matching orders once the user stops typing for a moment."""
        if self._count_timer is not None:
            self._count_timer.stop()
        self._count_timer = self.set_timer(COUNT_DELAY, self.start_count)

    def start_count(self) -> None:
        errors = FieldErrors()
        form = self.read_form(errors)
        label = self.query_one("#match-count", Static)
        condition_problems = [
            p for p in errors.problems if self.FIELD_TABS.get(p.field) == CONDITIONS_TAB
        ]
        if condition_problems:
            label.update("Orders matching now: fix the fields marked ✗ first")
            return
        label.update("Counting matching orders…")
        self.count_matching(form)

    @work(thread=True, exclusive=True, group="match-count", exit_on_error=False)
    def count_matching(self, form: ExportConfigurationForm) -> str:
        try:
            from ...application.conditions_count import count_orders_matching_form
        except ImportError:
            return "Orders matching now: not available in this version"
        try:
            count = count_orders_matching_form(
                self.orderio.db, self.channel, form, configuration_id=self.configuration_id
            )
        except ImportError:
            return "Orders matching now: not available in this version"
        except UserError as exc:
            return f"Orders matching now: {exc}"
        return f"{count} order{'s' if count != 1 else ''} match now"

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "match-count":
            return
        label = self.query_one("#match-count", Static)
        if event.state is WorkerState.SUCCESS:
            label.update(str(event.worker.result))
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            label.update(f"Orders matching now: could not count ({type(error).__name__})")
