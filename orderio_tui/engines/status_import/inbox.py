"""The folders of a status import and moving files between them (SPEC §4, §7.2).

``<inbox>`` receives files; a file being imported sits in ``<inbox>/processing/``; afterwards it is
in the archive directory (with ``<name>.report.txt`` when entries were rejected) or in the error
directory (with ``<name>.error.txt``). Moves never overwrite: a name already taken gets the run id
added. Files still being written are left alone: names ending in ``.part`` or ``.tmp``, hidden
files, and files younger than the service's minimum age.

Only regular files are taken: links, FIFOs and devices are reported and left, as are names that
are not UTF-8 (the database and the run log hold text). Work directories inside the inbox that
are symbolic links are refused, so that whoever can write to the inbox can not send the import's
files elsewhere. Names of report and helper files are shortened (with a hash of the full name)
where the file system's 255-byte limit would otherwise be passed.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..files import sync_directory

PROCESSING_DIR = "processing"
ARCHIVE_DIR = "archive"
ERROR_DIR = "error"
REPORT_SUFFIX = ".report.txt"
ERROR_SUFFIX = ".error.txt"
IN_PROGRESS_SUFFIXES = (".part", ".tmp")
#: Longest file name (in bytes) of the common file systems.
MAX_NAME_BYTES = 255


class LinkedDirectoryError(OSError):
    """A work directory inside the inbox is a symbolic link."""


def fit_name(name: str, suffix: str = "", prefix: str = "") -> str:
    """``prefix + name + suffix``, with ``name`` shortened and tagged by its hash if too long."""
    full = f"{prefix}{name}{suffix}"
    if len(os.fsencode(full)) <= MAX_NAME_BYTES:
        return full
    tag = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:12]
    room = MAX_NAME_BYTES - len(os.fsencode(f"{prefix}{tag}{suffix}"))
    short = os.fsencode(name)[: max(room, 0)].decode("utf-8", "ignore")
    return f"{prefix}{short}{tag}{suffix}"


def companion(path: Path, suffix: str) -> Path:
    """The report or helper file that belongs next to ``path`` (``<name><suffix>``)."""
    return path.with_name(fit_name(path.name, suffix))


def is_utf8_name(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python holds them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class InboxLayout:
    """The four directories of one import service."""

    inbox: Path
    processing: Path
    archive: Path
    error: Path

    @classmethod
    def of(
        cls, inbox: str | Path, archive: str | Path | None, error: str | Path | None
    ) -> InboxLayout:
        """The layout of an inbox; archive and error default to sub-directories of the inbox."""
        root = Path(inbox).expanduser()
        return cls(
            inbox=root,
            processing=root / PROCESSING_DIR,
            archive=Path(archive).expanduser() if archive else root / ARCHIVE_DIR,
            error=Path(error).expanduser() if error else root / ERROR_DIR,
        )

    def create_work_directories(self) -> None:
        """Create processing, archive and error directories (the inbox itself must exist).

        Raises :class:`LinkedDirectoryError` when one inside the inbox is a symbolic link.
        """
        self.refuse_linked_directories()
        for directory in (self.processing, self.archive, self.error):
            directory.mkdir(parents=True, exist_ok=True)

    def refuse_linked_directories(self) -> None:
        """Raise :class:`LinkedDirectoryError` for a work directory in the inbox that is a link."""
        for directory in (self.processing, self.archive, self.error):
            if directory.is_relative_to(self.inbox) and directory.is_symlink():
                raise LinkedDirectoryError(
                    errno.ELOOP,
                    f"{directory} is a symbolic link; the import does not follow links inside "
                    f"the inbox: replace it by a directory",
                    str(directory),
                )

    def report_part(self, name: str) -> Path:
        """Where the rejection report of a file is written until the file's updates commit."""
        return self.processing / fit_name(name, ".report.part", ".")


@dataclass(frozen=True)
class InboxScan:
    """Files to import now, in name order, and why others were left where they are."""

    ready: list[Path]
    left: list[str]


def scan_inbox(inbox: Path, pattern: str, min_age_seconds: float) -> InboxScan:
    """The files of ``inbox`` matching ``pattern`` that are ready to import, in name order."""
    ready: list[Path] = []
    left: list[str] = []
    now = time.time()
    with os.scandir(inbox) as entries:
        names = sorted(
            (entry.name, entry)
            for entry in entries
            if not entry.name.startswith(".") and _wanted(entry.name, pattern)
        )
    for name, entry in names:
        if entry.is_dir(follow_symlinks=False):
            continue
        if not is_utf8_name(name):
            left.append(
                f"{name} left in the inbox: its name is not valid UTF-8; rename it to import it"
            )
            continue
        if not entry.is_file(follow_symlinks=False):
            left.append(
                f"{name} left in the inbox: not a regular file (a symbolic link, FIFO or "
                "device); only regular files are imported"
            )
            continue
        if name.endswith(IN_PROGRESS_SUFFIXES):
            left.append(f"{name} left in the inbox: a .part or .tmp file is still being written")
            continue
        try:
            modified = entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        age = now - modified
        if age < min_age_seconds:
            left.append(
                f"{name} left in the inbox: changed {max(age, 0):.1f} s ago, younger than the "
                f"minimum age of {min_age_seconds:g} s"
            )
            continue
        ready.append(Path(entry.path))
    return InboxScan(ready=ready, left=left)


def _wanted(name: str, pattern: str) -> bool:
    """Matches the pattern, or will once it is completely written (``x.xml.part``)."""
    if fnmatch.fnmatch(name, pattern):
        return True
    return any(
        name.endswith(suffix) and fnmatch.fnmatch(name[: -len(suffix)], pattern)
        for suffix in IN_PROGRESS_SUFFIXES
    )


def free_destination(directory: Path, name: str, run_id: int) -> Path:
    """``directory/name``, or with the run id (and a counter) added when that name is taken."""
    candidate = directory / name
    if not _taken(candidate):
        return candidate
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    else:
        suffix = "." + suffix
    counter = 0
    while True:
        extra = f"-run{run_id}" + (f"-{counter}" if counter else "")
        candidate = directory / fit_name(stem, f"{extra}{suffix}")
        if not _taken(candidate):
            return candidate
        counter += 1


def _taken(path: Path) -> bool:
    return (
        os.path.lexists(path)
        or os.path.lexists(companion(path, REPORT_SUFFIX))
        or os.path.lexists(companion(path, ERROR_SUFFIX))
    )


def move_file(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` (which must not exist), across file systems if need be."""
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "target exists", str(target))
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        partial = target.with_name(fit_name(target.name, ".part", "."))
        shutil.copy2(source, partial)
        _fsync_file(partial)
        os.rename(partial, target)
        os.unlink(source)
        _fsync_directory(source.parent)
    _fsync_directory(target.parent)


def write_text_durably(path: Path, text: str) -> None:
    """Write a small text file completely (temporary name, fsync, rename)."""
    partial = path.with_name(fit_name(path.name, ".part", "."))
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    _fsync_directory(path.parent)


def remove_if_present(path: Path) -> None:
    """Delete a file that may or may not exist."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return  # directories can not be opened for fsync there
    with contextlib.suppress(OSError):
        sync_directory(directory)
