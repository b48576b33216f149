"""The desk's listener: its own autocommit connection, LISTENing in a background thread, reconnecting with backoff.

Notifications sent while the listener is disconnected are lost, so every (re)connect reports `connected`
after LISTEN is in place: the desk then re-reads what it shows and has missed nothing. A silent connection
is probed now and then, so a network that dropped without a word is noticed too.
"""

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from app.domain.errors import first_line
from app.live.changes import CHANNEL, Change, NotAChange, parse

log = logging.getLogger(__name__)

POLL_S = 0.25  # how often the thread looks at its stop flag while waiting for notifications
IGNORED_LOG_EVERY_S = 60.0  # a flood of notifications that are not ours is logged once a minute, counted
PROBE_AFTER_S = 10.0  # a connection silent this long is probed with a query
CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class Backoff:
    """Waits between reconnect attempts: doubling from `first` up to `longest`, with jitter."""

    first: float = 0.5
    longest: float = 15.0
    jitter: float = 0.2

    def delay(self, failures: int) -> float:
        base = min(self.longest, self.first * 2 ** max(0, failures - 1))
        return base * random.uniform(1 - self.jitter, 1 + self.jitter)


@dataclass(frozen=True)
class ListenerState:
    connected: bool
    detail: str = ""  # why it is not connected, for the status bar and the log
    retry_in: float | None = None  # seconds until the next attempt


class IgnoredNotifications:
    """Notifications on the channel that are not schedule changes (any login may NOTIFY, so they may be forged):
    the first is logged with the server process that sent it, then at most one count a minute."""

    def __init__(self, every: float = IGNORED_LOG_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self._every, self._clock = every, clock
        self._logged_at: float | None = None
        self._since_log = 0

    def note(self, reason: str, sender_pid: int) -> None:
        self._since_log += 1
        now = self._clock()
        if self._logged_at is not None and now - self._logged_at < self._every:
            return
        log.warning(
            "ignored %d notification(s) that are not schedule changes; the last, from server process %d: %s",
            self._since_log,
            sender_pid,
            reason,
        )
        self._logged_at, self._since_log = now, 0


class ScheduleListener:
    """Calls `on_change(change)` for every schedule notification and `on_state(state)` when the connection
    comes or goes. Both run on the listener's own thread: hand them to the UI by a queued signal."""

    def __init__(
        self,
        conninfo: Callable[[], str],
        on_change: Callable[[Change], None],
        on_state: Callable[[ListenerState], None],
        *,
        application_name: str = "clinic-scheduler listener",
        backoff: Backoff = Backoff(),
        probe_after: float = PROBE_AFTER_S,
        tcp_options: dict | None = None,
    ):
        self._conninfo = conninfo
        self._on_change = on_change
        self._on_state = on_state
        self._application_name = application_name[:63]
        self._backoff = backoff
        self._probe_after = probe_after
        self._tcp_options = tcp_options or {}  # keepalives and timeouts: a vanished peer is noticed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedule-listener", daemon=True)
        self._connection: psycopg.Connection | None = None
        self._ignored = IgnoredNotifications()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait for it (it notices within POLL_S, or after a connect attempt)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listening connection, while connected (for diagnostics and tests)."""
        connection = self._connection
        return connection.info.backend_pid if connection is not None and not connection.closed else None

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                with self._connect() as connection:
                    self._connection = connection
                    failures = 0
                    if self._stop.is_set():
                        break
                    self._on_state(ListenerState(connected=True))
                    self._listen(connection)
            except psycopg.Error as exc:
                if self._stop.is_set():
                    break
                failures += 1
                delay = self._backoff.delay(failures)
                detail = first_line(exc)
                log.warning("schedule listener offline (attempt %d), retrying in %.1f s: %s", failures, delay, detail)
                self._on_state(ListenerState(connected=False, detail=detail, retry_in=delay))
                self._stop.wait(delay)
            except Exception:
                # A bug in a callback must not end live updates for the rest of the day.
                log.exception("schedule listener failed; restarting it")
                self._stop.wait(self._backoff.first)
            finally:
                self._connection = None

    def _connect(self) -> psycopg.Connection:
        connection = psycopg.connect(
            self._conninfo(),
            autocommit=True,
            application_name=self._application_name,
            connect_timeout=CONNECT_TIMEOUT_S,
            **self._tcp_options,
        )
        try:
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        except BaseException:
            connection.close()
            raise
        return connection

    def _listen(self, connection: psycopg.Connection) -> None:
        quiet_since = time.monotonic()
        while not self._stop.is_set():
            for notify in connection.notifies(timeout=POLL_S):
                quiet_since = time.monotonic()
                if self._stop.is_set():
                    return
                try:
                    change = parse(notify.payload)
                except NotAChange as exc:
                    self._ignored.note(str(exc), notify.pid)
                    continue
                self._on_change(change)
            if time.monotonic() - quiet_since > self._probe_after:
                connection.execute("SELECT 1")  # raises if the server or the network went away
                quiet_since = time.monotonic()
