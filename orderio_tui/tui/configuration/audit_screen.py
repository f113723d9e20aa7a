"""The audit trail of one configuration (SPEC §16): who changed it, when, and which fields."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...application.audit import AuditView, list_audit
from ...domain.statuses import RunKind
from ..context import OrderioContext, context_of
from ..display import NOTHING, local_day_time
from ..widgets.fitted_table import Column, FittedTable

#: At 80 columns the changes are cut first; the host goes before the action.
AUDIT_COLUMNS = (
    Column("At", "at"),
    Column("Who", "who", shrink_to=12),
    Column("Action", "action"),
    Column("Changes", "changes", shrink_to=20),
)


def audit_cells(view: AuditView) -> list[str]:
    """One entry as a row: an update lists its fields before → after."""
    changes = view.describe() if view.action == "update" else f"{len(view.changes)} fields"
    return [local_day_time(view.at), view.who, view.action, changes or NOTHING]


class AuditTrailScreen(Screen[None]):
    """Every recorded change of one configuration, newest first (also after a rename)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="audit.refresh", key_display="f5"),
    ]

    def __init__(self, kind: RunKind, configuration_id: int, name: str, channel: str) -> None:
        super().__init__()
        self.kind = kind
        self.configuration_id = configuration_id
        self.config_name = name
        self.channel = channel

    @property
    def orderio(self) -> OrderioContext:
        return context_of(self)

    def compose(self) -> ComposeResult:
        yield Static("", id="audit-title", markup=False)
        table = FittedTable(AUDIT_COLUMNS, id="audit", cursor_type="row", zebra_stripes=True)
        table.border_title = "Changes, newest first"
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Audit trail of {self.kind.value} configuration '{self.config_name}'"
        self.query_one("#audit-title", Static).update(
            f"{self.sub_title} · channel '{self.channel}'"
        )
        self.load()
        self.query_one("#audit", FittedTable).focus()

    def load(self) -> None:
        views = list_audit(self.orderio.db, kind=self.kind.value, subject_id=self.configuration_id)
        table = self.query_one("#audit", FittedTable)
        table.set_rows([(str(index), audit_cells(view)) for index, view in enumerate(views)])
        table.border_subtitle = (
            f"{len(views)} change{'s' if len(views) != 1 else ''}" if views else "no changes"
        )

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
