"""Why an order would (not) be exported by a configuration now (SPEC §16): `explain` and the
order detail's Explain key.

The checks are the conditions of :func:`orderio_tui.domain.conditions.export_conditions`, the
very objects whose clauses make the selection query, so an explanation can not disagree with what
a run selects. Two checks follow them: the maximum of orders per run (answered by the selection
query itself) and the validation a run applies to every selected order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.conditions import (
    ConditionCheck,
    explain_conditions,
    matching_orders_query,
    order_facts,
)
from ..domain.models import ExportConfiguration, Order, utcnow
from ..domain.statuses import RunKind
from ..engines.export.reading import read_orders
from ..engines.export.validation import validate_order
from .configurations import resolve_configuration
from .orders import find_order


@dataclass(frozen=True)
class Explanation:
    """Every check of one configuration on one order, and the verdicts."""

    document_no: str
    channel: str
    config: str
    #: Every condition, the maximum per run and the validation, passed or not.
    checks: list[ConditionCheck]

    @property
    def selected(self) -> bool:
        """A run started now would select (claim) the order."""
        return all(c.passed for c in self.checks if c.check != VALIDATION)

    @property
    def would_export(self) -> bool:
        """A run started now would put the order into its file."""
        return all(c.passed for c in self.checks)

    @property
    def reasons(self) -> list[ConditionCheck]:
        """The checks the order fails: why it would not be exported."""
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        """SPEC §16's `explain --json` document, plus every check under ``checks``."""
        return {
            "document_no": self.document_no,
            "channel": self.channel,
            "config": self.config,
            "would_export": self.would_export,
            "selected": self.selected,
            "reasons": [c.to_json() for c in self.reasons],
            "checks": [{**c.to_json(), "passed": c.passed} for c in self.checks],
        }

    def lines(self) -> list[str]:
        """The explanation in words, one check a line."""
        verdict = "would be exported" if self.would_export else "would NOT be exported"
        lines = [f"order {self.document_no} {verdict} by '{self.config}' ({self.channel}) now"]
        for check in self.checks:
            mark = "ok  " if check.passed else "FAIL"
            lines.append(
                f"  {mark} {check.check}: required {_required(check.expected)}; "
                f"order: {_value(check.actual)}"
            )
        return lines


#: Name of the check of the export validation (SPEC §7.1 step 2).
VALIDATION = "validation"
#: Name of the check of the configuration's maximum of orders per run.
MAX_ORDERS = "max_orders"


def _required(value: Any) -> str:
    if isinstance(value, list):
        return "one of " + ", ".join(str(v) for v in value) if value else "a value (none selected)"
    return str(value)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value is None else str(value)


def explain_order(
    db: Database,
    document_no: str,
    config: str,
    channel: str | None = None,
    *,
    now: datetime | None = None,
) -> Explanation:
    """Whether the export configuration ``config`` would export the order now, and why (not).

    Without ``channel`` the order's document number must be unique; the configuration is looked
    up in the order's channel.
    """
    with db.read() as session:
        order = find_order(session, document_no, channel)
        channel_name = order.channel.name
        configuration = resolve_configuration(session, RunKind.EXPORT, config, channel_name)
        assert isinstance(configuration, ExportConfiguration)
        return explain_in_session(session, order, configuration, now=now or utcnow())


def explain_in_session(
    session: Session, order: Order, configuration: ExportConfiguration, *, now: datetime
) -> Explanation:
    """:func:`explain_order` for loaded rows, in the caller's session."""
    checks = explain_conditions(configuration, order_facts(session, order), now=now)
    if all(c.passed for c in checks) and configuration.max_orders:
        chosen = set(session.scalars(matching_orders_query(configuration, now=now)))
        checks.append(
            ConditionCheck(
                MAX_ORDERS,
                f"among the first {configuration.max_orders} orders of a run",
                "among them" if order.id in chosen else "beyond them (a later run takes it)",
                order.id in chosen,
            )
        )
    exported = read_orders(session.connection(), [order.id], order.channel.store)
    problem = validate_order(exported[0]) if exported else None
    checks.append(
        ConditionCheck(
            VALIDATION,
            "valid for export",
            f"{problem.code}: {problem.text}" if problem else "valid",
            problem is None,
        )
    )
    return Explanation(order.document_no, order.channel.name, configuration.name, checks)


def explain_for_every_configuration(
    db: Database, document_no: str, channel: str
) -> list[Explanation]:
    """The explanation of every export configuration of the order's channel (the TUI's view)."""
    with db.read() as session:
        order = find_order(session, document_no, channel)
        now = utcnow()
        configurations = session.scalars(
            select(ExportConfiguration)
            .where(ExportConfiguration.channel_id == order.channel_id)
            .order_by(ExportConfiguration.name)
        )
        return [explain_in_session(session, order, c, now=now) for c in configurations]
