"""A long import holds the SQLite write lock for its file's one transaction (SPEC §7.2); other
runs wait for it instead of failing, and no lease expires meanwhile (SPEC §8)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from status_import_fixtures import ImportWorld
from test_status_import_crash import _wait_for

from orderio_tui.domain.models import ExportConfiguration, ImportedFile, Lease, Service, utcnow
from orderio_tui.domain.statuses import ServiceKind
from orderio_tui.engines.status_import import NAMESPACE

pytestmark = pytest.mark.sqlite_only

IMPORT_CHILD = """
import sys
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import Trigger
from orderio_tui.engines.status_import import run_import

outcome = run_import(open_database(sys.argv[1]), int(sys.argv[2]), trigger=Trigger.CLI)
print(outcome.state.value, outcome.message, flush=True)
"""

EXPORT_CHILD = """
import sys
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import RunKind, Trigger
from orderio_tui.jobs.execute import run_configuration

database = open_database(sys.argv[1])
outcome = run_configuration(database, RunKind.EXPORT, int(sys.argv[2]), trigger=Trigger.CLI)
print(outcome.state.value, outcome.message, flush=True)
"""

ORDERS = 60_000
ITEMS = 2


def _many_orders(world: ImportWorld) -> None:
    world.add_orders_in_bulk([f"L{n:07d}" for n in range(ORDERS)], line_items=ITEMS, payments=False)


def _status_file(world: ImportWorld, *, invalid_at_the_end: bool = False) -> None:
    path = world.inbox / "long.xml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'<orders xmlns="{NAMESPACE}">\n')
        for n in range(ORDERS):
            handle.write(f'<order id="L{n:07d}" status="DELIVERED">')
            handle.writelines(
                f'<line-item position="{p}" status="DELIVERED"/>' for p in range(1, ITEMS + 1)
            )
            handle.write("</order>\n")
        if invalid_at_the_end:
            handle.write('<order status="DELIVERED"/>\n')  # no id: not valid
        handle.write("</orders>\n")
    os.utime(path, (0, 0))


def _export_configuration(world: ImportWorld, tmp_path: Path) -> int:
    (tmp_path / "out").mkdir()
    with world.db.write() as session:
        service = Service(
            name="out", kind=ServiceKind.EXPORT_XML.value, directory=str(tmp_path / "out")
        )
        session.add(service)
        session.flush()
        configuration = ExportConfiguration(
            channel_id=world.channel_ids["shop-b"], name="erp", service_id=service.id
        )
        session.add(configuration)
        session.flush()
        return configuration.id


def _child(code: str, *args: str, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, **env}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_an_export_waits_for_a_long_import_and_no_lease_expires_under_it(
    world: ImportWorld, tmp_path: Path
) -> None:
    _many_orders(world)
    _status_file(world)
    export_id = _export_configuration(world, tmp_path)
    importer = _child(
        IMPORT_CHILD,
        world.db.url,
        str(world.configuration_id),
        ORDERIO_FAILPOINT="import:after_move",
        ORDERIO_FAILPOINT_PAUSE="1",
    )
    _wait_for(importer, "FAILPOINT import:after_move")  # its transaction begins in 1 s
    expiry = utcnow() + timedelta(seconds=2)  # a live holder elsewhere, due to renew in 2 s
    with world.db.write() as session:
        session.add(Lease(key="export:999", owner="elsewhere:1:abcd", expires_at=expiry))
    time.sleep(1.5)  # the import is inside its file's transaction now
    # A writer gives up after 1 s in which the lock holder makes no progress.
    exporter = _child(EXPORT_CHILD, world.db.url, str(export_id), ORDERIO_SQLITE_BUSY_TIMEOUT="1")
    import_out, import_err = importer.communicate(timeout=600)
    export_out, export_err = exporter.communicate(timeout=600)
    with world.db.read() as session:
        lease = session.get(Lease, "export:999")
        (ledger_row,) = session.scalars(select(ImportedFile)).all()
    committed_at = ledger_row.applied_at  # written in the file's transaction, just before commit

    assert import_out.startswith("SUCCEEDED"), import_out + import_err
    assert committed_at > expiry + timedelta(seconds=0.5), "the import ended before the lease"
    assert exporter.returncode == 0 and export_out.startswith("SUCCEEDED"), export_out + export_err
    assert lease is not None and lease.expires_at > committed_at, (
        "a lease expired while the import held the write lock"
    )
    assert world.order("L0000000").status == "DELIVERED"


def test_a_long_file_found_invalid_at_its_end_still_keeps_the_leases(world: ImportWorld) -> None:
    """Its work is undone, but the time it held the lock is added to the leases all the same."""
    _many_orders(world)
    _status_file(world, invalid_at_the_end=True)
    importer = _child(
        IMPORT_CHILD,
        world.db.url,
        str(world.configuration_id),
        ORDERIO_FAILPOINT="import:after_move",
        ORDERIO_FAILPOINT_PAUSE="1",
    )
    _wait_for(importer, "FAILPOINT import:after_move")
    expiry = utcnow() + timedelta(seconds=2)
    with world.db.write() as session:
        session.add(Lease(key="export:999", owner="elsewhere:1:abcd", expires_at=expiry))
    import_out, import_err = importer.communicate(timeout=600)
    with world.db.read() as session:
        lease = session.get(Lease, "export:999")
    report = world.error / "long.xml.error.txt"  # written just after the transaction ended
    ended = datetime.fromtimestamp(report.stat().st_mtime, UTC)

    assert import_out.startswith("FAILED"), import_out + import_err
    assert world.order("L0000000").status == "EXPORTED"  # nothing of it applied
    assert ended > expiry + timedelta(seconds=0.5), "the import ended before the lease"
    assert lease is not None and lease.expires_at > ended
