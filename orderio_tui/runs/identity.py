"""Who runs a run: the identity of this process as runs and leases record it, and whether the
process behind an owner id is gone (SPEC §7, §8)."""

from __future__ import annotations

import getpass
import os
import socket
import uuid

#: This process, as it appears in runs' and leases' ``owner`` column.
PROCESS_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def process_owner() -> str:
    """The owner id of this process (recomputed after a fork)."""
    global PROCESS_OWNER
    host, pid, _ = PROCESS_OWNER.rsplit(":", 2)
    if int(pid) != os.getpid():
        PROCESS_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return PROCESS_OWNER


def os_user() -> str:
    """The operating-system user running this process, as history rows name who acted."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (containers)
        return f"uid {os.getuid()}"


def owner_is_gone(owner: str | None) -> bool:
    """True when ``owner`` was a process on this host that no longer exists.

    Owners on other hosts are never declared gone here; leases with expiry cover them.
    """
    if not owner:
        return True
    try:
        host, pid_text, _ = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return True
    if host != socket.gethostname():
        return False
    if owner == process_owner():
        return False
    if pid == os.getpid():
        return True  # same pid, other uuid: a previous process that had our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
