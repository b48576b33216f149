"""The appointment types dialog against a real database: add, edit with a colour, remove, refusals, offline."""

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.services import booking
from app.ui.admin import types_dialog
from app.ui.admin.types_dialog import AppointmentTypesDialog
from app.ui.dialogs import questions
from app.ui.dialogs.field_errors import OFFLINE_MESSAGE
from tests.conftest import ZONE, new_patient


def types(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT code, name, color, is_default FROM appointment_types"))]


@pytest.fixture
def open_dialog(qtbot, runner, clinic):
    def open_it() -> AppointmentTypesDialog:
        dialog = AppointmentTypesDialog(runner, clinic)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.item_list.count() == 3)
        idle(qtbot, dialog, runner)
        return dialog

    return open_it


def idle(qtbot, dialog, runner) -> None:
    qtbot.waitUntil(lambda: not runner.busy and not dialog.busy)


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def choose(dialog: AppointmentTypesDialog, code: str) -> None:
    row = next(r for r in range(dialog.item_list.count()) if f"({code})" in dialog.item_list.item(r).text())
    dialog.item_list.setCurrentRow(row)


def answer_colour(monkeypatch, colour: str | None) -> list[str]:
    """Stand in for the person at the colour dialog; return the colours it was opened with."""
    asked: list[str] = []

    def pick(initial, _parent):
        asked.append(initial)
        return colour

    monkeypatch.setattr(types_dialog, "pick_color", pick)
    return asked


def test_add_a_type_with_a_colour(qtbot, runner, engine, open_dialog, monkeypatch):
    dialog = open_dialog()
    click(qtbot, dialog.add_button)
    assert not dialog.save_button.isEnabled() and dialog.field_errors.message("code") == ""
    qtbot.keyClicks(dialog.code_edit, "Bad Code")
    assert dialog.field_errors.message("code").startswith("Use 1 to 32 lower-case letters")
    dialog.code_edit.clear()
    qtbot.keyClicks(dialog.code_edit, "vaccination")
    qtbot.keyClicks(dialog.name_edit, "Vaccination")
    asked = answer_colour(monkeypatch, "#AA33cc")
    click(qtbot, dialog.color_button)
    assert asked == [types_dialog.NEW_COLOR] and dialog.color_button.text() == "#AA33cc"
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.save_button)
    idle(qtbot, dialog, runner)
    assert ("vaccination", "Vaccination", "#aa33cc", False) in types(engine)
    qtbot.waitUntil(lambda: dialog.item_list.count() == 4 and dialog.code_edit.text() == "vaccination")


def test_edit_a_type_and_make_it_the_default(qtbot, runner, engine, open_dialog, monkeypatch):
    dialog = open_dialog()
    choose(dialog, "procedure")
    assert dialog.name_edit.text() == "Procedure"
    answer_colour(monkeypatch, None)  # cancelled: the colour stays
    click(qtbot, dialog.color_button)
    assert dialog.color_button.text() == "#f59e0b"
    answer_colour(monkeypatch, "#123456")
    click(qtbot, dialog.color_button)
    dialog.name_edit.setText("Minor procedure")
    dialog.name_edit.textEdited.emit("Minor procedure")
    dialog.default_check.setChecked(True)
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.save_button)
    idle(qtbot, dialog, runner)
    rows = types(engine)
    assert ("procedure", "Minor procedure", "#123456", True) in rows
    assert [code for code, *_rest, default in rows if default] == ["procedure"]


def test_removing_a_type_in_use_is_refused_with_the_list(qtbot, runner, clinic, engine, provider_id, open_dialog):
    patient = new_patient(clinic, "Kofi", "Mensah")
    with engine.connect() as conn:
        follow_up = conn.execute(text("SELECT id FROM appointment_types WHERE code = 'follow_up'")).scalar_one()
    start = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
    booked = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=start, type_id=follow_up)
    )
    dialog = open_dialog()
    choose(dialog, "follow_up")
    before = types(engine)
    click(qtbot, dialog.remove_button)
    idle(qtbot, dialog, runner)
    assert dialog.banner.text().startswith("The type is still used by 1 appointment")
    assert dialog.affected.isVisible()
    assert dialog.affected.lines() == [f"Tue 08 Jan 2030 09:00 Kofi Mensah (appointment {booked})"]
    assert types(engine) == before


def test_removing_an_unused_type_asks_first(qtbot, runner, engine, open_dialog, monkeypatch):
    dialog = open_dialog()
    choose(dialog, "procedure")
    monkeypatch.setattr(questions, "confirm", lambda box: False)
    click(qtbot, dialog.remove_button)
    assert not runner.busy and len(types(engine)) == 3
    monkeypatch.setattr(questions, "confirm", lambda box: "Procedure" in box.text())
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.remove_button)
    idle(qtbot, dialog, runner)
    assert [code for code, *_rest in types(engine)] == ["consultation", "follow_up"]
    qtbot.waitUntil(lambda: dialog.item_list.count() == 2)


def test_a_code_in_use_is_shown_at_the_code(qtbot, runner, engine, open_dialog):
    dialog = open_dialog()
    choose(dialog, "procedure")
    dialog.code_edit.setText("follow_up")
    dialog.code_edit.textEdited.emit("follow_up")
    before = types(engine)
    click(qtbot, dialog.save_button)
    idle(qtbot, dialog, runner)
    assert dialog.field_errors.message("code") == "Another type already uses this code"
    assert types(engine) == before


def test_offline_disables_saving(qtbot, runner, open_dialog):
    dialog = open_dialog()
    assert dialog.save_button.isEnabled() and dialog.remove_button.isEnabled()
    dialog.set_write_block(OFFLINE_MESSAGE)
    assert not dialog.save_button.isEnabled() and not dialog.remove_button.isEnabled()
    assert dialog.banner.text().startswith("Offline")
    dialog.set_write_block(None)
    assert dialog.save_button.isEnabled() and not dialog.banner.isVisible()


def lengths(engine, code: str) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text("SELECT minutes, buffer_minutes FROM appointment_types WHERE code = :c"), {"c": code}
            ).one()
        )


def test_a_type_s_length_and_buffer_are_edited_and_shown_in_the_list(qtbot, runner, engine, open_dialog):
    dialog = open_dialog()
    choose(dialog, "procedure")
    assert dialog.minutes_spin.value() == 30 and dialog.buffer_spin.value() == 0
    dialog.minutes_spin.setValue(60)
    dialog.buffer_spin.setValue(15)
    qtbot.keyClicks(dialog.room_edit, "procedure room")
    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.save_button)
    idle(qtbot, dialog, runner)
    assert lengths(engine, "procedure") == (60, 15)
    qtbot.waitUntil(lambda: any("60 min + 15 · procedure room" in dialog.item_list.item(r).text() for r in range(3)))


def test_the_length_keeps_to_its_range(open_dialog):
    dialog = open_dialog()
    choose(dialog, "follow_up")
    dialog.minutes_spin.setValue(2)
    dialog.buffer_spin.setValue(500)
    assert (dialog.minutes_spin.value(), dialog.buffer_spin.value()) == (5, 120)
