"""A private embedded PostgreSQL server that a test may stop and start again, for tests of lost connections.

    from tests.restartable_server import RestartableServer

    with RestartableServer() as server:
        url = server.create_database()  # a migrated database, SQLAlchemy URL (postgresql+psycopg://...)
        ...
        server.stop()   # really down: new connections are refused, open ones are broken
        ...
        server.start()  # up again, at the same URL: clients reconnect without being told anything new

Or as the fixture `restartable_server`, cleaned up after the test: import it into the test module (or a
conftest.py) under its function's name, which keeps ruff's F811 quiet, and ask for it by the fixture's name:

    from tests.restartable_server import restartable_server_fixture  # noqa: F401

    def test_something(restartable_server):
        url = restartable_server.create_database()

Each instance runs its own server in its own temporary directory (never the session's shared server, which
other tests use at the same time), so a stop hurts nobody else. Starting one costs an initdb: a second or
two. The server listens on a unix socket only; its directory is the data directory itself (or, if that path
is too long for a socket, a directory named after it), so a restart keeps the socket, hence the URL.
"""

import shutil
import tempfile
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from app.db.embedded import server_url, start_embedded_server
from app.db.engine import conninfo
from app.db.throwaway import migrated_database


class RestartableServer:
    """One embedded server of our own, started at once; `stop()` and `start()` it, `cleanup()` at the end."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="clinic-restartable-"))
        try:
            self._server = start_embedded_server(self.directory, throwaway=True)  # its data goes at cleanup
        except BaseException:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        self.admin_url = server_url(self._server, "postgres")  # postgresql+psycopg://postgres:...@/postgres?host=...
        self.socket_dir = self._server.socket_dir
        self._running = True
        self._cleaned_up = False

    @property
    def embedded(self):
        """The server's handle, as a desk on this computer holds it (it can start the server again)."""
        return self._server

    @property
    def running(self) -> bool:
        return self._running

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while the server runs (a new one after each start)."""
        return self._server.pid if self._running else None

    def create_database(self, prefix: str = "clinic_restartable") -> str:
        """A new migrated database on this server; its SQLAlchemy URL. It goes with the server."""
        return migrated_database(self.admin_url, prefix=prefix)

    def stop(self, timeout: float = 30.0) -> None:
        """Shut the server down ("fast" shutdown: open sessions are ended) and return once it is down."""
        if not self._running:
            return
        postmaster = psutil.Process(self._server.pid)
        self._server.stop()  # pg_ctl -w stop: returns when the postmaster has removed its pid file
        deadline = time.monotonic() + timeout
        while _alive(postmaster):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the embedded server (pid {postmaster.pid}) still runs {timeout} s after stop")
            time.sleep(0.05)
        if (self._server.pgdata / "postmaster.pid").exists():  # killed, not shut down: a restart might refuse
            raise RuntimeError(f"the embedded server in {self._server.pgdata} did not shut down cleanly")
        self._running = False

    def start(self) -> None:
        """Start the stopped server again, on the same socket, hence at the same URL."""
        if self._running:
            return
        self._server.start()  # reuses the data directory (no initdb) and waits until the server is ready
        self._running = True
        socket_dir = self._server.socket_dir
        restarted_url = server_url(self._server, "postgres")
        if socket_dir != self.socket_dir or restarted_url != self.admin_url:
            raise RuntimeError(f"the server came back at {restarted_url}, not at {self.admin_url}")

    def accepts_connections(self) -> bool:
        """Whether a new connection gets through right now (for checks that the server is really down)."""
        try:
            with psycopg.connect(conninfo(self.admin_url), connect_timeout=5) as connection:
                connection.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def cleanup(self) -> None:
        """Stop the server and delete its data. Safe to call twice, and after `stop()`."""
        if self._cleaned_up:
            return
        self._cleaned_up = True
        try:
            self._server.cleanup()  # stops it unless another process joined it (none does), deletes pgdata
        finally:
            self._running = False
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "RestartableServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.cleanup()


def _alive(process: psutil.Process) -> bool:
    """Whether the process still runs: a zombie (exited, not yet reaped) does not."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture(name="restartable_server")
def restartable_server_fixture():
    """A private server of the test's own, cleaned up (stopped and deleted) after the test."""
    with RestartableServer() as server:
        yield server
