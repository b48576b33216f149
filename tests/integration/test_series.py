"""Series: the preview's free and conflicting occurrences, booking all or the free ones in one transaction, an
occurrence lost to another desk meanwhile, a retry, cancelling from a day on, and each occurrence on its own."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.domain.errors import InvalidInput, NotFound
from app.domain.recurrence import Recurrence
from app.domain.slots import WorkingBlock
from app.services import appointment_types, booking, closures, providers
from app.services.series import (
    PATIENT_BUSY,
    TAKEN,
    SeriesConflict,
    SeriesPolicy,
    book_series,
    cancel_series,
    preview_series,
    request_series,
)
from app.services.series_moves import cancel_following, change_following, move_following
from tests.conftest import ZONE, make_clinic, new_patient
from tests.integration.db_state import (
    booked_while_a_desk_books,
    in_background,
    refused,
    row_counts,
    wait_for_lock_waiter,
)
from tests.integration.test_spans import book

FIRST = date(2030, 1, 8)  # a Tuesday: the tests' today, 07:00 now


def weekly(patient_id: int, provider_id: int, count: int = 6, first_day: date = FIRST, **rule):
    return request_series(
        patient_id=patient_id,
        provider_id=provider_id,
        rule={"first_day": first_day, "wall_time": time(9), "count": count, **rule},
    )


def tuesday(weeks: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(FIRST + timedelta(weeks=weeks), time(hour, minute), tzinfo=ZONE)


def series_rows(engine, series_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT series_index, starts_at, status, patient_id FROM appointments WHERE series_id = :id"
                " ORDER BY series_index"
            ),
            {"id": series_id},
        ).all()


def test_the_preview_says_which_occurrences_are_free_and_why_the_others_are_not(clinic, provider_id, patient_id):
    providers.add_time_off(clinic, provider_id, tuesday(1, 8), tuesday(1, 12), "course")
    closures.add_closure(clinic, tuesday(2, 0), tuesday(2, 23), "Staff training")
    book(clinic, provider_id, tuesday(3))  # another patient's appointment
    other_provider = providers.add_provider(clinic, "Dr. Elsewhere", {2: [WorkingBlock(time(8), time(12), 30)]})
    booking.book(clinic, booking.BookingRequest(provider_id=other_provider, patient_id=patient_id, start=tuesday(4)))

    preview = preview_series(clinic, weekly(patient_id, provider_id))

    assert [o.index for o in preview.occurrences] == [1, 2, 3, 4, 5, 6]
    conflicts = {o.index: o.conflict for o in preview.conflicts}
    assert conflicts == {
        2: "the provider is off at that time",
        3: "the clinic is closed at that time",
        4: TAKEN,
        5: PATIENT_BUSY,
    }
    assert [o.index for o in preview.free] == [1, 6]
    alternatives = {o.index: o.alternative for o in preview.conflicts}
    assert alternatives[2] == tuesday(1, 13)  # the nearest free time that day: after the time off
    assert alternatives[3] == tuesday(2, 8) + timedelta(days=1)  # the clinic is closed all day: the next day's first
    assert alternatives[4] in (tuesday(3, 8, 30), tuesday(3, 9, 30))  # either side of the taken time
    assert alternatives[5] in (tuesday(4, 8, 30), tuesday(4, 9, 30))


def test_all_or_none_books_nothing_when_one_occurrence_is_not_free(engine, clinic, provider_id, patient_id):
    book(clinic, provider_id, tuesday(2))
    refusal = refused(engine, SeriesConflict, book_series, clinic, weekly(patient_id, provider_id), SeriesPolicy.ALL)
    assert [o.index for o in refusal.conflicts] == [3]
    assert "Tue 22 Jan 2030 09:00: taken" in str(refusal)


def test_all_occurrences_free_are_booked_one_row_each_in_one_series(engine, clinic, provider_id, patient_id):
    booked = book_series(clinic, weekly(patient_id, provider_id), SeriesPolicy.ALL)

    assert [o.index for o in booked.booked] == [1, 2, 3, 4, 5, 6] and booked.not_booked == []
    rows = series_rows(engine, booked.series_id)
    assert [(r.series_index, r.starts_at, r.status) for r in rows] == [(n + 1, tuesday(n), "booked") for n in range(6)]
    with engine.connect() as conn:
        series = conn.execute(
            text("SELECT description, occurrences FROM appointment_series WHERE id = :id"), {"id": booked.series_id}
        ).one()
        details = conn.execute(
            text(
                "SELECT series_index, series_occurrences, series_description FROM appointment_details"
                " WHERE series_id = :id ORDER BY series_index"
            ),
            {"id": booked.series_id},
        ).all()
    assert series == ("every week on Tue at 09:00, 6 times", 6)
    assert details[2] == (3, 6, "every week on Tue at 09:00, 6 times")


def test_the_free_ones_are_booked_and_the_conflicts_listed(engine, clinic, provider_id, patient_id):
    book(clinic, provider_id, tuesday(1))
    booked = book_series(clinic, weekly(patient_id, provider_id, count=3), SeriesPolicy.FREE)
    assert [o.index for o in booked.booked] == [1, 3]
    assert [(o.index, o.conflict) for o in booked.not_booked] == [(2, TAKEN)]
    assert [r.series_index for r in series_rows(engine, booked.series_id)] == [1, 3]


def test_no_free_occurrence_books_no_series(engine, clinic, provider_id, patient_id):
    providers.add_time_off(clinic, provider_id, tuesday(0, 8), tuesday(2, 17), "holiday")
    refused(engine, SeriesConflict, book_series, clinic, weekly(patient_id, provider_id, count=3), SeriesPolicy.FREE)


@pytest.mark.parametrize("policy", [SeriesPolicy.ALL, SeriesPolicy.FREE])
def test_an_occurrence_another_desk_takes_meanwhile_is_reported_and_never_half_written(
    engine, clinic, provider_id, patient_id, policy
):
    other = new_patient(clinic, "Quick")
    outcome: dict = {}

    def book_it():
        outcome["booked"] = book_series(clinic, weekly(patient_id, provider_id, count=3), policy)

    end = tuesday(1, 9, 30)
    result = booked_while_a_desk_books(engine, book_it, provider_id, tuesday(1), end, winner=other)

    with engine.connect() as conn:
        live = conn.execute(
            text("SELECT patient_id, starts_at FROM appointments WHERE status = 'booked' ORDER BY starts_at")
        ).all()
        series_count = conn.execute(text("SELECT count(*) FROM appointment_series")).scalar_one()
    if policy is SeriesPolicy.ALL:
        assert isinstance(result.get("error"), SeriesConflict), result
        assert [(o.index, o.conflict) for o in result["error"].conflicts] == [(2, TAKEN)]
        assert live == [(other, tuesday(1))] and series_count == 0
    else:
        assert "error" not in result, result
        assert [(o.index, o.conflict) for o in outcome["booked"].not_booked] == [(2, TAKEN)]
        assert live == [(patient_id, tuesday(0)), (other, tuesday(1)), (patient_id, tuesday(2))]
        assert series_count == 1


def test_a_retry_with_the_same_request_books_nothing_twice(engine, clinic, provider_id, patient_id):
    request = weekly(patient_id, provider_id, count=4)
    first = book_series(clinic, request)
    again = book_series(clinic, request)
    assert again.series_id == first.series_id
    assert [o.appointment_id for o in again.booked] == [o.appointment_id for o in first.booked]
    assert row_counts(engine)["appointments"] == 4


def test_a_weekly_series_keeps_its_wall_clock_time_across_the_spring_change(engine, clinic, provider_id, patient_id):
    # Berlin's clocks go forward on Sunday 2030-03-31.
    booked = book_series(clinic, weekly(patient_id, provider_id, count=4, first_day=date(2030, 3, 19)))
    starts = [r.starts_at.astimezone(ZONE) for r in series_rows(engine, booked.series_id)]
    assert [start.time() for start in starts] == [time(9)] * 4
    assert [start.utcoffset() for start in starts] == [timedelta(hours=1)] * 2 + [timedelta(hours=2)] * 2


def test_cancelling_from_an_occurrence_on_leaves_the_earlier_ones(engine, clinic, provider_id, patient_id):
    booked = book_series(clinic, weekly(patient_id, provider_id, count=5))
    cancelled = cancel_series(clinic, booked.series_id, tuesday(2))
    assert cancelled == [o.appointment_id for o in booked.booked[2:]]
    assert [r.status for r in series_rows(engine, booked.series_id)] == ["booked"] * 2 + ["cancelled"] * 3
    assert cancel_series(clinic, booked.series_id, tuesday(2)) == []  # again: nothing more
    assert cancel_series(clinic, booked.series_id) == [o.appointment_id for o in booked.booked[:2]]


def test_an_occurrence_moves_or_cancels_on_its_own(engine, clinic, provider_id, patient_id):
    booked = book_series(clinic, weekly(patient_id, provider_id, count=3))
    second, third = booked.booked[1].appointment_id, booked.booked[2].appointment_id
    booking.reschedule(clinic, second, tuesday(1, 11))
    booking.cancel(clinic, third)
    rows = series_rows(engine, booked.series_id)
    assert [(r.series_index, r.starts_at, r.status) for r in rows] == [
        (1, tuesday(0), "booked"),
        (2, tuesday(1, 11), "booked"),
        (3, tuesday(2), "cancelled"),
    ]


def test_a_series_request_that_cannot_be_used_names_the_field_and_writes_nothing(engine, clinic, provider_id):
    with pytest.raises(InvalidInput) as wrong_rule:
        weekly(1, provider_id, count=0)
    assert [e.field for e in wrong_rule.value.errors] == ["count"]
    with pytest.raises(InvalidInput) as wrong_patient:
        rule = Recurrence(first_day=FIRST, wall_time=time(9), count=2)
        request_series(patient_id=0, provider_id=provider_id, rule=rule)
    assert [e.field for e in wrong_patient.value.errors] == ["patient_id"]
    refused(engine, NotFound, book_series, clinic, weekly(1, 999_999))
    refused(engine, NotFound, cancel_series, clinic, 999_999)


def test_moving_an_occurrence_and_the_following_ones_keeps_their_days_apart(engine, clinic, provider_id, patient_id):
    booked = book_series(clinic, weekly(patient_id, provider_id, count=4))
    third = booked.booked[2].appointment_id

    moved = move_following(clinic, third, tuesday(2, 11) + timedelta(days=1))  # Wednesday 11:00 from the third on

    assert moved == [o.appointment_id for o in booked.booked[2:]]
    rows = series_rows(engine, booked.series_id)
    wednesday = timedelta(days=1)
    assert [(r.series_index, r.starts_at) for r in rows] == [
        (1, tuesday(0)), (2, tuesday(1)), (3, tuesday(2, 11) + wednesday), (4, tuesday(3, 11) + wednesday),
    ]  # fmt: skip


def test_moving_the_following_ones_a_week_on_takes_the_times_they_leave(engine, clinic, provider_id, patient_id):
    booked = book_series(clinic, weekly(patient_id, provider_id, count=3))
    move_following(clinic, booked.booked[0].appointment_id, tuesday(1))  # each onto the next one's time
    assert [r.starts_at for r in series_rows(engine, booked.series_id)] == [tuesday(1), tuesday(2), tuesday(3)]


def test_moving_the_following_ones_is_all_or_none(engine, clinic, provider_id, patient_id):
    booked = book_series(clinic, weekly(patient_id, provider_id, count=3))
    book(clinic, provider_id, tuesday(2, 10))  # in the way of the third one's new time
    conflict = refused(engine, SeriesConflict, move_following, clinic, booked.booked[0].appointment_id, tuesday(0, 10))
    assert [(o.index, o.conflict) for o in conflict.conflicts] == [(3, TAKEN)]


def test_only_an_occurrence_of_a_series_moves_with_its_followers(engine, clinic, provider_id, patient_id):
    single = book(clinic, provider_id, tuesday(0, 10))
    refused(engine, NotFound, move_following, clinic, single, tuesday(0, 11))


@pytest.fixture
def physios(clinic) -> list[int]:
    """Two physiotherapists (Dr. A before Dr. B by name) working Tuesdays 9 to 10."""
    hours = {2: [WorkingBlock(time(9), time(10), 30)]}
    return [providers.add_provider(clinic, name, hours, "Physiotherapy") for name in ("Dr. A Physio", "Dr. B Physio")]


def test_a_series_with_any_provider_of_a_specialty_takes_the_first_free_one_each_time(
    engine, clinic, patient_id, physios
):
    first, second = physios
    providers.add_time_off(clinic, first, tuesday(1, 9), tuesday(1, 10), "course")
    for provider in physios:  # nobody of the specialty is free the third week
        book(clinic, provider, tuesday(2), patient=f"Busy{provider}")
    request = request_series(
        patient_id=patient_id, specialty="Physiotherapy", rule={"first_day": FIRST, "wall_time": time(9), "count": 4}
    )

    preview = preview_series(clinic, request)
    assert [(o.index, o.provider and o.provider.id, o.conflict) for o in preview.occurrences] == [
        (1, first, None),
        (2, second, None),
        (3, None, "no Physiotherapy provider is free then"),
        (4, first, None),
    ]
    assert preview.conflicts[0].alternative == tuesday(2, 9, 30)

    booked = book_series(clinic, request, SeriesPolicy.FREE)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT series_index, provider_id FROM appointments WHERE series_id = :id ORDER BY series_index"),
            {"id": booked.series_id},
        ).all()
        series = conn.execute(
            text("SELECT provider_id, specialty FROM appointment_series WHERE id = :id"), {"id": booked.series_id}
        ).one()
    assert rows == [(1, first), (2, second), (4, first)] and series == (None, "Physiotherapy")
    assert [o.provider.name for o in booked.booked] == ["Dr. A Physio", "Dr. B Physio", "Dr. A Physio"]


@pytest.mark.parametrize(
    ("whom", "field", "words"),
    [
        ({}, "provider_id", "give a provider, or a specialty"),
        ({"provider_id": 1, "specialty": "Physiotherapy"}, "provider_id", "give a provider, or a specialty"),
    ],
)
def test_a_series_for_a_provider_and_a_specialty_or_neither_is_refused(patient_id, whom, field, words):
    with pytest.raises(InvalidInput) as refused_request:
        request_series(patient_id=patient_id, rule={"first_day": FIRST, "wall_time": time(9), "count": 2}, **whom)
    assert [e.field for e in refused_request.value.errors] == [field] and words in str(refused_request.value)


def test_a_specialty_nobody_has_is_named(engine, clinic, patient_id):
    request = request_series(
        patient_id=patient_id, specialty="Astrology", rule={"first_day": FIRST, "wall_time": time(9), "count": 2}
    )
    refusal = refused(engine, InvalidInput, book_series, clinic, request)
    assert refusal.errors[0].field == "specialty" and "no active provider has the specialty 'Astrology'" in str(refusal)


def test_cancelling_from_an_occurrence_under_way_cancels_it_too(engine, clinic, provider_id, patient_id):
    booked = book_series(clinic, weekly(patient_id, provider_id, count=2))
    during_the_first = make_clinic(engine, now=tuesday(0, 9, 15))
    assert cancel_series(during_the_first, booked.series_id, tuesday(0)) == [o.appointment_id for o in booked.booked]


def test_booking_the_same_series_request_at_two_desks_makes_one_series(engine, clinic, provider_id, patient_id):
    request = weekly(patient_id, provider_id, count=2)
    outcome: dict = {}

    def second_desk() -> None:
        outcome["booked"] = book_series(make_clinic(engine), request)

    with engine.connect() as conn, conn.begin():  # the first desk's insert of the series, not committed yet
        conn.execute(
            text(
                "INSERT INTO appointment_series (patient_id, provider_id, type_id, rule, description, occurrences,"
                " request_id) VALUES (:patient, :provider, 1, '{}', 'by hand', 2, :request)"
            ),
            {"patient": patient_id, "provider": provider_id, "request": request.request_id},
        )
        worker, result = in_background(second_desk)
        wait_for_lock_waiter(engine)
    worker.join(10)
    assert "error" not in result, result
    assert outcome["booked"].booked == [] and row_counts(engine)["appointment_series"] == 1


def test_cancelling_this_and_the_following_goes_by_their_places_in_the_series(engine, clinic, provider_id, patient_id):
    booked = book_series(clinic, weekly(patient_id, provider_id, count=4))
    first, _second, third, fourth = (o.appointment_id for o in booked.booked)
    booking.reschedule(clinic, first, tuesday(3, 11))  # the first, moved after the third: it stays
    assert cancel_following(clinic, third) == [third, fourth]
    assert [r.status for r in series_rows(engine, booked.series_id)] == ["booked", "booked", "cancelled", "cancelled"]
    refused(engine, NotFound, cancel_following, clinic, book(clinic, provider_id, tuesday(0, 10)))


def test_moving_a_specialty_series_on_keeps_each_occurrence_with_its_provider(engine, clinic, patient_id, physios):
    first, second = physios
    providers.add_time_off(clinic, first, tuesday(1, 9), tuesday(1, 10), "course")
    request = request_series(
        patient_id=patient_id, specialty="Physiotherapy", rule={"first_day": FIRST, "wall_time": time(9), "count": 3}
    )
    booked = book_series(clinic, request)
    assert [o.provider.id for o in booked.booked] == [first, second, first]
    move_following(clinic, booked.booked[0].appointment_id, tuesday(0, 9, 30))
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT provider_id, starts_at FROM appointments WHERE series_id = :id ORDER BY series_index"),
            {"id": booked.series_id},
        ).all()
    assert rows == [(first, tuesday(0, 9, 30)), (second, tuesday(1, 9, 30)), (first, tuesday(2, 9, 30))]


def test_changing_the_type_and_notes_of_this_and_the_following_is_all_or_none(engine, clinic, provider_id, patient_id):
    long_visit = appointment_types.add_type(clinic, "long", "Long visit", "#aa3300", minutes=60)
    booked = book_series(clinic, weekly(patient_id, provider_id, count=3))
    second = booked.booked[1].appointment_id
    in_the_way = book(clinic, provider_id, tuesday(2, 9, 30))  # the third's hour is not free

    conflict = refused(engine, SeriesConflict, change_following, clinic, second, type_id=long_visit, notes="knee")
    assert [(o.index, o.conflict) for o in conflict.conflicts] == [(3, TAKEN)] and "cannot be changed" in str(conflict)

    booking.cancel(clinic, in_the_way)
    assert change_following(clinic, second, type_id=long_visit, notes="knee") == [
        second,
        booked.booked[2].appointment_id,
    ]
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT type_id, ends_at, notes FROM appointments WHERE series_id = :id ORDER BY series_index"),
            {"id": booked.series_id},
        ).all()
    assert [(r.type_id == long_visit, r.notes) for r in rows] == [(False, ""), (True, "knee"), (True, "knee")]
    assert rows[1].ends_at == tuesday(1, 10)
