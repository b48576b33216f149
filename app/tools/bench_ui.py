"""UI benchmark: how long each calendar view takes to read, lay out, apply and paint, over demo data.

For every view it prints the appointments shown and, in milliseconds: the worker's read and layout (off the UI
thread), applying the result on the UI thread, one full paint, the whole refresh as the user sees it (from
`refresh()` to fresh data on screen), and the longest stall of the event loop during those refreshes.
"""

from dataclasses import dataclass

from PySide6.QtCore import QElapsedTimer, QTimer

from app.tools.showcase import SHOWCASE_NOW, demo_window, wait_until
from app.tools.timing import median_ms
from app.ui.main_window import MainWindow
from app.ui.navigation import ViewMode
from app.ui.view_data import GridData, MonthData, ViewRequest, load_view

STALL_PROBE_MS = 5


@dataclass(frozen=True)
class ViewTiming:
    view: str
    appointments: int
    load_ms: float
    apply_ms: float
    paint_ms: float
    refresh_ms: float
    max_stall_ms: float


class StallProbe:
    """A fast timer on the UI thread; the longest gap between its ticks is the longest stall."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(STALL_PROBE_MS)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self.longest_ms = 0.0

    def __enter__(self) -> "StallProbe":
        self._clock.start()
        self._timer.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self.longest_ms = max(self.longest_ms, self._clock.nsecsElapsed() / 1e6 - STALL_PROBE_MS)
        self._clock.restart()


def _shown_appointments(data: MonthData | GridData) -> int:
    if isinstance(data, MonthData):
        return sum(sum(by_type.values()) for by_type in data.counts.values())
    return len(data.appointments)


def _apply(window: MainWindow, data: MonthData | GridData) -> None:
    if isinstance(data, MonthData):
        window.month_view.set_data(data.counts, window.desk.types, data.kinds)
    else:
        window.current_view().set_columns(data.columns)


def measure_view(window: MainWindow, label: str, mode: ViewMode, provider_id: int | None, repeat: int) -> ViewTiming:
    window.show_provider(provider_id)
    window.go_to(SHOWCASE_NOW.date(), mode)
    wait_until(lambda: not window.runner.busy)
    request, today, providers = ViewRequest(mode, window.anchor, provider_id), window.today(), window.desk.providers
    data = load_view(window.clinic, request, today, providers)
    load_ms = median_ms(lambda: load_view(window.clinic, request, today, providers), repeat)
    apply_ms = median_ms(lambda: _apply(window, data), repeat)
    view = window.current_view()
    paint_ms = median_ms(view.grab, repeat)

    def refresh_round_trip() -> None:
        loaded = []
        window.view_loaded.connect(lambda: loaded.append(True))
        window.refresh()
        wait_until(lambda: bool(loaded) and not window.runner.busy)
        window.view_loaded.disconnect()

    with StallProbe() as probe:
        refresh_ms = median_ms(refresh_round_trip, repeat)
    return ViewTiming(label, _shown_appointments(data), load_ms, apply_ms, paint_ms, refresh_ms, probe.longest_ms)


def run(repeat: int = 7) -> list[ViewTiming]:
    with demo_window() as window:
        busiest = window.desk.providers[0].id
        views = [
            ("month, all providers", ViewMode.MONTH, None),
            ("week, all providers", ViewMode.WEEK, None),
            ("week, one provider", ViewMode.WEEK, busiest),
            ("day, all providers", ViewMode.DAY, None),
        ]
        return [measure_view(window, label, mode, provider, repeat) for label, mode, provider in views]


def print_report(timings: list[ViewTiming]) -> None:
    header = f"{'view':<22} {'appts':>6} {'load':>8} {'apply':>8} {'paint':>8} {'refresh':>9} {'max stall':>10}"
    print(header)
    print("-" * len(header))
    for t in timings:
        print(
            f"{t.view:<22} {t.appointments:>6} {t.load_ms:>8.1f} {t.apply_ms:>8.1f} {t.paint_ms:>8.1f}"
            f" {t.refresh_ms:>9.1f} {t.max_stall_ms:>10.1f}"
        )
    print("times in ms (median); load runs on a worker thread, apply and paint on the UI thread")


def main(repeat: int) -> int:
    print_report(run(repeat))
    return 0
