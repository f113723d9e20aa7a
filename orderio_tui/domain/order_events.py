"""What other parts must learn when orders are created (SPEC §14 "on order creation")."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import Channel


def note_new_orders(session: Session, channel_id: int) -> None:
    """Raise the channel's order version in the caller's transaction, which creates orders.

    Every scheduler, in any process on any machine, watches the version and runs the channel's
    "on order creation" exports once it has moved; several commits in a row lead to one run at
    a time.
    """
    session.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(orders_version=Channel.orders_version + 1)
    )


def order_versions(session: Session, channel_ids: set[int]) -> dict[int, int]:
    """The order version of each channel in ``channel_ids``."""
    if not channel_ids:
        return {}
    rows = session.execute(
        select(Channel.id, Channel.orders_version).where(Channel.id.in_(sorted(channel_ids)))
    )
    return {channel_id: int(version or 0) for channel_id, version in rows}
