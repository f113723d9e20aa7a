"""Channels: listing and lookup by name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.models import Channel
from ..errors import FieldProblem, NotFound, ValidationFailed


@dataclass(frozen=True)
class ChannelView:
    id: int
    name: str
    display_name: str
    store: str
    currency: str


def _view(channel: Channel) -> ChannelView:
    return ChannelView(
        channel.id, channel.name, channel.display_name, channel.store, channel.currency
    )


def list_channels(db: Database) -> list[ChannelView]:
    """All channels by name."""
    with db.read() as session:
        return [_view(c) for c in session.scalars(select(Channel).order_by(Channel.name))]


def channel_by_name(session: Session, name: str) -> Channel:
    """The channel called ``name``, or :class:`NotFound` listing the channels there are."""
    channel = session.scalar(select(Channel).where(Channel.name == name))
    if channel is None:
        known = ", ".join(session.scalars(select(Channel.name).order_by(Channel.name))) or "none"
        raise NotFound(f"channel '{name}' does not exist (channels: {known})")
    return channel


def create_channel(
    db: Database,
    name: str,
    *,
    store: str,
    display_name: str = "",
    currency: str = "EUR",
    locale: str = "en_US",
) -> ChannelView:
    """Create a channel; names are unique."""
    name = name.strip()
    problems: list[FieldProblem] = []
    if not name:
        problems.append(FieldProblem("name", "channel name is mandatory"))
    if not store.strip():
        problems.append(FieldProblem("store", "store name is mandatory"))
    if len(currency) != 3:
        problems.append(FieldProblem("currency", "currency must be a 3-letter ISO code"))
    with db.write() as session:
        if name and session.scalar(select(Channel.id).where(Channel.name == name)):
            problems.append(FieldProblem("name", f"channel '{name}' already exists"))
        if problems:
            raise ValidationFailed(problems)
        channel = Channel(
            name=name,
            store=store.strip(),
            display_name=display_name,
            currency=currency.upper(),
            locale=locale,
        )
        session.add(channel)
        session.flush()
        return _view(channel)
