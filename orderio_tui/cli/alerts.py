"""`orderio-tui alerts list|test|check` (SPEC §16): what each alert watches and where it sends,
a test notice through the real delivery code, and the scheduler's alert checks for cron.

Registered on the root group in :mod:`orderio_tui.cli`; errors go through the root's handling
(one line, exit 2). Exit codes of ``test`` and ``check``: 0 delivered, 3 partly, 1 not at all.
"""

from __future__ import annotations

import sys

import click

from .context import Context, local_time, print_json, table

EXIT_FAILED = 1
EXIT_PARTIAL = 3


def _exit_code(delivered: int, failed: int) -> int:
    if not failed:
        return 0
    return EXIT_PARTIAL if delivered else EXIT_FAILED


@click.group("alerts")
def alerts_group() -> None:
    """Alerts: list them, send a test notice, run the overdue and silence checks."""


@alerts_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def alerts_list(context: Context, as_json: bool) -> None:
    """List the alerts: events, where they send, open incidents, undelivered notices."""
    from ..application.alerts import list_alerts

    views = list_alerts(context.db)
    if as_json:
        print_json([view.to_json() for view in views])
        return
    if not views:
        click.echo("no alerts: add [[alert]] tables to the configuration file (docs/alerts.md)")
        return
    table(
        ["NAME", "ON", "WATCHES", "SENDS TO", "OPEN", "UNDELIVERED"],
        [
            (
                view.name + ("" if view.settings.enabled else " (off)"),
                ",".join(view.settings.events),
                view.watches,
                "; ".join(view.destinations),
                len(view.open_incidents),
                len(view.undelivered),
            )
            for view in views
        ],
    )
    for view in views:
        for incident in view.open_incidents:
            click.echo(
                f"{view.name}: open {incident.event} incident of {incident.subject} "
                f"since {local_time(incident.opened_at)}"
            )
        for notice in view.undelivered:
            state = (
                "given up" if notice.abandoned else f"next try {local_time(notice.next_attempt_at)}"
            )
            click.echo(
                f"{view.name}: {notice.event} notice by {notice.target} not delivered after "
                f"{notice.attempts} attempt(s), {state}: {notice.last_error or 'not tried yet'}"
            )


@alerts_group.command("test")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def alerts_test(context: Context, name: str, as_json: bool) -> None:
    """Send a notice with event "test" to every destination of alert NAME now."""
    from ..application.alerts import send_test_notice

    results = send_test_notice(context.db, name)
    if as_json:
        print_json({"alert": name, "deliveries": [result.to_json() for result in results]})
    else:
        for result in results:
            outcome = "delivered" if result.ok else f"FAILED: {result.error}"
            click.echo(f"{result.target} {result.destination}: {outcome}")
    delivered = sum(1 for result in results if result.ok)
    sys.exit(_exit_code(delivered, len(results) - delivered))


@alerts_group.command("check")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def alerts_check(context: Context, as_json: bool) -> None:
    """Look for overdue schedules and a silent scheduler and deliver what is due (for cron on
    machines without a running scheduler)."""
    from ..alerts.delivery import check_and_deliver

    report = check_and_deliver(context.db)
    if as_json:
        print_json(
            {
                "opened": report.opened,
                "delivered": report.delivered,
                "retrying": report.retrying,
                "abandoned": report.abandoned,
            }
        )
    else:
        click.echo(
            f"{report.opened} new notice(s); delivered {report.delivered}, "
            f"retrying {report.retrying}, given up {report.abandoned}"
        )
    sys.exit(_exit_code(report.delivered, report.retrying + report.abandoned))
