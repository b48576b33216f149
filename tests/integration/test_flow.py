"""The day's flow board against the database: each appointment at its stage, moved on one stage per click, the
times the database stamps (arrival, being seen, cancelling), and a second desk's click on a patient already moved on
refused by name without a change."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest
from app.services import booking, flow
from app.services.flow import Stage
from tests.conftest import ZONE, new_patient

TUESDAY = date(2030, 1, 8)


def at(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def book(clinic, provider_id: int, hour: int, day: date = TUESDAY) -> int:
    request = BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=at(hour, day=day))
    return booking.book(clinic, request)


def stages(clinic) -> dict[int, Stage]:
    return {entry.appointment_id: entry.stage for entry in flow.flow_board(clinic, TUESDAY)}


def column(engine, name: str, appointment_id: int):
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT {name} FROM appointments WHERE id = :id"), {"id": appointment_id}).scalar()


def test_a_patient_moves_through_the_day_one_click_at_a_time(clinic, engine, provider_id):
    ids = [book(clinic, provider_id, hour) for hour in (8, 9, 10, 11)]
    book(clinic, provider_id, 9, TUESDAY + timedelta(days=1))  # another day: not on the board
    booking.cancel(clinic, book(clinic, provider_id, 13))  # cancelled: not on the board
    assert stages(clinic) == dict.fromkeys(ids, Stage.EXPECTED)

    assert flow.move_on(clinic, ids[0], Stage.EXPECTED) == Stage.ARRIVED
    assert column(engine, "checked_in_at", ids[0]) is not None and column(engine, "seen_at", ids[0]) is None
    assert flow.move_on(clinic, ids[0], Stage.ARRIVED) == Stage.WITH_PROVIDER
    assert column(engine, "seen_at", ids[0]) >= column(engine, "checked_in_at", ids[0])
    flow.move_on(clinic, ids[1], Stage.EXPECTED)
    assert flow.move_on(clinic, ids[2], Stage.EXPECTED, to=Stage.NO_SHOW) == Stage.NO_SHOW
    assert stages(clinic) == {
        ids[0]: Stage.WITH_PROVIDER, ids[1]: Stage.ARRIVED, ids[2]: Stage.NO_SHOW, ids[3]: Stage.EXPECTED
    }  # fmt: skip
    assert flow.move_on(clinic, ids[0], Stage.WITH_PROVIDER) == Stage.DONE
    assert column(engine, "status", ids[0]) == "completed"

    booking.change_status(clinic, ids[1], "booked")  # the check-in undone: the arrival time goes with it
    assert column(engine, "checked_in_at", ids[1]) is None and stages(clinic)[ids[1]] == Stage.EXPECTED


def test_a_click_on_a_patient_another_desk_moved_on_changes_nothing_and_a_repeated_click_is_done(
    clinic, engine, provider_id
):
    appointment = book(clinic, provider_id, 9)
    flow.move_on(clinic, appointment, Stage.EXPECTED)  # the first desk
    assert flow.move_on(clinic, appointment, Stage.EXPECTED) == Stage.ARRIVED  # again (a lost answer): done
    flow.move_on(clinic, appointment, Stage.ARRIVED)  # the first desk calls the patient in
    with pytest.raises(InvalidInput, match="another desk moved this patient on meanwhile: with the provider"):
        flow.move_on(clinic, appointment, Stage.EXPECTED)  # the second desk, from what it showed
    assert stages(clinic)[appointment] == Stage.WITH_PROVIDER
    with pytest.raises(InvalidInput, match="cannot be moved on"):
        flow.move_on(clinic, appointment, Stage.WITH_PROVIDER, to=Stage.NO_SHOW)
    with pytest.raises(InvalidInput, match="seen_stage: no such stage 'lost'"):
        flow.move_on(clinic, appointment, "lost")


def test_the_waiting_time_counts_from_the_arrival(clinic, engine, provider_id):
    appointment = book(clinic, provider_id, 9)
    flow.move_on(clinic, appointment, Stage.EXPECTED)
    with engine.begin() as conn:  # arrived 25 minutes ago by the database's clock (whatever a desk's says)
        conn.execute(
            text("UPDATE appointments SET checked_in_at = now() - interval '25 minutes 10 seconds' WHERE id = :id"),
            {"id": appointment},
        )
    (entry,) = flow.flow_board(clinic, TUESDAY)
    assert entry.waiting_minutes() == 25 and entry.waiting_minutes(timedelta(minutes=5)) == 30
    flow.move_on(clinic, appointment, Stage.ARRIVED)
    (entry,) = flow.flow_board(clinic, TUESDAY)
    assert entry.waiting_minutes() is None  # with the provider: not waiting any more


def test_the_database_stamps_cancellations_and_refuses_seeing_who_has_not_arrived(clinic, engine, provider_id):
    appointment = book(clinic, provider_id, 9)
    with engine.begin() as conn, pytest.raises(IntegrityError, match="only a checked-in patient can be seen"):
        conn.execute(text("UPDATE appointments SET seen_at = now() WHERE id = :id"), {"id": appointment})
    assert column(engine, "cancelled_at", appointment) is None
    booking.cancel(clinic, appointment)
    assert column(engine, "cancelled_at", appointment) is not None
