"""Reading the schedule (free slots, appointments, per-day counts) and finding patients, on a real database."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.domain.models import BookingRequest, PatientIn
from app.domain.slots import WorkingBlock
from app.services import booking, patients, providers, schedule
from tests.conftest import ZONE, make_clinic, new_patient

TUESDAY, WEDNESDAY = date(2030, 1, 8), date(2030, 1, 9)
HALF_HOUR = timedelta(minutes=30)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def walls(starts: list[datetime]) -> list[str]:
    return [start.astimezone(ZONE).strftime("%H:%M") for start in starts]


OFFICE_HOURS = [f"{h:02d}:{m:02d}" for h in (8, 9, 10, 11, 13, 14, 15, 16) for m in (0, 30)]


# --- free slots ---


def test_free_slots_of_an_empty_day_are_the_working_hours(clinic, provider_id):
    free = schedule.free_slots(clinic, provider_id, TUESDAY)
    assert walls(free) == OFFICE_HOURS
    assert all(start.utcoffset() == timedelta(0) for start in free)
    assert free[0] == datetime(2030, 1, 8, 7, 0, tzinfo=UTC)


def test_free_slots_leave_out_live_bookings_only(clinic, provider_id, patient_id):
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9)))
    cancelled = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 10))
    )
    booking.cancel(clinic, cancelled)
    free = walls(schedule.free_slots(clinic, provider_id, TUESDAY))
    assert "09:00" not in free and "10:00" in free
    assert len(free) == len(OFFICE_HOURS) - 1


def test_another_providers_bookings_do_not_matter(clinic, provider_id, patient_id):
    other = providers.add_provider(clinic, "Dr. Other", {2: [WorkingBlock(time(8), time(12), 30)]})
    booking.book(clinic, BookingRequest(provider_id=other, patient_id=patient_id, start=at(TUESDAY, 9)))
    assert walls(schedule.free_slots(clinic, provider_id, TUESDAY)) == OFFICE_HOURS


@pytest.mark.parametrize(
    ("now", "first_free"),
    [
        (at(TUESDAY, 10, 15), "10:30"),
        (at(TUESDAY, 10), "10:30"),
        (at(TUESDAY, 9, 59), "10:00"),
        (at(TUESDAY, 12), "13:00"),
    ],
)
def test_free_slots_leave_out_the_past(engine, provider_id, now, first_free):
    free = walls(schedule.free_slots(make_clinic(engine, now=now), provider_id, TUESDAY))
    assert free[0] == first_free
    assert free == OFFICE_HOURS[OFFICE_HOURS.index(first_free) :]


def test_a_day_in_the_past_or_beyond_the_horizon_has_no_free_slots(clinic, engine, provider_id):
    assert schedule.free_slots(make_clinic(engine, now=at(WEDNESDAY, 7)), provider_id, TUESDAY) == []
    assert schedule.free_slots(clinic, provider_id, date(2031, 1, 8)) == []  # NOW + 365 days is 2031-01-07 07:00
    assert len(schedule.free_slots(clinic, provider_id, date(2031, 1, 6))) == len(OFFICE_HOURS)


def test_free_slots_leave_out_time_off(clinic, provider_id):
    providers.add_time_off(clinic, provider_id, at(TUESDAY, 13), at(TUESDAY, 14, 15), "dentist")
    free = walls(schedule.free_slots(clinic, provider_id, TUESDAY))
    assert free == [w for w in OFFICE_HOURS if w not in ("13:00", "13:30", "14:00")]


def test_time_off_over_several_days_empties_the_days_between(clinic, provider_id):
    providers.add_time_off(clinic, provider_id, at(TUESDAY, 0) - timedelta(days=1), at(WEDNESDAY, 12), "congress")
    assert schedule.free_slots(clinic, provider_id, TUESDAY) == []
    assert walls(schedule.free_slots(clinic, provider_id, WEDNESDAY)) == OFFICE_HOURS[8:]
    assert walls(schedule.free_slots(clinic, provider_id, date(2030, 1, 10))) == OFFICE_HOURS


def test_a_day_off_has_no_free_slots(clinic, provider_id):
    assert schedule.free_slots(clinic, provider_id, date(2030, 1, 12)) == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2030, 3, 31), ["00:00", "01:00", "03:00", "04:00", "05:00"]),
        (date(2030, 10, 27), ["00:00", "01:00", "02:00", "02:00", "03:00", "04:00", "05:00"]),
    ],
)
def test_free_slots_across_a_dst_change(clinic, day, expected):
    night = providers.add_provider(clinic, "Dr. Night", {7: [WorkingBlock(time(0), time(6), 60)]})  # Sundays
    free = schedule.free_slots(clinic, night, day)
    assert walls(free) == expected
    assert free[-1] + timedelta(hours=1) - free[0] == timedelta(hours=len(expected))


# --- schedule and day_type_counts ---


@pytest.fixture
def week(clinic, engine):
    """Two day providers, a night provider, four patients and five appointments (one cancelled)."""
    alpha = providers.add_provider(clinic, "Dr. Alpha", {d: [WorkingBlock(time(8), time(12), 30)] for d in (2, 3)})
    beta = providers.add_provider(clinic, "Dr. Beta", {d: [WorkingBlock(time(8), time(12), 30)] for d in (2, 3)})
    night = providers.add_provider(clinic, "Dr. Night", {3: [WorkingBlock(time(0), time(1), 30)]})
    types = {t.code: t.id for t in schedule.appointment_types(clinic)}
    ada, bob, cy, dee = (new_patient(clinic, name, "Test") for name in ("Ada", "Bob", "Cy", "Dee"))

    def book(provider, patient, start, code="consultation"):
        return booking.book(
            clinic, BookingRequest(provider_id=provider, patient_id=patient, start=start, type_id=types[code])
        )

    ids = {
        "alpha_tue_9": book(alpha, ada, at(TUESDAY, 9)),
        "beta_tue_9": book(beta, bob, at(TUESDAY, 9), "follow_up"),
        "alpha_tue_11": book(alpha, cy, at(TUESDAY, 11), "procedure"),
        "alpha_wed_10": book(alpha, cy, at(WEDNESDAY, 10)),
        # 00:30 on Wednesday in Berlin is 23:30 on Tuesday in UTC: it belongs to Wednesday
        "night_wed_0030": book(night, dee, at(WEDNESDAY, 0, 30), "follow_up"),
    }
    booking.cancel(clinic, ids["alpha_tue_11"])
    return {"alpha": alpha, "beta": beta, "night": night, **ids}


def test_schedule_lists_a_days_live_appointments_in_time_then_provider_order(clinic, week):
    views = schedule.schedule(clinic, TUESDAY, TUESDAY)
    assert [v.id for v in views] == [week["alpha_tue_9"], week["beta_tue_9"]]
    alpha_view = views[0]
    assert (alpha_view.provider_name, alpha_view.patient_name, alpha_view.status) == ("Dr. Alpha", "Ada Test", "booked")
    assert (alpha_view.starts_at, alpha_view.ends_at) == (at(TUESDAY, 9), at(TUESDAY, 9, 30))
    assert (views[1].type_code, views[1].type_name, views[1].type_color) == ("follow_up", "Follow-up", "#10b981")


def test_schedule_groups_by_the_clinics_local_day(clinic, week):
    assert week["night_wed_0030"] not in {v.id for v in schedule.schedule(clinic, TUESDAY, TUESDAY)}
    wednesday = [v.id for v in schedule.schedule(clinic, WEDNESDAY, WEDNESDAY)]
    assert wednesday == [week["night_wed_0030"], week["alpha_wed_10"]]


def test_schedule_range_filter_and_cancelled(clinic, week):
    both_days = [v.id for v in schedule.schedule(clinic, TUESDAY, WEDNESDAY)]
    assert both_days == [week[k] for k in ("alpha_tue_9", "beta_tue_9", "night_wed_0030", "alpha_wed_10")]
    alpha_only = [v.id for v in schedule.schedule(clinic, TUESDAY, WEDNESDAY, provider_id=week["alpha"])]
    assert alpha_only == [week["alpha_tue_9"], week["alpha_wed_10"]]
    with_cancelled = schedule.schedule(clinic, TUESDAY, TUESDAY, week["alpha"], include_cancelled=True)
    assert [(v.id, v.status) for v in with_cancelled] == [
        (week["alpha_tue_9"], "booked"),
        (week["alpha_tue_11"], "cancelled"),
    ]
    assert schedule.schedule(clinic, date(2030, 1, 10), date(2030, 1, 20)) == []


def test_day_type_counts_group_live_appointments_by_local_day_and_type(clinic, week):
    assert schedule.day_type_counts(clinic, TUESDAY, WEDNESDAY) == {
        TUESDAY: {"consultation": 1, "follow_up": 1},  # the cancelled procedure does not count
        WEDNESDAY: {"consultation": 1, "follow_up": 1},  # 00:30 local counts on Wednesday
    }
    assert schedule.day_type_counts(clinic, TUESDAY, WEDNESDAY, provider_id=week["alpha"]) == {
        TUESDAY: {"consultation": 1},
        WEDNESDAY: {"consultation": 1},
    }
    assert schedule.day_type_counts(clinic, TUESDAY, TUESDAY, provider_id=week["night"]) == {}
    assert schedule.day_type_counts(clinic, WEDNESDAY, WEDNESDAY, provider_id=week["night"]) == {
        WEDNESDAY: {"follow_up": 1}
    }


def test_day_type_counts_add_up_several_appointments_of_a_type(clinic, week):
    for hour in (8, 10):
        booking.book(
            clinic,
            BookingRequest(provider_id=week["beta"], patient_id=new_patient(clinic, "Eve"), start=at(TUESDAY, hour)),
        )
    assert schedule.day_type_counts(clinic, TUESDAY, TUESDAY)[TUESDAY] == {"consultation": 3, "follow_up": 1}


@pytest.mark.parametrize(
    ("year", "month", "bounds"),
    [
        (2030, 1, (date(2030, 1, 1), date(2030, 1, 31))),
        (2030, 2, (date(2030, 2, 1), date(2030, 2, 28))),
        (2032, 2, (date(2032, 2, 1), date(2032, 2, 29))),
        (2030, 12, (date(2030, 12, 1), date(2030, 12, 31))),
    ],
)
def test_month_days(year, month, bounds):
    assert schedule.month_days(year, month) == bounds


def test_providers_lists_active_ones_unless_asked(clinic, engine, provider_id):
    retired = providers.add_provider(clinic, "Dr. Retired", {})
    with engine.begin() as conn:
        conn.execute(text("UPDATE providers SET active = false WHERE id = :id"), {"id": retired})
    assert [p.id for p in schedule.providers(clinic)] == [provider_id]
    assert {p.id for p in schedule.providers(clinic, include_inactive=True)} == {provider_id, retired}


# --- patients ---


@pytest.fixture
def people(clinic) -> dict[str, int]:
    rows = [
        ("Ada", "Lovelace", "1980-12-10", "+44 20 7946 0018"),
        ("Adam", "Smith", "1975-06-05", "030 555 1234"),
        ("Grace", "Hopper", "1906-12-09", "+1 (555) 867-5309"),
        ("Ann_e", "Percent", "1990-01-01", "+49 89 111111"),
        ("Annabel", "Lee", "1990-01-01", "+49 89 222222"),
        ("Zoë", "Müller", "2001-02-03", "+49 89 333333"),
    ]
    return {
        first: patients.create_patient(
            clinic, PatientIn(first_name=first, last_name=last, date_of_birth=born, phone=phone)
        )
        for first, last, born, phone in rows
    }


def found(clinic, query: str) -> list[str]:
    return [p.first_name for p in patients.search_patients(clinic, query)]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("ada", ["Ada", "Adam"]),  # first-name prefix; ordered by last name
        ("ADA", ["Ada", "Adam"]),
        ("  ada  ", ["Ada", "Adam"]),
        ("love", ["Ada"]),  # last-name prefix
        ("ada smi", ["Adam"]),  # every word must match
        ("ovelace", []),  # a prefix, not anywhere in the name
        ("müller", ["Zoë"]),
        ("zoë mü", ["Zoë"]),
    ],
)
def test_search_by_name_prefix(clinic, people, query, names):
    assert found(clinic, query) == names


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("8675309", ["Grace"]),
        ("867-5309", ["Grace"]),
        ("(555) 867", ["Grace"]),
        ("555", ["Grace", "Adam"]),  # digits anywhere in the number; ordered by last name
        ("0307946", []),
        ("+44 20 7946 0018", ["Ada"]),
    ],
)
def test_search_by_phone_digits(clinic, people, query, names):
    assert found(clinic, query) == names


def test_search_by_date_of_birth(clinic, people):
    assert found(clinic, "1906-12-09") == ["Grace"]
    assert found(clinic, "1990-01-01") == ["Annabel", "Ann_e"]  # Lee before Percent
    assert found(clinic, "1906-12-10") == []


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("ann_", ["Ann_e"]),  # `_` is a letter here, not "any one character" (which would find Annabel)
        ("an_", []),
        ("%", []),  # not "everyone"
        ("a%", []),
        ("_", []),
        ("\\", []),
        ("ann\\", []),
    ],
)
def test_like_wildcards_in_the_query_are_taken_literally(clinic, people, query, names):
    assert found(clinic, query) == names


def test_search_returns_whole_patients_and_at_most_fifty(clinic, engine, people):
    [grace] = patients.search_patients(clinic, "grace")
    assert (grace.id, grace.full_name, grace.date_of_birth, grace.phone, grace.email) == (
        people["Grace"],
        "Grace Hopper",
        date(1906, 12, 9),
        "+1 (555) 867-5309",
        None,
    )
    assert patients.get_patient(clinic, people["Grace"]) == grace
    assert patients.get_patient(clinic, 999_999) is None
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patients (first_name, last_name, date_of_birth, phone)"
                " SELECT 'Many', 'Many' || n, DATE '1990-01-01', '+49 30 1234567' FROM generate_series(1, 60) n"
            )
        )
    assert len(patients.search_patients(clinic, "many")) == patients.SEARCH_LIMIT == 50


def test_create_patient_stores_clean_values(clinic, engine):
    patient_id = patients.create_patient(
        clinic,
        PatientIn(
            first_name="  Grace ",
            last_name=" Hopper",
            date_of_birth=date(1906, 12, 9),
            phone=" +1 555 867 5309 ",
            email=" grace@navy.example.org ",
        ),
    )
    stored = patients.get_patient(clinic, patient_id)
    assert (stored.first_name, stored.last_name, stored.phone, stored.email) == (
        "Grace",
        "Hopper",
        "+1 555 867 5309",
        "grace@navy.example.org",
    )
