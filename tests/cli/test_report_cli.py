"""`clinic-scheduler report`: the reports as a table and as CSV; `bench-reports` on a small table."""

import csv

from app.domain.models import BookingRequest
from app.services import booking
from tests.cli.runner import database_names, run_one
from tests.cli.test_cli import DAY, at


def test_report_prints_a_table_and_writes_a_csv_that_round_trips(cli_env, desk, real_clinic, tmp_path):
    for patient, hour in (("ada", 9), ("bob", 10)):
        booking.book(
            real_clinic, BookingRequest(provider_id=desk["provider"], patient_id=desk[patient], start=at(DAY, hour))
        )
    days = ["--from", DAY.isoformat(), "--to", DAY.isoformat()]
    shown = run_one(cli_env, "report", "utilisation", *days)
    assert shown.code == 0, shown.err
    header, mine, total = shown.out.splitlines()
    assert header.split() == ["period", "provider_id", "provider_name", "open_minutes", "booked_minutes", "ratio"]
    assert mine.split() == [DAY.isoformat(), str(desk["provider"]), "Dr.", "Command", "Line", "480", "60", "12.5%"]
    assert total.split() == [DAY.isoformat(), "-", "All", "providers", "480", "60", "12.5%"]

    sheet = tmp_path / "no-shows.csv"
    written = run_one(cli_env, "report", "no-shows", *days, "--provider", str(desk["provider"]), "--csv", str(sheet))
    assert written.code == 0, written.err
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbf")
    with sheet.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(row["provider_id"], row["appointments"], row["due"], row["no_shows"]) for row in rows] == [
        (str(desk["provider"]), "2", "0", "0"),
        ("", "2", "0", "0"),
    ]  # booked for days to come: not due yet
    assert rows[0]["no_show_rate"] == ""  # no rate over nothing due

    for name in ("lead-time", "types"):
        result = run_one(cli_env, "report", name, *days)
        assert result.code == 0 and len(result.out.splitlines()) >= 2, result.err
    waiting = run_one(cli_env, "report", "waitlist")
    assert waiting.code == 0 and [line.split()[1] for line in waiting.out.splitlines()[1:]] == [
        "urgent", "normal", "low", "all",
    ]  # fmt: skip


def test_report_names_a_wrong_argument(cli_env):
    wrong = run_one(cli_env, "report", "types", "--from", "someday", "--to", DAY.isoformat())
    assert (wrong.code, wrong.err.strip()) == (2, "error: from: 'someday' is not a date (YYYY-MM-DD)")
    backwards = run_one(cli_env, "report", "utilisation", "--from", DAY.isoformat(), "--to", "2020-01-01")
    assert backwards.code == 2 and "last_day" in backwards.err


def test_bench_reports_times_every_report_over_a_small_table(cli_env, admin_url):
    before = database_names(admin_url)
    result = run_one({**cli_env, "DATABASE_URL": admin_url}, "bench-reports", "--appointments", "2000", "--repeat", "1")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("reports over ") and "appointments in the table" in lines[0]
    assert lines[1].split() == ["report", "rows", "service", "psycopg", "pgbench", "ratio"]
    names = [line[:22].strip() for line in lines[2:]]
    assert names == ["utilisation by day", "utilisation by week", "no-shows", "lead time", "types", "waitlist"]
    counts = {line[:22].strip(): int(line[22:29]) for line in lines[2:]}
    assert counts["no-shows"] == counts["lead time"] == 21 and counts["types"] == 4 and counts["waitlist"] == 4
    assert database_names(admin_url) == before, "the throwaway database is dropped"
