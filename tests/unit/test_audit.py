"""The audit trail (SPEC §16): every change of a configuration, service, channel or alert through
the application's functions writes one entry with who, when and the fields before and after."""

from __future__ import annotations

import getpass
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orderio_tui.alerts.settings import AlertSettings
from orderio_tui.application.alerts import delete_alert, store_alert
from orderio_tui.application.audit import AuditView, list_audit
from orderio_tui.application.channels import (
    ChannelForm,
    create_channel,
    delete_channel,
    update_channel,
)
from orderio_tui.application.configurations import (
    ExportConfigurationForm,
    ImportConfigurationForm,
    create_export_configuration,
    create_import_configuration,
    delete_configuration,
    load_export_form,
    set_schedule,
    update_export_configuration,
)
from orderio_tui.application.services import (
    ServiceForm,
    create_service,
    delete_service,
    list_services,
    update_service,
)
from orderio_tui.database import Database
from orderio_tui.domain.scheduling import Schedule
from orderio_tui.domain.statuses import RunKind, ScheduleMode, ScheduleUnit, ServiceKind
from orderio_tui.errors import ValidationFailed


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Database:
    """A channel with an export service and a second one (real directories)."""
    for directory in ("out", "out2", "inbox"):
        (tmp_path / directory).mkdir()
    create_channel(db, ChannelForm("b2c", store="Shop-B2C"))
    create_service(db, ServiceForm("xml-out", ServiceKind.EXPORT_XML, str(tmp_path / "out")))
    create_service(db, ServiceForm("xml-two", ServiceKind.EXPORT_XML, str(tmp_path / "out2")))
    create_service(
        db, ServiceForm("status-in", ServiceKind.STATUS_IMPORT_XML, str(tmp_path / "inbox"))
    )
    return db


def _newest(db: Database) -> AuditView:
    return list_audit(db, limit=1)[0]


def _changed(view: AuditView) -> dict[str, tuple[object, object]]:
    return {key: (before, after) for key, before, after in view.changes}


def test_an_export_configuration_change_records_who_when_and_each_field_before_and_after(
    shop: Database,
) -> None:
    config_id = create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    before = datetime.now(UTC)
    form = replace(load_export_form(shop, config_id), service="xml-two", max_orders=50)
    update_export_configuration(shop, config_id, form)

    entry = _newest(shop)
    assert (entry.kind, entry.name, entry.channel, entry.action) == (
        "export",
        "erp",
        "b2c",
        "update",
    )
    assert (entry.os_user, entry.host) == (getpass.getuser(), socket.gethostname())
    assert before - timedelta(seconds=5) <= entry.at <= datetime.now(UTC)
    assert _changed(entry) == {"service": ("xml-out", "xml-two"), "max_orders": (None, 50)}


def test_creating_and_deleting_a_configuration_record_every_field_on_one_side(
    shop: Database,
) -> None:
    config_id = create_import_configuration(
        shop, "b2c", ImportConfigurationForm("status", "status-in", description="ERP status")
    )
    created = _newest(shop)
    assert (created.kind, created.action) == ("import", "create")
    assert _changed(created)["description"] == (None, "ERP status")
    assert _changed(created)["schedule.mode"] == (None, "manual")

    delete_configuration(shop, RunKind.IMPORT, config_id)
    deleted = _newest(shop)
    assert (deleted.kind, deleted.name, deleted.action) == ("import", "status", "delete")
    assert _changed(deleted)["service"] == ("status-in", None)


def test_saving_a_configuration_unchanged_records_nothing(shop: Database) -> None:
    config_id = create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    count = len(list_audit(shop))
    update_export_configuration(shop, config_id, load_export_form(shop, config_id))
    assert len(list_audit(shop)) == count


def test_a_schedule_change_is_recorded_with_its_fields(shop: Database) -> None:
    config_id = create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    set_schedule(
        shop, RunKind.EXPORT, config_id, Schedule(ScheduleMode.INTERVAL, 5, ScheduleUnit.MINUTES)
    )
    entry = _newest(shop)
    assert entry.action == "update"
    assert _changed(entry) == {
        "schedule.mode": ("manual", "interval"),
        "schedule.every": (None, 5),
        "schedule.unit": (None, "minutes"),
    }


def test_a_refused_change_records_nothing(shop: Database) -> None:
    count = len(list_audit(shop))
    with pytest.raises(ValidationFailed):
        create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "no-such"))
    assert len(list_audit(shop)) == count


def test_services_channels_and_alerts_are_recorded_with_their_kind(
    shop: Database, tmp_path: Path
) -> None:
    [service] = [v for v in list_audit(shop, kind="service") if v.name == "xml-two"]
    assert service.action == "create"
    update_service(
        shop,
        _service_id(shop, "xml-two"),
        ServiceForm("xml-two", ServiceKind.EXPORT_XML, str(tmp_path / "out2"), file_prefix="x"),
    )
    assert _changed(_newest(shop)) == {"file_prefix": ("orders", "x")}
    delete_service(shop, _service_id(shop, "xml-two"))
    assert (_newest(shop).kind, _newest(shop).action) == ("service", "delete")

    update_channel(shop, "b2c", ChannelForm("b2c", store="Shop-B2C", timezone="Europe/Berlin"))
    channel = _newest(shop)
    assert (channel.kind, channel.name, channel.channel, channel.action) == (
        "channel",
        "b2c",
        "b2c",
        "update",
    )
    assert _changed(channel) == {"timezone": ("UTC", "Europe/Berlin")}

    settings = AlertSettings(
        "ops", ("failed",), channel="b2c", webhook_url="http://127.0.0.1:9/", secret_env="OPS_KEY"
    )
    store_alert(shop, settings, new=True)
    alert = _newest(shop)
    assert (alert.kind, alert.channel, alert.action) == ("alert", "b2c", "create")
    assert _changed(alert)["secret_env"] == (None, "OPS_KEY")
    store_alert(shop, replace(settings, events=("failed", "partial")), new=False)
    assert _changed(_newest(shop)) == {"events": (["failed"], ["failed", "partial"])}
    delete_alert(shop, "ops")
    assert (_newest(shop).kind, _newest(shop).action) == ("alert", "delete")

    create_channel(shop, ChannelForm("spare"))
    delete_channel(shop, "spare")
    assert [(v.name, v.action) for v in list_audit(shop, channel="spare")] == [
        ("spare", "delete"),
        ("spare", "create"),
    ]


def _service_id(db: Database, name: str) -> int:
    return next(view.id for view in list_services(db) if view.name == name)


def test_a_configurations_trail_follows_it_through_a_rename(shop: Database) -> None:
    config_id = create_export_configuration(shop, "b2c", ExportConfigurationForm("erp", "xml-out"))
    create_export_configuration(shop, "b2c", ExportConfigurationForm("other", "xml-out"))
    form = replace(load_export_form(shop, config_id), name="erp-new")
    update_export_configuration(shop, config_id, form)
    trail = list_audit(shop, kind="export", subject_id=config_id)
    assert [(v.name, v.action) for v in trail] == [("erp-new", "update"), ("erp", "create")]
    assert _changed(trail[0]) == {"name": ("erp", "erp-new")}
