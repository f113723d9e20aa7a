"""Parsing untrusted XML files (SPEC §7.3), one mechanism for every engine that reads them.

A file is parsed as a stream with entity resolution, DTD loading and network access off and
libxml2's size limits on (no ``huge_tree``); a document with any DOCTYPE is refused before
anything of it is used; the file's size is capped before and while it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

_SNIFF_BYTES = 4096
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

#: Makes the engine's own error from a message and a line (None when unknown).
ErrorFactory = Callable[[str, "int | None"], Exception]


class CappedReader:
    """Hands the file to the parser and refuses to read past the size limit.

    The size is checked before parsing too; this covers a file that grows while it is read.
    """

    def __init__(self, raw: BinaryIO, limit: int, error: ErrorFactory) -> None:
        self._raw = raw
        self._limit = limit
        self._error = error
        self._read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._read += len(data)
        if self._read > self._limit:
            raise self._error(
                f"the file grew past the size limit of {self._limit} bytes while it was read",
                None,
            )
        return data


def open_checked(
    path: Path, *, max_size: int, what: str, error: ErrorFactory
) -> Iterator[CappedReader]:
    """The file at ``path`` as a size-capped stream, once it is known to be non-empty, within
    ``max_size`` and text (``what`` names the expected document in the messages)."""
    size = path.stat().st_size
    if size == 0:
        raise error(f"the file is empty; expected {what}", None)
    if size > max_size:
        raise error(
            f"the file is {size} bytes, more than the size limit of {max_size} bytes "
            "set on the service (max file size)",
            None,
        )
    with path.open("rb") as raw:
        head = raw.read(_SNIFF_BYTES)
        offset = head.find(b"\x00")
        if offset >= 0 and not head.startswith(_TEXT_BOMS):
            raise error(f"the file is not text (it has a NUL byte at offset {offset})", None)
        raw.seek(0)
        yield CappedReader(raw, max_size, error)


def iterparse(source: Any, events: tuple[str, ...], tag: Any = None) -> Any:
    """lxml's iterparse with everything that reaches outside the document switched off.

    ``tag`` (a tag or a sequence of tags) limits the events to those elements.
    """
    return etree.iterparse(
        source,
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def refuse_doctype(root: Any, what: str, error: ErrorFactory) -> None:
    """Raise when the document declares a DTD (entities, external subsets) at all."""
    docinfo = root.getroottree().docinfo
    if (
        docinfo.doctype
        or docinfo.internalDTD is not None
        or docinfo.externalDTD is not None
        or docinfo.system_url
        or docinfo.public_id
    ):
        raise error(
            f"a DOCTYPE declaration precedes the root element; {what} may not declare a DTD "
            "or entities, so the file is refused unread",
            root.sourceline,
        )


def syntax_error(exc: etree.XMLSyntaxError, error: ErrorFactory) -> Exception:
    """The parser's complaint as the engine's error, with its line."""
    line = exc.position[0] if exc.position else exc.lineno
    return error(f"not well-formed XML: {exc.msg}", line)
