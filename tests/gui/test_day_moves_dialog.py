"""The "provider cannot come" dialog: one action moves what can move and lists whom to call."""

from datetime import date, datetime, time

from PySide6.QtCore import QDate, Qt

from app.domain.models import BookingRequest
from app.services import booking, schedule
from app.services.providers import add_provider
from app.ui.dialogs.day_moves_dialog import DayMovesDialog
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient

TUESDAY, WEDNESDAY = date(2030, 1, 8), date(2030, 1, 9)


def test_moves_and_lists_whom_to_call(qtbot, runner, clinic):
    sick = add_provider(clinic, "Dr. Sick", WEEKDAY_HOURS, "General practice")
    free = add_provider(clinic, "Dr. Free", {2: WEEKDAY_HOURS[2]}, "General practice")  # Tuesdays only
    for day, name in ((TUESDAY, "Ann"), (WEDNESDAY, "Ben")):
        start = datetime.combine(day, time(9), tzinfo=ZONE)
        booking.book(clinic, BookingRequest(provider_id=sick, patient_id=new_patient(clinic, name), start=start))
    dialog = DayMovesDialog(runner, clinic)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.provider_combo.count() == 2)
    dialog.provider_combo.setCurrentIndex(dialog.provider_combo.findText("Dr. Sick (General practice)"))
    dialog.from_edit.setDate(QDate(2030, 1, 8))
    dialog.to_edit.setDate(QDate(2030, 1, 9))
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_label.text() == "1 moved to another provider, 1 to call")
    assert "Ann" in dialog.moved_list.item(0).text() and dialog.moved_list.item(0).text().endswith("→  Dr. Free")
    assert "Ben" in dialog.call_list.item(0).text() and "·  +" in dialog.call_list.item(0).text()
    assert [a.provider_id for a in schedule.schedule(clinic, TUESDAY, WEDNESDAY)] == [free, sick]
