"""`orders retry` and `explain` on the demo (SPEC §16, exit codes of §10)."""

from __future__ import annotations

import getpass
import json


def _failed_run(orderio) -> tuple[int, list[str]]:
    """Run erp-export of demo-b2c; its run id and the orders that failed validation."""
    run = orderio("export", "run", "erp-export", "--channel", "demo-b2c", "--json")
    assert run.code == 3, run.err
    failed = [
        o["document_no"]
        for o in orderio(
            "orders", "--channel", "demo-b2c", "--status", "EXPORTFAILED", "--json"
        ).json()
    ]
    assert failed
    return run.json()["run_id"], failed


def test_retry_returns_a_failed_order_to_new_and_the_next_run_selects_it(demo_300) -> None:
    _, failed = _failed_run(demo_300)
    document_no = failed[0]

    result = demo_300("orders", "retry", document_no)

    assert result.code == 0, result.err
    assert result.out == f"retried order {document_no} (demo-b2c): now NEW\n"
    history = demo_300("order", document_no, "--json").json()["history"]
    assert history[-1]["from"] == "EXPORTFAILED" and history[-1]["to"] == "NEW"
    assert history[-1]["reason_code"] == "RETRY"
    assert history[-1]["reason_text"] == f"retry requested by {getpass.getuser()}"
    explained = demo_300("explain", document_no, "--config", "erp-export", "--json").json()
    assert explained["selected"] is True
    assert [r["check"] for r in explained["reasons"]] == ["validation"]  # its data is still bad

    again = demo_300("export", "run", "erp-export", "--channel", "demo-b2c", "--json")
    results = demo_300("order", document_no, "--json").json()["results"]
    assert [r["run_id"] for r in results][-1] == again.json()["run_id"]


def test_retry_of_a_run_and_refusals_with_exit_codes(demo_300) -> None:
    run_id, failed = _failed_run(demo_300)

    retried = demo_300("orders", "retry", "--run", str(run_id), "--json")
    assert retried.code == 0, retried.err
    assert sorted(r["document_no"] for r in retried.json()["retried"]) == sorted(failed)

    nothing = demo_300("orders", "retry", failed[0])
    assert nothing.code == 2
    assert f"order {failed[0]} of channel 'demo-b2c' is NEW, not EXPORTFAILED" in nothing.err

    exported = next(
        o["document_no"]
        for o in demo_300(
            "orders", "--channel", "demo-b2c", "--status", "EXPORTED", "--json"
        ).json()
    )
    demo_300("export", "run", "erp-export", "--channel", "demo-b2c")
    mixed = demo_300("orders", "retry", failed[0], exported, "--json")
    assert mixed.code == 3
    document = mixed.json()
    assert [r["document_no"] for r in document["retried"]] == [failed[0]]
    assert [(r["document_no"], r["status"]) for r in document["refused"]] == [
        (exported, "EXPORTED")
    ]


def test_retry_needs_orders_or_a_run(demo_300) -> None:
    neither = demo_300("orders", "retry", "--json")
    assert neither.code == 2
    assert json.loads(neither.out)["exit"] == 2
    b2c_order = demo_300("orders", "--channel", "demo-b2c", "--json").json()[0]["document_no"]
    elsewhere = demo_300("orders", "--channel", "demo-b2b", "retry", b2c_order)
    assert elsewhere.code == 2
    assert f"order '{b2c_order}' does not exist in channel 'demo-b2b'" in elsewhere.err
    unknown_run = demo_300("orders", "retry", "--run", "9999")
    assert unknown_run.code == 2
    assert (
        unknown_run.err == "orderio-tui: error: run 9999 does not exist: see `orderio-tui runs`\n"
    )


def test_explain_names_the_status_condition_and_the_ledger(demo_300) -> None:
    demo_300("export", "run", "bi-export", "--channel", "demo-b2c")
    demo_300("export", "run", "erp-export", "--channel", "demo-b2c")
    exported = next(
        o["document_no"]
        for o in demo_300(
            "orders", "--channel", "demo-b2c", "--status", "EXPORTED", "--json"
        ).json()
    )

    by_erp = demo_300("explain", exported, "--config", "erp-export", "--json")
    assert by_erp.code == 0, by_erp.err
    document = by_erp.json()
    assert {k: document[k] for k in ("document_no", "channel", "config", "would_export")} == {
        "document_no": exported,
        "channel": "demo-b2c",
        "config": "erp-export",
        "would_export": False,
    }
    assert document["reasons"] == [
        {"check": "order_status", "expected": ["NEW"], "actual": "EXPORTED"}
    ]

    by_bi = demo_300("explain", exported, "--config", "bi-export", "--json").json()
    assert by_bi["would_export"] is False
    assert [r["check"] for r in by_bi["reasons"]] == ["ledger"]

    text = demo_300("explain", exported, "--config", "bi-export")
    assert text.out.splitlines()[0] == (
        f"order {exported} would NOT be exported by 'bi-export' (demo-b2c) now"
    )
    assert "FAIL ledger: required not yet exported by this configuration; " in text.out


def test_explain_of_an_unknown_order_or_configuration_exits_2(demo_300) -> None:
    order = demo_300("explain", "NOPE", "--config", "erp-export", "--json")
    assert order.code == 2
    assert "order 'NOPE' does not exist" in json.loads(order.out)["error"]
    any_order = demo_300("orders", "--channel", "demo-b2c", "--json").json()[0]["document_no"]
    configuration = demo_300("explain", any_order, "--config", "nope")
    assert configuration.code == 2
    assert "export configuration 'nope' does not exist in channel 'demo-b2c'" in configuration.err
