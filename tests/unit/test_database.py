"""Opening and migrating the database; column types; the errors a bad --db gives."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from orderio_tui.database import Database, open_database, resolve_database_url
from orderio_tui.domain.models import Base, Channel, LineItem, Order
from orderio_tui.errors import DatabaseUnavailable, UserError


def test_migrating_an_empty_database_creates_every_table(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    db.dispose()


# SQLite's reflection leaves out the orders search's lower() indexes, with this warning.
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
)
def test_the_shipped_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_opening_twice_does_not_migrate_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    open_database(url).dispose()
    db = open_database(url)
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None
    db.dispose()


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_busy_timeout(db: Database) -> None:
    assert db.is_sqlite
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_money_rates_and_times_round_trip_exactly(db: Database) -> None:
    created = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    with db.write() as session:
        channel = Channel(name="c", store="Store")
        session.add(channel)
        session.flush()
        order = Order(
            channel_id=channel.id,
            document_no="1",
            created_at=created,
            gross_total=Decimal("19.99"),
        )
        order.line_items.append(
            LineItem(
                position=1,
                sku="A",
                product_name="A",
                unit_price_net=Decimal("0.10"),
                unit_price_gross=Decimal("0.12"),
                net_total=Decimal("0.3"),
                gross_total=Decimal("0.36"),
                tax_rate=Decimal("0.19"),
                tax_amount=Decimal("0.06"),
            )
        )
        session.add(order)
    with db.read() as session:
        order = session.scalars(select(Order)).one()
        assert order.gross_total == Decimal("19.99")
        assert str(order.line_items[0].net_total) == "0.30"
        assert order.line_items[0].tax_rate == Decimal("0.19")
        assert order.created_at == created
        assert order.created_at.tzinfo is UTC


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.write() as session:
        session.add(Channel(name="c", store="s", created_at=datetime(2026, 1, 1)))


def test_writers_from_two_threads_queue_instead_of_failing(db: Database) -> None:
    with db.write() as session:
        session.add(Channel(name="c", store="s"))
    errors: list[BaseException] = []

    def add_orders(prefix: str) -> None:
        try:
            for i in range(20):
                with db.write() as session:
                    channel_id = session.scalar(select(Channel.id))
                    session.add(Order(channel_id=channel_id, document_no=f"{prefix}{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add_orders, args=(p,)) for p in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.read() as session:
        assert len(session.scalars(select(Order)).all()) == 40


def test_a_missing_directory_gives_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="does not exist") as info:
        open_database(f"sqlite:///{tmp_path / 'nope' / 'o.db'}")
    assert str(tmp_path / "nope") in str(info.value)


def test_a_file_that_is_not_a_database_gives_one_clear_message(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all, just text\n" * 100)
    with pytest.raises(DatabaseUnavailable, match="not an orderio database"):
        open_database(f"sqlite:///{junk}")


def test_an_invalid_url_gives_one_clear_message() -> None:
    with pytest.raises(DatabaseUnavailable, match="not valid"):
        Database("not a url")


def test_url_resolution_prefers_option_then_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORDERIO_DB", "sqlite:///from-env.db")
    assert resolve_database_url("sqlite:///explicit.db") == "sqlite:///explicit.db"
    assert resolve_database_url(None) == "sqlite:///from-env.db"
    monkeypatch.delenv("ORDERIO_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve_database_url(None).startswith("sqlite:///")
    assert resolve_database_url(None).endswith("orderio.db")


@pytest.mark.parametrize("value", ["nan", "0", "-1", "1e9", "soon"])
def test_a_busy_timeout_setting_out_of_range_is_one_message_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ORDERIO_SQLITE_BUSY_TIMEOUT", value)
    with pytest.raises(UserError) as raised:
        open_database(f"sqlite:///{tmp_path / 'orderio.db'}")
    assert f"ORDERIO_SQLITE_BUSY_TIMEOUT='{value}' is not a number from 0.1 to 3600" in str(
        raised.value
    )
