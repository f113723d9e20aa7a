"""The SFTP transport against a real OpenSSH server on 127.0.0.1 (SPEC §15)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from sftp_server import SshServer, _keygen, fingerprint_by_openssh

from orderio_tui.engines.sftp import (
    ConnectionFailed,
    SftpSettings,
    TransportError,
    check_connection,
    open_sftp,
)


def test_connection_check_verifies_the_host_and_writes_a_test_file(sshd: SshServer) -> None:
    (sshd.remote / "old.xml").write_text("x")
    check = check_connection(sshd.settings())
    assert check.entries == 1
    assert "host key verified" in check.describe()
    assert check.host_key == f"ssh-ed25519 {fingerprint_by_openssh(Path(f'{sshd.host_key}.pub'))}"
    assert check.host_key in check.describe()
    assert sorted(p.name for p in sshd.remote.iterdir()) == ["old.xml"]  # test file removed


def test_upload_goes_to_a_temporary_name_and_is_renamed_when_complete(
    sshd: SshServer, tmp_path: Path
) -> None:
    local = tmp_path / "orders-1.xml"
    local.write_bytes(os.urandom(3 * 1024 * 1024))
    seen_during_upload: list[list[str]] = []

    def progress(sent: int, total: int) -> None:
        if not seen_during_upload:
            seen_during_upload.append(sorted(p.name for p in sshd.remote.iterdir()))

    session = open_sftp(sshd.settings())
    try:
        path = session.upload(local, "orders-1.xml", progress=progress)
    finally:
        session.close()
    assert seen_during_upload == [[".orders-1.xml.part"]]  # never the final name half-written
    assert path == str(sshd.remote / "orders-1.xml")
    assert sorted(p.name for p in sshd.remote.iterdir()) == ["orders-1.xml"]
    assert (sshd.remote / "orders-1.xml").read_bytes() == local.read_bytes()


def test_an_unknown_host_is_refused_with_its_fingerprint(sshd: SshServer, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    with pytest.raises(TransportError) as caught:
        open_sftp(sshd.settings(known_hosts=str(empty)))
    message = str(caught.value)
    assert f"127.0.0.1:{sshd.port} is not in {empty}" in message
    assert fingerprint_by_openssh(Path(f"{sshd.host_key}.pub")) in message


def test_a_changed_host_key_is_refused_and_nothing_is_uploaded(
    sshd: SshServer, tmp_path: Path
) -> None:
    known_hosts, other = sshd.known_hosts_with_another_key(tmp_path)
    with pytest.raises(TransportError) as caught:
        check_connection(sshd.settings(known_hosts=str(known_hosts)))
    message = str(caught.value)
    assert "does not match" in message
    assert fingerprint_by_openssh(Path(f"{sshd.host_key}.pub")) in message
    assert fingerprint_by_openssh(other) in message
    assert list(sshd.remote.iterdir()) == []


def test_a_key_the_server_does_not_accept_fails_authentication(
    sshd: SshServer, tmp_path: Path
) -> None:
    stranger = tmp_path / "stranger"
    _keygen(stranger)
    with pytest.raises(TransportError, match="authentication failed for .* with key"):
        open_sftp(sshd.settings(key_file=str(stranger)))


def test_an_rsa_user_key_logs_in(sshd: SshServer, tmp_path: Path) -> None:
    rsa = tmp_path / "user_rsa"
    _keygen(rsa, "rsa")
    authorized = sshd.root / "authorized_keys"
    authorized.write_text(authorized.read_text() + Path(f"{rsa}.pub").read_text())
    assert check_connection(sshd.settings(key_file=str(rsa)), write=False).entries == 0


def test_a_missing_password_variable_is_named(sshd: SshServer, monkeypatch) -> None:
    monkeypatch.delenv("ORDERIO_TEST_SFTP_PASSWORD", raising=False)
    settings = sshd.settings(key_file=None, password_env="ORDERIO_TEST_SFTP_PASSWORD")
    with pytest.raises(TransportError, match="ORDERIO_TEST_SFTP_PASSWORD is not set"):
        open_sftp(settings)


def test_a_missing_remote_directory_is_named(sshd: SshServer) -> None:
    missing = str(sshd.remote / "nope")
    with pytest.raises(TransportError, match=f"{missing} on 127.0.0.1 does not exist"):
        check_connection(sshd.settings(remote_directory=missing))


def test_permission_denied_is_reported_as_such(tmp_path: Path) -> None:
    server = SshServer(tmp_path / "ro", read_only=True).start()
    try:
        with pytest.raises(TransportError, match="permission denied for"):
            check_connection(server.settings())
    finally:
        server.stop()


def test_a_stopped_server_is_a_connection_failure_after_bounded_retries(sshd: SshServer) -> None:
    settings = sshd.settings(connect_attempts=3)
    sshd.stop()
    with pytest.raises(ConnectionFailed, match="connection refused .tried 3 times."):
        open_sftp(settings, backoff=0.01)


def test_a_server_that_dies_during_an_upload_is_a_connection_failure(
    sshd: SshServer, tmp_path: Path
) -> None:
    local = tmp_path / "big.xml"
    local.write_bytes(os.urandom(32 * 1024 * 1024))

    def kill_midway(sent: int, total: int) -> None:
        if sent >= 1024 * 1024 and sshd.process is not None:
            sshd.stop()

    session = open_sftp(sshd.settings())
    try:
        with pytest.raises(ConnectionFailed, match="lost"):
            session.upload(local, "big.xml", progress=kill_midway)
    finally:
        session.close()
    assert not (sshd.remote / "big.xml").exists()


def test_pickup_lists_regular_settled_files_then_downloads_and_archives(
    sshd: SshServer, tmp_path: Path
) -> None:
    (sshd.remote / "b.xml").write_text("<b/>")
    (sshd.remote / "a.xml").write_text("<a/>")
    (sshd.remote / "fresh.xml").write_text("<f/>")
    (sshd.remote / ".hidden.xml").write_text("<h/>")
    (sshd.remote / "c.xml.part").write_text("<c")
    (sshd.remote / "notes.txt").write_text("x")
    (sshd.remote / "dir.xml").mkdir()
    os.mkfifo(sshd.remote / "pipe.xml")
    old = 1_700_000_000
    for name in ("a.xml", "b.xml"):
        os.utime(sshd.remote / name, (old, old))
    local = tmp_path / "processing"
    local.mkdir()
    session = open_sftp(sshd.settings())
    try:
        listed = session.list_files("*.xml", min_age=60)
        assert [remote.name for remote in listed] == ["a.xml", "b.xml"]
        path = session.download("a.xml", local)
        assert path.read_text() == "<a/>"
        assert sorted(p.name for p in local.iterdir()) == ["a.xml"]  # no temporary left
        settings = session.settings
        session.move_to("a.xml", settings.archive_directory)
        (sshd.remote / "a.xml").write_text("<a again/>")
        session.move_to("a.xml", settings.archive_directory)
    finally:
        session.close()
    archive = sshd.remote / "archive"
    assert sorted(p.name for p in archive.iterdir()) == ["a.1.xml", "a.xml"]
    assert (archive / "a.1.xml").read_text() == "<a again/>"


def test_settings_are_bounded_where_they_are_read(tmp_path: Path) -> None:
    settings = SftpSettings(
        host="bad host",
        user="",
        known_hosts=str(tmp_path / "missing"),
        remote_directory="",
        port=70000,
        connect_timeout=1e9,
        connect_attempts=0,
    )
    fields = {problem.field for problem in settings.problems()}
    assert fields == {
        "sftp_host",
        "sftp_user",
        "sftp_known_hosts",
        "sftp_remote_directory",
        "sftp_port",
        "sftp_key_file",
        "sftp_connect_timeout",
        "sftp_connect_attempts",
    }
    ok = replace(
        settings,
        host="sftp.example.com",
        user="erp",
        port=22,
        known_hosts=str(tmp_path / "kh"),
        remote_directory="/in",
        password_env="ERP_PASS",
        connect_timeout=10,
        connect_attempts=3,
    )
    (tmp_path / "kh").write_text("")
    assert ok.problems() == []
