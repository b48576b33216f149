"""Setting up the schedule (providers, weekly hours, time off, appointment types) on a real database: who may,
what is refused because appointments would be left behind, and bad or hostile input.

The clinic's clock stands at Tuesday 2030-01-08 07:00 (Berlin); the provider works Mon-Fri 08-12 and 13-17
in 30-minute slots.
"""

import threading
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.domain.errors import InvalidInput, NotAllowed, WouldOrphan
from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import appointment_types, booking, providers
from tests.conftest import NOW, WEEKDAY_HOURS, ZONE, make_clinic, new_patient
from tests.integration.db_state import refused, table_state, wait_for_lock_waiter
from tests.logins import signed_in_fixture  # noqa: F401

TUESDAY, WEDNESDAY = date(2030, 1, 8), date(2030, 1, 9)
MORNINGS = {d: [WorkingBlock(time(8), time(12), 30)] for d in range(1, 6)}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture(params=["owner", "admin"])
def admin(request, clinic, signed_in):
    """The database's owner (what the embedded server signs in as) and a staff admin may both set up."""
    return clinic if request.param == "owner" else signed_in("admin")[1]


def book(clinic, provider_id: int, start: datetime, patient: int | None = None) -> int:
    return booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient or new_patient(clinic), start=start)
    )


def hours_of(engine, provider_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT weekday, start_time, end_time, slot_minutes FROM working_hours WHERE provider_id = :p"
                " ORDER BY weekday, start_time"
            ),
            {"p": provider_id},
        ).all()


def provider_row(engine, provider_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT name, specialty, active FROM providers WHERE id = :id"), {"id": provider_id}
        ).one()


def type_row(engine, type_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT code, name, color, is_default FROM appointment_types WHERE id = :id"), {"id": type_id}
        ).one_or_none()


def type_id_of(engine, code: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM appointment_types WHERE code = :c"), {"c": code}).scalar_one()


# --- what an admin can do ---


def test_an_admin_renames_a_provider_and_changes_the_specialty(admin, engine, provider_id):
    providers.update_provider(admin, provider_id, "Dr. Renamed", "Cardiology")
    assert tuple(provider_row(engine, provider_id)) == ("Dr. Renamed", "Cardiology", True)


def test_an_admin_deactivates_and_reactivates_a_provider(admin, engine, provider_id):
    providers.set_provider_active(admin, provider_id, False)
    assert provider_row(engine, provider_id).active is False
    providers.set_provider_active(admin, provider_id, True)
    assert provider_row(engine, provider_id).active is True


def test_an_admin_replaces_the_weekly_hours(admin, engine, provider_id):
    providers.set_weekly_hours(
        admin, provider_id, {6: [WorkingBlock(time(9), time(12), 20)], 2: [WorkingBlock(time(14), time(18), 60)]}
    )
    assert hours_of(engine, provider_id) == [(2, time(14), time(18), 60), (6, time(9), time(12), 20)]
    setup = providers.provider_setup(admin, provider_id)
    assert setup.weekly_hours == {2: [WorkingBlock(time(14), time(18), 60)], 6: [WorkingBlock(time(9), time(12), 20)]}


def test_an_admin_adds_and_removes_time_off(admin, engine, provider_id):
    off = providers.add_time_off(admin, provider_id, at(TUESDAY, 9), at(TUESDAY, 11), "Conference")
    past = providers.add_time_off(admin, provider_id, NOW - timedelta(days=3), NOW - timedelta(days=2), "Earlier")
    setup = providers.provider_setup(admin, provider_id)
    assert [(o.id, o.starts_at, o.ends_at, o.reason) for o in setup.time_off] == [
        (off, at(TUESDAY, 9), at(TUESDAY, 11), "Conference")
    ], "only upcoming time off is listed"
    providers.remove_time_off(admin, off)
    providers.remove_time_off(admin, past)
    assert providers.provider_setup(admin, provider_id).time_off == []


def test_an_admin_adds_edits_and_removes_an_appointment_type(admin, engine):
    type_id = appointment_types.add_type(admin, "vaccination", "Vaccination", "#12AB9F")
    assert tuple(type_row(engine, type_id)) == ("vaccination", "Vaccination", "#12ab9f", False)
    appointment_types.update_type(admin, type_id, "vaccine", "Vaccine", "#00ff00", True)
    assert tuple(type_row(engine, type_id)) == ("vaccine", "Vaccine", "#00ff00", True)
    listed = {t.code: t for t in appointment_types.list_types(admin)}
    assert [code for code, t in listed.items() if t.is_default] == ["vaccine"], "the default moved"
    appointment_types.update_type(admin, type_id_of(engine, "consultation"), "consultation", "Consult", "#2563eb", True)
    appointment_types.remove_type(admin, type_id)
    assert type_row(engine, type_id) is None


def test_the_type_list_counts_live_appointments(clinic, provider_id):
    first = book(clinic, provider_id, at(TUESDAY, 9))
    book(clinic, provider_id, at(TUESDAY, 10))
    booking.cancel(clinic, first)
    counts = {t.code: t.live_appointments for t in appointment_types.list_types(clinic)}
    assert counts["consultation"] == 1 and sum(counts.values()) == 1


# --- who may not ---

CHANGES = {
    "update_provider": lambda c, p, t: providers.update_provider(c, p, "Dr. Nobody", ""),
    "deactivate": lambda c, p, t: providers.set_provider_active(c, p, False),
    "weekly_hours": lambda c, p, t: providers.set_weekly_hours(c, p, MORNINGS),
    "add_time_off": lambda c, p, t: providers.add_time_off(c, p, at(TUESDAY, 9), at(TUESDAY, 10)),
    "remove_time_off": lambda c, p, t: providers.remove_time_off(c, t),
    "add_provider": lambda c, p, t: providers.add_provider(c, "Dr. Unwanted", MORNINGS),
    "add_type": lambda c, p, t: appointment_types.add_type(c, "sneaky", "Sneaky", "#000000"),
    "update_type": lambda c, p, t: appointment_types.update_type(c, 1, "sneaky", "Sneaky", "#000000", False),
    "remove_type": lambda c, p, t: appointment_types.remove_type(c, 2),
}


@pytest.mark.parametrize("role", ["receptionist", "manager"])
@pytest.mark.parametrize("change", CHANGES)
def test_receptionists_and_managers_may_not_set_up_the_schedule(clinic, engine, provider_id, signed_in, role, change):
    time_off = providers.add_time_off(clinic, provider_id, at(WEDNESDAY, 9), at(WEDNESDAY, 10))
    _name, staff = signed_in(role)
    error = refused(engine, NotAllowed, CHANGES[change], staff, provider_id, time_off)
    assert "ask a clinic administrator" in str(error)


@pytest.mark.parametrize("role", ["receptionist", "manager"])
def test_receptionists_and_managers_can_read_the_setup(clinic, provider_id, signed_in, role):
    _name, staff = signed_in(role)
    assert providers.provider_setup(staff, provider_id).weekly_hours == WEEKDAY_HOURS
    assert {t.code for t in appointment_types.list_types(staff)} >= {"consultation"}


# --- changes that would leave appointments behind ---


def test_deactivating_a_provider_with_upcoming_appointments_is_refused_with_the_list(clinic, engine, provider_id):
    patient = new_patient(clinic, "Zoë", "Ñúñez")
    booked = book(clinic, provider_id, at(TUESDAY, 9), patient)
    error = refused(engine, WouldOrphan, providers.set_provider_active, clinic, provider_id, False)
    assert error.field == "active" and error.total == 1
    assert str(error) == (
        "active: the provider still has 1 upcoming appointment; move or cancel them before deactivating:"
        f" Tue 08 Jan 2030 09:00 Zoë Ñúñez (appointment {booked})"
    )
    assert error.appointments[0].starts_at.tzinfo == ZONE


def test_past_and_cancelled_appointments_do_not_stop_a_change(engine, provider_id, patient_id):
    earlier = make_clinic(engine, now=at(TUESDAY, 7))
    book(earlier, provider_id, at(TUESDAY, 8))  # over by the time of the change
    cancelled = book(earlier, provider_id, at(TUESDAY, 10))
    booking.cancel(earlier, cancelled)
    later = make_clinic(engine, now=at(TUESDAY, 9))
    providers.add_time_off(later, provider_id, at(TUESDAY, 8), at(TUESDAY, 11))
    providers.set_weekly_hours(later, provider_id, {})
    providers.set_provider_active(later, provider_id, False)
    assert provider_row(engine, provider_id).active is False


# Changes that would leave the Tuesday 09:00-09:30 appointment behind: the field a refusal names, the table changed.
CHANGES_OVER_NINE = {
    "deactivate": (lambda c, p: providers.set_provider_active(c, p, False), "active", "providers"),
    "time off over it": (
        lambda c, p: providers.add_time_off(c, p, at(TUESDAY, 8), at(TUESDAY, 12)),
        "starts_at",
        "time_off",
    ),
    "hours without it": (
        lambda c, p: providers.set_weekly_hours(c, p, {2: [WorkingBlock(time(13), time(17), 30)]}),
        "weekly_hours",
        "working_hours",
    ),
}


@pytest.mark.parametrize(("change", "field", "table"), CHANGES_OVER_NINE.values(), ids=CHANGES_OVER_NINE)
def test_an_appointment_under_way_still_blocks_a_change(clinic, engine, provider_id, change, field, table):
    appointment = book(clinic, provider_id, at(TUESDAY, 9))
    during = make_clinic(engine, now=at(TUESDAY, 9, 10))
    error = refused(engine, WouldOrphan, change, during, provider_id)
    assert error.field == field and [a.id for a in error.appointments] == [appointment]


@pytest.mark.parametrize(("change", "field", "table"), CHANGES_OVER_NINE.values(), ids=CHANGES_OVER_NINE)
def test_an_appointment_that_ended_a_minute_ago_does_not_block_a_change(
    clinic, engine, provider_id, change, field, table
):
    book(clinic, provider_id, at(TUESDAY, 9))
    before = table_state(engine)[table]
    change(make_clinic(engine, now=at(TUESDAY, 9, 31)), provider_id)
    assert table_state(engine)[table] != before, f"{field}: the change was not made"


def test_a_long_list_shows_ten_and_says_how_many_more(clinic, engine, provider_id):
    booked = [book(clinic, provider_id, at(TUESDAY, 8) + timedelta(minutes=30 * i)) for i in range(8)]
    booked += [book(clinic, provider_id, at(WEDNESDAY, 8) + timedelta(minutes=30 * i)) for i in range(5)]
    error = refused(engine, WouldOrphan, providers.set_provider_active, clinic, provider_id, False)
    assert error.total == 13
    assert [a.id for a in error.appointments] == booked[:10]
    assert error.lines()[-1] == "and 3 more"
    assert str(error).endswith("; and 3 more")


@pytest.mark.parametrize(
    ("hours", "expected_left_out"),
    [
        pytest.param({}, [9, 13], id="no hours at all"),
        pytest.param(MORNINGS, [13], id="afternoon dropped"),
        pytest.param({d: [WorkingBlock(time(8), time(17), 20)] for d in range(1, 6)}, [], id="20-minute grid"),
        pytest.param({d: [WorkingBlock(time(8, 15), time(17), 30)] for d in range(1, 6)}, [9, 13], id="grid shifted"),
        pytest.param({d: [WorkingBlock(time(8), time(17), 60)] for d in range(1, 6)}, [], id="longer slots"),
        pytest.param(
            {2: [WorkingBlock(time(8), time(9, 20), 20), WorkingBlock(time(13), time(17), 30)]},
            [9],
            id="the day now ends before the appointment does",
        ),
        pytest.param({2: [WorkingBlock(time(8), time(17), 30)]}, [], id="only Tuesdays, still covered"),
        pytest.param({2: [WorkingBlock(time(8), time(17), 15)]}, [], id="shorter slots cover them whole"),
        pytest.param({2: [WorkingBlock(time(9), time(9, 30), 30)]}, [13], id="just the morning one"),
    ],
)
def test_weekly_hours_that_would_leave_appointments_out_are_refused(
    clinic, engine, provider_id, hours, expected_left_out
):
    booked = {hour: book(clinic, provider_id, at(TUESDAY, hour)) for hour in (9, 13)}
    if not expected_left_out:
        providers.set_weekly_hours(clinic, provider_id, hours)
        assert len(hours_of(engine, provider_id)) == sum(len(blocks) for blocks in hours.values())
        return
    error = refused(engine, WouldOrphan, providers.set_weekly_hours, clinic, provider_id, hours)
    assert error.field == "weekly_hours"
    assert [a.id for a in error.appointments] == [booked[hour] for hour in expected_left_out]
    assert "would fall outside the new hours or off their slot grid" in str(error)


def test_time_off_over_an_upcoming_appointment_is_refused(clinic, engine, provider_id):
    booked = book(clinic, provider_id, at(TUESDAY, 9))
    error = refused(
        engine, WouldOrphan, providers.add_time_off, clinic, provider_id, at(TUESDAY, 9, 15), at(TUESDAY, 12), "x"
    )
    assert error.field == "starts_at" and [a.id for a in error.appointments] == [booked]
    assert str(error).startswith("starts_at: the time off covers 1 upcoming appointment;")
    # Touching end to end is not covering it.
    providers.add_time_off(clinic, provider_id, at(TUESDAY, 9, 30), at(TUESDAY, 12))
    providers.add_time_off(clinic, provider_id, at(TUESDAY, 8), at(TUESDAY, 9))


def test_removing_a_type_in_use_is_refused_with_the_live_appointments(clinic, engine, provider_id):
    type_id = appointment_types.add_type(clinic, "scan", "Scan", "#336699")
    patient = new_patient(clinic, "Ada", "Lovelace")
    live = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=at(TUESDAY, 9), type_id=type_id)
    )
    cancelled = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=at(TUESDAY, 10), type_id=type_id)
    )
    booking.cancel(clinic, cancelled)
    error = refused(engine, WouldOrphan, appointment_types.remove_type, clinic, type_id)
    assert str(error) == (
        "type_id: the type is still used by 1 appointment; cancel them or give them another type first:"
        f" Tue 08 Jan 2030 09:00 Ada Lovelace (appointment {live})"
    )
    booking.cancel(clinic, live)
    error = refused(engine, InvalidInput, appointment_types.remove_type, clinic, type_id)
    assert str(error) == "type_id: 2 cancelled appointment(s) keep this type for the record; rename it instead"


def test_the_default_type_stays_and_cannot_be_removed(clinic, engine):
    default = type_id_of(engine, "consultation")
    error = refused(engine, InvalidInput, appointment_types.remove_type, clinic, default)
    assert error.errors[0].field == "type_id" and "is the default type" in str(error)
    error = refused(
        engine, InvalidInput, appointment_types.update_type, clinic, default, "consultation", "C", "#2563eb", False
    )
    assert str(error).startswith("is_default: the clinic needs a default type")


def test_a_change_waits_for_another_admins_lock_and_then_checks(clinic, engine, provider_id):
    """The check runs after the provider's lock is taken: what the other admin committed meanwhile counts."""
    appointment = book(clinic, provider_id, at(TUESDAY, 9))
    booking.cancel(clinic, appointment)
    outcome: list[BaseException | None] = []

    def deactivate():
        try:
            providers.set_provider_active(clinic, provider_id, False)
            outcome.append(None)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    with engine.connect() as other:
        other.execute(text("SELECT id FROM providers WHERE id = :id FOR UPDATE"), {"id": provider_id})
        worker = threading.Thread(target=deactivate)
        worker.start()
        wait_for_lock_waiter(engine)
        # Meanwhile the lock holder books the time again by hand.
        rebooked = other.execute(
            text(
                "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, request_id)"
                " SELECT slot_id, provider_id, starts_at, ends_at, patient_id, type_id, gen_random_uuid()"
                " FROM appointments WHERE id = :id RETURNING id"
            ),
            {"id": appointment},
        ).scalar_one()
        other.commit()
    worker.join(10)
    assert isinstance(outcome[0], WouldOrphan) and outcome[0].appointments[0].id == rebooked
    assert provider_row(engine, provider_id).active is True


# --- bad input ---

BAD_CALLS = [
    pytest.param(
        lambda c, p: providers.update_provider(c, p, "  ", "x"), "name: must not be empty", id="blank provider name"
    ),
    pytest.param(
        lambda c, p: providers.update_provider(c, 999_999, "Dr. X", ""), "provider_id: no such provider", id="no one"
    ),
    pytest.param(
        lambda c, p: providers.update_provider(c, "1; DROP TABLE providers", "Dr. X", ""),
        "provider_id: Input should be a valid integer",
        id="id is text",
    ),
    pytest.param(
        lambda c, p: providers.set_provider_active(c, p, "no"), "active: must be true or false", id="active text"
    ),
    pytest.param(
        lambda c, p: providers.set_weekly_hours(c, p, {2: [WorkingBlock(time(12), time(8), 30)]}),
        "weekly_hours: a block must end after it starts",
        id="block ends first",
    ),
    pytest.param(
        lambda c, p: providers.set_weekly_hours(c, p, {2: [WorkingBlock(time(8), time(12), 4)]}),
        "weekly_hours: slot length must be 5 to 480 minutes",
        id="slot too short",
    ),
    pytest.param(
        lambda c, p: providers.set_weekly_hours(c, p, {2: [WorkingBlock(time(8), time(20), 481)]}),
        "weekly_hours: slot length must be 5 to 480 minutes",
        id="slot too long",
    ),
    pytest.param(
        lambda c, p: providers.set_weekly_hours(c, p, {2: [WorkingBlock(time(8), time(8, 30), 45)]}),
        "weekly_hours: a 45-minute slot does not fit in this 30-minute block",
        id="slot does not fit",
    ),
    pytest.param(
        lambda c, p: providers.set_weekly_hours(
            c, p, {2: [WorkingBlock(time(8), time(12), 30), WorkingBlock(time(11), time(13), 30)]}
        ),
        "weekly_hours: blocks of one weekday must not overlap",
        id="overlap",
    ),
    pytest.param(
        lambda c, p: providers.set_weekly_hours(c, p, {0: [WorkingBlock(time(8), time(12), 30)]}),
        "weekly_hours: weekday must be 1 (Monday) to 7 (Sunday)",
        id="weekday 0",
    ),
    pytest.param(
        lambda c, p: providers.set_weekly_hours(c, p, {2: ["08:00-12:00"]}),
        "weekly_hours: must map weekdays to lists of working blocks",
        id="not blocks",
    ),
    pytest.param(
        lambda c, p: providers.add_time_off(c, p, at(TUESDAY, 10), at(TUESDAY, 9)),
        "ends_at: must be after starts_at",
        id="time off backwards",
    ),
    pytest.param(
        lambda c, p: providers.add_time_off(c, p, at(TUESDAY, 10).replace(tzinfo=None), at(TUESDAY, 11)),
        "starts_at: must include a time zone offset",
        id="naive time off",
    ),
    pytest.param(
        lambda c, p: providers.remove_time_off(c, 999_999),
        "time_off_id: no such time off (it may have been removed at another desk)",
        id="no time off",
    ),
    pytest.param(
        lambda c, p: appointment_types.add_type(c, "Has Space", "X", "#000000"),
        "code: use 1 to 32 lower-case letters, digits, dashes or underscores, starting with a letter",
        id="code format",
    ),
    pytest.param(
        lambda c, p: appointment_types.add_type(c, "consultation", "Again", "#000000"),
        "code: another type already uses this code",
        id="code taken",
    ),
    pytest.param(
        lambda c, p: appointment_types.add_type(c, "x", "X", "red"),
        "color: must be a colour written #rrggbb, e.g. #2563eb",
        id="colour name",
    ),
    pytest.param(
        lambda c, p: appointment_types.add_type(c, "x", "X", "#12345"),
        "color: must be a colour written #rrggbb, e.g. #2563eb",
        id="colour short",
    ),
    pytest.param(
        lambda c, p: appointment_types.add_type(c, "x", "\t", "#123456"), "name: must not be empty", id="blank type"
    ),
    pytest.param(
        lambda c, p: appointment_types.add_type(c, "x", "X", "#123456", "yes"),
        "is_default: Input should be a valid boolean",
        id="default text",
    ),
    pytest.param(
        lambda c, p: appointment_types.update_type(c, 999_999, "x", "X", "#123456", False),
        "type_id: no such appointment type (it may have been removed at another desk)",
        id="no type",
    ),
]


@pytest.mark.parametrize(("call", "expected"), BAD_CALLS)
def test_bad_input_names_the_field_and_writes_nothing(clinic, engine, provider_id, call, expected):
    error = refused(engine, InvalidInput, call, clinic, provider_id)
    assert str(error) == expected


def test_a_provider_name_in_use_is_refused(clinic, engine, provider_id):
    other = providers.add_provider(clinic, "Dr. Other", MORNINGS)
    name = provider_row(engine, provider_id).name
    error = refused(engine, InvalidInput, providers.update_provider, clinic, other, name, "")
    assert str(error) == "name: a provider with this name already exists"


# --- hostile text: stored exactly, or refused naming the field ---

STORED_EXACTLY = [
    "Robert'); DROP TABLE providers;--",
    'Dr. "Quotes" O\'Brien \\ backslash',
    "د. ليلى حداد",  # right-to-left
    "\u202eDr. Reversed",  # a right-to-left override is a format character, not a control character
    "Dr. 🩺 Emoji 👩‍⚕️",
    "%s %(name)s {name} $1 :name",
]
REFUSED = [
    pytest.param("x" * 10_000, "String should have at most", id="10000 chars"),
    pytest.param("Dr.\x00Null", "must not contain control characters", id="NUL"),
    pytest.param("Dr.\nNew line", "must not contain control characters", id="newline"),
    pytest.param("Dr.\x1b[31mRed", "must not contain control characters", id="escape"),
]


@pytest.mark.parametrize("value", STORED_EXACTLY)
def test_hostile_text_is_stored_exactly(clinic, engine, provider_id, value):
    providers.update_provider(clinic, provider_id, value, value)
    assert tuple(provider_row(engine, provider_id))[:2] == (value, value)
    off = providers.add_time_off(clinic, provider_id, at(TUESDAY, 9), at(TUESDAY, 10), value)
    assert providers.provider_setup(clinic, provider_id).time_off[0].reason == value
    type_id = appointment_types.add_type(clinic, "hostile", value, "#abcdef")
    assert type_row(engine, type_id).name == value
    assert off


@pytest.mark.parametrize(("value", "message"), REFUSED)
def test_hostile_text_is_refused_naming_the_field(clinic, engine, provider_id, value, message):
    calls = {
        "name": lambda: providers.update_provider(clinic, provider_id, value, ""),
        "specialty": lambda: providers.update_provider(clinic, provider_id, "Dr. Fine", value),
        "reason": lambda: providers.add_time_off(clinic, provider_id, at(TUESDAY, 9), at(TUESDAY, 10), value),
        "code": lambda: appointment_types.add_type(clinic, value, "Fine", "#abcdef"),
    }
    for field, call in calls.items():
        error = refused(engine, InvalidInput, call)
        assert [e.field for e in error.errors] == [field]
        if field != "code":
            assert message in error.errors[0].message
    error = refused(engine, InvalidInput, appointment_types.add_type, clinic, "fine", value, "#abcdef")
    assert [e.field for e in error.errors] == ["name"] and message in str(error)
