"""The rooms dialog against a real database: add a room, rename it, and see it kept in use while booked."""

from datetime import datetime

from PySide6.QtCore import Qt

from app.domain.models import BookingRequest
from app.services import appointment_types, booking, rooms
from app.ui.admin.rooms_dialog import RoomsDialog
from tests.conftest import ZONE, new_patient


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_add_a_room_then_taking_a_booked_one_out_of_use_is_refused_with_the_list(qtbot, runner, clinic, provider_id):
    dialog = RoomsDialog(runner, clinic)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not runner.busy)
    click(qtbot, dialog.add_button)
    qtbot.keyClicks(dialog.name_edit, "Procedure 1")
    qtbot.keyClicks(dialog.kind_edit, "procedure room")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.item_list.count() == 1 and not runner.busy)
    [room] = rooms.list_rooms(clinic)
    assert (room.name, room.kind, room.active) == ("Procedure 1", "procedure room", True)

    surgery = appointment_types.add_type(
        clinic, "surgery", "Surgery", "#aa3300", minutes=60, room_kind="procedure room"
    )
    start = datetime(2030, 1, 8, 9, tzinfo=ZONE)
    booked = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=start, type_id=surgery)
    )
    dialog.active_check.setChecked(False)
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.affected.isVisible())
    assert f"(appointment {booked})" in dialog.affected.item(0).text()
    assert rooms.list_rooms(clinic)[0].active
