"""Deterministic pause points for the crash tests of the status import (SPEC §7.2).

Set ``ORDERIO_FAILPOINT=import:<name>`` in the environment of an import process and it stops at
that point: it prints ``FAILPOINT import:<name> pid=<pid>`` on stderr and sleeps, so that a test
can kill it there with SIGKILL. Unset (always, in normal use) a failpoint costs one dictionary
lookup. Names, in the order a file passes them:

- ``after_intent``: the run records which file it is about to take; the file is still in the inbox;
- ``after_move``: the file is in ``processing/``, nothing of it is applied;
- ``mid_apply``: inside the file's transaction, the first batch of entries executed, not committed;
- ``before_commit``: all entries and the SHA-256 ledger row executed, not committed;
- ``after_commit``: the updates are committed, the file is still in ``processing/``;
- ``after_archive``: the file is archived, the run has not yet recorded that;
- ``after_error_report``: an invalid file's ``.error.txt`` is written, the file not yet moved.
"""

from __future__ import annotations

import os
import sys
import time

ENV_VAR = "ORDERIO_FAILPOINT"
#: How long a process waits at a failpoint for its killer before it goes on.
PAUSE_SECONDS = 60.0


def failpoint(name: str) -> None:
    """Pause here when ``$ORDERIO_FAILPOINT`` names ``import:<name>``."""
    wanted = os.environ.get(ENV_VAR)
    if not wanted or wanted != f"import:{name}":
        return
    print(f"FAILPOINT {wanted} pid={os.getpid()}", file=sys.stderr, flush=True)
    time.sleep(PAUSE_SECONDS)
