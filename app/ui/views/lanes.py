"""Side-by-side lanes for overlapping appointments, so a time grid never draws one block over another."""

from datetime import datetime


def assign_lanes(intervals: list[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
    """For each (start, end) interval, in the given order: (its lane, the lane count of its overlap cluster).

    Intervals are half-open: one ending at 10:00 does not overlap one starting at 10:00. A cluster is a run of
    intervals linked by overlaps; all of its intervals share the cluster's width. Taking intervals by start
    time and giving each the lowest free lane uses as many lanes as the most intervals that meet at one moment.
    """
    order = sorted(range(len(intervals)), key=lambda i: intervals[i])
    result: list[tuple[int, int]] = [(0, 1)] * len(intervals)
    cluster: list[tuple[int, int]] = []  # (interval index, lane) of the open cluster
    lane_ends: list[datetime] = []  # per lane of the open cluster: when its last interval ends
    for index in order:
        start, end = intervals[index]
        if cluster and start >= max(lane_ends):
            _close(cluster, len(lane_ends), result)
            cluster, lane_ends = [], []
        lane = next((n for n, lane_end in enumerate(lane_ends) if lane_end <= start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        cluster.append((index, lane))
    _close(cluster, len(lane_ends), result)
    return result


def _close(cluster: list[tuple[int, int]], lane_count: int, result: list[tuple[int, int]]) -> None:
    for index, lane in cluster:
        result[index] = (lane, lane_count)
