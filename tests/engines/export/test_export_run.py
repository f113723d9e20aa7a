"""Export runs end to end on a real SQLite file and a real directory (SPEC §2, §3, §6.1, §7)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import NS, REFERENCE_XSD, SAMPLE_STYLESHEET, Shop, add_order, package_schema
from lxml import etree
from sqlalchemy import func, select

from orderio_tui.domain.models import (
    Channel,
    ExportClaim,
    ExportLedgerEntry,
    LineItem,
    Order,
    Run,
    RunLogLine,
    RunResultRow,
    StatusHistory,
)
from orderio_tui.domain.statuses import RunKind, RunState, ServiceKind, Trigger
from orderio_tui.engines.export import run_export
from orderio_tui.runs.journal import LogLine, RunEvents, RunOutcome, RunStarted, create_run

SCHEMA = package_schema()
ALL_ORDER_STATUSES = ["NEW", "CANCELLED", "COMPLETED", "EXPORTED", "EXPORTFAILED", "DELIVERED"]


def _export(shop: Shop, configuration_id: int | None = None, **kwargs: Any) -> RunOutcome:
    return run_export(
        shop.db, configuration_id or shop.configuration_id, trigger=Trigger.CLI, **kwargs
    )


def _snapshot(shop: Shop) -> dict[str, Any]:
    """Every status of every order, line item and payment, and the history size."""
    with shop.db.read() as session:
        orders = session.execute(
            select(Order.document_no, Order.status, Order.status_reason_code)
        ).all()
        items = session.execute(select(LineItem.order_id, LineItem.position, LineItem.status)).all()
        history = session.scalar(select(func.count()).select_from(StatusHistory))
    return {"orders": sorted(orders), "items": sorted(items), "history": history}


def _document_numbers(path: Path) -> list[str]:
    document = etree.parse(str(path))
    return [
        e.text
        for e in document.getroot().iterfind(
            "o:order/o:order-header/o:order-info/o:document-no", NS
        )
    ]


def _mixed_orders(shop: Shop) -> None:
    """Good, failing, cancelled, untouchable and other-channel orders."""
    with shop.db.write() as session:
        channel = shop.channel(session)
        other = Channel(name="elsewhere", store="Elsewhere")
        session.add(other)
        session.flush()
        add_order(session, other, document_no="OTHER-CHANNEL")
        for n in range(5):
            add_order(session, channel, document_no=f"GOOD-{n}")
        add_order(session, channel, document_no="NO-CITY", invoice_city=None)
        add_order(session, channel, document_no="NO-ITEMS", items=0)
        add_order(session, channel, document_no="NO-CURRENCY", currency=None)
        add_order(
            session, channel, document_no="CANCELLED", status="CANCELLED", item_status="CANCELLED"
        )
        add_order(session, channel, document_no="DONE", status="COMPLETED")


# --------------------------------------------------------------------------- the main run


def test_partial_run_exports_valid_orders_and_marks_the_failed_ones(shop: Shop) -> None:
    _mixed_orders(shop)
    shop.configure(order_statuses=["NEW", "CANCELLED"])
    before = shop.statuses()

    outcome = _export(shop)

    assert outcome.state is RunState.PARTIAL and outcome.exit_code == 3
    assert outcome.counts == {"selected": 9, "exported": 6, "failed": 3}
    files = shop.files()
    assert len(files) == 1 and [str(files[0])] == outcome.files
    assert re.fullmatch(rf"orders-\d{{8}}T\d{{6}}Z-{outcome.run_id}\.xml", files[0].name)
    document = etree.parse(str(files[0]))
    assert SCHEMA.validate(document), SCHEMA.error_log
    in_file = _document_numbers(files[0])
    assert in_file == [f"GOOD-{n}" for n in range(5)] + ["CANCELLED"]
    statuses_in_file = document.getroot().xpath(
        "//o:order-process-info/o:status/text()", namespaces=NS
    )
    assert statuses_in_file == ["NEW"] * 5 + ["CANCELLED"]

    after = shop.statuses()
    for number in in_file:
        expected = "CANCELLEDANDEXPORTED" if number == "CANCELLED" else "EXPORTED"
        assert after[number] == expected
    for number in ("NO-CITY", "NO-ITEMS", "NO-CURRENCY"):
        assert after[number] == "EXPORTFAILED"
    changed = {n for n in after if after[n] != before[n]}
    assert changed == set(in_file) | {"NO-CITY", "NO-ITEMS", "NO-CURRENCY"}

    with shop.db.read() as session:
        items = dict(
            session.execute(
                select(LineItem.id, LineItem.status)
                .join(Order)
                .where(Order.document_no.in_(in_file))
            ).all()
        )
        assert set(items.values()) == {"INPROGRESS", "CANCELLEDANDEXPORTED"}
        untouched_items = session.scalars(
            select(LineItem.status).join(Order).where(Order.document_no == "NO-CITY")
        ).all()
        assert set(untouched_items) == {"NEW"}
        failed = session.scalars(select(Order).where(Order.document_no == "NO-CITY")).one()
        assert failed.status_reason_code == "INCOMPLETE_INVOICE_ADDRESS"
        assert failed.status_reason_text == "invoice address lacks city"
        reasons = dict(
            session.execute(
                select(Order.document_no, Order.status_reason_code).where(
                    Order.status == "EXPORTFAILED"
                )
            ).all()
        )
        assert reasons == {
            "NO-CITY": "INCOMPLETE_INVOICE_ADDRESS",
            "NO-ITEMS": "NO_LINE_ITEMS",
            "NO-CURRENCY": "MISSING_CURRENCY",
        }
        history = session.execute(
            select(StatusHistory.entity, StatusHistory.from_status, StatusHistory.to_status).where(
                StatusHistory.run_id == outcome.run_id, StatusHistory.source == "export"
            )
        ).all()
        # 5 orders NEW→EXPORTED + 1 CANCELLED→CANCELLEDANDEXPORTED, 2 items each, 3 failures.
        assert sorted(history).count(("order", "NEW", "EXPORTED")) == 5
        assert ("order", "CANCELLED", "CANCELLEDANDEXPORTED") in history
        assert sorted(history).count(("line_item", "NEW", "INPROGRESS")) == 10
        assert sorted(history).count(("line_item", "CANCELLED", "CANCELLEDANDEXPORTED")) == 2
        assert sorted(history).count(("order", "NEW", "EXPORTFAILED")) == 3
        assert len(history) == 21

        run = session.get_one(Run, outcome.run_id)
        assert run.state == "PARTIAL" and run.trigger == "cli" and run.finished_at is not None
        assert run.temp_path is None and run.final_path == str(files[0])
        assert run.file_sha256 == hashlib.sha256(files[0].read_bytes()).hexdigest()
        results = session.execute(
            select(RunResultRow.document_no, RunResultRow.outcome, RunResultRow.reason_code).where(
                RunResultRow.run_id == run.id
            )
        ).all()
        assert sorted(r[0] for r in results if r[1] == "exported") == sorted(in_file)
        assert {r[0]: r[2] for r in results if r[1] == "failed"} == reasons
        ledger = session.scalars(
            select(ExportLedgerEntry.file_name).where(ExportLedgerEntry.run_id == run.id)
        ).all()
        assert ledger == [files[0].name] * 6
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0
        log = session.scalars(select(RunLogLine.message).where(RunLogLine.run_id == run.id)).all()
        assert any("NO-CITY" in line for line in log)
        assert log[-1] == outcome.message

    second = _export(shop)
    assert second.state is RunState.SUCCEEDED
    assert second.counts == {"selected": 0, "exported": 0, "failed": 0}
    assert second.files == [] and shop.files() == files
    assert "no file" in second.message


@pytest.mark.skipif(not REFERENCE_XSD.exists(), reason="reference ICM schema folder is absent")
def test_exported_file_is_valid_under_the_reference_schema(shop: Shop) -> None:
    _mixed_orders(shop)
    outcome = _export(shop)
    schema = etree.XMLSchema(etree.parse(str(REFERENCE_XSD)))
    document = etree.parse(outcome.files[0])
    assert schema.validate(document), schema.error_log


def test_run_events_are_emitted(shop: Shop) -> None:
    shop.add_orders(2)
    events = RunEvents()
    seen: list[Any] = []
    events.subscribe(seen.append)
    outcome = _export(shop, events=events)
    assert isinstance(seen[0], RunStarted) and seen[0].run_id == outcome.run_id
    assert any(isinstance(e, LogLine) for e in seen)
    assert seen[-1] == outcome


# --------------------------------------------------------------------------- status updates off


def test_report_export_changes_no_status_and_uses_its_ledger(shop: Shop) -> None:
    _mixed_orders(shop)
    bi = shop.add_configuration(
        "bi-export",
        status_updates_enabled=False,
        order_statuses=ALL_ORDER_STATUSES,
        only_not_exported=True,
    )
    before = _snapshot(shop)

    first = _export(shop, bi)

    assert first.state is RunState.PARTIAL
    assert first.counts == {"selected": 10, "exported": 7, "failed": 3}
    assert SCHEMA.validate(etree.parse(first.files[0]))
    assert _snapshot(shop) == before

    second = _export(shop, bi)
    assert second.counts == {"selected": 3, "exported": 0, "failed": 3}
    # The invalid orders are never in the ledger, so each run reports them again.
    assert second.state is RunState.PARTIAL and second.files == []
    assert _snapshot(shop) == before

    shop.add_orders(1, document_no="LATE")
    third = _export(shop, bi)
    assert third.counts == {"selected": 4, "exported": 1, "failed": 3}
    assert _document_numbers(Path(third.files[0])) == ["LATE"]
    assert len(shop.files()) == 2


def test_without_the_ledger_condition_orders_are_sent_again(shop: Shop) -> None:
    shop.add_orders(2)
    report = shop.add_configuration("report", status_updates_enabled=False)
    first = _export(shop, report)
    second = _export(shop, report)
    assert first.counts["exported"] == second.counts["exported"] == 2
    with shop.db.read() as session:
        runs = session.scalars(select(ExportLedgerEntry.run_id)).all()
    assert runs == [second.run_id] * 2


def test_configured_transitions_only_apply_when_the_table_allows_them(shop: Shop) -> None:
    shop.add_orders(1, document_no="A")
    shop.configure(
        order_transitions={"NEW": "INPROGRESS", "CANCELLED": "COMPLETED"},
        line_item_transitions={"NEW": "DELIVERED"},
    )
    outcome = _export(shop)
    assert outcome.state is RunState.SUCCEEDED
    assert shop.statuses() == {"A": "INPROGRESS"}
    with shop.db.read() as session:
        assert set(session.scalars(select(LineItem.status))) == {"NEW"}


def test_failed_order_keeps_a_status_the_configuration_would_not_move(shop: Shop) -> None:
    shop.add_orders(1, document_no="DELIVERED-BROKEN", status="DELIVERED", invoice_line1=" ")
    shop.configure(order_statuses=["DELIVERED"])
    outcome = _export(shop)
    assert outcome.state is RunState.PARTIAL and outcome.counts["failed"] == 1
    assert shop.statuses() == {"DELIVERED-BROKEN": "DELIVERED"}


def test_when_every_order_fails_no_file_is_written(shop: Shop) -> None:
    shop.add_orders(2, items=0)
    outcome = _export(shop)
    assert outcome.state is RunState.PARTIAL and "no file written" in outcome.message
    assert outcome.counts == {"selected": 2, "exported": 0, "failed": 2}
    assert shop.files() == []
    assert set(shop.statuses().values()) == {"EXPORTFAILED"}


# --------------------------------------------------------------------------- runs that cannot start


def _assert_nothing_changed(shop: Shop, before: dict[str, Any], outcome: RunOutcome) -> None:
    assert outcome.state is RunState.FAILED and outcome.exit_code == 1
    assert outcome.files == []
    assert _snapshot(shop) == before
    with shop.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0
        assert session.scalar(select(func.count()).select_from(ExportLedgerEntry)) == 0
        run = session.get_one(Run, outcome.run_id)
        assert run.state == "FAILED" and run.message == outcome.message
    leftovers = [
        p for p in shop.root.rglob("*") if p.is_file() and not p.name.startswith("orderio.db")
    ]
    assert leftovers == []


def test_missing_directory_fails_naming_it_and_changes_nothing(shop: Shop) -> None:
    shop.add_orders(3)
    shutil.rmtree(shop.export_dir)
    before = _snapshot(shop)
    outcome = _export(shop)
    _assert_nothing_changed(shop, before, outcome)
    assert str(shop.export_dir) in outcome.message
    assert "does not exist" in outcome.message and "create it" in outcome.message
    assert not shop.export_dir.exists()


def test_directory_that_is_a_file_fails(shop: Shop) -> None:
    shop.add_orders(1)
    shutil.rmtree(shop.export_dir)
    shop.export_dir.write_text("not a directory")
    before = _snapshot(shop)
    outcome = _export(shop)
    assert outcome.state is RunState.FAILED
    assert "is not a directory" in outcome.message and str(shop.export_dir) in outcome.message
    assert _snapshot(shop) == before
    shop.export_dir.unlink()


def test_disabled_service_fails_naming_it(shop: Shop) -> None:
    shop.add_orders(2)
    shop.set_service(enabled=False)
    before = _snapshot(shop)
    outcome = _export(shop)
    _assert_nothing_changed(shop, before, outcome)
    assert "service 'erp-xml' is disabled" in outcome.message and "enable" in outcome.message


def test_import_service_as_configuration_type_fails(shop: Shop) -> None:
    shop.add_orders(1)
    shop.set_service(kind=ServiceKind.STATUS_IMPORT_XML.value)
    outcome = _export(shop)
    assert outcome.state is RunState.FAILED and "not an order export service" in outcome.message


def test_run_is_skipped_while_another_run_of_the_configuration_is_active(shop: Shop) -> None:
    shop.add_orders(1)
    with shop.db.write() as session:
        create_run(
            session,
            kind=RunKind.EXPORT,
            configuration_id=shop.configuration_id,
            config_name="erp-export",
            channel_id=shop.channel_id,
            trigger=Trigger.SCHEDULE,
        )
    outcome = _export(shop)
    assert outcome.state is RunState.SKIPPED and "already running" in outcome.message
    assert shop.files() == []
    assert set(shop.statuses().values()) == {"NEW"}


# --------------------------------------------------------------------------- dry run


def test_dry_run_reports_and_changes_nothing(shop: Shop) -> None:
    _mixed_orders(shop)
    before = _snapshot(shop)
    outcome = _export(shop, dry_run=True)
    assert outcome.dry_run and outcome.state is RunState.PARTIAL
    assert outcome.counts == {"selected": 8, "exported": 5, "failed": 3}
    assert "would export 5 of 8 orders" in outcome.message
    assert shop.files() == []
    assert _snapshot(shop) == before
    with shop.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0
        assert session.scalar(select(func.count()).select_from(ExportLedgerEntry)) == 0
        run = session.get_one(Run, outcome.run_id)
        assert run.dry_run and run.state == "PARTIAL" and run.final_path is None
    real = _export(shop)
    assert real.counts == {"selected": 8, "exported": 5, "failed": 3}


def test_dry_run_with_missing_directory_fails(shop: Shop) -> None:
    shop.add_orders(1)
    shutil.rmtree(shop.export_dir)
    outcome = _export(shop, dry_run=True)
    assert outcome.state is RunState.FAILED and str(shop.export_dir) in outcome.message


# --------------------------------------------------------------------------- XSLT


def _xslt_service(shop: Shop, stylesheet: Path) -> int:
    service = shop.add_service(
        "csv",
        kind=ServiceKind.EXPORT_XSLT.value,
        directory=str(shop.export_dir),
        file_prefix="lines",
        file_extension=".csv",
        stylesheet_path=str(stylesheet),
    )
    return shop.add_configuration("csv-export", service_id=service)


def test_xslt_service_writes_csv_with_one_line_per_line_item(shop: Shop) -> None:
    shop.add_orders(2, items=3, buyer_first_name='Ann "The" Ö', invoice_last_name="Smith, Jr.")
    shop.add_orders(1, items=0)
    configuration = _xslt_service(shop, SAMPLE_STYLESHEET)
    outcome = _export(shop, configuration)
    assert outcome.state is RunState.PARTIAL
    assert outcome.counts == {"selected": 3, "exported": 2, "failed": 1}
    (path,) = shop.files()
    assert path.suffix == ".csv" and path.name.startswith("lines-")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 6
    assert rows[0]["invoice_name"] == "Patricia Smith, Jr."
    assert [r["position"] for r in rows] == ["1", "2", "3"] * 2
    assert rows[1]["quantity"] == "2" and rows[1]["line_gross_total"] == "23.80"
    assert rows[0]["tax_rate"] == "0.19" and rows[0]["sku"] == "SKU-1"
    assert set(shop.statuses().values()) == {"EXPORTED", "EXPORTFAILED"}
    assert not [p for p in shop.export_dir.iterdir() if p.name.startswith(".")]


def test_stylesheet_that_reads_a_local_file_fails_the_run(shop: Shop, tmp_path: Path) -> None:
    shop.add_orders(2)
    stylesheet = tmp_path / "steal.xsl"
    stylesheet.write_text(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:output method="text"/><xsl:template match="/">'
        "<xsl:value-of select=\"document('/etc/passwd')\"/></xsl:template></xsl:stylesheet>"
    )
    configuration = _xslt_service(shop, stylesheet)
    before = _snapshot(shop)
    outcome = _export(shop, configuration)
    assert outcome.state is RunState.FAILED
    assert str(stylesheet) in outcome.message and "may not read" in outcome.message
    assert shop.files() == []
    assert _snapshot(shop) == before
    with shop.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0


def test_stylesheet_that_includes_a_file_is_refused_before_the_run(
    shop: Shop, tmp_path: Path
) -> None:
    shop.add_orders(1)
    stylesheet = tmp_path / "include.xsl"
    stylesheet.write_text(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:include href="other.xsl"/></xsl:stylesheet>'
    )
    outcome = _export(shop, _xslt_service(shop, stylesheet))
    assert outcome.state is RunState.FAILED and "xsl:include" in outcome.message
    assert str(stylesheet) in outcome.message


def test_missing_stylesheet_fails_naming_it(shop: Shop, tmp_path: Path) -> None:
    shop.add_orders(1)
    outcome = _export(shop, _xslt_service(shop, tmp_path / "nowhere.xsl"))
    assert outcome.state is RunState.FAILED
    assert "nowhere.xsl" in outcome.message and "does not exist" in outcome.message


#: A binary template recursion 40 deep: 2^40 calls, never ends in practice (no depth limit hit).
RUNAWAY_RECURSION = """<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text"/>
<xsl:template match="/"><xsl:call-template name="grow"><xsl:with-param name="n" select="40"/>
</xsl:call-template></xsl:template>
<xsl:template name="grow"><xsl:param name="n"/><xsl:if test="$n &gt; 0">
<xsl:call-template name="grow"><xsl:with-param name="n" select="$n - 1"/></xsl:call-template>
<xsl:call-template name="grow"><xsl:with-param name="n" select="$n - 1"/></xsl:call-template>
</xsl:if></xsl:template>
</xsl:stylesheet>"""

#: A string that doubles 40 times: 2^40 characters, far beyond any memory.
STRING_DOUBLING = """<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text"/>
<xsl:template match="/"><xsl:call-template name="double"><xsl:with-param name="s" select="'xy'"/>
<xsl:with-param name="n" select="40"/></xsl:call-template></xsl:template>
<xsl:template name="double"><xsl:param name="s"/><xsl:param name="n"/><xsl:choose>
<xsl:when test="$n &gt; 0"><xsl:call-template name="double">
<xsl:with-param name="s" select="concat($s, $s)"/><xsl:with-param name="n" select="$n - 1"/>
</xsl:call-template></xsl:when><xsl:otherwise><xsl:value-of select="string-length($s)"/>
</xsl:otherwise></xsl:choose></xsl:template>
</xsl:stylesheet>"""


@pytest.mark.parametrize(
    ("stylesheet_text", "limit_words"),
    [
        (RUNAWAY_RECURSION, "ran longer than the time limit of 2 s (ORDERIO_XSLT_TIME_LIMIT)"),
        (
            STRING_DOUBLING,
            "needed more than the memory limit of 200 MiB (ORDERIO_XSLT_MEMORY_LIMIT)",
        ),
    ],
    ids=["runaway-recursion", "string-doubling"],
)
def test_a_stylesheet_over_its_limit_fails_the_run_and_releases_the_claims(
    shop: Shop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stylesheet_text: str,
    limit_words: str,
) -> None:
    monkeypatch.setenv("ORDERIO_XSLT_TIME_LIMIT", "2")
    monkeypatch.setenv("ORDERIO_XSLT_MEMORY_LIMIT", "200")
    shop.add_orders(3)
    stylesheet = tmp_path / "runaway.xsl"
    stylesheet.write_text(stylesheet_text)
    configuration = _xslt_service(shop, stylesheet)
    before = _snapshot(shop)

    outcome = _export(shop, configuration)

    assert outcome.state is RunState.FAILED
    assert limit_words in outcome.message and str(stylesheet) in outcome.message
    assert "3 claimed orders released" in outcome.message
    assert list(shop.export_dir.iterdir()) == []
    assert _snapshot(shop) == before
    with shop.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportClaim)) == 0


def test_an_xslt_limit_out_of_range_fails_the_run_naming_the_setting(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERIO_XSLT_MEMORY_LIMIT", "lots")
    shop.add_orders(1)
    outcome = _export(shop, _xslt_service(shop, SAMPLE_STYLESHEET))
    assert outcome.state is RunState.FAILED
    assert "ORDERIO_XSLT_MEMORY_LIMIT='lots' is not a whole number from 64 to" in outcome.message
    assert set(shop.statuses().values()) == {"NEW"}


# --------------------------------------------------------------------------- max orders per run


def test_orders_that_failed_before_do_not_take_the_quota_of_the_others(shop: Shop) -> None:
    """A BI export (no status updates, only orders not yet exported, 3 per run)."""
    invalid = shop.add_orders(3, invoice_postal_code=None)  # the oldest orders
    shop.add_orders(6)
    shop.configure(status_updates_enabled=False, only_not_exported=True, max_orders=3)

    first, second, third, fourth = (_export(shop) for _ in range(4))

    assert [first.counts["exported"], first.counts["failed"]] == [0, 3]
    assert [second.counts["exported"], second.counts["failed"]] == [3, 0]
    assert [third.counts["exported"], third.counts["failed"]] == [3, 0]
    # Only the failed ones are left: there is room for them again.
    assert [fourth.counts["exported"], fourth.counts["failed"]] == [0, 3]

    # Fixed data puts an order back in line.
    with shop.db.write() as session:
        session.get_one(Order, invalid[0]).invoice_postal_code = "07743"
    shop.add_orders(3)
    fifth = _export(shop)
    assert [fifth.counts["exported"], fifth.counts["failed"]] == [3, 0]
    with shop.db.read() as session:
        numbers = set(
            session.scalars(
                select(RunResultRow.order_id).where(
                    RunResultRow.run_id == fifth.run_id, RunResultRow.outcome == "exported"
                )
            )
        )
    assert invalid[0] in numbers
