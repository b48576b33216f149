"""Noticing that nobody has touched the desk for a while: no key, click, wheel or mouse movement in any of its
windows. Qt has no idle signal of its own; an application-wide event filter restarts a single-shot timer."""

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatch(QObject):
    """Emits `idle` once `timeout_ms` pass without input, while watching; `timeout_ms` None never does."""

    idle = Signal()

    def __init__(self, timeout_ms: int | None, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self._timeout_ms = timeout_ms
        self._watching = False

    def start(self) -> None:
        if self._timeout_ms is None or self._watching:
            return
        self._watching = True
        QApplication.instance().installEventFilter(self)
        self.timer.start(self._timeout_ms)

    def stop(self) -> None:
        if not self._watching:
            return
        self._watching = False
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self.timer.start()  # from the full timeout again
        return False
