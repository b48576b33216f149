"""File → Export…: starts from the days and the provider shown; saves a CSV a spreadsheet reads (the chosen statuses
only) and an iCalendar file of one provider, which it insists on."""

import csv
from datetime import timedelta

from icalendar import Calendar

from app.domain.models import BookingRequest
from app.services import booking
from app.ui.dialogs.export_dialog import ICS, ExportDialog
from app.ui.navigation import ViewMode
from tests.conftest import new_patient
from tests.gui.desks import TUESDAY, at, click, show


def test_export_saves_the_shown_week_as_csv_and_one_provider_s_calendar(
    qtbot, desks, db_url, clinic, provider_id, tmp_path
):
    ada = new_patient(clinic, "Ada", "Lovelace")
    first, second = (
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=ada, start=at(TUESDAY, hour)))
        for hour in (9, 10)
    )
    booking.cancel(clinic, second)
    _desk, window = desks(db_url)
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    window.export_action.trigger()
    dialog = next(d for d in window.dialogs.open_dialogs() if isinstance(d, ExportDialog))
    qtbot.waitUntil(lambda: dialog.provider_combo.currentData() == provider_id)
    monday = TUESDAY - timedelta(days=1)  # the week shown, Monday to Sunday
    assert (dialog.from_edit.date().toPython(), dialog.to_edit.date().toPython()) == (monday, monday + timedelta(6))

    sheet, calendar = tmp_path / "week.csv", tmp_path / "week.ics"
    dialog.ask_path = lambda _suggested, kinds: str(sheet if "CSV" in kinds else calendar)
    dialog.status_boxes["cancelled"].setChecked(False)
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.message.text() == f"Saved {sheet}.")
    with sheet.open(encoding="utf-8-sig", newline="") as file:
        assert [int(row["appointment_id"]) for row in csv.DictReader(file)] == [first]

    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(ICS))
    dialog.provider_combo.setCurrentIndex(0)  # all providers: not for a calendar
    assert not dialog.save_button.isEnabled() and "one provider's" in dialog.message.text()
    dialog.provider_combo.setCurrentIndex(dialog.provider_combo.findData(provider_id))
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.message.text() == f"Saved {calendar}.")
    events = Calendar.from_ical(calendar.read_bytes()).walk("VEVENT")
    assert sorted(str(event["status"]) for event in events) == ["CANCELLED", "CONFIRMED"]
    assert all("Ada" not in str(event["summary"]) for event in events)
