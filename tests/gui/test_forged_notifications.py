"""Any login may NOTIFY on the schedule channel. A flood of forged notifications (well-formed ones that would make a
desk re-read everything, malformed ones, times at the end of the calendar) must leave a desk responsive, cost it a
bounded number of reads, and not hide a real change that comes in the middle of it."""

import json
import logging
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import event

from app.db.engine import conninfo
from app.domain.models import BookingRequest
from app.live.changes import CHANNEL
from app.services import booking
from app.ui.navigation import ViewMode
from app.ui.throttle import MIN_GAP_MS
from app.ui.workers import TaskRunner
from tests.conftest import make_clinic
from tests.gui.desks import TUESDAY, Desk, at, settle, show

FLOOD = 10_000
LISTENER_LOGGER = "app.live.listener"


def forged(n: int) -> str:
    """The n-th forged payload: every kind a desk might choke on or spend reads for."""
    kind = n % 5
    if kind == 0:  # "a provider changed": a full re-read of everything shown, if believed at face value
        return json.dumps({"table": "providers", "op": "UPDATE", "id": n + 1, "provider_id": n + 1, "spans": None})
    if kind == 1:  # an appointment on the shown day, for every provider
        span = [at(TUESDAY, 9).isoformat(), at(TUESDAY, 9, 30).isoformat()]
        return json.dumps({"table": "appointments", "op": "INSERT", "id": n, "provider_id": None, "spans": [span]})
    if kind == 2:  # a span that ends late in the year 9999
        span = ["9999-12-31T20:00:00-05:00", "9999-12-31T23:59:59.999999-05:00"]
        return json.dumps({"table": "time_off", "op": "INSERT", "id": n, "provider_id": None, "spans": [span]})
    if kind == 3:
        return "{not json" + "x" * (n % 50)
    return json.dumps({"table": "pg_authid", "op": "DROP", "id": -n})


@pytest.fixture
def desk(qtbot, tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "Europe/Berlin")
    opened = Desk(db_url)
    window = opened.open(qtbot, QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat), TaskRunner())
    yield opened, window
    opened.close()


def count_statements(engine) -> list[int]:
    counted = [0]

    def count(*_args) -> None:
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    return counted


def test_a_flood_of_forged_notifications_costs_few_reads_and_hides_no_real_change(
    qtbot, desk, db_url, engine, provider_id, patient_id, caplog
):
    opened, window = desk
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    statements = count_statements(opened.engine)
    window.desk.load_reference_data()  # what believing one forged "provider changed" costs: a full re-read
    settle(qtbot, window)
    full_read = statements[0]
    assert full_read > 0

    real = at(TUESDAY, 10)
    booked: dict = {}
    flooder_done, a_quarter_sent = threading.Event(), threading.Event()

    def flood() -> None:
        with psycopg.connect(conninfo(db_url), autocommit=True) as conn:
            for n in range(FLOOD):
                if n == FLOOD // 4:
                    a_quarter_sent.set()
                if n == FLOOD // 2:  # a real booking, at another desk, in the middle of the flood
                    booked["id"] = booking.book(
                        make_clinic(engine), BookingRequest(provider_id=provider_id, patient_id=patient_id, start=real)
                    )
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, forged(n)))
        flooder_done.set()

    statements[0] = 0
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger=LISTENER_LOGGER):
        flooder = threading.Thread(target=flood, daemon=True)
        flooder.start()
        # Responsive: in the middle of the flood the receptionist goes to the next week and back, and the window
        # follows (two reads of its own, counted below).
        qtbot.waitUntil(a_quarter_sent.is_set, timeout=120_000)
        window.go_to(TUESDAY + timedelta(days=7))
        qtbot.waitUntil(lambda: window.anchor == TUESDAY + timedelta(days=7) and not window.runner.busy)
        window.go_to(TUESDAY)
        qtbot.waitUntil(flooder_done.is_set, timeout=120_000)
        # The real booking shows: the free time is gone and the appointment is in the view.
        qtbot.waitUntil(lambda: "id" in booked and booked["id"] in window.data.appointments, timeout=10_000)
        qtbot.waitUntil(lambda: real not in window.picker.free_times(), timeout=10_000)
        settle(qtbot, window)
    flooded_for = time.monotonic() - started

    # Bounded: at most one full re-read per throttle gap while the flood lasted, a couple more at its edges, and
    # the two of the navigation (believed one by one, the forged "provider changed" alone would have cost FLOOD / 5
    # full re-reads).
    allowed_reads = flooded_for * 1000 / MIN_GAP_MS + 3 + 2
    assert statements[0] <= allowed_reads * full_read, (statements[0], full_read, flooded_for)
    # The malformed ones are logged once (then at most once a minute, counted), never one line each.
    ignored = [r for r in caplog.records if r.name == LISTENER_LOGGER and "not schedule changes" in r.getMessage()]
    assert 0 < len(ignored) <= 3
