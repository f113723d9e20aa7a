"""A real OpenSSH ``sshd`` on 127.0.0.1 for the SFTP tests, with its own host and user keys.

Each server lives in a directory of the test: ``host_ed25519`` (its host key), ``user_ed25519``
(the key orderio logs in with), ``known_hosts`` (the host key, as orderio's setting expects it),
``remote/`` (a directory the tests use as the server's side). The server runs as the user the
tests run as and logs in only that user, by key. ``stop()`` ends the listener and every session
process it started, as a server going away would.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import signal
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path

from orderio_tui.engines.sftp import SftpSettings

SSHD = os.environ.get("ORDERIO_TEST_SSHD", "/usr/sbin/sshd")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keygen(path: Path, kind: str = "ed25519") -> None:
    extra = ["-b", "3072"] if kind == "rsa" else []
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-C", "orderio-test", "-f", str(path)],
        check=True,
    )


def fingerprint_by_openssh(public_key: Path) -> str:
    """A public key's fingerprint as ``ssh-keygen -l`` prints it (``SHA256:…``)."""
    output = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(public_key)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return output.split()[1]


def _descendants(pid: int) -> list[int]:
    """Pids of every process below ``pid`` (sshd's session processes start sessions of their own,
    so a process group does not hold them)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


class SshServer:
    """One sshd with an SFTP subsystem; ``read_only`` serves SFTP without write access."""

    def __init__(self, root: Path, *, read_only: bool = False) -> None:
        if not Path(SSHD).is_file():
            raise RuntimeError(
                f"the SFTP tests need OpenSSH's server at {SSHD}: install it "
                f"(apt-get install openssh-server) or set ORDERIO_TEST_SSHD"
            )
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.remote = root / "remote"
        self.remote.mkdir(exist_ok=True)
        self.host_key = root / "host_ed25519"
        self.user_key = root / "user_ed25519"
        _keygen(self.host_key)
        _keygen(self.user_key)
        (root / "authorized_keys").write_text(Path(f"{self.user_key}.pub").read_text())
        self.port = free_port()
        self.known_hosts = root / "known_hosts"
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {self.host_key_line()}\n")
        self.read_only = read_only
        self.log = root / "sshd.log"
        self.process: subprocess.Popen[bytes] | None = None

    def host_key_line(self) -> str:
        """``<type> <base64>`` of the server's host key."""
        kind, blob = Path(f"{self.host_key}.pub").read_text().split()[:2]
        return f"{kind} {blob}"

    def known_hosts_with_another_key(self, directory: Path) -> tuple[Path, Path]:
        """A known_hosts file in ``directory`` that gives this server another key (a changed
        key, or someone in between), and that key's public file."""
        other = directory / "other_host_key"
        _keygen(other)
        kind, blob = Path(f"{other}.pub").read_text().split()[:2]
        known_hosts = directory / "other_known_hosts"
        known_hosts.write_text(f"[127.0.0.1]:{self.port} {kind} {blob}\n")
        return known_hosts, Path(f"{other}.pub")

    def service_fields(self, **overrides: object) -> dict[str, object]:
        """The transport and ``sftp_*`` fields of a service form for this server."""
        settings = self.settings()
        fields: dict[str, object] = {
            "transport": "sftp",
            "sftp_host": settings.host,
            "sftp_port": settings.port,
            "sftp_user": settings.user,
            "sftp_key_file": settings.key_file or "",
            "sftp_known_hosts": settings.known_hosts,
            "sftp_remote_directory": settings.remote_directory,
        }
        return {**fields, **overrides}

    def _config(self) -> Path:
        sftp = "internal-sftp -R" if self.read_only else "internal-sftp"
        lines = [
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {self.host_key}",
            f"PidFile {self.root / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.root / 'authorized_keys'}",
            f"AllowUsers {getpass.getuser()}",
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "PermitRootLogin prohibit-password",
            f"Subsystem sftp {sftp}",
            f"ForceCommand {sftp}",
            "LogLevel VERBOSE",
        ]
        config = self.root / "sshd_config"
        config.write_text("\n".join(lines) + "\n")
        return config

    def start(self) -> SshServer:
        """Start the server and wait until it accepts connections."""
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation
        config = self._config()
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd ended at once: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd did not start listening: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """End the listener and all its sessions (SIGKILL: the server is simply gone)."""
        if self.process is None:
            return
        for pid in [*_descendants(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def settings(self, **overrides: object) -> SftpSettings:
        """orderio's settings for this server, remote directory ``remote/``."""
        base = SftpSettings(
            host="127.0.0.1",
            port=self.port,
            user=getpass.getuser(),
            key_file=str(self.user_key),
            known_hosts=str(self.known_hosts),
            remote_directory=str(self.remote),
            connect_timeout=5.0,
            operation_timeout=10.0,
            connect_attempts=1,
        )
        return replace(base, **overrides)  # type: ignore[arg-type]
