"""Lanes for overlapping appointments: side by side, never on top of each other, no wider than needed."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.ui.views.lanes import assign_lanes

BASE = datetime(2030, 1, 8, 8, 0, tzinfo=UTC)


def span(start_minute: int, minutes: int) -> tuple[datetime, datetime]:
    start = BASE + timedelta(minutes=start_minute)
    return start, start + timedelta(minutes=minutes)


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_no_intervals_no_lanes():
    assert assign_lanes([]) == []


def test_separate_and_touching_intervals_take_the_full_width():
    assert assign_lanes([span(0, 30), span(30, 30), span(120, 60)]) == [(0, 1), (0, 1), (0, 1)]


def test_overlapping_intervals_sit_side_by_side_in_input_order():
    assert assign_lanes([span(30, 30), span(0, 60)]) == [(1, 2), (0, 2)]


def test_a_freed_lane_is_reused_within_the_cluster():
    # 08:00-09:00 and 08:30-09:30 overlap; 09:00-10:00 overlaps the second only and takes the first lane again.
    assert assign_lanes([span(0, 60), span(30, 60), span(60, 60)]) == [(0, 2), (1, 2), (0, 2)]


def test_clusters_get_their_own_widths():
    lanes = assign_lanes([span(0, 30), span(0, 30), span(0, 30), span(120, 30)])
    assert lanes == [(0, 3), (1, 3), (2, 3), (0, 1)]


intervals = st.lists(
    st.tuples(st.integers(0, 600), st.sampled_from([10, 15, 20, 30, 45, 60, 90])).map(lambda t: span(*t)),
    max_size=40,
)


@given(intervals)
def test_overlapping_intervals_never_share_a_lane(spans):
    lanes = assign_lanes(spans)
    assert len(lanes) == len(spans)
    assert all(0 <= lane < count for lane, count in lanes)
    for i, a in enumerate(spans):
        for j in range(i + 1, len(spans)):
            b = spans[j]
            if overlaps(a, b):
                assert lanes[i][1] == lanes[j][1], "overlapping intervals share their cluster's width"
                assert lanes[i][0] != lanes[j][0], "overlapping intervals never share a lane"


@given(intervals)
def test_the_width_is_the_most_intervals_at_one_moment_of_the_cluster(spans):
    lanes = assign_lanes(spans)
    for index, (_lane, count) in enumerate(lanes):
        cluster = _cluster_of(index, spans)
        # The busiest moment of a set of intervals is one of their starts.
        busiest = max(sum(1 for o in cluster if o[0] <= moment[0] < o[1]) for moment in cluster)
        assert count == busiest


def _cluster_of(index: int, spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The intervals linked to `index` by a chain of overlaps."""
    found, frontier = {index}, [index]
    while frontier:
        current = frontier.pop()
        for other, interval in enumerate(spans):
            if other not in found and overlaps(spans[current], interval):
                found.add(other)
                frontier.append(other)
    return [spans[i] for i in found]
