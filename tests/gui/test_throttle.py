"""The throttle every window and dialog re-reads through: many requests, one run; runs never closer than its gap.
Only lower bounds are asserted (a loaded machine only makes the waits longer)."""

import time

from PySide6.QtCore import QObject

from app.ui.throttle import FIRST_DELAY_MS, MIN_GAP_MS, Throttle

SLACK_S = 0.002  # the two clocks' rounding


def test_a_burst_of_requests_runs_once_after_the_first_delay_and_again_only_after_the_gap(qtbot):
    owner = QObject()
    runs: list[float] = []
    throttle = Throttle(owner, lambda: runs.append(time.monotonic()))

    first_request = time.monotonic()
    for _ in range(1000):
        throttle.request()
    qtbot.waitUntil(lambda: len(runs) == 1, timeout=10_000)
    assert runs[0] - first_request >= FIRST_DELAY_MS / 1000 - SLACK_S

    for _ in range(1000):
        throttle.request()
    qtbot.waitUntil(lambda: len(runs) == 2, timeout=10_000)
    assert runs[1] - runs[0] >= MIN_GAP_MS / 1000 - SLACK_S
    qtbot.wait(2 * MIN_GAP_MS)
    assert len(runs) == 2, "two bursts, two runs"


def test_a_cancelled_request_does_not_run(qtbot):
    owner = QObject()
    runs: list[int] = []
    throttle = Throttle(owner, lambda: runs.append(1))
    throttle.request()
    assert throttle.pending
    throttle.cancel()
    qtbot.wait(2 * FIRST_DELAY_MS)
    assert runs == [] and not throttle.pending
