"""Peak memory of one status import of a file of big entries, measured with /usr/bin/time -v.

    python benchmarks/import_memory.py [--orders 100] [--line-items 9999] [--keep]

Builds a SQLite database of ``--orders`` EXPORTED orders with ``--line-items`` line items each
and the status file that delivers them all (the builder of import_bench.py), then runs
``orderio-tui import run`` on it under ``/usr/bin/time -v`` and prints the command's state, its
wall time and its maximum resident set size. Target (issue 10): at most 300 MB for 100 entries of
9,999 line items.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from import_bench import build  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Build the world, import it once under /usr/bin/time -v, print the peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--line-items", type=int, default=9_999)
    parser.add_argument("--keep", action="store_true", help="Keep the working directory.")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="orderio-import-memory-"))
    try:
        database_path, status_file, _ = build(workdir / "world", args.orders, args.line_items)
        size = status_file.stat().st_size
        shutil.move(status_file, database_path.parent / "inbox" / "status.xml")
        cli = Path(sys.executable).with_name("orderio-tui")
        done = subprocess.run(
            ["/usr/bin/time", "-v", str(cli), "--db", f"sqlite:///{database_path}"]
            + ["import", "run", "bench-status"],
            capture_output=True,
            text=True,
        )
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", done.stderr)
        print(f"file: {args.orders} entries x {args.line_items} line items, {size / 1e6:.1f} MB")
        print(f"import: exit {done.returncode}, {done.stdout.strip().splitlines()[-1:]}")
        print(f"wall time: {wall.group(1) if wall else '?'}")
        print(f"peak RSS: {int(peak.group(1)) / 1024:.0f} MB" if peak else done.stderr)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
