"""Editing a patient: the details read fresh and prefilled, checked as the service checks them, saved on a worker;
refusals said where they belong; the window offers it where a receptionist meets a patient, and what shows the
patient shows the new name after saving."""

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.services import booking, patients
from app.ui.dialogs.field_errors import OFFLINE_MESSAGE, sentence
from app.ui.dialogs.patient_dialog import GONE_MESSAGE, PatientDialog
from app.ui.main_window import MainWindow
from app.ui.navigation import ViewMode
from app.ui.workers import TaskRunner
from tests.conftest import ZONE
from tests.gui.desks import TUESDAY, Desk, at, click, show
from tests.logins import signed_in_fixture  # noqa: F401


@pytest.fixture
def open_editor(qtbot, runner):
    def open_it(clinic, patient_id: int) -> PatientDialog:
        dialog = PatientDialog(runner, clinic, patient_id)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: not runner.busy)  # the patient is read
        return dialog

    return open_it


def retype(qtbot, dialog: PatientDialog, field: str, value: str, *, leave: bool = True) -> None:
    """Replace a field's text as a receptionist would, then (by default) move on to the next field."""
    edit = dialog.form.edits[field]
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, value)
    if leave:
        edit.editingFinished.emit()


def stored(clinic, patient_id: int) -> patients.Patient:
    return patients.get_patient(clinic, patient_id)


def test_a_receptionist_corrects_a_name_and_a_phone_number(qtbot, runner, signed_in, clinic, patient_id, open_editor):
    _, desk = signed_in("receptionist")
    dialog = open_editor(desk, patient_id)
    before = stored(clinic, patient_id)
    assert {field: edit.text() for field, edit in dialog.form.edits.items()} == {
        "first_name": "Ada",
        "last_name": before.last_name,
        "date_of_birth": "1980-05-17",
        "phone": "+49 30 1234567",
        "email": "",
    }
    retype(qtbot, dialog, "first_name", "Adele")
    retype(qtbot, dialog, "phone", "+49 30 7654321")
    with qtbot.waitSignal(dialog.changed) as saved:
        click(qtbot, dialog.save_button)
    assert saved.args == [patient_id]
    assert dialog.result() == QDialog.DialogCode.Accepted
    after = stored(clinic, patient_id)
    assert (after.first_name, after.phone, after.last_name) == ("Adele", "+49 30 7654321", before.last_name)


def test_bad_input_is_named_at_its_field_and_nothing_is_written(qtbot, runner, clinic, patient_id, open_editor):
    dialog = open_editor(clinic, patient_id)
    before = stored(clinic, patient_id)
    retype(qtbot, dialog, "last_name", "")
    retype(qtbot, dialog, "date_of_birth", "17.05.1980")
    retype(qtbot, dialog, "email", "not an address", leave=False)  # still typing: not told off yet

    assert dialog.field_errors.message("last_name") == "Must not be empty"
    assert dialog.form.edits["last_name"].property("invalid") is True
    assert dialog.field_errors.message("date_of_birth") != ""
    assert dialog.field_errors.message("email") == ""
    assert dialog.hint_label.text().startswith("Email: ")
    assert not dialog.save_button.isEnabled()

    dialog.save()  # asked to save anyway (Save is disabled): every problem shows
    assert dialog.field_errors.message("email") != ""
    assert dialog.hint_label.text() == ""
    assert dialog.isVisible() and not runner.busy
    assert stored(clinic, patient_id) == before

    retype(qtbot, dialog, "last_name", "Byron")  # fixing a field clears its message as you type
    assert dialog.field_errors.message("last_name") == ""


def test_a_role_that_may_not_edit_patients_is_refused_plainly(qtbot, signed_in, clinic, patient_id, open_editor):
    _, manager = signed_in("manager")
    dialog = open_editor(manager, patient_id)  # the window would not offer it: the database is the guard
    retype(qtbot, dialog, "first_name", "Eve")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.banner.text() != "")
    assert "may not do this" in dialog.banner.text()
    assert dialog.form.edits["first_name"].text() == "Eve" and dialog.save_button.isEnabled()
    assert stored(clinic, patient_id).first_name == "Ada"


def test_a_patient_removed_meanwhile_is_said_so(qtbot, runner, engine, clinic, patient_id, open_editor):
    dialog = open_editor(clinic, patient_id)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM patients WHERE id = :id"), {"id": patient_id})
    retype(qtbot, dialog, "first_name", "Adele")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.banner.text() != "")
    assert dialog.banner.text() == sentence(GONE_MESSAGE)
    assert dialog.isVisible()


def test_saving_waits_while_offline_and_keeps_what_was_typed(qtbot, runner, clinic, patient_id, open_editor):
    dialog = open_editor(clinic, patient_id)
    retype(qtbot, dialog, "first_name", "Adele")
    dialog.set_write_block(OFFLINE_MESSAGE)
    assert not dialog.save_button.isEnabled()
    assert dialog.banner.text() == sentence(OFFLINE_MESSAGE)
    dialog.save()
    assert not runner.busy and stored(clinic, patient_id).first_name == "Ada"

    dialog.set_write_block(None)
    assert dialog.save_button.isEnabled() and not dialog.banner.isVisible()
    assert dialog.form.edits["first_name"].text() == "Adele"


# --- where the window offers it ---


@pytest.fixture
def receptionists_window(qtbot, tmp_path, monkeypatch, staff_login, clinic):
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    desk = Desk(staff_login("receptionist")[1])
    settings = QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat)
    window = desk.open(qtbot, settings, TaskRunner())
    qtbot.waitUntil(lambda: window.desk.permissions is not None)
    yield window
    desk.close()  # before staff_login drops the login


def save_new_last_name(qtbot, window: MainWindow, name: str) -> None:
    editor = window.findChild(PatientDialog)
    qtbot.waitUntil(lambda: editor.form.isEnabled())
    retype(qtbot, editor, "last_name", name)
    with qtbot.waitSignal(editor.changed):
        click(qtbot, editor.save_button)
    qtbot.waitUntil(lambda: not window.runner.busy)


def test_the_details_and_the_find_dialog_edit_the_patient_and_show_the_new_name(
    qtbot, receptionists_window, clinic, provider_id, patient_id
):
    window = receptionists_window
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 10))
    )
    show(qtbot, window, TUESDAY, ViewMode.DAY, provider_id)
    details = window.open_appointment(appointment_id)
    finder = window.dialogs.find_patient()
    finder.search.set_query(stored(clinic, patient_id).last_name)
    qtbot.waitUntil(lambda: finder.search.result_count() == 1)
    assert not finder.edit_button.isEnabled()  # no patient chosen yet
    finder.search.choose_row(0)
    qtbot.waitUntil(lambda: not window.runner.busy)

    click(qtbot, finder.edit_button)
    save_new_last_name(qtbot, window, "Byron")
    qtbot.waitUntil(lambda: finder.search.query_edit.text() == "Ada Byron")
    assert finder.search.chosen.last_name == "Byron"
    qtbot.waitUntil(lambda: details.patient_label.text() == "Ada Byron")

    click(qtbot, details.edit_patient_button)
    save_new_last_name(qtbot, window, "King")
    qtbot.waitUntil(lambda: details.patient_label.text() == "Ada King")
    qtbot.waitUntil(lambda: finder.history_label.text().startswith("Ada King: 1 appointment"))
    assert stored(clinic, patient_id).last_name == "King"


def test_fields_stay_where_they_are_when_a_message_comes_and_goes(qtbot, clinic, patient_id, open_editor):
    dialog = open_editor(clinic, patient_id)
    below = dialog.form.edits["email"]  # under the date of birth
    where = below.mapTo(dialog, below.rect().topLeft())
    retype(qtbot, dialog, "date_of_birth", "not a date")
    assert dialog.field_errors.message("date_of_birth") != ""
    assert below.mapTo(dialog, below.rect().topLeft()) == where, "the message has a line of its own"
    retype(qtbot, dialog, "date_of_birth", "1980-05-17")
    assert dialog.field_errors.message("date_of_birth") == ""
    assert below.mapTo(dialog, below.rect().topLeft()) == where
