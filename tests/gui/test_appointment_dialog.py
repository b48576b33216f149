"""The appointment details dialog against a real database: status changes, cancelling, rescheduling."""

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text

from app.domain.errors import InvalidInput
from app.domain.models import ALLOWED_TRANSITIONS, AppointmentStatus, BookingRequest
from app.services import appointment_types, booking, rooms, schedule, series
from app.ui.dialogs import questions
from app.ui.dialogs.appointment_dialog import AppointmentDialog
from app.ui.dialogs.details_dialog import TYPE_DOES_NOT_FIT, DetailsDialog
from tests.conftest import ZONE, new_patient
from tests.integration.db_state import refused

TUESDAY = date(2030, 1, 8)
START = datetime(2030, 1, 8, 10, 0, tzinfo=ZONE)
# How to bring a booked appointment into each status through the service.
PATHS = {
    AppointmentStatus.BOOKED: [],
    AppointmentStatus.CHECKED_IN: ["checked_in"],
    AppointmentStatus.COMPLETED: ["checked_in", "completed"],
    AppointmentStatus.NO_SHOW: ["no_show"],
    AppointmentStatus.CANCELLED: ["cancelled"],
}


def status_in_database(engine, appointment_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT status FROM appointments WHERE id = :id"), {"id": appointment_id}).scalar_one()


def view_of(clinic, appointment_id: int):
    return schedule.appointment(clinic, appointment_id)


@pytest.fixture
def appointment_id(clinic, provider_id, patient_id) -> int:
    return booking.book(
        clinic,
        BookingRequest(provider_id=provider_id, patient_id=patient_id, start=START, notes="Bring the lab report"),
    )


@pytest.fixture
def open_dialog(qtbot, runner, clinic):
    def open_it(appointment_id: int) -> AppointmentDialog:
        dialog = AppointmentDialog(runner, clinic, view_of(clinic, appointment_id))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: not runner.busy)  # its history is read
        return dialog

    return open_it


def click(qtbot, button) -> None:
    assert button.isEnabled() and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_shows_the_appointment_in_the_clinic_zone(open_dialog, appointment_id):
    dialog = open_dialog(appointment_id)
    assert dialog.date_label.text() == "Tuesday 8 January 2030"
    assert dialog.time_label.text() == "10:00 – 10:30"
    assert dialog.type_name.text() == "Consultation"
    assert dialog.notes_label.text() == "Bring the lab report"
    assert dialog.status_pill.text() == "Booked"
    assert dialog.patient_label.text() == dialog.appointment.patient_name


@pytest.mark.parametrize("status", list(AppointmentStatus))
def test_buttons_offer_exactly_the_allowed_transitions(clinic, open_dialog, appointment_id, status):
    for step in PATHS[status]:
        booking.change_status(clinic, appointment_id, step)
    dialog = open_dialog(appointment_id)
    allowed = ALLOWED_TRANSITIONS[status]
    for target, button in dialog.status_buttons.items():
        assert button.isEnabled() == (target in allowed), target
    assert dialog.status_buttons[AppointmentStatus.BOOKED].isVisible() == (AppointmentStatus.BOOKED in allowed)
    # Cancelling is offered only where it applies (a cancelled or finished appointment has nothing to cancel).
    assert dialog.cancel_button.isVisible() == (AppointmentStatus.CANCELLED in allowed)
    assert dialog.cancel_button.isEnabled()
    assert dialog.reschedule_button.isEnabled() == (status is AppointmentStatus.BOOKED)


def test_the_visit_s_steps_wait_for_its_day(engine, clinic, open_dialog, provider_id, patient_id):
    tomorrow = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=START + timedelta(days=1))
    )
    dialog = open_dialog(tomorrow)
    for status in (AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        assert not dialog.status_buttons[status].isVisible(), status
    assert dialog.cancel_button.isVisible() and dialog.reschedule_button.isEnabled()
    error = refused(engine, InvalidInput, booking.change_status, clinic, tomorrow, "checked_in")
    assert str(error) == "status: an appointment can be checked in from its day on (Wed 09 Jan 2030)"


def test_check_in_then_complete_land_in_the_database(qtbot, engine, open_dialog, appointment_id):
    dialog = open_dialog(appointment_id)
    with qtbot.waitSignal(dialog.changed) as changed:
        click(qtbot, dialog.status_buttons[AppointmentStatus.CHECKED_IN])
    assert changed.args == [appointment_id]
    assert status_in_database(engine, appointment_id) == "checked_in"
    assert dialog.status_pill.text() == "Checked in"
    assert not dialog.reschedule_button.isEnabled()

    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.status_buttons[AppointmentStatus.COMPLETED])
    assert status_in_database(engine, appointment_id) == "completed"
    assert dialog.status_pill.text() == "Completed"
    assert not any(button.isEnabled() for button in dialog.status_buttons.values())


def test_no_show_can_be_undone(qtbot, engine, open_dialog, appointment_id):
    dialog = open_dialog(appointment_id)
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.status_buttons[AppointmentStatus.NO_SHOW])
    assert status_in_database(engine, appointment_id) == "no_show"
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.status_buttons[AppointmentStatus.BOOKED])
    assert status_in_database(engine, appointment_id) == "booked"
    assert dialog.status_pill.text() == "Booked"


def test_the_confirmation_names_the_appointment_and_defaults_to_keeping_it(open_dialog, appointment_id):
    dialog = open_dialog(appointment_id)
    box = dialog.cancel_confirmation()
    assert box.text() == f"Cancel {dialog.appointment.patient_name}'s appointment on Tuesday 8 January 2030 at 10:00?"
    assert "cannot be undone" in box.informativeText()
    assert box.button(QMessageBox.StandardButton.Yes).text() == "Cancel appointment"
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)


@pytest.mark.parametrize(
    ("answer", "agreed"), [(QMessageBox.StandardButton.Yes, True), (QMessageBox.StandardButton.No, False)]
)
def test_confirm_reports_the_button_pressed(qtbot, open_dialog, appointment_id, answer, agreed):
    box = open_dialog(appointment_id).cancel_confirmation()
    # Pressed from inside the box's own event loop, as a person would.
    QTimer.singleShot(0, lambda: box.button(answer).click())
    assert questions.confirm(box) is agreed


def test_declining_the_confirmation_changes_nothing(qtbot, engine, runner, open_dialog, appointment_id, monkeypatch):
    dialog = open_dialog(appointment_id)
    changes, asked = [], []
    dialog.changed.connect(changes.append)
    monkeypatch.setattr(questions, "confirm", lambda box: asked.append(box.text()) or False)

    click(qtbot, dialog.cancel_button)

    assert len(asked) == 1
    assert not runner.busy
    assert changes == []
    assert status_in_database(engine, appointment_id) == "booked"
    assert dialog.cancel_button.isEnabled()


def test_confirmed_cancel_frees_the_slot(qtbot, engine, clinic, provider_id, open_dialog, appointment_id, monkeypatch):
    dialog = open_dialog(appointment_id)
    monkeypatch.setattr(questions, "confirm", lambda box: True)
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.cancel_button)

    assert status_in_database(engine, appointment_id) == "cancelled"
    assert dialog.status_pill.text() == "Cancelled"
    assert not dialog.cancel_button.isVisible(), "nothing left to cancel"
    assert START in schedule.free_slots(clinic, provider_id, TUESDAY)


def test_reschedule_hands_the_appointment_to_the_window_and_closes(qtbot, open_dialog, appointment_id):
    dialog = open_dialog(appointment_id)
    with qtbot.waitSignal(dialog.reschedule_requested) as requested:
        click(qtbot, dialog.reschedule_button)
    assert requested.args[0].id == appointment_id
    assert not dialog.isVisible()


def test_a_change_refused_because_another_desk_acted_shows_why_and_the_current_status(
    qtbot, clinic, open_dialog, appointment_id
):
    dialog = open_dialog(appointment_id)
    booking.cancel(clinic, appointment_id)  # another desk, after this dialog opened

    click(qtbot, dialog.status_buttons[AppointmentStatus.NO_SHOW])
    qtbot.waitUntil(lambda: dialog.status_pill.text() == "Cancelled")

    assert "a cancelled appointment cannot become no_show" in dialog.banner.text()
    assert not any(button.isEnabled() for button in dialog.status_buttons.values())
    assert not dialog.reschedule_button.isEnabled()


def test_the_details_show_the_patient_s_phone_and_email_and_the_room(
    engine, clinic, open_dialog, appointment_id, provider_id, patient_id
):
    with engine.begin() as conn:
        conn.execute(text("UPDATE patients SET phone = '+49 30 1234567', email = 'ada@example.org'"))
    dialog = open_dialog(appointment_id)
    assert (dialog.phone_label.text(), dialog.email_label.text()) == ("+49 30 1234567", "ada@example.org")
    assert dialog.room_label.text() == "No room needed"
    rooms.add_room(clinic, "Procedure 1", "procedure room")
    surgery = appointment_types.add_type(
        clinic, "surgery", "Surgery", "#aa3300", minutes=60, room_kind="procedure room"
    )
    request = BookingRequest(provider_id=provider_id, patient_id=patient_id, start=START + timedelta(days=1))
    in_room = booking.book(clinic, request.model_copy(update={"type_id": surgery}))
    assert open_dialog(in_room).room_label.text() == "Procedure 1"


def test_type_and_notes_are_changed_after_booking_and_a_taken_time_refuses_the_longer_type(
    qtbot, engine, runner, clinic, provider_id, open_dialog, appointment_id
):
    long_type = appointment_types.add_type(clinic, "long", "Long visit", "#aa3300", minutes=60)
    dialog = open_dialog(appointment_id)
    with qtbot.waitSignal(dialog.edit_details_requested) as asked:
        click(qtbot, dialog.details_button)
    details = DetailsDialog(runner, clinic, asked.args[0])
    qtbot.addWidget(details)
    details.show()
    qtbot.waitUntil(lambda: details.type_combo.count() == 4)
    assert details.type_combo.currentText() == "Consultation"
    booking.book(
        clinic,
        BookingRequest(
            provider_id=provider_id, patient_id=new_patient(clinic, "Next"), start=START + timedelta(minutes=30)
        ),
    )

    details.type_combo.setCurrentIndex(details.type_combo.findData(long_type))
    details.notes_edit.setPlainText("Bring the lab report and the X-rays")
    click(qtbot, details.save_button)
    qtbot.waitUntil(lambda: not details.busy)
    assert details.field_errors.message("type_id").startswith(TYPE_DOES_NOT_FIT)
    assert "already booked" in details.field_errors.message("type_id")
    assert view_of(clinic, appointment_id).notes == "Bring the lab report"  # nothing was written

    details.type_combo.setCurrentIndex(details.type_combo.findText("Follow-up"))
    with qtbot.waitSignal(details.saved):
        click(qtbot, details.save_button)
    changed = view_of(clinic, appointment_id)
    assert (changed.type_code, changed.notes) == ("follow_up", "Bring the lab report and the X-rays")


def test_the_details_show_an_occurrence_s_place_in_its_series(clinic, open_dialog, appointment_id, provider_id):
    assert open_dialog(appointment_id).series_label.text() == "Not part of a series"
    weekly = series.request_series(
        provider_id=provider_id,
        patient_id=new_patient(clinic, "Weekly"),
        rule={"first_day": START.date() + timedelta(days=1), "wall_time": time(10), "count": 3},
    )
    third = series.book_series(clinic, weekly).booked[2].appointment_id
    shown = open_dialog(third).series_label.text()
    assert shown == f"3 of 3 · every week on {START.date() + timedelta(days=1):%a} at 10:00, 3 times"


def test_an_occurrence_cancels_with_the_following_ones_of_its_series(
    qtbot, engine, clinic, open_dialog, appointment_id, provider_id, monkeypatch
):
    assert not open_dialog(appointment_id).cancel_following_button.isVisible()  # not part of a series
    weekly = series.request_series(
        provider_id=provider_id,
        patient_id=new_patient(clinic, "Weekly"),
        rule={"first_day": START.date() + timedelta(days=1), "wall_time": time(10), "count": 4},
    )
    occurrences = [o.appointment_id for o in series.book_series(clinic, weekly).booked]
    dialog = open_dialog(occurrences[1])
    asked: list[str] = []
    monkeypatch.setattr(questions, "confirm", lambda box: asked.append(box.text()) or True)
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.cancel_following_button)
    assert asked[0].endswith("at 10:00 and the following ones of its series?")
    assert [status_in_database(engine, a) for a in occurrences] == ["booked"] + ["cancelled"] * 3


def test_type_and_notes_change_with_the_following_occurrences_when_asked(qtbot, runner, engine, clinic, provider_id):
    weekly = series.request_series(
        provider_id=provider_id,
        patient_id=new_patient(clinic, "Weekly"),
        rule={"first_day": START.date() + timedelta(days=1), "wall_time": time(10), "count": 3},
    )
    occurrences = [o.appointment_id for o in series.book_series(clinic, weekly).booked]
    dialog = DetailsDialog(runner, clinic, view_of(clinic, occurrences[1]))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.type_combo.count() > 0)
    assert dialog.following_box.isVisible()
    dialog.following_box.setChecked(True)
    dialog.notes_edit.setPlainText("bring the exercise sheet")
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    assert [view_of(clinic, a).notes for a in occurrences] == [
        "",
        "bring the exercise sheet",
        "bring the exercise sheet",
    ]
