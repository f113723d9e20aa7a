"""The channel used last, kept in the user state directory so the TUI reopens on it."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from platformdirs import user_state_dir

logger = logging.getLogger(__name__)


def state_file() -> Path:
    """Where the TUI keeps what it remembers between sessions."""
    return Path(user_state_dir("orderio", appauthor=False)) / "tui-state.json"


def read_last_channel(path: Path) -> str | None:
    """The channel remembered in ``path``, or None (no file, or one that cannot be read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    channel = data.get("channel") if isinstance(data, dict) else None
    return channel if isinstance(channel, str) and channel else None


def write_last_channel(path: Path, channel: str) -> None:
    """Remember ``channel`` in ``path`` (temporary file, fsync, rename); failures are logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"channel": channel}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError:
        logger.warning("cannot remember the channel in %s", path, exc_info=True)
