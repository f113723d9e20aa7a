"""Deterministic pause points for the crash tests of the export protocol (SPEC §7.1).

Set ``ORDERIO_FAILPOINT=export:<name>`` in the environment of an export process and it stops at
that point: it prints ``FAILPOINT export:<name> pid=<pid>`` on stderr and sleeps, so that a test
can kill it there with SIGKILL. Unset (always, in normal use) a failpoint costs one dictionary
lookup. Names, in the order a run passes them:

- ``after_claim``: the claims are committed, no file exists yet;
- ``while_writing``: the first batch of orders is in the ``.part`` file;
- ``before_rename``: the ``.part`` file is complete and synced, the final name does not exist;
- ``after_rename``: the file is published, the statuses are not committed;
- ``during_commit``: inside the final transaction, its statements executed but not committed.
"""

from __future__ import annotations

import os
import sys
import time

ENV_VAR = "ORDERIO_FAILPOINT"
#: How long a process waits at a failpoint for its killer before it goes on.
PAUSE_SECONDS = 60.0


def failpoint(name: str) -> None:
    """Pause here when ``$ORDERIO_FAILPOINT`` names ``export:<name>``."""
    wanted = os.environ.get(ENV_VAR)
    if not wanted or wanted != f"export:{name}":
        return
    print(f"FAILPOINT {wanted} pid={os.getpid()}", file=sys.stderr, flush=True)
    time.sleep(PAUSE_SECONDS)
