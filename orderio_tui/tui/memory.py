"""What the TUI remembers between sessions (the channel used last), in the user state directory
next to the application log. Losing it is harmless: the TUI then opens the first channel."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from platformdirs import user_state_dir

from ..engines.files import sync_directory

logger = logging.getLogger(__name__)

#: A remembered channel name longer than this is not one orderio wrote.
MAX_CHANNEL_NAME = 200


def memory_file_path() -> Path:
    """Where the TUI keeps what it remembers."""
    return Path(user_state_dir("orderio", appauthor=False)) / "tui.json"


def remembered_channel(path: Path) -> str | None:
    """The channel used last, or None when nothing (readable) is remembered."""
    try:
        with path.open("rb") as file:
            data = json.loads(file.read(64 * 1024))
    except (OSError, ValueError):
        return None
    channel = data.get("channel") if isinstance(data, dict) else None
    if isinstance(channel, str) and 0 < len(channel) <= MAX_CHANNEL_NAME:
        return channel
    return None


def remember_channel(path: Path, channel: str) -> None:
    """Remember ``channel`` as the one used last (written whole or not at all)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".tui-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump({"channel": channel}, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        sync_directory(path.parent)
    except OSError as exc:  # a read-only home must not stop the TUI
        logger.warning("cannot remember the channel in %s: %s", path, exc)
