"""The desk's input, watched in one place: nobody touching it for a while (no key, click, wheel or mouse movement
in any of its windows), and keys that work whatever window or dialog is in front. Qt has neither an idle signal nor
a shortcut that reaches past a modal dialog; an application-wide event filter does both (one Python call per event,
about 5 µs)."""

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QKeyEvent
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


class InputWatch(QObject):
    """While watching: emits `idle` once `idle_ms` pass without input (never if None), and hands every key press to
    `on_key`, which takes it by returning True."""

    idle = Signal()

    def __init__(
        self, idle_ms: int | None, on_key: Callable[[QKeyEvent], bool] | None = None, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self._idle_ms = idle_ms
        self._on_key = on_key
        self._watching = False

    def start(self) -> None:
        if self._watching:
            return
        self._watching = True
        QApplication.instance().installEventFilter(self)
        if self._idle_ms is not None:
            self.timer.start(self._idle_ms)

    def stop(self) -> None:
        if not self._watching:
            return
        self._watching = False
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in INPUT_EVENTS:
            return False
        if self._idle_ms is not None:
            self.timer.start()  # from the full time again
        return kind == QEvent.Type.KeyPress and self._on_key is not None and self._on_key(event)
