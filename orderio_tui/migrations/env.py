"""Alembic environment: migrations run on the connection that :mod:`orderio_tui.database` gives."""

from alembic import context
from sqlalchemy import create_engine

from orderio_tui.domain.models import Base

target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # for `alembic revision --autogenerate` during development
    url = context.config.get_main_option("sqlalchemy.url")
    with create_engine(url).begin() as conn:
        _run(conn)
