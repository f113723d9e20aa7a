"""Bulk writing: primary keys handed out before the rows are written (demo and intake)."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator


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


def insert_stored(
    session: Session, table: Any, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (their ``columns``, as stored) into ``table`` with one driver executemany.

    A value is given as the column holds it: money as integer cents, rates as integer
    ten-thousandths, times as naive UTC datetimes (what the column types' own conversions would
    make of it); only the database's own conversions (JSON text, SQLite time text) are applied.
    This skips building a statement's parameters row by row, which costs more than the INSERT.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    processors = []
    for position, name in enumerate(columns):
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((position, processor))
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(name) for name in columns)}) "
        f"VALUES ({', '.join(marker for _ in columns)})"
    )
    values_of = operator.itemgetter(*columns)
    if len(columns) == 1:
        parameters: list[Any] = [(values_of(row),) for row in rows]
    else:
        parameters = [values_of(row) for row in rows]
    if processors:
        converted = []
        for values in parameters:
            changed = list(values)
            for position, processor in processors:
                changed[position] = processor(changed[position])  # JSON makes None 'null'
            converted.append(tuple(changed))
        parameters = converted
    connection.exec_driver_sql(statement, parameters)
