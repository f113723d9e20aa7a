"""Running an order intake configuration (SPEC §13) on the status import's inbox machinery.

An intake run is an :class:`~orderio_tui.engines.status_import.engine.InboxRun`: the same
inbox scan, ``processing/`` move, SHA-256 ledger (here ``intake_files``) committed with the
file's orders, archive / error directories with ``.report.txt`` / ``.error.txt`` and crash
recovery. What differs is a file's content: its orders are read (ICM order XML or JSON Lines),
each checked on its own (:func:`~.rules.check_order`); an order whose document number the
channel has is ``unchanged`` when identical and ``rejected`` when not, a second order of one
file with the same number is rejected, and the valid ones are created in the file's transaction
together with :func:`~orderio_tui.domain.order_events.note_new_orders`.

Failpoints (``intake:<name>``) are those of the status import: ``after_intent``,
``after_move``, ``mid_apply``, ``before_commit``, ``after_commit``, ``after_archive``,
``after_error_report``.
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ...database import Database
from ...domain.bulk import batched
from ...domain.order_events import note_new_orders
from ...domain.statuses import ServiceKind, Trigger
from ...runs.journal import INTAKE_COUNT_KEYS, RunEvents, RunOutcome
from ..status_import.engine import (
    LOGGED_REJECTIONS,
    FileOutcome,
    ImportCounts,
    InboxRun,
    RejectionReport,
    run_inbox,
)
from ..status_import.entries import Rejection
from ..status_import.recovery import recover_import_run
from ..status_import.settings import ORDER_INTAKE
from .icm_xml import IcmOrderReader
from .jsonl import read_jsonl
from .parsed import IntakeFileError, OrderProblem, ParsedOrder
from .rules import NewOrder, check_order, existing_documents, insert_orders, same_content

#: Orders checked, looked up and inserted together.
BATCH_SIZE = 1_000
#: Ignored element paths of one file named in the run log (the most frequent first).
LOGGED_IGNORED_PATHS = 50

CREATED = "created"
UNCHANGED = "unchanged"
REJECTED = "rejected"


class IntakeReason:
    """Why an order of a file was rejected (the run result's reason code)."""

    INVALID = "INVALID_ORDER"
    UNREADABLE = "UNREADABLE_ORDER"
    EXISTS = "EXISTS_WITH_OTHER_CONTENT"
    TWICE = "TWICE_IN_FILE"


@dataclass
class IntakeCounts(ImportCounts):
    """The counts of an intake run (SPEC §13): ``applied`` holds the orders created."""

    def as_dict(self) -> dict[str, int]:
        values = {"created": self.applied}
        return {key: values.get(key, getattr(self, key, 0)) for key in INTAKE_COUNT_KEYS}

    def describe_entries(self) -> str:
        return f"{self.applied} created, {self.unchanged} unchanged, {self.rejected} rejected"


def run_intake(
    db: Database,
    configuration_id: int,
    *,
    trigger: Trigger,
    dry_run: bool = False,
    events: RunEvents | None = None,
) -> RunOutcome:
    """Take in the ready order files of the configuration's inbox; returns what the run did.

    ``dry_run`` reads and checks every file and says what would be created, changing nothing.
    """
    return run_inbox(
        db, configuration_id, IntakeRun, trigger=trigger, dry_run=dry_run, events=events
    )


def recover_intake_run(db: Database, run_id: int, *, events: RunEvents | None = None) -> str:
    """Finish an abandoned RUNNING intake run like an import run (SPEC §7.2)."""
    return recover_import_run(db, run_id, events=events, kind=ORDER_INTAKE)


class IntakeRun(InboxRun):
    """One run of one order intake configuration."""

    KIND = ORDER_INTAKE
    SERVICE_KINDS = (ServiceKind.INTAKE_XML, ServiceKind.INTAKE_JSONL)
    FILE_ERRORS = (IntakeFileError,)
    FILE_WORD = "Order file"
    #: Element paths the XML reader ignored in the current file, logged after its commit.
    _ignored: Counter[str] | None = None

    def _new_counts(self) -> ImportCounts:
        return IntakeCounts()

    def _outcome_text(self, outcome: FileOutcome) -> str:
        return (
            f"{outcome.applied} created, {outcome.unchanged} unchanged, {outcome.rejected} rejected"
        )

    def _orders_of(
        self, path: Path
    ) -> tuple[Iterable[ParsedOrder | OrderProblem], IcmOrderReader | None]:
        """The file's orders and the XML reader (for its ignored elements), or None."""
        if self.settings.service_kind == ServiceKind.INTAKE_JSONL.value:
            size = os.stat(path).st_size
            if size > self.settings.max_file_size:
                raise IntakeFileError(
                    f"the file has {size} bytes, more than the service's maximum file size of "
                    f"{self.settings.max_file_size} bytes"
                )
            return read_jsonl(path), None
        reader = IcmOrderReader(path, max_size=self.settings.max_file_size)
        return reader, reader

    def _apply_entries(
        self,
        session: Session,
        path: Path,
        name: str,
        outcome: FileOutcome,
        report: RejectionReport | None,
    ) -> None:
        orders, reader = self._orders_of(path)
        seen: set[str] = set()
        created_before = outcome.applied
        with _cycle_search_between_batches() as batch_done:
            for number, batch in enumerate(batched(orders, BATCH_SIZE)):
                rejections, results = self._take_batch(session, name, batch, seen, outcome)
                self._note_rejections(outcome, rejections, report)
                self._record_results(session, name, results)
                self._read_entries(len(batch))
                batch.clear()  # written: freed now, so the cycle search does not walk them
                batch_done()
                if number == 0 and report is not None:
                    self._failpoint("mid_apply")
        if outcome.applied > created_before:
            note_new_orders(session, self.settings.channel_id)
        # Logged once the file's transaction ended (the log writes in a transaction of its own).
        self._ignored = reader.ignored if reader is not None else None

    def _take_batch(
        self,
        session: Session,
        name: str,
        batch: list[ParsedOrder | OrderProblem],
        seen: set[str],
        outcome: FileOutcome,
    ) -> tuple[list[Rejection], list[dict[str, Any]]]:
        """Check, look up and create one batch of a file's orders."""
        rejections: list[Rejection] = []
        results: list[dict[str, Any]] = []

        def reject(line: int, document_no: str | None, code: str, text: str) -> None:
            rejections.append(Rejection(line, document_no or "?", code, text))
            results.append(
                _result(None, document_no or "?", REJECTED, code, text)  # the order has no row
            )

        candidates: list[ParsedOrder] = []
        for item in batch:
            if isinstance(item, OrderProblem):
                reject(item.line, item.document_no, IntakeReason.UNREADABLE, item.message)
                continue
            problems = check_order(item.document, self.settings.currency)
            document_no = item.document_no
            if problems:
                reject(item.line, document_no, IntakeReason.INVALID, "; ".join(problems))
            elif document_no in seen:
                reject(
                    item.line,
                    document_no,
                    IntakeReason.TWICE,
                    "the file has an earlier order with this document number",
                )
            else:
                seen.add(str(document_no))
                candidates.append(item)
        existing = existing_documents(
            session, self.settings.channel_id, [str(c.document_no) for c in candidates]
        )
        new: list[ParsedOrder] = []
        for item in candidates:
            stored = existing.get(str(item.document_no))
            if stored is None:
                new.append(item)
            elif same_content(stored, item.document):
                outcome.unchanged += 1
                results.append(_result(None, str(item.document_no), UNCHANGED, None, None))
            else:
                reject(
                    item.line,
                    item.document_no,
                    IntakeReason.EXISTS,
                    "already exists with other content",
                )
        ids = insert_orders(
            session,
            self.settings.channel_id,
            [NewOrder(item.document, name) for item in new],
            run_id=self.run_id,
        )
        outcome.applied += len(ids)
        results.extend(
            _result(order_id, str(item.document_no), CREATED, None, None)
            for order_id, item in zip(ids, new, strict=True)
        )
        outcome.rejected += len(rejections)
        return rejections, results

    def _note_rejections(
        self, outcome: FileOutcome, rejections: list[Rejection], report: RejectionReport | None
    ) -> None:
        room = LOGGED_REJECTIONS - len(outcome.rejections)
        if room > 0:
            outcome.rejections.extend(rejections[:room])
        if report is not None:
            report.add(rejections)

    def _record_results(self, session: Session, name: str, results: list[dict[str, Any]]) -> None:
        rows = [{**row, "file_name": name} for row in results]
        if self._spool is not None:
            self._spool.add(rows)
        else:
            self.journal.add_results(session, rows)

    def _log_rejections(self, name: str, shown: list[Rejection], total: int) -> None:
        super()._log_rejections(name, shown, total)
        ignored, self._ignored = self._ignored, None
        if ignored:
            self._log_ignored(name, ignored)

    def _log_ignored(self, name: str, ignored: Counter[str]) -> None:
        """Name each element path the model does not hold once, with its count (SPEC §13)."""
        common = ignored.most_common()
        for path, count in common[:LOGGED_IGNORED_PATHS]:
            self.journal.log(f"{name}: element {path} ignored ({count}x); orderio does not hold it")
        if len(common) > LOGGED_IGNORED_PATHS:
            self.journal.log(f"{name}: {len(common) - LOGGED_IGNORED_PATHS} more ignored paths")


def _result(
    order_id: int | None, document_no: str, outcome: str, code: str | None, text: str | None
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "document_no": document_no[:100],
        "outcome": outcome,
        "reason_code": code,
        "reason_text": text,
    }


@contextmanager
def _cycle_search_between_batches() -> Iterator[Callable[[], object]]:
    """Python's cycle collector off while a file's orders are read and written, run on the
    young objects after each batch (the function handed out) instead.

    A batch makes hundreds of thousands of short-lived, acyclic dicts and strings; the
    collector would search them (and every older object) again and again while the file is
    taken in, which costs about a fifth of the intake's time. What a batch leaves in cycles is
    still freed after it. The switch is process-wide: another thread's cycles wait for the next
    batch's collection too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()
