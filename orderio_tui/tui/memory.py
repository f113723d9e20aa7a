"""What the TUI remembers between sessions (the channel used last on each database), in the user
state directory next to the application log. Losing it is harmless: the TUI then opens the first
channel."""

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


#: Databases whose channel is remembered (the ones used last).
MAX_DATABASES = 50


def _read(path: Path) -> dict[str, str]:
    """The remembered channel of each database (by its URL without password)."""
    try:
        with path.open("rb") as file:
            data = json.loads(file.read(64 * 1024))
    except (OSError, ValueError):
        return {}
    by_database = data.get("by_database") if isinstance(data, dict) else None
    if not isinstance(by_database, dict):
        return {}
    return {
        database: channel
        for database, channel in by_database.items()
        if isinstance(channel, str) and 0 < len(channel) <= MAX_CHANNEL_NAME
    }


def remembered_channel(path: Path, database: str) -> str | None:
    """The channel used last on ``database`` (its URL without password), or None when nothing
    (readable) is remembered for it."""
    return _read(path).get(database)


def remember_channel(path: Path, channel: str, database: str) -> None:
    """Remember ``channel`` as the one used last on ``database`` (written whole or not at all)."""
    by_database = _read(path)
    by_database.pop(database, None)
    by_database[database] = channel  # the last used comes last; the oldest are dropped
    by_database = dict(list(by_database.items())[-MAX_DATABASES:])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".tui-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump({"by_database": by_database}, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        sync_directory(path.parent)
    except OSError as exc:  # a read-only home must not stop the TUI
        logger.warning("cannot remember the channel in %s: %s", path, exc)
