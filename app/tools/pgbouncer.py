"""A PgBouncer in session mode in front of a database, for as long as a benchmark needs it.

It listens on loopback only and lets any client in (`auth_type = any`): it signs in to PostgreSQL with the
database URL's own user and password. Its pool is as large as its client limit, so no desk ever queues for a
server connection: in session mode a client keeps its server connection until it disconnects.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import URL, make_url

from app.ports import free_port

START_TIMEOUT_S = 15.0
DEBIAN_PLACE = "/usr/sbin/pgbouncer"  # not on an ordinary user's PATH
NOT_INSTALLED = "PgBouncer is not installed (Debian and Ubuntu: apt install pgbouncer)"


class PgBouncerError(RuntimeError):
    """PgBouncer is not installed, or did not start; the message says which and what to do."""


def _program() -> str | None:
    return shutil.which("pgbouncer") or (DEBIAN_PLACE if os.access(DEBIAN_PLACE, os.X_OK) else None)


def installed() -> bool:
    return _program() is not None


def pgbouncer_program() -> str:
    found = _program()
    if found is None:
        raise PgBouncerError(NOT_INSTALLED)
    return found


def version() -> str:
    """E.g. "PgBouncer 1.18.0"."""
    out = subprocess.run([pgbouncer_program(), "--version"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0].strip()


def _server_entry(url: str) -> str:
    """The `[databases]` line's connection: where PostgreSQL is, as whom."""
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or "localhost"
    if isinstance(host, tuple):
        raise PgBouncerError("this benchmark puts PgBouncer in front of one server: the URL names several hosts")
    parts = {"host": host, "port": parsed.port or 5432, "user": parsed.username, "password": parsed.password}
    return " ".join(f"{key}={value}" for key, value in parts.items() if value is not None)


def _settings(url: str, port: int, max_clients: int) -> str:
    return "\n".join(
        [
            "[databases]",
            f"* = {_server_entry(url)}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "auth_type = any",
            "pool_mode = session",
            f"max_client_conn = {max_clients}",
            f"default_pool_size = {max_clients}",
            "",
        ]
    )


def _run_as(url: str) -> str | None:
    """PgBouncer refuses to run as root: then it runs as the account that may enter the server's socket folder
    (the embedded server's), or as nobody for a server reached over TCP."""
    if os.geteuid() != 0:
        return None
    host = make_url(url).query.get("host")
    if isinstance(host, str) and host.startswith("/"):
        return pwd.getpwuid(Path(host).stat().st_uid).pw_name
    return "nobody"


def _wait_until_answering(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PgBouncerError(f"PgBouncer stopped at its start: {log.read_text().strip()[-500:]}")
        try:  # its admin console answers once it listens
            psycopg.connect(
                host="127.0.0.1", port=port, dbname="pgbouncer", user="pgbouncer", connect_timeout=2
            ).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.05)
    raise PgBouncerError(f"PgBouncer did not answer within {START_TIMEOUT_S:g} s: {log.read_text().strip()[-500:]}")


@contextmanager
def session_pooler(url: str, *, max_clients: int) -> Iterator[str]:
    """Start a PgBouncer in session mode in front of `url`'s server; yield the URL of the same database through it.
    PgBouncer is stopped when the `with` block ends."""
    program, port, user = pgbouncer_program(), free_port(), _run_as(url)
    folder = Path(tempfile.mkdtemp(prefix="clinic-pgbouncer-"))
    settings, log = folder / "pgbouncer.ini", folder / "pgbouncer.log"
    settings.write_text(_settings(url, port, max_clients))
    settings.chmod(0o600)  # it holds the server's password
    command = [program, str(settings)]
    if user is not None:
        for path in (folder, settings):
            shutil.chown(path, user)
        command[1:1] = ["-u", user]
    with log.open("w") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        _wait_until_answering(process, port, log)
        # No password, TLS or sign-in demands toward PgBouncer: it is on loopback and lets anyone in.
        server = make_url(url)
        yield URL.create(
            server.drivername, server.username, None, "127.0.0.1", port, server.database
        ).render_as_string()
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
