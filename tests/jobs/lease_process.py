"""A separate process that tries to take a lease, for the cross-process lease tests.

Usage: ``python lease_process.py DB_URL KEY TTL``. Opens the database, prints ``ready``, waits
for a line on stdin, tries to take the lease once, prints one JSON line ``{"granted", "owner",
"holder"}`` and keeps the lease (without renewing it) until its stdin is closed.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import select

from orderio_tui.database import open_database
from orderio_tui.jobs.leases import LeaseGrant, acquire_lease
from orderio_tui.runs.identity import process_owner


def main() -> None:
    db_url, key, ttl = sys.argv[1], sys.argv[2], float(sys.argv[3])
    db = open_database(db_url, migrate=False)
    with db.read() as session:  # connected before the race starts
        session.execute(select(1))
    print("ready", flush=True)
    sys.stdin.readline()
    result = acquire_lease(db, key, ttl=ttl)
    granted = isinstance(result, LeaseGrant)
    print(
        json.dumps(
            {
                "granted": granted,
                "owner": process_owner(),
                "holder": None if granted else result.owner,
            }
        ),
        flush=True,
    )
    sys.stdin.read()
    db.dispose()


if __name__ == "__main__":
    main()
