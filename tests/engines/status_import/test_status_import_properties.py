"""Property tests of the status import (SPEC §2, §7.2, §7.3).

- A random valid file changes exactly what the transition table allows: an independent model of
  the entry rules, built on ``transition_allowed`` / ``is_settable`` / ``import_accepts_order``,
  predicts every status and every entry's outcome.
- Random byte-level mutations of valid files never crash the engine: the file ends in the
  archive or in the error directory, and a file in the error directory changed nothing.
"""

from __future__ import annotations

import copy
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from status_import_fixtures import (
    OTHER_CHANNEL,
    OTHER_STORE,
    OWN_CHANNEL,
    OWN_STORE,
    Entry,
    ImportWorld,
    OrderSnapshot,
    status_xml,
)

from orderio_tui.domain.statuses import (
    Actor,
    Entity,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    RunState,
    import_accepts_order,
    is_settable,
    transition_allowed,
)
from orderio_tui.engines.status_import.reader import StatusFileError, iter_entry_batches

ORDERS: dict[str, tuple[str, list[str], list[tuple[str, str]]]] = {
    "P01": ("EXPORTED", ["NEW", "INPROGRESS"], [("PAY-P01", "AUTHORIZED")]),
    "P02": ("INPROGRESS", ["INPROGRESS", "CANCELLED"], [("PAY-P02", "CREATED")]),
    "P03": ("CANCELLEDANDEXPORTED", ["CANCELLEDANDEXPORTED", "DELIVERED"], []),
    "P04": ("DELIVERED", ["DELIVERED", "PARTDELIVERED"], [("PAY-P04", "CAPTURED")]),
    "P05": ("NEW", ["NEW", "NEW"], [("PAY-P05", "AUTHORIZED")]),
    "P06": ("EXPORTFAILED", ["NEW", "NEW"], [("PAY-P06", "AUTHORIZED")]),
    "P07": ("COMPLETED", ["RETURNED", "DELIVERED"], [("PAY-P07", "VOIDEDAUTHORIZATION")]),
    "P08": (
        "EXPORTED",
        ["INPROGRESS", "INPROGRESS"],
        [("PAY-P08", "AUTHORIZED"), ("PAY2-P08", "CREATED")],
    ),
}
OTHER_ORDER = "X01"
ORDER_REFS = [
    *ORDERS,
    OTHER_ORDER,
    "U99",
    f"P01@{OWN_STORE}",
    f"P08@{OWN_STORE}",
    f"P02@{OTHER_STORE}",
    f"X01@{OTHER_STORE}",
]
PAYMENT_IDS = sorted({pid for *_, payments in ORDERS.values() for pid, _ in payments} | {"NOPE"})
CHANGED = [
    "2026-01-01T10:00:00Z",
    "2026-01-01T11:00:00Z",
    "2026-01-01T12:00:00+01:00",
    "2026-01-02T00:00:00",
]
BOGUS = "BOGUS"


def _mostly(likely: list[str], anything: list[str]) -> st.SearchStrategy[str]:
    """Half of the time one of ``likely``, else anything (so that many entries apply)."""
    return st.one_of(st.sampled_from(likely), st.sampled_from(anything))


@st.composite
def _entry(draw: st.DrawFn) -> Entry:
    order_ref = draw(_mostly(["P01", "P02", "P04", "P08", f"P08@{OWN_STORE}"], ORDER_REFS))
    own = ORDERS.get(order_ref.partition("@")[0])
    own_payments = [pid for pid, _ in own[2]] if own else []
    payment_ids = (
        _mostly(own_payments, PAYMENT_IDS) if own_payments else st.sampled_from(PAYMENT_IDS)
    )
    payment_statuses = _mostly(["CAPTURED", "VOIDEDAUTHORIZATION"], PAYMENT_STATUSES)
    return Entry(
        id=order_ref,
        status=draw(
            st.none()
            | _mostly(["DELIVERED", "COMPLETED", "RETURNED", "NOTDELIVERABLE"], ORDER_STATUSES)
        ),
        to_be_deleted=draw(st.none() | st.booleans()),
        changed=draw(st.none() | st.sampled_from(CHANGED)),
        line_items=draw(
            st.lists(
                st.tuples(
                    st.one_of(st.integers(1, 2), st.integers(1, 3)),
                    _mostly(["PARTDELIVERED", "DELIVERED", "RETURNED"], LINE_ITEM_STATUSES),
                ),
                max_size=3,
            )
        ),
        payments=draw(
            st.lists(
                st.tuples(payment_ids, payment_statuses),
                max_size=2,
            )
        ),
    )


ORDER_STATUSES = [*map(str, OrderStatus), BOGUS]
LINE_ITEM_STATUSES = [*map(str, LineItemStatus), BOGUS]
PAYMENT_STATUSES = [*map(str, PaymentStatus), BOGUS]
entries_strategy = st.lists(_entry(), max_size=12)


@dataclass
class ModelOrder:
    status: str
    to_be_deleted: bool
    line_items: dict[int, str]
    payments: dict[str, str]
    last_change: datetime | None = None


class Rejected(Exception):
    pass


def _resolve(order_ref: str) -> str | None:
    document_no, _, store = order_ref.partition("@")
    if store and store != OWN_STORE:
        return None
    return document_no if document_no in ORDERS else None


def _changed(text: str) -> datetime:
    """xs:dateTime as the format reads it: without a time zone it is UTC."""
    value = datetime.fromisoformat(text)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _set(entity: Entity, current: str, target: str) -> tuple[str, int]:
    if target == current:
        return current, 0
    if not (
        is_settable(Actor.IMPORT, entity, target)
        and transition_allowed(Actor.IMPORT, entity, current, target)
    ):
        raise Rejected
    return target, 1


def expected(
    initial: dict[str, ModelOrder], entries: list[Entry]
) -> tuple[dict[str, ModelOrder], list[str], int]:
    """The model: final orders, each entry's outcome, and the number of history rows."""
    orders = copy.deepcopy(initial)
    outcomes: list[str] = []
    history = 0
    for entry in entries:
        document_no = _resolve(entry.id)
        try:
            if document_no is None:
                raise Rejected
            order = copy.deepcopy(orders[document_no])
            if not import_accepts_order(order.status):
                raise Rejected
            changed = _changed(entry.changed) if entry.changed else None
            if changed and order.last_change and changed < order.last_change:
                raise Rejected
            changes = 0
            if entry.status is not None:
                order.status, count = _set(Entity.ORDER, order.status, entry.status)
                changes += count
            if entry.to_be_deleted is not None and entry.to_be_deleted != order.to_be_deleted:
                order.to_be_deleted = bool(entry.to_be_deleted)
                changes += 1
            for position, target in entry.line_items:
                if int(position) not in order.line_items:
                    raise Rejected
                order.line_items[int(position)], count = _set(
                    Entity.LINE_ITEM, order.line_items[int(position)], target
                )
                changes += count
            for payment_id, target in entry.payments:
                if payment_id not in order.payments:
                    raise Rejected
                order.payments[payment_id], count = _set(
                    Entity.PAYMENT, order.payments[payment_id], target
                )
                changes += count
        except Rejected:
            outcomes.append("rejected")
            continue
        if changes and changed and (order.last_change is None or changed > order.last_change):
            order.last_change = changed
        orders[document_no] = order
        outcomes.append("applied" if changes else "unchanged")
        history += changes
    return orders, outcomes, history


def _initial() -> dict[tuple[str, str], OrderSnapshot]:
    snapshot = {
        (OWN_CHANNEL, document_no): OrderSnapshot(
            status,
            False,
            dict(enumerate(items, start=1)),
            dict(payments),
        )
        for document_no, (status, items, payments) in ORDERS.items()
    }
    snapshot[(OTHER_CHANNEL, OTHER_ORDER)] = OrderSnapshot(
        "EXPORTED", False, {1: "INPROGRESS", 2: "INPROGRESS"}, {f"PAY-{OTHER_ORDER}": "AUTHORIZED"}
    )
    return snapshot


def _prepared(world: ImportWorld) -> dict[tuple[str, str], OrderSnapshot]:
    """The orders at their initial statuses (created once per test), and an empty inbox."""
    initial = _initial()
    if not world.snapshot():
        for document_no, (status, items, payments) in ORDERS.items():
            world.add_order(document_no, status, line_items=items, payments=payments)
        world.add_order(OTHER_ORDER, channel=OTHER_CHANNEL)
    world.reset(initial)
    assert world.snapshot() == initial
    for directory in (world.archive, world.error, world.processing):
        shutil.rmtree(directory, ignore_errors=True)
    for path in world.inbox.iterdir():
        path.unlink()
    return initial


PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(entries=entries_strategy)
def test_a_random_valid_file_changes_exactly_what_the_transition_table_allows(
    world: ImportWorld, entries: list[Entry]
) -> None:
    initial = _prepared(world)
    model_start = {
        key[1]: ModelOrder(s.status, s.to_be_deleted, dict(s.line_items), dict(s.payments))
        for key, s in initial.items()
        if key[0] == OWN_CHANNEL
    }
    world.deliver("random.xml", status_xml(entries))

    outcome = world.run()

    final, outcomes, history_rows = expected(model_start, entries)
    for kind in sorted(set(outcomes)):
        event(f"an entry {kind}")
    assert [r.outcome for r in world.results(outcome.run_id)] == outcomes
    assert outcome.counts["applied"] == outcomes.count("applied")
    assert outcome.counts["unchanged"] == outcomes.count("unchanged")
    assert outcome.counts["rejected"] == outcomes.count("rejected")
    assert outcome.state is (RunState.PARTIAL if "rejected" in outcomes else RunState.SUCCEEDED)
    snapshot = world.snapshot()
    for document_no, order in final.items():
        assert snapshot[(OWN_CHANNEL, document_no)] == OrderSnapshot(
            order.status, order.to_be_deleted, order.line_items, order.payments
        ), document_no
        assert world.last_import_change(document_no) == order.last_change, document_no
    assert snapshot[(OTHER_CHANNEL, OTHER_ORDER)] == initial[(OTHER_CHANNEL, OTHER_ORDER)]
    history = world.history()
    assert len(history) == history_rows
    assert all(row.source == "import" and row.run_id == outcome.run_id for row in history)


mutation = st.one_of(
    st.tuples(st.just("value"), st.integers(min_value=0), st.text("aZ09 -_@<&'\"Ä", max_size=6)),
    st.tuples(st.just("flip"), st.integers(min_value=0), st.integers(1, 255)),
    st.tuples(st.just("delete"), st.integers(min_value=0), st.integers(1, 40)),
    st.tuples(st.just("insert"), st.integers(min_value=0), st.binary(min_size=1, max_size=12)),
    st.tuples(st.just("truncate"), st.integers(min_value=0), st.just(0)),
)


def _mutate(data: bytes, mutations: list[tuple[str, int, object]]) -> bytes:
    buffer = bytearray(data)
    for kind, where, what in mutations:
        at = where % (len(buffer) + 1)
        values = list(re.finditer(rb'="([^"]*)"', bytes(buffer)))
        if kind == "value" and values:
            value = values[where % len(values)]
            buffer[value.start(1) : value.end(1)] = str(what).encode()
        elif kind == "flip" and buffer:
            buffer[at % len(buffer)] ^= int(what)  # type: ignore[call-overload]
        elif kind == "delete":
            del buffer[at : at + int(what)]  # type: ignore[call-overload]
        elif kind == "insert":
            buffer[at:at] = what  # type: ignore[index]
        elif kind == "truncate":
            del buffer[at:]
    return bytes(buffer)


@PROPERTY_SETTINGS
@given(
    entries=entries_strategy,
    mutations=st.lists(mutation, min_size=1, max_size=4),
)
def test_byte_level_mutations_of_valid_files_never_crash_the_engine(
    world: ImportWorld, entries: list[Entry], mutations: list[tuple[str, int, object]]
) -> None:
    initial = _prepared(world)
    content = _mutate(status_xml(entries).encode(), mutations)
    world.deliver("mutated.xml", content)

    outcome = world.run()

    assert outcome.state in (RunState.SUCCEEDED, RunState.PARTIAL, RunState.FAILED)
    assert outcome.counts["files"] == 1
    assert world.files(world.processing) == []
    archived = (world.archive / "mutated.xml").exists()
    failed = (world.error / "mutated.xml").exists()
    assert archived != failed
    event("archived" if archived else "error directory")
    if failed:
        assert (world.error / "mutated.xml").read_bytes() == content
        assert (world.error / "mutated.xml.error.txt").read_text(encoding="utf-8")
        assert world.snapshot() == initial
        assert world.history() == []
        assert outcome.state is RunState.FAILED


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400), prefix=st.sampled_from([b"", b"<orders", b"<?xml"]))
def test_the_reader_turns_any_bytes_into_entries_or_a_file_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, prefix: bytes
) -> None:
    path = Path(tmp_path_factory.mktemp("bytes")) / "f.xml"
    path.write_bytes(prefix + data)
    try:
        for batch in iter_entry_batches(path, max_size=10_000, batch_size=2):
            assert all(entry.order_ref for entry in batch)
    except StatusFileError as exc:
        assert str(exc)
