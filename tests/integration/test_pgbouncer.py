"""Desks through PgBouncer in session mode (Debian's, started by the test in front of the test server).

A pooler refuses libpq's startup `options`, or drops them: the desk's session settings must reach the session
another way, and the change listener must still hear the other desks."""

import queue
from datetime import datetime

import pytest
from sqlalchemy import text

from app.db.engine import conninfo, make_engine, session_settings
from app.domain.models import BookingRequest
from app.live.listener import ScheduleListener
from app.services import booking
from app.tools.pgbouncer import session_pooler
from tests.conftest import ZONE, make_clinic

WAIT_S = 15.0
TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)


@pytest.fixture
def pooled_url(db_url):
    with session_pooler(db_url, max_clients=20) as pooler:
        yield pooler.url


@pytest.fixture
def pooled_engine(pooled_url):
    engine = make_engine(pooled_url)
    yield engine
    engine.dispose()


def test_a_desk_through_pgbouncer_has_its_session_settings(pooled_engine):
    wanted = session_settings()
    with pooled_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name, setting FROM pg_settings WHERE name = ANY(:names)"), {"names": list(wanted)}
        )
        assert dict(rows.all()) == wanted
        # a rollback (the pool's reset on return) keeps them: they are the session's, not a transaction's
        conn.rollback()
        assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "2s"


def test_a_desk_through_pgbouncer_books_and_another_desk_hears_it(pooled_url, pooled_engine, provider_id, patient_id):
    heard: queue.Queue = queue.Queue()
    states: queue.Queue = queue.Queue()
    listener = ScheduleListener(lambda: conninfo(pooled_url), heard.put, states.put)
    listener.start()
    try:
        assert states.get(timeout=WAIT_S).connected, "the listener is LISTENing through the pooler"
        clinic = make_clinic(pooled_engine)
        booked = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
        change = heard.get(timeout=WAIT_S)
        while (change.table, change.row_id) != ("appointments", booked):
            change = heard.get(timeout=WAIT_S)
    finally:
        listener.stop()
    with pooled_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM appointments")).scalar_one() == 1
