"""One inbox, one import configuration (SPEC §4, §7.2): a second configuration or a second
status import service on an inbox already used is refused with a validation message."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from orderio_tui.application.channels import ChannelForm, create_channel
from orderio_tui.application.configurations import (
    ImportConfigurationForm,
    create_import_configuration,
    load_import_form,
    update_import_configuration,
)
from orderio_tui.application.services import (
    ServiceForm,
    create_service,
    list_services,
    update_service,
)
from orderio_tui.database import Database
from orderio_tui.domain.statuses import ServiceKind
from orderio_tui.errors import ValidationFailed


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Database:
    (tmp_path / "inbox").mkdir()
    create_channel(db, ChannelForm("b2c", store="Shop-B2C"))
    create_channel(db, ChannelForm("b2b", store="Shop-B2B"))
    create_service(
        db, ServiceForm("status-in", ServiceKind.STATUS_IMPORT_XML, str(tmp_path / "inbox"))
    )
    return db


def test_a_second_import_configuration_on_the_same_service_is_refused(shop: Database) -> None:
    first = create_import_configuration(shop, "b2c", ImportConfigurationForm("st", "status-in"))

    with pytest.raises(ValidationFailed) as info:
        create_import_configuration(shop, "b2b", ImportConfigurationForm("st", "status-in"))

    (problem,) = info.value.problems
    assert problem.field == "service"
    assert "already read by import configuration 'st' of channel 'b2c'" in problem.message
    assert "own inbox" in problem.message
    form = load_import_form(shop, first)
    update_import_configuration(shop, first, replace(form, description="still fine"))


def test_a_second_import_service_on_the_same_inbox_is_refused(
    shop: Database, tmp_path: Path
) -> None:
    same_inbox = [
        str(tmp_path / "inbox"),
        f"{tmp_path}/inbox/",
        str(tmp_path / "x" / ".." / "inbox"),
    ]
    (tmp_path / "x").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "inbox", target_is_directory=True)
    same_inbox.append(str(tmp_path / "alias"))

    for number, directory in enumerate(same_inbox):
        form = ServiceForm(f"again-{number}", ServiceKind.STATUS_IMPORT_XML, directory)
        with pytest.raises(ValidationFailed) as info:
            create_service(shop, form)
        (problem,) = info.value.problems
        assert problem.field == "directory"
        assert "already the inbox of service 'status-in'" in problem.message

    (tmp_path / "other").mkdir()
    create_service(
        shop, ServiceForm("other-in", ServiceKind.STATUS_IMPORT_XML, str(tmp_path / "other"))
    )
    create_service(shop, ServiceForm("out", ServiceKind.EXPORT_XML, str(tmp_path / "inbox")))
    service = next(s for s in list_services(shop) if s.name == "status-in")
    update_service(shop, service.id, replace(service.form(), display_name="renamed"))
