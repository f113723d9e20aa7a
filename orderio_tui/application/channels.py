"""Channels: listing, lookup by name, and creating, editing and removing them (SPEC §12).

:func:`channel_problems` is the one place where a channel's fields are checked; the command line,
the TUI's channels screen and the configuration file all go through it.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, replace
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..database import Database
from ..domain.models import (
    Channel,
    ExportConfiguration,
    ImportConfiguration,
    IntakeConfiguration,
    Order,
    Run,
)
from ..errors import FieldProblem, NotFound, UserError, ValidationFailed
from .audit import CREATE, DELETE, UPDATE, record_change

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
_LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")
MAX_NAME_LENGTH = 100
MAX_DISPLAY_NAME_LENGTH = 200
DEFAULT_CURRENCY = "EUR"
DEFAULT_LOCALE = "en_US"
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class ChannelForm:
    """The editable fields of a channel; ``store`` empty means the channel's name."""

    name: str
    display_name: str = ""
    store: str = ""
    currency: str = DEFAULT_CURRENCY
    locale: str = DEFAULT_LOCALE
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True)
class ChannelView:
    id: int
    name: str
    display_name: str
    store: str
    currency: str
    locale: str = DEFAULT_LOCALE
    timezone: str = DEFAULT_TIMEZONE

    def form(self) -> ChannelForm:
        """The form that shows this channel."""
        return ChannelForm(
            self.name, self.display_name, self.store, self.currency, self.locale, self.timezone
        )

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "store": self.store,
            "currency": self.currency,
            "locale": self.locale,
            "timezone": self.timezone,
        }


def _view(channel: Channel) -> ChannelView:
    return ChannelView(
        channel.id,
        channel.name,
        channel.display_name,
        channel.store,
        channel.currency,
        channel.locale,
        channel.timezone,
    )


def list_channels(db: Database) -> list[ChannelView]:
    """All channels by name."""
    with db.read() as session:
        return channels_in(session)


def channels_in(session: Session) -> list[ChannelView]:
    """All channels by name, read in ``session``."""
    return [_view(c) for c in session.scalars(select(Channel).order_by(Channel.name))]


def channel_by_name(session: Session, name: str) -> Channel:
    """The channel called ``name``, or :class:`NotFound` listing the channels there are."""
    channel = session.scalar(select(Channel).where(Channel.name == name))
    if channel is None:
        known = ", ".join(session.scalars(select(Channel.name).order_by(Channel.name))) or "none"
        raise NotFound(f"channel '{name}' does not exist (channels: {known})")
    return channel


def load_channel_form(db: Database, name: str) -> ChannelForm:
    """The form that shows the channel called ``name``."""
    with db.read() as session:
        return _view(channel_by_name(session, name)).form()


@cache
def time_zones() -> frozenset[str]:
    """The IANA time zone names this machine knows."""
    return frozenset(zoneinfo.available_timezones())


def normalized(form: ChannelForm) -> ChannelForm:
    """The form as it is stored: trimmed, currency in capitals, store defaulting to the name."""
    name = form.name.strip()
    return replace(
        form,
        name=name,
        display_name=form.display_name.strip(),
        store=form.store.strip() or name,
        currency=form.currency.strip().upper(),
        locale=form.locale.strip(),
        timezone=form.timezone.strip(),
    )


def channel_problems(
    session: Session | None, form: ChannelForm, *, channel_id: int | None = None
) -> list[FieldProblem]:
    """Everything wrong with a channel form, one message per problem (without a session, all
    but a name already taken)."""
    form = normalized(form)
    problems: list[FieldProblem] = []
    if not form.name:
        problems.append(FieldProblem("name", "channel name is mandatory"))
    elif len(form.name) > MAX_NAME_LENGTH or not _NAME_PATTERN.match(form.name):
        problems.append(
            FieldProblem(
                "name",
                f"channel name '{form.name}' must be up to {MAX_NAME_LENGTH} letters, digits, "
                f"'.', '_' or '-' (e.g. shop-de)",
            )
        )
    elif session is not None:
        clash = session.scalar(select(Channel.id).where(Channel.name == form.name))
        if clash is not None and clash != channel_id:
            problems.append(
                FieldProblem("name", f"channel '{form.name}' already exists: choose another name")
            )
    if len(form.display_name) > MAX_DISPLAY_NAME_LENGTH:
        problems.append(
            FieldProblem(
                "display_name", f"display name is longer than {MAX_DISPLAY_NAME_LENGTH} characters"
            )
        )
    if len(form.store) > MAX_DISPLAY_NAME_LENGTH:
        problems.append(
            FieldProblem("store", f"store name is longer than {MAX_DISPLAY_NAME_LENGTH} characters")
        )
    if not _CURRENCY_PATTERN.match(form.currency):
        problems.append(
            FieldProblem(
                "currency",
                f"currency '{form.currency}' is not a 3-letter ISO 4217 code (e.g. EUR, USD, CHF)",
            )
        )
    if not _LOCALE_PATTERN.match(form.locale):
        problems.append(
            FieldProblem(
                "locale", f"locale '{form.locale}' is not language_COUNTRY (e.g. de_DE, en_US)"
            )
        )
    if form.timezone not in time_zones():
        problems.append(
            FieldProblem(
                "timezone",
                f"time zone '{form.timezone}' is not an IANA time zone "
                f"(e.g. Europe/Berlin, America/New_York, UTC)",
            )
        )
    return problems


def _store(channel: Channel, form: ChannelForm) -> None:
    form = normalized(form)
    channel.name = form.name
    channel.display_name = form.display_name
    channel.store = form.store
    channel.currency = form.currency
    channel.locale = form.locale
    channel.timezone = form.timezone


def add_channel(session: Session, form: ChannelForm) -> ChannelView:
    """Validate and store a new channel in ``session``."""
    problems = channel_problems(session, form)
    if problems:
        raise ValidationFailed(problems)
    channel = Channel()
    _store(channel, form)
    session.add(channel)
    session.flush()
    view = _view(channel)
    _audit(session, channel, CREATE, None, view.form())
    return view


def _audit(
    session: Session,
    channel: Channel,
    action: str,
    before: ChannelForm | None,
    after: ChannelForm | None,
) -> None:
    record_change(
        session,
        "channel",
        action,
        channel.name,
        subject_id=channel.id,
        channel=channel.name,
        before=before,
        after=after,
    )


def change_channel(session: Session, name: str, form: ChannelForm) -> ChannelView:
    """Validate and store changes to the channel called ``name`` in ``session``."""
    channel = channel_by_name(session, name)
    problems = channel_problems(session, form, channel_id=channel.id)
    if problems:
        raise ValidationFailed(problems)
    before = _view(channel).form()
    _store(channel, form)
    session.flush()
    view = _view(channel)
    _audit(session, channel, UPDATE, before, view.form())
    return view


def channel_users(session: Session, channel: Channel) -> list[str]:
    """What keeps a channel from being removed: its configurations, orders and runs, in words."""
    users: list[str] = []
    for label, model in (
        ("export configuration", ExportConfiguration),
        ("import configuration", ImportConfiguration),
        ("intake configuration", IntakeConfiguration),
    ):
        names = list(
            session.scalars(
                select(model.name).where(model.channel_id == channel.id).order_by(model.name)
            )
        )
        if names:
            plural = "s" if len(names) > 1 else ""
            users.append(f"{label}{plural} {', '.join(names)}")
    for label, model_id, column in (
        ("order", Order.id, Order.channel_id),
        ("run", Run.id, Run.channel_id),
    ):
        count = session.scalar(select(func.count(model_id)).where(column == channel.id)) or 0
        if count:
            users.append(f"{count} {label}{'s' if count > 1 else ''}")
    return users


def remove_channel(session: Session, name: str) -> None:
    """Delete the channel called ``name`` when nothing uses it; else say what does."""
    channel = channel_by_name(session, name)
    users = channel_users(session, channel)
    if users:
        raise UserError(
            f"channel '{name}' is in use ({'; '.join(users)}): delete its configurations "
            f"first; a channel with orders or run history is kept"
        )
    _audit(session, channel, DELETE, _view(channel).form(), None)
    session.delete(channel)
    session.flush()


def create_channel(db: Database, form: ChannelForm) -> ChannelView:
    """Validate and store a new channel."""
    with db.write() as session:
        return add_channel(session, form)


def update_channel(db: Database, name: str, form: ChannelForm) -> ChannelView:
    """Validate and store changes to the channel called ``name``."""
    with db.write() as session:
        return change_channel(session, name, form)


def delete_channel(db: Database, name: str) -> None:
    """Delete an unused channel (no configurations, orders or runs)."""
    with db.write() as session:
        remove_channel(session, name)
