"""Every key of the configuration file: its type, default and allowed values (SPEC §12).

The reader checks a file against these tables, the writer takes its comments from them and
docs/configuration.md documents them (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ...alerts.settings import AlertEvent
from ...domain.statuses import (
    CustomerType,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    ScheduleMode,
    ScheduleUnit,
    ServiceKind,
    Weekday,
)
from ..services import LOG_LEVELS, TRANSPORTS

STRING = "string"
BOOLEAN = "boolean"
INTEGER = "integer"
STRINGS = "list of strings"
TRANSITIONS = "table of strings"
DATETIME = "date-time"
AMOUNT = "amount"
TABLE = "table"

#: Integer columns hold 32 bits, the big ones 64 (TOML integers may have 64).
MAX_INTEGER = 2**31 - 1
MAX_BIG_INTEGER = 2**63 - 1

_EXPORT_KINDS = (ServiceKind.EXPORT_XML, ServiceKind.EXPORT_XSLT)
_IMPORT_KINDS = tuple(kind for kind in ServiceKind if kind.reads_inbox)


@dataclass(frozen=True)
class Key:
    """One key of a table of the configuration file."""

    name: str
    type: str
    #: The value used when the key is left out (None: not set).
    default: Any = None
    #: The values a string (or each string of a list) may have; empty: any.
    allowed: tuple[str, ...] = ()
    #: The form field whose validation problems belong to this key (default: the key's name).
    field: str = ""
    #: Services only: the kinds the key applies to (empty: every kind).
    kinds: tuple[ServiceKind, ...] = ()
    mandatory: bool = False
    #: Shown, commented out, in a dump when the key is not set.
    example: str = ""
    #: What the value means, for the dump's comment (allowed values are added to it).
    hint: str = ""
    #: Integers only: the largest value the database can store for it.
    maximum: int = MAX_INTEGER
    #: The value becomes an enumeration member when read, so the reader checks ``allowed``
    #: (other allowed values are checked by the forms' validation, and listed for the docs).
    enumeration: bool = False

    @property
    def form_field(self) -> str:
        return self.field or self.name

    def applies_to(self, kind: ServiceKind) -> bool:
        return not self.kinds or kind in self.kinds


def _values(enum: Any) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


CHANNEL_KEYS = (
    Key("name", STRING, mandatory=True),
    Key("display_name", STRING, ""),
    Key("store", STRING, "", example='"inSPIRED-inTRONICS-Site"'),
    Key("currency", STRING, "EUR", hint="ISO 4217 code"),
    Key("locale", STRING, "en_US", hint="language_COUNTRY"),
    Key("timezone", STRING, "UTC", hint="IANA time zone, e.g. Europe/Berlin"),
)

SERVICE_KEYS = (
    Key("name", STRING, mandatory=True),
    Key("kind", STRING, allowed=_values(ServiceKind), mandatory=True, enumeration=True),
    Key("display_name", STRING, ""),
    Key(
        "directory",
        STRING,
        mandatory=True,
        hint="export target, or inbox of an import; must exist",
    ),
    Key("enabled", BOOLEAN, True),
    Key("log_level", STRING, "INFO", allowed=LOG_LEVELS),
    Key("file_prefix", STRING, "orders", kinds=_EXPORT_KINDS),
    Key("file_extension", STRING, ".xml", kinds=_EXPORT_KINDS),
    Key(
        "stylesheet",
        STRING,
        "",
        field="stylesheet_path",
        kinds=(ServiceKind.EXPORT_XSLT,),
        mandatory=True,
    ),
    Key("file_pattern", STRING, "*.xml", kinds=_IMPORT_KINDS),
    Key("archive_directory", STRING, "", kinds=_IMPORT_KINDS, hint='"": <directory>/archive'),
    Key("error_directory", STRING, "", kinds=_IMPORT_KINDS, hint='"": <directory>/error'),
    Key(
        "max_file_size",
        INTEGER,
        200 * 1024 * 1024,
        kinds=_IMPORT_KINDS,
        hint="bytes",
        maximum=MAX_BIG_INTEGER,
    ),
    Key("min_file_age_seconds", INTEGER, 2, kinds=_IMPORT_KINDS),
    Key(
        "transport",
        STRING,
        "local",
        allowed=TRANSPORTS,
        hint="sftp: files go to / come from [service.sftp]",
    ),
    Key("sftp", TABLE),
)

SFTP_KEYS = (
    Key("host", STRING, field="sftp_host", mandatory=True, example='"sftp.erp.example"'),
    Key("port", INTEGER, 22, field="sftp_port"),
    Key("user", STRING, field="sftp_user", mandatory=True, example='"orderio"'),
    Key("key_file", STRING, field="sftp_key_file", example='"/etc/orderio/id_ed25519"'),
    Key(
        "password_env",
        STRING,
        field="sftp_password_env",
        example='"ORDERIO_SFTP_PASSWORD"',
        hint="environment variable holding the password (instead of key_file)",
    ),
    Key(
        "known_hosts",
        STRING,
        field="sftp_known_hosts",
        mandatory=True,
        example='"/etc/orderio/known_hosts"',
        hint="the server's host key is checked against this file",
    ),
    Key(
        "remote_directory",
        STRING,
        field="sftp_remote_directory",
        mandatory=True,
        example='"/upload/orders"',
    ),
    Key(
        "remote_archive",
        STRING,
        field="sftp_remote_archive",
        kinds=_IMPORT_KINDS,
        example='"/outbox/archive"',
        hint="pickups; default <remote_directory>/archive",
    ),
    Key(
        "remote_error",
        STRING,
        field="sftp_remote_error",
        kinds=_IMPORT_KINDS,
        example='"/outbox/error"',
        hint="pickups; default <remote_directory>/error",
    ),
)

SCHEDULE_KEYS = (
    Key("mode", STRING, "manual", allowed=_values(ScheduleMode), enumeration=True),
    Key("every", INTEGER, field="schedule_every", example="5"),
    Key(
        "unit",
        STRING,
        allowed=_values(ScheduleUnit),
        field="schedule_unit",
        example='"minutes"',
        enumeration=True,
    ),
    Key("at", STRING, field="schedule_at", example='"02:30"', hint="HH:MM, for days and weeks"),
    Key(
        "weekday",
        STRING,
        allowed=_values(Weekday),
        field="schedule_weekday",
        example='"monday"',
        enumeration=True,
    ),
    Key("enabled", BOOLEAN, True, field="schedule_enabled"),
)

CONDITION_KEYS = (
    Key("order_statuses", STRINGS, ["NEW"], allowed=_values(OrderStatus)),
    Key(
        "fulfillment_statuses",
        STRINGS,
        list(_values(LineItemStatus)),
        allowed=_values(LineItemStatus),
        field="line_item_statuses",
    ),
    Key("payment_statuses", STRINGS, list(_values(PaymentStatus)), allowed=_values(PaymentStatus)),
    Key("customer_types", STRINGS, list(_values(CustomerType)), allowed=_values(CustomerType)),
    Key("order_numbers", STRINGS, []),
    Key("customer_id", STRING, ""),
    Key("created_from", DATETIME, example="2026-11-01T00:00:00Z"),
    Key("created_to", DATETIME, example="2026-11-30T23:59:59Z"),
    Key("gross_min", AMOUNT, example='"10.00"'),
    Key("gross_max", AMOUNT, example='"5000.00"'),
    Key("skus", STRINGS, []),
    Key("supplier", STRING, ""),
    Key("min_age_minutes", INTEGER, example="15", hint="settle delay"),
    Key("only_not_exported", BOOLEAN, False),
    Key("max_orders", INTEGER, example="1000"),
)

_CONFIGURATION_KEYS = (
    Key("channel", STRING, mandatory=True),
    Key("name", STRING, mandatory=True),
    Key("service", STRING, mandatory=True),
    Key("description", STRING, ""),
)

EXPORT_KEYS = (
    *_CONFIGURATION_KEYS,
    Key("status_updates", BOOLEAN, True, field="status_updates_enabled"),
    Key(
        "order_transitions",
        TRANSITIONS,
        {"CANCELLED": "CANCELLEDANDEXPORTED", "NEW": "EXPORTED"},
        allowed=_values(OrderStatus),
    ),
    Key(
        "line_item_transitions",
        TRANSITIONS,
        {"CANCELLED": "CANCELLEDANDEXPORTED", "NEW": "INPROGRESS"},
        allowed=_values(LineItemStatus),
    ),
    Key("schedule", TABLE),
    Key("conditions", TABLE),
)

IMPORT_KEYS = (*_CONFIGURATION_KEYS, Key("schedule", TABLE))

ALERT_KEYS = (
    Key("name", STRING, mandatory=True),
    Key("on", STRINGS, allowed=_values(AlertEvent), field="events", mandatory=True),
    Key("channel", STRING, example='"shop-de"', hint="all channels when not set"),
    Key("configurations", STRINGS, [], example='["erp-export"]', hint="all when not set"),
    Key("silent_minutes", INTEGER, 10, hint="for scheduler-silent"),
    Key("webhook_url", STRING),
    Key("secret_env", STRING, hint="environment variable holding the HMAC secret"),
    Key("smtp_host", STRING),
    Key("smtp_port", INTEGER, 587),
    Key("smtp_user", STRING),
    Key("password_env", STRING, hint="environment variable holding the SMTP password"),
    Key("smtp_starttls", BOOLEAN, True),
    Key("smtp_ca_file", STRING, hint="CA certificate to verify the server (default: system)"),
    Key("from", STRING, field="mail_from"),
    Key("to", STRINGS, field="mail_to"),
    Key("enabled", BOOLEAN, True),
)

#: The arrays of tables at the top of the file, and the keys of their tables.
HISTORY_KEYS = (
    Key("idle_run_retention_days", INTEGER, 1, hint="days idle runs are kept; 0 to 36500"),
    Key("run_retention_days", INTEGER, 90, hint="days the other runs are kept; 0 to 36500"),
)

#: Tables written once, ``[history]``, not as arrays of tables.
SINGLE_TABLES: dict[str, tuple[Key, ...]] = {"history": HISTORY_KEYS}

TABLES: dict[str, tuple[Key, ...]] = {
    "channel": CHANNEL_KEYS,
    "service": SERVICE_KEYS,
    "export": EXPORT_KEYS,
    "import": IMPORT_KEYS,
    "intake": IMPORT_KEYS,
    "alert": ALERT_KEYS,
}

#: The sub-tables of a table: (table, sub-table) → keys.
SUB_TABLES: dict[tuple[str, str], tuple[Key, ...]] = {
    ("service", "sftp"): SFTP_KEYS,
    ("export", "schedule"): SCHEDULE_KEYS,
    ("export", "conditions"): CONDITION_KEYS,
    ("import", "schedule"): SCHEDULE_KEYS,
    ("intake", "schedule"): SCHEDULE_KEYS,
}


def key_path_of_field(table: str, field: str) -> str:
    """The dotted key (``schedule.every``) that a form field of ``table`` is written as."""
    for key in TABLES.get(table) or SINGLE_TABLES[table]:
        if key.form_field == field and key.type != TABLE:
            return key.name
    for (owner, sub), keys in SUB_TABLES.items():
        if owner != table:
            continue
        for key in keys:
            if key.form_field == field:
                return f"{sub}.{key.name}"
    return field


_TOML_TYPES = (
    (bool, BOOLEAN),
    (int, INTEGER),
    (float, "float"),
    (str, STRING),
    (list, "array"),
    (dict, TABLE),
    (datetime, DATETIME),
    (date, "date"),
)


def toml_type(value: object) -> str:
    """The TOML type of a value as tomllib returns it, in words."""
    for python_type, name in _TOML_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def type_problem(key: Key, value: object) -> str | None:
    """Why ``value`` does not have the type of ``key``, or None."""
    if key.type == STRING:
        ok = isinstance(value, str)
    elif key.type == BOOLEAN:
        ok = isinstance(value, bool)
    elif key.type == INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif key.type == STRINGS:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif key.type == TRANSITIONS:
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    elif key.type == DATETIME:
        ok = isinstance(value, date | str)
    elif key.type == AMOUNT:
        ok = isinstance(value, int | float | str) and not isinstance(value, bool)
    else:
        ok = isinstance(value, dict)
    if ok and key.type == INTEGER and abs(value) > key.maximum:  # type: ignore[arg-type]
        return f"{value} is out of range: use a number between -{key.maximum} and {key.maximum}"
    if ok:
        return None
    hint = {
        STRING: 'a string in quotes, e.g. "text"',
        BOOLEAN: "true or false",
        INTEGER: "a whole number without quotes, e.g. 5",
        STRINGS: 'a list of strings, e.g. ["NEW", "PENDING"]',
        TRANSITIONS: 'a table of statuses, e.g. { NEW = "EXPORTED" }',
        DATETIME: "a date-time such as 2026-11-01T00:00:00Z",
        AMOUNT: 'an amount such as "100.00"',
        TABLE: "a table",
    }[key.type]
    return f"must be {hint}, not {toml_type(value)}"
