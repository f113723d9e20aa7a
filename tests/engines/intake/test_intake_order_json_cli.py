"""`order DOCUMENT_NO --json` prints the order's JSON form, which another orderio takes in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orderio_tui.cli import main
from orderio_tui.database import open_database
from orderio_tui.domain.models import Channel
from orderio_tui.engines.intake.jsonl import read_jsonl
from orderio_tui.engines.intake.parsed import ParsedOrder
from orderio_tui.engines.intake.rules import NewOrder, check_order, created_status, insert_orders

READ_ONLY = ("history", "results", "status_reason_code", "status_reason_text")


def _run(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> str:
    try:
        main(["--db", db_url, *args])
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr().err
    return capsys.readouterr().out


def test_orders_printed_as_json_are_taken_in_by_another_database_and_print_the_same(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    _run(capsys, db_url, "demo", "--root", str(tmp_path / "demo"), "--orders", "20")
    listed = json.loads(_run(capsys, db_url, "orders", "--json"))
    printed = [
        json.loads(_run(capsys, db_url, "order", o["document_no"], "--json")) for o in listed
    ]
    assert len(printed) == 20
    for order, listing in zip(printed, listed, strict=True):
        # the SPEC §10 keys are still there, with the values `orders --json` shows
        assert {key: order[key] for key in listing} | {
            "line_items": [{"position": i["position"], "status": i["status"]}
                           for i in order["line_items"]],
            "payments": [{"id": p["id"], "status": p["status"]} for p in order["payments"]],
        } == listing  # fmt: skip
        assert order["history"], "the demo writes a creation history row"
        assert order["results"] == []

    lines = tmp_path / "orders.jsonl"
    lines.write_text("".join(json.dumps(order) + "\n" for order in printed))
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    other = open_database(other_url)
    try:
        with other.write() as session:
            channels = {}
            for name in sorted({o["channel"] for o in printed}):
                channels[name] = Channel(name=name, store=name, currency=printed[0]["currency"])
                session.add(channels[name])
            session.flush()
            parsed = list(read_jsonl(lines))
            assert all(isinstance(p, ParsedOrder) for p in parsed)
            for p, order in zip(parsed, printed, strict=True):
                channel = channels[order["channel"]]
                assert check_order(p.document, channel.currency) == []
                insert_orders(session, channel.id, [NewOrder(p.document, lines.name)])
    finally:
        other.dispose()
    for order in printed:
        copy = json.loads(_run(capsys, other_url, "order", order["document_no"], "--json"))
        assert copy["history"][0]["reason_text"].startswith("taken in from orders.jsonl")
        assert copy["status"] == created_status(order["status"])
        expected = {k: v for k, v in order.items() if k not in READ_ONLY}
        assert {k: v for k, v in copy.items() if k not in READ_ONLY} == expected | {
            "status": copy["status"]
        }
