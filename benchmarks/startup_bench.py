"""Command line start-up: CPU time of `orderio-tui` before and around its work (issue 17).

    python benchmarks/startup_bench.py [--rounds 7]

Runs, each in a fresh child process, alternating, best of ``--rounds``:

- the baseline: the bare interpreter (`python -c pass`);
- `orderio-tui --help`;
- `orderio-tui export list` on a small demo database (created first, and migrated, so that the
  rounds measure an up-to-date database as a user's machine has it).

It prints the user+system CPU seconds of each and the figure beyond the interpreter's, and which
heavy libraries each command loads. Byte-code caching is allowed for the children (as an
installed package has it), whatever the environment says. Target (issue 17): start-up <= 0.35 s
of CPU beyond the interpreter's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HEAVY = ("sqlalchemy", "alembic", "lxml", "paramiko", "textual")


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """User + system CPU time of one child process running ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def loaded_libraries(arguments: list[str], env: dict[str, str]) -> list[str]:
    probe = (
        "import json, sys\nfrom orderio_tui.cli import cli\n"
        f"try:\n    cli.main({arguments!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    return [name for name in HEAVY if name in loaded]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="orderio-startup-") as directory:
        url = f"sqlite:///{Path(directory) / 'demo.db'}"
        cli = [sys.executable, "-m", "orderio_tui", "--db", url]
        subprocess.run(
            [*cli, "demo", "--root", str(Path(directory) / "demo"), "--orders", "50"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subjects = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "orderio-tui --help": [sys.executable, "-m", "orderio_tui", "--help"],
            "orderio-tui export list": [*cli, "export", "list"],
        }
        for command in subjects.values():  # warm the byte-code caches and the page cache
            cpu_seconds(command, env)
        best = {name: float("inf") for name in subjects}
        for _ in range(options.rounds):
            for name, command in subjects.items():
                best[name] = min(best[name], cpu_seconds(command, env))
        libraries = {
            "orderio-tui --help": loaded_libraries(["--help"], env),
            "orderio-tui export list": loaded_libraries(["--db", url, "export", "list"], env),
        }
    load = os.getloadavg()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load {load[0]:.2f}"
    )
    baseline = best["python -c pass"]
    print(f"{'subject':<26}{'CPU s':>8}{'beyond python':>15}  heavy libraries loaded")
    for name, seconds in best.items():
        beyond = "" if name == "python -c pass" else f"{seconds - baseline:.3f}"
        loaded = ", ".join(libraries.get(name, [])) or ("-" if name in libraries else "")
        print(f"{name:<26}{seconds:>8.3f}{beyond:>15}  {loaded}")
    print("target: <= 0.350 s beyond python")


if __name__ == "__main__":
    main()
