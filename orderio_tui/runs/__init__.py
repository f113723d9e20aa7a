"""Runs beneath the engines: the process identity (:mod:`.identity`) and the run journal
(:mod:`.journal`) that engines and jobs write; the views of runs are in ``application.runs``."""
