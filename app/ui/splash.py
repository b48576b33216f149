"""Work the start must wait for (opening the database: starting the embedded server can take seconds) runs on a
worker thread while the event loop turns; a splash shows only if it takes a while.

Not QSplashScreen: its show() blocks up to a second waiting for the window system to expose it, longer than a
warm start takes in all.
"""

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPainter, QPixmap
from PySide6.QtWidgets import QLabel

from app.ui import theme

SPLASH_AFTER_MS = 300  # a start quicker than this shows no splash at all
T = TypeVar("T")


def splash(current: theme.Theme) -> QLabel:
    """A frameless window with the program's name and "Opening the appointment book…"."""
    pixmap = QPixmap(420, 150)
    pixmap.fill(current.color("surface"))
    painter = QPainter(pixmap)
    painter.setPen(current.color("accent"))
    painter.drawRect(pixmap.rect().adjusted(0, 0, -1, -1))
    title = QFont()
    title.setPointSize(18)
    title.setBold(True)
    painter.setFont(title)
    painter.setPen(current.color("text"))
    painter.drawText(pixmap.rect().adjusted(24, 30, -24, -60), Qt.AlignmentFlag.AlignLeft, "Clinic Scheduler")
    painter.setFont(QFont())
    painter.setPen(current.color("muted_text"))
    bottom_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
    painter.drawText(pixmap.rect().adjusted(24, 0, -24, -24), bottom_left, "Opening the appointment book…")
    painter.end()
    label = QLabel()
    label.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    label.setPixmap(pixmap)
    label.setAccessibleName("Opening the appointment book")
    return label


class _Finished(QObject):
    finished = Signal()


def with_splash(work: Callable[[], T], *, splash_after_ms: int = SPLASH_AFTER_MS) -> T:
    """`work()`'s result (or its exception, raised here), the event loop running meanwhile; a splash shows once
    `splash_after_ms` passed and goes when the work is done."""
    outcome: dict[str, object] = {}
    done = _Finished()
    loop = QEventLoop()
    done.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)  # delivered once the loop runs

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # handed to the caller on the UI thread
            outcome["error"] = exc
        finally:
            done.finished.emit()

    shown = splash(theme.in_use())
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(shown.show)
    timer.start(splash_after_ms)
    worker = threading.Thread(target=run, name="start", daemon=True)
    worker.start()
    try:
        loop.exec()
        worker.join()
    finally:
        timer.stop()
        shown.close()
        shown.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
