"""Alerts (SPEC §16): incidents opened and resolved by run ends, overdue schedules and a silent
scheduler, written to an outbox in the transaction that caused them, and delivered by webhook or
e-mail by whichever process gets to them first.

- :mod:`.settings`: what an alert is, and every rule its fields obey (one place for the
  configuration file, the command line and the alerts screen).
- :mod:`.incidents`: which notices a run end or a check causes (in the caller's transaction).
- :mod:`.delivery`: sending what is in the outbox, with retries and backoff.
"""
