"""A set of order ids bound as one parameter, whatever its size.

SQLAlchemy's expanding ``IN`` renders one bind parameter per id on every execution, which costs
more than the lookup itself. Here the ids travel as one value: an array compared with ``= ANY``
on PostgreSQL, a JSON array read back with ``json_each`` on SQLite; both are index lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Connection,
    Dialect,
    String,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeDecorator, TypeEngine


class _IdList(TypeDecorator[Sequence[int]]):
    """A list of ids: a ``bigint[]`` on PostgreSQL, a JSON array text elsewhere."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(BigInteger))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Sequence[int] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return f"[{','.join(map(str, value))}]"


def id_list(name: str) -> BindParameter[Sequence[int]]:
    """A bind parameter ``name`` that takes a list of ids as one value."""
    return bindparam(name, type_=_IdList())


def ids_parameter(ids: Sequence[int], dialect: Dialect) -> Any:
    """``ids`` as the driver takes an :func:`id_list` parameter on ``dialect``."""
    return _IdList().process_bind_param(ids, dialect)


def in_ids(column: Any, ids: BindParameter[Sequence[int]], dialect_name: str) -> Any:
    """``column IN ids`` for :func:`id_list` ``ids``, written the way ``dialect_name`` plans
    as index lookups."""
    if dialect_name == "postgresql":
        return column == any_(ids)
    values = func.json_each(ids).table_valued("value")
    return column.in_(select(values.c.value))


def plan_as_lookups(connection: Connection) -> None:
    """Make PostgreSQL plan this transaction's statements as index lookups by id.

    The export's reads take batches of at most 500 ids and its completion statements follow the
    claims to their orders and line items, so a scan of a whole table is never the right plan;
    but on tables never analyzed the planner misjudges their sizes and the selectivity of the
    ids, and scanned line items whole per batch, or once per claimed order in completion (a
    nested loop over a materialized scan, quadratic). ``SET LOCAL`` ends with the transaction.
    SQLite plans these statements as lookups anyway.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        # Nor are parallel workers worth starting for a batch.
        connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
