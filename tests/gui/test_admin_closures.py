"""The clinic closures dialog against a real database: add one, see it refused over bookings, remove it."""

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt

from app.domain.models import BookingRequest
from app.services import booking, closures
from app.ui.admin.closures_dialog import ClosuresDialog
from tests.conftest import ZONE, new_patient


def set_stretch(dialog: ClosuresDialog, start: datetime, end: datetime, reason: str) -> None:
    dialog.editor.from_edit.setDateTime(QDateTime(start.replace(tzinfo=None)))
    dialog.editor.to_edit.setDateTime(QDateTime(end.replace(tzinfo=None)))
    dialog.editor.reason_edit.setText(reason)


def test_add_a_closure_then_one_over_a_booking_is_refused_with_the_list(qtbot, runner, clinic, provider_id):
    dialog = ClosuresDialog(runner, clinic)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not runner.busy)
    assert dialog.editor.empty_label.isVisible()

    set_stretch(dialog, datetime(2030, 1, 10), datetime(2030, 1, 11), "Staff training")
    qtbot.mouseClick(dialog.editor.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.editor.list.count() == 1)
    assert "Staff training" in dialog.editor.list.item(0).text()
    assert [c.reason for c in closures.upcoming_closures(clinic)] == ["Staff training"]

    booked = booking.book(
        clinic,
        BookingRequest(
            provider_id=provider_id, patient_id=new_patient(clinic), start=datetime(2030, 1, 8, 9, tzinfo=ZONE)
        ),
    )
    set_stretch(dialog, datetime(2030, 1, 8), datetime(2030, 1, 9), "Holiday")
    qtbot.mouseClick(dialog.editor.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.affected.isVisible())
    assert f"(appointment {booked})" in dialog.affected.item(0).text()
    assert dialog.editor.errors.message("starts_at").startswith("The closure covers 1 upcoming appointment")
    assert len(closures.upcoming_closures(clinic)) == 1

    dialog.editor.list.setCurrentRow(0)
    qtbot.mouseClick(dialog.editor.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.editor.list.count() == 0 and not runner.busy)
    assert closures.upcoming_closures(clinic) == []
