"""Building the time grid's columns: which appointments, hours and time off each day or provider column gets."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain.slots import Interval
from app.services.calendar import ProviderHours
from app.services.rooms import Room
from app.services.schedule import AppointmentView, Provider
from app.ui.views.columns import (
    ColumnTimes,
    clock_text,
    column_times,
    day_columns,
    hour_span,
    intersect,
    merge,
    room_columns,
    subtract,
    wall_minutes,
    week_columns,
)

ZONE = ZoneInfo("Europe/Berlin")
MONDAY = date(2030, 1, 7)
TUESDAY = MONDAY + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def hours(start: int, end: int, day: date = TUESDAY) -> Interval:
    return Interval(at(day, start), at(day, end))


def appointment(
    ident: int, start: datetime, provider_id: int = 1, minutes: int = 30, room_id: int | None = None
) -> AppointmentView:
    return AppointmentView(
        id=ident,
        status="booked",
        starts_at=start.astimezone(ZoneInfo("UTC")),
        ends_at=(start + timedelta(minutes=minutes)).astimezone(ZoneInfo("UTC")),
        notes="",
        provider_id=provider_id,
        provider_name=f"Dr. {provider_id}",
        patient_id=ident,
        patient_name=f"Patient {ident}",
        type_code="consultation",
        type_name="Consultation",
        type_color="#3b82f6",
        room_id=room_id,
    )


def day_hours(
    provider_id: int, day: date, working: list[Interval], time_off: list[Interval] | None = None
) -> ProviderHours:
    return ProviderHours(provider_id, day, working, time_off or [])


def week_of(*providers: tuple[int, list[Interval], list[Interval]]) -> dict[date, list[ProviderHours]]:
    """A calendar where the given providers work on Tuesday only."""
    calendar = {}
    for offset in range(7):
        day = MONDAY + timedelta(days=offset)
        calendar[day] = [
            day_hours(pid, day, working if day == TUESDAY else [], off if day == TUESDAY else [])
            for pid, working, off in providers
        ]
    return calendar


def test_week_columns_are_the_days_from_monday_with_titles_and_counts_and_a_closed_weekend_left_out():
    appointments = [appointment(1, at(TUESDAY, 9)), appointment(2, at(TUESDAY, 10)), appointment(3, at(MONDAY, 8))]
    columns = week_columns(MONDAY, TUESDAY, appointments, week_of((1, [hours(8, 12)], [])), zone=ZONE)
    assert [c.day for c in columns] == [MONDAY + timedelta(days=n) for n in range(5)]
    assert columns[0].title == "Mon 7" and columns[1].title == "Tue 8"
    assert [c.subtitle for c in columns[:3]] == ["1 appointment", "2 appointments", "No appointments"]
    assert [c.is_today for c in columns] == [False, True, False, False, False]
    assert [a.id for a in columns[1].appointments] == [1, 2]


def test_a_weekend_day_with_a_booking_or_today_keeps_its_column():
    saturday, sunday = MONDAY + timedelta(days=5), MONDAY + timedelta(days=6)
    columns = week_columns(MONDAY, sunday, [appointment(1, at(saturday, 9))], week_of(), zone=ZONE)
    assert [c.day for c in columns][-2:] == [saturday, sunday]


def test_appointments_fall_on_the_clinic_day_not_the_utc_day():
    # 00:30 on Tuesday in Berlin is still Monday in UTC.
    early = appointment(1, at(TUESDAY, 0, 30))
    assert early.starts_at.date() == MONDAY
    columns = week_columns(MONDAY, MONDAY, [early], week_of(), zone=ZONE)
    assert [a.id for a in columns[1].appointments] == [1]
    assert columns[0].appointments == []


def test_appointments_are_in_time_order_within_a_column():
    later, earlier = appointment(1, at(TUESDAY, 11)), appointment(2, at(TUESDAY, 9))
    columns = week_columns(MONDAY, MONDAY, [later, earlier], week_of(), zone=ZONE)
    assert [a.id for a in columns[1].appointments] == [2, 1]


def test_one_provider_week_names_the_provider_and_shows_their_time_off():
    calendar = week_of((5, [hours(8, 12), hours(13, 17)], [hours(9, 10)]))
    tuesday = week_columns(MONDAY, MONDAY, [], calendar, zone=ZONE)[1]
    assert tuesday.provider_id == 5
    assert tuesday.working == [hours(8, 12), hours(13, 17)]
    assert tuesday.time_off == [hours(9, 10)]


def test_time_off_outside_working_hours_is_not_shaded():
    calendar = week_of((5, [hours(8, 12)], [Interval(at(MONDAY, 18), at(TUESDAY, 9))]))
    assert week_columns(MONDAY, MONDAY, [], calendar, zone=ZONE)[1].time_off == [hours(8, 9)]


def test_all_providers_week_unites_hours_and_shades_only_time_nobody_covers():
    calendar = week_of(
        (1, [hours(8, 12)], [hours(8, 12)]),  # off all morning
        (2, [hours(10, 16)], [hours(14, 16)]),  # off in the afternoon
    )
    tuesday = week_columns(MONDAY, MONDAY, [], calendar, zone=ZONE)[1]
    assert tuesday.provider_id is None
    assert tuesday.working == [hours(8, 16)]
    # 10-12 provider 2 is in; from 8 to 10 and from 14 to 16 nobody is.
    assert tuesday.time_off == [hours(8, 10), hours(14, 16)]


def test_a_closed_day_has_no_working_hours():
    monday = week_columns(MONDAY, MONDAY, [], week_of((1, [hours(8, 12)], [])), zone=ZONE)[0]
    assert monday.working == [] and monday.time_off == []


def test_day_columns_give_each_provider_their_own_hours_and_appointments():
    providers = [Provider(1, "Dr. Ada", "Cardiology", True), Provider(2, "Dr. Ben", "", True)]
    calendar = {TUESDAY: [day_hours(1, TUESDAY, [hours(8, 12)], [hours(11, 12)]), day_hours(2, TUESDAY, [])]}
    appointments = [appointment(1, at(TUESDAY, 9), provider_id=1), appointment(2, at(TUESDAY, 9), provider_id=2)]
    ada, ben = day_columns(TUESDAY, TUESDAY, providers, appointments, calendar)
    assert (ada.title, ada.subtitle, ada.provider_id, ada.day, ada.is_today) == (
        "Dr. Ada",
        "Cardiology",
        1,
        TUESDAY,
        True,
    )
    assert ada.working == [hours(8, 12)] and ada.time_off == [hours(11, 12)]
    assert [a.id for a in ada.appointments] == [1]
    # Without a specialty the subtitle counts the appointments; a provider not working that day has no hours.
    assert (ben.subtitle, ben.working, [a.id for a in ben.appointments]) == ("1 appointment", [], [2])


def test_day_columns_for_a_provider_missing_from_the_calendar_are_closed():
    (column,) = day_columns(TUESDAY, MONDAY, [Provider(9, "Dr. New", "GP", True)], [], {})
    assert column.working == [] and column.appointments == [] and not column.is_today


def test_interval_arithmetic():
    assert merge([hours(10, 12), hours(8, 9), hours(9, 10), hours(11, 11)]) == [hours(8, 12)]
    assert subtract([hours(8, 17)], [hours(12, 13), hours(16, 18)]) == [hours(8, 12), hours(13, 16)]
    assert subtract([hours(8, 9)], []) == [hours(8, 9)]
    assert intersect([hours(8, 12), hours(13, 17)], [hours(11, 14)]) == [hours(11, 12), hours(13, 14)]
    assert intersect([hours(8, 9)], [hours(9, 10)]) == []


def test_columns_bring_the_lanes_of_overlapping_appointments():
    appointments = [
        appointment(1, at(TUESDAY, 9), provider_id=1),
        appointment(2, at(TUESDAY, 9), provider_id=2, minutes=60),
        appointment(3, at(TUESDAY, 11), provider_id=1),
    ]
    tuesday = week_columns(MONDAY, MONDAY, appointments, week_of(), zone=ZONE)[1]
    assert [a.id for a in tuesday.appointments] == [1, 2, 3]
    assert tuesday.lanes == [(0, 2), (1, 2), (0, 1)]
    providers = [Provider(1, "Dr. Ada", "", True), Provider(2, "Dr. Ben", "", True)]
    ada, ben = day_columns(TUESDAY, MONDAY, providers, appointments, {})
    assert (ada.lanes, ben.lanes) == ([(0, 1), (0, 1)], [(0, 1)])


SPRING_FORWARD = date(2030, 3, 31)  # in Berlin the clocks go from 02:00 to 03:00
FALL_BACK = date(2030, 10, 27)  # from 03:00 back to 02:00


def test_wall_minutes_count_from_the_days_midnight_on_the_clinics_clock():
    assert wall_minutes(TUESDAY, at(TUESDAY, 9, 30), ZONE) == 9 * 60 + 30
    assert wall_minutes(TUESDAY, at(TUESDAY, 9, 30).astimezone(ZoneInfo("UTC")), ZONE) == 9 * 60 + 30
    assert wall_minutes(TUESDAY, at(TUESDAY, 9, 30) + timedelta(seconds=30), ZONE) == 9 * 60 + 30.5
    # Another day lies before 0 or past 1440: an appointment crossing midnight, a night shift starting the day before.
    assert wall_minutes(TUESDAY, at(TUESDAY + timedelta(days=1), 1), ZONE) == 1440 + 60
    assert wall_minutes(TUESDAY, at(MONDAY, 23), ZONE) == -60


def test_wall_minutes_follow_the_clock_on_a_dst_change():
    def later(moment: datetime, hours: int) -> datetime:
        return moment.astimezone(ZoneInfo("UTC")) + timedelta(hours=hours)

    # Spring: an hour after 01:30 the clock shows 03:30.
    assert wall_minutes(SPRING_FORWARD, at(SPRING_FORWARD, 1, 30), ZONE) == 90
    assert wall_minutes(SPRING_FORWARD, later(at(SPRING_FORWARD, 1, 30), 1), ZONE) == 210
    # Autumn: 02:30 comes twice and both read 150; three hours after 01:00 the clock shows 03:00.
    first_pass = datetime(2030, 10, 27, 2, 30, tzinfo=ZONE)
    second_pass = later(first_pass, 1)
    assert wall_minutes(FALL_BACK, first_pass, ZONE) == wall_minutes(FALL_BACK, second_pass, ZONE) == 150
    assert wall_minutes(FALL_BACK, later(at(FALL_BACK, 1), 3), ZONE) == 180


def test_clock_text_is_the_time_on_the_clock():
    assert [clock_text(m) for m in (0, 9 * 60 + 5, 9 * 60 + 5.5, 23 * 60 + 59)] == ["00:00", "09:05", "09:05", "23:59"]
    assert (clock_text(-30), clock_text(1440 + 60)) == ("23:30", "01:00")


def test_column_times_in_wall_minutes():
    buffered = appointment(2, at(TUESDAY, 10), minutes=30)
    buffered = replace(buffered, busy_until=buffered.ends_at + timedelta(minutes=15))  # 15 minutes' buffer after it
    appointments = [appointment(1, at(TUESDAY, 9), minutes=45), buffered]
    calendar = week_of((1, [hours(8, 12), hours(13, 17)], [hours(13, 14)]))
    tuesday = week_columns(MONDAY, MONDAY, appointments, calendar, zone=ZONE)[1]
    assert column_times(tuesday, ZONE) == ColumnTimes(
        appointments=[(540, 585), (600, 630)],
        working=[(480, 720), (780, 1020)],
        time_off=[(780, 840)],
        busy_until=[585, 645],
    )


def test_the_hour_span_grows_to_every_working_interval_and_appointment_within_the_day():
    def times(*spans: tuple[float, float], working: tuple[tuple[float, float], ...] = ()) -> ColumnTimes:
        return ColumnTimes(list(spans), list(working), [])

    assert hour_span([], (7, 19)) == (7, 19)
    assert hour_span([times((540, 570))], (7, 19)) == (7, 19)
    assert hour_span([times((380, 400)), times(working=((480, 1150),))], (7, 19)) == (6, 20)
    # Only whole hours, and never beyond the day: a night appointment runs into the next one.
    assert hour_span([times((30, 70), (1400, 1500))], (7, 19)) == (0, 24)


def test_room_columns_are_the_rooms_in_use_with_their_appointments_open_when_anyone_works():
    rooms = [Room(1, "Procedure 1", "procedure room", True), Room(2, "Old store", "procedure room", False)]
    rooms.append(Room(3, "Ultrasound", "ultrasound", True))
    booked = [appointment(1, at(TUESDAY, 10), room_id=3), appointment(2, at(TUESDAY, 9), 2, 60, room_id=1)]
    booked += [appointment(3, at(TUESDAY, 11), room_id=1), appointment(4, at(TUESDAY, 12))]  # 4 needs no room
    calendar = week_of((1, [hours(8, 12)], [hours(9, 10)]), (2, [hours(13, 17)], []))
    first, ultrasound = room_columns(TUESDAY, MONDAY, rooms, booked, calendar)
    assert (first.title, first.subtitle, first.room_id, first.provider_id) == (
        "Procedure 1", "procedure room · 2 appointments", 1, None
    )  # fmt: skip
    assert [a.id for a in first.appointments] == [2, 3] and [a.id for a in ultrasound.appointments] == [1]
    assert first.working == [hours(8, 12), hours(13, 17)] and first.time_off == []
    assert ultrasound.subtitle == "ultrasound · 1 appointment"
