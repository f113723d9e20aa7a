"""Runs beneath the engines: the process identity (:mod:`.identity`) and the run journal
(:mod:`.journal`) that engines and jobs write; the views of runs are in ``application.runs``."""

#: Attribute of the log records of a run's own log lines (also delivered as ``LogLine``); here,
#: not in the journal, so that the command line's logging set-up needs no database code.
RUN_ID_FIELD = "orderio_run_id"
