"""XSLT stylesheets of ``order-export-xslt`` services (SPEC §6.1), without file or network access.

The stylesheet is parsed without entity resolution, DTD loading or network access, may not
``xsl:import`` / ``xsl:include`` other files, and runs with every read and write of files and
network resources denied (``document('/etc/passwd')`` or ``exsl:document`` fail the run). The
transformation needs the whole export document in memory, unlike the plain XML export, so large
XSLT exports are best bounded with "max orders per run".
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ...errors import UserError

XSL_NAMESPACE = "http://www.w3.org/1999/XSL/Transform"


class StylesheetError(UserError):
    """A stylesheet that cannot be loaded or that failed while transforming."""


def _safe_parser(*, huge_tree: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=huge_tree
    )


def _first_line(error_log: object, fallback: str) -> str:
    text = str(error_log).strip()
    return text.splitlines()[-1] if text else fallback


def load_stylesheet(path: Path) -> etree.XSLT:
    """Compile the stylesheet at ``path``; :class:`StylesheetError` says what is wrong."""
    if not path.is_file():
        raise StylesheetError(
            f"XSLT stylesheet '{path}' does not exist: set an existing file as the service's "
            f"stylesheet path"
        )
    try:
        document = etree.parse(str(path), _safe_parser())
    except (OSError, etree.XMLSyntaxError) as exc:
        raise StylesheetError(
            f"XSLT stylesheet '{path}' cannot be read as XML ({exc}): fix the stylesheet"
        ) from None
    for tag in ("import", "include"):
        if document.getroot().find(f"{{{XSL_NAMESPACE}}}{tag}") is not None:
            raise StylesheetError(
                f"XSLT stylesheet '{path}' uses xsl:{tag}, but export stylesheets may not read "
                f"other files: put everything into one stylesheet"
            )
    try:
        return etree.XSLT(document, access_control=etree.XSLTAccessControl.DENY_ALL)
    except etree.XSLTParseError as exc:
        raise StylesheetError(
            f"XSLT stylesheet '{path}' is not a valid stylesheet "
            f"({_first_line(exc.error_log, str(exc))}): fix the stylesheet"
        ) from None


def transform_file(transform: etree.XSLT, stylesheet: Path, source: Path) -> bytes:
    """Run ``transform`` over the XML file ``source``; returns the serialised output."""
    document = etree.parse(str(source), _safe_parser(huge_tree=True))
    try:
        result = transform(document)
    except etree.XSLTApplyError as exc:
        detail = _first_line(exc.error_log, str(exc))
        hint = (
            "export stylesheets may not read or write files or use the network"
            if "rights" in detail or "resolve" in detail.lower()
            else "fix the stylesheet"
        )
        raise StylesheetError(f"XSLT stylesheet '{stylesheet}' failed: {detail}: {hint}") from None
    return bytes(result)
