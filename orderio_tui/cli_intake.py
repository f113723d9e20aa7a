"""`orderio-tui intake list|run|schedule` (SPEC §13): the order intake configurations.

The commands are those of `import` (the same options, `--json` and exit codes of SPEC §10),
built by the command factories of :mod:`orderio_tui.cli` for the intake run kind; a run's
counts are ``files, created, unchanged, rejected, duplicates``.
"""

from __future__ import annotations

import click

from .cli import _list_command, _run_command, _schedule_command
from .domain.statuses import RunKind


@click.group("intake")
def intake_group() -> None:
    """Order intake configurations (order files dropped by the shop into an inbox)."""


for _factory in (_list_command, _run_command, _schedule_command):
    intake_group.add_command(_factory(RunKind.INTAKE))
