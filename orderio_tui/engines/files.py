"""File primitives shared by the export and the status import: hashing and durable renames."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_HASH_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
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
