"""What an inbox can hold besides status files (SPEC §7.2, §7.3): FIFOs, links, names that are
not UTF-8, very long or with control characters, and files that vanish or a crash mid-way.
None of them may hang a run, fail every run, lead the import out of its directories or leave
an error report without its file."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from status_import_fixtures import Entry, ImportWorld, status_xml
from test_status_import_crash import _kill, _start, _wait_for

from orderio_tui.domain.models import Run
from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.engines.files import NotRegularFile, open_regular_file, sha256_of
from orderio_tui.engines.status_import import NAMESPACE, recover_import_run
from orderio_tui.runs.journal import RunOutcome, create_run

#: Seconds a run of a few tiny files may take at most before it counts as hanging.
HANG_SECONDS = 60


def _run_or_unblock(world: ImportWorld, fifos: list[Path]) -> RunOutcome:
    """Run the import in a thread; if it blocks on a FIFO, unblock it and fail the test."""
    result: list[RunOutcome] = []
    worker = threading.Thread(target=lambda: result.append(world.run()), daemon=True)
    worker.start()
    worker.join(HANG_SECONDS)
    if worker.is_alive():
        for fifo in fifos:  # a writer that closes at once gives the blocked reader its EOF
            for candidate in (fifo, *world.processing.glob(fifo.name)):
                if candidate.exists():
                    os.close(os.open(candidate, os.O_RDWR | os.O_NONBLOCK))
        worker.join(HANG_SECONDS)
        pytest.fail("the import blocked on a FIFO")
    return result[0]


def _good(world: ImportWorld, document_no: str) -> str:
    world.add_order(document_no)
    return status_xml([Entry(id=document_no, status="DELIVERED")])


def _abandoned_run_holding(world: ImportWorld, processing_path: Path) -> int:
    """A RUNNING import run of a process that is gone, which held ``processing_path``."""
    with world.db.write() as session:
        run = create_run(
            session,
            kind=RunKind.IMPORT,
            configuration_id=world.configuration_id,
            config_name="erp-status",
            channel_id=world.channel_ids["shop-a"],
            trigger=Trigger.MANUAL,
            dry_run=False,
        )
        run.owner = None  # no process: abandoned
        run.temp_path = str(processing_path)
        return run.id


# ---------------------------------------------------------------------- FIFOs and other files


def test_a_fifo_named_xml_is_reported_and_left_and_the_other_files_are_imported(
    world: ImportWorld,
) -> None:
    fifo = world.inbox / "a-pipe.xml"
    os.mkfifo(fifo)
    os.utime(fifo, (0, 0))
    world.deliver("b.xml", _good(world, "1001"))

    outcome = _run_or_unblock(world, [fifo])

    assert outcome.state is RunState.SUCCEEDED
    assert outcome.counts["applied"] == 1
    assert fifo.exists() and not fifo.is_file()  # left where it was
    lines = [line for line in world.log(outcome.run_id) if "a-pipe.xml" in line]
    assert len(lines) == 1 and "not a regular file" in lines[0]


def test_the_dry_run_leaves_a_fifo_alone_too(world: ImportWorld) -> None:
    fifo = world.inbox / "a-pipe.xml"
    os.mkfifo(fifo)
    os.utime(fifo, (0, 0))
    result: list[RunOutcome] = []
    worker = threading.Thread(target=lambda: result.append(world.run(dry_run=True)), daemon=True)
    worker.start()
    worker.join(HANG_SECONDS)
    if worker.is_alive():
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        pytest.fail("the dry run blocked on a FIFO")
    assert "not a regular file" in " ".join(world.log(result[0].run_id))


def test_recovery_of_a_fifo_left_in_processing_does_not_hang_the_next_run(
    world: ImportWorld,
) -> None:
    world.processing.mkdir()
    fifo = world.processing / "a-pipe.xml"
    os.mkfifo(fifo)
    run_id = _abandoned_run_holding(world, fifo)

    message = recover_import_run(world.db, run_id)
    world.deliver("b.xml", _good(world, "1001"))
    outcome = _run_or_unblock(world, [world.inbox / "a-pipe.xml", fifo])

    assert "FAILED" in message
    assert outcome.counts["applied"] == 1
    assert world.files(world.processing) == []


def test_files_are_opened_only_when_regular_and_never_through_a_link(tmp_path: Path) -> None:
    """What the run checks when it opens a file, after its scan: a swap is refused unread."""
    fifo = tmp_path / "a-pipe.xml"
    os.mkfifo(fifo)
    target = tmp_path / "target.xml"
    target.write_text("secret", encoding="utf-8")
    link = tmp_path / "a-link.xml"
    link.symlink_to(target)

    for path in (fifo, link, tmp_path):
        with pytest.raises(NotRegularFile):
            sha256_of(path)
    with open_regular_file(target) as handle:
        assert handle.read() == b"secret"


# ---------------------------------------------------------------------- symbolic links


def test_a_symlinked_file_is_not_taken(world: ImportWorld, tmp_path: Path) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text(_good(world, "1001"), encoding="utf-8")
    link = world.inbox / "a-link.xml"
    link.symlink_to(outside)
    os.utime(link, (0, 0), follow_symlinks=False)

    outcome = world.run()

    assert outcome.counts["files"] == 0
    assert world.order("1001").status == "EXPORTED"
    assert link.is_symlink() and outside.exists()
    assert "not a regular file" in " ".join(world.log(outcome.run_id))


@pytest.mark.parametrize("directory", ["processing", "archive", "error"])
def test_a_symlinked_work_directory_is_refused(
    world: ImportWorld, tmp_path: Path, directory: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (world.inbox / directory).symlink_to(elsewhere, target_is_directory=True)
    world.deliver("a.xml", _good(world, "1001"))

    outcome = world.run()

    assert outcome.state is RunState.FAILED
    assert directory in outcome.message and "symbolic link" in outcome.message
    assert list(elsewhere.iterdir()) == []
    assert (world.inbox / "a.xml").exists()
    assert world.order("1001").status == "EXPORTED"


# ---------------------------------------------------------------------- names


def test_a_name_that_is_not_utf8_is_skipped_and_the_files_after_it_are_imported(
    world: ImportWorld,
) -> None:
    bad_name = os.fsencode(world.inbox) + b"/a-\xff\xfe.xml"
    with open(bad_name, "wb") as handle:
        handle.write(_good(world, "1001").encode())
    os.utime(bad_name, (0, 0))
    world.deliver("b.xml", _good(world, "1002"))

    first = world.run()
    second = world.run()

    assert first.counts["applied"] == 1 and first.state is RunState.SUCCEEDED
    assert world.order("1002").status == "DELIVERED"
    assert second.state is RunState.SUCCEEDED
    assert os.path.exists(bad_name)  # left for someone to rename
    line = next(line for line in world.log(first.run_id) if "UTF-8" in line)
    assert "a-\\xff\\xfe.xml" in line


def test_newlines_and_bidi_overrides_in_names_are_escaped_in_the_run_log(
    world: ImportWorld,
) -> None:
    name = "a\nFAKE LINE\u202egnp.xml"
    world.deliver(name, _good(world, "1001"))

    outcome = world.run()

    assert outcome.counts["applied"] == 1
    lines = world.log(outcome.run_id)
    assert not any("\n" in line or "\u202e" in line for line in lines)
    assert any("a\\nFAKE LINE\\u202egnp.xml" in line for line in lines)


def test_a_name_of_255_characters_is_imported_and_rejections_reported(
    world: ImportWorld,
) -> None:
    name = "a" * 251 + ".xml"
    world.add_order("1001")
    world.deliver(
        name,
        status_xml([Entry(id="1001", status="DELIVERED"), Entry(id="nope", status="DELIVERED")]),
    )

    outcome = world.run()

    assert outcome.state is RunState.PARTIAL
    assert outcome.counts["applied"] == 1 and outcome.counts["rejected"] == 1
    assert world.order("1001").status == "DELIVERED"
    assert (world.archive / name).exists()
    reports = [p for p in world.archive.iterdir() if p.name.endswith(".report.txt")]
    assert len(reports) == 1 and "nope" in reports[0].read_text(encoding="utf-8")
    assert world.files(world.processing) == []


def test_a_bad_file_with_a_name_of_255_characters_goes_to_error_with_its_report(
    world: ImportWorld,
) -> None:
    name = "b" * 251 + ".xml"
    world.deliver(name, f'<orders xmlns="{NAMESPACE}"><order id="1">'.encode())

    outcome = world.run()

    assert outcome.state is RunState.FAILED
    assert (world.error / name).exists()
    reports = [p for p in world.error.iterdir() if p.name.endswith(".error.txt")]
    assert len(reports) == 1 and "not well-formed" in reports[0].read_text(encoding="utf-8")


# ---------------------------------------------------------------------- no orphan error reports


def test_killed_after_the_error_report_the_bad_file_ends_next_to_its_report(
    world: ImportWorld,
) -> None:
    world.deliver("b-bad.xml", b"<orders><order id='1'></orders>")
    child = _start(world, "after_error_report")
    _wait_for(child, "FAILPOINT import:after_error_report")
    _kill(child)

    world.run()  # recovers the killed run first

    assert world.files(world.error) == ["b-bad.xml", "b-bad.xml.error.txt"]
    assert world.files(world.processing) == []
    assert not (world.inbox / "b-bad.xml").exists()
    with world.db.read() as session:
        states = list(session.scalars(select(Run.state).order_by(Run.id)))
    assert states[0] == RunState.FAILED.value


def test_a_file_that_vanishes_from_processing_leaves_no_error_report(
    world: ImportWorld,
) -> None:
    world.deliver("a.xml", _good(world, "1001"))
    child = _start(world, "after_move", pause=2.0)
    _wait_for(child, "FAILPOINT import:after_move")
    (world.processing / "a.xml").unlink()  # taken away by someone else
    assert child.wait(timeout=60) == 0

    assert world.files(world.error) == []
    assert world.files(world.processing) == []


def test_recovery_removes_the_error_report_of_a_file_that_vanished_meanwhile(
    world: ImportWorld,
) -> None:
    world.deliver("b-bad.xml", b"<orders><order id='1'></orders>")
    child = _start(world, "after_error_report")
    _wait_for(child, "FAILPOINT import:after_error_report")
    _kill(child)
    (world.processing / "b-bad.xml").unlink()

    world.run()

    assert world.files(world.error) == []
    assert world.files(world.processing) == []
