"""Leases: at most one active run per configuration across all processes (SPEC §8).

A lease is a row in ``leases`` keyed by ``"<kind>:<configuration id>"`` that names its owner
process (``host:pid:uuid``, see :func:`~orderio_tui.runs.identity.process_owner`) and an expiry
time. The owner renews it while its run lasts (:class:`LeaseKeeper`) and deletes it at the end.

A lease is *free* when there is no row, when it has expired, or when its owner was a process on
this host that no longer exists; a free lease is taken over in the same write transaction that
checks it, so two processes can never both believe they hold it:

- SQLite: :meth:`Database.write` starts with ``BEGIN IMMEDIATE``, which serialises writers.
- PostgreSQL: ``INSERT … ON CONFLICT DO NOTHING`` creates the row if missing, then
  ``SELECT … FOR UPDATE`` locks it until the transaction ends.

Within one process (the TUI runs the scheduler and manual runs side by side) the owner string is
the same for every thread, so a process-wide registry of held keys keeps two threads apart.

Expiry times use the database server's clock on PostgreSQL, so hosts with slightly different
clocks agree on when a lease has expired; SQLite is always on one host.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..database import Database, environment_fault, log_failure
from ..domain.models import Lease, utcnow
from ..domain.statuses import RunKind
from ..engines.failpoints import BACKGROUND_WRITE
from ..runs.identity import owner_is_gone, process_owner

logger = logging.getLogger(__name__)

#: How long a lease lives without renewal. A crashed holder on another host blocks its
#: configuration at most this long; on the same host a dead holder is noticed at once.
DEFAULT_LEASE_SECONDS = 30.0

_held_here: set[str] = set()
_held_lock = threading.Lock()


def lease_key(kind: RunKind, configuration_id: int, *, dry_run: bool = False) -> str:
    """The lease key of a configuration: ``"export:12"`` or ``"import:3"``.

    Dry runs change nothing, so they must not keep real runs waiting: they use a key of their
    own (``"export:12:dry"``), which still tells recovery that their process is alive.
    """
    key = f"{kind.value}:{configuration_id}"
    return f"{key}:dry" if dry_run else key


def database_now(session: Session) -> datetime:
    """The current time (aware UTC) by the database server's clock (local clock on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        value = session.scalar(text("SELECT CAST(now() AT TIME ZONE 'UTC' AS timestamp)"))
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC)
    return utcnow()


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds a lease someone else wanted."""

    key: str
    owner: str
    run_id: int | None
    acquired_at: datetime
    expires_at: datetime
    #: True when the holder is another thread of this very process.
    in_this_process: bool = False

    def describe(self) -> str:
        """Words for a SKIPPED run's log: who holds it, since when, until when."""
        who = "this process" if self.in_this_process else f"process {self.owner}"
        run = f" (run {self.run_id})" if self.run_id else ""
        return (
            f"a run of this configuration is already active in {who}{run}, "
            f"lease held since {_iso(self.acquired_at)} until {_iso(self.expires_at)}"
        )


@dataclass(frozen=True)
class LeaseGrant:
    """A lease this process now holds."""

    key: str
    owner: str
    expires_at: datetime
    #: The previous holder when an expired or dead holder's lease was taken over.
    taken_over_from: LeaseHolder | None = None


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _holder(row: Lease, *, in_this_process: bool = False) -> LeaseHolder:
    return LeaseHolder(
        key=row.key,
        owner=row.owner,
        run_id=row.run_id,
        acquired_at=row.acquired_at,
        expires_at=row.expires_at,
        in_this_process=in_this_process,
    )


def _insert_if_missing(session: Session, key: str, owner: str, now: datetime, ttl: float) -> bool:
    """Create the lease row unless it exists; True if this call created it."""
    dialect = session.get_bind().dialect.name
    values = {
        "key": key,
        "owner": owner,
        "run_id": None,
        "acquired_at": now,
        "expires_at": now + timedelta(seconds=ttl),
    }
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(Lease).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(Lease).values(**values).on_conflict_do_nothing()
    else:  # other databases: the write transaction's own locking has to do
        if session.get(Lease, key) is not None:
            return False
        session.add(Lease(**values))
        session.flush()
        return True
    return bool(session.execute(statement).rowcount == 1)  # type: ignore[attr-defined]


def _is_free(row: Lease, owner: str, now: datetime) -> bool:
    return row.owner == owner or row.expires_at <= now or owner_is_gone(row.owner)


def acquire_lease(
    db: Database, key: str, *, ttl: float = DEFAULT_LEASE_SECONDS
) -> LeaseGrant | LeaseHolder:
    """Take the lease ``key`` for this process, or say who holds it.

    Returns a :class:`LeaseGrant` (release it with :func:`release_lease`) or the
    :class:`LeaseHolder` that keeps it.
    """
    owner = process_owner()
    with _held_lock:
        local = key in _held_here
        _held_here.add(key)
    if local:
        return _local_holder(db, key, owner)
    try:
        grant = _acquire_in_database(db, key, owner, ttl)
    except BaseException:
        _forget(key)
        raise
    if isinstance(grant, LeaseHolder):
        _forget(key)
    return grant


def _local_holder(db: Database, key: str, owner: str) -> LeaseHolder:
    with db.read() as session:
        row = session.get(Lease, key)
        if row is not None and row.owner == owner:
            return _holder(row, in_this_process=True)
    now = utcnow()
    return LeaseHolder(key, owner, None, now, now, in_this_process=True)


def _acquire_in_database(
    db: Database, key: str, owner: str, ttl: float
) -> LeaseGrant | LeaseHolder:
    with db.write() as session:
        now = database_now(session)
        expires_at = now + timedelta(seconds=ttl)
        row = None
        # On PostgreSQL the row can be deleted between the insert and the locking select (its
        # holder released it); then the insert is tried again.
        for _ in range(3):
            if _insert_if_missing(session, key, owner, now, ttl):
                return LeaseGrant(key, owner, expires_at)
            row = session.scalars(
                select(Lease).where(Lease.key == key).with_for_update()
            ).one_or_none()
            if row is not None:
                break
        if row is None:
            raise RuntimeError(f"lease {key} keeps disappearing; try again")
        if not _is_free(row, owner, now):
            return _holder(row)
        previous = None if row.owner == owner else _holder(row)
        row.owner = owner
        row.run_id = None
        row.acquired_at = now
        row.expires_at = expires_at
    if previous is not None:
        logger.info(
            "lease %s taken over from %s (expired %s)", key, previous.owner, previous.expires_at
        )
    return LeaseGrant(key, owner, expires_at, taken_over_from=previous)


def renew_lease(
    db: Database,
    grant: LeaseGrant,
    *,
    ttl: float = DEFAULT_LEASE_SECONDS,
    run_id: int | None = None,
) -> bool:
    """Push the lease's expiry ``ttl`` seconds ahead; False if it is no longer ours."""
    with db.write() as session:
        now = database_now(session)
        values: dict[str, object] = {"expires_at": now + timedelta(seconds=ttl)}
        if run_id is not None:
            values["run_id"] = run_id
        result = session.execute(
            update(Lease)
            .where(Lease.key == grant.key, Lease.owner == grant.owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release_lease(db: Database, grant: LeaseGrant) -> None:
    """Give the lease up (only if still ours) and forget it in this process.

    When the database refuses (locked, full, gone) the lease is left to expire by itself: the
    caller's own outcome or error must not be replaced by that.
    """
    try:
        with db.write() as session:
            session.execute(
                delete(Lease)
                .where(Lease.key == grant.key, Lease.owner == grant.owner)
                .execution_options(synchronize_session=False)
            )
    except DBAPIError as exc:
        fault = environment_fault(exc)
        if fault is None:
            raise
        logger.warning("lease %s is left to expire: %s", grant.key, fault)
    finally:
        _forget(grant.key)


def _forget(key: str) -> None:
    with _held_lock:
        _held_here.discard(key)


def held_in_this_process() -> set[str]:
    """Keys of the leases some thread of this process holds right now."""
    with _held_lock:
        return set(_held_here)


def current_lease(db: Database, key: str) -> LeaseHolder | None:
    """The lease row for ``key``, if any (expired or not)."""
    with db.read() as session:
        row = session.get(Lease, key)
        return None if row is None else _holder(row)


def valid_lease_owners(db: Database) -> dict[str, str]:
    """Key → owner of every lease that has not expired (by the database clock)."""
    with db.read() as session:
        now = database_now(session)
        rows = session.execute(select(Lease.key, Lease.owner, Lease.expires_at)).all()
    return {key: owner for key, owner, expires_at in rows if expires_at > now}


class LeaseKeeper:
    """Renews a lease in a background thread while a run lasts.

    Renews every ``ttl / 3`` seconds; the run id, once known (:meth:`attach_run`), is written
    into the lease so that others can name the run they were skipped for. When renewal finds the
    lease taken by someone else, ``lost`` is set and a warning is logged. The run asks
    :meth:`confirm` before it publishes and aborts when the lease is gone; the engine's own fence
    (the run row, locked) covers a pause between that question and the rename.
    """

    def __init__(self, db: Database, grant: LeaseGrant, *, ttl: float = DEFAULT_LEASE_SECONDS):
        self.db = db
        self.grant = grant
        self.ttl = ttl
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._run_id: int | None = None
        self._written_run_id: int | None = None
        self._thread = threading.Thread(
            target=self._renew_until_stopped, name=f"lease-{grant.key}", daemon=True
        )

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def attach_run(self, run_id: int) -> None:
        """Record ``run_id`` in the lease at the next renewal (soon)."""
        self._run_id = run_id
        self._wake.set()  # write it now rather than at the next renewal

    def confirm(self) -> bool:
        """Renew the lease now; False (and ``lost`` set) when it is no longer this process's.

        Asked right before an irreversible step (publishing a file): a process that was paused
        past its lease learns it here, before the keeper thread's next renewal would tell it.
        Raises the database's error when it can not be asked.
        """
        if self.lost.is_set():
            return False
        # A database error goes to the caller: unconfirmed is not ours, and it says why.
        still_ours = renew_lease(self.db, self.grant, ttl=self.ttl)
        if not still_ours:
            self._mark_lost()
        return still_ours

    def _mark_lost(self) -> None:
        if not self.lost.is_set():
            self.lost.set()
            logger.warning(
                "lease %s was taken over by another process while this run went on",
                self.grant.key,
            )

    def _renew_until_stopped(self) -> None:
        interval = max(self.ttl / 3, 0.05)
        while not self._stop.is_set():
            self._wake.wait(interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            run_id = self._run_id if self._run_id != self._written_run_id else None
            try:
                with BACKGROUND_WRITE:
                    still_ours = renew_lease(self.db, self.grant, ttl=self.ttl, run_id=run_id)
            except Exception as exc:
                log_failure(logger, f"renewing lease {self.grant.key} failed", exc)
                continue
            if run_id is not None:
                self._written_run_id = run_id
            if not still_ours:
                self._mark_lost()
