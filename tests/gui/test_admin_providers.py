"""The providers dialog against a real database: add a provider with hours, edit hours, time off, refusals."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDateTime, Qt, QTime
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.services import booking, schedule
from app.ui.admin.providers_dialog import ProvidersDialog
from app.ui.admin.time_off_editor import TimeOffEditor
from app.ui.dialogs.field_errors import OFFLINE_MESSAGE
from tests.conftest import ZONE, new_patient

TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params).all()]


@pytest.fixture
def open_dialog(qtbot, runner, clinic):
    def open_it() -> ProvidersDialog:
        dialog = ProvidersDialog(runner, clinic)
        qtbot.addWidget(dialog)
        dialog.show()
        idle(qtbot, dialog, runner)
        return dialog

    return open_it


def idle(qtbot, dialog: ProvidersDialog, runner) -> None:
    qtbot.waitUntil(lambda: not runner.busy and not dialog.busy)


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_add_a_provider_with_hours(qtbot, runner, engine, open_dialog):
    dialog = open_dialog()
    click(qtbot, dialog.add_provider_button)
    assert not dialog.save_details_button.isEnabled(), "a provider needs a name"
    qtbot.keyClicks(dialog.name_edit, "Dr. Nadia Haddad")
    qtbot.keyClicks(dialog.specialty_edit, "Paediatrics")
    monday = dialog.hours_editor.days[1]
    click(qtbot, monday.add_button)
    click(qtbot, monday.add_button)  # a second block after the first
    monday.rows[0].end_edit.setTime(QTime(12, 0))
    monday.rows[1].start_edit.setTime(QTime(13, 0))
    monday.rows[1].end_edit.setTime(QTime(16, 0))
    monday.rows[1].slot_spin.setValue(20)
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.save_details_button)
    idle(qtbot, dialog, runner)
    (provider,) = rows(engine, "SELECT id, name, specialty, active FROM providers")
    assert provider[1:] == ("Dr. Nadia Haddad", "Paediatrics", True)
    assert rows(engine, "SELECT weekday, start_time, end_time, slot_minutes FROM working_hours") == [
        (1, time(9), time(12), 30),
        (1, time(13), time(16), 20),
    ]
    qtbot.waitUntil(lambda: dialog.selected_id == provider[0] and dialog.title_label.text() == "Dr. Nadia Haddad")


def test_edit_hours_and_bad_hours_are_pointed_out_before_saving(qtbot, runner, engine, provider_id, open_dialog):
    dialog = open_dialog()
    tuesday = dialog.hours_editor.days[2]
    qtbot.waitUntil(lambda: len(tuesday.rows) == 2)
    tuesday.rows[0].end_edit.setTime(QTime(7, 0))
    assert tuesday.error.text() == "A block must end after it starts"
    assert not dialog.save_hours_button.isEnabled()
    tuesday.rows[0].end_edit.setTime(QTime(11, 0))
    qtbot.mouseClick(tuesday.rows[1].remove_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.save_hours_button)
    idle(qtbot, dialog, runner)
    assert rows(engine, "SELECT start_time, end_time FROM working_hours WHERE weekday = 2") == [(time(8), time(11))]
    assert len(rows(engine, "SELECT id FROM working_hours WHERE weekday = 3")) == 2


def test_a_provider_s_own_length_for_a_type_is_set_and_given_back_to_the_type(
    qtbot, runner, clinic, engine, provider_id, open_dialog
):
    default_type = next(kind for kind in schedule.appointment_types(clinic) if kind.is_default)
    dialog = open_dialog()
    editor = dialog.lengths_editor
    qtbot.waitUntil(lambda: default_type.id in editor.boxes)
    box = editor.boxes[default_type.id]
    assert box.text() == "The type's (30 min)" and not dialog.save_lengths_button.isEnabled()
    box.setValue(45)
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.save_lengths_button)
    idle(qtbot, dialog, runner)
    assert rows(engine, "SELECT provider_id, type_id, minutes FROM provider_type_lengths") == [
        (provider_id, default_type.id, 45)
    ]
    qtbot.waitUntil(lambda: editor.boxes[default_type.id].value() == 45 and not editor.changes())
    editor.boxes[default_type.id].setValue(0)  # the type's own again
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.save_lengths_button)
    idle(qtbot, dialog, runner)
    assert rows(engine, "SELECT minutes FROM provider_type_lengths") == []


def test_add_and_remove_time_off(qtbot, runner, engine, provider_id, open_dialog):
    dialog = open_dialog()
    editor = dialog.time_off_editor
    editor.from_edit.setDateTime(QDateTime(datetime(2030, 1, 9, 13, 0)))
    editor.to_edit.setDateTime(QDateTime(datetime(2030, 1, 9, 12, 0)))
    assert not editor.add_button.isEnabled() and editor.errors.message("ends_at") == "Must be after starts_at"
    editor.to_edit.setDateTime(QDateTime(datetime(2030, 1, 9, 17, 0)))
    editor.reason_edit.setText("Training ‏עברית")  # typed through an input method: keyClicks knows only keys
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, editor.add_button)
    idle(qtbot, dialog, runner)
    assert rows(engine, "SELECT starts_at, ends_at, reason FROM time_off") == [
        (datetime(2030, 1, 9, 13, tzinfo=ZONE), datetime(2030, 1, 9, 17, tzinfo=ZONE), "Training ‏עברית")
    ]
    assert editor.list.count() == 1 and editor.list.item(0).text().startswith("Wed 09 Jan 2030 13:00 – 17:00")
    editor.list.setCurrentRow(0)
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, editor.remove_button)
    idle(qtbot, dialog, runner)
    assert rows(engine, "SELECT id FROM time_off") == []
    qtbot.waitUntil(lambda: editor.list.count() == 0)


def test_time_off_over_an_appointment_is_refused_with_the_list(qtbot, runner, clinic, engine, provider_id, open_dialog):
    patient = new_patient(clinic, "Amara", "Okafor")
    booked = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=TUESDAY_9))
    dialog = open_dialog()
    editor = dialog.time_off_editor
    editor.from_edit.setDateTime(QDateTime(datetime(2030, 1, 8, 0, 0)))
    editor.to_edit.setDateTime(QDateTime(datetime(2030, 1, 9, 0, 0)))
    click(qtbot, editor.add_button)
    idle(qtbot, dialog, runner)
    assert editor.errors.message("starts_at").startswith("The time off covers 1 upcoming appointment")
    assert dialog.time_off_affected.lines() == [f"Tue 08 Jan 2030 09:00 Amara Okafor (appointment {booked})"]
    assert rows(engine, "SELECT id FROM time_off") == []


def test_deactivating_with_upcoming_appointments_is_refused_with_the_list(
    qtbot, runner, clinic, engine, provider_id, open_dialog
):
    patient = new_patient(clinic, "Zoë", "Lindqvist")
    booked = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=TUESDAY_9))
    before = rows(engine, "SELECT name, active FROM providers")
    dialog = open_dialog()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Dr. Renamed Too")
    dialog.active_check.setChecked(False)
    click(qtbot, dialog.save_details_button)
    idle(qtbot, dialog, runner)
    assert dialog.field_errors.message("active").startswith("The provider still has 1 upcoming appointment")
    assert dialog.active_affected.isVisible()
    assert dialog.active_affected.lines() == [f"Tue 08 Jan 2030 09:00 Zoë Lindqvist (appointment {booked})"]
    assert rows(engine, "SELECT name, active FROM providers") == before, "nothing of the refused save is written"
    # Ticking Active again takes the refusal back, and the rename alone goes through.
    dialog.active_check.setChecked(True)
    assert not dialog.active_affected.isVisible() and dialog.field_errors.message("active") == ""
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.save_details_button)
    idle(qtbot, dialog, runner)
    assert rows(engine, "SELECT name, active FROM providers") == [("Dr. Renamed Too", True)]


def test_a_name_in_use_is_shown_at_the_name(qtbot, runner, clinic, engine, provider_id, open_dialog):
    from app.services.providers import add_provider

    add_provider(clinic, "Dr. Taken", {})
    dialog = open_dialog()
    qtbot.waitUntil(lambda: dialog.provider_list.count() == 2)
    names = [dialog.provider_list.item(row).text() for row in range(2)]
    dialog.provider_list.setCurrentRow(1 - names.index("Dr. Taken"))  # the other one
    idle(qtbot, dialog, runner)
    dialog.name_edit.setText("Dr. Taken")
    dialog.name_edit.textEdited.emit("Dr. Taken")
    click(qtbot, dialog.save_details_button)
    idle(qtbot, dialog, runner)
    assert dialog.field_errors.message("name") == "A provider with this name already exists"


def test_offline_disables_every_save_and_says_why(qtbot, runner, provider_id, open_dialog):
    dialog = open_dialog()
    saves = [dialog.save_details_button, dialog.save_hours_button, dialog.time_off_editor.add_button]
    assert all(button.isEnabled() for button in saves)
    dialog.set_write_block(OFFLINE_MESSAGE)
    assert not any(button.isEnabled() for button in saves)
    assert dialog.banner.isVisible() and dialog.banner.text().startswith("Offline")
    dialog.start_new_provider()
    qtbot.keyClicks(dialog.name_edit, "Dr. Offline")
    assert not dialog.save_details_button.isEnabled()
    dialog.set_write_block(None)
    assert dialog.save_details_button.isEnabled() and not dialog.banner.isVisible()


def test_receptionist_is_refused_and_told(qtbot, runner, staff_login, provider_id):
    from app.db.engine import make_engine
    from tests.conftest import make_clinic

    _name, url = staff_login("receptionist")
    engine = make_engine(url)
    try:
        dialog = ProvidersDialog(runner, make_clinic(engine))
        qtbot.addWidget(dialog)
        dialog.show()
        idle(qtbot, dialog, runner)
        qtbot.waitUntil(lambda: dialog._setup is not None)
        dialog.specialty_edit.setText("Changed")
        dialog.specialty_edit.textEdited.emit("Changed")
        click(qtbot, dialog.save_details_button)
        idle(qtbot, dialog, runner)
        assert "ask a clinic administrator" in dialog.banner.text()
    finally:
        runner.wait_for_done()
        engine.dispose()


def test_time_off_names_a_time_the_clocks_skip_and_says_which_of_a_twice_passed_time_it_takes(qtbot):
    editor = TimeOffEditor(ZoneInfo("Europe/Berlin"))
    qtbot.addWidget(editor)
    editor.from_edit.setDateTime(QDateTime(datetime(2030, 10, 27, 2, 30)))
    editor.to_edit.setDateTime(QDateTime(datetime(2030, 10, 27, 5, 0)))
    assert not editor.clock_note.isHidden()
    assert editor.clock_note.text() == (
        "2030-10-27 02:30 happens twice in Europe/Berlin (the clocks go back that night): taken as the first, CEST,"
        " before the change."
    )
    assert editor.add_button.isEnabled()

    editor.from_edit.setDateTime(QDateTime(datetime(2030, 3, 31, 2, 30)))
    editor.to_edit.setDateTime(QDateTime(datetime(2030, 3, 31, 5, 0)))
    assert editor.clock_note.isHidden()
    assert editor.errors.message("starts_at").startswith("2030-03-31 02:30 does not exist in Europe/Berlin")
    assert not editor.add_button.isEnabled()
