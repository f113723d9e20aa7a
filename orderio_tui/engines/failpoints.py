"""Deterministic pause points for the crash tests of the export and import protocols.

Set ``ORDERIO_FAILPOINT=<engine>:<name>`` in the environment of a process and it stops at that
point: it prints ``FAILPOINT <engine>:<name> pid=<pid>`` on stderr and sleeps, so that a test can
kill it there with SIGKILL (``ORDERIO_FAILPOINT_PAUSE=<seconds>`` shortens the sleep, for a test
that changes something there and lets the run go on). With ``ORDERIO_FAILPOINT_ACTION=stop`` it
stops itself with SIGSTOP there instead (a paused machine), and goes on after SIGCONT. Unset
(always, in normal use) a failpoint costs one dictionary lookup.

Export points (SPEC §7.1), in the order a run passes them:

- ``export:after_claim``: the claims are committed, no file exists yet;
- ``export:while_writing``: the first batch of orders is in the ``.part`` file;
- ``export:before_rename``: the ``.part`` file is complete and synced, the final name does not
  exist;
- ``export:after_rename``: the file is published, the statuses are not committed;
- ``export:during_commit``: inside the final transaction, its statements executed but not
  committed.

An export over SFTP (SPEC §15) passes these between ``export:after_rename`` (the file is
published in the local staging directory) and ``export:during_commit``:

- ``sftp:after_upload``: the file is on the server as ``.<name>.part``, its size checked; the run
  has not yet recorded that;
- ``export:before_remote_rename``: the run recorded the complete upload; no remote rename yet;
- ``sftp:after_remote_rename``: the file has its final name on the server.

A status import picking up from SFTP passes ``pickup:after_download`` (the remote files are in the
local inbox, nothing applied) before its files' points, and ``pickup:before_remote_move`` (every
local commit done, the remote files not yet moved to the remote archive or error directory)
after them.

Status import points (SPEC §7.2), in the order a file passes them:

- ``import:after_intent``: the run records which file it is about to take; the file is still in
  the inbox;
- ``import:after_move``: the file is in ``processing/``, nothing of it is applied;
- ``import:mid_apply``: inside the file's transaction, the first batch of entries executed, not
  committed;
- ``import:before_commit``: all entries and the SHA-256 ledger row executed, not committed;
- ``import:after_commit``: the updates are committed, the file is still in ``processing/``;
- ``import:after_archive``: the file is archived, the run has not yet recorded that;
- ``import:after_error_report``: an invalid file's ``.error.txt`` is written, the file not yet
  moved.

Order intake points (SPEC §13) are the status import's, with the prefix ``intake:`` (the intake
runs on the same machinery): ``intake:after_intent`` … ``intake:after_error_report``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

ENV_VAR = "ORDERIO_FAILPOINT"
#: ``stop``: the process stops itself with SIGSTOP at the point (a paused VM, a long GC) and goes
#: on when it gets SIGCONT; otherwise it sleeps there.
ACTION_ENV_VAR = "ORDERIO_FAILPOINT_ACTION"
#: Seconds to wait at the failpoint instead (a test that changes the world there and lets go).
PAUSE_ENV_VAR = "ORDERIO_FAILPOINT_PAUSE"
#: How long a process waits at a failpoint for its killer before it goes on.
PAUSE_SECONDS = 60.0


#: Held by background threads of this process while they write (a lease renewal): a process
#: that stops itself at a failpoint takes it first, so that it is never frozen halfway through
#: such a write holding SQLite's write lock, which no other process could then take.
BACKGROUND_WRITE = threading.Lock()


def failpoint(point: str) -> None:
    """Pause here when ``$ORDERIO_FAILPOINT`` names ``point`` (``engine:name``)."""
    wanted = os.environ.get(ENV_VAR)
    if not wanted or wanted != point:
        return
    print(f"FAILPOINT {wanted} pid={os.getpid()}", file=sys.stderr, flush=True)
    if os.environ.get(ACTION_ENV_VAR) == "stop":
        with BACKGROUND_WRITE:
            os.kill(os.getpid(), signal.SIGSTOP)
        return
    time.sleep(float(os.environ.get(PAUSE_ENV_VAR) or PAUSE_SECONDS))
