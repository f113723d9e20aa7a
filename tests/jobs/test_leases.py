"""Leases: one holder per configuration across threads, processes and hosts (SPEC §8)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from orderio_tui.database import Database
from orderio_tui.domain.models import Lease
from orderio_tui.domain.statuses import RunKind
from orderio_tui.jobs.leases import (
    LeaseGrant,
    LeaseHolder,
    LeaseKeeper,
    acquire_lease,
    current_lease,
    database_now,
    lease_key,
    release_lease,
    renew_lease,
    valid_lease_owners,
)
from orderio_tui.runs.identity import process_owner

KEY = lease_key(RunKind.EXPORT, 1)
ELSEWHERE = "other-host.example:4242:0123abcd"


def _foreign_lease(db: Database, *, owner: str = ELSEWHERE, expires_in: float) -> None:
    with db.write() as session:
        now = database_now(session)
        session.add(
            Lease(
                key=KEY,
                owner=owner,
                run_id=17,
                acquired_at=now - timedelta(seconds=60),
                expires_at=now + timedelta(seconds=expires_in),
            )
        )


def test_keys_name_kind_and_configuration_and_keep_dry_runs_apart() -> None:
    assert lease_key(RunKind.EXPORT, 12) == "export:12"
    assert lease_key(RunKind.IMPORT, 3) == "import:3"
    assert lease_key(RunKind.EXPORT, 12, dry_run=True) == "export:12:dry"


def test_a_free_lease_is_granted_and_released(db: Database) -> None:
    grant = acquire_lease(db, KEY, ttl=30)
    assert isinstance(grant, LeaseGrant)
    assert grant.taken_over_from is None
    lease = current_lease(db, KEY)
    assert lease is not None and lease.owner == process_owner()
    release_lease(db, grant)
    assert current_lease(db, KEY) is None
    assert isinstance(again := acquire_lease(db, KEY), LeaseGrant)
    release_lease(db, again)


def test_a_valid_lease_of_another_host_names_its_holder(db: Database) -> None:
    _foreign_lease(db, expires_in=30)
    holder = acquire_lease(db, KEY)
    assert isinstance(holder, LeaseHolder)
    assert holder.owner == ELSEWHERE
    assert holder.run_id == 17
    assert ELSEWHERE in holder.describe() and "run 17" in holder.describe()
    assert current_lease(db, KEY).owner == ELSEWHERE  # type: ignore[union-attr]


def test_an_expired_lease_of_another_host_is_taken_over(db: Database) -> None:
    _foreign_lease(db, expires_in=-1)
    grant = acquire_lease(db, KEY, ttl=30)
    assert isinstance(grant, LeaseGrant)
    assert grant.taken_over_from is not None and grant.taken_over_from.owner == ELSEWHERE
    lease = current_lease(db, KEY)
    assert lease is not None and lease.owner == process_owner() and lease.run_id is None
    release_lease(db, grant)


def test_another_thread_of_this_process_is_kept_out(db: Database) -> None:
    grant = acquire_lease(db, KEY)
    assert isinstance(grant, LeaseGrant)
    seen: list[LeaseGrant | LeaseHolder] = []
    thread = threading.Thread(target=lambda: seen.append(acquire_lease(db, KEY)))
    thread.start()
    thread.join()
    assert isinstance(seen[0], LeaseHolder) and seen[0].in_this_process
    assert "this process" in seen[0].describe()
    # The refused thread must not have dropped the holder's claim on the key.
    assert isinstance(acquire_lease(db, KEY), LeaseHolder)
    release_lease(db, grant)
    thread = threading.Thread(target=lambda: seen.append(acquire_lease(db, KEY)))
    thread.start()
    thread.join()
    assert isinstance(seen[1], LeaseGrant)
    release_lease(db, seen[1])


def test_a_lease_held_by_another_process_names_it_until_that_process_dies(
    db: Database, lease_process
) -> None:
    child = lease_process(KEY, ttl=300)
    assert child.result()["granted"]
    holder = acquire_lease(db, KEY)
    assert isinstance(holder, LeaseHolder) and holder.owner == child.result()["owner"]
    child.kill()
    # Same host, process gone: free at once, long before its 300 s expiry.
    grant = acquire_lease(db, KEY)
    assert isinstance(grant, LeaseGrant)
    assert grant.taken_over_from is not None
    assert grant.taken_over_from.owner == child.result()["owner"]
    release_lease(db, grant)


def test_exactly_one_of_several_processes_gets_a_free_lease(db: Database, lease_process) -> None:
    children = [lease_process(KEY, go=False) for _ in range(3)]
    for child in children:
        child.wait_ready()
    for child in children:
        child.go()
    results = [child.result() for child in children]
    winners = [r for r in results if r["granted"]]
    assert len(winners) == 1
    assert all(r["holder"] == winners[0]["owner"] for r in results if not r["granted"])
    assert current_lease(db, KEY).owner == winners[0]["owner"]  # type: ignore[union-attr]


def test_renewal_moves_the_expiry_and_fails_once_taken_over(db: Database) -> None:
    grant = acquire_lease(db, KEY, ttl=5)
    assert isinstance(grant, LeaseGrant)
    first = current_lease(db, KEY).expires_at  # type: ignore[union-attr]
    time.sleep(0.05)
    assert renew_lease(db, grant, ttl=60, run_id=9)
    renewed = current_lease(db, KEY)
    assert renewed is not None and renewed.expires_at > first and renewed.run_id == 9
    with db.write() as session:
        session.get_one(Lease, KEY).owner = ELSEWHERE
    assert not renew_lease(db, grant, ttl=60)
    release_lease(db, grant)  # only deletes its own lease
    assert current_lease(db, KEY).owner == ELSEWHERE  # type: ignore[union-attr]


def test_the_keeper_renews_while_the_run_lasts_and_records_its_run(db: Database) -> None:
    grant = acquire_lease(db, KEY, ttl=0.6)
    assert isinstance(grant, LeaseGrant)
    with LeaseKeeper(db, grant, ttl=0.6) as keeper:
        keeper.attach_run(7)
        time.sleep(1.5)  # more than twice the ttl
        assert KEY in valid_lease_owners(db)
        lease = current_lease(db, KEY)
        assert lease is not None and lease.run_id == 7
        assert not keeper.lost.is_set()
    release_lease(db, grant)
    assert current_lease(db, KEY) is None


def test_the_keeper_notices_a_lost_lease(db: Database) -> None:
    grant = acquire_lease(db, KEY, ttl=0.3)
    assert isinstance(grant, LeaseGrant)
    with db.write() as session:
        session.get_one(Lease, KEY).owner = ELSEWHERE
    with LeaseKeeper(db, grant, ttl=0.3) as keeper:
        assert keeper.lost.wait(2.0)
    release_lease(db, grant)


def test_confirming_renews_at_once_and_says_when_the_lease_is_gone(db: Database) -> None:
    grant = acquire_lease(db, KEY, ttl=30)
    assert isinstance(grant, LeaseGrant)
    keeper = LeaseKeeper(db, grant, ttl=300)  # no thread: only confirm() renews
    before = current_lease(db, KEY).expires_at  # type: ignore[union-attr]
    assert keeper.confirm()
    assert current_lease(db, KEY).expires_at > before + timedelta(seconds=200)  # type: ignore[union-attr]
    with db.write() as session:
        session.get_one(Lease, KEY).owner = ELSEWHERE  # taken over while this process slept
    assert not keeper.confirm()
    assert keeper.lost.is_set()
    release_lease(db, grant)
