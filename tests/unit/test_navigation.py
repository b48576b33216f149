from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.ui.navigation import ViewMode, step, title, visible_range

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(days)
def test_month_grid_is_six_weeks_from_a_monday_and_holds_the_whole_month(anchor):
    first, last = visible_range(ViewMode.MONTH, anchor)
    assert first.weekday() == 0
    assert (last - first).days == 41
    assert first <= anchor.replace(day=1)
    assert last >= step(ViewMode.MONTH, anchor.replace(day=1), 1) - timedelta(days=1)


@given(days)
def test_week_runs_monday_to_sunday_around_the_anchor(anchor):
    first, last = visible_range(ViewMode.WEEK, anchor)
    assert first.weekday() == 0 and last.weekday() == 6
    assert first <= anchor <= last


@given(days, st.sampled_from(list(ViewMode)))
def test_stepping_forward_then_back_returns_to_the_same_view(anchor, mode):
    back = step(mode, step(mode, anchor, 1), -1)
    assert visible_range(mode, back) == visible_range(mode, anchor)


def test_month_step_clamps_to_the_last_day_of_a_shorter_month():
    assert step(ViewMode.MONTH, date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert step(ViewMode.MONTH, date(2027, 3, 31), -1) == date(2027, 2, 28)
    assert step(ViewMode.MONTH, date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_titles_name_the_shown_period():
    assert title(ViewMode.MONTH, date(2026, 11, 24)) == "November 2026"
    assert title(ViewMode.DAY, date(2026, 11, 24)) == "Tuesday 24 November 2026"
    assert title(ViewMode.WEEK, date(2026, 11, 24)) == "23 – 29 Nov 2026"
    assert title(ViewMode.WEEK, date(2026, 12, 2)) == "30 Nov – 6 Dec 2026"
    assert title(ViewMode.WEEK, date(2026, 12, 30)) == "28 Dec 2026 – 3 Jan 2027"
