"""File names and the durable publishing steps of an export (SPEC §6.1, §7.1)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..files import sync_directory


@dataclass(frozen=True)
class ExportPaths:
    """Where one run writes: the final name, its ``.part`` file and (XSLT) the XML source."""

    final: Path
    part: Path
    source: Path

    @classmethod
    def for_run(
        cls, directory: Path, prefix: str, started_at: datetime, run_id: int, extension: str
    ) -> ExportPaths:
        """``<prefix>-<UTC yyyymmddTHHMMSSZ>-<run id><ext>`` and its hidden helpers."""
        name = f"{prefix}-{started_at:%Y%m%dT%H%M%SZ}-{run_id}{extension}"
        return cls(
            final=directory / name,
            part=directory / f".{name}.part",
            source=directory / f".{name}.xml.part",
        )

    @classmethod
    def from_part(cls, final: Path, part: Path) -> ExportPaths:
        """The paths of a run from the two it stores."""
        return cls(final=final, part=part, source=final.parent / f".{final.name}.xml.part")

    def remove_temporary(self) -> list[Path]:
        """Delete the ``.part`` files; returns those that existed."""
        removed = []
        for path in (self.part, self.source):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
        return removed


def name_problem(prefix: str, extension: str) -> str | None:
    """Why a service's file prefix or extension cannot make a file name, or None."""
    for label, value in (("file prefix", prefix), ("file extension", extension)):
        if "/" in value or "\\" in value or "\0" in value:
            return f"{label} '{value}' contains a path separator"
    if extension and not extension.startswith("."):
        return f"file extension '{extension}' must start with a dot (e.g. .xml)"
    if prefix.startswith("."):
        return f"file prefix '{prefix}' must not start with a dot (hidden files are temporary)"
    return None


def directory_problem(directory: Path) -> str | None:
    """Why files cannot be written into ``directory``, or None (probes with a real file)."""
    if not directory.exists():
        return "does not exist"
    if not directory.is_dir():
        return "is not a directory"
    try:
        handle, probe = tempfile.mkstemp(dir=directory, prefix=".orderio-probe-", suffix=".part")
    except OSError as exc:
        return f"is not writable ({exc.strerror or exc})"
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return None


def open_part_file(path: Path) -> int:
    """Create ``path`` exclusively for writing; returns the descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)


def publish(paths: ExportPaths) -> None:
    """Give the complete, synced ``.part`` file its final name, durably.

    Refuses to replace an existing file of that name (it can only be another installation's).
    """
    if paths.final.exists():
        raise FileExistsError(f"'{paths.final}' already exists")
    os.rename(paths.part, paths.final)
    sync_directory(paths.final.parent)
