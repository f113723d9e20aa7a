"""The SFTP side of an export run (SPEC §15): upload, remote rename and what recovery asks.

The local file is published first (§7.1); then it is sent to ``.<name>.part`` in the remote
directory, its size checked there, and renamed to ``<name>`` on the server. The run records
``remote_uploaded`` after the size check and before the rename, so that from then on the remote
temporary file only goes away by the rename (or by a roll-back, which clears the flag first).
Recovery therefore reads the server like this:

- the remote final file exists → delivered;
- ``remote_uploaded`` and no remote temporary file → delivered, and taken by the consumer since;
- otherwise → not delivered: the remote temporary file (if any) is removed, the run rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..sftp import SftpSession, SftpSettings, TransportError, open_sftp

logger = logging.getLogger(__name__)


class DeliveryUnknown(Exception):
    """The connection broke during the remote rename: whether it happened is not known."""


@dataclass
class Delivery:
    """One export run's connection to its SFTP server, opened on first use."""

    settings: SftpSettings
    session: SftpSession | None = field(default=None, repr=False)

    def connected(self) -> SftpSession:
        """The open session; connects (with the service's retries) the first time."""
        if self.session is None:
            self.session = open_sftp(self.settings)
        return self.session

    def close(self) -> None:
        """Close the connection, if any (never raises)."""
        if self.session is not None:
            self.session.close()
            self.session = None

    def remote_path(self, name: str) -> str:
        """Where the file ``name`` ends up on the server."""
        return str(PurePosixPath(self.settings.remote_directory) / name)

    def where(self, name: str) -> str:
        """``host:path`` of the delivered file, for messages."""
        return f"{self.settings.host}:{self.remote_path(name)}"

    def is_delivered(self, name: str, *, uploaded: bool) -> bool:
        """Whether the remote rename of ``name`` happened (see the module docstring).

        Raises :class:`TransportError` when the server can not be asked.
        """
        session = self.connected()
        if session.exists(name):
            return True
        return uploaded and not session.exists(session.temporary_name(name))

    def remove_temporary(self, name: str) -> str:
        """Remove the remote ``.<name>.part``; words for the run log when that failed.

        Without a connection made by this run nothing of it can be on the server.
        """
        if self.session is None:
            return ""
        try:
            session = self.connected()
            temporary = session.temporary_name(name)
            # Asked first: a read-only server refuses even the removal of a missing file.
            if session.exists(temporary):
                session.remove(temporary)
        except TransportError as exc:
            logger.warning("could not remove the remote temporary file of %s: %s", name, exc)
            return (
                f"; the temporary file .{name}.part on {self.settings.host} could not be checked "
                f"or removed ({exc.message}): the next delivery removes it"
            )
        return ""

    def remove_stale(self, names: Callable[[list[str]], list[str]]) -> list[str]:
        """Remove the remote temporary files that ``names`` picks from the hidden ones (left by
        runs that ended while the server was away); the names removed."""
        session = self.connected()
        return [name for name in names(session.hidden_names()) if session.remove(name)]
