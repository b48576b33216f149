"""Opening the database at the start: the work runs off the UI thread, the event loop keeps turning, and a splash
shows only once the work takes a while."""

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

from app.ui.splash import with_splash

WAIT_S = 20


def splashes() -> list[QLabel]:
    return [w for w in QApplication.topLevelWidgets() if w.accessibleName() == "Opening the appointment book"]


def visible_splashes() -> list[QLabel]:
    return [w for w in splashes() if w.isVisible()]


def test_slow_work_shows_the_splash_while_it_runs_and_the_ui_thread_keeps_turning(qtbot):
    seen = threading.Event()
    ticks = []

    def look() -> None:
        ticks.append(True)  # the event loop turns while the work runs
        if visible_splashes():
            seen.set()

    poller = QTimer()
    poller.timeout.connect(look)
    poller.start(20)

    def work() -> str:
        assert threading.current_thread() is not threading.main_thread()
        if not seen.wait(WAIT_S):  # the work lasts until the splash was seen, however slow the machine
            return "no splash"
        return "opened"

    try:
        assert with_splash(work, splash_after_ms=50) == "opened"
    finally:
        poller.stop()
    assert ticks
    qtbot.waitUntil(lambda: not splashes())  # gone with the work


def test_quick_work_shows_no_splash(qtbot):
    shown = []
    poller = QTimer()
    poller.timeout.connect(lambda: shown.extend(visible_splashes()))
    poller.start(0)
    try:
        assert with_splash(lambda: 42, splash_after_ms=60_000) == 42
    finally:
        poller.stop()
    assert shown == []


def test_the_works_error_is_raised_on_the_ui_thread(qtbot):
    def work() -> None:
        raise OSError("the data folder cannot be read")

    with pytest.raises(OSError, match="the data folder cannot be read"):
        with_splash(work)
    qtbot.waitUntil(lambda: not splashes())
