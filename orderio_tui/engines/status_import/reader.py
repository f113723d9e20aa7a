"""Secure streaming reader of order status files (SPEC §6.2, §7.3).

A status file is untrusted input. It is parsed with entity resolution, DTD loading and network
access off and libxml2's size limits on (no ``huge_tree``); a file with any DOCTYPE is refused
before anything of it is used; the file size is capped. The file is read as a stream: order
entries are handed out in batches and their elements are deleted from the tree, so memory does
not grow with the file.

Memory is bounded by what one entry may hold (:class:`~.settings.ImportLimits`): line items and
payment transactions per entry, attributes per element and their length are checked as each
element starts, and no stretch of the file longer than :data:`MAX_TAG_BYTES` may lack a ``>``
(a start tag of megabytes of attributes is refused before libxml2 builds it). A batch ends after
``batch_size`` entries or :data:`BATCH_CHILDREN` line items and payments, and the tree is
cleared whenever :data:`CLEAR_BYTES` more of the file were read, inside an entry too.

The tree is validated against the shipped XSD before it is cleared and before a batch is
handed out. The validation runs on the partly built document itself: everything the parser has
built so far (the root, the entries or the part of an entry since the last clearing) is
validated. The format's content models accept every prefix of valid content, so a part that is
not valid means the file is not valid, and every element is complete in at least one
validation. Elements are removed only once a later sibling has begun, so the parser never
appends to a removed node.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from ..files import NotRegularFile, open_regular_file
from ..untrusted_xml import iterparse, refuse_doctype
from .settings import LIMIT_VARIABLES, ImportLimits

DEFAULT_LIMITS = ImportLimits()

NAMESPACE = "http://www.intershop.com/xml/ns/intershop/order/status/1.0"
SCHEMA_PATH = Path(__file__).with_name("order-status-1.0.xsd")
ROOT_TAG = f"{{{NAMESPACE}}}orders"
ORDER_TAG = f"{{{NAMESPACE}}}order"
LINE_ITEM_TAG = f"{{{NAMESPACE}}}line-item"
PAYMENT_TAG = f"{{{NAMESPACE}}}payment-transaction"

DEFAULT_BATCH_SIZE = 1000
#: A batch ends at the entry that brings its line items and payment transactions past this.
BATCH_CHILDREN = 20_000
#: The tree is validated and cleared each time this many more bytes of the file were read.
CLEAR_BYTES = 4 * 1024 * 1024
#: The longest stretch of the file without a ``>``: longer tags, texts or comments are refused.
MAX_TAG_BYTES = 1024 * 1024
_SNIFF_BYTES = 4096
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_LINE_COLUMN_SUFFIX = re.compile(r",\s*line (\d+), column (\d+)\s*$")


class StatusFileError(Exception):
    """The file as a whole can not be imported: not well-formed, not valid, unsafe, too big."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line or None
        self.column = column or None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(slots=True)
class StatusEntry:
    """One `order` element of a status file, as written (validated against the XSD)."""

    line: int
    order_ref: str
    status: str | None = None
    to_be_deleted: bool | None = None
    changed: str | None = None
    #: (position, status) in file order.
    line_items: list[tuple[int, str]] = field(default_factory=list)
    #: (transaction id, status) in file order.
    payments: list[tuple[str, str]] = field(default_factory=list)


_per_thread = threading.local()


def status_schema() -> etree.XMLSchema:
    """The shipped XSD of the status format, parsed once per thread.

    A validator keeps the errors of its last validation on itself, so concurrent runs (the
    scheduler's workers) each use their own.
    """
    schema = getattr(_per_thread, "schema", None)
    if schema is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        schema = _per_thread.schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))
    return schema


def describe_size(size: int) -> str:
    """A byte count for people (``1.5 MB``)."""
    if size < 1024:
        return f"{size} bytes"
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover


class _CappedReader:
    """Hands the file to the parser, refusing to read past the size limit or a giant tag.

    The size is checked before parsing too; this covers a file that grows while it is read.
    """

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw = raw
        self._limit = limit
        #: Bytes handed to the parser so far.
        self.read_bytes = 0
        self._since_close = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.read_bytes += len(data)
        if self.read_bytes > self._limit:
            raise StatusFileError(
                f"the file grew past the size limit of {describe_size(self._limit)} "
                "while it was read"
            )
        self._check_tags(data)
        return data

    def _check_tags(self, data: bytes) -> None:
        first = data.find(b">")
        if first < 0:
            self._since_close += len(data)
            self._refuse_gap(self._since_close, len(data))
            return
        self._refuse_gap(self._since_close + first, len(data) - first)
        if len(data) > MAX_TAG_BYTES:  # a gap inside the chunk may be longer than the limit
            start = first + 1
            while (close := data.find(b">", start)) >= 0:
                self._refuse_gap(close - start, len(data) - close)
                start = close + 1
        self._since_close = len(data) - data.rfind(b">") - 1
        self._refuse_gap(self._since_close, 0)

    def _refuse_gap(self, gap: int, after: int) -> None:
        """Refuse ``gap`` bytes without a '>' ending ``after`` bytes before the end of the read."""
        if gap > MAX_TAG_BYTES:
            raise StatusFileError(
                f"more than {describe_size(MAX_TAG_BYTES)} without a '>' before byte "
                f"{self.read_bytes - after}: a tag, text or comment that long (megabytes of "
                "attributes, say) is not a status file"
            )


def iter_entry_batches(
    path: Path,
    *,
    max_size: int,
    limits: ImportLimits = DEFAULT_LIMITS,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[list[StatusEntry]]:
    """Validated entries of the status file at ``path``, in batches of at most ``batch_size``.

    Raises :class:`StatusFileError` (possibly after some batches were handed out) when the file
    is empty, too big, binary, not well-formed, not valid against the XSD or unsafe; callers
    apply batches in one transaction and roll it back on that error.
    """
    try:
        raw = open_regular_file(path)
    except NotRegularFile:
        raise StatusFileError(
            "not a regular file (a link, FIFO or device); it is not read"
        ) from None
    with raw:
        size = os.fstat(raw.fileno()).st_size
        if size == 0:
            raise StatusFileError("the file is empty; expected an order status XML document")
        if size > max_size:
            raise StatusFileError(
                f"the file is {describe_size(size)}, more than the size limit of "
                f"{describe_size(max_size)} set on the service (max file size)"
            )
        _refuse_binary(raw.read(_SNIFF_BYTES))
        raw.seek(0)
        yield from _parse(_CappedReader(raw, max_size), limits, batch_size)


def _refuse_binary(head: bytes) -> None:
    if head.startswith(_TEXT_BOMS) or head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return  # UTF-8 with BOM or UTF-16: let the parser decide
    offset = head.find(b"\x00")
    if offset >= 0:
        raise StatusFileError(
            f"the file is not text (it has a NUL byte at offset {offset}); "
            "expected an order status XML document"
        )


#: What the stream collects of one `order` element before its batch is validated: its line,
#: the attributes id, status, toBeDeleted and changed, and (position, status) of its line items
#: and (id, status) of its payment transactions, all as written.
_RawEntry = tuple[
    int,
    str | None,
    str | None,
    str | None,
    str | None,
    list[tuple[str | None, str | None]],
    list[tuple[str | None, str | None]],
]


def _parse(
    source: _CappedReader, limits: ImportLimits, batch_size: int
) -> Iterator[list[StatusEntry]]:
    schema = status_schema()
    context = iterparse(source, ("start", "end"))
    root: etree._Element | None = None
    raw_entries: list[_RawEntry] = []
    items: list[tuple[str | None, str | None]] = []
    payments: list[tuple[str | None, str | None]] = []
    children = 0  # line items and payments of the entries in raw_entries
    max_items, max_payments = limits.max_line_items, limits.max_payment_transactions
    max_attributes, max_length = limits.max_attributes, limits.max_attribute_length
    clear_at = CLEAR_BYTES
    try:
        for event, element in context:
            if event == "start":
                if root is None:  # before anything else of the file is used
                    root = element
                    _check_root(root)
                values = element.values()
                if len(values) > max_attributes or (values and max(map(len, values)) > max_length):
                    raise _attribute_error(element, limits)
                continue
            # Children end before their entry; where an element sits is checked by the XSD.
            tag = element.tag
            if tag == ORDER_TAG:
                get = element.get
                raw_entries.append(
                    (
                        element.sourceline or 0,
                        get("id"),
                        get("status"),
                        get("toBeDeleted"),
                        get("changed"),
                        items,
                        payments,
                    )
                )
                children += len(items) + len(payments)
                items = []
                payments = []
                if len(raw_entries) >= batch_size or children >= BATCH_CHILDREN:
                    assert root is not None  # entries are children of the root
                    _clear(root, schema)
                    yield [_entry(raw) for raw in raw_entries]
                    raw_entries = []
                    children = 0
                    clear_at = source.read_bytes + CLEAR_BYTES
                continue
            if tag == LINE_ITEM_TAG:
                items.append((element.get("position"), element.get("status")))
                if len(items) > max_items:
                    raise _count_error(element, "line items", "max_line_items", max_items)
            elif tag == PAYMENT_TAG:
                payments.append((element.get("id"), element.get("status")))
                if len(payments) > max_payments:
                    raise _count_error(
                        element, "payment transactions", "max_payment_transactions", max_payments
                    )
            elif element is not root:
                assert root is not None  # every other element is inside the root
                _validate(root, schema)  # an element the format does not have: the XSD says why
                continue
            if root is not None and source.read_bytes >= clear_at:
                _clear(root, schema)
                clear_at = source.read_bytes + CLEAR_BYTES
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    except etree.LxmlError as exc:
        raise StatusFileError(f"the file can not be read as XML: {exc}") from None
    if root is None:  # pragma: no cover - libxml2 reports a document without root itself
        raise StatusFileError("the file has no root element")
    _validate(root, schema)
    yield [_entry(raw) for raw in raw_entries]


def _variable(field_name: str) -> str:
    return next(variable for variable, name, *_ in LIMIT_VARIABLES if name == field_name)


def _count_error(
    element: etree._Element, what: str, field_name: str, limit: int
) -> StatusFileError:
    return StatusFileError(
        f"an order entry has more than {limit} {what}, the limit of one entry "
        f"(${_variable(field_name)})",
        _line(element),
    )


def _attribute_error(element: etree._Element, limits: ImportLimits) -> StatusFileError:
    name = etree.QName(element).localname
    values = element.values()
    if len(values) > limits.max_attributes:
        problem = (
            f"element '{name}' has more than {limits.max_attributes} attributes "
            f"(${_variable('max_attributes')})"
        )
    else:
        problem = (
            f"an attribute of element '{name}' is longer than {limits.max_attribute_length} "
            f"characters (${_variable('max_attribute_length')})"
        )
    return StatusFileError(problem, _line(element))


def _line(element: etree._Element) -> int | None:
    """The element's line in the file (None when the parser does not know it)."""
    line = element.sourceline
    return line if isinstance(line, int) else None


def _clear(root: etree._Element, schema: etree.XMLSchema) -> None:
    """Validate what was built so far, then remove all of it but the newest elements."""
    _validate(root, schema)
    if len(root) > 1:
        del root[:-1]  # the newest entry stays: its tail, or the entry itself, may still grow
    if len(root) and len(root[-1]) > 1:
        del root[-1][:-1]  # the same inside an entry not yet complete


def _check_root(root: etree._Element) -> None:
    refuse_doctype(root, "status files", StatusFileError)
    if root.tag != ROOT_TAG:
        namespace, localname = "", root.tag
        if root.tag.startswith("{"):
            namespace, _, localname = root.tag[1:].partition("}")
        where = f"namespace '{namespace}'" if namespace else "no namespace"
        raise StatusFileError(
            f"the root element is '{localname}' in {where}; an order status file has "
            f"the root element 'orders' in namespace '{NAMESPACE}'",
            _line(root),
        )


def _validate(root: etree._Element, schema: etree.XMLSchema) -> None:
    if not schema.validate(root.getroottree()):
        raise _schema_error(schema.error_log)


def _entry(raw: _RawEntry) -> StatusEntry:
    """A validated raw entry as typed values (the schema guarantees the attributes).

    Values are collapsed as xs:token only when they hold whitespace: most never do.
    """
    line, order_ref, status, to_be_deleted, changed, items, payments = raw
    return StatusEntry(
        line,
        _token(order_ref or ""),
        None if status is None else _token(status),
        None if to_be_deleted is None else to_be_deleted.strip() in ("true", "1"),
        None if changed is None else _token(changed),
        [
            (int(position or 0), state if state and state.isalnum() else _token(state or ""))
            for position, state in items
        ],
        [
            (_token(key or ""), state if state and state.isalnum() else _token(state or ""))
            for key, state in payments
        ],
    )


def _token(value: str) -> str:
    """xs:token whitespace collapsing, as the schema validated it."""
    if " " not in value and value.isprintable():
        return value
    return " ".join(value.split())


def _syntax_error(exc: etree.XMLSyntaxError) -> StatusFileError:
    message = exc.msg or str(exc)
    line, column = exc.position or (exc.lineno, 0)
    match = _LINE_COLUMN_SUFFIX.search(message)
    if match:
        message = message[: match.start()]
        line, column = int(match.group(1)), int(match.group(2))
    return StatusFileError(f"not well-formed XML: {message.strip()}", line, column)


def _schema_error(error_log: etree._ListErrorLog) -> StatusFileError:
    errors = list(error_log)
    if not errors:  # pragma: no cover - libxml2 always logs why
        return StatusFileError("not valid against the order status schema")
    first = errors[0]
    message = first.message.replace(f"{{{NAMESPACE}}}", "").strip().rstrip(".")
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return StatusFileError(
        f"not valid against the order status schema: {message}{more}", first.line
    )


_DATETIME = re.compile(
    r"^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$"
)


def parse_changed(text: str) -> datetime:
    """An xs:dateTime as an aware UTC datetime; without a time zone it is read as UTC.

    Raises ValueError for values Python can not represent (years outside 1–9999).
    """
    match = _DATETIME.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not an xs:dateTime")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = UTC
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    end_of_day = hour == "24"
    value = datetime(
        int(year),
        int(month),
        int(day),
        0 if end_of_day else int(hour),
        int(minute),
        int(second),
        int((fraction or "0")[:6].ljust(6, "0")),
        tzinfo=tz,
    )
    if end_of_day:
        value += timedelta(days=1)
    return value.astimezone(UTC)
