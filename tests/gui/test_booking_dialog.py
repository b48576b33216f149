"""The booking dialog against a real database: find or register the patient, book, and survive other desks."""

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import text

from app.db.engine import make_engine
from app.domain.errors import DatabaseUnavailable
from app.domain.models import BookingRequest, PatientIn
from app.services import appointment_types, booking
from app.services.patients import create_patient
from app.ui.dialogs.booking_dialog import SLOT_GONE_MESSAGE, SLOT_TAKEN_MESSAGE, BookingDialog, PatientMode
from app.ui.dialogs.field_errors import InlineError
from app.ui.models.slot_model import SlotRole
from app.ui.theme import apply, theme
from tests.conftest import ZONE, make_clinic, new_patient
from tests.integration.db_state import table_state

SLOT = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)  # a Tuesday, inside the provider's morning hours
FIRST_FREE = datetime(2030, 1, 8, 8, 0, tzinfo=ZONE)


def appointments(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT a.id, a.patient_id, a.starts_at, a.notes, t.code AS type_code"
                " FROM appointments a JOIN appointment_types t ON t.id = a.type_id ORDER BY a.id"
            )
        ).all()


def patient_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id, first_name, last_name, date_of_birth FROM patients ORDER BY id")).all()


@pytest.fixture
def open_dialog(qtbot, runner, clinic, provider):
    def open_it(start: datetime = SLOT, on_clinic=None) -> BookingDialog:
        dialog = BookingDialog(runner, on_clinic or clinic, provider, start)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.time_combo.isEnabled() and dialog.type_combo.count() > 0)
        return dialog

    return open_it


def choose_existing(qtbot, dialog: BookingDialog, query: str) -> None:
    """Type into the search box like a receptionist, then arrow down into the results."""
    qtbot.keyClicks(dialog.search.query_edit, query)
    qtbot.waitUntil(lambda: dialog.search.model.rowCount() > 0 and not dialog.search.state_label.text().endswith("…"))
    qtbot.keyClick(dialog.search.query_edit, Qt.Key.Key_Down)


def fill_new_patient(qtbot, dialog: BookingDialog, **values: str) -> None:
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    edits = dialog.patient_form.edits
    for field, value in values.items():
        edits[field].clear()
        qtbot.keyClicks(edits[field], value)
        edits[field].editingFinished.emit()  # as when the receptionist tabs to the next field


def choose_type(dialog: BookingDialog, name: str) -> None:
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findText(name))
    dialog.type_combo.activated.emit(dialog.type_combo.currentIndex())


def click_book(qtbot, dialog: BookingDialog) -> None:
    assert dialog.book_button.isEnabled()
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)


def free_times(dialog: BookingDialog) -> list[datetime]:
    return [dialog.slot_model.slot_at(row) for row in range(dialog.slot_model.rowCount())]


def test_a_new_dialog_selects_the_time_and_default_type_and_is_not_red_all_over(open_dialog):
    dialog = open_dialog()
    assert dialog.time_combo.currentData(SlotRole) == SLOT
    assert SLOT in free_times(dialog)
    assert dialog.type_combo.currentText() == "Consultation"
    assert not dialog.book_button.isEnabled()
    assert not dialog.banner.isVisible()
    assert not any(error.text() for error in dialog.findChildren(InlineError))
    assert dialog.hint_label.text() == "Patient: choose a patient from the search results"


def test_books_an_existing_patient_found_as_you_type(qtbot, engine, clinic, open_dialog):
    ada = new_patient(clinic, "Ada", "Lovelace")
    new_patient(clinic, "Grace", "Hopper")
    dialog = open_dialog()
    choose_existing(qtbot, dialog, "lovel")
    assert dialog.search.chosen is not None and dialog.search.chosen.id == ada
    choose_type(dialog, "Follow-up")
    qtbot.keyClicks(dialog.notes_edit, "Blood test results")

    with qtbot.waitSignal(dialog.booked) as booked:
        click_book(qtbot, dialog)

    [row] = appointments(engine)
    assert booked.args == [row.id]
    assert (row.patient_id, row.starts_at, row.type_code, row.notes) == (ada, SLOT, "follow_up", "Blood test results")
    assert dialog.result() == dialog.DialogCode.Accepted


def test_a_longer_type_lists_only_the_times_it_fits_and_says_when_the_chosen_one_does_not(
    qtbot, engine, clinic, open_dialog
):
    appointment_types.add_type(clinic, "surgery", "Minor surgery", "#aa3300", minutes=60, buffer_minutes=15)
    last_morning_time = SLOT.replace(hour=11, minute=30)
    dialog = open_dialog(last_morning_time)
    assert dialog.time_combo.currentData(SlotRole) == last_morning_time

    choose_type(dialog, "Minor surgery")
    qtbot.waitUntil(lambda: last_morning_time not in free_times(dialog))
    assert SLOT.replace(hour=10, minute=30) in free_times(dialog)  # 10:30 to 11:45 fits before noon
    assert SLOT.replace(hour=11) not in free_times(dialog)
    assert dialog.time_combo.currentIndex() == -1
    assert dialog.field_errors.message("start") == "Minor surgery does not fit at this time – choose another time"

    choose_type(dialog, "Consultation")
    qtbot.waitUntil(lambda: last_morning_time in free_times(dialog))


def test_search_says_when_nothing_matches(qtbot, open_dialog):
    dialog = open_dialog()
    qtbot.keyClicks(dialog.search.query_edit, "Nobody")
    qtbot.waitUntil(lambda: dialog.search.state_label.text() == "No patients match")
    assert dialog.search.chosen is None


def test_registers_a_new_patient_and_books(qtbot, engine, open_dialog):
    dialog = open_dialog()
    fill_new_patient(
        qtbot, dialog, first_name="Grace", last_name="Hopper", date_of_birth="1906-12-09", phone="+1 212 555 0100"
    )

    with qtbot.waitSignal(dialog.booked):
        click_book(qtbot, dialog)

    [patient] = patient_rows(engine)
    assert (patient.first_name, patient.last_name, patient.date_of_birth.isoformat()) == (
        "Grace",
        "Hopper",
        "1906-12-09",
    )
    [row] = appointments(engine)
    assert (row.patient_id, row.starts_at, row.type_code) == (patient.id, SLOT, "consultation")


def test_invalid_fields_show_inline_errors_keep_book_disabled_and_write_nothing(qtbot, engine, runner, open_dialog):
    dialog = open_dialog()
    before = table_state(engine)
    fill_new_patient(qtbot, dialog, first_name="Grace", date_of_birth="2999-01-01", phone="12", email="grace@")

    errors = dialog.field_errors
    assert errors.message("date_of_birth") == "Must not be in the future"
    assert "phone number of 6 to 15 digits" in errors.message("phone")
    assert errors.message("email") == "Must look like name@example.org"
    assert errors.message("last_name") == ""  # not touched yet
    assert not dialog.book_button.isEnabled()
    assert dialog.hint_label.text() == "Last name: must not be empty"

    dialog.book()  # an attempt shows every problem and sends nothing
    assert errors.message("last_name") == "Must not be empty"
    assert dialog.patient_form.edits["phone"].property("invalid") is True
    assert not runner.busy
    assert table_state(engine) == before

    qtbot.keyClicks(dialog.patient_form.edits["phone"], "3456789")  # typing on fixes the field as you go
    assert errors.message("phone") == ""
    assert dialog.patient_form.edits["phone"].property("invalid") is False


def test_slot_taken_by_another_desk_keeps_the_input_and_the_next_time_books_once(
    qtbot, engine, clinic, provider, open_dialog
):
    ada = new_patient(clinic, "Ada", "Lovelace")
    other = new_patient(clinic, "Grace", "Hopper")
    dialog = open_dialog()
    choose_existing(qtbot, dialog, "Ada")
    choose_type(dialog, "Procedure")
    qtbot.keyClicks(dialog.notes_edit, "Fasting since midnight")
    booking.book(clinic, BookingRequest(provider_id=provider.id, patient_id=other, start=SLOT))  # the other desk

    with qtbot.waitSignal(dialog.slot_taken):
        click_book(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled())

    assert dialog.field_errors.message("start") == SLOT_TAKEN_MESSAGE
    assert SLOT not in free_times(dialog)
    assert FIRST_FREE in free_times(dialog)
    assert dialog.time_combo.currentIndex() == -1
    assert dialog.search.chosen.id == ada
    assert dialog.type_combo.currentText() == "Procedure"
    assert dialog.notes_edit.toPlainText() == "Fasting since midnight"
    assert not dialog.book_button.isEnabled()

    qtbot.keyClick(dialog.time_combo, Qt.Key.Key_Down)  # the first free time
    assert dialog.field_errors.message("start") == ""
    with qtbot.waitSignal(dialog.booked) as booked:
        click_book(qtbot, dialog)

    mine = [row for row in appointments(engine) if row.patient_id == ada]
    assert [(row.id, row.starts_at, row.notes, row.type_code) for row in mine] == [
        (booked.args[0], FIRST_FREE, "Fasting since midnight", "procedure")
    ]


def test_a_new_patient_whose_time_was_taken_is_not_registered_and_the_next_attempt_registers_them_once(
    qtbot, engine, clinic, provider, open_dialog
):
    dialog = open_dialog()
    fill_new_patient(
        qtbot, dialog, first_name="Grace", last_name="Hopper", date_of_birth="1906-12-09", phone="+1 212 555 0100"
    )
    booking.book(clinic, BookingRequest(provider_id=provider.id, patient_id=new_patient(clinic), start=SLOT))

    with qtbot.waitSignal(dialog.slot_taken):
        click_book(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled())
    assert [p for p in patient_rows(engine) if p.last_name == "Hopper"] == []  # registered with the booking only
    assert dialog.patient_mode is PatientMode.NEW
    assert dialog.patient_form.edits["first_name"].text() == "Grace"  # what was typed is still there

    qtbot.keyClick(dialog.time_combo, Qt.Key.Key_Down)
    with qtbot.waitSignal(dialog.booked):
        click_book(qtbot, dialog)
    [grace] = [p for p in patient_rows(engine) if p.last_name == "Hopper"]
    assert [row.starts_at for row in appointments(engine) if row.patient_id == grace.id] == [FIRST_FREE]


def test_the_time_asked_for_may_be_gone_when_the_dialog_opens(clinic, provider, open_dialog):
    booking.book(clinic, BookingRequest(provider_id=provider.id, patient_id=new_patient(clinic), start=SLOT))
    dialog = open_dialog()
    assert dialog.time_combo.currentIndex() == -1
    assert dialog.field_errors.message("start") == SLOT_GONE_MESSAGE


def register_ada(clinic) -> int:
    return create_patient(
        clinic, PatientIn(first_name="Ada", last_name="Lovelace", date_of_birth="1980-05-17", phone="+49 30 1234567")
    )


def enter_ada_again(qtbot, dialog: BookingDialog) -> None:
    fill_new_patient(
        qtbot, dialog, first_name="ada", last_name="LOVELACE", date_of_birth="1980-05-17", phone="+49 30 7654321"
    )
    click_book(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.duplicates.isVisible())


def test_a_likely_duplicate_can_be_booked_as_the_existing_patient(qtbot, engine, clinic, open_dialog):
    ada = register_ada(clinic)
    dialog = open_dialog()
    enter_ada_again(qtbot, dialog)
    assert dialog.duplicates.model.patient_at(0).id == ada
    assert dialog.book_button.isEnabled()  # nothing is pending

    with qtbot.waitSignal(dialog.booked):
        qtbot.mouseClick(dialog.duplicates.use_button, Qt.MouseButton.LeftButton)

    assert [p.id for p in patient_rows(engine)] == [ada]
    assert [(row.patient_id, row.starts_at) for row in appointments(engine)] == [(ada, SLOT)]


def test_a_likely_duplicate_can_be_registered_anyway(qtbot, engine, clinic, open_dialog):
    ada = register_ada(clinic)
    dialog = open_dialog()
    enter_ada_again(qtbot, dialog)

    with qtbot.waitSignal(dialog.booked):
        qtbot.mouseClick(dialog.duplicates.create_button, Qt.MouseButton.LeftButton)

    ids = [p.id for p in patient_rows(engine)]
    assert len(ids) == 2 and ada in ids
    [twin] = [i for i in ids if i != ada]
    assert [(row.patient_id, row.starts_at) for row in appointments(engine)] == [(twin, SLOT)]


def test_a_slot_locked_by_another_desk_shows_a_banner_keeps_the_input_and_retries(
    qtbot, db_url, runner, clinic, provider, open_dialog
):
    engine = make_engine(db_url, lock_timeout_ms=200)
    holder = engine.connect()
    try:
        ada = new_patient(clinic, "Ada", "Lovelace")
        impatient = make_clinic(engine)
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:p, :s, :e)"),
                {"p": provider.id, "s": SLOT, "e": SLOT + timedelta(minutes=30)},
            )
        locked = holder.begin()
        holder.execute(text("SELECT id FROM time_slots WHERE provider_id = :p FOR UPDATE"), {"p": provider.id})

        dialog = open_dialog(on_clinic=impatient)
        choose_existing(qtbot, dialog, "Ada")
        qtbot.keyClicks(dialog.notes_edit, "First visit")
        click_book(qtbot, dialog)
        qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=15_000)

        assert dialog.banner.text() == "Another desk is booking this slot, try again"
        assert dialog.book_button.isEnabled()
        assert dialog.notes_edit.toPlainText() == "First visit"
        assert dialog.time_combo.currentData(SlotRole) == SLOT
        assert appointments(engine) == []

        locked.rollback()
        with qtbot.waitSignal(dialog.booked):
            click_book(qtbot, dialog)
        assert [(row.patient_id, row.starts_at) for row in appointments(engine)] == [(ada, SLOT)]
    finally:
        holder.close()
        runner.wait_for_done()
        engine.dispose()


def set_provider_active(engine, provider_id: int, active: bool) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE providers SET active = :a WHERE id = :p"), {"a": active, "p": provider_id})


def test_free_times_that_failed_to_load_can_be_reloaded(qtbot, engine, runner, clinic, provider):
    set_provider_active(engine, provider.id, False)
    dialog = BookingDialog(runner, clinic, provider, SLOT)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.reload_times_button.isVisible())
    assert "no longer active" in dialog.banner.text()
    assert not dialog.time_combo.isEnabled()
    assert not dialog.book_button.isEnabled()

    set_provider_active(engine, provider.id, True)
    qtbot.mouseClick(dialog.reload_times_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled())
    assert dialog.time_combo.currentData(SlotRole) == SLOT
    assert not dialog.reload_times_button.isVisible()
    assert not dialog.banner.isVisible()


@pytest.fixture
def dark_application(qapp):
    palette, style_sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    apply(qapp, theme("dark"))
    yield
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(style_sheet)


def test_dialogs_follow_the_application_theme_until_given_one(dark_application, open_dialog):
    dialog = open_dialog()
    dark, light = theme("dark").tokens["accent"], theme("light").tokens["accent"]
    assert dark in dialog.styleSheet()
    dialog.set_theme(theme("light"))
    assert light in dialog.styleSheet() and dark not in dialog.styleSheet()


def lose_the_next_answer(monkeypatch, name: str) -> None:
    """The next call of booking.`name` commits, but its answer is lost with the connection (as when the server
    restarts during COMMIT): the dialog hears DatabaseUnavailable although the appointment exists."""
    real = getattr(booking, name)

    def call_and_lose_the_answer(*args, **kwargs):
        monkeypatch.setattr(booking, name, real)
        real(*args, **kwargs)
        raise DatabaseUnavailable("server closed the connection unexpectedly")

    monkeypatch.setattr(booking, name, call_and_lose_the_answer)


@pytest.fixture
def lost_acknowledgement(monkeypatch):
    lose_the_next_answer(monkeypatch, "book")


def test_a_new_patients_booking_whose_answer_was_lost_is_found_and_registers_them_once(
    qtbot, engine, open_dialog, monkeypatch
):
    lose_the_next_answer(monkeypatch, "book_new_patient")
    dialog = open_dialog()
    fill_new_patient(
        qtbot, dialog, first_name="Grace", last_name="Hopper", date_of_birth="1906-12-09", phone="+1 212 555 0100"
    )
    click_book(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.banner.isVisible())
    assert "not available right now" in dialog.banner.text()
    [(first, grace, _, _, _)] = appointments(engine)  # it did go through

    with qtbot.waitSignal(dialog.booked) as booked:
        click_book(qtbot, dialog)
    assert booked.args == [first]
    assert dialog.result() == QDialog.DialogCode.Accepted  # booked as asked: nothing to report
    assert [p.id for p in patient_rows(engine) if p.last_name == "Hopper"] == [grace]
    assert [(row.id, row.starts_at) for row in appointments(engine)] == [(first, SLOT)]


def book_ada_and_lose_the_answer(qtbot, clinic, open_dialog) -> BookingDialog:
    """Ada Lovelace is booked, but the dialog hears the connection was lost (with `lost_acknowledgement`)."""
    new_patient(clinic, "Ada", "Lovelace")
    dialog = open_dialog()
    choose_existing(qtbot, dialog, "Ada")
    click_book(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.banner.isVisible())
    return dialog


def test_a_booking_whose_answer_was_lost_is_found_on_the_next_press_and_not_made_twice(
    qtbot, engine, clinic, open_dialog, lost_acknowledgement
):
    dialog = book_ada_and_lose_the_answer(qtbot, clinic, open_dialog)
    assert "not available right now" in dialog.banner.text()
    [(first, _, _, _, _)] = appointments(engine)  # it did go through
    [ada] = [p.id for p in patient_rows(engine) if p.last_name == "Lovelace"]

    with qtbot.waitSignal(dialog.booked) as booked:
        click_book(qtbot, dialog)
    assert booked.args == [first]
    assert [(row.id, row.patient_id, row.starts_at) for row in appointments(engine)] == [(first, ada, SLOT)]


def test_a_lost_booking_that_went_through_is_reported_when_the_form_was_changed_meanwhile(
    qtbot, engine, clinic, open_dialog, lost_acknowledgement
):
    dialog = book_ada_and_lose_the_answer(qtbot, clinic, open_dialog)
    later = SLOT + timedelta(hours=1)
    dialog.time_combo.setCurrentIndex(dialog.slot_model.row_of(later))

    with qtbot.waitSignal(dialog.booked):
        click_book(qtbot, dialog)
    assert "The earlier attempt had gone through" in dialog.banner.text()
    assert "Tue 08 Jan 2030 at 09:00" in dialog.banner.text()
    assert dialog.book_button.isHidden() and dialog.cancel_button.text() == "Close"
    assert [row.starts_at for row in appointments(engine)] == [SLOT]


def test_a_lost_booking_for_an_existing_patient_is_reported_when_a_new_patient_is_typed_meanwhile(
    qtbot, engine, clinic, open_dialog, lost_acknowledgement
):
    dialog = book_ada_and_lose_the_answer(qtbot, clinic, open_dialog)
    fill_new_patient(
        qtbot, dialog, first_name="Grace", last_name="Hopper", date_of_birth="1906-12-09", phone="+1 212 555 0100"
    )

    with qtbot.waitSignal(dialog.booked):
        click_book(qtbot, dialog)
    assert "The earlier attempt had gone through" in dialog.banner.text() and "Ada Lovelace" in dialog.banner.text()
    assert [p for p in patient_rows(engine) if p.last_name == "Hopper"] == []  # nobody registered behind her back


def test_a_lost_booking_cancelled_meanwhile_is_said_and_booking_again_makes_a_new_one(
    qtbot, engine, clinic, open_dialog, lost_acknowledgement
):
    dialog = book_ada_and_lose_the_answer(qtbot, clinic, open_dialog)
    [(first, _, _, _, _)] = appointments(engine)
    booking.cancel(clinic, first)  # at another desk, before this one hears of its own booking

    click_book(qtbot, dialog)
    qtbot.waitUntil(lambda: "another desk has cancelled that appointment since" in dialog.banner.text())
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.booked) as booked:
        click_book(qtbot, dialog)
    assert booked.args != [first]
    assert len(appointments(engine)) == 2  # the cancelled one, and the new booking


def test_the_type_offered_first_is_the_clinic_s_default(clinic, open_dialog):
    follow_up = next(kind for kind in appointment_types.list_types(clinic) if kind.code == "follow_up")
    appointment_types.update_type(
        clinic, follow_up.id, follow_up.code, follow_up.name, follow_up.color, True
    )  # the default moves
    dialog = open_dialog()
    assert dialog.type_combo.currentText() == "Follow-up"
