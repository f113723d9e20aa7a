"""Export configuration: General, Actions, Scheduling and Conditions tabs (SPEC §3)."""

from __future__ import annotations

import logging
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from textual import on, work
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static
from textual.worker import Worker, WorkerState

from ...application.conditions_count import count_orders_matching_form
from ...application.configurations import (
    ExportConfigurationForm,
    create_export_configuration,
    load_export_form,
    update_export_configuration,
)
from ...application.forms import (
    MAX_ORDER_AGE_MINUTES,
    MAX_ORDERS_PER_RUN,
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
from ..display import shown_time, shown_zone
from ..widgets.checkbox import MarkedCheckbox, MarkedSelectionList
from ..widgets.field import FieldError, FieldRow
from ..widgets.select import TypeAheadSelect
from .base import GENERAL_TAB, SCHEDULING_TAB, ConfigurationScreen
from .controls import select_value, selection_in_order, set_select, set_selection

logger = logging.getLogger(__name__)

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
    local = shown_time(value)
    whole_day = time(23, 59, 59) if end_of_day else time(0, 0)
    if local.time().replace(microsecond=0) == whole_day:
        return local.strftime("%Y-%m-%d")
    return format_local_datetime(value, shown_zone())


def _optional_text(value: int | Decimal | None) -> str:
    return "" if value is None else str(value)


def _multi_select(field: str, label: str, options: list[str]) -> list[Widget]:
    return [
        Label(label, classes="multi-label"),
        MarkedSelectionList(*((o, o) for o in options), id=field, compact=True),
        FieldError(field=field),
    ]


def _input_row(field: str, label: str, placeholder: str = "", hint: str = "") -> FieldRow:
    return FieldRow(
        label, Input(id=field, placeholder=placeholder, compact=True), field=field, hint=hint
    )


def _transition_rows(prefix: str, choices: list[tuple[str, list[str]]]) -> list[Widget]:
    return [
        FieldRow(
            f"{source} →",
            TypeAheadSelect(
                [(t, t) for t in targets],
                id=f"{prefix}{source}",
                prompt="(unchanged)",
                compact=True,
            ),
            field=f"{prefix}{source}",
        )
        for source, targets in choices
    ]


def actions_fields() -> list[Widget]:
    """Status updates on or off, and the transitions applied on success (SPEC §3)."""
    return [
        MarkedCheckbox(
            "Enable status updates (off: the export changes no status, e.g. for BI)",
            id="status_updates_enabled",
            value=True,
            compact=True,
        ),
        FieldError(field="status_updates_enabled"),
        Label("Order status after a successful export", classes="section-title"),
        *_transition_rows("order_transition_", ORDER_TRANSITIONS),
        FieldError(field="order_transitions"),
        Label("Line-item status after a successful export", classes="section-title"),
        *_transition_rows("line_item_transition_", LINE_ITEM_TRANSITIONS),
        FieldError(field="line_item_transitions"),
        Static(
            f"When an order fails to export it gets status {EXPORT_FAILURE_STATUS.value} with a "
            f"reason code and text (fixed).",
            classes="form-hint",
        ),
    ]


def conditions_fields() -> list[Widget]:
    """Every criterion of SPEC §3: multi-selects, dates, amounts, lists, limits."""
    return [
        Horizontal(
            Vertical(
                *_multi_select("order_statuses", "Order statuses *", ORDER_STATUSES),
                classes="multi-column",
            ),
            Vertical(
                *_multi_select("line_item_statuses", "Fulfillment statuses *", LINE_ITEM_STATUSES),
                *_multi_select("payment_statuses", "Payment statuses *", PAYMENT_STATUSES),
                *_multi_select("customer_types", "Customer types *", CUSTOMER_TYPES),
                classes="multi-column",
            ),
            id="multi-selects",
        ),
        _input_row("order_numbers", "Order numbers", "any; list: 0001, 0002"),
        _input_row("customer_id", "Customer id", "any"),
        _input_row("created_from", "Created from", "YYYY-MM-DD [HH:MM], local time"),
        _input_row("created_to", "Created to", "YYYY-MM-DD [HH:MM], inclusive"),
        _input_row("gross_min", "Gross amount min", "e.g. 10.00"),
        _input_row("gross_max", "Gross amount max", "e.g. 500.00"),
        _input_row("skus", "Product SKUs", "any; list: SKU-1, SKU-2"),
        _input_row("supplier", "Supplier", "any"),
        _input_row("min_age_minutes", "Min. order age (min)", "settle delay, e.g. 15"),
        FieldRow(
            "Not yet exported",
            MarkedCheckbox(
                "only orders this configuration has not exported yet",
                id="only_not_exported",
                compact=True,
            ),
            field="only_not_exported",
        ),
        _input_row("max_orders", "Max orders per run", "no limit"),
    ]


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

    TABS = (
        (GENERAL_TAB, "General"),
        (ACTIONS_TAB, "Actions"),
        (SCHEDULING_TAB, "Scheduling"),
        (CONDITIONS_TAB, "Conditions"),
    )

    def __init__(self, channel: str, configuration_id: int | None) -> None:
        super().__init__(channel, configuration_id)
        self._count_timer: Timer | None = None

    # ------------------------------------------------------------------ tabs

    def tab_body(self, tab_id: str) -> Widget:
        if tab_id == ACTIONS_TAB:
            return VerticalScroll(*actions_fields(), classes="form")
        if tab_id == CONDITIONS_TAB:
            return Vertical(
                Static("", id="match-count", markup=False),
                VerticalScroll(*conditions_fields(), classes="form"),
                classes="tab-body",
            )
        return super().tab_body(tab_id)

    def stored_form(self) -> ExportConfigurationForm:
        if self.configuration_id is None:
            return ExportConfigurationForm(name="", service="")
        return load_export_form(self.orderio.db, self.configuration_id)

    def fill_tab(self, tab_id: str, form: ExportConfigurationForm) -> None:
        if tab_id == ACTIONS_TAB:
            self.query_one("#status_updates_enabled", Checkbox).value = form.status_updates_enabled
            for prefix, choices, chosen in (
                ("order_transition_", ORDER_TRANSITIONS, form.order_transitions),
                ("line_item_transition_", LINE_ITEM_TRANSITIONS, form.line_item_transitions),
            ):
                for source, _ in choices:
                    set_select(self.query_one(f"#{prefix}{source}", Select), chosen.get(source))
        elif tab_id == CONDITIONS_TAB:
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
                "gross_min": _optional_text(form.gross_min),
                "gross_max": _optional_text(form.gross_max),
                "skus": ", ".join(form.skus),
                "supplier": form.supplier,
                "min_age_minutes": _optional_text(form.min_age_minutes),
                "max_orders": _optional_text(form.max_orders),
            }
            for field, text in texts.items():
                self.query_one(f"#{field}", Input).value = text
            self.query_one("#only_not_exported", Checkbox).value = form.only_not_exported
        else:
            super().fill_tab(tab_id, form)

    def read_tab(self, tab_id: str, errors: FieldErrors) -> dict[str, Any]:
        if tab_id == ACTIONS_TAB:
            return {
                "status_updates_enabled": self.query_one("#status_updates_enabled", Checkbox).value,
                "order_transitions": self._transitions("order_transition_", ORDER_TRANSITIONS),
                "line_item_transitions": self._transitions(
                    "line_item_transition_", LINE_ITEM_TRANSITIONS
                ),
            }
        if tab_id != CONDITIONS_TAB:
            return super().read_tab(tab_id, errors)

        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        def selection(field: str, order: list[str]) -> list[str]:
            return selection_in_order(self.query_one(f"#{field}", SelectionList), order)

        return {
            "order_statuses": selection("order_statuses", ORDER_STATUSES),
            "line_item_statuses": selection("line_item_statuses", LINE_ITEM_STATUSES),
            "payment_statuses": selection("payment_statuses", PAYMENT_STATUSES),
            "customer_types": selection("customer_types", CUSTOMER_TYPES),
            "order_numbers": parse_list(text("order_numbers")),
            "customer_id": text("customer_id").strip(),
            "created_from": parse_optional_local_datetime(
                errors,
                "created_from",
                "creation date from",
                text("created_from"),
                zone=shown_zone(),
            ),
            "created_to": parse_optional_local_datetime(
                errors,
                "created_to",
                "creation date to",
                text("created_to"),
                end_of_day=True,
                zone=shown_zone(),
            ),
            "gross_min": parse_optional_money(
                errors, "gross_min", "minimum gross amount", text("gross_min")
            ),
            "gross_max": parse_optional_money(
                errors, "gross_max", "maximum gross amount", text("gross_max")
            ),
            "skus": parse_list(text("skus")),
            "supplier": text("supplier").strip(),
            "min_age_minutes": parse_optional_int(
                errors,
                "min_age_minutes",
                "minimum order age",
                text("min_age_minutes"),
                minimum=0,
                maximum=MAX_ORDER_AGE_MINUTES,
            ),
            "only_not_exported": self.query_one("#only_not_exported", Checkbox).value,
            "max_orders": parse_optional_int(
                errors,
                "max_orders",
                "max orders per run",
                text("max_orders"),
                minimum=1,
                maximum=MAX_ORDERS_PER_RUN,
            ),
        }

    def _transitions(self, prefix: str, choices: list[tuple[str, list[str]]]) -> dict[str, str]:
        chosen: dict[str, str] = {}
        for source, _ in choices:
            target = select_value(self.query_one(f"#{prefix}{source}", Select))
            if target is not None:
                chosen[source] = str(target)
        return chosen

    def tab_built(self, tab_id: str) -> None:
        if tab_id == ACTIONS_TAB:
            self.update_actions_state()
        elif tab_id == CONDITIONS_TAB:
            self.schedule_count()
        else:
            super().tab_built(tab_id)

    def store(self, form: ExportConfigurationForm) -> int | None:
        if self.configuration_id is None:
            return create_export_configuration(self.orderio.db, self.channel, form)
        update_export_configuration(self.orderio.db, self.configuration_id, form)
        return None

    # ------------------------------------------------------------------ live state

    def update_actions_state(self) -> None:
        enabled = self.query_one("#status_updates_enabled", Checkbox).value
        for select in self.query(f"#{ACTIONS_TAB} Select"):
            if select.disabled == enabled:
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
        if CONDITIONS_TAB not in self._built:
            return
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
            count = count_orders_matching_form(
                self.orderio.db, self.channel, form, configuration_id=self.configuration_id
            )
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
            logger.error("counting the matching orders failed", exc_info=error)
            label.update(f"Orders matching now: could not count ({type(error).__name__})")
