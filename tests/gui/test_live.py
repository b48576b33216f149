"""Several desks at once: what one desk books appears at the others within a second, and a desk that loses
the database says so, keeps what was typed, reconnects by itself and books exactly once."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from sqlalchemy import text

from app.db.engine import allow_connections, make_engine, terminate_backend
from app.domain.models import BookingRequest, PatientIn
from app.services import booking
from app.services.appointment_types import list_types, update_type
from app.services.patients import get_patient, update_patient
from app.services.providers import add_provider
from app.ui.dialogs.field_errors import OFFLINE_MESSAGE
from app.ui.dialogs.patient_dialog import CHANGED_ELSEWHERE, CHANGED_UNDER_EDITS
from app.ui.navigation import ViewMode
from app.ui.workers import TaskRunner
from tests.conftest import WEEKDAY_HOURS, ZONE, make_clinic, new_patient
from tests.gui.desks import TUESDAY, Desk, at, click, live_appointments, show, start_booking
from tests.restartable_server import restartable_server_fixture  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
# A generous bound for what comes at once: a loaded machine is slow, and speed is `bench-live`'s to measure.
LIVE_WAIT_MS = 15_000


def test_a_booking_at_one_desk_appears_at_another(qtbot, desks, db_url, provider_id, patient_id, engine):
    _, here = desks(db_url)
    _, there = desks(db_url)
    show(qtbot, here, TUESDAY, ViewMode.DAY, provider_id)
    show(qtbot, there, TUESDAY, ViewMode.WEEK, provider_id)
    slot = at(TUESDAY, 10)
    assert slot in there.picker.free_times()

    dialog = start_booking(qtbot, here, slot)
    with qtbot.waitSignal(dialog.booked, timeout=10_000) as booked:
        click(qtbot, dialog.book_button)
    qtbot.waitUntil(lambda: slot not in there.picker.free_times(), timeout=LIVE_WAIT_MS)
    qtbot.waitUntil(lambda: booked.args[0] in there.data.appointments, timeout=LIVE_WAIT_MS)
    assert [row.starts_at for row in live_appointments(engine)] == [slot]


def test_an_open_booking_dialog_says_when_another_desk_takes_its_time(
    qtbot, desks, db_url, provider_id, patient_id, clinic
):
    _, here = desks(db_url)
    show(qtbot, here, TUESDAY, ViewMode.DAY, provider_id)
    slot = at(TUESDAY, 11)
    dialog = start_booking(qtbot, here, slot)
    qtbot.keyClicks(dialog.notes_edit, "Referred by Dr. Ito")

    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Grace"), start=slot))

    qtbot.waitUntil(lambda: dialog.field_errors.message("start") != "", timeout=LIVE_WAIT_MS)
    assert "just booked at another desk" in dialog.field_errors.message("start")
    assert slot not in [dialog.slot_model.slot_at(row) for row in range(dialog.slot_model.rowCount())]
    assert not dialog.book_button.isEnabled()
    assert dialog.notes_edit.toPlainText() == "Referred by Dr. Ito" and dialog.search.chosen.id == patient_id
    qtbot.waitUntil(lambda: slot not in here.picker.free_times(), timeout=LIVE_WAIT_MS)


def _read_lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


def test_a_desk_in_another_process_sees_a_booking(qtbot, desks, db_url, provider_id, patient_id, tmp_path):
    slot = at(TUESDAY, 9)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CLINIC_TIMEZONE": ZONE.key,
        "CLINIC_BOOKING_HORIZON_DAYS": "3650",  # the tests' days lie years ahead of the real clock
        "CLINIC_CONFIG": str(tmp_path / "no-config.toml"),
        "CLINIC_DATA_DIR": str(tmp_path / "data"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    command = [sys.executable, "-m", "tests.gui.desk_process", str(provider_id), slot.isoformat()]
    other = subprocess.Popen(
        [*command, str(tmp_path / "other-desk.ini")], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(other.stdout, lines), daemon=True).start()
    try:
        assert "ready" in json.loads(lines.get(timeout=90)), "the other desk did not get ready"
        _, here = desks(db_url)
        show(qtbot, here, TUESDAY, ViewMode.DAY, provider_id)
        dialog = start_booking(qtbot, here, slot)
        clicked = time.monotonic()
        with qtbot.waitSignal(dialog.booked, timeout=10_000):
            click(qtbot, dialog.book_button)
        seen = json.loads(lines.get(timeout=30))
        assert "timeout" not in seen, "the other desk never saw the booking"
        assert clicked < seen["vanished_at"] and clicked < seen["in_view_at"], seen  # after the click, not before
        assert other.wait(30) == 0
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()


def test_after_a_listener_reconnect_the_shown_range_is_read_again(
    qtbot, desks, db_url, admin_url, provider_id, patient_id
):
    """A change made while the listener was away is never announced to it: the re-read finds it."""
    desk, here = desks(db_url)
    show(qtbot, here, TUESDAY, ViewMode.DAY, provider_id)
    database = desk.engine.url.database
    other_desk = make_engine(db_url, pool_size=1)
    try:
        other_clinic = make_clinic(other_desk)
        with other_desk.connect() as conn:  # opened now: it keeps working while new connections are refused
            conn.execute(text("SELECT 1"))
        allow_connections(admin_url, database, False)
        terminate_backend(admin_url, here.desk.live.backend_pid)
        qtbot.waitUntil(lambda: not here.desk.online, timeout=10_000)

        missed = booking.book(
            other_clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 14))
        )
        allow_connections(admin_url, database, True)
        qtbot.waitUntil(lambda: here.desk.online, timeout=30_000)
        qtbot.waitUntil(lambda: missed in here.data.appointments, timeout=10_000)
        # The free times are read after the view: they may arrive a moment later.
        qtbot.waitUntil(lambda: at(TUESDAY, 14) not in here.picker.free_times(), timeout=10_000)
    finally:
        allow_connections(admin_url, database, True)
        other_desk.dispose()


def test_a_database_restart_keeps_the_input_and_the_booking_then_succeeds_once(qtbot, desks, restartable_server):
    url = restartable_server.create_database()
    seed = make_engine(url)
    clinic = make_clinic(seed)
    provider_id = add_provider(clinic, "Dr. Restart", WEEKDAY_HOURS, "General practice")
    patient_id = new_patient(clinic)
    seed.dispose()
    _, here = desks(url)
    show(qtbot, here, TUESDAY, ViewMode.DAY, provider_id)
    dialog = start_booking(qtbot, here, at(TUESDAY, 10))
    qtbot.keyClicks(dialog.notes_edit, "Bring the X-ray")

    restartable_server.stop()
    qtbot.waitUntil(lambda: not here.desk.online, timeout=10_000)
    assert "Offline, reconnecting…" in here.status.summary()
    assert not here.new_action.isEnabled() and not here.picker.book_button.isEnabled()
    assert not dialog.book_button.isEnabled()
    assert dialog.banner.text() == OFFLINE_MESSAGE
    assert dialog.notes_edit.toPlainText() == "Bring the X-ray" and dialog.search.chosen.id == patient_id
    assert dialog.isVisible()

    restartable_server.start()
    qtbot.waitUntil(lambda: here.desk.online, timeout=30_000)
    assert "Connected" in here.status.summary()
    qtbot.waitUntil(dialog.book_button.isEnabled, timeout=10_000)
    assert dialog.banner.isHidden()
    with qtbot.waitSignal(dialog.booked, timeout=20_000):
        click(qtbot, dialog.book_button)
    check = make_engine(url)
    rows = live_appointments(check)
    check.dispose()
    assert [(row.patient_id, row.starts_at) for row in rows] == [(patient_id, at(TUESDAY, 10))]
    # The desk learns of its own booking as of any other: by the announcement, which may still be on its way.
    qtbot.waitUntil(lambda: rows[0].id in here.data.appointments, timeout=5_000)


def test_open_details_and_reschedule_dialogs_follow_other_desks(qtbot, desks, db_url, provider_id, patient_id, clinic):
    first = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9)))
    second = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 15)))
    _, here = desks(db_url)
    show(qtbot, here, TUESDAY, ViewMode.DAY, provider_id)
    details = here.open_appointment(first)
    mover = here.dialogs.open_reschedule(here.data.appointments[second])
    qtbot.waitUntil(lambda: not mover.picker.is_loading)
    assert at(TUESDAY, 16) in mover.picker.free_times()

    booking.change_status(clinic, first, "checked_in")
    qtbot.waitUntil(lambda: details.status_pill.text() == "Checked in", timeout=LIVE_WAIT_MS)
    assert not details.reschedule_button.isEnabled()

    booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Lin"), start=at(TUESDAY, 16))
    )
    qtbot.waitUntil(lambda: at(TUESDAY, 16) not in mover.picker.free_times(), timeout=LIVE_WAIT_MS)


def test_a_change_nobody_announced_is_found_by_the_periodic_re_read(
    qtbot, desks, db_url, provider_id, patient_id, clinic, engine, monkeypatch
):
    monkeypatch.setattr("app.ui.desk.REREAD_INTERVAL_MS", 500)
    _, here = desks(db_url)
    show(qtbot, here, TUESDAY, ViewMode.DAY, provider_id)
    with engine.begin() as conn:  # as if the notification had been lost on the way
        conn.execute(text("ALTER TABLE appointments DISABLE TRIGGER appointments_announce"))
        conn.execute(text("ALTER TABLE time_slots DISABLE TRIGGER time_slots_announce"))
    unannounced = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 13))
    )
    qtbot.waitUntil(lambda: unannounced in here.data.appointments, timeout=5_000)
    qtbot.waitUntil(lambda: at(TUESDAY, 13) not in here.picker.free_times(), timeout=5_000)


def test_a_patient_renamed_or_a_type_recoloured_at_another_desk_shows_within_a_second(
    qtbot, desks, db_url, provider_id, patient_id, clinic
):
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9))
    )
    _, here = desks(db_url)
    show(qtbot, here, TUESDAY, ViewMode.DAY, provider_id)
    details = here.open_appointment(appointment_id)
    qtbot.waitUntil(lambda: not here.runner.busy)

    def shown():
        return here.data.appointments[appointment_id]

    patient = get_patient(clinic, patient_id)
    renamed = {field: getattr(patient, field) for field in ("first_name", "date_of_birth", "phone", "email")}
    update_patient(clinic, patient_id, PatientIn(**renamed, last_name="Byron"))
    qtbot.waitUntil(lambda: shown().patient_name == f"{patient.first_name} Byron", timeout=LIVE_WAIT_MS)
    qtbot.waitUntil(lambda: details.patient_label.text() == f"{patient.first_name} Byron", timeout=LIVE_WAIT_MS)

    kind = next(kind for kind in list_types(clinic) if kind.code == shown().type_code)
    update_type(clinic, kind.id, code=kind.code, name=kind.name, color="#123456", is_default=kind.is_default)
    qtbot.waitUntil(lambda: shown().type_color == "#123456", timeout=LIVE_WAIT_MS)


def test_an_open_patient_editor_follows_another_desk_s_edit_and_keeps_its_own(qtbot, desks, db_url, patient_id, clinic):
    _, here = desks(db_url)
    editor = here.dialogs.edit_patient(patient_id)
    qtbot.waitUntil(lambda: editor.save_button.isEnabled())
    ada = get_patient(clinic, patient_id)
    details = {"first_name": ada.first_name, "date_of_birth": ada.date_of_birth, "phone": ada.phone}

    update_patient(clinic, patient_id, PatientIn(**details, last_name="Byron"))  # another desk corrects the name
    qtbot.waitUntil(lambda: editor.form.edits["last_name"].text() == "Byron", timeout=LIVE_WAIT_MS)
    assert editor.banner.text() == CHANGED_ELSEWHERE

    editor.form.edits["phone"].setText("+44 20 7946 0001")  # this desk's own edit, not saved yet
    update_patient(clinic, patient_id, PatientIn(**details, last_name="King"))
    qtbot.waitUntil(lambda: editor.banner.text() == CHANGED_UNDER_EDITS, timeout=LIVE_WAIT_MS)
    assert editor.form.edits["last_name"].text() == "Byron" and editor.form.edits["phone"].text() == "+44 20 7946 0001"
    editor.reject()


def open_embedded_desk(qtbot, tmp_path, restartable_server, monkeypatch):
    """A desk on a database of this computer that the test can stop and start: (its Desk, its window)."""
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    url = restartable_server.create_database()
    desk = Desk(url, "embedded (test)", embedded_server=restartable_server.embedded)
    window = desk.open(qtbot, QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat), TaskRunner())
    return desk, window


def test_the_database_on_this_computer_stopped_under_an_open_desk_is_started_again(
    qtbot, tmp_path, restartable_server, monkeypatch
):
    desk, window = open_embedded_desk(qtbot, tmp_path, restartable_server, monkeypatch)
    try:
        first = restartable_server.pid
        restartable_server.stop()  # its user ended it, or it crashed
        qtbot.waitUntil(lambda: not window.desk.online, timeout=30_000)
        qtbot.waitUntil(lambda: window.desk.online, timeout=60_000)  # this desk started it again and reconnected
        assert restartable_server.accepts_connections()
        assert restartable_server.embedded.pid not in (None, first)
        assert window.desk.embedded_restart_failed is None
    finally:
        desk.close()


def test_a_desk_that_cannot_start_the_database_on_this_computer_again_says_what_to_do(
    qtbot, tmp_path, restartable_server, monkeypatch
):
    desk, window = open_embedded_desk(qtbot, tmp_path, restartable_server, monkeypatch)
    pgdata = restartable_server.embedded.pgdata
    moved = pgdata.with_name("pgdata-moved")
    try:
        restartable_server.stop()
        pgdata.rename(moved)  # its data folder went with it: never a new, empty one in its place
        qtbot.waitUntil(lambda: window.desk.embedded_restart_failed is not None, timeout=30_000)
        assert "could not be started again" in window.desk.embedded_restart_failed
        assert "holds no database any more" in window.desk.embedded_restart_failed
        assert "Close Clinic Scheduler and open it again" in window.desk.embedded_restart_failed
        assert not pgdata.exists() and not window.desk.online
    finally:
        desk.close()
        if moved.exists():
            moved.rename(pgdata)
