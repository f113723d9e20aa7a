"""Arbitrary text in every command-line option: a result or one line with exit 2 (SPEC §17)."""

from __future__ import annotations

import math

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderio_tui.cli import cli, main
from orderio_tui.cli.parameters import MAX_DURATION_SECONDS
from orderio_tui.database import open_database
from orderio_tui.demo import create_demo

#: Anything a shell can pass: any text (with undecodable bytes as surrogates), numbers, names.
ARBITRARY = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(exclude_categories=[]), max_size=20),
    st.integers().map(str),
    st.integers(min_value=10**15, max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "0", "-1", "nan", "inf", "1e999", "demo-b2c", "erp-export", "--json"]),
)

#: Each command with the options (and arguments) it reads, and what makes it valid otherwise.
COMMANDS: list[tuple[list[str], list[str]]] = [
    (["orders"], ["--channel", "--status", "--limit"]),
    (["order", "00000001"], ["--channel"]),
    (["order"], [""]),
    (["runs"], ["--config", "--channel", "--limit"]),
    (["export", "list"], ["--channel"]),
    (["import", "list"], ["--channel"]),
    (["export", "run"], [""]),
    (["import", "run"], [""]),
    (["export", "run", "erp-export", "--dry-run"], ["--channel"]),
    (
        ["export", "schedule", "erp-export", "--channel", "demo-b2c"],
        ["--every", "--unit", "--at", "--weekday"],
    ),
    (["import", "schedule", "erp-status", "--channel", "demo-b2b", "--unit", "days"], ["--every"]),
    (
        ["import", "schedule", "erp-status", "--channel", "demo-b2b", "--every", "1", "--unit"],
        ["days", "--at"],
    ),
    (["export", "schedule"], [""]),
    (["demo"], ["--root", "--orders", "--seed"]),
]


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real SQLite database with a small demo (module-wide: the examples only read it)."""
    root = tmp_path_factory.mktemp("cli-properties")
    url = f"sqlite:///{root / 'orderio.db'}"
    db = open_database(url)
    create_demo(db, root / "demo", orders=20, seed=2)
    db.dispose()
    return url


def _invoke(args: list[str]) -> tuple[int, str, str]:
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return (
            code,
            out.getvalue().decode(errors="replace"),
            err.getvalue().decode(errors="replace"),
        )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(COMMANDS),
    pick=st.integers(min_value=0, max_value=10),
    value=ARBITRARY,
    as_json=st.booleans(),
)
def test_any_option_value_is_accepted_or_one_line_with_exit_2(
    database_url: str, tmp_path_factory, command, pick, value, as_json
) -> None:
    words, options = command
    option = options[pick % len(options)]
    args = ["--db", database_url, *words, *([option] if option else []), value]
    if as_json:
        args.append("--json")
    if words[0] == "demo" and option != "--root":
        args += ["--root", str(tmp_path_factory.getbasetemp() / "demo-root")]
    code, out, err = _invoke(args)
    assert "Traceback" not in err and "error: unexpected" not in err, (args, err)
    assert code in (0, 2, 3), (args, code, err)
    if code == 2:
        assert err.strip().count("\n") == 0, (args, err)
        assert err.strip(), args


@settings(max_examples=150, deadline=None)
@given(value=ARBITRARY)
def test_any_global_db_value_is_accepted_or_one_line_with_exit_2(tmp_path_factory, value) -> None:
    if value.startswith(("postgresql", "postgres")):
        value = "x" + value  # no connection attempts to made-up servers
    code, _out, err = _invoke(["--db", value, "orders"])
    assert "Traceback" not in err and "error: unexpected" not in err, (value, err)
    assert code in (0, 2)
    if code == 2:
        assert err.strip().count("\n") == 0, (value, err)


@settings(max_examples=200, deadline=None)
@given(value=ARBITRARY)
def test_the_scheduler_duration_is_a_finite_bounded_number_or_a_usage_error(value) -> None:
    command = cli.commands["scheduler"]
    try:
        context = command.make_context("scheduler", ["--duration", value])
    except click.UsageError as exc:
        assert exc.exit_code == 2
        return
    duration = context.params["duration"]
    assert math.isfinite(duration) and 0 < duration <= MAX_DURATION_SECONDS
