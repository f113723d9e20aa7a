"""`orderio-tui service list|test NAME` (SPEC §12)."""

from __future__ import annotations

import shutil
from pathlib import Path

from orderio_tui.application.services import ServiceForm, create_service
from orderio_tui.database import open_database
from orderio_tui.domain.statuses import ServiceKind

REPOSITORY = Path(__file__).resolve().parents[2]


def test_service_list_shows_the_demo_services_and_their_users(demo_300) -> None:
    result = demo_300("service", "list", "--json")
    assert result.code == 0, result.err
    services = {s["name"]: s for s in result.json()}
    assert set(services) == {
        "bi-xml-export",
        "erp-status-import",
        "erp-status-import-b2b",
        "erp-xml-export",
        "shop-intake",
        "shop-intake-b2b",
    }
    assert services["shop-intake"]["kind"] == "order-intake-xml"
    assert services["shop-intake"]["used_by"] == ["shop-orders"]
    assert services["erp-xml-export"]["kind"] == "order-export-xml"
    assert services["erp-xml-export"]["used_by"] == ["erp-export"]
    assert services["erp-status-import"]["directory"].endswith("import/demo-b2c/inbox")


def test_a_writable_export_directory_passes(demo_300) -> None:
    result = demo_300("service", "test", "erp-xml-export", "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["ok"] is True
    assert [c["check"] for c in report["checks"]] == ["export directory"]


def test_an_import_service_checks_its_inbox_archive_and_error_directories(demo_300) -> None:
    result = demo_300("service", "test", "erp-status-import", "--json")
    assert result.code == 0, result.err
    checks = [c["check"] for c in result.json()["checks"]]
    assert checks == ["inbox", "archive directory", "error directory"]


def test_a_removed_export_directory_fails_with_the_fix(demo_300, demo_root: Path) -> None:
    (demo_root / "export").rmdir()
    result = demo_300("service", "test", "erp-xml-export")
    assert result.code == 1
    assert "FAIL export directory" in result.out
    assert "does not exist: create it or change the service" in result.out


def test_an_xslt_service_checks_that_its_stylesheet_compiles(orderio, db_url, tmp_path) -> None:
    stylesheet = tmp_path / "broken.xsl"
    shutil.copy(REPOSITORY / "sample_data" / "orders-to-csv.xsl", stylesheet)
    db = open_database(db_url)
    try:
        create_service(
            db,
            ServiceForm(
                name="csv",
                kind=ServiceKind.EXPORT_XSLT,
                directory=str(tmp_path),
                file_extension=".csv",
                stylesheet_path=str(stylesheet),
            ),
        )
    finally:
        db.dispose()
    # A stylesheet is checked when the service is saved; here it broke afterwards.
    stylesheet.write_text("<xsl:stylesheet xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>")
    result = orderio("service", "test", "csv", "--json")
    assert result.code == 1
    checks = {c["check"]: c for c in result.json()["checks"]}
    assert checks["export directory"]["ok"] is True
    assert checks["stylesheet"]["ok"] is False
    assert "cannot be read as XML" in checks["stylesheet"]["detail"]


def test_an_unknown_service_exits_2_listing_the_known_ones(demo_300) -> None:
    result = demo_300("service", "test", "nope")
    assert result.code == 2
    assert "service 'nope' does not exist (services: bi-xml-export" in result.err
