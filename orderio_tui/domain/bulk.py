"""Bulk writing: primary keys handed out before the rows are written (demo and intake)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session


def reserve_ids(session: Session, table: Any, count: int) -> list[int]:
    """``count`` new primary keys of ``table``, so children can refer to rows not yet written.

    PostgreSQL hands them out from the table's sequence, so later inserts never collide. On
    SQLite the write transaction (``BEGIN IMMEDIATE``) holds the database lock, so the ids after
    the current maximum are ours. Plain executemany INSERTs with given ids are much faster than
    INSERT … RETURNING row by row.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = session.scalar(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        )
        return list(
            session.scalars(
                text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)"),
                {"sequence": sequence, "n": count},
            )
        )
    start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))
