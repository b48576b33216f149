"""`clinic-scheduler export csv|ics`: the files a spreadsheet and a calendar open; a wrong argument exits 2."""

import csv

from icalendar import Calendar

from app.domain.models import BookingRequest
from app.services import booking
from tests.cli.runner import run_one
from tests.cli.test_cli import DAY, at


def test_export_writes_a_csv_with_a_byte_order_mark_and_an_ics_a_calendar_reads(cli_env, desk, real_clinic, tmp_path):
    appointment = booking.book(
        real_clinic, BookingRequest(provider_id=desk["provider"], patient_id=desk["ada"], start=at(DAY, 9))
    )
    days = ["--from", DAY.isoformat(), "--to", DAY.isoformat()]
    sheet, calendar = tmp_path / "day.csv", tmp_path / "day.ics"
    written = run_one(cli_env, "export", "csv", *days, "-o", str(sheet))
    assert written.code == 0, written.err
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbf")
    with sheet.open(encoding="utf-8-sig", newline="") as file:
        assert [int(row["appointment_id"]) for row in csv.DictReader(file)] == [appointment]

    written = run_one(cli_env, "export", "ics", *days, "--provider", str(desk["provider"]), "-o", str(calendar))
    assert written.code == 0, written.err
    events = Calendar.from_ical(calendar.read_bytes()).walk("VEVENT")
    assert [str(event["uid"]) for event in events] == [f"appointment-{appointment}@clinic-scheduler"]

    wrong = run_one(cli_env, "export", "csv", "--from", "someday", "--to", DAY.isoformat(), "-o", str(sheet))
    assert (wrong.code, wrong.err.strip()) == (2, "error: from: 'someday' is not a date (YYYY-MM-DD)")
