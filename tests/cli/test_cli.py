"""The clinic-scheduler command, run for real as a subprocess against a test database.

The command uses the real clock, so the dates here are relative to today: a Tuesday three to four weeks
ahead (inside the default 365-day booking horizon) and a Tuesday in the past week.
"""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from app.config import DEFAULT_HORIZON_DAYS
from app.db import migrate
from app.desktop_libraries import missing_desktop_packages
from app.domain.models import BookingRequest
from app.services import booking
from tests.cli.runner import run, run_one
from tests.integration.db_state import table_state

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = datetime.now(BERLIN).date()


def tuesday_on_or_after(day: date) -> date:
    return day + timedelta(days=(2 - day.isoweekday()) % 7)


DAY = tuesday_on_or_after(TODAY + timedelta(days=21))
PAST_DAY = tuesday_on_or_after(TODAY - timedelta(days=7))
assert TODAY < DAY < TODAY + timedelta(days=DEFAULT_HORIZON_DAYS) and PAST_DAY < TODAY
UNKNOWN = 999_999
TAKEN = "error: that time is already booked; pick another slot"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def wall(day: date, hour: int, minute: int = 0) -> str:
    """A time as typed at the desk: no offset, so read in the clinic's zone."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def appointment(engine, appointment_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT status, starts_at, ends_at, patient_id FROM appointments WHERE id = :id"),
            {"id": appointment_id},
        ).one()


def test_db_upgrade_records_the_clinic_zone_once_and_then_changes_nothing(cli_env, engine):
    first = run_one(cli_env, "db", "upgrade")
    assert first.code == 0, first.err
    head = migrate.head_revision()
    assert f"schema {head} -> {head}" in first.out
    with engine.connect() as conn:
        assert migrate.recorded_zone(conn) == "Europe/Berlin"  # CLINIC_TIMEZONE, for the database's hours check

    before = table_state(engine)
    again = run_one({**cli_env, "CLINIC_TIMEZONE": "Asia/Tokyo"}, "db", "upgrade")
    assert again.code == 0, again.err
    assert table_state(engine) == before  # the first zone recorded stays


def test_slots_then_book_then_the_time_is_gone(cli_env, engine, desk):
    slots = ["slots", "--provider", str(desk["provider"]), "--date", DAY.isoformat()]
    listed = run_one(cli_env, *slots)
    assert listed.code == 0, listed.err
    lines = listed.out.splitlines()
    expected = [at(DAY, h, m) for h in (8, 9, 10, 11, 13, 14, 15, 16) for m in (0, 30)]
    assert [datetime.fromisoformat(line) for line in lines] == expected
    for line in lines:  # ISO 8601 in the clinic's zone, with its offset
        assert line == at(DAY, 0).replace(hour=int(line[11:13]), minute=int(line[14:16])).isoformat()

    booked = run_one(
        cli_env, "book", "--provider", str(desk["provider"]), "--patient", str(desk["ada"]), "--start", wall(DAY, 9)
    )
    assert booked.code == 0, booked.err
    appointment_id = int(booked.out.strip())
    row = appointment(engine, appointment_id)
    assert (row.status, row.starts_at, row.ends_at, row.patient_id) == (
        "booked",
        at(DAY, 9),  # 09:00 without an offset was read as 09:00 in Berlin
        at(DAY, 9, 30),
        desk["ada"],
    )

    after = run_one(cli_env, *slots)
    assert after.code == 0, after.err
    assert [datetime.fromisoformat(line) for line in after.out.splitlines()] == [t for t in expected if t != at(DAY, 9)]

    before = table_state(engine)
    taken = run_one(
        cli_env, "book", "--provider", str(desk["provider"]), "--patient", str(desk["bob"]), "--start", wall(DAY, 9)
    )
    assert (taken.code, taken.out, taken.err.strip()) == (3, "", TAKEN)
    assert table_state(engine) == before


def test_book_with_an_offset_and_a_request_id_books_once(cli_env, engine, desk):
    start = at(DAY, 14).astimezone(UTC).isoformat()  # e.g. 2026-...T13:00:00+00:00
    args = ["book", "--provider", str(desk["provider"]), "--patient", str(desk["ada"]), "--start", start]
    request = ["--request-id", "0b7d3c52-8c1e-4c7e-9d6a-5a3f1f0e2a11"]
    first, again = run(cli_env, [*args, *request], [*args, *request])
    assert (first.code, again.code) == (0, 0), (first.err, again.err)
    assert first.out == again.out
    assert appointment(engine, int(first.out)).starts_at == at(DAY, 14)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM appointments")).scalar_one() == 1


def test_invalid_commands_exit_2_with_a_clear_message_and_write_nothing(cli_env, engine, desk):
    provider, ada = str(desk["provider"]), str(desk["ada"])
    cases = {
        ("book", "--provider", provider, "--patient", ada, "--start", "next tuesday"): (
            "error: start: 'next tuesday' is not an ISO 8601 time (e.g. 2030-01-08T09:00)"
        ),
        ("book", "--provider", provider, "--patient", str(UNKNOWN), "--start", wall(DAY, 9)): (
            "error: patient_id: no such patient"
        ),
        ("book", "--provider", provider, "--patient", ada, "--start", wall(DAY, 9, 10)): (
            "error: start: is not on the provider's slot grid (choose one of the listed times)"
        ),
        (
            "book",
            "--provider",
            provider,
            "--patient",
            ada,
            "--start",
            wall(PAST_DAY, 9),
        ): "error: start: is in the past",
        ("slots", "--provider", provider, "--date", "31.12.2030"): (
            "error: date: '31.12.2030' is not a date (YYYY-MM-DD)"
        ),
        ("slots", "--provider", str(UNKNOWN), "--date", DAY.isoformat()): (
            f"error: provider_id: no provider with id {UNKNOWN}"
        ),
        ("cancel", "--appointment", str(UNKNOWN)): f"error: appointment_id: no appointment with id {UNKNOWN}",
        ("reschedule", "--appointment", str(UNKNOWN), "--start", wall(DAY, 10)): (
            f"error: appointment_id: no appointment with id {UNKNOWN}"
        ),
        ("slots", "--provider", "abc", "--date", DAY.isoformat()): "argument --provider: invalid int value: 'abc'",
    }
    before = table_state(engine)
    results = run(cli_env, *(list(args) for args in cases))
    for result, expected in zip(results, cases.values(), strict=True):
        assert result.code == 2, (result.args, result.code, result.err)
        assert expected in result.err, (result.args, result.err)
        assert result.out == "", (result.args, result.out)
        assert "Traceback" not in result.err
    assert table_state(engine) == before


def test_reschedule_and_cancel(cli_env, engine, desk, real_clinic):
    ada = booking.book(
        real_clinic, BookingRequest(provider_id=desk["provider"], patient_id=desk["ada"], start=at(DAY, 9))
    )
    booking.book(real_clinic, BookingRequest(provider_id=desk["provider"], patient_id=desk["bob"], start=at(DAY, 11)))

    ten_in_utc = at(DAY, 10).astimezone(UTC).isoformat()  # an explicit offset is honoured
    moved = run_one(cli_env, "reschedule", "--appointment", str(ada), "--start", ten_in_utc)
    assert moved.code == 0, moved.err
    assert f"appointment {ada} moved to" in moved.out
    assert appointment(engine, ada).starts_at == at(DAY, 10)

    before = table_state(engine)
    failures = run(
        cli_env,
        ["reschedule", "--appointment", str(ada), "--start", wall(DAY, 11)],  # Bob's slot
        ["reschedule", "--appointment", str(ada), "--start", "soon"],
        ["reschedule", "--appointment", str(ada), "--start", wall(PAST_DAY, 9)],
        ["reschedule", "--appointment", str(ada), "--start", wall(DAY, 12)],
        ["cancel", "--appointment", "0"],
    )
    assert [(r.code, r.out) for r in failures] == [(3, ""), (2, ""), (2, ""), (2, ""), (2, "")], [
        r.err for r in failures
    ]
    assert failures[0].err.strip() == TAKEN
    assert "error: start: 'soon' is not an ISO 8601 time" in failures[1].err
    assert "error: start: is in the past" in failures[2].err
    assert table_state(engine) == before

    cancelled = run_one(cli_env, "cancel", "--appointment", str(ada))
    assert cancelled.code == 0, cancelled.err
    assert cancelled.out.strip() == f"appointment {ada} cancelled"
    assert appointment(engine, ada).status == "cancelled"
    moved_after_cancel = run_one(cli_env, "reschedule", "--appointment", str(ada), "--start", wall(DAY, 9))
    assert moved_after_cancel.code == 2
    assert "error: appointment_id: a cancelled appointment cannot be moved" in moved_after_cancel.err


def test_an_unreachable_database_exits_1_with_a_clear_message(cli_env):
    result = run_one(
        {**cli_env, "DATABASE_URL": "postgresql://desk@127.0.0.1:1/clinic"},
        "slots",
        "--provider",
        "1",
        "--date",
        DAY.isoformat(),
    )
    assert result.code == 1
    assert result.err.splitlines()[-1].startswith("error: the database is not available right now (connection failed:")
    assert "Traceback" not in result.err


def unused_display() -> str:
    """An X display number no X server of this machine has taken (no socket, no lock file)."""
    number = next(
        n for n in range(77, 200) if not any(Path(p).exists() for p in (f"/tmp/.X11-unix/X{n}", f"/tmp/.X{n}-lock"))
    )
    return f":{number}"


def test_a_desktop_qt_cannot_open_on_ends_with_a_sentence_not_a_core_dump(tmp_path):
    """No reachable display here, and (on a stock machine) some of Qt's X11 libraries missing: Qt would abort."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    display = unused_display()
    env.update(DISPLAY=display, CLINIC_CONFIG=str(tmp_path / "none.toml"))
    done = subprocess.run([sys.executable, "-m", "app"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "The desktop window cannot open" in done.stderr
    missing = missing_desktop_packages()
    if missing:
        assert f"sudo apt-get install {' '.join(missing)}" in done.stderr
    else:
        assert f"cannot reach the display '{display}'" in done.stderr
