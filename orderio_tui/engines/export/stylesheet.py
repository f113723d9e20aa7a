"""XSLT stylesheets of ``order-export-xslt`` services (SPEC §6.1), without file or network access.

The stylesheet is parsed without entity resolution, DTD loading or network access, may not
``xsl:import`` / ``xsl:include`` other files, and runs with every read and write of files and
network resources denied (``document('/etc/passwd')`` or ``exsl:document`` fail the run). The
transformation needs the whole export document in memory, unlike the plain XML export, so large
XSLT exports are best bounded with "max orders per run".

A stylesheet is a program: a runaway recursion or a string that doubles itself would hold the
run, its lease and its claims forever. So the transformation runs in a child process
(:mod:`.stylesheet_process`) under a wall-clock time limit and a memory limit, the settings
``ORDERIO_XSLT_TIME_LIMIT`` (seconds, default 300) and ``ORDERIO_XSLT_MEMORY_LIMIT`` (MiB,
default 2048). A run over a limit ends FAILED with a message naming the limit.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ...errors import UserError
from ...settings import number_setting
from . import stylesheet_process
from .stylesheet_process import compile_stylesheet, first_line, safe_parser

XSL_NAMESPACE = "http://www.w3.org/1999/XSL/Transform"


class StylesheetError(UserError):
    """A stylesheet that cannot be loaded or that failed while transforming."""


TIME_LIMIT_ENV = "ORDERIO_XSLT_TIME_LIMIT"
MEMORY_LIMIT_ENV = "ORDERIO_XSLT_MEMORY_LIMIT"
DEFAULT_TIME_LIMIT_SECONDS = 300
DEFAULT_MEMORY_LIMIT_MIB = 2048
#: Bounds of the settings: a child process needs some 30 MiB before it has read anything.
TIME_LIMIT_RANGE = (1, 24 * 3600)
MEMORY_LIMIT_RANGE = (64, 1024 * 1024)


@dataclass(frozen=True)
class TransformLimits:
    """How long (wall clock) and how much memory one transformation may take."""

    seconds: int = DEFAULT_TIME_LIMIT_SECONDS
    memory_mib: int = DEFAULT_MEMORY_LIMIT_MIB

    @classmethod
    def from_environment(cls) -> TransformLimits:
        """The limits set in the environment; :class:`SettingError` for a value out of range."""
        seconds = number_setting(TIME_LIMIT_ENV, DEFAULT_TIME_LIMIT_SECONDS, *TIME_LIMIT_RANGE)
        memory = number_setting(
            MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT_MIB, *MEMORY_LIMIT_RANGE, unit=" MiB"
        )
        return cls(seconds=int(seconds), memory_mib=int(memory))


def load_stylesheet(path: Path) -> etree.XSLT:
    """Compile the stylesheet at ``path``; :class:`StylesheetError` says what is wrong."""
    if not path.is_file():
        raise StylesheetError(
            f"XSLT stylesheet '{path}' does not exist: set an existing file as the service's "
            f"stylesheet path"
        )
    try:
        document = etree.parse(str(path), safe_parser())
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
        return compile_stylesheet(document)
    except etree.XSLTParseError as exc:
        raise StylesheetError(
            f"XSLT stylesheet '{path}' is not a valid stylesheet "
            f"({first_line(exc.error_log, str(exc))}): fix the stylesheet"
        ) from None


def transform_file(stylesheet: Path, source: Path, target: Path, limits: TransformLimits) -> str:
    """Transform the XML file ``source`` into the new file ``target`` in a child process.

    Returns the SHA-256 of ``target``. :class:`StylesheetError` when the stylesheet fails, or
    runs over the time or memory limit (the child is killed; ``target`` may be left to remove).
    """
    command = [
        sys.executable,
        "-I",  # isolated: no user site, no environment-chosen modules
        stylesheet_process.__file__,
        str(stylesheet),
        str(source),
        str(target),
        str(limits.memory_mib * 1024 * 1024),
        str(limits.seconds),
    ]
    try:
        child = subprocess.run(
            command, capture_output=True, text=True, timeout=limits.seconds, check=False
        )
    except subprocess.TimeoutExpired:
        raise _over_time_limit(stylesheet, limits) from None
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # the CPU-time limit's signals
        raise _over_time_limit(stylesheet, limits)
    answer = _answer(child.stdout)
    if "sha256" in answer:
        return str(answer["sha256"])
    if not answer and child.returncode > 0 and "MemoryError" not in child.stderr:
        raise StylesheetError(
            f"XSLT stylesheet '{stylesheet}' could not be applied{_exit_detail(child)}: check "
            f"the export directory and free disk space"
        )
    if answer.get("memory") or not answer:  # died without answering: killed while allocating
        raise StylesheetError(
            f"XSLT stylesheet '{stylesheet}' needed more than the memory limit of "
            f"{limits.memory_mib} MiB ({MEMORY_LIMIT_ENV}) and was stopped"
            f"{_exit_detail(child)}: fix the stylesheet, or raise the limit or lower the "
            f"configuration's max orders per run"
        )
    detail = str(answer["error"])
    hint = (
        "export stylesheets may not read or write files or use the network"
        if "rights" in detail or "resolve" in detail.lower()
        else "fix the stylesheet"
    )
    raise StylesheetError(f"XSLT stylesheet '{stylesheet}' failed: {detail}: {hint}")


def _over_time_limit(stylesheet: Path, limits: TransformLimits) -> StylesheetError:
    return StylesheetError(
        f"XSLT stylesheet '{stylesheet}' ran longer than the time limit of "
        f"{limits.seconds} s ({TIME_LIMIT_ENV}) and was stopped: fix the stylesheet, or raise "
        f"the limit or lower the configuration's max orders per run"
    )


def _answer(stdout: str) -> dict[str, object]:
    """The child's JSON line, or {} when it died before answering."""
    lines = stdout.strip().splitlines()
    if not lines:
        return {}
    try:
        answer = json.loads(lines[-1])
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _exit_detail(child: subprocess.CompletedProcess[str]) -> str:
    if child.returncode == 0:
        return ""
    errors = child.stderr.strip().splitlines()
    return f" (exit {child.returncode}: {errors[-1][:200] if errors else 'no message'})"
