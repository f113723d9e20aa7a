"""`orderio-tui audit`: the audit trail of configuration, service, channel and alert changes
(SPEC §16), newest first.

Registered on the root group in :mod:`orderio_tui.cli`; errors go through the root's handling.
"""

from __future__ import annotations

import click

from ..domain.statuses import AUDIT_KINDS
from ..domain.statuses import DEFAULT_AUDIT_LIMIT as DEFAULT_LIMIT
from . import parameters as types
from .context import Context, local_time, pass_context, print_json, table


@click.command("audit")
@click.option("--channel", type=types.NAME, help="Only this channel's configurations and alerts.")
@click.option("--kind", type=click.Choice(AUDIT_KINDS), help="Only changes of this kind.")
@click.option("--limit", default=DEFAULT_LIMIT, show_default=True, type=types.LIMIT)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def audit_command(
    context: Context, channel: str | None, kind: str | None, limit: int, as_json: bool
) -> None:
    """Who changed which configuration, service, channel or alert, when, and how."""
    from ..application.audit import list_audit

    views = list_audit(context.db, channel=channel, kind=kind, limit=limit)
    if as_json:
        print_json([view.to_json() for view in views])
        return
    table(
        ["AT", "WHO", "ACTION", "KIND", "CHANNEL", "NAME", "CHANGES"],
        [
            (
                local_time(view.at),
                view.who,
                view.action,
                view.kind,
                view.channel or "",
                view.name,
                view.describe() if view.action == "update" else "",
            )
            for view in views
        ],
    )
