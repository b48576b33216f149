"""One re-read for many change notifications, and at most two a second.

Any login may send notifications on the schedule channel, so a flood of them (forged or real) must not become a
flood of reads: every window and dialog that re-reads on a change asks through a Throttle.
"""

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer

FIRST_DELAY_MS = 100  # changes arriving together (one transaction's rows) are read once
MIN_GAP_MS = 500  # between two runs, however many changes arrive: at most two reads a second


class Throttle(QObject):
    """Runs `action` once for any number of `request()`s: FIRST_DELAY_MS after the first, and never sooner than
    MIN_GAP_MS after its previous run."""

    def __init__(self, parent: QObject, action: Callable[[], None]):
        super().__init__(parent)
        self._action = action
        self._since_run = QElapsedTimer()  # invalid until the first run
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may fire 5 % early: never sooner
        self._timer.timeout.connect(self._run)

    def request(self) -> None:
        if self._timer.isActive():
            return
        delay = FIRST_DELAY_MS
        if self._since_run.isValid():
            delay = max(delay, MIN_GAP_MS - self._since_run.elapsed())
        self._timer.start(delay)

    def cancel(self) -> None:
        self._timer.stop()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def _run(self) -> None:
        self._since_run.restart()
        self._action()
