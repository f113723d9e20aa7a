"""SFTP services from the configuration file and `service test` against a real sshd (SPEC §15)."""

from __future__ import annotations

from pathlib import Path

from sftp_server import SshServer


def _config(sshd: SshServer, staging: Path, known_hosts: Path | None = None) -> str:
    return f"""
[[service]]
name = "erp-sftp"
kind = "order-export-xml"
directory = "{staging}"
transport = "sftp"

[service.sftp]
host = "127.0.0.1"
port = {sshd.port}
user = "{sshd.settings().user}"
key_file = "{sshd.user_key}"
known_hosts = "{known_hosts or sshd.known_hosts}"
remote_directory = "{sshd.remote}"
"""


def test_an_sftp_service_from_the_file_connects_and_dumps_the_same(
    orderio, sshd: SshServer, tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    path = tmp_path / "orderio.toml"
    path.write_text(_config(sshd, staging))
    applied = orderio("config", "apply", str(path))
    assert applied.code == 0, applied.err
    tested = orderio("service", "test", "erp-sftp", "--json")
    assert tested.code == 0, tested.out
    [sftp] = [c for c in tested.json()["checks"] if c["check"] == "sftp"]
    assert sftp["ok"] and "host key verified" in sftp["detail"]
    assert list(sshd.remote.iterdir()) == []  # the test file was removed again
    dumped = orderio("config", "dump").out
    assert "[service.sftp]" in dumped and f"port = {sshd.port}" in dumped
    again = tmp_path / "again.toml"
    again.write_text(dumped)
    assert "0 changes" in orderio("config", "apply", str(again)).out


def test_a_wrong_host_key_fails_the_service_test_naming_the_fingerprint(
    orderio, sshd: SshServer, tmp_path: Path
) -> None:
    known_hosts, _other = sshd.known_hosts_with_another_key(tmp_path)
    staging = tmp_path / "staging"
    staging.mkdir()
    path = tmp_path / "orderio.toml"
    path.write_text(_config(sshd, staging, known_hosts))
    assert orderio("config", "apply", str(path)).code == 0
    tested = orderio("service", "test", "erp-sftp")
    assert tested.code == 1
    assert "does not match" in tested.out and "SHA256:" in tested.out


def test_sftp_settings_are_checked_with_file_and_line(orderio, tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    path = tmp_path / "orderio.toml"
    path.write_text(
        f"""[[service]]
name = "erp-sftp"
kind = "order-export-xml"
directory = "{staging}"
transport = "sftp"

[service.sftp]
host = "127.0.0.1"
port = 70000
user = "erp"
known_hosts = "{tmp_path / "missing_known_hosts"}"
remote_directory = "/upload"
remote_archive = "/upload/archive"
"""
    )
    checked = orderio("config", "check", str(path))
    assert checked.code == 2
    lines = checked.err.strip().splitlines()
    assert any(f"{path}:9: service.sftp.port:" in line for line in lines), lines
    assert any(f"{path}:11: service.sftp.known_hosts:" in line for line in lines), lines
    assert any("service.sftp.remote_archive" in line and "pickups" in line for line in lines), lines
    assert any("service.sftp.key_file" in line for line in lines), lines  # neither key nor password
