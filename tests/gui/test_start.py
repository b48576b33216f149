"""Starting the app: a server out of reach opens the window offline; a setting or schema it cannot use is
explained in a message, never a traceback."""

from contextlib import contextmanager

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.db import migrate
from app.db.engine import make_engine
from app.ui import app as gui
from app.ui.main_window import MainWindow

STARTUP_LIMIT_MS = 30_000


@pytest.fixture
def shown_errors(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_CONFIG", str(tmp_path / "no-config.toml"))
    messages = []
    monkeypatch.setattr(gui, "show_start_error", messages.append)
    return messages


@contextmanager
def watching_main_window(app: QApplication, check):
    """While the app runs, calls `check(window)` until it returns a result, then closes the window. Gives up
    (closing everything) after STARTUP_LIMIT_MS so a broken start cannot hang the suite."""
    seen: dict = {}

    def poll() -> None:
        windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        result = check(windows[0]) if windows else None
        if result is not None:
            seen["result"] = result
            windows[0].close()

    def give_up() -> None:
        seen["gave_up"] = True
        app.closeAllWindows()
        app.exit(2)

    poller, limit = QTimer(), QTimer()
    poller.timeout.connect(poll)
    limit.setSingleShot(True)
    limit.timeout.connect(give_up)
    poller.start(50)
    limit.start(STARTUP_LIMIT_MS)
    try:
        yield seen
    finally:
        poller.stop()
        limit.stop()


def test_an_unreachable_server_opens_offline_and_keeps_trying(qapp, shown_errors, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://clinic@127.0.0.1:1/clinic")

    def offline_state(window: MainWindow):
        summary, why = window.status.summary(), window.status.connection.toolTip()
        if "Offline, reconnecting" not in summary or "next try in" not in why:
            return None
        return summary, why, window.new_action.isEnabled(), window.picker.book_button.isEnabled()

    with watching_main_window(qapp, offline_state) as seen:
        assert gui.run_gui() == 0
    summary, why, can_book, picker_can_book = seen["result"]
    assert "Database: 127.0.0.1:1/clinic" in summary
    assert "Connection refused" in why  # the listener's own attempt, with its next one scheduled
    assert not can_book and not picker_can_book
    assert shown_errors == []


def test_a_database_at_an_older_schema_revision_opens_read_only_and_says_what_to_do(
    qapp, shown_errors, monkeypatch, db_url
):
    engine = make_engine(db_url)
    migrate.downgrade(engine, "0001")
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", db_url)
    notices = []
    monkeypatch.setattr(gui, "show_read_only_notice", lambda _window, message: notices.append(message))

    def read_only_state(window: MainWindow):
        if "Read-only" not in window.status.summary() or not notices or window.data is None:
            return None  # not yet: the schedule is still read, writes are blocked
        return window.status.connection.toolTip(), window.new_action.isEnabled()

    with watching_main_window(qapp, read_only_state) as seen:
        assert gui.run_gui() == 0
    why, can_book = seen["result"]
    assert not can_book
    assert len(notices) == 1 and notices[0] == why
    assert "schema is at revision 0001" in why and "clinic-scheduler db upgrade" in why
    assert shown_errors == []


def test_a_bad_setting_is_named(qapp, shown_errors, monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "Mars/Olympus_Mons")
    assert gui.run_gui() == 1
    assert "Mars/Olympus_Mons" in shown_errors[0]
