"""Reading a schedule notification, and whether it concerns what a desk shows."""

import json
import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.live.changes import CHANNEL, Change, NotAChange, parse
from app.live.listener import IgnoredNotifications

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
LISTENER_LOGGER = "app.live.listener"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _spans(spans: list) -> str:
    return json.dumps({"table": "appointments", "op": "INSERT", "spans": spans})


def _change(*spans: tuple[datetime, datetime], provider_id: int | None = 7) -> Change:
    return Change(table="appointments", op="INSERT", row_id=1, provider_id=provider_id, spans=tuple(spans))


def test_channel_is_the_one_the_trigger_announces_on():
    assert CHANNEL == "clinic_schedule"


# --- parse ---


def test_parse_reads_what_the_trigger_sends():
    # Exactly as to_jsonb prints timestamptz values in a session with TimeZone = UTC.
    payload = (
        '{"id": 12, "op": "UPDATE", "spans": [["2030-01-07T08:00:00+00:00", "2030-01-07T08:30:00+00:00"],'
        ' ["2030-01-08T09:00:00+00:00", "2030-01-08T09:30:00+00:00"]], "table": "appointments", "provider_id": 3}'
    )
    change = parse(payload)
    assert change == Change(
        table="appointments",
        op="UPDATE",
        row_id=12,
        provider_id=3,
        spans=(
            (_utc("2030-01-07T08:00"), _utc("2030-01-07T08:30")),
            (_utc("2030-01-08T09:00"), _utc("2030-01-08T09:30")),
        ),
    )
    assert all(moment.utcoffset() == timedelta(0) for span in change.spans for moment in span)


def test_parse_keeps_other_offsets_and_fractions_of_a_second():
    payload = json.dumps(
        {
            "table": "time_off",
            "op": "DELETE",
            "id": 5,
            "provider_id": 2,
            "spans": [["2030-03-31T01:30:00.250000+01:00", "2030-03-31T03:30:00+02:00"]],
        }
    )
    change = parse(payload)
    assert change is not None
    ((start, end),) = change.spans
    assert start == _utc("2030-03-31T00:30:00.25")
    assert end == _utc("2030-03-31T01:30")
    assert end - start == timedelta(minutes=59, seconds=59, microseconds=750000)


def test_parse_reads_a_change_not_tied_to_a_time():
    working_hours = parse('{"table": "working_hours", "op": "INSERT", "id": 4, "provider_id": 9, "spans": null}')
    assert working_hours == Change("working_hours", "INSERT", 4, 9, None)
    provider = parse('{"table": "providers", "op": "UPDATE", "id": 9, "provider_id": 9}')  # spans left out
    assert provider == Change("providers", "UPDATE", 9, 9, None)


@pytest.mark.parametrize("table", ["patients", "appointment_types"])
def test_a_patient_or_a_type_changes_what_is_shown_never_which_times_are_free(table):
    change = parse(f'{{"table": "{table}", "op": "UPDATE", "id": 3, "provider_id": null, "spans": null}}')
    assert change == Change(table, "UPDATE", 3, None, None)
    assert not change.touches(None, date(2000, 1, 1), date(2100, 1, 1), BERLIN)
    assert not change.touches(3, date(2000, 1, 1), date(2100, 1, 1), BERLIN)


def test_parse_accepts_no_spans_at_all_as_touching_nothing():
    change = parse('{"table": "appointments", "op": "INSERT", "id": 1, "provider_id": 1, "spans": []}')
    assert change is not None
    assert change.spans == ()
    assert not change.touches(1, date(2000, 1, 1), date(2100, 1, 1), BERLIN)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not json at all",
        "{broken",
        "null",
        "42",
        '"appointments"',
        "[1, 2]",
        "{}",
        '{"op": "INSERT", "id": 1}',  # no table
        '{"table": "appointments", "id": 1}',  # no op
        '{"table": "appointments", "op": "INSERT", "spans": [["yesterday", "today"]]}',
        '{"table": "appointments", "op": "INSERT", "spans": [["2030-01-07T08:00:00+00:00"]]}',
        '{"table": "appointments", "op": "INSERT", "spans": [[null, "2030-01-07T08:00:00+00:00"]]}',
        '{"table": "appointments", "op": "INSERT", "spans": [[1, 2]]}',
        '{"table": "appointments", "op": "INSERT", "spans": 5}',
        '{"table": "appointments", "op": "INSERT", "spans": ["2030-01-07T08:00:00+00:00"]}',
        # Times without an offset would be read in the machine's own zone: not ours, and not guessed at.
        '{"table": "appointments", "op": "INSERT", "spans": [["2030-01-07T08:00:00", "2030-01-07T08:30:00"]]}',
        '{"table": "appointments", "op": "INSERT", "spans": [["2030-01-07", "2030-01-08"]]}',
        # An id that is not a number would silently match no view.
        '{"table": "appointments", "op": "INSERT", "id": 1, "provider_id": "3", "spans": null}',
        '{"table": "appointments", "op": "INSERT", "id": 1, "provider_id": true, "spans": null}',
        '{"table": "appointments", "op": "INSERT", "id": [1], "provider_id": 3, "spans": null}',
    ],
)
def test_parse_refuses_what_is_not_a_schedule_change(payload):
    with pytest.raises(NotAChange):
        parse(payload)


# Any login may NOTIFY on the channel: what the trigger never sends is refused, and nothing in a payload can make
# a desk's arithmetic fail.
@pytest.mark.parametrize(
    "payload",
    [
        '{"table": "pg_authid", "op": "INSERT", "id": 1}',  # a table the trigger does not watch
        '{"table": "appointments", "op": "TRUNCATE", "id": 1}',
        '{"table": "appointments", "op": "INSERT", "id": 1, "extra": "x"}',  # a key the trigger never sends
        '{"table": "appointments", "op": "INSERT", "id": 0}',
        '{"table": "appointments", "op": "INSERT", "id": -5}',
        '{"table": "appointments", "op": "INSERT", "id": 9223372036854775808}',
        '{"table": "appointments", "op": "INSERT", "id": 1e400}',
        _spans([["2030-01-07T09:00:00+00:00", "2030-01-07T08:00:00+00:00"]]),  # ends before it starts
        _spans([["2030-01-07T08:00:00+00:00"] * 2] * 3),  # the trigger sends at most old and new
        _spans([["2030-01-07T08:00:00+00:00", "2030-01-07T08:00:00+00:00", "x"]]),
        "[" * 100_000 + "]" * 100_000,  # too long (and too deep for json)
        '{"table": "appointments", "op": "INSERT", "note": "' + "x" * 2000 + '"}',
    ],
)
def test_parse_refuses_what_the_trigger_never_sends(payload):
    with pytest.raises(NotAChange):
        parse(payload)


@pytest.mark.parametrize(
    "start, end",
    [
        ("9999-12-31T23:00:00+00:00", "9999-12-31T23:59:59.999999+00:00"),
        ("9999-12-31T20:00:00-05:00", "9999-12-31T23:59:59-05:00"),  # beyond the year 9999 in UTC
        ("0001-01-01T00:00:00+00:00", "0001-01-01T00:30:00+00:00"),
        ("0001-01-01T00:30:00+14:00", "0001-01-01T01:00:00+14:00"),  # before the year 1 in UTC
    ],
)
def test_times_at_the_ends_of_the_calendar_are_held_where_every_zone_can_show_them(start, end):
    change = parse(json.dumps({"table": "time_off", "op": "INSERT", "provider_id": 2, "spans": [[start, end]]}))
    year = date.fromisoformat(start[:10]).year
    for zone in (BERLIN, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")):
        assert not change.touches(2, date(2030, 1, 1), date(2030, 1, 31), zone)
        assert change.touches(2, date(year, 1, 1) if year == 1 else date(year, 12, 1), date(year, 12, 31), zone)


# --- notifications that are not ours, in the log ---


def test_the_first_notification_that_is_not_ours_is_logged_with_its_sender(caplog):
    clock = [0.0]
    ignored = IgnoredNotifications(every=60, clock=lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger=LISTENER_LOGGER):
        ignored.note("not json: x", sender_pid=4242)
    (record,) = caplog.records
    assert "server process 4242" in record.getMessage() and "not json" in record.getMessage()


def test_a_flood_of_notifications_that_are_not_ours_is_logged_once_a_minute_with_its_count(caplog):
    clock = [0.0]
    ignored = IgnoredNotifications(every=60, clock=lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger=LISTENER_LOGGER):
        for second in range(120):
            clock[0] = float(second)
            for _ in range(100):
                ignored.note("forged", sender_pid=7)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("ignored 1 notification(s)")
    assert messages[1].startswith("ignored 6000 notification(s)")


def test_parse_refusal_shows_only_the_start_of_a_long_payload():
    with pytest.raises(NotAChange) as refused:
        parse("x" * 5000)
    assert "x" * 200 in str(refused.value)
    assert "x" * 201 not in str(refused.value)


# --- touches: which provider ---

MONDAY = date(2030, 1, 7)
MONDAY_MORNING = (_utc("2030-01-07T08:00"), _utc("2030-01-07T08:30"))  # 09:00-09:30 in Berlin


def test_touches_only_the_provider_it_concerns():
    change = _change(MONDAY_MORNING, provider_id=7)
    assert change.touches(7, MONDAY, MONDAY, BERLIN)
    assert not change.touches(8, MONDAY, MONDAY, BERLIN)


def test_a_view_of_every_provider_sees_every_provider_s_change():
    assert _change(MONDAY_MORNING, provider_id=7).touches(None, MONDAY, MONDAY, BERLIN)


def test_a_change_without_a_provider_concerns_every_provider():
    assert _change(MONDAY_MORNING, provider_id=None).touches(8, MONDAY, MONDAY, BERLIN)


def test_a_change_not_tied_to_a_time_touches_every_day_of_its_provider():
    weekly_hours = Change("working_hours", "INSERT", 4, 7, None)
    assert weekly_hours.touches(7, date(1999, 1, 1), date(1999, 1, 1), BERLIN)
    assert weekly_hours.touches(None, date(2090, 6, 1), date(2090, 6, 30), BERLIN)
    assert not weekly_hours.touches(8, MONDAY, MONDAY, BERLIN), "the provider filter still applies"


# --- touches: which days ---


def test_days_outside_the_range_are_not_touched():
    change = _change(MONDAY_MORNING)
    assert change.touches(7, MONDAY, MONDAY, BERLIN)
    assert change.touches(7, date(2030, 1, 1), date(2030, 1, 31), BERLIN)
    assert not change.touches(7, date(2030, 1, 8), date(2030, 1, 14), BERLIN), "the range starts after it"
    assert not change.touches(7, date(2029, 12, 31), date(2030, 1, 6), BERLIN), "the range ends before it"


def test_any_of_the_spans_counts_old_or_new():
    moved = _change(MONDAY_MORNING, (_utc("2030-01-10T08:00"), _utc("2030-01-10T08:30")))  # Monday -> Thursday
    assert moved.touches(7, MONDAY, MONDAY, BERLIN), "the view showing where it was"
    assert moved.touches(7, date(2030, 1, 10), date(2030, 1, 10), BERLIN), "the view showing where it is"
    assert not moved.touches(7, date(2030, 1, 8), date(2030, 1, 9), BERLIN), "the days between"


def test_a_span_ending_at_local_midnight_does_not_touch_the_next_day():
    # 23:30-00:00 in Berlin (UTC+1 in January): 22:30-23:00 UTC.
    late = _change((_utc("2030-01-07T22:30"), _utc("2030-01-07T23:00")))
    assert late.touches(7, MONDAY, MONDAY, BERLIN)
    assert not late.touches(7, date(2030, 1, 8), date(2030, 1, 8), BERLIN)
    # One microsecond later it does.
    later = _change((_utc("2030-01-07T22:30"), _utc("2030-01-07T23:00") + timedelta(microseconds=1)))
    assert later.touches(7, date(2030, 1, 8), date(2030, 1, 8), BERLIN)


def test_a_span_starting_at_local_midnight_touches_that_day_only():
    early = _change((_utc("2030-01-07T23:00"), _utc("2030-01-07T23:30")))  # 00:00-00:30 on Tuesday in Berlin
    assert early.touches(7, date(2030, 1, 8), date(2030, 1, 8), BERLIN)
    assert not early.touches(7, MONDAY, MONDAY, BERLIN)


def test_a_span_over_several_days_touches_each_of_them():
    week_off = _change((_utc("2030-01-06T23:00"), _utc("2030-01-11T23:00")))  # Monday 00:00 to Saturday 00:00
    for offset in range(5):
        day = MONDAY + timedelta(days=offset)
        assert week_off.touches(7, day, day, BERLIN), day
    assert not week_off.touches(7, date(2030, 1, 6), date(2030, 1, 6), BERLIN)
    assert not week_off.touches(7, date(2030, 1, 12), date(2030, 1, 12), BERLIN)


def test_the_day_is_the_clinic_s_local_day_not_utc():
    # 00:30 on Tuesday in Berlin is still Monday in UTC.
    change = _change((_utc("2030-01-07T23:30"), _utc("2030-01-08T00:00")))
    assert change.touches(7, date(2030, 1, 8), date(2030, 1, 8), BERLIN)
    assert not change.touches(7, MONDAY, MONDAY, BERLIN)
    assert change.touches(7, MONDAY, MONDAY, UTC_ZONE)
    assert not change.touches(7, date(2030, 1, 8), date(2030, 1, 8), UTC_ZONE)


def test_zone_conversion_follows_the_daylight_saving_change_in_berlin():
    # 31 March 2030: clocks go from 02:00 CET (UTC+1) to 03:00 CEST (UTC+2).
    # Local midnight starting 1 April is 22:00 UTC on 31 March; a fixed UTC+1 would put it at 23:00.
    sunday, monday = date(2030, 3, 31), date(2030, 4, 1)
    last_half_hour = _change((_utc("2030-03-31T21:30"), _utc("2030-03-31T22:00")))  # 23:30-00:00 CEST
    assert last_half_hour.touches(7, sunday, sunday, BERLIN)
    assert not last_half_hour.touches(7, monday, monday, BERLIN)

    first_half_hour = _change((_utc("2030-03-31T22:00"), _utc("2030-03-31T22:30")))  # 00:00-00:30 CEST, 1 April
    assert first_half_hour.touches(7, monday, monday, BERLIN)
    assert not first_half_hour.touches(7, sunday, sunday, BERLIN)

    # Local midnight starting 31 March is still in winter time: 23:00 UTC on 30 March.
    before_the_change = _change((_utc("2030-03-30T22:30"), _utc("2030-03-30T23:00")))  # 23:30-00:00 CET, 30 March
    assert before_the_change.touches(7, date(2030, 3, 30), date(2030, 3, 30), BERLIN)
    assert not before_the_change.touches(7, sunday, sunday, BERLIN)

    # Across the change itself: 01:30 CET to 03:30 CEST is one hour of real time, all on 31 March.
    over_the_gap = _change((_utc("2030-03-31T00:30"), _utc("2030-03-31T01:30")))
    assert over_the_gap.touches(7, sunday, sunday, BERLIN)
    assert not over_the_gap.touches(7, date(2030, 3, 30), date(2030, 3, 30), BERLIN)
    assert not over_the_gap.touches(7, monday, monday, BERLIN)


def test_zone_conversion_follows_the_autumn_change_in_berlin():
    # 27 October 2030: 03:00 CEST becomes 02:00 CET; the day has 25 hours and ends at 23:00 UTC.
    sunday, monday = date(2030, 10, 27), date(2030, 10, 28)
    last_hour = _change((_utc("2030-10-27T22:00"), _utc("2030-10-27T23:00")))  # 23:00-00:00 CET
    assert last_hour.touches(7, sunday, sunday, BERLIN)
    assert not last_hour.touches(7, monday, monday, BERLIN)
    # The repeated hour 02:00-03:00 (once in CEST, once in CET) is all on that Sunday.
    repeated = _change((_utc("2030-10-27T00:00"), _utc("2030-10-27T02:00")))
    assert repeated.touches(7, sunday, sunday, BERLIN)
    assert not repeated.touches(7, date(2030, 10, 26), date(2030, 10, 26), BERLIN)
    assert not repeated.touches(7, monday, monday, BERLIN)


def test_spans_given_in_another_offset_are_read_in_the_clinic_s_zone():
    # The same moment as MONDAY_MORNING, written with a New York offset.
    new_york = datetime(2030, 1, 7, 3, 0, tzinfo=ZoneInfo("America/New_York"))
    change = _change((new_york, new_york + timedelta(minutes=30)))
    assert change.touches(7, MONDAY, MONDAY, BERLIN)
    assert not change.touches(7, date(2030, 1, 6), date(2030, 1, 6), BERLIN)
