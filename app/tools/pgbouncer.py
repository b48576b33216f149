"""A PgBouncer in session mode in front of one database, for as long as a benchmark needs it.

It listens on a unix socket in a folder of its own that only its account may enter (no TCP port), and lets in
whoever reaches that socket (`auth_type = any`): it signs in to PostgreSQL with the database URL's own user and
password, for that one database. Its pool is as large as its client limit, so no desk ever queues for a server
connection: in session mode a client keeps its server connection until it disconnects.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import URL, make_url

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
PORT = 6432  # names the socket file only: the folder is the pooler's own
DEBIAN_PLACE = "/usr/sbin/pgbouncer"  # not on an ordinary user's PATH
NOT_INSTALLED = "PgBouncer is not installed (Debian and Ubuntu: apt install pgbouncer)"


class PgBouncerError(RuntimeError):
    """PgBouncer is not installed, or did not start; the message says which and what to do."""


def _program() -> str | None:
    return shutil.which("pgbouncer") or (DEBIAN_PLACE if os.access(DEBIAN_PLACE, os.X_OK) else None)


def installed() -> bool:
    return _program() is not None


def version() -> str:
    """E.g. "PgBouncer 1.18.0"."""
    out = subprocess.run([_program() or "pgbouncer", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def _quoted(value: object) -> str:
    text = str(value)
    if "'" in text or "\\" in text:
        raise PgBouncerError("this benchmark's PgBouncer takes no quote or backslash in the database URL's values")
    return f"'{text}'"


def _database_entry(url: str) -> str:
    """The `[databases]` line: the one database, where PostgreSQL is and as whom."""
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or "localhost"
    if isinstance(host, tuple):
        raise PgBouncerError("this benchmark puts PgBouncer in front of one server: the URL names several hosts")
    parts = {
        "host": host,
        "port": parsed.port or 5432,
        "dbname": parsed.database,
        "user": parsed.username,
        "password": parsed.password,
    }
    connection = " ".join(f"{key}={_quoted(value)}" for key, value in parts.items() if value is not None)
    return f"{parsed.database} = {connection}"


def _settings(url: str, folder: Path, max_clients: int) -> str:
    return "\n".join(
        [
            "[databases]",
            _database_entry(url),
            "[pgbouncer]",
            "listen_addr =",
            f"unix_socket_dir = {folder}",
            f"listen_port = {PORT}",
            "auth_type = any",
            "admin_users = pgbouncer",
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


@dataclass(frozen=True)
class SessionPooler:
    folder: Path
    database: str
    user: str | None

    @property
    def url(self) -> str:
        """The database through PgBouncer, for SQLAlchemy (no password: the socket's folder is the lock)."""
        query = {"host": str(self.folder)}
        return URL.create("postgresql+psycopg", self.user, None, None, PORT, self.database, query).render_as_string()

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.folder), port=PORT, dbname="pgbouncer", user="pgbouncer", autocommit=True, connect_timeout=2
        )

    def transactions(self) -> int:
        """How many transactions PgBouncer has passed to the database so far (its SHOW STATS)."""
        with self._admin() as admin:
            cursor = admin.execute("SHOW STATS")
            columns = [column.name for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return sum(int(row["total_xact_count"]) for row in rows if row["database"] == self.database)

    def wait_until_answering(self, process: subprocess.Popen, log: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise PgBouncerError(f"PgBouncer stopped at its start: {log.read_text().strip()[-500:]}")
            try:
                self._admin().close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise PgBouncerError(f"PgBouncer did not answer within {START_TIMEOUT_S:g} s: {log.read_text().strip()[-500:]}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:  # still waiting for a client to leave
        process.kill()
        process.wait()


@contextmanager
def session_pooler(url: str, *, max_clients: int) -> Iterator[SessionPooler]:
    """Start a PgBouncer in session mode in front of `url`'s database; stop it when the `with` block ends."""
    program = _program()
    if program is None:
        raise PgBouncerError(NOT_INSTALLED)
    user = _run_as(url)
    folder = Path(tempfile.mkdtemp(prefix="clinic-pgbouncer-"))  # 0700: its socket and its settings' password
    try:
        settings, log = folder / "pgbouncer.ini", folder / "pgbouncer.log"
        settings.write_text(_settings(url, folder, max_clients))
        command = [program, str(settings)]
        if user is not None:
            shutil.chown(folder, user)
            command[1:1] = ["-u", user]
        with log.open("w") as log_file:
            process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            pooler = SessionPooler(folder, make_url(url).database, make_url(url).username)
            pooler.wait_until_answering(process, log)
            yield pooler
        finally:
            _stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
