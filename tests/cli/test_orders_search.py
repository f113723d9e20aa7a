"""`orderio-tui orders` searches (SPEC §16): the options combine, and every value is bounded
where it is read."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from orderio_tui.database import open_database
from orderio_tui.domain.models import Channel, Order


def _orders(db_url: str, timezone: str | None = None) -> list[Order]:
    """The orders of demo-b2c (after setting its time zone, if given)."""
    db = open_database(db_url)
    try:
        with db.write() as session:
            channel = session.scalar(select(Channel).where(Channel.name == "demo-b2c"))
            assert channel is not None
            channel.timezone = timezone or channel.timezone
            return list(session.scalars(select(Order).where(Order.channel_id == channel.id)))
    finally:
        db.dispose()


def test_customer_created_from_and_gross_min_combine(demo_300, db_url: str) -> None:
    orders = _orders(db_url, "Pacific/Kiritimati")  # UTC+14: days differ from UTC's
    zone = ZoneInfo("Pacific/Kiritimati")
    customer = max(
        {o.customer_no for o in orders}, key=lambda c: sum(o.customer_no == c for o in orders)
    )
    theirs = sorted((o for o in orders if o.customer_no == customer), key=lambda o: o.created_at)
    first_day = (theirs[0].created_at.astimezone(zone) + timedelta(days=1)).date()
    expected = sorted(
        o.document_no
        for o in theirs
        if o.created_at.astimezone(zone).date() >= first_day and o.gross_total >= Decimal("20")
    )
    result = demo_300(
        "orders",
        "--channel",
        "demo-b2c",
        "--customer",
        customer,
        "--created-from",
        first_day.isoformat(),
        "--gross-min",
        "20",
        "--json",
    )
    assert result.code == 0, result.err
    assert [o["document_no"] for o in result.json()] == expected
    assert len(expected) < len(theirs)


def test_name_and_email_search_from_the_start_in_any_case(demo_300, db_url: str) -> None:
    order = next(o for o in _orders(db_url) if o.buyer_email and o.buyer_last_name)
    by_email = demo_300("orders", "--email", order.buyer_email[:5].upper(), "--json").json()
    assert order.document_no in [o["document_no"] for o in by_email]
    by_name = demo_300(
        "orders", "--name", f"{order.buyer_first_name} {order.buyer_last_name[:2]}", "--json"
    ).json()
    assert order.document_no in [o["document_no"] for o in by_name]
    table = demo_300("orders", "--name", order.buyer_last_name, "--limit", "5")
    assert table.code == 0 and order.buyer_last_name in table.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gross-min", "abc"], "is not an amount"),
        (["--gross-min", "1.234"], "more than two decimals"),
        (["--gross-max", "-1"], "from 0 to"),
        (["--gross-min", "nan"], "is not an amount"),
        (["--created-from", "2025-13-01"], "YYYY-MM-DD"),
        (["--created-to", "20250601"], "YYYY-MM-DD"),
        (["--email", "x" * 201], "longer than 200"),
        (["--gross-min", "5", "--gross-max", "1"], "below the minimum"),
        (["--created-from", "2025-06-02", "--created-to", "2025-06-01"], "before the first"),
    ],
)
def test_impossible_values_end_as_one_line_and_exit_2(demo_300, args, message) -> None:
    result = demo_300("orders", *args)
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err
