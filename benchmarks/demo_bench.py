"""Demo generator: time and peak memory of `orderio-tui demo` (issue 17).

    python benchmarks/demo_bench.py [--orders 100000] [--small 10000]

Runs `orderio-tui demo --orders N` for ``--small`` and ``--orders`` in fresh child processes on
fresh SQLite databases and prints wall seconds, CPU seconds, orders/s and the child's peak RSS,
and the RSS growth from the small to the big size. The orders are generated and inserted in
batches as they are made, so memory should not grow with the number of orders. Targets (issue
17): 100,000 orders in <= 20 s and <= 150 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import resource, sys, time
from pathlib import Path
from orderio_tui.database import open_database
from orderio_tui.demo import create_demo
db = open_database(sys.argv[1])
started = time.perf_counter()
create_demo(db, Path(sys.argv[2]), orders=int(sys.argv[3]))
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def measure(orders: int) -> tuple[float, float, float]:
    """Seconds of the demo's own work, the child's CPU seconds and its peak RSS in MB."""
    with tempfile.TemporaryDirectory(prefix="orderio-demo-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'demo.db'}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-c", CHILD, url, str(Path(directory) / "root"), str(orders)],
            capture_output=True,
            text=True,
            check=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, rss = (float(v) for v in done.stdout.split())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    options = parser.parse_args()
    started = time.perf_counter()
    results = {size: measure(size) for size in (options.small, options.orders)}
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load {load[0]:.2f}, "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    print(f"{'orders':>9}{'seconds':>10}{'CPU s':>9}{'orders/s':>10}{'peak RSS MB':>13}")
    for size, (seconds, cpu, rss) in results.items():
        print(f"{size:>9,}{seconds:>10.1f}{cpu:>9.1f}{size / seconds:>10,.0f}{rss:>13.1f}")
    small_rss, big_rss = results[options.small][2], results[options.orders][2]
    print(f"RSS growth {options.small:,} -> {options.orders:,}: {(big_rss / small_rss - 1):+.1%}")
    print("targets: 100,000 orders in <= 20 s, peak RSS <= 150 MB")


if __name__ == "__main__":
    main()
