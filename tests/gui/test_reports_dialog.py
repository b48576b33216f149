"""File → Reports…: the numbers the services compute, in each report's table, with its charts; the report saved as
CSV (read back) and as PDF (its text read back), and a manager reads them too."""

import csv
from datetime import timedelta

from app.domain.models import BookingRequest
from app.services import booking, reports
from app.ui.dialogs.reports_dialog import ReportsDialog
from app.ui.report_pages import percent
from tests.conftest import new_patient
from tests.gui.desks import TUESDAY, at
from tests.pdf_text import pdf_pages


def reports_window(qtbot, window) -> ReportsDialog:
    dialog = window.dialogs.open_reports()
    qtbot.waitUntil(lambda: dialog.message.text().endswith(" 2030") and not window.runner.busy, timeout=20_000)
    return dialog


def test_the_reports_show_the_services_numbers_with_charts_and_save_them(
    qtbot, desks, db_url, clinic, provider, tmp_path
):
    for hour in (8, 9, 10):
        request = BookingRequest(provider_id=provider.id, patient_id=new_patient(clinic), start=at(TUESDAY, hour))
        appointment = booking.book(clinic, request)
    booking.change_status(clinic, appointment, "no_show")
    _desk, window = desks(db_url)
    dialog = reports_window(qtbot, window)

    utilisation = dialog.pages[0]
    expected = reports.utilisation(clinic, dialog.report_filter(), by="week")
    assert utilisation.rows == expected and len(utilisation.chart_views()) == 2
    tuesday_week = next(r for r in expected if r.provider_id == provider.id and r.period == TUESDAY - timedelta(1))
    assert tuesday_week.booked_minutes == 90
    cells = [[utilisation.model.item(r, c).text() for c in range(5)] for r in range(utilisation.model.rowCount())]
    assert [provider.name, "1.5", percent(tuesday_week.ratio)] == [
        c for row in cells if row[1] == provider.name and row[3] == "1.5" for c in (row[1], row[3], row[4])
    ]

    dialog.tabs.setCurrentIndex(1)  # no-shows
    attendance = dialog.current()
    mine = next(row for row in attendance.rows if row.provider_id == provider.id)
    # The no-show is due; the two still booked for later today are not yet.
    assert (mine.no_shows, mine.due) == (1, 1) and len(attendance.chart_views()) == 1
    sheet, paper = tmp_path / "no-shows.csv", tmp_path / "no-shows.pdf"
    dialog.ask_path = lambda _title, _suggested, kinds: str(sheet if "CSV" in kinds else paper)
    dialog.csv_button.click()
    with sheet.open(encoding="utf-8-sig", newline="") as file:
        read = list(csv.DictReader(file))
    assert [(row["provider_name"], row["no_shows"]) for row in read] == [
        (row.provider_name, str(row.no_shows)) for row in attendance.rows
    ]
    dialog.pdf_button.click()
    assert dialog.message.text() == f"Saved {paper}."
    (text,) = pdf_pages(paper)
    assert "Report: No-shows" in text and provider.name in text and "100.0 %" in text


def test_a_manager_reads_the_reports(qtbot, open_as):
    _name, window = open_as("manager")
    dialog = reports_window(qtbot, window)
    assert [view.page.title for view in dialog.pages] == ["Utilisation", "No-shows", "Lead time", "By type", "Waitlist"]
    assert dialog.pages[4].model.rowCount() == 4  # three priorities and the total, nobody waiting
