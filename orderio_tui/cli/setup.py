"""Command groups for setting orderio up from nothing (SPEC §12): `channel`, `service`, `config`.

They are registered on the root group in :mod:`orderio_tui.cli`; the database comes from the
root group's context object, errors go through the root's handling (one line, exit 2).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import click

from ..errors import UserError
from .context import EXIT_USAGE, Context, print_json, table

# --------------------------------------------------------------------------- channel


@click.group("channel")
def channel_group() -> None:
    """Sales channels: list, add, edit, remove."""


@channel_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def channel_list(context: Context, as_json: bool) -> None:
    """List the channels."""
    from ..application.channels import list_channels

    channels = list_channels(context.db)
    if as_json:
        print_json([c.to_json() for c in channels])
        return
    table(
        ["NAME", "DISPLAY NAME", "STORE", "CURRENCY", "LOCALE", "TIME ZONE"],
        [(c.name, c.display_name, c.store, c.currency, c.locale, c.timezone) for c in channels],
    )


def _channel_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option("--display-name", help="Name shown in the TUI."),
            click.option("--store", help="Store name written into exports (default: NAME)."),
            click.option("--currency", help="ISO 4217 currency code (default EUR)."),
            click.option("--locale", help="Locale such as de_DE (default en_US)."),
            click.option("--timezone", help="IANA time zone such as Europe/Berlin (default UTC)."),
            click.option("--json", "as_json", is_flag=True),
        ]
    ):
        command = option(command)
    return command


def _given(
    display_name: str | None,
    store: str | None,
    currency: str | None,
    locale: str | None,
    timezone: str | None,
) -> dict[str, str]:
    """The channel options given on the command line, by form field."""
    options = {
        "display_name": display_name,
        "store": store,
        "currency": currency,
        "locale": locale,
        "timezone": timezone,
    }
    return {field: value for field, value in options.items() if value is not None}


def _show_channel(view: Any, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(view.to_json())
    else:
        click.echo(
            f"channel '{view.name}' {verb}: {view.currency}, {view.locale}, {view.timezone}, "
            f"store {view.store}"
        )


@channel_group.command("add")
@click.argument("name")
@_channel_options
@click.pass_obj
def channel_add(
    context: Context,
    name: str,
    display_name: str | None,
    store: str | None,
    currency: str | None,
    locale: str | None,
    timezone: str | None,
    as_json: bool,
) -> None:
    """Add a channel."""
    from ..application.channels import ChannelForm, channel_problems, create_channel
    from ..errors import ValidationFailed

    given = _given(display_name, store, currency, locale, timezone)
    form = ChannelForm(name, **given)
    problems = channel_problems(None, form)
    if problems:  # before a new database would be created for nothing
        raise ValidationFailed(problems)
    _show_channel(create_channel(context.open(create=True), form), "added", as_json)


@channel_group.command("edit")
@click.argument("name")
@_channel_options
@click.pass_obj
def channel_edit(
    context: Context,
    name: str,
    display_name: str | None,
    store: str | None,
    currency: str | None,
    locale: str | None,
    timezone: str | None,
    as_json: bool,
) -> None:
    """Change the given fields of a channel."""
    from dataclasses import replace

    from ..application.channels import load_channel_form, update_channel

    given = _given(display_name, store, currency, locale, timezone)
    form = replace(load_channel_form(context.db, name), **given)
    _show_channel(update_channel(context.db, name, form), "changed", as_json)


@channel_group.command("remove")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def channel_remove(context: Context, name: str, as_json: bool) -> None:
    """Remove a channel that nothing uses (no configurations, orders or runs)."""
    from ..application.channels import delete_channel

    delete_channel(context.db, name)
    if as_json:
        print_json({"removed": name})
    else:
        click.echo(f"channel '{name}' removed")


# --------------------------------------------------------------------------- service


@click.group("service")
def service_group() -> None:
    """Services (the configuration types): list, test."""


@service_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def service_list(context: Context, as_json: bool) -> None:
    """List the services with their directories and the configurations that use them."""
    from ..application.services import list_services

    services = list_services(context.db)
    if as_json:
        print_json([s.to_json() for s in services])
        return
    table(
        ["NAME", "KIND", "DIRECTORY", "ENABLED", "USED BY"],
        [
            (s.name, s.kind.value, s.directory, "yes" if s.enabled else "no", ", ".join(s.used_by))
            for s in services
        ],
    )


@service_group.command("test")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def service_test(context: Context, name: str, as_json: bool) -> None:
    """Check that a service can work now (directories, stylesheet); exit 1 when it cannot."""
    from ..application.service_checks import check_service

    report = check_service(context.db, name)
    if as_json:
        print_json(report.to_json())
    else:
        click.echo(f"service '{report.service}' ({report.kind}): {'ok' if report.ok else 'FAILED'}")
        for check in report.checks:
            click.echo(f"  {'ok  ' if check.ok else 'FAIL'} {check.check}: {check.detail}")
    if not report.ok:
        raise SystemExit(1)


# --------------------------------------------------------------------------- config


@click.group("config")
def config_group() -> None:
    """The whole set-up as one TOML file: dump, check, apply."""


@config_group.command("dump")
@click.option("--channel", help="Only this channel, its configurations and their services.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.pass_obj
def config_dump(context: Context, channel: str | None, output: Path | None) -> None:
    """Write every channel, service and configuration as a configuration file."""
    from ..application.config_file import dump_config, write_file

    text = dump_config(context.db, channel)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_file(output, text)
        click.echo(f"wrote {output}", err=True)


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"'{path}' is not UTF-8 text ({exc.reason}): save it as UTF-8") from None
    except OSError as exc:
        raise UserError(f"cannot read '{path}': {exc.strerror or exc}") from None


def _apply(context: Context, path: Path, *, prune: bool, commit: bool, as_json: bool) -> Any:
    """Apply (or check) the file; its problems go to stderr, one per line, and exit 2."""
    from ..application.config_file import ConfigInvalid, apply_config
    from ..database import open_database, sqlite_file_missing

    text = _read_file(path)
    try:
        if commit:
            return apply_config(context.open(create=True), text, prune=prune, commit=True)
        if sqlite_file_missing(context.db_url):
            # Checking against a database that does not exist yet: an empty one, thrown away.
            with tempfile.TemporaryDirectory(prefix="orderio-check-") as directory:
                empty = open_database(f"sqlite:///{Path(directory) / 'check.db'}")
                try:
                    return apply_config(empty, text, prune=prune, commit=False)
                finally:
                    empty.dispose()
        return apply_config(context.db, text, prune=prune, commit=False)
    except ConfigInvalid as invalid:
        lines = [problem.render(str(path)) for problem in invalid.problems]
        summary = f"{len(lines)} problem{'s' if len(lines) != 1 else ''}; nothing was changed"
        if as_json:
            print_json(
                {
                    "error": summary,
                    "exit": EXIT_USAGE,
                    "problems": [
                        {"file": str(path), **problem.to_json()} for problem in invalid.problems
                    ],
                }
            )
        for line in lines:
            click.echo(line, err=True)
        click.echo(f"orderio-tui: error: {summary}", err=True)
        raise SystemExit(EXIT_USAGE) from None


@config_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def config_check(context: Context, file: Path) -> None:
    """Check a configuration file against the database; every problem as FILE:LINE: key: …"""
    plan = _apply(context, file, prune=False, commit=False, as_json=False)
    click.echo(f"{file}: ok (applying it now: {plan.summary})")


@config_group.command("apply")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--prune", is_flag=True, help="Also delete what the file does not name.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def config_apply(context: Context, file: Path, dry_run: bool, prune: bool, as_json: bool) -> None:
    """Make the database match a configuration file, in one transaction."""
    plan = _apply(context, file, prune=prune, commit=not dry_run, as_json=as_json)
    if as_json:
        print_json({"file": str(file), "dry_run": dry_run, **plan.to_json()})
        return
    for line in plan.lines():
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    elif plan.summary != "0 changes":
        click.echo("Applied.")


COMMAND_GROUPS = (channel_group, service_group, config_group)
