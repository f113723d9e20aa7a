"""SFTP delivery and pickup (SPEC §15): one connection to one server, and the few file
operations the export and the pickups need, each safe for a consumer on the other side.

- **Host keys are verified** against the configured known-hosts file only (never the user's
  ``~/.ssh/known_hosts``, never "accept any key"): an unknown or changed key fails with a message
  naming the host and the fingerprint the server offered.
- **Authentication** by key file (ed25519, ECDSA, RSA) or by a password read from the environment
  variable the service names; no agent, no keys looked up elsewhere, nothing stored or logged.
- **Uploads** go to a temporary ``.<name>.part`` in the remote directory, their size is checked,
  then they are renamed on the server (``posix-rename``, atomic) — a consumer never sees a partial
  file. **Downloads** go to a temporary name in the local directory, are fsynced and renamed.
- **Connection failures** (refused, timed out, reset) are retried with a bounded backoff; host-key
  and authentication failures are not (trying again would not help).

Every failure is a :class:`TransportError` with one clear message that names the server, the
path and the fix. Nothing here knows about runs or the database.
"""

from __future__ import annotations

import base64
import errno
import fnmatch
import hashlib
import logging
import os
import re
import socket
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import paramiko

from ..errors import FieldProblem, UserError
from .failpoints import failpoint
from .files import sync_directory

log = logging.getLogger(__name__)

#: Bounds of the settings (SPEC §17: every value bounded where it is read).
MAX_CONNECT_TIMEOUT = 300.0
MAX_OPERATION_TIMEOUT = 3600.0
MAX_CONNECT_ATTEMPTS = 10
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_HOST = re.compile(r"^[A-Za-z0-9._:\-\[\]]{1,253}$")
_USER = re.compile(r"^[A-Za-z0-9._\-@]{1,64}$")
_TRANSFER_CHUNK = 256 * 1024


class TransportError(UserError):
    """A file could not be moved to or from the server; the message says why and what to do."""


class ConnectionFailed(TransportError):
    """The server could not be reached (refused, timed out, connection lost): worth a retry."""


@dataclass(frozen=True)
class SftpSettings:
    """Where and how to reach one SFTP server (a service's ``[service.sftp]`` table)."""

    host: str
    user: str
    known_hosts: str
    remote_directory: str
    port: int = 22
    key_file: str | None = None
    password_env: str | None = None
    remote_archive: str | None = None
    remote_error: str | None = None
    connect_timeout: float = 15.0
    operation_timeout: float = 120.0
    connect_attempts: int = 3

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> SftpSettings:
        """The settings a service stores in its ``sftp`` column (SPEC §15 keys)."""
        keys = (
            "host",
            "user",
            "known_hosts",
            "remote_directory",
            "key_file",
            "password_env",
            "remote_archive",
            "remote_error",
        )
        values: dict[str, Any] = {key: stored.get(key) or None for key in keys}
        for required in ("host", "user", "known_hosts", "remote_directory"):
            values[required] = str(values[required] or "")
        port = stored.get("port", 22)
        values["port"] = port if isinstance(port, int) and not isinstance(port, bool) else 0
        return cls(**values)

    @property
    def address(self) -> str:
        """``user@host:port`` for messages."""
        return f"{self.user}@{self.host}:{self.port}"

    @property
    def archive_directory(self) -> str:
        """Where picked-up files go after their commit (default ``<remote>/archive``)."""
        return self.remote_archive or str(PurePosixPath(self.remote_directory) / "archive")

    @property
    def error_directory(self) -> str:
        """Where picked-up files go when they were rejected (default ``<remote>/error``)."""
        return self.remote_error or str(PurePosixPath(self.remote_directory) / "error")

    def problems(self, prefix: str = "sftp_") -> list[FieldProblem]:
        """Everything wrong with these settings, one message per problem (nothing connects)."""
        found: list[FieldProblem] = []

        def problem(key: str, message: str) -> None:
            found.append(FieldProblem(prefix + key, message))

        if not _HOST.match(self.host or ""):
            problem("host", "give the SFTP server's host name or IP address")
        if not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            problem("port", "the port must be a whole number from 1 to 65535 (SSH uses 22)")
        if not _USER.match(self.user or ""):
            problem("user", "give the user name to log in as (letters, digits, . _ - @)")
        if bool(self.key_file) == bool(self.password_env):
            problem("key_file", "give either key_file (a private key) or password_env, not both")
        if self.key_file and not Path(self.key_file).expanduser().is_file():
            problem("key_file", f"key file {self.key_file} does not exist; give a private key")
        if self.password_env and not _ENV_NAME.match(self.password_env):
            problem("password_env", "give the name of an environment variable, e.g. SFTP_PASS")
        if not self.known_hosts:
            problem("known_hosts", "give a known_hosts file holding the server's host key")
        elif not Path(self.known_hosts).expanduser().is_file():
            problem(
                "known_hosts",
                f"known_hosts file {self.known_hosts} does not exist; create it with the server's "
                f"key (ssh-keyscan -p {self.port} {self.host}, checked with its administrator)",
            )
        for key, value in (
            ("remote_directory", self.remote_directory),
            ("remote_archive", self.remote_archive),
            ("remote_error", self.remote_error),
        ):
            if key == "remote_directory" and not value:
                problem(key, "give the directory on the server (e.g. /upload/orders)")
            elif value and ("\x00" in value or "\n" in value or len(value) > 1024):
                problem(key, "a remote path must be one line of at most 1024 characters")
        if not 0 < self.connect_timeout <= MAX_CONNECT_TIMEOUT:
            problem("connect_timeout", f"between 0 and {MAX_CONNECT_TIMEOUT:g} seconds")
        if not 0 < self.operation_timeout <= MAX_OPERATION_TIMEOUT:
            problem("operation_timeout", f"between 0 and {MAX_OPERATION_TIMEOUT:g} seconds")
        if not 1 <= self.connect_attempts <= MAX_CONNECT_ATTEMPTS:
            problem("connect_attempts", f"a whole number from 1 to {MAX_CONNECT_ATTEMPTS}")
        return found


@dataclass(frozen=True)
class RemoteFile:
    """A regular file in a remote directory."""

    name: str
    size: int
    modified: float


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's form of a key's fingerprint: ``SHA256:<base64 without padding>``."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


class _RejectUnknownHost(paramiko.MissingHostKeyPolicy):
    """Refuse a server whose key is not in the known-hosts file, naming its fingerprint."""

    def __init__(self, settings: SftpSettings) -> None:
        self._settings = settings

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        settings = self._settings
        raise TransportError(
            f"host {settings.host}:{settings.port} is not in {settings.known_hosts} (it offered "
            f"{key.get_name()} {fingerprint(key)}); add the server's key to that file after "
            f"checking the fingerprint with the server's administrator"
        )


def _remote_error(error: OSError, settings: SftpSettings, path: str, action: str) -> TransportError:
    """One clear message for an SFTP status error on ``path``."""
    where = f"{path} on {settings.host}"
    if isinstance(error, FileNotFoundError) or error.errno == errno.ENOENT:
        return TransportError(f"{action}: {where} does not exist; create it or fix the setting")
    if isinstance(error, PermissionError) or error.errno == errno.EACCES:
        return TransportError(
            f"{action}: permission denied for {where} (user {settings.user}); let that user "
            f"read and write there"
        )
    reason = error.strerror or str(error) or type(error).__name__
    return TransportError(f"{action}: {where} failed: {reason}")


class SftpSession:
    """An open, verified SFTP connection. Use :func:`open_sftp`; close it when done."""

    def __init__(self, settings: SftpSettings, client: paramiko.SSHClient) -> None:
        self.settings = settings
        self._client = client
        self._sftp = client.open_sftp()
        channel = self._sftp.get_channel()
        if channel is not None:
            channel.settimeout(settings.operation_timeout)

    def close(self) -> None:
        """Close the SFTP channel and the SSH connection (never raises)."""
        for closing in (self._sftp.close, self._client.close):
            try:
                closing()
            except Exception:  # noqa: BLE001 - closing a dead connection is not an error
                log.debug("closing the SFTP connection to %s failed", self.settings.host)

    @property
    def host_key(self) -> str:
        """The server's host key, verified on connecting: ``<type> SHA256:<fingerprint>``."""
        transport = self._client.get_transport()
        if transport is None:
            return "unknown (not connected)"
        key = transport.get_remote_server_key()
        return f"{key.get_name()} {fingerprint(key)}"

    # ------------------------------------------------------------------ helpers

    def _connected(self) -> bool:
        transport = self._client.get_transport()
        return transport is not None and transport.is_active()

    def remote_path(self, name: str, directory: str | None = None) -> str:
        """The remote path of ``name`` in ``directory`` (default: the remote directory)."""
        return str(PurePosixPath(directory or self.settings.remote_directory) / name)

    @contextmanager
    def _operation(self, action: str, path: str) -> Iterator[None]:
        """Turn what can go wrong on the wire into one :class:`TransportError`."""
        try:
            yield
        except TransportError:
            raise
        except OSError as error:
            if isinstance(error, socket.timeout | TimeoutError) or not self._connected():
                raise ConnectionFailed(
                    f"{action}: the connection to {self.settings.host}:{self.settings.port} was "
                    f"lost or timed out (after at most {self.settings.operation_timeout:g} s); "
                    f"try again when the server is reachable"
                ) from error
            raise _remote_error(error, self.settings, path, action) from error
        except (paramiko.SSHException, EOFError) as error:
            raise ConnectionFailed(
                f"{action}: the connection to {self.settings.host}:{self.settings.port} was "
                f"lost ({error or type(error).__name__}); try again when the server is reachable"
            ) from error

    # ------------------------------------------------------------------ questions

    def check_directory(self, directory: str | None = None) -> int:
        """Make sure ``directory`` exists and is a directory; return how many entries it has."""
        path = directory or self.settings.remote_directory
        with self._operation("checking the remote directory", path):
            attributes = self._sftp.stat(path)
            if attributes.st_mode is None or not stat.S_ISDIR(attributes.st_mode):
                raise TransportError(
                    f"{path} on {self.settings.host} is not a directory; fix remote_directory"
                )
            return len(self._sftp.listdir(path))

    def exists(self, name: str, directory: str | None = None) -> bool:
        """Whether a file ``name`` exists in ``directory`` (default: the remote directory)."""
        path = self.remote_path(name, directory)
        with self._operation("looking for a remote file", path):
            try:
                self._sftp.lstat(path)
            except FileNotFoundError:
                return False
            return True

    def size_of(self, name: str, directory: str | None = None) -> int | None:
        """Size of the remote file ``name``, or None when it does not exist."""
        path = self.remote_path(name, directory)
        with self._operation("looking for a remote file", path):
            try:
                size = self._sftp.lstat(path).st_size
                return None if size is None else int(size)
            except FileNotFoundError:
                return None

    def list_files(
        self, pattern: str = "*", *, min_age: float = 0.0, now: float | None = None
    ) -> list[RemoteFile]:
        """Regular files of the remote directory matching ``pattern``, oldest name first.

        Hidden names (``.x``), ``*.part``/``*.tmp`` and files modified less than ``min_age``
        seconds ago (still being written) are left out, as in a local inbox (SPEC §7.2).
        """
        directory = self.settings.remote_directory
        moment = time.time() if now is None else now
        found: list[RemoteFile] = []
        with self._operation("listing the remote directory", directory):
            for entry in self._sftp.listdir_attr(directory):
                name = entry.filename
                if name.startswith(".") or name.endswith((".part", ".tmp")):
                    continue
                if entry.st_mode is None or not stat.S_ISREG(entry.st_mode):
                    continue
                if not fnmatch.fnmatchcase(name, pattern):
                    continue
                modified = float(entry.st_mtime or 0)
                if moment - modified < min_age:
                    continue
                found.append(RemoteFile(name, int(entry.st_size or 0), modified))
        return sorted(found, key=lambda remote: remote.name)

    def hidden_names(self) -> list[str]:
        """Names in the remote directory starting with a dot (temporary files), sorted."""
        directory = self.settings.remote_directory
        with self._operation("listing the remote directory", directory):
            return sorted(n for n in self._sftp.listdir(directory) if n.startswith("."))

    # ------------------------------------------------------------------ delivery

    def temporary_name(self, final_name: str) -> str:
        """The name an upload has on the server until it is complete."""
        return f".{final_name}.part"

    def upload(
        self,
        local: Path,
        final_name: str,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> str:
        """Put ``local`` into the remote directory as ``final_name``, atomically; its path.

        The bytes go to ``.<final_name>.part``, the size on the server is compared with the
        local one, and only then the file is renamed to its final name.
        """
        self.send(local, final_name, progress=progress)
        return self.rename_into_place(final_name)

    def send(
        self,
        local: Path,
        final_name: str,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> str:
        """Copy ``local`` to ``.<final_name>.part`` in the remote directory and check its size
        there; the temporary path. :meth:`rename_into_place` publishes it."""
        temporary = self.remote_path(self.temporary_name(final_name))
        expected = local.stat().st_size
        with self._operation(f"uploading {final_name}", temporary):
            with local.open("rb") as source, self._sftp.open(temporary, "wb") as target:
                target.set_pipelined(True)
                sent = 0
                while chunk := source.read(_TRANSFER_CHUNK):
                    target.write(chunk)
                    sent += len(chunk)
                    if progress is not None:
                        progress(sent, expected)
            size = self._sftp.stat(temporary).st_size
            if size != expected:
                self._remove_quietly(temporary)
                raise ConnectionFailed(
                    f"uploading {final_name}: the server has {size} of {expected} bytes; the "
                    f"temporary file was removed, try again"
                )
        failpoint("sftp:after_upload")
        return temporary

    def rename_into_place(self, final_name: str, *, timeout: float | None = None) -> str:
        """Rename the complete ``.<final_name>.part`` to ``final_name`` on the server (atomic);
        the final path. ``timeout`` (seconds) bounds this one request, when shorter than the
        operation timeout."""
        temporary = self.remote_path(self.temporary_name(final_name))
        final = self.remote_path(final_name)
        channel = self._sftp.get_channel()
        limit = self.settings.operation_timeout
        with self._operation(f"publishing {final_name}", final):
            if channel is not None and timeout is not None and timeout < limit:
                channel.settimeout(timeout)
            try:
                self._sftp.posix_rename(temporary, final)
            finally:
                if channel is not None:
                    channel.settimeout(limit)
        failpoint("sftp:after_remote_rename")
        return final

    def remove(self, name: str, directory: str | None = None) -> bool:
        """Remove the remote file ``name``; False when it was not there."""
        path = self.remote_path(name, directory)
        with self._operation("removing a remote file", path):
            try:
                self._sftp.remove(path)
            except FileNotFoundError:
                return False
            return True

    def _remove_quietly(self, path: str) -> None:
        try:
            self._sftp.remove(path)
        except OSError:
            log.warning("could not remove %s on %s", path, self.settings.host)

    # ------------------------------------------------------------------ pickup

    def download(self, name: str, local_directory: Path, local_name: str | None = None) -> Path:
        """Copy the remote file ``name`` into ``local_directory`` (temporary name, fsync,
        rename); the local path."""
        remote = self.remote_path(name)
        target = local_directory / (local_name or name)
        temporary = local_directory / f".{target.name}.{uuid.uuid4().hex[:8]}.part"
        with self._operation(f"downloading {name}", remote):
            try:
                with self._sftp.open(remote, "rb") as source, temporary.open("wb") as sink:
                    source.prefetch()
                    while chunk := source.read(_TRANSFER_CHUNK):
                        sink.write(chunk)
                    sink.flush()
                    os.fsync(sink.fileno())
                os.replace(temporary, target)
            finally:
                temporary.unlink(missing_ok=True)
        sync_directory(local_directory)
        return target

    def move_to(self, name: str, directory: str) -> str:
        """Move the remote file ``name`` into ``directory`` on the server (created when missing);
        a name taken there gets a numbered suffix. The new remote path."""
        source = self.remote_path(name)
        with self._operation(f"moving {name} to {directory}", directory):
            self._ensure_directory(directory)
            target = self.remote_path(name, directory)
            counter = 1
            while self._present(target):
                stem, dot, suffix = name.rpartition(".")
                numbered = f"{stem}.{counter}.{suffix}" if dot else f"{name}.{counter}"
                target = self.remote_path(numbered, directory)
                counter += 1
            self._sftp.posix_rename(source, target)
        return target

    def _present(self, path: str) -> bool:
        try:
            self._sftp.lstat(path)
        except FileNotFoundError:
            return False
        return True

    def _ensure_directory(self, directory: str) -> None:
        if self._present(directory):
            return
        self._sftp.mkdir(directory)

    # ------------------------------------------------------------------ service test

    def probe_write(self) -> None:
        """Create and remove a small hidden file in the remote directory (write permission)."""
        name = f".orderio-test-{uuid.uuid4().hex[:12]}"
        path = self.remote_path(name)
        with self._operation("writing a test file", path):
            with self._sftp.open(path, "wb") as handle:
                handle.write(b"orderio connection test\n")
            self._sftp.remove(path)


def _client_for(settings: SftpSettings) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    known_hosts = str(Path(settings.known_hosts).expanduser())
    try:
        client.load_host_keys(known_hosts)
    except (OSError, paramiko.SSHException) as error:
        raise TransportError(
            f"known_hosts file {settings.known_hosts} can not be read ({error}); give a file in "
            f"OpenSSH's known_hosts format"
        ) from error
    client.set_missing_host_key_policy(_RejectUnknownHost(settings))
    return client


def _password(settings: SftpSettings) -> str | None:
    if not settings.password_env:
        return None
    value = os.environ.get(settings.password_env)
    if value is None:
        raise TransportError(
            f"environment variable {settings.password_env} is not set; it must hold the password "
            f"of {settings.user}@{settings.host}"
        )
    return value


def _connect_once(settings: SftpSettings) -> SftpSession:
    client = _client_for(settings)
    options: dict[str, Any] = {
        "hostname": settings.host,
        "port": settings.port,
        "username": settings.user,
        "timeout": settings.connect_timeout,
        "banner_timeout": settings.connect_timeout,
        "auth_timeout": settings.connect_timeout,
        "allow_agent": False,
        "look_for_keys": False,
    }
    if settings.key_file:
        options["key_filename"] = str(Path(settings.key_file).expanduser())
    else:
        options["password"] = _password(settings)
    try:
        client.connect(**options)
        return SftpSession(settings, client)
    except BaseException:
        client.close()
        raise


def open_sftp(
    settings: SftpSettings,
    *,
    cancel: threading.Event | None = None,
    backoff: float = 1.0,
) -> SftpSession:
    """Connect, verify the host key, log in and open SFTP, or raise :class:`TransportError`.

    Connection failures are tried ``settings.connect_attempts`` times with a doubling pause
    (``backoff``, 2×, 4× … seconds; a set ``cancel`` event stops waiting).
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return _connect_once(settings)
        except TransportError:
            raise
        except paramiko.BadHostKeyException as error:
            raise TransportError(
                f"host key of {settings.host}:{settings.port} does not match "
                f"{settings.known_hosts}: the server offered {error.key.get_name()} "
                f"{fingerprint(error.key)}, the file "
                f"has {fingerprint(error.expected_key)}; if the server's key really changed, "
                f"replace its line in that file — otherwise do not connect"
            ) from error
        except paramiko.PasswordRequiredException as error:
            raise TransportError(
                f"key file {settings.key_file} is protected by a passphrase; give orderio a key "
                f"without one (readable only by its user)"
            ) from error
        except paramiko.AuthenticationException as error:
            how = (
                f"key {settings.key_file}"
                if settings.key_file
                else (f"the password in ${settings.password_env}")
            )
            raise TransportError(
                f"authentication failed for {settings.address} with {how}; check the user and "
                f"that the server accepts that key or password"
            ) from error
        except (OSError, EOFError, paramiko.SSHException) as error:
            reason = _connection_reason(error)
            if attempt >= settings.connect_attempts:
                raise ConnectionFailed(
                    f"can not connect to {settings.host}:{settings.port}: {reason} (tried "
                    f"{attempt} times); check the host, the port and that the SSH server runs"
                ) from error
            pause = backoff * (2 ** (attempt - 1))
            log.warning(
                "connecting to %s:%s failed (%s); trying again in %.1f s",
                settings.host,
                settings.port,
                reason,
                pause,
            )
            if cancel is not None:
                if cancel.wait(pause):
                    raise ConnectionFailed(
                        f"connecting to {settings.host}:{settings.port} was cancelled"
                    ) from error
            else:
                time.sleep(pause)


def _connection_reason(error: BaseException) -> str:
    if isinstance(error, paramiko.ssh_exception.NoValidConnectionsError):
        return "connection refused"
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return "unknown host name"
    text = str(error).strip()
    return text or type(error).__name__


@dataclass(frozen=True)
class SftpCheck:
    """What ``service test`` found on the server."""

    address: str
    directory: str
    entries: int
    writable: bool
    #: ``<type> SHA256:<fingerprint>`` of the server's key, as ``ssh-keygen -l`` shows it.
    host_key: str

    def describe(self) -> str:
        """One line for the user."""
        access = "readable and writable" if self.writable else "readable"
        return (
            f"connected to {self.address}, host key verified ({self.host_key}); "
            f"{self.directory} is {access} ({self.entries} entries)"
        )


def check_connection(settings: SftpSettings, *, write: bool = True) -> SftpCheck:
    """Connect once (no retries), list the remote directory and, with ``write``, create and
    remove a test file there. Raises :class:`TransportError` with the reason."""
    single = SftpSettings(**{**settings.__dict__, "connect_attempts": 1})
    session = open_sftp(single)
    try:
        entries = session.check_directory()
        if write:
            session.probe_write()
        return SftpCheck(
            settings.address, settings.remote_directory, entries, write, session.host_key
        )
    finally:
        session.close()
