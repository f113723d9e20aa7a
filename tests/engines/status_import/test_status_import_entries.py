"""Entry checks and application (SPEC §2, §6.2, §7.2): what a valid file changes, and why an
entry is rejected, each on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from status_import_fixtures import (
    OTHER_CHANNEL,
    OTHER_STORE,
    OWN_STORE,
    Entry,
    ImportWorld,
    status_xml,
)

from orderio_tui.domain.statuses import RunState


def _delivered(document_no: str, items: int = 2, **extra: object) -> Entry:
    return Entry(
        id=document_no,
        status="DELIVERED",
        line_items=[(position, "DELIVERED") for position in range(1, items + 1)],
        payments=[(f"PAY-{document_no}", "CAPTURED")],
        **extra,  # type: ignore[arg-type]
    )


def _reason(world: ImportWorld, run_id: int, document_no: str) -> tuple[str, str, str | None]:
    (row,) = [r for r in world.results(run_id) if r.document_no == document_no]
    return row.outcome, row.reason_code or "", row.reason_text


def test_a_valid_entry_sets_order_line_items_and_payment_with_history(
    world: ImportWorld,
) -> None:
    world.add_order("1001")
    world.deliver("a.xml", status_xml([_delivered("1001")]))

    outcome = world.run()

    assert outcome.state is RunState.SUCCEEDED
    assert outcome.counts == {
        "files": 1,
        "applied": 1,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 0,
    }
    order = world.order("1001")
    assert order.status == "DELIVERED"
    assert order.line_items == {1: "DELIVERED", 2: "DELIVERED"}
    assert order.payments == {"PAY-1001": "CAPTURED"}
    history = [
        (h.entity, h.entity_ref, h.from_status, h.to_status, h.source, h.run_id)
        for h in world.history("1001")
    ]
    run_id = outcome.run_id
    assert history == [
        ("order", None, "EXPORTED", "DELIVERED", "import", run_id),
        ("line_item", "1", "INPROGRESS", "DELIVERED", "import", run_id),
        ("line_item", "2", "INPROGRESS", "DELIVERED", "import", run_id),
        ("payment", "PAY-1001", "AUTHORIZED", "CAPTURED", "import", run_id),
    ]
    assert _reason(world, run_id, "1001") == ("applied", "", None)


def test_setting_statuses_already_set_is_unchanged_without_history(world: ImportWorld) -> None:
    world.add_order(
        "1002", "DELIVERED", line_items=["DELIVERED"], payments=[("PAY-1002", "CAPTURED")]
    )
    world.deliver("a.xml", status_xml([_delivered("1002", items=1, to_be_deleted=False)]))

    outcome = world.run()

    assert outcome.state is RunState.SUCCEEDED
    assert (outcome.counts["applied"], outcome.counts["unchanged"]) == (0, 1)
    assert world.history("1002") == []
    assert _reason(world, outcome.run_id, "1002") == ("unchanged", "", None)


def test_to_be_deleted_flag_is_imported_with_history(world: ImportWorld) -> None:
    world.add_order("1003")
    world.deliver("a.xml", status_xml([Entry(id="1003", to_be_deleted="1")]))

    outcome = world.run()

    assert outcome.counts["applied"] == 1
    assert world.order("1003").to_be_deleted is True
    (row,) = world.history("1003")
    assert (row.entity, row.from_status, row.to_status) == ("to_be_deleted", "false", "true")


def test_each_kind_of_bad_entry_is_rejected_with_its_reason_and_the_rest_applied(
    world: ImportWorld,
) -> None:
    world.add_order("2001")  # valid
    world.add_order("2002", "EXPORTFAILED")  # not handed over
    world.add_order("2003", channel=OTHER_CHANNEL)  # other channel
    world.add_order("2004")  # status imports may not set
    world.add_order("2005", "DELIVERED")  # disallowed transition for the payment
    world.add_order("2006")  # unknown line item
    world.add_order("2007")  # unknown payment
    world.add_order("2008", "NEW")  # not handed over
    world.add_order("2009", line_items=["CANCELLED"])  # line item transition not allowed
    world.add_order("2010", payments=[("PAY-2010", "CAPTURED")])  # payment transition
    entries = [
        _delivered("2001"),
        _delivered("2002"),
        _delivered("2003"),
        Entry(id="2004", status="NEW"),
        Entry(id="2005", payments=[("PAY-2005", "FOO")]),
        Entry(id="2006", status="DELIVERED", line_items=[(9, "DELIVERED")]),
        Entry(id="2007", status="DELIVERED", payments=[("NOPE", "CAPTURED")]),
        Entry(id="2008", status="DELIVERED"),
        Entry(id="2009", line_items=[(1, "DELIVERED")]),
        Entry(id="2010", payments=[("PAY-2010", "VOIDEDAUTHORIZATION")]),
        _delivered("9999"),
    ]
    before = world.snapshot()
    world.deliver("mixed.xml", status_xml(entries))

    outcome = world.run()

    assert outcome.state is RunState.PARTIAL
    assert outcome.exit_code == 3
    assert outcome.counts["applied"] == 1
    assert outcome.counts["rejected"] == 10
    run_id = outcome.run_id
    expected = {
        "2002": "NOT_HANDED_OVER",
        "2003": "OTHER_CHANNEL",
        "2004": "STATUS_NOT_SETTABLE",
        "2005": "STATUS_NOT_SETTABLE",
        "2006": "UNKNOWN_LINE_ITEM",
        "2007": "UNKNOWN_PAYMENT",
        "2008": "NOT_HANDED_OVER",
        "2009": "TRANSITION_NOT_ALLOWED",
        "2010": "TRANSITION_NOT_ALLOWED",
        "9999": "UNKNOWN_ORDER",
    }
    for document_no, code in expected.items():
        result, reason_code, reason_text = _reason(world, run_id, document_no)
        assert (result, reason_code) == ("rejected", code), document_no
        assert reason_text
    assert "channel shop-b" in _reason(world, run_id, "2003")[2]
    after = world.snapshot()
    for key, state in before.items():
        if key[1] != "2001":
            assert after[key] == state, key  # a rejected entry changes nothing, not even partly
    assert after[("shop-a", "2001")].status == "DELIVERED"
    report = (world.archive / "mixed.xml.report.txt").read_text(encoding="utf-8")
    for document_no, code in expected.items():
        assert f"order '{document_no}': {code}" in report


def test_order_ids_in_document_no_at_store_form(world: ImportWorld) -> None:
    world.add_order("3001")
    world.add_order("3002")
    world.add_order("3003", channel=OTHER_CHANNEL)
    world.deliver(
        "a.xml",
        status_xml(
            [
                Entry(id=f"3001@{OWN_STORE}", status="DELIVERED"),
                Entry(id="3002@Some-Other-Store", status="DELIVERED"),
                Entry(id=f"3003@{OTHER_STORE}", status="DELIVERED"),
            ]
        ),
    )

    outcome = world.run()

    assert world.order("3001").status == "DELIVERED"
    assert world.order("3002").status == "EXPORTED"
    assert _reason(world, outcome.run_id, "3001")[0] == "applied"
    assert _reason(world, outcome.run_id, "3002@Some-Other-Store")[1] == "UNKNOWN_ORDER"
    assert _reason(world, outcome.run_id, f"3003@{OTHER_STORE}")[1] == "OTHER_CHANNEL"


def test_stale_changes_are_rejected_and_newer_ones_applied(world: ImportWorld) -> None:
    world.add_order("4001")
    world.deliver("1.xml", status_xml([Entry(id="4001", changed="2026-11-20T10:15:00Z")]))
    first = world.run()
    assert first.counts["unchanged"] == 1
    assert world.last_import_change("4001") is None  # nothing applied, nothing recorded

    later = Entry(id="4001", status="DELIVERED", changed="2026-11-20T11:15:00+01:00")
    world.deliver("2.xml", status_xml([later]))
    world.run()
    assert world.last_import_change("4001") == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)

    world.deliver(
        "3.xml",
        status_xml(
            [
                Entry(id="4001", status="RETURNED", changed="2026-11-20T10:14:59Z"),
            ]
        ),
    )
    stale = world.run()
    assert stale.counts["rejected"] == 1
    assert _reason(world, stale.run_id, "4001")[1] == "STALE"
    assert world.order("4001").status == "DELIVERED"

    world.deliver(
        "4.xml", status_xml([Entry(id="4001", status="RETURNED", changed="2026-11-20T10:15:00Z")])
    )
    same_time = world.run()
    assert same_time.counts["applied"] == 1
    assert world.order("4001").status == "RETURNED"


def test_a_changed_time_python_cannot_hold_rejects_only_that_entry(world: ImportWorld) -> None:
    world.add_order("4101")
    world.add_order("4102")
    world.deliver(
        "a.xml",
        status_xml(
            [
                Entry(id="4101", status="DELIVERED", changed="10000-01-01T00:00:00Z"),
                Entry(id="4102", status="DELIVERED", changed="2026-01-01T24:00:00"),
            ]
        ),
    )

    outcome = world.run()

    assert _reason(world, outcome.run_id, "4101")[1] == "INVALID_CHANGED"
    assert world.order("4102").status == "DELIVERED"
    assert world.last_import_change("4102") == datetime(2026, 1, 2, tzinfo=UTC)


def test_entries_for_the_same_order_apply_in_file_order(world: ImportWorld) -> None:
    world.add_order("5001")
    entries = [
        Entry(id="5001", line_items=[(1, "PARTDELIVERED"), (1, "DELIVERED")]),
        Entry(id="5001", status="DELIVERED"),
        Entry(id="5001", status="RETURNED", line_items=[(1, "RETURNED")]),
        Entry(id="5001", status="RETURNED"),
    ]
    world.deliver("a.xml", status_xml(entries))

    outcome = world.run()

    assert (outcome.counts["applied"], outcome.counts["unchanged"]) == (3, 1)
    assert world.order("5001").status == "RETURNED"
    assert world.order("5001").line_items == {1: "RETURNED", 2: "INPROGRESS"}
    transitions = [(h.entity, h.from_status, h.to_status) for h in world.history("5001")]
    assert transitions == [
        ("line_item", "INPROGRESS", "PARTDELIVERED"),
        ("line_item", "PARTDELIVERED", "DELIVERED"),
        ("order", "EXPORTED", "DELIVERED"),
        ("order", "DELIVERED", "RETURNED"),
        ("line_item", "DELIVERED", "RETURNED"),
    ]


def test_entries_spanning_many_batches_are_all_applied(world: ImportWorld) -> None:
    world.add_orders((f"6{n:04d}" for n in range(1, 1201)), line_items=["INPROGRESS"], payments=[])
    entries = [Entry(id=f"6{n:04d}", status="DELIVERED") for n in range(1, 1201)]
    entries.append(Entry(id="60001", status="COMPLETED"))  # same order, a later batch
    world.deliver("big.xml", status_xml(entries))

    outcome = world.run()

    assert outcome.counts["applied"] == 1201
    statuses = {key[1]: state.status for key, state in world.snapshot().items()}
    assert statuses["60001"] == "COMPLETED"
    assert all(status == "DELIVERED" for doc, status in statuses.items() if doc != "60001")


def test_whitespace_in_token_attributes_is_collapsed_as_the_schema_does(
    world: ImportWorld,
) -> None:
    world.add_order("7001")
    world.deliver(
        "a.xml",
        '<orders xmlns="http://www.intershop.com/xml/ns/intershop/order/status/1.0">'
        '<order id=" 7001 " status="\tDELIVERED\n" toBeDeleted=" true ">'
        '<line-item position=" +01 " status=" DELIVERED"/></order></orders>',
    )

    outcome = world.run()

    assert outcome.counts["applied"] == 1
    order = world.order("7001")
    assert (order.status, order.to_be_deleted, order.line_items[1]) == (
        "DELIVERED",
        True,
        "DELIVERED",
    )


def test_a_changed_time_far_in_the_future_is_rejected_and_later_updates_still_apply(
    world: ImportWorld,
) -> None:
    world.add_order("4201")
    world.add_order("4202")
    soon = (datetime.now(UTC) + timedelta(hours=23)).strftime("%Y-%m-%dT%H:%M:%SZ")
    world.deliver(
        "a.xml",
        status_xml(
            [
                Entry(id="4201", status="DELIVERED", changed="9999-12-31T23:59:59Z"),
                Entry(id="4202", status="DELIVERED", changed=soon),
            ]
        ),
    )

    first = world.run()

    code, text = _reason(world, first.run_id, "4201")[1:3]
    assert code == "FUTURE_CHANGED" and "9999-12-31T23:59:59Z" in text and "1 day" in text
    assert world.order("4201").status == "EXPORTED"
    assert world.last_import_change("4201") is None  # nothing frozen
    assert world.order("4202").status == "DELIVERED"  # within the tolerance
    world.deliver("b.xml", status_xml([Entry(id="4201", status="DELIVERED")]))
    assert world.run().counts["applied"] == 1
    assert world.order("4201").status == "DELIVERED"


def test_the_future_tolerance_is_a_setting(
    world: ImportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_order("4301")
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    world.deliver("a.xml", status_xml([Entry(id="4301", status="DELIVERED", changed=in_an_hour)]))
    monkeypatch.setenv("ORDERIO_IMPORT_FUTURE_TOLERANCE_SECONDS", "60")

    outcome = world.run()

    assert _reason(world, outcome.run_id, "4301")[1] == "FUTURE_CHANGED"


def test_a_limit_set_out_of_range_fails_the_run_naming_the_variable(
    world: ImportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_order("4401")
    world.deliver("a.xml", status_xml([Entry(id="4401", status="DELIVERED")]))
    monkeypatch.setenv("ORDERIO_IMPORT_FUTURE_TOLERANCE_SECONDS", "-5")

    outcome = world.run()

    assert outcome.state is RunState.FAILED
    assert "ORDERIO_IMPORT_FUTURE_TOLERANCE_SECONDS" in outcome.message
    assert (world.inbox / "a.xml").exists()
