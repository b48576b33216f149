"""The pure slot calculation: grid, free slots and day bounds, across time zones and DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.domain.slots import (
    Interval,
    Length,
    Span,
    WorkingBlock,
    covered_cells,
    free_spans,
    local_day_bounds,
    slot_grid,
    span_at,
    spans_in_blocks,
)

FIRST_DAY, LAST_DAY = date(2029, 1, 1), date(2031, 12, 31)


def _days(isos: str) -> list[date]:
    return [date.fromisoformat(iso) for iso in isos.split()]


# Every day in 2029-2031 whose length is not 24 hours (the first test checks this against the zone data).
TRANSITION_DAYS: dict[str, list[date]] = {
    "UTC": [],
    "Asia/Kolkata": [],
    # 02:00 -> 03:00 in March, 03:00 -> 02:00 in October
    "Europe/Berlin": _days("2029-03-25 2029-10-28 2030-03-31 2030-10-27 2031-03-30 2031-10-26"),
    # 02:00 -> 03:00 in March, 02:00 -> 01:00 in November
    "America/New_York": _days("2029-03-11 2029-11-04 2030-03-10 2030-11-03 2031-03-09 2031-11-02"),
    # half-hour DST: 02:00 -> 01:30 in April, 02:00 -> 02:30 in October
    "Australia/Lord_Howe": _days("2029-04-01 2029-10-07 2030-04-07 2030-10-06 2031-04-06 2031-10-05"),
    # at midnight: 00:00 -> 01:00 in March (the day has no 00:00), 01:00 -> 00:00 in November
    "America/Havana": _days("2029-03-11 2029-11-04 2030-03-10 2030-11-03 2031-03-09 2031-11-02"),
}
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
LORD_HOWE, HAVANA = ZoneInfo("Australia/Lord_Howe"), ZoneInfo("America/Havana")
HOUR = timedelta(hours=1)


# --- helpers: an independent reading of wall-clock times (utcoffset arithmetic, PEP 495 fold=0) ---


def _fold0(naive: datetime, zone: ZoneInfo) -> datetime:
    return (naive - zone.utcoffset(naive)).replace(tzinfo=UTC)


def wall_exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    naive = datetime.combine(day, wall)
    return _fold0(naive, zone).astimezone(zone).replace(tzinfo=None) == naive


def absolute(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """`wall` on `day` as a UTC instant; a time skipped by a spring-forward is the moment of the change, which
    is found here by walking the wall clock forward a minute at a time to the first time that exists."""
    naive = datetime.combine(day, wall)
    while _fold0(naive, zone).astimezone(zone).replace(tzinfo=None) != naive:
        naive += timedelta(minutes=1)
    return _fold0(naive, zone)


def local_walls(slots: list[Interval], zone: ZoneInfo) -> list[str]:
    return [slot.start.astimezone(zone).strftime("%H:%M%z") for slot in slots]


def overlap(a: Interval, b: Interval) -> bool:
    return a.start < b.end and b.start < a.end


# --- strategies ---


@st.composite
def zone_and_day(draw) -> tuple[ZoneInfo, date]:
    name = draw(st.sampled_from(sorted(TRANSITION_DAYS)))
    any_day = st.dates(FIRST_DAY, LAST_DAY)
    transitions = TRANSITION_DAYS[name]
    # Half of the days are DST change days (where the zone has them), so the edge cases get real attention.
    day = draw(st.one_of(st.sampled_from(transitions), any_day) if transitions else any_day)
    return ZoneInfo(name), day


def minute_of_day(low: int = 0, high: int = 24 * 60 - 1) -> st.SearchStrategy[int]:
    return st.integers(low, high)


def wall(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@st.composite
def working_block(draw) -> WorkingBlock:
    start = draw(minute_of_day(0, 24 * 60 - 2))
    end = draw(minute_of_day(start + 1))
    return WorkingBlock(wall(start), wall(end), draw(st.integers(5, 480)))


@st.composite
def working_day(draw) -> list[WorkingBlock]:
    """Blocks that do not overlap in wall-clock time (the database's working_hours constraint)."""
    cuts = sorted(draw(st.sets(minute_of_day(), min_size=2, max_size=8)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return [WorkingBlock(wall(a), wall(b), draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90]))) for a, b in pairs]


# --- the zone data the strategies lean on ---


def test_transition_days_are_exactly_the_days_that_are_not_24_hours_long():
    for name, listed in TRANSITION_DAYS.items():
        zone, found, day = ZoneInfo(name), [], FIRST_DAY
        while day <= LAST_DAY:
            bounds = local_day_bounds(day, zone)
            if bounds.end - bounds.start != timedelta(hours=24):
                found.append(day)
            day += timedelta(days=1)
        assert found == listed, name


# --- local_day_bounds ---


@given(zone_and_day(), st.data())
def test_day_bounds_cover_exactly_the_instants_of_that_local_date(zone_day, data):
    zone, day = zone_day
    bounds = local_day_bounds(day, zone)
    assert bounds.start.tzinfo is UTC and bounds.end.tzinfo is UTC
    microseconds = (bounds.end - bounds.start) // timedelta(microseconds=1)
    inside = bounds.start + timedelta(microseconds=data.draw(st.integers(0, microseconds - 1)))
    assert inside.astimezone(zone).date() == day
    assert bounds.start.astimezone(zone).date() == day
    assert (bounds.start - timedelta(microseconds=1)).astimezone(zone).date() == day - timedelta(days=1)
    assert bounds.end.astimezone(zone).date() == day + timedelta(days=1)
    assert local_day_bounds(day + timedelta(days=1), zone).start == bounds.end  # days tile the time line


@given(zone_and_day())
def test_day_length_is_24_hours_plus_the_offset_change(zone_day):
    zone, day = zone_day
    bounds = local_day_bounds(day, zone)
    midnight, next_midnight = datetime.combine(day, time()), datetime.combine(day + timedelta(days=1), time())
    assert bounds.end - bounds.start == timedelta(hours=24) + zone.utcoffset(midnight) - zone.utcoffset(next_midnight)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (BERLIN, date(2030, 3, 31), 23),
        (BERLIN, date(2030, 10, 27), 25),
        (BERLIN, date(2030, 1, 7), 24),
        (NEW_YORK, date(2030, 3, 10), 23),
        (NEW_YORK, date(2030, 11, 3), 25),
        (LORD_HOWE, date(2030, 10, 6), 23.5),
        (LORD_HOWE, date(2030, 4, 7), 24.5),
        (HAVANA, date(2030, 3, 10), 23),
        (HAVANA, date(2030, 11, 3), 25),
    ],
)
def test_day_lengths_on_dst_days(zone, day, hours):
    bounds = local_day_bounds(day, zone)
    assert bounds.end - bounds.start == timedelta(hours=hours)


def test_a_day_whose_midnight_is_skipped_starts_at_the_change():
    bounds = local_day_bounds(date(2030, 3, 10), HAVANA)  # 00:00 CST jumps to 01:00 CDT
    assert bounds.start == datetime(2030, 3, 10, 5, 0, tzinfo=UTC)
    assert bounds.start.astimezone(HAVANA).strftime("%H:%M%z") == "01:00-0400"


# --- slot_grid ---


@settings(max_examples=300)
@given(zone_and_day(), working_block())
def test_a_block_is_cut_into_back_to_back_slots_filling_its_absolute_duration(zone_day, block):
    zone, day = zone_day
    start, end = absolute(day, block.start, zone), absolute(day, block.end, zone)
    length = timedelta(minutes=block.slot_minutes)
    grid = slot_grid(day, [block], zone)

    assert len(grid) == max(0, (end - start) // length)
    for slot in grid:
        assert slot.start.tzinfo is UTC
        assert slot.end - slot.start == length
        assert start <= slot.start and slot.end <= end
    if grid:
        assert grid[0].start == start
        assert end - grid[-1].end < length  # no room for one more
    for earlier, later in pairwise(grid):
        assert earlier.end == later.start


@settings(max_examples=300)
@given(zone_and_day(), working_block())
def test_without_an_offset_change_in_the_block_slots_follow_the_wall_clock(zone_day, block):
    zone, day = zone_day
    starts_naive, ends_naive = datetime.combine(day, block.start), datetime.combine(day, block.end)
    assume(zone.utcoffset(starts_naive) == zone.utcoffset(ends_naive))
    assume(wall_exists(day, block.start, zone) and wall_exists(day, block.end, zone))
    length = timedelta(minutes=block.slot_minutes)
    grid = slot_grid(day, [block], zone)

    assert len(grid) == (ends_naive - starts_naive) // length
    expected = [starts_naive + i * length for i in range(len(grid))]
    assert [slot.start.astimezone(zone).replace(tzinfo=None) for slot in grid] == expected


@settings(max_examples=300)
@given(zone_and_day(), working_day())
def test_a_working_day_gives_sorted_slots_that_never_overlap(zone_day, blocks):
    zone, day = zone_day
    grid = slot_grid(day, blocks, zone)

    per_block = [slot_grid(day, [block], zone) for block in blocks]
    assert sorted(slot for slots in per_block for slot in slots) == grid
    for earlier, later in pairwise(grid):
        assert earlier.end <= later.start
    lengths = {timedelta(minutes=b.slot_minutes) for b in blocks}
    assert all(slot.end - slot.start in lengths for slot in grid)


@pytest.mark.parametrize(
    ("zone", "day", "slot_minutes", "walls"),
    [
        # spring forward: 02:00-03:00 does not exist, five hours of slots
        (BERLIN, date(2030, 3, 31), 60, ["00:00+0100", "01:00+0100", "03:00+0200", "04:00+0200", "05:00+0200"]),
        # fall back: 02:00-03:00 happens twice, seven hours of slots
        (
            BERLIN,
            date(2030, 10, 27),
            60,
            ["00:00+0200", "01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100", "04:00+0100", "05:00+0100"],
        ),
        (NEW_YORK, date(2030, 3, 10), 60, ["00:00-0500", "01:00-0500", "03:00-0400", "04:00-0400", "05:00-0400"]),
        (
            NEW_YORK,
            date(2030, 11, 3),
            60,
            ["00:00-0400", "01:00-0400", "01:00-0500", "02:00-0500", "03:00-0500", "04:00-0500", "05:00-0500"],
        ),
    ],
)
def test_a_night_block_across_a_dst_change_holds_the_real_hours(zone, day, slot_minutes, walls):
    grid = slot_grid(day, [WorkingBlock(time(0), time(6), slot_minutes)], zone)
    assert local_walls(grid, zone) == walls
    assert grid[-1].end - grid[0].start == len(walls) * HOUR


@pytest.mark.parametrize(
    ("zone", "day", "count"),
    [
        (BERLIN, date(2030, 3, 31), 10),  # 5 h
        (BERLIN, date(2030, 10, 27), 14),  # 7 h
        (BERLIN, date(2030, 3, 30), 12),  # the day before: 6 h
        (LORD_HOWE, date(2030, 10, 6), 11),  # 02:00 -> 02:30: 5.5 h
        (LORD_HOWE, date(2030, 4, 7), 13),  # 02:00 -> 01:30: 6.5 h
        (HAVANA, date(2030, 3, 10), 10),  # 00:00 -> 01:00: 5 h
    ],
)
def test_half_hour_slot_counts_across_dst_changes(zone, day, count):
    grid = slot_grid(day, [WorkingBlock(time(0), time(6), 30)], zone)
    assert len(grid) == count


def test_lord_howe_skips_half_an_hour_in_october():
    grid = slot_grid(date(2030, 10, 6), [WorkingBlock(time(1), time(4), 30)], LORD_HOWE)
    assert local_walls(grid, LORD_HOWE) == ["01:00+1030", "01:30+1030", "02:30+1100", "03:00+1100", "03:30+1100"]


def test_office_hours_on_an_ordinary_day():
    blocks = [WorkingBlock(time(8), time(12), 30), WorkingBlock(time(13), time(17), 30)]
    grid = slot_grid(date(2030, 1, 8), blocks, BERLIN)
    walls = local_walls(grid, BERLIN)
    assert len(grid) == 16
    assert walls[:2] == ["08:00+0100", "08:30+0100"]
    assert walls[7:9] == ["11:30+0100", "13:00+0100"]
    assert walls[-1] == "16:30+0100"


def test_a_tail_shorter_than_a_slot_is_not_a_slot():
    grid = slot_grid(date(2030, 1, 8), [WorkingBlock(time(8), time(9, 50), 30)], BERLIN)
    assert local_walls(grid, BERLIN) == ["08:00+0100", "08:30+0100", "09:00+0100"]
    assert grid[-1].end == datetime(2030, 1, 8, 9, 30, tzinfo=BERLIN)


def test_summer_office_hours_use_summer_time():
    grid = slot_grid(date(2030, 7, 2), [WorkingBlock(time(8), time(9), 30)], BERLIN)
    assert [s.start for s in grid] == [datetime(2030, 7, 2, 6, 0, tzinfo=UTC), datetime(2030, 7, 2, 6, 30, tzinfo=UTC)]


def test_span_at_finds_only_exact_starts_whose_whole_span_fits():
    blocks, day = [WorkingBlock(time(8), time(10), 30)], date(2030, 1, 8)
    hour = Length(60)
    assert span_at(day, blocks, BERLIN, hour, _tuesday(8, 30)) == Span(
        _tuesday(8, 30).astimezone(UTC), _tuesday(9, 30).astimezone(UTC), _tuesday(9, 30).astimezone(UTC)
    )
    assert span_at(day, blocks, BERLIN, hour, _tuesday(8, 40)) is None  # off the grid
    assert span_at(day, blocks, BERLIN, hour, _tuesday(9, 30)) is None  # would run past 10:00
    assert span_at(day, blocks, BERLIN, Length(15, 15), _tuesday(9, 30)).busy_until == _tuesday(10)


def test_spans_start_on_the_grid_and_keep_their_buffer_inside_the_block():
    blocks = [WorkingBlock(time(8), time(12), 30)]
    starts = [
        s.start.astimezone(BERLIN).strftime("%H:%M")
        for s in spans_in_blocks(date(2030, 1, 8), blocks, BERLIN, Length(60, 15))
    ]
    assert starts == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"]


lengths = st.builds(Length, st.integers(5, 180), st.integers(0, 30))


@settings(max_examples=300)
@given(zone_and_day(), working_day(), lengths, st.integers(0, 26 * 60), st.data())
def test_span_at_agrees_with_the_spans_of_the_day(zone_day, blocks, length, minutes, data):
    zone, day = zone_day
    spans = spans_in_blocks(day, blocks, zone, length)
    start = local_day_bounds(day, zone).start + timedelta(minutes=minutes)
    if spans and data.draw(st.booleans()):  # half the time a start where a span fits
        start = data.draw(st.sampled_from(spans)).start
    expected = next((span for span in spans if span.start == start), None)
    assert span_at(day, blocks, zone, length, start) == expected


@settings(max_examples=500)
@given(zone_and_day(), working_day(), lengths, lengths, st.data())
def test_two_overlapping_spans_cover_a_common_grid_position(zone_day, blocks, first_length, second_length, data):
    """What makes locking the covered positions serialise overlapping bookings, wherever they start."""
    zone, day = zone_day
    first_spans = spans_in_blocks(day, blocks, zone, first_length)
    second_spans = spans_in_blocks(day, blocks, zone, second_length)
    if not first_spans or not second_spans:
        return
    first, second = data.draw(st.sampled_from(first_spans)), data.draw(st.sampled_from(second_spans))
    first_cells, second_cells = covered_cells(day, blocks, zone, first), covered_cells(day, blocks, zone, second)
    assert first_cells and second_cells
    assert all(overlap(cell, first.busy) for cell in first_cells)
    if first.busy.overlaps(second.busy):
        assert set(first_cells) & set(second_cells)


# --- free_spans ---


@st.composite
def day_with_busy_times(draw):
    """A day's spans, things in the way (time off, appointments), a clock and maybe a horizon, near that day."""
    zone, day = draw(zone_and_day())
    spans = spans_in_blocks(day, draw(working_day()), zone, draw(lengths))
    bounds = local_day_bounds(day, zone)
    window = int((bounds.end - bounds.start).total_seconds() // 60) + 4 * 60
    instant = st.integers(0, window).map(lambda m: bounds.start - 2 * HOUR + timedelta(minutes=m))
    busy = draw(
        st.lists(
            st.builds(lambda s, d: Interval(s, s + timedelta(minutes=d)), instant, st.integers(1, 6 * 60)),
            max_size=6,
        )
    )
    now = draw(instant)
    horizon = draw(st.none() | instant)
    return spans, busy, now, horizon


@settings(max_examples=300)
@given(day_with_busy_times())
def test_free_spans_are_the_future_spans_whose_busy_part_overlaps_nothing(case):
    spans, busy, now, horizon = case
    free = free_spans(spans, busy, now, horizon)

    assert free == [span for span in spans if span in free]  # a subset, in order
    for span in free:
        assert span.start > now
        assert horizon is None or span.start <= horizon
        assert not any(overlap(span.busy, b) for b in busy)
    for span in spans:
        if span not in free:  # every span left out has a reason
            assert (
                span.start <= now
                or (horizon is not None and span.start > horizon)
                or any(overlap(span.busy, b) for b in busy)
            )


def _tuesday(hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 1, 8, hour, minute, tzinfo=BERLIN)


TUESDAY_HALF_HOURS = spans_in_blocks(date(2030, 1, 8), [WorkingBlock(time(8), time(12), 30)], BERLIN, Length(30))


def _starts(spans: list[Span]) -> list[str]:
    return [span.start.astimezone(BERLIN).strftime("%H:%M") for span in spans]


def test_time_off_removes_the_spans_it_touches_and_no_others():
    off = Interval(_tuesday(10).astimezone(UTC), _tuesday(11).astimezone(UTC))
    free = free_spans(TUESDAY_HALF_HOURS, [off], now=_tuesday(7))
    assert _starts(free) == ["08:00", "08:30", "09:00", "09:30", "11:00", "11:30"]


def test_a_longer_appointment_blocks_every_span_under_it():
    busy = Interval(_tuesday(8, 45), _tuesday(9, 45))  # e.g. booked before the slot length changed
    assert _starts(free_spans(TUESDAY_HALF_HOURS, [busy], _tuesday(7))) == ["08:00", "10:00", "10:30", "11:00", "11:30"]


def test_a_buffer_must_be_clear_too():
    with_buffer = spans_in_blocks(date(2030, 1, 8), [WorkingBlock(time(8), time(12), 30)], BERLIN, Length(30, 10))
    busy = Interval(_tuesday(10), _tuesday(10, 30))
    assert _starts(free_spans(with_buffer, [busy], _tuesday(7))) == ["08:00", "08:30", "09:00", "10:30", "11:00"]


def test_a_span_starting_now_is_past_and_the_horizon_is_inclusive():
    free = free_spans(TUESDAY_HALF_HOURS, [], now=_tuesday(9), horizon_end=_tuesday(10))
    assert [span.start for span in free] == [_tuesday(9, 30), _tuesday(10)]


def test_free_spans_with_nothing_in_the_way_are_all_of_them():
    assert free_spans(TUESDAY_HALF_HOURS, [], now=_tuesday(7)) == TUESDAY_HALF_HOURS
    assert free_spans([], [], now=_tuesday(7)) == []


def test_block_edges_in_a_skipped_hour_are_read_as_the_moment_of_the_change():
    spring_forward = date(2030, 3, 31)  # Berlin: 02:00 CET jumps to 03:00 CEST (01:00 UTC)
    change = datetime(2030, 3, 31, 1, 0, tzinfo=UTC)
    blocks = [WorkingBlock(time(0), time(2, 45), 15), WorkingBlock(time(3), time(5), 60)]
    grid = slot_grid(spring_forward, blocks, BERLIN)
    assert grid[7].end == change  # the first block ends when the clocks jump
    assert grid[8] == Interval(change, change + HOUR)  # the second starts then, without overlap
    assert slot_grid(spring_forward, [WorkingBlock(time(2), time(2, 30), 15)], BERLIN) == []


def test_a_start_whose_grid_step_does_not_fit_its_block_is_no_start():
    """Havana's clocks jump from midnight to 01:00 on 11 March 2029: a block from 00:02 to 01:05 with a 10-minute
    grid holds five real minutes, no whole step, so no appointment (even a 5-minute one) starts in it."""
    havana, day = ZoneInfo("America/Havana"), date(2029, 3, 11)
    blocks = [WorkingBlock(time(0, 2), time(1, 5), 10)]
    change = datetime(2029, 3, 11, 5, 0, tzinfo=UTC)
    assert spans_in_blocks(day, blocks, havana, Length(5)) == []
    assert span_at(day, blocks, havana, Length(5), change) is None
