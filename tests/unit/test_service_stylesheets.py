"""An XSLT service is saved only with a file that compiles as a stylesheet (issue 9 item 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderio_tui.application.services import ServiceForm, create_service, update_service
from orderio_tui.database import Database
from orderio_tui.domain.statuses import ServiceKind
from orderio_tui.errors import ValidationFailed

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


def _xslt_service(directory: Path, stylesheet: Path) -> ServiceForm:
    return ServiceForm(
        "csv-out",
        ServiceKind.EXPORT_XSLT,
        str(directory),
        file_extension=".csv",
        stylesheet_path=str(stylesheet),
    )


def test_the_sample_stylesheet_is_accepted(db: Database, tmp_path: Path) -> None:
    view = create_service(db, _xslt_service(tmp_path, SAMPLE_DATA / "orders-to-csv.xsl"))
    assert view.stylesheet_path.endswith("orders-to-csv.xsl")


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (None, "cannot be read as XML"),  # the README
        ("<notes><item>milk</item></notes>", "is not a valid stylesheet"),
        ("", "cannot be read as XML"),
    ],
)
def test_a_file_that_is_not_a_stylesheet_is_a_validation_message(
    db: Database, tmp_path: Path, content: str | None, named: str
) -> None:
    if content is None:
        path = SAMPLE_DATA / "README.md"
    else:
        path = tmp_path / "not-a-stylesheet.xsl"
        path.write_text(content)
    with pytest.raises(ValidationFailed) as info:
        create_service(db, _xslt_service(tmp_path, path))
    messages = info.value.for_field("stylesheet_path")
    assert len(messages) == 1 and named in messages[0], messages


def test_changing_the_stylesheet_to_another_file_is_checked_too(
    db: Database, tmp_path: Path
) -> None:
    view = create_service(db, _xslt_service(tmp_path, SAMPLE_DATA / "orders-to-csv.xsl"))
    with pytest.raises(ValidationFailed) as info:
        update_service(db, view.id, _xslt_service(tmp_path, SAMPLE_DATA / "README.md"))
    assert info.value.for_field("stylesheet_path")
