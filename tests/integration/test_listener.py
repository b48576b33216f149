"""The desk's schedule listener against real servers: delivery, lost connections, a server that goes and comes back.

Nothing here sleeps for an assumed time: the callbacks put what they get on queues, and the tests wait on those
with generous timeouts (the machines are shared and noisy), failing only if nothing comes at all.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import psutil
import psycopg
import pytest
from sqlalchemy import text

from app.db.engine import conninfo, make_engine
from app.domain.models import BookingRequest
from app.live.changes import Change
from app.live.listener import Backoff, ListenerState, ScheduleListener
from app.services import booking
from app.services.providers import add_provider
from tests.conftest import WEEKDAY_HOURS, ZONE, make_clinic, new_patient
from tests.restartable_server import RestartableServer, restartable_server_fixture  # noqa: F401
from tests.waiting import wait_until

WAIT_S = 15.0  # how long a test waits for something that should come at once
TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
HALF_HOUR = timedelta(minutes=30)
QUICK = Backoff(first=0.05, longest=0.5)  # reconnects within half a second once the server is back
UNREACHABLE = "host=127.0.0.1 port=1 dbname=clinic user=nobody connect_timeout=5"  # nothing listens on port 1


class Recorder:
    """Callbacks for a listener that queue what they get, and remember which thread called them."""

    def __init__(self) -> None:
        self.changes: queue.Queue[tuple[float, Change]] = queue.Queue()
        self.states: queue.Queue[ListenerState] = queue.Queue()
        self.threads: set[threading.Thread] = set()

    def on_change(self, change: Change) -> None:
        self.threads.add(threading.current_thread())
        self.changes.put((time.monotonic(), change))

    def on_state(self, state: ListenerState) -> None:
        self.threads.add(threading.current_thread())
        self.states.put(state)

    def next_state(self, timeout: float = WAIT_S) -> ListenerState:
        try:
            return self.states.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"the listener reported no state within {timeout} s")

    def wait_until_connected(self, timeout: float = WAIT_S) -> list[ListenerState]:
        """The states up to and including the next `connected` one."""
        deadline = time.monotonic() + timeout
        seen = []
        while not (seen and seen[-1].connected):
            seen.append(self.next_state(max(0.0, deadline - time.monotonic())))
        return seen

    def wait_for_change(self, wanted: Callable[[Change], bool], timeout: float = WAIT_S) -> list[tuple[float, Change]]:
        """The changes (with the moment each arrived) up to and including the first that is `wanted`."""
        deadline = time.monotonic() + timeout
        seen = []
        while not (seen and wanted(seen[-1][1])):
            try:
                seen.append(self.changes.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"the change did not arrive within {timeout} s; got {[c for _, c in seen]}")
        return seen

    @property
    def thread(self) -> threading.Thread:
        (thread,) = self.threads
        return thread


@pytest.fixture
def start_listener():
    """Starts listeners; stops every one of them after the test (ask for it after the database fixtures,
    so the listeners go before their database or server does)."""
    started: list[ScheduleListener] = []

    def start(conninfo: str, recorder: Recorder, **options) -> ScheduleListener:
        listener = ScheduleListener(
            lambda: conninfo,
            recorder.on_change,
            recorder.on_state,
            application_name="test schedule listener",
            **options,
        )
        started.append(listener)
        listener.start()
        return listener

    yield start
    for listener in started:
        listener.stop()


def stop_within_bound(listener: ScheduleListener) -> None:
    """stop() returns, with a generous bound (a stop() that hangs fails the test instead of hanging the suite)."""
    stopper = threading.Thread(target=listener.stop, daemon=True)
    stopper.start()
    stopper.join(WAIT_S)
    assert not stopper.is_alive(), f"stop() had not returned after {WAIT_S:.0f} s"


def appointment(appointment_id: int) -> Callable[[Change], bool]:
    return lambda change: change.table == "appointments" and change.row_id == appointment_id


def book_at(clinic, provider_id: int, patient_id: int, start: datetime) -> int:
    return booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=start))


# --- delivery ---


def test_reports_connected_first_and_delivers_a_booking(clinic, provider_id, patient_id, db_url, start_listener):
    recorder = Recorder()
    listener = start_listener(conninfo(db_url), recorder)
    assert recorder.next_state() == ListenerState(connected=True)
    assert listener.backend_pid is not None
    assert recorder.changes.empty(), "nothing changed since it started listening"

    appointment_id = book_at(clinic, provider_id, patient_id, TUESDAY_9)
    arrived = recorder.wait_for_change(appointment(appointment_id))
    nine = ((TUESDAY_9, TUESDAY_9 + HALF_HOUR),)
    assert [change for _, change in arrived] == [
        Change("time_slots", "INSERT", arrived[0][1].row_id, provider_id, nine),
        Change("appointments", "INSERT", appointment_id, provider_id, nine),
    ]

    assert recorder.thread is not threading.main_thread(), "callbacks run on the listener's own thread"
    assert recorder.thread.daemon
    assert recorder.states.empty(), "the connection stayed up"


def test_its_connection_is_named_and_leaves_when_it_stops(engine, db_url, start_listener):
    recorder = Recorder()
    listener = start_listener(conninfo(db_url), recorder)
    assert recorder.next_state().connected
    backend_pid = listener.backend_pid

    def activity():
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT application_name, query FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend_pid}
            ).one_or_none()

    session = activity()
    assert session.application_name == "test schedule listener"
    assert session.query.startswith("LISTEN")

    stop_within_bound(listener)
    assert not recorder.thread.is_alive()
    assert listener.backend_pid is None
    # The server ends the session when it reads the client's goodbye.
    wait_until(lambda: activity() is None, "the end of the listener's session after stop()")


# --- a lost connection ---


def test_reconnects_by_itself_after_its_connection_is_terminated(
    engine, clinic, provider_id, patient_id, db_url, start_listener
):
    recorder = Recorder()
    listener = start_listener(conninfo(db_url), recorder, backoff=QUICK)
    assert recorder.next_state().connected
    first_pid = listener.backend_pid

    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid}).scalar_one() is True

    down = recorder.next_state()
    assert not down.connected
    assert down.detail, "it says why"
    assert 0 < down.retry_in <= QUICK.first * (1 + QUICK.jitter)
    assert recorder.next_state() == ListenerState(connected=True)
    assert listener.backend_pid not in (None, first_pid)

    appointment_id = book_at(clinic, provider_id, patient_id, TUESDAY_9)
    assert recorder.wait_for_change(appointment(appointment_id))[-1][1].op == "INSERT"


def test_an_unreachable_server_is_retried_with_growing_waits(start_listener, caplog):
    backoff = Backoff(first=0.02, longest=0.32, jitter=0.2)
    recorder = Recorder()
    with caplog.at_level(logging.WARNING, logger="app.live.listener"):
        listener = start_listener(UNREACHABLE, recorder, backoff=backoff)
        states = [recorder.next_state() for _ in range(7)]

    assert all(not state.connected and state.detail for state in states), states
    waits = [state.retry_in for state in states]
    for attempt, wait in enumerate(waits, start=1):
        base = min(backoff.longest, backoff.first * 2 ** (attempt - 1))
        assert base * (1 - backoff.jitter) <= wait <= base * (1 + backoff.jitter), (attempt, waits)
    assert waits[:5] == sorted(waits[:5]) and len(set(waits[:5])) == 5, f"doubling until the cap: {waits}"
    assert listener.backend_pid is None
    assert any("offline" in record.getMessage() for record in caplog.records), "each failure is logged"

    stop_within_bound(listener)
    assert not recorder.thread.is_alive()


def test_stop_ends_the_thread_at_once_while_it_waits_to_retry(start_listener):
    recorder = Recorder()
    listener = start_listener(UNREACHABLE, recorder, backoff=Backoff(first=3600, longest=3600))
    state = recorder.next_state()
    assert not state.connected and state.retry_in > 1800, "it now waits an hour before the next attempt"

    stop_within_bound(listener)  # far less than the hour: it did not wait for the retry
    assert not recorder.thread.is_alive()
    assert recorder.states.empty(), "no attempt after stop()"


# --- a server that goes away and comes back ---


def test_reconnects_by_itself_when_the_server_comes_back(restartable_server, start_listener):
    server = restartable_server
    url = server.create_database()
    engine = make_engine(url)
    try:
        clinic = make_clinic(engine)
        provider_id = add_provider(clinic, "Dr. Restart", WEEKDAY_HOURS)
        patient_id = new_patient(clinic)

        recorder = Recorder()
        listener = start_listener(conninfo(url), recorder, backoff=QUICK)
        assert recorder.next_state() == ListenerState(connected=True)
        before = book_at(clinic, provider_id, patient_id, TUESDAY_9)
        recorder.wait_for_change(appointment(before))

        server.stop()
        down = recorder.next_state()
        assert not down.connected and down.detail
        assert listener.backend_pid is None
        assert not recorder.next_state().connected, "it keeps trying while the server is down"
        assert not server.accepts_connections()

        server.start()
        states = recorder.wait_until_connected()
        assert all(not state.connected for state in states[:-1])

        engine.dispose()  # the pool's connections died with the server
        after = book_at(clinic, provider_id, patient_id, TUESDAY_9 + HALF_HOUR)
        arrived = recorder.wait_for_change(appointment(after))
        assert [change.table for _, change in arrived] == ["time_slots", "appointments"]
        assert all(change.row_id != before for _, change in arrived if change.table == "appointments")
    finally:
        engine.dispose()


# --- the test helper itself ---


def test_a_restartable_server_stops_for_real_and_starts_at_the_same_url():
    with RestartableServer() as server:
        url = server.create_database()
        admin_url, socket_dir, first_pid = server.admin_url, server.socket_dir, server.pid
        socket_file = socket_dir / ".s.PGSQL.5432"
        assert socket_file.exists()
        held = psycopg.connect(conninfo(url), autocommit=True)
        try:
            held.execute("INSERT INTO providers (name) VALUES ('Dr. Persistent')")

            server.stop()
            assert not server.running
            assert server.pid is None
            assert not server.accepts_connections(), "new connections are refused"
            with pytest.raises(psycopg.OperationalError):
                held.execute("SELECT 1")
            assert held.broken, "the open connection is broken"
            assert not socket_file.exists()
            assert not psutil.pid_exists(first_pid) or psutil.Process(first_pid).status() == psutil.STATUS_ZOMBIE

            server.start()
            assert server.running
            assert (server.admin_url, server.socket_dir) == (admin_url, socket_dir)
            assert server.pid not in (None, first_pid)
            assert server.accepts_connections()
            with psycopg.connect(conninfo(url)) as again:
                assert again.execute("SELECT name FROM providers").fetchall() == [("Dr. Persistent",)]

            server.stop()
            server.stop()  # a second stop is a no-op
            server.start()
            assert server.accepts_connections()
        finally:
            held.close()
        directory = server.directory
    assert not directory.exists(), "cleanup deletes the server's data"
    server.cleanup()  # a second cleanup is a no-op


def test_a_stopped_restartable_server_cleans_up_quietly(caplog):
    server = RestartableServer()
    directory = server.directory
    server.stop()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app.db.embedded"):
        server.cleanup()
    assert not directory.exists()
    commands = [record.getMessage() for record in caplog.records if record.getMessage().startswith("running ")]
    assert not [command for command in commands if command.endswith(" stop")], "it stopped the stopped server again"
    problems = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert problems == []


def test_the_restartable_server_fixture_gives_a_running_server(restartable_server):
    assert restartable_server.running
    assert restartable_server.accepts_connections()
    url = restartable_server.create_database()
    with psycopg.connect(conninfo(url)) as connection:
        assert connection.execute("SELECT count(*) FROM appointment_types").fetchone()[0] == 3
