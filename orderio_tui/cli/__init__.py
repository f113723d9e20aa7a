"""The `orderio-tui` command line (SPEC §10).

Exit codes: 0 succeeded, 3 partial, 1 failed, 2 usage or configuration error. Errors the user
can cause are printed as one line on stderr, never as a traceback; with ``--json`` that line is
``{"error": "...", "exit": N}``, on stdout as well (SPEC §17). Every option is read through the
bounded types of :mod:`orderio_tui.cli.parameters`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from ..domain.scheduling import Schedule
from ..domain.statuses import OrderStatus, RunKind, ScheduleMode, ScheduleUnit, Trigger, Weekday
from ..errors import UserError, printable
from ..runs import RUN_ID_FIELD
from . import parameters as types
from .alerts import alerts_group
from .audit import audit_command
from .context import EXIT_USAGE, Context, local_time, pass_context, print_json, table
from .setup import COMMAND_GROUPS

logger = logging.getLogger("orderio_tui")

# --------------------------------------------------------------------------- root


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    type=types.DB_URL,
    help="SQLAlchemy database URL (default: $ORDERIO_DB, else a SQLite file in the user data "
    "directory).",
)
@click.option(
    "--no-scheduler", is_flag=True, help="Start the TUI without the background scheduler."
)
@click.version_option(package_name="orderio-tui")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, no_scheduler: bool) -> None:
    """orderio: the Order Import & Export manager. Without a command it starts the TUI."""
    ctx.obj = Context(db_url)
    if ctx.invoked_subcommand is None:
        from ..tui.app import run_tui

        sys.exit(run_tui(ctx.obj.open(create=True), scheduler=not no_scheduler))


# --------------------------------------------------------------------------- demo


@cli.command()
@click.option(
    "--root",
    required=True,
    type=types.TextPath(file_okay=False, path_type=Path),
    help="Directory for the demo's export and import folders (created).",
)
@click.option("--orders", "order_count", default=500, show_default=True, type=types.ORDER_COUNT)
@click.option("--seed", default=1, show_default=True, type=types.SEED)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def demo(context: Context, root: Path, order_count: int, seed: int, as_json: bool) -> None:
    """Fill an empty database with demo channels, services, configurations and orders."""
    from ..demo import create_demo

    db = context.open(create=True)
    summary = create_demo(db, root.resolve(), orders=order_count, seed=seed)
    if as_json:
        print_json(summary.to_json())
        return
    click.echo(summary.describe())
    click.echo("")
    click.echo("Look at it with:")
    db_option = f" --db {db.url}" if context.db_url else ""
    click.echo(f"  orderio-tui{db_option}                      (the TUI)")
    click.echo(f"  orderio-tui{db_option} export list --channel demo-b2c")
    click.echo(f"  orderio-tui{db_option} export run erp-export --channel demo-b2c")


# --------------------------------------------------------------------------- configurations


def _list_command(kind: RunKind) -> click.Command:
    @click.command("list")
    @click.option("--channel", type=types.NAME, help="Only this channel.")
    @click.option("--json", "as_json", is_flag=True)
    @pass_context
    def list_(context: Context, channel: str | None, as_json: bool) -> None:
        from ..application.configurations import list_configurations

        rows = list_configurations(context.db, kind, channel)
        if as_json:
            print_json([r.to_json() for r in rows])
            return
        headers = ["CHANNEL", "NAME", "TYPE", "SCHEDULE", "LAST RUN", "STATE", "NEXT RUN"]
        if kind is RunKind.EXPORT:
            headers.insert(3, "STATUS UPDATES")
        cells = []
        for r in rows:
            line = [
                r.channel,
                r.name,
                r.service,
                r.schedule.describe(),
                local_time(r.last_run_at, context.zone_of(r.channel))
                + (f" (checked {r.checked_at.astimezone():%H:%M:%S})" if r.checked_at else ""),
                r.last_run_state or "",
                "BROKEN" if r.problem else local_time(r.next_run_at, context.zone_of(r.channel)),
            ]
            if kind is RunKind.EXPORT:
                line.insert(3, "on" if r.status_updates else "off")
            cells.append(line)
        table(headers, cells)
        for r in rows:
            if r.problem:
                click.echo(
                    f"broken: {r.channel}/{r.name}: {r.problem} with 'orderio-tui {kind.value} "
                    f"schedule {r.name} --channel {r.channel} …' or in the TUI"
                )

    list_.help = f"List {kind.value} configurations."
    return list_


def _run_command(kind: RunKind) -> click.Command:
    @click.command("run")
    @click.argument("name", type=types.NAME)
    @click.option(
        "--channel",
        type=types.NAME,
        help="Channel of the configuration (needed if the name is not unique).",
    )
    @click.option("--dry-run", is_flag=True, help="Report what would happen; change nothing.")
    @click.option("--json", "as_json", is_flag=True)
    @pass_context
    def run(context: Context, name: str, channel: str | None, dry_run: bool, as_json: bool) -> None:
        from ..application.configurations import resolve_configuration
        from ..jobs.execute import run_configuration
        from ..runs.journal import LogLine, RunEvents
        from .progress import ProgressLine, shows_progress

        db = context.db
        with db.read() as session:
            configuration_id = resolve_configuration(session, kind, name, channel).id
        events = RunEvents()
        if not as_json:

            def show(event: object) -> None:
                if isinstance(event, LogLine):
                    click.echo(f"{local_time(event.at)} {event.level:<7} {event.message}", err=True)

            events.subscribe(show)
        progress = ProgressLine(sys.stderr) if shows_progress(sys.stderr, as_json=as_json) else None
        if progress is not None:
            events.subscribe(progress)
        _ECHOED_RUN_LINES.active = not as_json
        try:
            with progress or nullcontext():
                outcome = run_configuration(
                    db, kind, configuration_id, trigger=Trigger.CLI, dry_run=dry_run, events=events
                )
        finally:
            _ECHOED_RUN_LINES.active = False
        if as_json:
            print_json(outcome.to_json())
        else:
            counts = ", ".join(f"{k} {v}" for k, v in outcome.counts.items())
            click.echo(f"run {outcome.run_id}: {outcome.state.value} ({counts})")
            for path in outcome.files:
                click.echo(f"  file: {path}")
            if outcome.message:
                click.echo(f"  {outcome.message}")
        sys.exit(outcome.exit_code)

    run.help = f"Run an {kind.value} configuration now."
    return run


def _schedule_command(kind: RunKind) -> click.Command:
    @click.command("schedule")
    @click.argument("name", type=types.NAME)
    @click.option(
        "--channel",
        type=types.NAME,
        help="Channel of the configuration (needed if the name is not unique).",
    )
    @click.option("--every", type=types.EVERY, help="Run every N units.")
    @click.option("--unit", type=click.Choice([u.value for u in ScheduleUnit]))
    @click.option(
        "--at",
        "at_time",
        type=types.TIME_OF_DAY,
        metavar="HH:MM",
        help="Time of day (days, weeks).",
    )
    @click.option("--weekday", type=click.Choice([w.value for w in Weekday]), help="For weeks.")
    @click.option("--manual", is_flag=True, help="Run only when asked.")
    @click.option(
        "--on-order-creation",
        "on_orders",
        is_flag=True,
        help="Exports: run when new orders were taken in (after the minimum order age).",
    )
    @click.option("--disable", is_flag=True, help="Keep the interval but do not run it.")
    @click.option("--json", "as_json", is_flag=True)
    @pass_context
    def schedule_(
        context: Context,
        name: str,
        channel: str | None,
        every: int | None,
        unit: str | None,
        at_time: str | None,
        weekday: str | None,
        manual: bool,
        on_orders: bool,
        disable: bool,
        as_json: bool,
    ) -> None:
        from ..application.configurations import (
            list_configurations,
            resolve_configuration,
            set_schedule,
        )

        interval = every is not None or unit or at_time or weekday
        if sum((manual, on_orders, bool(interval))) > 1:
            raise UserError("give one of --manual, --on-order-creation or --every N --unit UNIT")
        if not manual and not on_orders and (every is None or unit is None):
            raise UserError(
                "give --every N --unit UNIT (e.g. --every 5 --unit minutes), "
                "--on-order-creation or --manual"
            )
        value = (
            Schedule(mode=ScheduleMode.MANUAL)
            if manual
            else Schedule(mode=ScheduleMode.ON_ORDER_CREATION, enabled=not disable)
            if on_orders
            else Schedule(
                mode=ScheduleMode.INTERVAL,
                every=every,
                unit=ScheduleUnit(unit) if unit else None,
                at=at_time,
                weekday=Weekday(weekday) if weekday else None,
                enabled=not disable,
            )
        )
        db = context.db
        with db.read() as session:
            row = resolve_configuration(session, kind, name, channel)
            configuration_id, channel_name = row.id, row.channel.name
        set_schedule(db, kind, configuration_id, value)
        updated = next(
            r for r in list_configurations(db, kind, channel_name) if r.id == configuration_id
        )
        if as_json:
            print_json(updated.to_json())
        else:
            click.echo(f"{kind.value} configuration '{name}' ({channel_name}): {value.describe()}")
            if updated.next_run_at:
                zone = context.zone_of(channel_name)
                click.echo(f"  next run: {local_time(updated.next_run_at, zone)}")

    schedule_.help = f"Set the schedule of an {kind.value} configuration."
    return schedule_


@cli.group("export")
def export_group() -> None:
    """Order export configurations."""


@cli.group("import")
def import_group() -> None:
    """Order status import configurations."""


@cli.group("intake")
def intake_group() -> None:
    """Order intake configurations (order files dropped by the shop into an inbox, SPEC §13)."""


for _group, _kind in (
    (export_group, RunKind.EXPORT),
    (import_group, RunKind.IMPORT),
    (intake_group, RunKind.INTAKE),
):
    _group.add_command(_list_command(_kind))
    _group.add_command(_run_command(_kind))
    _group.add_command(_schedule_command(_kind))


for _command_group in (*COMMAND_GROUPS, alerts_group, audit_command):
    cli.add_command(_command_group)


# --------------------------------------------------------------------------- orders, runs


@cli.group(invoke_without_command=True)
@click.option("--channel", type=types.NAME)
@click.option(
    "--status",
    type=click.Choice([s.value for s in OrderStatus], case_sensitive=False),
    help="Only orders with this status.",
)
@click.option(
    "--document",
    "document_prefix",
    type=types.SEARCH_TEXT,
    help="Document number starts with this.",
)
@click.option(
    "--customer", "customer_id", type=types.SEARCH_TEXT, help="The buyer's customer id, exactly."
)
@click.option("--email", type=types.SEARCH_TEXT, help="The buyer's e-mail starts with this.")
@click.option(
    "--name", type=types.SEARCH_TEXT, help="First name, last name, 'first last' or company."
)
@click.option("--created-from", type=types.DAY, metavar="YYYY-MM-DD", help="Created on or after.")
@click.option("--created-to", type=types.DAY, metavar="YYYY-MM-DD", help="Created on or before.")
@click.option("--gross-min", type=types.AMOUNT, help="Gross total at least this.")
@click.option("--gross-max", type=types.AMOUNT, help="Gross total at most this.")
@click.option("--limit", type=types.LIMIT, help="At most N orders.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def orders(
    click_context: click.Context,
    channel: str | None,
    status: str | None,
    limit: int | None,
    as_json: bool,
    **search: Any,  # the fields of OrderFilter that the search options hold
) -> None:
    """List orders by document number; the search options combine (days are those of the
    order's channel's time zone). `orders retry` sends failed orders again."""
    if click_context.invoked_subcommand is not None:
        return
    from ..application.orders import OrderFilter, list_orders

    context = click_context.find_object(Context)
    assert context is not None
    filters = OrderFilter(status=status.upper() if status else None, **search)
    views = list_orders(context.db, channel=channel, limit=limit, filters=filters)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table(
        ["DOCUMENT", "CHANNEL", "STATUS", "CREATED", "CUSTOMER", "TYPE", "GROSS", "ITEMS"],
        [
            (
                v.document_no,
                v.channel,
                v.status,
                local_time(v.created_at, context.zone_of(v.channel)),
                v.customer,
                v.customer_type,
                f"{v.gross_total} {v.currency}",
                len(v.line_items),
            )
            for v in views
        ],
    )


@orders.command("retry")
@click.argument("document_nos", nargs=-1, type=types.NAME, metavar="[DOCUMENT_NO]...")
@click.option("--run", "run_id", type=types.RUN_ID, help="Every failed order of this export run.")
@click.option("--channel", type=types.NAME, help="Channel of the orders (if not unique).")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def orders_retry(
    context: Context,
    document_nos: tuple[str, ...],
    run_id: int | None,
    channel: str | None,
    as_json: bool,
) -> None:
    """Send EXPORTFAILED orders again: each returns to the status it had before the failed
    export and the next run selects it. Other orders are refused (exit 3 when some were
    retried, 2 when none)."""
    from ..application.retry import retry_orders

    if bool(document_nos) == (run_id is not None):
        raise click.UsageError("name document numbers or --run N, not both and not neither")
    parent = click.get_current_context().parent
    channel = channel or (
        parent.params.get("channel") if parent else None
    )  # `orders --channel C retry`
    outcome = retry_orders(context.db, document_nos, run_id=run_id, channel=channel)
    if as_json:
        print_json(outcome.to_json())
    else:
        for retried in outcome.retried:
            click.echo(
                f"retried order {retried.document_no} ({retried.channel}): now {retried.status}"
            )
        for refused in outcome.refused:
            click.echo(f"orderio-tui: refused: {refused.message}", err=True)
        if not outcome.retried:
            click.echo("orderio-tui: error: no order was retried", err=True)
    sys.exit(outcome.exit_code)


@cli.command()
@click.argument("document_no", type=types.NAME)
@click.option("--config", "config", required=True, type=types.NAME, help="Export configuration.")
@click.option("--channel", type=types.NAME, help="Channel of the order (if not unique).")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def explain(
    context: Context, document_no: str, config: str, channel: str | None, as_json: bool
) -> None:
    """Say whether an export configuration would export the order now, and every reason why
    not (each condition with the order's value and the required one)."""
    from ..application.explain import explain_order

    explanation = explain_order(context.db, document_no, config, channel)
    if as_json:
        print_json(explanation.to_json())
        return
    for line in explanation.lines():
        click.echo(line)


@cli.command()
@click.argument("document_no", type=types.NAME)
@click.option("--channel", type=types.NAME)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def order(context: Context, document_no: str, channel: str | None, as_json: bool) -> None:
    """Show one order with lines, payments and status history.

    With --json: the order's JSON form (docs/order-json.md), which an order-intake-jsonl
    intake takes in, plus the read-only status history and run results.
    """
    from ..application.orders import order_detail, order_document

    if as_json:
        print_json(order_document(context.db, document_no, channel))
        return
    view = order_detail(context.db, document_no, channel)
    click.echo(f"Order {view.document_no} ({view.channel})  status {view.status}")
    if view.reason_code:
        click.echo(f"  reason: {view.reason_code}: {view.reason_text}")
    zone = context.zone_of(view.channel)
    click.echo(
        f"  created {local_time(view.created_at, zone)}, {view.customer} ({view.customer_type})"
    )
    click.echo(f"  gross total {view.gross_total} {view.currency}")
    if view.invoice_address:
        click.echo("  invoice address: " + ", ".join(view.invoice_address))
    click.echo("Line items:")
    table(
        ["POS", "STATUS", "SKU", "PRODUCT", "QTY", "GROSS"],
        [
            (li.position, li.status, li.sku, li.product_name, li.quantity, li.gross_total)
            for li in view.line_items
        ],
    )
    click.echo("Payments:")
    table(
        ["ID", "SERVICE", "AMOUNT", "STATUS"],
        [(p.id, p.service, p.amount, p.status) for p in view.payments],
    )
    click.echo("Status history:")
    table(
        ["AT", "WHAT", "FROM", "TO", "SOURCE", "RUN", "REASON"],
        [
            (
                local_time(h.at, zone),
                h.entity + (f" {h.entity_ref}" if h.entity_ref else ""),
                h.from_status,
                h.to_status,
                h.source,
                h.run_id,
                f"{h.reason_code}: {h.reason_text}" if h.reason_code else "",
            )
            for h in view.history
        ],
    )


@cli.group(invoke_without_command=True)
@click.option("--config", type=types.NAME, help="Only runs of configurations with this name.")
@click.option("--channel", type=types.NAME)
@click.option("--limit", default=50, show_default=True, type=types.LIMIT)
@click.option("--all", "show_all", is_flag=True, help="Also runs that found nothing to do.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def runs(
    click_context: click.Context,
    config: str | None,
    channel: str | None,
    limit: int,
    show_all: bool,
    as_json: bool,
) -> None:
    """List runs, newest first (idle runs only with --all); `runs prune` deletes old ones."""
    if click_context.invoked_subcommand is not None:
        return
    from ..application.runs import list_runs

    context = click_context.find_object(Context)
    assert context is not None
    views = list_runs(
        context.db, config=config, channel=channel, limit=limit, include_idle=show_all
    )
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table(
        ["RUN", "KIND", "CONFIG", "CHANNEL", "TRIGGER", "STATE", "STARTED", "SECONDS", "COUNTS"],
        [
            (
                v.run_id,
                v.kind,
                v.config,
                v.channel,
                v.trigger,
                v.state + (" (dry run)" if v.dry_run else ""),
                local_time(v.started_at, context.zone_of(v.channel)),
                f"{v.duration_seconds:.1f}" if v.duration_seconds is not None else "",
                " ".join(f"{k}={n}" for k, n in v.counts.items()),
            )
            for v in views
        ],
    )


@runs.command("prune")
@click.option(
    "--older-than",
    "older_than",
    type=click.FloatRange(0, 36_500),
    help="Delete every finished run older than DAYS (default: the retention of the "
    "configuration file's [history], idle runs after 1 day and others after 90 by default).",
    metavar="DAYS",
)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def runs_prune(context: Context, older_than: float | None, as_json: bool) -> None:
    """Delete old runs with their logs and results."""
    from ..runs.journal import prune_runs

    deleted = prune_runs(context.db, older_than_days=older_than)
    if as_json:
        print_json({"deleted": deleted})
        return
    click.echo(f"deleted {deleted} run(s)")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def schedulers(context: Context, as_json: bool) -> None:
    """List the live schedulers on this database (host, pid, started, last heartbeat, runs)."""
    from ..jobs.scheduler import live_schedulers

    views = live_schedulers(context.db)
    if as_json:
        print_json([view.to_json() for view in views])
        return
    if not views:
        click.echo("no scheduler is running on this database")
        return
    table(
        ["HOST", "PID", "STARTED", "LAST HEARTBEAT", "RUNNING"],
        [
            (
                v.host,
                v.pid,
                local_time(v.started_at),
                local_time(v.last_tick),
                ", ".join(v.running) or "-",
            )
            for v in views
        ],
    )


# --------------------------------------------------------------------------- jobs


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def recover(context: Context, as_json: bool) -> None:
    """Finish or roll back runs whose process died (exports and imports)."""
    from ..jobs.recovery import recover_abandoned_runs

    messages = recover_abandoned_runs(context.db)
    if as_json:
        print_json({"recovered": len(messages), "messages": messages})
        return
    if not messages:
        click.echo("nothing to recover")
    for message in messages:
        click.echo(message)


@cli.command()
@click.option(
    "--duration",
    type=types.DURATION,
    help="Stop after this many seconds (default: run until stopped).",
)
@pass_context
def scheduler(context: Context, duration: float | None) -> None:
    """Run the scheduler without the TUI (stops cleanly on SIGTERM, SIGINT, SIGHUP)."""
    from ..jobs.scheduler import run_headless

    sys.exit(run_headless(context.open(create=True), duration=duration))


# --------------------------------------------------------------------------- entry point


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Log records on whatever ``sys.stderr`` is at the time (also when it is redirected)."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(_ECHOED_RUN_LINES)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class _EchoedRunLines(logging.Filter):
    """While a command prints a run's log lines itself, their log records are not printed too."""

    def __init__(self) -> None:
        super().__init__()
        self.active = False

    def filter(self, record: logging.LogRecord) -> bool:
        return not (self.active and getattr(record, RUN_ID_FIELD, None) is not None)


_ECHOED_RUN_LINES = _EchoedRunLines()
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _configure_logging() -> None:
    """One stderr handler for log records (WARNING and up, or ``$ORDERIO_LOG_LEVEL``)."""
    level = os.environ.get("ORDERIO_LOG_LEVEL", "WARNING").strip().upper()
    if level not in _LOG_LEVELS:
        raise UserError(
            f"ORDERIO_LOG_LEVEL '{level}' is not a log level: use one of {', '.join(_LOG_LEVELS)}"
        )
    root = logging.getLogger()
    if not any(isinstance(handler, _StderrHandler) for handler in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)


def _wants_json(args: Sequence[str]) -> bool:
    """Whether ``--json`` was asked for (looked up in the words, as parsing may have failed)."""
    words = list(args)
    return "--json" in (words[: words.index("--")] if "--" in words else words)


def _fail(message: str, code: int, *, as_json: bool) -> NoReturn:
    """End with one line on stderr (and, with ``--json``, the same JSON line on stdout)."""
    line = " ".join(printable(message).split())
    if as_json:
        document = json.dumps({"error": line, "exit": code}, ensure_ascii=False)
        click.echo(document)
        click.echo(document, err=True)
    else:
        click.echo(f"orderio-tui: error: {line}", err=True)
    sys.exit(code)


def _usage_message(exc: click.ClickException) -> str:
    message = exc.format_message()
    context = getattr(exc, "ctx", None)
    if context is not None:
        message += f" (see: {context.command_path} --help)"
    return message


def main(argv: Sequence[str] | None = None) -> None:
    """Console script entry point: user errors become one line on stderr and exit 2."""
    args = list(argv) if argv is not None else sys.argv[1:]
    as_json = _wants_json(args)
    try:
        _configure_logging()
        cli.main(args=args, prog_name="orderio-tui", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", 1, as_json=as_json)
    except click.ClickException as exc:
        _fail(_usage_message(exc), exc.exit_code, as_json=as_json)
    except UserError as exc:
        _fail(exc.message, EXIT_USAGE, as_json=as_json)
    except KeyboardInterrupt:
        _fail("interrupted", 1, as_json=as_json)
    except SystemExit:
        raise
    except Exception as exc:  # programming errors: one line here, the traceback in the log
        logger.error("unexpected error", exc_info=True)
        _fail(
            f"unexpected {type(exc).__name__}: {exc} (set ORDERIO_LOG_LEVEL=DEBUG)",
            1,
            as_json=as_json,
        )
