"""The order export engine (SPEC §3, §6.1, §7.1): conditions → claimed orders → published file.

``run_export`` runs one export configuration; ``recover_export_run`` finishes a run whose process
died. Nothing here imports Textual.
"""

from __future__ import annotations

from .engine import run_export
from .order_xml import NAMESPACE
from .recovery import recover_abandoned_export_runs, recover_export_run

__all__ = ["NAMESPACE", "recover_abandoned_export_runs", "recover_export_run", "run_export"]
