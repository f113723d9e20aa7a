"""Pickup of files from an SFTP server into a local inbox (SPEC §15), for any file import.

A run first calls :func:`pick_up`: the remote files matching the pattern and older than the
minimum age are downloaded into the local inbox (temporary name, fsync, rename; the remote
modification time is kept, so the local scan sees them as ready). The import then handles the
inbox as it always does (§7.2). Only after that, when the import's own transactions are
committed, :meth:`Pickup.settle` moves each remote file into the remote archive or error
directory, as the import's caller decides per file.

A process killed between the local commit and the remote move leaves the remote file where it
was: the next run downloads it again and the import finds its SHA-256 in its ledger (a
duplicate: archived, nothing applied), and then the remote file is moved. Nothing here knows
about runs or the database.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from .failpoints import failpoint
from .files import sha256_of
from .sftp import SftpSession, SftpSettings, TransportError, open_sftp

logger = logging.getLogger(__name__)


class Settled(Enum):
    """Where a picked-up file goes on the server once the import is done with it."""

    ARCHIVE = "archive"
    ERROR = "error"
    #: The import did not finish with it (left in the inbox or in processing): it stays.
    STAYS = "stays"


@dataclass(frozen=True)
class PickedFile:
    """One remote file, downloaded."""

    remote_name: str
    local: Path
    sha256: str


@dataclass
class Pickup:
    """The files one run took from the server, and the connection to move them afterwards."""

    settings: SftpSettings
    session: SftpSession | None
    files: list[PickedFile] = field(default_factory=list)
    #: Lines for the run log (files left on the server and why).
    notes: list[str] = field(default_factory=list)

    def settle(self, decide: Callable[[PickedFile], Settled]) -> list[str]:
        """Move every picked-up file to the remote archive or error directory as ``decide``
        says; lines for the run log. A failure stops the moves: those files stay on the
        server and are duplicates on the next run."""
        lines: list[str] = []
        failpoint("pickup:before_remote_move")
        for picked in self.files:
            where = decide(picked)
            if where is Settled.STAYS:
                lines.append(f"{picked.remote_name} stays on {self.settings.host}: not imported")
                continue
            directory = (
                self.settings.archive_directory
                if where is Settled.ARCHIVE
                else self.settings.error_directory
            )
            try:
                target = self._session().move_to(picked.remote_name, directory)
            except TransportError as exc:
                lines.append(
                    f"{picked.remote_name} could not be moved to {directory} on "
                    f"{self.settings.host} ({exc.message}); the next run finds it again as a "
                    f"duplicate and moves it then"
                )
                break
            lines.append(f"moved {picked.remote_name} to {target} on {self.settings.host}")
        return lines

    def close(self) -> None:
        """Close the connection (never raises)."""
        if self.session is not None:
            self.session.close()
            self.session = None

    def _session(self) -> SftpSession:
        if self.session is None:
            self.session = open_sftp(self.settings)
        return self.session


def pick_up(
    settings: SftpSettings,
    inbox: Path,
    *,
    pattern: str,
    min_age: float,
    max_size: int,
    busy: Callable[[str], bool],
) -> Pickup:
    """Download the ready remote files into ``inbox``, oldest name first.

    A file ``busy(name)`` says the import still holds (in its processing directory) is left for
    a later run; a file larger than ``max_size`` is moved to the remote error directory without
    being downloaded. Raises :class:`TransportError` when the server can not be reached or read.
    """
    session = open_sftp(settings)
    pickup = Pickup(settings, session)
    try:
        for remote in session.list_files(pattern, min_age=min_age):
            name = remote.name
            if busy(name):
                pickup.notes.append(
                    f"{name} left on {settings.host}: a file of that name is still being imported"
                )
                continue
            if remote.size > max_size:
                target = session.move_to(name, settings.error_directory)
                pickup.notes.append(
                    f"{name} on {settings.host} has {remote.size} bytes, more than the service's "
                    f"maximum of {max_size}: moved to {target} without downloading it"
                )
                continue
            local = session.download(name, inbox)
            os.utime(local, (remote.modified, remote.modified))
            pickup.files.append(PickedFile(name, local, sha256_of(local)))
        failpoint("pickup:after_download")
    except BaseException:
        pickup.close()
        raise
    return pickup
