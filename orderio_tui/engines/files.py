"""File primitives shared by the export and the status import: hashing and durable renames."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

_HASH_CHUNK = 1024 * 1024
#: Never follow a link, never block on a FIFO or device when opening.
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class NotRegularFile(OSError):
    """The path is a FIFO, device, directory or symbolic link, not a regular file."""


def open_regular_file(path: Path) -> BinaryIO:
    """Open a regular file for reading, refusing links, FIFOs and devices without blocking.

    The type is checked on the opened descriptor, so a file swapped after a scan is caught.
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise NotRegularFile(exc.errno, "not a regular file", str(path)) from None
        raise
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a regular file's bytes, read in chunks (links and FIFOs are refused)."""
    digest = hashlib.sha256()
    with open_regular_file(path) as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (raises OSError when it can not)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
