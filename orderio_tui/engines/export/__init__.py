"""The order export engine (SPEC §3, §6.1, §7.1): conditions → claimed orders → published file.

``run_export`` runs one export configuration; ``recover_export_run`` finishes a run whose process
died. Nothing here imports Textual.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import run_export
    from .order_xml import NAMESPACE
    from .recovery import recover_abandoned_export_runs, recover_export_run

__all__ = ["NAMESPACE", "recover_abandoned_export_runs", "recover_export_run", "run_export"]

# Loaded on first use, so that importing one light module of the package (``stylesheet``, for a
# service form's check) does not load the whole engine into every command line start.
_HOMES = {
    "run_export": ".engine",
    "NAMESPACE": ".order_xml",
    "recover_abandoned_export_runs": ".recovery",
    "recover_export_run": ".recovery",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name], __name__), name)
