"""The order status import engine (SPEC §6.2, §7, §7.2, §7.3).

``run_import`` imports the ready files of an import configuration's inbox, exactly once each;
``recover_import_run`` finishes a run whose process died. The XSD of the format ships next to
this module as ``order-status-1.0.xsd``.
"""

from __future__ import annotations

from .engine import run_import
from .reader import NAMESPACE, SCHEMA_PATH
from .recovery import recover_import_run

__all__ = ["NAMESPACE", "SCHEMA_PATH", "recover_import_run", "run_import"]
