"""Kill a child process at a failpoint: the tests' stand-in for a crash at one exact step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def kill_at_failpoint(code: str, args: list[str], failpoint: str) -> None:
    """Run ``python -c code args…`` with ``ORDERIO_FAILPOINT=failpoint`` and SIGKILL it as soon
    as it reports reaching that failpoint (on stderr); fail when it ends before."""
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "ORDERIO_FAILPOINT": failpoint},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    with child.stderr:
        for line in child.stderr:
            if line.startswith(f"FAILPOINT {failpoint}"):
                break
        else:
            raise AssertionError(f"child ended before {failpoint}: {child.wait()}")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
