"""Helpers of the TUI tests: waiting for the app, typing, and a quick way to get many orders."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Table, func, select, text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from orderio_tui.database import Database
from orderio_tui.domain.models import (
    Bucket,
    Channel,
    Destination,
    LineItem,
    Order,
    PaymentTransaction,
)
from orderio_tui.tui.configuration.export_screen import ExportConfigurationScreen
from orderio_tui.tui.widgets.field import FieldError


async def wait_for(
    pilot: Pilot, condition: Callable[[], object], *, timeout: float = 15.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


async def type_text(pilot: Pilot, text: str) -> None:
    """Type ``text`` key by key into the focused widget."""
    await pilot.press(*text)


def _columns(table: Table, *skip: str) -> list[str]:
    return [c.name for c in table.columns if c.name not in ("id", *skip)]


def multiply_orders(db: Database, channel: str, copies: int) -> int:
    """Add ``copies`` copies of every order of ``channel`` (with lines, payments, buckets and
    destinations) under document numbers ``<original>-<n>``; returns the channel's order count.

    A test shortcut to tens of thousands of realistic orders in a second or two (SQLite and
    PostgreSQL).
    """
    orders = Order.__table__
    destinations = Destination.__table__
    buckets = Bucket.__table__
    line_items = LineItem.__table__
    payments = PaymentTransaction.__table__
    with db.write() as session:

        def run(sql: str, **params: object) -> object:
            return session.execute(text(sql), params)

        channel_id = session.scalar(select(Channel.id).where(Channel.name == channel))
        last_original = session.scalar(select(func.max(Order.id))) or 0
        run("CREATE TEMP TABLE copies (k INTEGER PRIMARY KEY)")
        session.execute(
            text("INSERT INTO copies (k) VALUES (:k)"), [{"k": k} for k in range(1, copies + 1)]
        )
        order_columns = _columns(orders)
        run(
            f"INSERT INTO orders ({', '.join(order_columns)}) SELECT "
            + ", ".join(
                "o.document_no || '-' || CAST(c.k AS VARCHAR(10))"
                if name == "document_no"
                else f"o.{name}"
                for name in order_columns
            )
            + " FROM orders o CROSS JOIN copies c WHERE o.channel_id = :channel "
            "ORDER BY c.k, o.id",
            channel=channel_id,
        )
        run(
            "CREATE TEMP TABLE order_map AS SELECT o.id AS old_id, n.id AS new_id "
            "FROM orders o CROSS JOIN copies c JOIN orders n ON n.channel_id = o.channel_id "
            "AND n.document_no = o.document_no || '-' || CAST(c.k AS VARCHAR(10)) "
            "WHERE o.channel_id = :channel AND o.id <= :last",
            channel=channel_id,
            last=last_original,
        )
        destination_columns = _columns(destinations, "order_id")
        run(
            f"INSERT INTO destinations (order_id, {', '.join(destination_columns)}) "
            f"SELECT m.new_id, {', '.join('d.' + c for c in destination_columns)} "
            "FROM destinations d JOIN order_map m ON m.old_id = d.order_id"
        )
        bucket_columns = _columns(buckets, "order_id", "destination_id")
        run(
            f"INSERT INTO buckets (order_id, destination_id, {', '.join(bucket_columns)}) "
            "SELECT m.new_id, (SELECT nd.id FROM destinations od JOIN destinations nd "
            "ON nd.order_id = m.new_id AND nd.key = od.key WHERE od.id = b.destination_id), "
            f"{', '.join('b.' + c for c in bucket_columns)} "
            "FROM buckets b JOIN order_map m ON m.old_id = b.order_id"
        )
        item_columns = _columns(line_items, "order_id", "bucket_id")
        run(
            f"INSERT INTO line_items (order_id, bucket_id, {', '.join(item_columns)}) "
            "SELECT m.new_id, (SELECT nb.id FROM buckets ob JOIN buckets nb "
            "ON nb.order_id = m.new_id AND nb.key = ob.key WHERE ob.id = li.bucket_id), "
            f"{', '.join('li.' + c for c in item_columns)} "
            "FROM line_items li JOIN order_map m ON m.old_id = li.order_id"
        )
        payment_columns = _columns(payments, "order_id")
        run(
            f"INSERT INTO payment_transactions (order_id, {', '.join(payment_columns)}) "
            f"SELECT m.new_id, {', '.join('p.' + c for c in payment_columns)} "
            "FROM payment_transactions p JOIN order_map m ON m.old_id = p.order_id"
        )
        run("DROP TABLE order_map")
        run("DROP TABLE copies")
        return (
            session.scalar(select(func.count(Order.id)).where(Order.channel_id == channel_id)) or 0
        )


async def move_cursor_to(pilot: Pilot, table: DataTable, key: str) -> None:
    """Move the cursor of the focused ``table`` to the row ``key`` with the arrow keys."""
    target = table.get_row_index(key)
    for _ in range(table.row_count):
        if table.cursor_row == target:
            return
        await pilot.press("down" if table.cursor_row < target else "up")
    assert table.cursor_row == target


async def open_erp_export(pilot: Pilot) -> ExportConfigurationScreen:
    """From the main screen of channel demo-b2c, open its export configuration erp-export."""
    await pilot.press("down", "enter")  # bi-export, then erp-export
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExportConfigurationScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ExportConfigurationScreen)
    assert screen.query_one("#name", Input).value == "erp-export"
    return screen


def error_of(screen: object, field: str) -> str:
    """The inline validation message of ``field`` on ``screen`` ("" while there is none)."""
    error = screen.query_one(f"#error-{field}", FieldError)  # type: ignore[attr-defined]
    return str(error.render()) if error.display else ""
