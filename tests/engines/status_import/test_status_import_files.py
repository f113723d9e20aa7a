"""The file lifecycle of a status import run (SPEC §7, §7.2, §7.3): which files are taken and in
what order, archive / error / processing, the SHA-256 ledger, bad and unsafe files, run states."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from status_import_fixtures import Entry, ImportWorld, status_xml

from orderio_tui.domain.models import ImportConfiguration
from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.engines.status_import import NAMESPACE, recover_import_run
from orderio_tui.runs.journal import LogLine, RunOutcome, RunStarted, create_run

SECRET = "SECRET-7f1c2a-CONTENT-THAT-MUST-NOT-LEAK"


def _good(world: ImportWorld, document_no: str = "1001") -> str:
    world.add_order(document_no)
    return status_xml([Entry(id=document_no, status="DELIVERED")])


def _valid_bytes() -> bytes:
    return status_xml(
        [Entry(id=f"90{n}", status="DELIVERED", line_items=[(1, "DELIVERED")]) for n in range(20)]
    ).encode()


def _bad_files(tmp_path: Path) -> dict[str, tuple[bytes, str, bool]]:
    """name -> (content, words the .error.txt must contain, whether it names a line)."""
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET, encoding="utf-8")
    dtd_file = tmp_path / "evil.dtd"
    dtd_file.write_text(f'<!ENTITY leak "{SECRET}">', encoding="utf-8")
    valid = _valid_bytes()
    entities = "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "lol"}">' for i in range(10)
    )
    return {
        "not-well-formed.xml": (
            f'<orders xmlns="{NAMESPACE}">\n<order id="1">\n</orders>\n'.encode(),
            "not well-formed",
            True,
        ),
        "truncated.xml": (valid[: len(valid) // 2], "not well-formed", True),
        "wrong-namespace.xml": (
            valid.replace(NAMESPACE.encode(), b"http://example.com/other/ns"),
            "namespace",
            True,
        ),
        "schema-invalid.xml": (
            f'<orders xmlns="{NAMESPACE}">\n<order status="DELIVERED"/>\n</orders>\n'.encode(),
            "not valid against the order status schema",
            True,
        ),
        "xxe.xml": (
            (
                f'<?xml version="1.0"?>\n<!DOCTYPE orders [<!ENTITY xxe SYSTEM '
                f'"file://{secret_file}">]>\n<orders xmlns="{NAMESPACE}">'
                '<order id="&xxe;" status="DELIVERED"/></orders>\n'
            ).encode(),
            "DOCTYPE",
            True,
        ),
        "entity-bomb.xml": (
            (
                f'<?xml version="1.0"?>\n<!DOCTYPE orders [{entities}]>\n'
                f'<orders xmlns="{NAMESPACE}"><order id="&lol9;"/></orders>\n'
            ).encode(),
            "DOCTYPE",
            True,
        ),
        "external-dtd.xml": (
            (
                f'<?xml version="1.0"?>\n<!DOCTYPE orders SYSTEM "file://{dtd_file}">\n'
                f'<orders xmlns="{NAMESPACE}"><order id="&leak;"/></orders>\n'
            ).encode(),
            "DOCTYPE",
            True,
        ),
        "too-big.xml": (valid + b"<!--" + b"x" * 5000 + b"-->", "size limit", False),
        "empty.xml": (b"", "empty", False),
        "binary.xml": (bytes(range(256)) * 8, "not text", False),
    }


@pytest.mark.parametrize(
    "name",
    [
        "not-well-formed.xml",
        "truncated.xml",
        "wrong-namespace.xml",
        "schema-invalid.xml",
        "xxe.xml",
        "entity-bomb.xml",
        "external-dtd.xml",
        "too-big.xml",
        "empty.xml",
        "binary.xml",
    ],
)
def test_a_bad_file_goes_to_error_untouched_with_a_report_and_the_run_goes_on(
    world: ImportWorld, tmp_path: Path, name: str
) -> None:
    content, words, names_a_line = _bad_files(tmp_path)[name]
    world.add_orders(f"90{n}" for n in range(20))
    good = _good(world, "1001")
    world.set_service(max_file_size=len(_valid_bytes()) + 100)
    before = world.snapshot()
    world.deliver(name, content)
    world.deliver("zz-good.xml", good)

    outcome = world.run()

    assert outcome.state is RunState.PARTIAL
    assert outcome.exit_code == 3
    assert outcome.counts["files"] == 2
    assert outcome.counts["applied"] == 1
    assert (world.error / name).read_bytes() == content
    report = (world.error / f"{name}.error.txt").read_text(encoding="utf-8")
    assert words in report
    if names_a_line:
        assert "line " in report
    assert world.files(world.inbox) == ["archive", "error", "processing"]
    assert world.files(world.archive) == ["zz-good.xml"]
    assert world.files(world.processing) == []
    after = world.snapshot()
    del after[("shop-a", "1001")], before[("shop-a", "1001")]
    assert after == before  # nothing of the bad file applied
    assert world.order("1001").status == "DELIVERED"
    assert all(entry.file_name == "zz-good.xml" for entry in world.ledger())
    texts = [report, outcome.message, *world.log(outcome.run_id)]
    texts += [f"{r.reason_text}" for r in world.results()]
    assert not any(SECRET in text for text in texts)


def test_a_run_of_only_bad_files_fails(world: ImportWorld, tmp_path: Path) -> None:
    world.deliver("a.xml", b"")
    world.deliver("b.xml", b"<orders")

    outcome = world.run()

    assert outcome.state is RunState.FAILED
    assert outcome.exit_code == 1
    assert world.files(world.error) == ["a.xml", "a.xml.error.txt", "b.xml", "b.xml.error.txt"]


def test_files_are_taken_in_name_order(world: ImportWorld) -> None:
    world.add_order("1001")
    world.deliver("b.xml", status_xml([Entry(id="1001", status="RETURNED")]))
    world.deliver("c.xml", status_xml([Entry(id="1001", status="COMPLETED")]))
    world.deliver("a.xml", status_xml([Entry(id="1001", status="DELIVERED")]))

    outcome = world.run()

    assert outcome.counts["applied"] == 3
    transitions = [(h.from_status, h.to_status) for h in world.history("1001")]
    assert transitions == [
        ("EXPORTED", "DELIVERED"),
        ("DELIVERED", "RETURNED"),
        ("RETURNED", "COMPLETED"),
    ]
    assert [Path(p).name for p in outcome.files] == ["a.xml", "b.xml", "c.xml"]


def test_files_still_being_written_are_left_in_the_inbox(world: ImportWorld) -> None:
    good = _good(world)
    world.deliver("late.xml.part", good)
    world.deliver("late.xml.tmp", good)
    world.deliver("young.xml", good, age=0.0)
    world.deliver("notes.txt", "not a status file")

    outcome = world.run()

    assert outcome.state is RunState.SUCCEEDED
    assert outcome.counts["files"] == 0
    assert sorted(world.files(world.inbox)) == [
        "archive",
        "error",
        "late.xml.part",
        "late.xml.tmp",
        "notes.txt",
        "processing",
        "young.xml",
    ]
    log = "\n".join(world.log(outcome.run_id))
    assert "young.xml left in the inbox" in log
    assert "late.xml.part left in the inbox" in log
    assert world.order("1001").status == "EXPORTED"


def test_no_files_is_a_succeeded_run_with_a_log_line(world: ImportWorld) -> None:
    outcome = world.run()

    assert outcome.state is RunState.SUCCEEDED
    assert outcome.counts == dict.fromkeys(
        ("files", "applied", "unchanged", "rejected", "duplicates"), 0
    )
    assert any("no files matching *.xml" in line for line in world.log(outcome.run_id))


def test_a_missing_inbox_fails_the_run_naming_the_directory(world: ImportWorld) -> None:
    missing = world.root / "nowhere" / "inbox"
    world.set_service(directory=str(missing))

    outcome = world.run()

    assert outcome.state is RunState.FAILED
    assert outcome.exit_code == 1
    assert str(missing) in outcome.message


def test_a_disabled_service_fails_the_run(world: ImportWorld) -> None:
    world.deliver("a.xml", _good(world))
    world.set_service(enabled=False)

    outcome = world.run()

    assert outcome.state is RunState.FAILED
    assert "disabled" in outcome.message
    assert world.files(world.inbox) == ["a.xml"]


def test_the_same_bytes_again_under_another_name_are_a_duplicate(world: ImportWorld) -> None:
    content = _good(world)
    world.deliver("first.xml", content)
    first = world.run()
    assert first.counts["applied"] == 1
    world.add_order("1002")
    before = world.snapshot()
    world.deliver("second.xml", content)

    second = world.run()

    assert second.state is RunState.SUCCEEDED
    assert second.counts == {
        "files": 1,
        "applied": 0,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 1,
    }
    assert world.snapshot() == before
    assert world.files(world.archive) == ["first.xml", "second.xml"]
    assert any("duplicate" in line for line in world.log(second.run_id))
    assert world.results(second.run_id) == []


def test_two_identical_files_in_one_run_apply_once(world: ImportWorld) -> None:
    content = _good(world)
    world.deliver("a.xml", content)
    world.deliver("b.xml", content)

    outcome = world.run()

    assert (outcome.counts["applied"], outcome.counts["duplicates"]) == (1, 1)
    assert len(world.ledger()) == 1


def test_an_archived_name_that_is_taken_gets_the_run_id(world: ImportWorld) -> None:
    world.deliver("a.xml", _good(world, "1001"))
    world.run()
    world.deliver("a.xml", _good(world, "1002"))

    second = world.run()

    assert world.files(world.archive) == ["a-run2.xml", "a.xml"]
    assert second.files == [str(world.archive / "a-run2.xml")]


def test_archive_and_error_directories_can_be_elsewhere(world: ImportWorld) -> None:
    archive = world.root / "done"
    error = world.root / "bad"
    world.set_service(archive_directory=str(archive), error_directory=str(error))
    world.deliver("a.xml", _good(world))
    world.deliver("b.xml", b"junk")

    world.run()

    assert world.files(archive) == ["a.xml"]
    assert world.files(error) == ["b.xml", "b.xml.error.txt"]


def test_dry_run_reports_and_changes_nothing(world: ImportWorld) -> None:
    world.add_order("1002", "NEW")
    world.deliver(
        "a.xml",
        status_xml([Entry(id="1001", status="DELIVERED"), Entry(id="1002", status="DELIVERED")]),
    )
    world.add_order("1001")
    world.deliver("b.xml", b"junk")
    before = world.snapshot()

    outcome = world.run(dry_run=True)

    assert outcome.dry_run
    assert outcome.state is RunState.PARTIAL
    assert (outcome.counts["applied"], outcome.counts["rejected"]) == (1, 1)
    assert world.snapshot() == before
    assert world.history() == []
    assert world.ledger() == []
    assert world.files(world.inbox) == ["a.xml", "b.xml"]
    assert sorted(r.outcome for r in world.results(outcome.run_id)) == ["applied", "rejected"]
    assert world.run_row(outcome.run_id).dry_run

    real = world.run()
    assert real.counts["applied"] == 1  # the dry run recorded nothing in the ledger


def test_a_second_run_while_one_is_active_is_skipped(world: ImportWorld) -> None:
    world.deliver("a.xml", _good(world))
    with world.db.write() as session:
        configuration = session.get(ImportConfiguration, world.configuration_id)
        assert configuration is not None
        active = create_run(
            session,
            kind=RunKind.IMPORT,
            configuration_id=configuration.id,
            config_name=configuration.name,
            channel_id=configuration.channel_id,
            trigger=Trigger.SCHEDULE,
        )
        active_id = active.id

    outcome = world.run()

    assert outcome.state is RunState.SKIPPED
    assert str(active_id) in outcome.message
    assert world.files(world.inbox) == ["a.xml"]
    assert "still active" in recover_import_run(world.db, active_id)


def test_a_name_still_in_processing_is_left_in_the_inbox(world: ImportWorld) -> None:
    world.processing.mkdir()
    (world.processing / "a.xml").write_text("held by another run", encoding="utf-8")
    world.deliver("a.xml", _good(world))

    outcome = world.run()

    assert outcome.state is RunState.FAILED
    assert world.files(world.inbox) == ["a.xml", "archive", "error", "processing"]
    assert world.order("1001").status == "EXPORTED"


def test_events_start_with_the_run_and_end_with_its_outcome(world: ImportWorld) -> None:
    world.deliver("a.xml", _good(world))

    outcome = world.run()

    assert isinstance(world.events[0], RunStarted)
    assert world.events[0].run_id == outcome.run_id
    assert isinstance(world.events[-1], RunOutcome)
    assert world.events[-1] == outcome
    lines = [event.message for event in world.events if isinstance(event, LogLine)]
    assert lines == world.log(outcome.run_id)


def test_two_configurations_sharing_an_inbox_take_each_file_once(world: ImportWorld) -> None:
    for number in range(6):
        world.add_orders([f"A{number}"])
        world.add_orders([f"B{number}"], channel="shop-b")
        entries = [Entry(id=f"A{number}", status="DELIVERED")]
        entries.append(Entry(id=f"B{number}", status="DELIVERED"))
        world.deliver(f"{number}.xml", status_xml(entries))
    outcomes: list[RunOutcome] = []

    def run(configuration_id: int) -> None:
        outcomes.append(world.run(configuration_id=configuration_id))

    threads = [
        threading.Thread(target=run, args=(configuration_id,))
        for configuration_id in (world.configuration_id, world.other_configuration_id)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == 2
    assert sum(outcome.counts["files"] for outcome in outcomes) == 6
    assert world.files(world.archive) == [
        name for number in range(6) for name in (f"{number}.xml", f"{number}.xml.report.txt")
    ]
    assert world.files(world.processing) == []
    assert len(world.ledger()) == 6
    applied = sum(outcome.counts["applied"] for outcome in outcomes)
    assert applied == 6  # each file applied by one configuration, for its own channel's order
    assert all(outcome.counts["rejected"] == outcome.counts["files"] for outcome in outcomes)
