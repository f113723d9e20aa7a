"""The alerts screen (SPEC §16): list with events, destinations, open incidents and the last
delivery error; create, edit, delete through a form checked like the configuration file; a test
notice to a real local webhook; at 80×24 without colours."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alerts.alert_servers import WebhookReceiver
from textual.widgets import Checkbox, DataTable, Input, Static
from tui_fixtures import type_text, wait_for

from orderio_tui.alerts.settings import AlertSettings
from orderio_tui.application.alerts import list_alerts, store_alert
from orderio_tui.application.configurations import resolve_configuration
from orderio_tui.database import Database
from orderio_tui.domain.statuses import RunKind, RunState, Trigger
from orderio_tui.jobs.execute import run_configuration
from orderio_tui.tui.alerts.edit import AlertEditScreen
from orderio_tui.tui.alerts.screen import AlertsScreen
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.widgets.confirm import ConfirmScreen

SECRET_ENV = "ORDERIO_TEST_ALERT_SECRET"


@pytest.fixture(autouse=True)
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def _ops(url: str, **fields: object) -> AlertSettings:
    values: dict[str, object] = {
        "name": "ops",
        "events": ("failed",),
        "channel": "demo-b2c",
        "webhook_url": url,
        "secret_env": SECRET_ENV,
        **fields,
    }
    return AlertSettings(**values)  # type: ignore[arg-type]


def _detail(app: OrderioApp) -> str:
    return str(app.screen.query_one("#alert-detail", Static).render())


def _row(table: DataTable, index: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(index)]


async def _open_alerts(pilot, app: OrderioApp) -> DataTable:
    await pilot.pause()
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), what="alerts screen")
    return app.screen.query_one("#alerts", DataTable)


async def test_the_list_shows_events_destinations_open_incidents_and_the_last_error(
    app: OrderioApp, db: Database, tmp_path: Path, webhook: WebhookReceiver, monkeypatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "s3cret")
    store_alert(db, _ops(webhook.url, events=("failed", "partial")), new=True)
    widest = _ops(
        webhook.url,
        name="w" * 100,
        events=("failed", "partial", "overdue", "scheduler-silent"),
        smtp_host="mail.shop.example",
        mail_from="orderio@shop.example",
        mail_to=("ops@shop.example",),
        channel="demo-b2b",
    )
    store_alert(db, widest, new=True)
    webhook.status = 500
    shutil.rmtree(tmp_path / "root" / "export")
    with db.read() as session:
        export_id = resolve_configuration(session, RunKind.EXPORT, "erp-export", "demo-b2c").id
    outcome = run_configuration(db, RunKind.EXPORT, export_id, trigger=Trigger.CLI)
    assert outcome.state is RunState.FAILED

    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_alerts(pilot, app)
        assert table.row_count == 2
        assert _row(table, 0) == ["ops", "failed,partial", "webhook", "1", "retrying"]
        assert _row(table, 1) == [
            "wwwwwwwwwwwwwww…",
            "failed,partial,overdu…",
            "webhook, e-mail",
            "–",
            "ok",
        ]
        detail = _detail(app)
        assert "ops · on failed, partial · demo-b2c: all configurations" in detail
        assert f"Sends to webhook {webhook.url}" in detail
        assert "Open: failed of export demo-b2c/erp-export since " in detail
        assert "Undelivered: failed by webhook, 1 attempt(s), next try " in detail
        assert f"Last delivery error: webhook {webhook.url} answered HTTP 500" in detail
        # Readable at 80 columns: even the widest row needs no sideways scrolling.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_an_alert_made_in_the_form_shows_each_problem_at_its_field(
    app: OrderioApp, db: Database, webhook: WebhookReceiver
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_alerts(pilot, app)
        assert table.row_count == 0
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertEditScreen), what="form")
        form = app.screen
        assert app.focused is form.query_one("#name", Input)
        await type_text(pilot, "ops")
        form.query_one("#webhook_url", Input).value = "ftp://hooks"
        form.query_one("#silent_minutes", Input).value = "soon"
        await pilot.press("ctrl+s")

        def error(field: str) -> str:
            return str(form.query_one(f"#error-{field}", Static).render())

        assert error("webhook_url") == "✗ an http:// or https:// address, e.g. https://hooks/x"
        assert error("secret_env") == ("✗ name the environment variable that holds the HMAC secret")
        assert error("silent_minutes") == "✗ silent minutes 'soon' is not a whole number"
        message = str(form.query_one("#form-message", Static).render())
        assert message.startswith("Not saved: 3 problems")
        assert list_alerts(db) == []

        form.query_one("#webhook_url", Input).value = webhook.url
        form.query_one("#secret_env", Input).value = SECRET_ENV
        form.query_one("#silent_minutes", Input).value = "10"
        form.query_one("#configurations", Input).value = "erp-exprot"
        await pilot.press("ctrl+s")
        assert error("configurations") == "✗ no configuration named erp-exprot: check the names"
        form.query_one("#configurations", Input).value = "erp-export, bi-export"
        form.query_one("#on-overdue", Checkbox).value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), what="saved")
        [view] = list_alerts(db)
        assert view.settings.events == ("failed", "overdue")
        assert view.settings.configurations == ("erp-export", "bi-export")
        assert view.settings.channel is None
        await wait_for(pilot, lambda: table.row_count == 1, what="the new row")


async def test_an_alert_is_edited_and_deleted(
    app: OrderioApp, db: Database, webhook: WebhookReceiver
) -> None:
    store_alert(db, _ops(webhook.url), new=True)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_alerts(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertEditScreen), what="form")
        form = app.screen
        assert form.query_one("#name", Input).disabled
        assert form.query_one("#on-failed", Checkbox).value is True
        # Without colours the mark alone says which events are on.
        assert str(form.query_one("#on-failed", Checkbox).render()).strip() == "▐X▌ failed"
        assert str(form.query_one("#on-partial", Checkbox).render()).strip() == "▐ ▌ partial"
        form.query_one("#on-partial", Checkbox).value = True
        await pilot.pause()
        assert str(form.query_one("#on-partial", Checkbox).render()).strip() == "▐X▌ partial"
        form.query_one("#smtp_host", Input).value = "mail.shop.example"
        await pilot.press("ctrl+s")
        assert "✗ the sender's e-mail address" in str(form.query_one("#error-from").render())
        form.query_one("#from", Input).value = "orderio@shop.example"
        form.query_one("#to", Input).value = "ops@shop.example, erp@shop.example"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), what="saved")
        [view] = list_alerts(db)
        assert view.settings.events == ("failed", "partial")
        assert view.settings.mail_to == ("ops@shop.example", "erp@shop.example")
        await wait_for(pilot, lambda: _row(table, 0)[2] == "webhook, e-mail", what="reloaded")

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 0, what="deleted")
        assert list_alerts(db) == []


async def test_t_sends_a_test_notice_and_says_whether_it_arrived(
    app: OrderioApp, db: Database, webhook: WebhookReceiver, monkeypatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "s3cret")
    store_alert(db, _ops(webhook.url), new=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_alerts(pilot, app)
        await pilot.press("t")
        await wait_for(pilot, lambda: webhook.posts, what="the test notice")
        assert json.loads(webhook.posts[0].body)["event"] == "test"
        await wait_for(
            pilot,
            lambda: any("delivered by webhook" in n.message for n in app._notifications),
            what="the notification",
        )
        monkeypatch.delenv(SECRET_ENV)
        await pilot.press("t")
        await wait_for(
            pilot,
            lambda: any(
                f"environment variable {SECRET_ENV} (webhook secret) is not set" in n.message
                for n in app._notifications
            ),
            what="the failure",
        )
