"""SFTP services on the services screen (SPEC §15): the transport, the server's fields and the
"test connection" action, against a real OpenSSH server."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sftp_server import SshServer, fingerprint_by_openssh
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.worker import WorkerState
from tui_fixtures import wait_for

from orderio_tui.application.services import create_service, list_services, with_defaults
from orderio_tui.database import Database
from orderio_tui.domain.statuses import ServiceKind
from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.services.edit import ServiceEditScreen
from orderio_tui.tui.services.screen import ServicesScreen
from orderio_tui.tui.widgets.field import FieldRow

SFTP_ROWS = (
    "sftp_host",
    "sftp_port",
    "sftp_user",
    "sftp_known_hosts",
    "sftp_key_file",
    "sftp_password_env",
    "sftp_remote_directory",
)


@pytest.fixture
def plain_app(db: Database, demo: object, monkeypatch: pytest.MonkeyPatch) -> OrderioApp:
    monkeypatch.setenv("NO_COLOR", "1")
    return OrderioApp(db, scheduler=False, channel="demo-b2c")


def _shown(screen: ServiceEditScreen, field: str) -> bool:
    """Whether the field's row and everything around it is displayed."""
    row = screen.query_one(f"#row-{field}", FieldRow)
    return all(node.display for node in row.ancestors_with_self if node is not screen.app)


async def _open_new_service(pilot: Pilot, app: OrderioApp) -> ServiceEditScreen:
    await pilot.pause()
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, ServiceEditScreen))
    screen = app.screen
    assert isinstance(screen, ServiceEditScreen)
    return screen


async def _fill(pilot: Pilot, screen: ServiceEditScreen, field: str, text: str) -> None:
    """Focus the field and type ``text`` into it (after clearing it); a long path is pasted."""
    control = screen.query_one(f"#{field}", Input)
    control.focus()
    control.value = ""
    if len(text) > 20:
        control.insert_text_at_cursor(text)
        await pilot.pause()
    else:
        await pilot.press(*text)


async def _choose_sftp(pilot: Pilot, screen: ServiceEditScreen) -> None:
    """Choose transport sftp with the keyboard and wait for the server's fields."""
    screen.query_one("#transport").focus()
    await pilot.press("enter", *"sftp", "enter")
    await wait_for(pilot, lambda: _shown(screen, "sftp_host"), what="the SFTP fields")


async def _type_server(pilot: Pilot, screen: ServiceEditScreen, sshd: SshServer) -> None:
    """Type the fields of ``sshd`` into the server's fields."""
    for field, value in sshd.service_fields().items():
        if field != "transport":
            await _fill(pilot, screen, field, str(value))


def _sftp_service(db: Database, sshd: SshServer, inbox: Path, known_hosts: Path) -> str:
    """A status import service picking up from ``sshd``, stored through the application."""
    inbox.mkdir(exist_ok=True)
    form = with_defaults(
        ServiceKind.STATUS_IMPORT_XML,
        name="erp-sftp-in",
        directory=str(inbox),
        **sshd.service_fields(sftp_known_hosts=str(known_hosts)),
    )
    return create_service(db, form).name


async def _edit(pilot: Pilot, app: OrderioApp, name: str) -> ServiceEditScreen:
    await pilot.pause()
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
    names = [service.name for service in list_services(app.db)]  # the table's order
    for _ in range(names.index(name)):
        await pilot.press("down")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ServiceEditScreen))
    screen = app.screen
    assert isinstance(screen, ServiceEditScreen) and screen.service is not None
    assert screen.service.name == name
    return screen


def _message(screen: ServiceEditScreen) -> str:
    return str(screen.query_one("#form-message", Static).render())


def _result(screen: ServiceEditScreen) -> str:
    return str(screen.query_one("#connection-result", Static).render())


async def test_an_sftp_service_is_created_through_the_screen_and_stored(
    plain_app: OrderioApp, db: Database, sshd: SshServer, tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    server = sshd.settings()
    async with plain_app.run_test(size=(80, 24)) as pilot:
        screen = await _open_new_service(pilot, plain_app)
        assert not any(_shown(screen, field) for field in SFTP_ROWS)
        await _fill(pilot, screen, "name", "erp-sftp")
        await _choose_sftp(pilot, screen)
        assert all(_shown(screen, field) for field in SFTP_ROWS)
        assert not _shown(screen, "sftp_remote_archive")  # pickups only
        await _fill(pilot, screen, "directory", str(staging))
        await _type_server(pilot, screen, sshd)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Saved" in _message(screen))
    [stored] = [s for s in list_services(db) if s.name == "erp-sftp"]
    assert stored.transport == "sftp"
    assert (stored.sftp_host, stored.sftp_port, stored.sftp_user) == (
        server.host,
        server.port,
        server.user,
    )
    assert stored.sftp_known_hosts == server.known_hosts
    assert stored.sftp_key_file == server.key_file
    assert stored.sftp_remote_directory == server.remote_directory
    assert stored.sftp_password_env == ""


async def test_the_screen_shows_sftp_problems_at_their_fields_and_saves_nothing(
    plain_app: OrderioApp, db: Database, tmp_path: Path
) -> None:
    async with plain_app.run_test(size=(80, 24)) as pilot:
        screen = await _open_new_service(pilot, plain_app)
        await _fill(pilot, screen, "name", "half-sftp")
        await _fill(pilot, screen, "directory", str(tmp_path))
        await _choose_sftp(pilot, screen)
        await _fill(pilot, screen, "sftp_port", "99999")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Not saved" in _message(screen))
        assert "65535" in str(screen.query_one("#error-sftp_port").render())
        await _fill(pilot, screen, "sftp_port", "2222")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "host" in str(screen.query_one("#error-sftp_host").render()))
        assert "known_hosts" in str(screen.query_one("#error-sftp_known_hosts").render())
    assert "half-sftp" not in [s.name for s in list_services(db)]


async def test_editing_an_sftp_service_keeps_its_server(
    plain_app: OrderioApp, db: Database, sshd: SshServer, tmp_path: Path
) -> None:
    name = _sftp_service(db, sshd, tmp_path / "inbox", sshd.known_hosts)
    async with plain_app.run_test(size=(80, 24)) as pilot:
        screen = await _edit(pilot, plain_app, name)
        assert _shown(screen, "sftp_host") and _shown(screen, "sftp_remote_archive")
        assert screen.query_one("#sftp_port", Input).value == str(sshd.port)
        await _fill(pilot, screen, "display_name", "ERP over SFTP")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Saved" in _message(screen))
    [stored] = [s for s in list_services(db) if s.name == name]
    assert stored.display_name == "ERP over SFTP"
    assert stored.transport == "sftp" and stored.sftp_port == sshd.port
    assert stored.sftp_remote_directory == str(sshd.remote)


async def test_test_connection_says_ok_with_the_host_keyfingerprint_by_openssh(
    plain_app: OrderioApp, db: Database, sshd: SshServer, tmp_path: Path
) -> None:
    name = _sftp_service(db, sshd, tmp_path / "inbox", sshd.known_hosts)
    async with plain_app.run_test(size=(80, 24)) as pilot:
        screen = await _edit(pilot, plain_app, name)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "✓" in _result(screen), what="the test's result")
        shown = _result(screen)
        assert "host key verified" in shown
        assert fingerprint_by_openssh(Path(f"{sshd.host_key}.pub")) in shown
        assert str(sshd.remote) in shown


async def test_test_connection_with_another_host_key_shows_the_host_key_message(
    plain_app: OrderioApp, db: Database, sshd: SshServer, tmp_path: Path
) -> None:
    known_hosts, other = sshd.known_hosts_with_another_key(tmp_path)
    name = _sftp_service(db, sshd, tmp_path / "inbox", known_hosts)
    async with plain_app.run_test(size=(80, 24)) as pilot:
        screen = await _edit(pilot, plain_app, name)
        screen.query_one("#test-connection").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "✗" in _result(screen), what="the test's result")
        shown = _result(screen)
        assert f"host key of 127.0.0.1:{sshd.port} does not match" in shown
        assert fingerprint_by_openssh(Path(f"{sshd.host_key}.pub")) in shown
        assert fingerprint_by_openssh(other) in shown
    assert list(sshd.remote.iterdir()) == []


async def test_the_screen_stays_usable_while_a_server_does_not_answer(
    plain_app: OrderioApp, db: Database, sshd: SshServer, tmp_path: Path
) -> None:
    name = _sftp_service(db, sshd, tmp_path / "inbox", sshd.known_hosts)
    # A listener that never answers: the connection is made, the SSH banner never comes.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    port = silent.getsockname()[1]
    try:
        async with plain_app.run_test(size=(80, 24)) as pilot:
            screen = await _edit(pilot, plain_app, name)
            await _fill(pilot, screen, "sftp_port", str(port))
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: "Testing the connection" in _result(screen))
            [worker] = [w for w in screen.workers if w.group == "connection-test"]
            await _fill(pilot, screen, "display_name", "typed meanwhile")
            assert screen.query_one("#display_name", Input).value == "typed meanwhile"
            assert worker.state is WorkerState.RUNNING  # the test still waits for the server
            silent.close()  # the waiting connection is reset: the test ends with the reason
            await wait_for(pilot, lambda: "✗" in _result(screen), what="the test's result")
            assert f"can not connect to 127.0.0.1:{port}" in _result(screen)
    finally:
        silent.close()


async def test_test_connection_marks_missing_server_fields_and_connects_nowhere(
    plain_app: OrderioApp, db: Database, sshd: SshServer, tmp_path: Path
) -> None:
    async with plain_app.run_test(size=(80, 24)) as pilot:
        screen = await _open_new_service(pilot, plain_app)
        await _choose_sftp(pilot, screen)
        await _fill(pilot, screen, "sftp_user", sshd.settings().user)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "fix the fields" in _result(screen))
        assert "host name" in str(screen.query_one("#error-sftp_host").render())
        assert "known_hosts" in str(screen.query_one("#error-sftp_known_hosts").render())
        assert str(screen.query_one("#error-sftp_user").render()) == ""
        assert not [w for w in screen.workers if w.group == "connection-test"]


async def test_test_connection_without_a_local_directory_says_so(
    plain_app: OrderioApp, db: Database, sshd: SshServer
) -> None:
    async with plain_app.run_test(size=(80, 24)) as pilot:
        screen = await _open_new_service(pilot, plain_app)
        await _choose_sftp(pilot, screen)
        await _type_server(pilot, screen, sshd)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "✓ sftp" in _result(screen), what="the test's result")
        assert "✗ export directory: no directory is set" in _result(screen)
