"""Configuration as code: the whole set-up as one TOML file (SPEC §12).

:func:`dump_config` writes it, :func:`apply_config` makes a database match it (a check and a dry
run are applies that are rolled back), :class:`ConfigInvalid` carries every problem of a file.
"""

from .dump import dump_config, write_file
from .plan import ConfigInvalid, Plan, apply_config
from .reading import ConfigProblem

__all__ = ["ConfigInvalid", "ConfigProblem", "Plan", "apply_config", "dump_config", "write_file"]
