"""Bulk writing: primary keys handed out before the rows are written (demo and intake)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import ColumnDefault, Table, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), taken as they come: a stream is
    never held whole."""
    stream = iter(items)
    while batch := list(islice(stream, size)):
        yield batch


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


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys, values as the model takes them) by one
    driver-level ``executemany``.

    Values are converted exactly as SQLAlchemy converts them (each column type's bind
    processor: cents for money, naive UTC for times), and the Python-side defaults of the columns
    not given are filled in; what is left out is the per-row statement machinery, which costs
    more than the database's own work for bulk loads (the demo).
    """
    if rows:
        _execute_many(session, table, list(rows[0]), rows, stored=False)


def insert_stored(
    session: Session, table: Any, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (their ``columns``, as stored) into ``table`` with one driver executemany.

    A value is given as the column holds it: money as integer cents, rates as integer
    ten-thousandths, times as naive UTC datetimes (what the column types' own conversions would
    make of it); only the database's own conversions (JSON text, SQLite time text) are applied.
    """
    if rows:
        _execute_many(session, table, list(columns), rows, stored=True)


def _execute_many(
    session: Session,
    table: Table,
    names: list[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    stored: bool,
) -> None:
    connection = session.connection()
    dialect = connection.dialect

    def processor_of(column: Any) -> Any:
        column_type = column.type
        if stored and isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance  # the value is already in stored form
        return column_type.dialect_impl(dialect).bind_processor(dialect)

    processors = [processor_of(table.c[name]) for name in names]
    defaults: list[tuple[str, Any]] = []
    for column in table.columns:
        default = column.default
        if column.name in names or default is None or not isinstance(default, ColumnDefault):
            continue
        value = default.arg(None) if default.is_callable else default.arg
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        defaults.append((column.name, processor(value) if processor else value))
    preparer = dialect.identifier_preparer
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    given = [*names, *(name for name, _ in defaults)]
    sql = (
        f"INSERT INTO {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(name) for name in given)}) "
        f"VALUES ({', '.join(placeholder for _ in given)})"
    )
    # Column by column through map(): far fewer Python-level calls than converting row by row.
    by_column = [
        list(map(processor, [row[name] for row in rows]))
        if processor is not None
        else [row[name] for row in rows]
        for name, processor in zip(names, processors, strict=True)
    ]
    by_column += [[value] * len(rows) for _, value in defaults]
    connection.exec_driver_sql(sql, list(zip(*by_column, strict=True)))
