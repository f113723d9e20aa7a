"""Run history of a configuration and the detail of one run (log, per-order results)."""
