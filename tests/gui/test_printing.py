"""Printed sheets, read back from their PDF with pypdf: the day sheet holds every live appointment of the day and no
cancelled one; long days break between rows, never inside one, and every page says "Page N of M"; the side-by-side,
room and week sheets and the appointment card say what they are for."""

from datetime import date, datetime, time, timedelta

import pytest

from app.domain.models import BookingRequest, PatientIn
from app.services import appointment_types, booking, rooms
from app.services.patients import create_patient
from app.services.providers import add_provider
from app.ui import sheets
from app.ui.sheet_painter import write_pdf
from tests.conftest import WEEKDAY_HOURS, ZONE
from tests.pdf_text import pdf_pages

TUESDAY = date(2030, 1, 8)
CLINIC = "Praxis am Markt"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def patient(clinic, first: str, last: str, phone: str = "+49 30 555") -> int:
    return create_patient(clinic, PatientIn(first_name=first, last_name=last, date_of_birth="1984-03-02", phone=phone))


def book(clinic, provider_id: int, patient_id: int, start: datetime, notes: str = "", **more) -> int:
    request = BookingRequest(provider_id=provider_id, patient_id=patient_id, start=start, notes=notes, **more)
    return booking.book(clinic, request)


def test_the_day_sheet_holds_every_live_appointment_of_the_day(qapp, clinic, provider_id, tmp_path):
    names = [("Şule", "Yılmaz"), ("Ada", "Lovelace"), ("Grace", "Hopper"), ("Kofi", "Mensah"), ("Li", "Wei")]
    hours = (8, 9, 10, 11, 13)  # 12 is the lunch break
    ids = [
        book(clinic, provider_id, patient(clinic, *name), at(TUESDAY, hour))
        for hour, name in zip(hours, names, strict=True)
    ]
    booking.cancel(clinic, ids[2])
    book(clinic, provider_id, patient(clinic, "Next", "Day"), at(TUESDAY + timedelta(days=1), 9))

    path = tmp_path / "day.pdf"
    assert write_pdf(sheets.day_sheet(clinic, TUESDAY, CLINIC, provider_id=provider_id), str(path), "Printed") == 1
    (text,) = pdf_pages(path)
    assert CLINIC in text and "Tuesday 8 January 2030" in text and "Page 1 of 1" in text
    for n, (first, last) in enumerate(names):
        assert (f"{first} {last}" in text) == (n != 2), first  # the cancelled one is not on the sheet
    assert "08:00–08:30" in text and "13:00–13:30" in text and "Next Day" not in text


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_long_day_breaks_between_rows_and_numbers_its_pages(qapp, clinic, provider_id, tmp_path, paper):
    long_note = "Bring the referral letter and the last blood test results; wheelchair access needed. " * 2
    people = []
    for n in range(16):
        start = at(TUESDAY, 8) + timedelta(minutes=30 * n)
        if start.hour == 12:
            continue  # the lunch break
        phone = f"+49 30 {1000 + n}"
        book(clinic, provider_id, patient(clinic, "Patient", f"Number{n}", phone), start, long_note)
        people.append((f"Patient Number{n}", phone))
    path = tmp_path / "long.pdf"
    sheet = sheets.day_sheet(clinic, TUESDAY, CLINIC, provider_id=provider_id)
    tall = sheets.Sheet(sheet.heading, sheet.columns, sheet.rows * 4)  # the day four times over: several pages

    count = write_pdf(tall, str(path), "Printed", paper)
    pages = pdf_pages(path)
    assert count == len(pages) > 1
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {count}" in text and CLINIC in text and "Patient Phone Type" in text
    for name, phone in people:  # each row whole on one page, its name right before its phone, four times in all
        assert sum(page.count(f"{name} {phone} ") for page in pages) == 4, name


def test_side_by_side_room_and_week_sheets(qapp, clinic, provider_id, tmp_path):
    other = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS)
    surgery = appointment_types.add_type(clinic, "surgery", "Minor surgery", "#aa3300", minutes=60, room_kind="proc")
    room = rooms.add_room(clinic, "Procedure 1", "proc")
    book(clinic, provider_id, patient(clinic, "Ada", "Lovelace"), at(TUESDAY, 9))
    book(clinic, other, patient(clinic, "Grace", "Hopper"), at(TUESDAY, 9), type_id=surgery, room_id=room)
    book(clinic, provider_id, patient(clinic, "Kofi", "Mensah"), at(TUESDAY + timedelta(days=2), 10))

    side = sheets.day_sheet(clinic, TUESDAY, CLINIC)
    assert [title for title, _weight in side.columns][1:] == sorted(
        [title for title, _weight in side.columns][1:]
    ) and "Dr. Second" in [title for title, _weight in side.columns]
    assert len(side.rows) == 1  # both at 09:00: one row, a cell per provider
    write_pdf(side, str(tmp_path / "all.pdf"), "Printed")
    (text,) = pdf_pages(tmp_path / "all.pdf")
    assert "All providers" in text and "Ada Lovelace" in text and "Grace Hopper" in text

    write_pdf(sheets.day_sheet(clinic, TUESDAY, CLINIC, room_id=room), str(tmp_path / "room.pdf"), "Printed")
    (text,) = pdf_pages(tmp_path / "room.pdf")
    assert "Room Procedure 1" in text and "Grace Hopper" in text and "Ada Lovelace" not in text

    write_pdf(sheets.week_sheet(clinic, TUESDAY, CLINIC, provider_id), str(tmp_path / "week.pdf"), "Printed")
    (text,) = pdf_pages(tmp_path / "week.pdf")
    assert "Tuesday 8 January 2030" in text and "Thursday 10 January 2030" in text and "Kofi Mensah" in text
    assert "Wednesday" not in text and "Grace Hopper" not in text  # a day without appointments has no heading


def test_the_appointment_card_lists_the_next_appointments_under_the_clinic_s_address(
    qapp, clinic, provider_id, tmp_path
):
    ada = patient(clinic, "Ada", "Lovelace")
    first = book(clinic, provider_id, ada, at(TUESDAY, 9))
    book(clinic, provider_id, ada, at(TUESDAY + timedelta(days=7), 10))
    booking.cancel(clinic, first)
    card = sheets.appointment_card(clinic, ada, CLINIC, "Marktplatz 1\n10115 Berlin\n")
    write_pdf(card, str(tmp_path / "card.pdf"), "Printed")
    (text,) = pdf_pages(tmp_path / "card.pdf")
    assert "Marktplatz 1" in text and "10115 Berlin" in text and "Appointments for Ada Lovelace" in text
    assert "Tue 15 Jan 2030" in text and "Tue 8 Jan 2030" not in text  # the cancelled one is not on it


def test_a_row_taller_than_a_page_is_cut_to_fit_and_a_heading_never_stands_alone(qapp, tmp_path):
    """The longest notes an appointment may have (2,000 characters) in a narrow column: taller than a page. The
    row is cut to fit its page and says so; the day's heading before it stays with it; nothing runs off the page."""
    longest = " ".join(f"note{n:04d}" for n in range(222))[:2000]
    rows = (
        sheets.SheetRow(("Tuesday 8 January 2030",), heading=True),
        sheets.SheetRow(("09:00–09:30", "Ada Lovelace", "+49 30 5551", "Consultation", "Booked", longest)),
        sheets.SheetRow(("10:00–10:30", "Grace Hopper", "+49 30 5552", "Consultation", "Booked", "")),
    )
    sheet = sheets.Sheet((CLINIC, "Dr. Test", "a week"), sheets.DETAIL_COLUMNS, rows)
    path = tmp_path / "tall.pdf"
    write_pdf(sheet, str(path), "Printed", "letter")
    pages = pdf_pages(path)
    assert len(pages) == 2 and "Tuesday 8 January 2030 09:00–09:30 Ada Lovelace" in pages[0]
    assert (
        "..." in pages[0] and "note0000" in pages[0] and "note0221" not in pages[0]
    )  # cut, and marked ("…", as NFKC reads it)
    assert pages[0].rstrip().endswith("Printed")  # the footer last: nothing painted below it
    assert "Grace Hopper" in pages[1]
