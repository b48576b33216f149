"""The reschedule dialog against a real database: a move lands atomically; a time taken meanwhile is refused."""

from datetime import date, datetime, time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDateEdit, QDialog, QLabel, QPushButton

from app.domain.models import BookingRequest
from app.services import appointment_types, booking, schedule, series
from app.services.providers import add_provider
from app.ui.dialogs.reschedule_dialog import RescheduleDialog
from app.ui.slot_picker import SlotGrid
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient

TUESDAY = date(2030, 1, 8)
WEDNESDAY = date(2030, 1, 9)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def appointment(clinic, provider_id, patient_id):
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9)))
    return schedule.schedule(clinic, TUESDAY, TUESDAY, provider_id)[0]


@pytest.fixture
def dialog(qtbot, clinic, runner, appointment):
    provider = next(p for p in schedule.providers(clinic) if p.id == appointment.provider_id)
    window = RescheduleDialog(runner, clinic, appointment, provider)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.picker.day is not None and not window.picker.is_loading)
    return window


def live_appointments(clinic, provider_id: int) -> list[tuple[int, datetime]]:
    rows = schedule.schedule(clinic, TUESDAY, WEDNESDAY, provider_id)
    return [(row.id, row.starts_at) for row in rows]


def button(dialog: RescheduleDialog, accessible_name: str) -> QPushButton:
    return next(b for b in dialog.findChildren(QPushButton) if b.accessibleName() == accessible_name)


def test_opens_on_the_appointments_day_and_shows_it(dialog, appointment):
    assert dialog.picker.day == TUESDAY
    assert dialog.picker.provider.id == appointment.provider_id
    assert dialog.findChild(QDateEdit).date().toPython() == TUESDAY
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert appointment.patient_name in texts
    assert "Now: Tuesday 8 January 2030, 09:00 – 09:30" in texts
    assert at(TUESDAY, 9) not in dialog.picker.free_times()  # its own slot is not free
    assert dialog.picker.book_button.text() == "Move here"


def test_moving_to_another_day_lands_in_the_database(qtbot, clinic, dialog, appointment):
    with qtbot.waitSignal(dialog.picker.loaded):
        qtbot.mouseClick(button(dialog, "Next day"), Qt.MouseButton.LeftButton)
    assert dialog.picker.day == WEDNESDAY
    assert dialog.picker.select_start(at(WEDNESDAY, 11))
    with qtbot.waitSignal(dialog.rescheduled) as moved:
        qtbot.mouseClick(dialog.picker.book_button, Qt.MouseButton.LeftButton)
    assert moved.args == [appointment.id]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert live_appointments(clinic, appointment.provider_id) == [(appointment.id, at(WEDNESDAY, 11))]
    assert at(TUESDAY, 9) in schedule.free_slots(clinic, appointment.provider_id, TUESDAY)
    assert at(WEDNESDAY, 11) not in schedule.free_slots(clinic, appointment.provider_id, WEDNESDAY)


def test_a_time_taken_meanwhile_is_refused_and_vanishes(qtbot, clinic, dialog, appointment):
    assert dialog.picker.select_start(at(TUESDAY, 10))
    other = booking.book(
        clinic,
        BookingRequest(provider_id=appointment.provider_id, patient_id=new_patient(clinic), start=at(TUESDAY, 10)),
    )
    with qtbot.assertNotEmitted(dialog.rescheduled), qtbot.waitSignal(dialog.picker.loaded):
        qtbot.mouseClick(dialog.picker.book_button, Qt.MouseButton.LeftButton)
    visible = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
    assert "That time was just booked at another desk. Pick another time." in visible
    assert at(TUESDAY, 10) not in dialog.picker.free_times()
    assert dialog.picker.selected_start is None
    assert dialog.isVisible()
    assert live_appointments(clinic, appointment.provider_id) == [
        (appointment.id, at(TUESDAY, 9)),
        (other, at(TUESDAY, 10)),
    ]


def test_enter_on_a_time_moves_the_appointment(qtbot, clinic, dialog, appointment):
    assert dialog.picker.select_start(at(TUESDAY, 16, 30))
    with qtbot.waitSignal(dialog.rescheduled):
        qtbot.keyClick(dialog.findChild(SlotGrid, "afternoonSlots"), Qt.Key.Key_Return)
    assert live_appointments(clinic, appointment.provider_id) == [(appointment.id, at(TUESDAY, 16, 30))]


def test_a_refusal_is_shown_in_the_dialog_and_nothing_changes(qtbot, clinic, dialog, appointment):
    booking.cancel(clinic, appointment.id)  # at another desk, while this dialog is open
    assert dialog.picker.select_start(at(TUESDAY, 11))
    qtbot.mouseClick(dialog.picker.book_button, Qt.MouseButton.LeftButton)
    assert not dialog.picker.isEnabled()  # while the move runs
    message = "Appointment_id: a cancelled appointment cannot be moved"  # the banner writes a sentence
    qtbot.waitUntil(lambda: message in [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()])
    assert dialog.picker.isEnabled()
    assert dialog.isVisible()
    still = schedule.schedule(clinic, TUESDAY, TUESDAY, appointment.provider_id, include_cancelled=True)
    assert [(row.id, row.starts_at) for row in still] == [(appointment.id, at(TUESDAY, 9))]


def test_moving_to_another_provider_lands_in_the_database(qtbot, clinic, runner, appointment):
    stand_in = add_provider(clinic, "Dr. Stand-in", WEEKDAY_HOURS)
    booking.book(
        clinic, BookingRequest(provider_id=stand_in, patient_id=new_patient(clinic, "Busy"), start=at(TUESDAY, 9))
    )
    provider = next(p for p in schedule.providers(clinic) if p.id == appointment.provider_id)
    dialog = RescheduleDialog(runner, clinic, appointment, provider)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.provider_combo.count() == 2 and not dialog.picker.is_loading)

    dialog.provider_combo.setCurrentIndex(1)
    with qtbot.waitSignal(dialog.picker.loaded):
        dialog.provider_combo.activated.emit(1)
    assert dialog.picker.provider.id == stand_in
    assert at(TUESDAY, 9) not in dialog.picker.free_times()  # the stand-in is busy then
    assert dialog.picker.select_start(at(TUESDAY, 9, 30))
    with qtbot.waitSignal(dialog.rescheduled):
        qtbot.mouseClick(dialog.picker.book_button, Qt.MouseButton.LeftButton)
    moved = schedule.appointment(clinic, appointment.id)
    assert (moved.provider_id, moved.starts_at) == (stand_in, at(TUESDAY, 9, 30))


def test_a_long_appointment_can_move_by_less_than_its_length(qtbot, clinic, runner, provider_id, patient_id):
    long_type = appointment_types.add_type(clinic, "long", "Long visit", "#aa3300", minutes=60)
    booking.book(
        clinic,
        BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(WEDNESDAY, 9), type_id=long_type),
    )
    appointment = schedule.schedule(clinic, WEDNESDAY, WEDNESDAY, provider_id)[0]
    provider = next(p for p in schedule.providers(clinic) if p.id == provider_id)
    dialog = RescheduleDialog(runner, clinic, appointment, provider)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.picker.day is not None and not dialog.picker.is_loading)
    free = dialog.picker.free_times()
    assert at(WEDNESDAY, 9, 30) in free and at(WEDNESDAY, 9) not in free  # its own time is free for it, not offered
    assert dialog.picker.select_start(at(WEDNESDAY, 9, 30))
    with qtbot.waitSignal(dialog.rescheduled):
        qtbot.mouseClick(dialog.picker.book_button, Qt.MouseButton.LeftButton)
    assert schedule.appointment(clinic, appointment.id).starts_at == at(WEDNESDAY, 9, 30)


def test_an_occurrence_moves_with_the_following_ones_when_asked(qtbot, runner, clinic, provider_id, patient_id):
    request = series.request_series(
        provider_id=provider_id, patient_id=patient_id, rule={"first_day": TUESDAY, "wall_time": time(9), "count": 3}
    )
    booked = series.book_series(clinic, request).booked
    first = schedule.appointment(clinic, booked[0].appointment_id)
    provider = next(p for p in schedule.providers(clinic) if p.id == provider_id)
    dialog = RescheduleDialog(runner, clinic, first, provider)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.picker.day is not None and not dialog.picker.is_loading)
    assert dialog.following_box.isVisible()
    dialog.following_box.setChecked(True)
    assert dialog.picker.select_start(at(TUESDAY, 14))
    with qtbot.waitSignal(dialog.rescheduled):
        qtbot.mouseClick(dialog.picker.book_button, Qt.MouseButton.LeftButton)
    moved = [schedule.appointment(clinic, o.appointment_id).starts_at for o in booked]
    assert moved == [at(TUESDAY, 14), at(date(2030, 1, 15), 14), at(date(2030, 1, 22), 14)]


def test_a_single_appointment_offers_no_following_ones(dialog):
    assert not dialog.following_box.isVisible()
