"""Main windows over a real database for GUI tests: a desk, its own engine and listener, and common steps."""

import threading
from datetime import date, datetime, time

from PySide6.QtCore import QSettings, Qt
from sqlalchemy import Engine, event, text

from app.config import load_settings
from app.db.connect import DatabaseTarget
from app.db.engine import make_engine
from app.runtime import Runtime
from app.ui.dialogs.booking_dialog import BookingDialog
from app.ui.login_dialog import LoginDialog
from app.ui.main_window import MainWindow
from app.ui.navigation import ViewMode
from app.ui.workers import TaskRunner
from tests.conftest import ZONE, make_clinic

TUESDAY = date(2030, 1, 8)
SIGN_IN_WAIT_MS = 20_000


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


class Desk:
    """One workstation's engine and runtime. Its windows fail the test if they query on the UI thread."""

    def __init__(self, url: str, description: str = "db.example:5432/clinic", embedded_server=None):
        self.engine: Engine = make_engine(url)
        self.threads_that_queried: set[int] = set()
        event.listen(self.engine, "checkout", lambda *_args: self.threads_that_queried.add(threading.get_ident()))
        target = DatabaseTarget(url, description, embedded_server)
        self.runtime = Runtime(load_settings(), target, self.engine, make_clinic(self.engine))
        self.windows: list[MainWindow] = []

    def open(self, qtbot, settings: QSettings, runner: TaskRunner, *, wait_online: bool = True) -> MainWindow:
        window = MainWindow(self.runtime, settings, runner)
        qtbot.addWidget(window)
        self.windows.append(window)
        window.show()
        if wait_online:
            qtbot.waitUntil(lambda: window.desk.online)
            settle(qtbot, window)
        return window

    def close(self) -> None:
        """Stop listening and let go of the database (before it is dropped)."""
        for window in self.windows:
            window.shutdown()
            assert window.runner.wait_for_done()
        self.engine.dispose()
        assert threading.get_ident() not in self.threads_that_queried, "the UI thread queried the database"


def sign_in(qtbot, dialog: LoginDialog, user: str, password: str) -> None:
    """Type both fields of a sign-in and click Sign in; return once the answer came back."""
    dialog.user.setText(user)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)
    with qtbot.waitSignal(dialog.runner.busy_changed, timeout=SIGN_IN_WAIT_MS, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def settle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.data is not None and not window.runner.busy and not window.picker.is_loading)


def show(qtbot, window: MainWindow, day: date, mode: ViewMode, provider_id: int | None) -> None:
    window.show_provider(provider_id)
    window.go_to(day, mode)
    settle(qtbot, window)


def live_appointments(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT id, patient_id, starts_at FROM appointments WHERE status <> 'cancelled' ORDER BY id")
        ).all()


def start_booking(qtbot, window: MainWindow, start: datetime, patient_query: str = "Ada") -> BookingDialog:
    """Pick `start` in the window's slot picker, open the booking dialog and choose the patient found."""
    assert window.picker.select_start(start), f"{start} is not free in the picker"
    window.new_action.trigger()
    dialog = window.findChild(BookingDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: not window.runner.busy)
    dialog.search.set_query(patient_query)
    qtbot.waitUntil(lambda: dialog.search.result_count() == 1)
    dialog.search.choose_row(0)
    qtbot.waitUntil(dialog.book_button.isEnabled)
    return dialog


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
