"""The orders search (SPEC §16): customer id, e-mail, name, creation days in the channel's time
zone and gross amounts, combined with status and document number, answered by the database
through its indexes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, insert, text

from orderio_tui.application.channels import ChannelForm, create_channel
from orderio_tui.application.orders import OrderFilter, list_orders
from orderio_tui.database import Database
from orderio_tui.domain.models import Channel, Order
from orderio_tui.errors import ValidationFailed

ORDERS = [
    # document, channel, status, created (UTC), customer, first, last, company, e-mail, gross
    (
        "1001",
        "berlin",
        "NEW",
        "2025-06-01T21:30",
        "C-1",
        "Lea",
        "Wagner",
        None,
        "Lea.W@x.org",
        "10",
    ),
    (
        "1002",
        "berlin",
        "EXPORTED",
        "2025-06-02T10:00",
        "C-1",
        "Lea",
        "Wagner",
        None,
        "lea.w@x.org",
        "99.99",
    ),
    (
        "1003",
        "berlin",
        "NEW",
        "2025-06-03T23:30",
        "C-2",
        "Jonas",
        "Müller",
        "ACME GmbH",
        "j_m@x.org",
        "100",
    ),
    ("2001", "newyork", "NEW", "2025-06-02T02:00", "C-1", "Wag", "Lea", None, "jxm@x.org", "50"),
    (
        "2002",
        "newyork",
        "NEW",
        "2025-06-03T12:00",
        "C-3",
        "Mia",
        "Weber",
        "Acmeland",
        "mia@x.org",
        "1000.50",
    ),
]


@pytest.fixture
def shop(db: Database) -> Database:
    """Channels in Berlin and New York with five orders between them."""
    create_channel(db, ChannelForm("berlin", timezone="Europe/Berlin"))
    create_channel(db, ChannelForm("newyork", timezone="America/New_York"))
    with db.write() as session:
        ids = {c.name: c.id for c in session.query(Channel)}
        for doc, channel, status, created, customer, first, last, company, email, gross in ORDERS:
            session.add(
                Order(
                    channel_id=ids[channel],
                    document_no=doc,
                    status=status,
                    created_at=datetime.fromisoformat(created).replace(tzinfo=UTC),
                    customer_no=customer,
                    buyer_first_name=first,
                    buyer_last_name=last,
                    buyer_company=company,
                    buyer_email=email,
                    gross_total=Decimal(gross),
                )
            )
    return db


def found(db: Database, channel: str | None = None, **filters: object) -> list[str]:
    return [o.document_no for o in list_orders(db, channel=channel, filters=OrderFilter(**filters))]


def test_the_customer_id_matches_exactly(shop: Database) -> None:
    assert found(shop, customer_id="C-1") == ["1001", "1002", "2001"]
    assert found(shop, "berlin", customer_id="C-1") == ["1001", "1002"]
    assert found(shop, customer_id="C-") == []


def test_the_email_matches_from_its_start_in_any_case_and_wildcards_are_plain(
    shop: Database,
) -> None:
    assert found(shop, email="LEA.w@") == ["1001", "1002"]
    assert found(shop, email="j_m") == ["1003"]  # not jxm@: "_" is no wildcard
    assert found(shop, email="x.org") == []


def test_the_name_matches_last_first_first_and_last_or_company(shop: Database) -> None:
    assert found(shop, name="wag") == ["1001", "1002", "2001"]  # last name or first name
    assert found(shop, name="Lea Wag") == ["1001", "1002"]
    assert found(shop, name="Müll") == ["1003"]
    assert found(shop, name="acme") == ["1003", "2002"]
    assert found(shop, name="ACME G") == ["1003"]


def test_creation_days_are_those_of_each_orders_channel(shop: Database) -> None:
    # 1001 is 2025-06-01 23:30 in Berlin, 2001 is 2025-06-01 22:00 in New York.
    june_2 = {"created_from": date(2025, 6, 2), "created_to": date(2025, 6, 2)}
    assert found(shop, "berlin", **june_2) == ["1002"]
    assert found(shop, "berlin", created_to=date(2025, 6, 1)) == ["1001"]
    assert found(shop, "newyork", created_to=date(2025, 6, 1)) == ["2001"]
    assert found(shop, **june_2) == ["1002"]
    assert found(shop, created_from=date(2025, 6, 4)) == ["1003"]  # 01:30 on the 4th in Berlin


def test_gross_bounds_are_included_and_every_filter_combines(shop: Database) -> None:
    assert found(shop, gross_min=Decimal("10"), gross_max=Decimal("99.99")) == [
        "1001",
        "1002",
        "2001",
    ]
    assert found(shop, gross_min=Decimal("1000.50")) == ["2002"]
    assert found(
        shop,
        "berlin",
        status="NEW",
        customer_id="C-1",
        name="Lea",
        email="lea",
        created_from=date(2025, 6, 1),
        gross_max=Decimal("10"),
        document_prefix="10",
    ) == ["1001"]
    assert found(shop, status="NEW", document_prefix="2") == ["2001", "2002"]


def test_impossible_searches_are_refused_with_the_field(shop: Database) -> None:
    with pytest.raises(ValidationFailed) as error:
        list_orders(shop, filters=OrderFilter(gross_min=Decimal("5"), gross_max=Decimal("1")))
    assert [p.field for p in error.value.problems] == ["gross_max"]
    with pytest.raises(ValidationFailed) as error:
        list_orders(
            shop,
            filters=OrderFilter(
                created_from=date(2025, 6, 2), created_to=date(2025, 6, 1), email="x" * 201
            ),
        )
    assert {p.field for p in error.value.problems} == {"email", "created_to"}


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (OrderFilter(customer_id="C-1"), "ix_orders_customer_no"),
        (OrderFilter(email="lea"), "ix_orders_buyer_email_lower"),
        (OrderFilter(name="wag"), "ix_orders_buyer_last_name_lower"),
        (OrderFilter(name="Lea Wag"), "ix_orders_buyer_company_lower"),
        (
            OrderFilter(created_from=date(2025, 6, 2), created_to=date(2025, 6, 3)),
            "ix_orders_channel_created",
        ),
        (OrderFilter(gross_min=Decimal("10"), gross_max=Decimal("20")), "ix_orders_gross_total"),
        # a wide range is tested on the rows the narrower search finds, not walked
        (
            OrderFilter(
                email="lea",
                created_from=date(2024, 1, 1),
                created_to=date(2025, 12, 31),
                gross_min=Decimal("0"),
                gross_max=Decimal("20"),
            ),
            "ix_orders_buyer_email_lower",
        ),
    ],
)
def test_each_search_is_answered_through_an_index(
    shop: Database, filters: OrderFilter, index: str
) -> None:
    with shop.write() as session:  # enough other orders that an index pays, and their statistics
        berlin = session.query(Channel).filter_by(name="berlin").one()
        session.execute(
            insert(Order),
            [
                {
                    "channel_id": berlin.id,
                    "document_no": f"9{n:05d}",
                    "created_at": datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
                    "customer_no": f"K-{n}",
                    "buyer_first_name": f"F{n}",
                    "buyer_last_name": f"L{n}",
                    "buyer_email": f"e{n}@y.org",
                    "gross_total": Decimal(n % 9),
                }
                for n in range(3000)
            ],
        )
        session.execute(text("ANALYZE"))
    seen: list[tuple[str, object]] = []

    def catch(conn: object, cursor: object, statement: str, params: object, *_: object) -> None:
        if "FROM orders JOIN channels" in statement:
            seen.append((statement, params))

    event.listen(shop.engine, "before_cursor_execute", catch)
    try:
        list_orders(shop, channel="berlin", filters=filters)
    finally:
        event.remove(shop.engine, "before_cursor_execute", catch)
    [(statement, params)] = seen
    with shop.engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        )
    assert f"USING INDEX {index}" in plan, plan
