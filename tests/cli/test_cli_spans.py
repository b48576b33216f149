"""The command line with appointment types of their own lengths, and moves to another provider."""

from datetime import datetime

from sqlalchemy import text

from app.domain.models import BookingRequest
from app.services import appointment_types, booking, rooms
from app.services.providers import add_provider
from tests.cli.runner import run, run_one
from tests.cli.test_cli import DAY, TAKEN, at, wall
from tests.conftest import WEEKDAY_HOURS
from tests.integration.db_state import table_state

PATIENT_BUSY = "error: patient_id: the patient already has an appointment at that time"


def span(engine, appointment_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT provider_id, starts_at, ends_at, busy_until FROM appointments WHERE id = :id"),
            {"id": appointment_id},
        ).one()


def test_book_and_slots_by_type_code(cli_env, engine, desk, real_clinic):
    appointment_types.add_type(real_clinic, "surgery", "Minor surgery", "#aa3300", minutes=60, buffer_minutes=15)
    provider = str(desk["provider"])
    listed = run_one(cli_env, "slots", "--provider", provider, "--date", DAY.isoformat(), "--type", "surgery")
    assert listed.code == 0, listed.err
    starts = [datetime.fromisoformat(line) for line in listed.out.splitlines()]
    assert at(DAY, 10, 30) in starts and at(DAY, 11) not in starts  # 11:00 + 75 minutes runs past noon

    booked = run_one(
        cli_env,
        "book",
        "--provider",
        provider,
        "--patient",
        str(desk["ada"]),
        "--start",
        wall(DAY, 9),
        "--type",
        "surgery",
    )
    assert booked.code == 0, booked.err
    row = span(engine, int(booked.out))
    assert (row.starts_at, row.ends_at, row.busy_until) == (at(DAY, 9), at(DAY, 10), at(DAY, 10, 15))

    before = table_state(engine)
    refused = run(
        cli_env,
        ["book", "--provider", provider, "--patient", str(desk["bob"]), "--start", wall(DAY, 10)],  # in the buffer
        ["book", "--provider", provider, "--patient", str(desk["bob"]), "--start", wall(DAY, 13), "--type", "nope"],
    )
    assert [(r.code, r.err.strip()) for r in refused] == [
        (3, TAKEN),
        (2, "error: type: no appointment type 'nope'; the types are consultation, follow_up, procedure, surgery"),
    ]
    assert table_state(engine) == before


def test_a_patient_busy_elsewhere_exits_3_like_a_taken_time(cli_env, engine, desk, real_clinic):
    other = add_provider(real_clinic, "Dr. Elsewhere", WEEKDAY_HOURS)
    booking.book(real_clinic, BookingRequest(provider_id=other, patient_id=desk["ada"], start=at(DAY, 9)))
    before = table_state(engine)
    busy = run_one(
        cli_env, "book", "--provider", str(desk["provider"]), "--patient", str(desk["ada"]), "--start", wall(DAY, 9)
    )
    assert (busy.code, busy.out, busy.err.strip()) == (3, "", PATIENT_BUSY)
    assert table_state(engine) == before


def test_reschedule_to_another_provider(cli_env, engine, desk, real_clinic):
    other = add_provider(real_clinic, "Dr. Stand-in", WEEKDAY_HOURS)
    ada = booking.book(
        real_clinic, BookingRequest(provider_id=desk["provider"], patient_id=desk["ada"], start=at(DAY, 9))
    )
    moved = run_one(cli_env, "reschedule", "--appointment", str(ada), "--start", wall(DAY, 9), "--provider", str(other))
    assert moved.code == 0, moved.err
    assert (span(engine, ada).provider_id, span(engine, ada).starts_at) == (other, at(DAY, 9))


def test_next_free_prints_start_provider_and_room_a_line(cli_env, engine, desk, real_clinic):
    provider = str(desk["provider"])
    booking.book(real_clinic, BookingRequest(provider_id=desk["provider"], patient_id=desk["ada"], start=at(DAY, 8)))
    listed = run_one(cli_env, "next-free", "--provider", provider, "--from", DAY.isoformat(), "--count", "3")
    assert listed.code == 0, listed.err
    assert listed.out.splitlines() == [
        f"{at(DAY, h, m).isoformat()} {provider} -" for h, m in ((8, 30), (9, 0), (9, 30))
    ]

    refused = run(
        cli_env,
        ["next-free", "--count", "0"],
        ["next-free", "--type", "nope"],
        ["next-free", "--from", "soon"],
    )
    assert [(r.code, r.err.strip().splitlines()[-1]) for r in refused] == [
        (2, "error: count: Input should be greater than or equal to 1"),
        (2, "error: type: no appointment type 'nope'; the types are consultation, follow_up, procedure"),
        (2, "error: from: 'soon' is not a date (YYYY-MM-DD)"),
    ]


def test_book_with_a_room_and_next_free_names_the_room(cli_env, engine, desk, real_clinic):
    appointment_types.add_type(real_clinic, "surgery", "Surgery", "#aa3300", minutes=60, room_kind="procedure room")
    room = rooms.add_room(real_clinic, "Procedure 1", "procedure room")
    provider = str(desk["provider"])
    listed = run_one(cli_env, "next-free", "--type", "surgery", "--provider", provider, "--from", DAY.isoformat())
    assert listed.code == 0, listed.err
    assert listed.out.splitlines()[0] == f"{at(DAY, 8).isoformat()} {provider} {room}"
    ada = ["--patient", str(desk["ada"])]
    booked = run_one(
        cli_env, "book", "--provider", provider, *ada, "--start", wall(DAY, 8), "--type", "surgery", "--room", str(room)
    )
    assert booked.code == 0, booked.err
    other = str(add_provider(real_clinic, "Dr. Other room", WEEKDAY_HOURS))
    bob = ["--patient", str(desk["bob"])]
    taken = run_one(cli_env, "book", "--provider", other, *bob, "--start", wall(DAY, 8), "--type", "surgery")
    assert (taken.code, taken.err.strip()) == (3, "error: no procedure room is free at that time; pick another time")
