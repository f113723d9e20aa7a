"""The intake engine (SPEC §13): order files from an inbox, taken in exactly once (§7.2, §7.3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from intake_fixtures import b2b_order, orders_file
from progress_checks import progress_of_run
from sqlalchemy import func, select

from orderio_tui.application.channels import remove_channel
from orderio_tui.application.config_file.dump import dump_config
from orderio_tui.application.config_file.plan import apply_config
from orderio_tui.application.configurations import list_configurations
from orderio_tui.application.runs import run_detail
from orderio_tui.application.services import create_service, with_defaults
from orderio_tui.cli import cli
from orderio_tui.database import Database
from orderio_tui.domain.models import (
    Channel,
    IntakeConfiguration,
    IntakeFile,
    Order,
    RunResultRow,
    Service,
)
from orderio_tui.domain.statuses import RunKind, RunState, ServiceKind, Trigger
from orderio_tui.engines.intake.engine import BATCH_SIZE
from orderio_tui.engines.intake.icm_xml import IcmOrderReader
from orderio_tui.errors import UserError, ValidationFailed
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.jobs.recovery import recover_abandoned_runs
from orderio_tui.jobs.scheduler import scheduled_configurations
from orderio_tui.runs.journal import RunEvents
from orderio_tui.runs.progress import PROGRESS_INTERVAL_ENV_VAR

XXE = """<?xml version="1.0"?>
<!DOCTYPE orders [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<orders xmlns="http://www.intershop.com/xml/ns/intershop/order/2.0">&secret;</orders>
"""


def _old(path: Path) -> Path:
    moment = time.time() - 60
    os.utime(path, (moment, moment))
    return path


@pytest.fixture
def intake(db: Database, tmp_path: Path) -> tuple[Database, Path, int]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with db.write() as session:
        channel = Channel(name="b2b", store="Nordwerk-B2B", currency="EUR")
        service = Service(name="shop-in", kind=ServiceKind.INTAKE_XML.value, directory=str(inbox))
        session.add_all([channel, service])
        session.flush()
        row = IntakeConfiguration(channel_id=channel.id, name="shop-orders", service_id=service.id)
        session.add(row)
        session.flush()
        return db, inbox, row.id


def _run(db: Database, configuration_id: int):
    return run_configuration(db, RunKind.INTAKE, configuration_id, trigger=Trigger.CLI)


def _orders(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


def test_an_order_file_is_taken_in_once_and_again_is_a_duplicate(intake) -> None:
    db, inbox, configuration_id = intake
    _old(orders_file(inbox / "a.xml", b2b_order("B-1"), b2b_order("B-2")))
    first = _run(db, configuration_id)
    assert first.state is RunState.SUCCEEDED, first.message
    assert first.counts == {
        "files": 1,
        "created": 2,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 0,
    }
    assert (inbox / "archive" / "a.xml").exists()
    _old(orders_file(inbox / "again.xml", b2b_order("B-1"), b2b_order("B-2")))
    second = _run(db, configuration_id)
    assert second.counts["duplicates"] == 1 and second.counts["created"] == 0
    assert _orders(db) == 2
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(IntakeFile)) == 1


def test_orders_already_there_are_unchanged_or_rejected_and_twice_in_a_file_rejected(
    intake,
) -> None:
    db, inbox, configuration_id = intake
    _old(orders_file(inbox / "a.xml", b2b_order("B-1"), b2b_order("B-2")))
    _run(db, configuration_id)
    other = b2b_order("B-2").replace("PO-4711", "PO-9999")
    _old(orders_file(inbox / "b.xml", b2b_order("B-1"), other, b2b_order("B-3"), b2b_order("B-3")))
    outcome = _run(db, configuration_id)
    assert outcome.state is RunState.PARTIAL
    assert outcome.counts["created"] == 1  # B-3
    assert outcome.counts["unchanged"] == 1
    assert outcome.counts["rejected"] == 2
    report = (inbox / "archive" / "b.xml.report.txt").read_text()
    assert "already exists with other content" in report
    assert "TWICE_IN_FILE" in report
    with db.read() as session:
        outcomes = sorted(
            session.scalars(
                select(RunResultRow.outcome).where(RunResultRow.run_id == outcome.run_id)
            )
        )
    assert outcomes == ["created", "rejected", "rejected", "unchanged"]


def test_an_xxe_file_goes_to_the_error_directory_and_creates_nothing(intake) -> None:
    db, inbox, configuration_id = intake
    (inbox / "evil.xml").write_text(XXE)
    _old(inbox / "evil.xml")
    outcome = _run(db, configuration_id)
    assert outcome.state is RunState.FAILED
    report = inbox / "error" / "evil.xml.error.txt"
    assert (inbox / "error" / "evil.xml").exists() and report.exists()
    assert "&secret;" not in report.read_text() or "ENTITY" not in report.read_text()
    assert _orders(db) == 0


def test_intake_run_json_prints_the_run_object_with_the_intake_counts(intake, db_url: str) -> None:
    db, inbox, _ = intake
    _old(orders_file(inbox / "a.xml", b2b_order("B-1")))
    result = CliRunner().invoke(cli, ["--db", db_url, "intake", "run", "shop-orders", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "intake" and data["counts"]["created"] == 1
    listed = CliRunner().invoke(cli, ["--db", db_url, "intake", "list", "--json"])
    assert json.loads(listed.stdout)[0]["name"] == "shop-orders"


CHILD = """
import sys
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import Trigger
from orderio_tui.engines.intake.engine import run_intake

outcome = run_intake(open_database(sys.argv[1]), int(sys.argv[2]), trigger=Trigger.CLI)
print(outcome.state.value, flush=True)
"""


@pytest.mark.parametrize(
    "point",
    [
        "after_intent",
        "after_move",
        "mid_apply",
        "before_commit",
        "after_commit",
        "after_archive",
        "after_error_report",
    ],
)
def test_sigkill_at_every_intake_failpoint_takes_every_file_in_once(intake, point: str) -> None:
    db, inbox, configuration_id = intake
    _old(orders_file(inbox / "a.xml", b2b_order("B-1"), b2b_order("B-2")))
    (inbox / "b-bad.xml").write_text("<orders><order id='1'></orders>")
    _old(inbox / "b-bad.xml")
    _old(orders_file(inbox / "c.xml", b2b_order("B-3")))
    env = dict(os.environ, ORDERIO_FAILPOINT=f"intake:{point}")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db.url, str(configuration_id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = child.stderr.readline()
        if "FAILPOINT" in line:
            break
        assert line or child.poll() is None, f"child ended before {point}"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()  # type: ignore[union-attr]
    child.stderr.close()
    recover_abandoned_runs(db)
    assert list((inbox / "processing").iterdir()) == []
    final = _run(db, configuration_id)
    assert final.state in (RunState.SUCCEEDED, RunState.PARTIAL, RunState.FAILED)
    with db.read() as session:
        numbers = sorted(session.scalars(select(Order.document_no)))
        ledger = session.scalar(select(func.count()).select_from(IntakeFile))
    assert numbers == ["B-1", "B-2", "B-3"]
    assert ledger == 2
    assert sorted(p.name for p in (inbox / "archive").iterdir() if p.suffix == ".xml") == [
        "a.xml",
        "c.xml",
    ]
    assert (inbox / "error" / "b-bad.xml").exists()


def test_ignored_elements_are_named_once_with_their_count_in_the_run_log(intake) -> None:
    db, inbox, configuration_id = intake
    _old(orders_file(inbox / "a.xml", b2b_order("B-1"), b2b_order("B-2")))
    outcome = _run(db, configuration_id)
    messages = [line.message for line in run_detail(db, outcome.run_id).log]
    ignored = [m for m in messages if m.startswith("a.xml: element")]
    assert ignored == [
        "a.xml: element order/order-header/order-attributes ignored (2x); orderio does not hold it"
    ]


def test_an_intake_table_of_the_configuration_file_is_applied_and_dumped(
    tmp_path: Path, db: Database
) -> None:
    inbox = tmp_path / "shop-inbox"
    inbox.mkdir()
    text = f"""
[[channel]]
name = "shop"
currency = "USD"

[[service]]
name = "shop-in"
kind = "order-intake-jsonl"
directory = "{inbox}"
file_pattern = "*.jsonl"

[[intake]]
channel = "shop"
name = "shop-orders"
service = "shop-in"

[intake.schedule]
mode = "interval"
every = 1
unit = "minutes"
"""
    plan = apply_config(db, text)
    assert plan.applied
    rows = list_configurations(db, RunKind.INTAKE, "shop")
    assert [(r.name, r.service_kind, r.schedule.every) for r in rows] == [
        ("shop-orders", "order-intake-jsonl", 1)
    ]
    dumped = dump_config(db)
    assert "[[intake]]" in dumped and "[intake.schedule]" in dumped
    assert not [c for c in apply_config(db, dumped).changes if c.action != "unchanged"]


def test_a_json_lines_file_is_taken_in_and_its_bad_line_reported_by_number(
    intake, tmp_path: Path
) -> None:
    db, inbox, configuration_id = intake
    with db.write() as session:
        service = session.scalar(select(Service))
        service.kind = ServiceKind.INTAKE_JSONL.value
        service.file_pattern = "*.jsonl"
    (document,) = (
        parsed.document
        for parsed in IcmOrderReader(orders_file(tmp_path / "one.xml", b2b_order("J-1")))
    )
    (inbox / "orders.jsonl").write_text(json.dumps(document) + "\n{not json\n")
    _old(inbox / "orders.jsonl")
    outcome = _run(db, configuration_id)
    assert outcome.state is RunState.PARTIAL
    assert outcome.counts["created"] == 1 and outcome.counts["rejected"] == 1
    report = (inbox / "archive" / "orders.jsonl.report.txt").read_text()
    assert "line 2: order '?': UNREADABLE_ORDER: not valid JSON" in report


def test_a_dry_run_says_what_would_be_created_and_changes_nothing(intake) -> None:
    db, inbox, configuration_id = intake
    _old(orders_file(inbox / "a.xml", b2b_order("B-1"), b2b_order("B-2")))
    outcome = run_configuration(
        db, RunKind.INTAKE, configuration_id, trigger=Trigger.CLI, dry_run=True
    )
    assert outcome.counts["created"] == 2
    assert (inbox / "a.xml").exists() and _orders(db) == 0
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(IntakeFile)) == 0


def test_intake_schedule_puts_the_intake_into_the_scheduler(intake, db_url: str) -> None:
    db, _, configuration_id = intake
    result = CliRunner().invoke(
        cli,
        ["--db", db_url, "intake", "schedule", "shop-orders", "--every", "5", "--unit", "minutes"],
    )
    assert result.exit_code == 0, result.output
    scheduled = [(c.kind, c.configuration_id) for c in scheduled_configurations(db)]
    assert (RunKind.INTAKE, configuration_id) in scheduled


def test_an_intake_service_may_not_share_the_inbox_of_a_status_import_service(intake) -> None:
    db, inbox, _ = intake
    with pytest.raises(ValidationFailed) as refused:
        create_service(
            db, with_defaults(ServiceKind.STATUS_IMPORT_XML, name="erp-in", directory=str(inbox))
        )
    assert "shop-in" in str(refused.value)


def test_a_file_that_creates_orders_moves_the_channel_order_version(intake) -> None:
    db, inbox, configuration_id = intake
    _old(orders_file(inbox / "a.xml", b2b_order("B-1")))
    _run(db, configuration_id)
    _old(orders_file(inbox / "b.xml", b2b_order("B-1"), b2b_order("B-1", extra=" ")))
    _run(db, configuration_id)  # nothing new: unchanged and rejected only
    with db.read() as session:
        assert session.scalar(select(Channel.orders_version)) == 1


def test_a_channel_with_an_intake_configuration_is_not_removed(intake) -> None:
    db, _, _ = intake
    with pytest.raises(UserError) as refused, db.write() as session:
        remove_channel(session, "b2b")
    assert "intake configuration shop-orders" in str(refused.value)


def test_intake_progress_counts_files_and_orders_taken_in_and_ends_complete(
    intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, inbox, configuration_id = intake
    monkeypatch.setenv(PROGRESS_INTERVAL_ENV_VAR, "0")
    many = BATCH_SIZE + 100
    _old(orders_file(inbox / "a.xml", *(b2b_order(f"B-{n}") for n in range(many))))
    _old(orders_file(inbox / "b.xml", b2b_order("C-1")))
    events = RunEvents()
    seen: list[object] = []
    events.subscribe(seen.append)
    outcome = run_configuration(
        db, RunKind.INTAKE, configuration_id, trigger=Trigger.CLI, events=events
    )
    assert outcome.counts["created"] == many + 1
    progress = progress_of_run(seen, outcome.run_id, "files")
    # Orders are counted per batch as they are taken in, files as each one ends.
    assert [(e.done, e.total, e.entries) for e in progress] == [
        (0, 2, BATCH_SIZE),
        (0, 2, many),
        (1, 2, many),
        (1, 2, many + 1),
        (2, 2, many + 1),
    ]
    assert {e.kind for e in progress} == {RunKind.INTAKE}


def test_document_numbers_are_checked_across_the_batches_of_one_file(intake) -> None:
    db, inbox, configuration_id = intake
    _old(orders_file(inbox / "a.xml", b2b_order("E-1"), b2b_order("F-1")))
    _run(db, configuration_id)
    numbers = [f"N-{n:05d}" for n in range(BATCH_SIZE + 2)]
    numbers[0] = "D-1"
    numbers[BATCH_SIZE - 1] = "E-1"  # the first batch's last: stored with the same content
    numbers[BATCH_SIZE] = "D-1"  # the second batch's first: the file's first order again
    orders = [b2b_order(number) for number in numbers]
    orders[BATCH_SIZE + 1] = b2b_order("F-1").replace("PO-4711", "PO-9999")
    _old(orders_file(inbox / "b.xml", *orders))
    outcome = _run(db, configuration_id)
    assert outcome.counts == {
        "files": 1,
        "created": BATCH_SIZE - 1,
        "unchanged": 1,
        "rejected": 2,
        "duplicates": 0,
    }
    with db.read() as session:
        rejected = dict(
            session.execute(
                select(RunResultRow.document_no, RunResultRow.reason_code).where(
                    RunResultRow.run_id == outcome.run_id, RunResultRow.outcome == "rejected"
                )
            ).all()
        )
        stored = session.scalar(select(func.count()).select_from(Order))
    assert rejected == {"D-1": "TWICE_IN_FILE", "F-1": "EXISTS_WITH_OTHER_CONTENT"}
    assert stored == 2 + BATCH_SIZE - 1


def test_a_rejected_order_in_the_middle_of_a_batch_leaves_its_neighbours_created(intake) -> None:
    db, inbox, configuration_id = intake
    unreadable = b2b_order("M-2").replace(">50.00</icm:item-price>", ">fifty</icm:item-price>")
    invalid = b2b_order("M-4", status="NOWHERE")  # read, but no order status orderio knows
    _old(
        orders_file(
            inbox / "a.xml",
            b2b_order("M-1"),
            unreadable,
            b2b_order("M-3"),
            invalid,
            b2b_order("M-5"),
        )
    )
    outcome = _run(db, configuration_id)
    assert outcome.state is RunState.PARTIAL
    assert outcome.counts["created"] == 3 and outcome.counts["rejected"] == 2
    with db.read() as session:
        assert sorted(session.scalars(select(Order.document_no))) == ["M-1", "M-3", "M-5"]
        outcomes = dict(
            session.execute(
                select(RunResultRow.document_no, RunResultRow.reason_code).where(
                    RunResultRow.run_id == outcome.run_id
                )
            ).all()
        )
    assert outcomes == {
        "M-1": None,
        "M-2": "UNREADABLE_ORDER",
        "M-3": None,
        "M-4": "INVALID_ORDER",
        "M-5": None,
    }
