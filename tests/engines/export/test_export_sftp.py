"""Export delivery over SFTP against a real OpenSSH server (SPEC §15).

The invariant of §7.1 with the remote directory as "published": after recovery an order is
EXPORTED if and only if it is in exactly one final file on the server, and no temporary file is
left there or in the local staging directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from export_fixtures import NS, Shop, package_schema, start_export_process
from lxml import etree
from progress_checks import progress_of_run
from sftp_server import SshServer, _descendants
from sqlalchemy import func, select

from orderio_tui.domain.models import ExportClaim, Run
from orderio_tui.domain.statuses import RunState, Trigger
from orderio_tui.engines.export import recover_abandoned_export_runs, run_export
from orderio_tui.runs.journal import RunEvents


def _use_sftp(shop: Shop, sshd: SshServer, **overrides: object) -> None:
    settings = sshd.settings()
    stored = {
        "host": settings.host,
        "port": settings.port,
        "user": settings.user,
        "key_file": settings.key_file,
        "known_hosts": settings.known_hosts,
        "remote_directory": settings.remote_directory,
        **overrides,
    }
    shop.set_service(transport="sftp", sftp=stored)


def _remote_orders(sshd: SshServer) -> dict[str, list[str]]:
    """Document numbers per final file on the server (each a valid document)."""
    schema = package_schema()
    found = {}
    for path in sorted(sshd.remote.iterdir()):
        if path.name.startswith("."):
            continue
        document = etree.parse(str(path))
        assert schema.validate(document), schema.error_log
        found[path.name] = document.getroot().xpath(
            "o:order/o:order-header/o:order-info/o:document-no/text()", namespaces=NS
        )
    return found


def _check_delivered_exactly_once(shop: Shop, sshd: SshServer) -> dict[str, list[str]]:
    assert [p.name for p in sshd.remote.iterdir() if p.name.startswith(".")] == []
    assert [p.name for p in shop.export_dir.iterdir() if p.name.startswith(".")] == []
    delivered = _remote_orders(sshd)
    counted = Counter(n for numbers in delivered.values() for n in numbers)
    assert [n for n, times in counted.items() if times > 1] == []
    exported = {n for n, status in shop.statuses().items() if status == "EXPORTED"}
    assert exported == set(counted)
    with shop.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0
        running = session.scalar(
            select(func.count()).select_from(Run).where(Run.state == RunState.RUNNING.value)
        )
        assert running == 0
    return delivered


def _export_by_cli(shop: Shop) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).with_name("orderio-tui")
    return subprocess.run(
        [str(cli), "--db", shop.db.url, "export", "run", "erp-export"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _wait_for(child: subprocess.Popen[str], point: str) -> None:
    assert child.stderr is not None
    for line in child.stderr:
        if line.startswith(f"FAILPOINT {point}"):
            return
    raise AssertionError(f"child ended without reaching {point}: rc={child.wait()}")


def test_delivery_puts_one_valid_file_on_the_server_and_exports_its_orders(
    shop: Shop, sshd: SshServer
) -> None:
    _use_sftp(shop, sshd)
    shop.add_orders(5)
    shop.add_orders(2, invoice_postal_code=None)  # fail validation: not in the file

    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)

    assert outcome.state is RunState.PARTIAL
    delivered = _check_delivered_exactly_once(shop, sshd)
    assert len(delivered) == 1
    [(name, numbers)] = delivered.items()
    assert len(numbers) == 5
    assert f"127.0.0.1:{sshd.remote / name}" in outcome.message
    statuses = shop.statuses()
    assert sorted(statuses[n] for n in numbers) == ["EXPORTED"] * 5
    assert sorted(s for n, s in statuses.items() if n not in numbers) == ["EXPORTFAILED"] * 2
    # The staged copy stays in the local directory, byte for byte what the server has.
    assert (shop.export_dir / name).read_bytes() == (sshd.remote / name).read_bytes()


def test_server_down_fails_the_run_with_one_line_and_the_next_run_exports(
    shop: Shop, sshd: SshServer
) -> None:
    _use_sftp(shop, sshd)
    shop.add_orders(3)
    sshd.stop()

    result = _export_by_cli(shop)

    assert result.returncode == 1, result
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, result.stderr
    assert f"can not connect to 127.0.0.1:{sshd.port}" in errors[0]
    assert errors[0].endswith("no file published, 3 claimed orders released")
    assert set(shop.statuses().values()) == {"NEW"}
    assert list(shop.export_dir.iterdir()) == []
    _check_delivered_exactly_once(shop, sshd)
    # What an upload cut off with the server would have left behind for the failed run 1.
    with shop.db.read() as session:
        failed = session.scalars(select(Run)).one()
    stale = sshd.remote / f".orders-{failed.started_at:%Y%m%dT%H%M%SZ}-{failed.id}.xml.part"
    stale.write_text("<half")

    sshd.start()
    result = _export_by_cli(shop)
    assert result.returncode == 0, result
    assert f"removed 1 temporary file(s) of ended runs: {stale.name}" in result.stderr
    delivered = _check_delivered_exactly_once(shop, sshd)
    assert sum(len(n) for n in delivered.values()) == 3


def test_a_server_killed_before_the_upload_fails_the_run_and_nothing_changes(
    shop: Shop, sshd: SshServer
) -> None:
    _use_sftp(shop, sshd)
    shop.add_orders(4)
    # The connection is open when the run reaches the point; the server goes away there.
    child = start_export_process(shop, "after_rename", env={"ORDERIO_FAILPOINT_PAUSE": "3"})
    _wait_for(child, "export:after_rename")
    sshd.stop()
    stdout, _ = child.communicate(timeout=120)
    assert stdout.startswith("FAILED delivering the export file over SFTP failed:"), stdout
    assert set(shop.statuses().values()) == {"NEW"}
    assert list(shop.export_dir.iterdir()) == []

    sshd.start()
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["exported"] == 4
    _check_delivered_exactly_once(shop, sshd)


def test_a_server_killed_after_the_upload_leaves_the_run_to_recovery(
    shop: Shop, sshd: SshServer
) -> None:
    _use_sftp(shop, sshd)
    shop.add_orders(4)
    child = start_export_process(
        shop,
        env={"ORDERIO_FAILPOINT": "sftp:after_upload", "ORDERIO_FAILPOINT_PAUSE": "3"},
    )
    _wait_for(child, "sftp:after_upload")
    sshd.stop()
    child.communicate(timeout=120)
    assert set(shop.statuses().values()) == {"NEW"}

    # While the server is away, recovery can not decide: the run keeps its claims.
    messages = recover_abandoned_export_runs(shop.db)
    assert len(messages) == 1 and "can not be recovered now" in messages[0]
    with shop.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 4
    # Nor can a new run start: it fails with the reason instead of being skipped.
    result = _export_by_cli(shop)
    assert result.returncode == 1
    assert "can not be recovered now: whether its file reached the server" in result.stderr

    sshd.start()
    messages = recover_abandoned_export_runs(shop.db)
    assert len(messages) == 1 and "before its file was delivered" in messages[0]
    _check_delivered_exactly_once(shop, sshd)
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["exported"] == 4
    assert sum(len(n) for n in _check_delivered_exactly_once(shop, sshd).values()) == 4


def test_a_changed_host_key_fails_the_run_and_nothing_is_uploaded(
    shop: Shop, sshd: SshServer, tmp_path: Path
) -> None:
    known_hosts, _other = sshd.known_hosts_with_another_key(tmp_path)
    _use_sftp(shop, sshd, known_hosts=str(known_hosts))
    shop.add_orders(2)

    result = _export_by_cli(shop)

    assert result.returncode == 1
    assert f"host key of 127.0.0.1:{sshd.port} does not match" in result.stderr
    assert list(sshd.remote.iterdir()) == []
    assert list(shop.export_dir.iterdir()) == []
    assert set(shop.statuses().values()) == {"NEW"}


@pytest.mark.parametrize(
    ("failpoint", "delivered_after_recovery"),
    [
        ("export:after_claim", False),
        ("export:while_writing", False),
        ("export:before_rename", False),
        ("export:after_rename", False),
        ("sftp:after_upload", False),
        ("export:before_remote_rename", False),
        ("sftp:after_remote_rename", True),
        ("export:during_commit", True),
    ],
)
def test_kill_at_each_step_of_the_delivery_then_recover(
    shop: Shop, sshd: SshServer, failpoint: str, delivered_after_recovery: bool
) -> None:
    _use_sftp(shop, sshd)
    shop.add_orders(20)
    shop.add_orders(2, invoice_postal_code=None)
    child = start_export_process(shop, env={"ORDERIO_FAILPOINT": failpoint})
    _wait_for(child, failpoint)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    child.stdout.close()  # type: ignore[union-attr]
    child.stderr.close()  # type: ignore[union-attr]

    messages = recover_abandoned_export_runs(shop.db)

    assert len(messages) == 1 and messages[0].startswith("recovered:"), messages
    delivered = _check_delivered_exactly_once(shop, sshd)
    if delivered_after_recovery:
        assert len(delivered) == 1 and len(next(iter(delivered.values()))) == 20
        assert "delivered to 127.0.0.1:" in messages[0]
    else:
        assert delivered == {}
        assert set(shop.statuses().values()) == {"NEW"}
        assert list(shop.export_dir.iterdir()) == []
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    delivered = _check_delivered_exactly_once(shop, sshd)
    assert sum(len(n) for n in delivered.values()) == 20
    assert outcome.counts["exported"] == (0 if delivered_after_recovery else 20)


def test_a_delivered_file_the_consumer_took_before_recovery_counts_as_delivered(
    shop: Shop, sshd: SshServer
) -> None:
    _use_sftp(shop, sshd)
    shop.add_orders(3)
    child = start_export_process(shop, env={"ORDERIO_FAILPOINT": "sftp:after_remote_rename"})
    _wait_for(child, "sftp:after_remote_rename")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()  # type: ignore[union-attr]
    child.stderr.close()  # type: ignore[union-attr]
    [taken] = list(sshd.remote.iterdir())
    taken.unlink()  # the ERP picked it up

    recover_abandoned_export_runs(shop.db)

    assert set(shop.statuses().values()) == {"EXPORTED"}
    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert outcome.counts["selected"] == 0
    assert list(sshd.remote.iterdir()) == []


def test_a_missing_remote_directory_fails_the_run_naming_it(shop: Shop, sshd: SshServer) -> None:
    missing = sshd.remote / "nowhere"
    _use_sftp(shop, sshd, remote_directory=str(missing))
    shop.add_orders(2)

    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)

    assert outcome.state is RunState.FAILED
    assert f"{missing} on 127.0.0.1 does not exist" in outcome.message
    assert list(shop.export_dir.iterdir()) == []
    assert list(sshd.remote.iterdir()) == []
    assert set(shop.statuses().values()) == {"NEW"}


def test_a_server_without_write_permission_fails_the_run(shop: Shop, tmp_path: Path) -> None:
    server = SshServer(tmp_path / "read-only", read_only=True).start()
    try:
        _use_sftp(shop, server)
        shop.add_orders(2)
        outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    finally:
        server.stop()

    assert outcome.state is RunState.FAILED
    assert "permission denied" in outcome.message
    assert "could not be checked or removed" not in outcome.message
    assert list(shop.export_dir.iterdir()) == []
    assert list(server.remote.iterdir()) == []
    assert set(shop.statuses().values()) == {"NEW"}


def test_a_server_that_stops_answering_the_remote_rename_leaves_the_run_to_recovery(
    shop: Shop, sshd: SshServer
) -> None:
    _use_sftp(shop, sshd)
    shop.add_orders(3)
    # The bare engine: the command line would also try to recover at once, from the frozen server.
    child = start_export_process(shop, "before_remote_rename", env={"ORDERIO_FAILPOINT_PAUSE": "2"})
    _wait_for(child, "export:before_remote_rename")
    assert sshd.process is not None
    frozen = [*_descendants(sshd.process.pid), sshd.process.pid]
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        _, stderr = child.communicate(timeout=120)
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)

    assert child.returncode == 1, stderr
    assert "ExportInterrupted" in stderr
    assert "whether it was delivered is not known yet" in stderr
    assert set(shop.statuses().values()) == {"NEW"}
    messages = recover_abandoned_export_runs(shop.db)
    assert len(messages) == 1 and messages[0].startswith("recovered:"), messages
    delivered = _check_delivered_exactly_once(shop, sshd)
    run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI)
    assert sum(len(n) for n in _check_delivered_exactly_once(shop, sshd).values()) == 3
    assert len(delivered) <= 1


def test_delivery_reports_the_bytes_uploaded_up_to_the_file_size(
    shop: Shop, sshd: SshServer
) -> None:
    _use_sftp(shop, sshd)
    shop.add_orders(3)
    events = RunEvents()
    seen: list[object] = []
    events.subscribe(seen.append)

    outcome = run_export(shop.db, shop.configuration_id, trigger=Trigger.CLI, events=events)

    [name] = _check_delivered_exactly_once(shop, sshd)
    uploaded = progress_of_run(seen, outcome.run_id, "bytes")
    assert uploaded[-1].total == (sshd.remote / name).stat().st_size
    assert progress_of_run(seen, outcome.run_id, "orders")[-1].done == 3
