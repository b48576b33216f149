"""A shared workstation: Lock (Ctrl+L) and Sign out, the desk locking itself when idle, the same person getting their
windows back as left, another person getting a session of their own, with the first one's dialogs closed unsaved."""

from dataclasses import replace

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from sqlalchemy import create_engine, text

from app.config import load_settings
from app.db.connect import DatabaseTarget
from app.db.engine import make_engine, with_login
from app.runtime import Login, Runtime
from app.ui.desk_session import DeskSession
from app.ui.dialogs.find_patient_dialog import FindPatientDialog
from app.ui.idle_watch import IdleWatch
from app.ui.main_window import MainWindow
from tests.conftest import STAFF_PASSWORD, ZONE, make_clinic
from tests.gui.desks import settle, sign_in

WAIT_MS = 20_000


@pytest.fixture
def desk_session(qtbot, tmp_path, monkeypatch, staff_login, db_url, clinic):
    """A factory of desk sessions over the test database (their connections go before the logins are dropped)."""
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    target = DatabaseTarget(db_url, "db.example:5432/clinic")
    sessions: list[DeskSession] = []

    def open_runtime(login: Login) -> Runtime:
        url = with_login(db_url, login.user, login.password)
        engine = make_engine(url)
        return Runtime(load_settings(), replace(target, url=url), engine, make_clinic(engine))

    def make(**kwargs) -> DeskSession:
        settings = QSettings(str(tmp_path / f"desk{len(sessions)}.ini"), QSettings.Format.IniFormat)
        session = DeskSession(target, open_runtime, settings=settings, **kwargs)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if session.sign_in_dialog is not None:
            session.sign_in_dialog.runner.wait_for_done()
            session.sign_in_dialog.close()
        session.end()


def begin(qtbot, session: DeskSession, user: str) -> MainWindow:
    window = session.begin(Login(user, STAFF_PASSWORD))
    qtbot.waitUntil(lambda: window.online and window.permissions is not None, timeout=WAIT_MS)
    settle(qtbot, window)
    return window


def typed_search(qtbot, window: MainWindow, words: str) -> FindPatientDialog:
    finder = window.find_patient()
    search = finder.findChild(QLineEdit)
    qtbot.keyClicks(search, words)
    return finder


def sessions_of(admin_url: str, user: str) -> int:
    engine = create_engine(admin_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE usename = :user"), {"user": user})
    finally:
        engine.dispose()


def test_ctrl_l_hides_every_window_and_the_same_person_gets_them_back_as_left(qtbot, desk_session, staff_login):
    name, _url = staff_login("receptionist")
    session = desk_session()
    window = begin(qtbot, session, name)
    finder = typed_search(qtbot, window, "Ada Lov")

    finder.activateWindow()
    qtbot.keyClick(finder.findChild(QLineEdit), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # from a dialog
    assert session.locked
    assert not window.isVisible() and not finder.isVisible()
    lock = session.sign_in_dialog
    assert lock.isVisible() and lock.windowTitle() == "Desk locked"
    assert name in lock.where.text() and lock.user.text() == name  # a personal desk offers who was signed in
    assert lock.cancel_button.text() == "Quit"

    sign_in(qtbot, lock, name, STAFF_PASSWORD)
    assert not session.locked and session.window is window
    assert window.isVisible() and finder.isVisible()
    assert finder.findChild(QLineEdit).text() == "Ada Lov"  # what was typed is still there
    assert window.runtime.engine.url.username == name


def test_another_person_gets_a_session_of_their_own_and_the_first_ones_dialogs_close_unsaved(
    qtbot, desk_session, staff_login, admin_url
):
    receptionist, _url = staff_login("receptionist")
    manager, _url = staff_login("manager")
    session = desk_session(shared=True)
    first = begin(qtbot, session, receptionist)
    assert first.can_book
    typed_search(qtbot, first, "Ada Lov")
    first.lock_action.trigger()
    assert session.sign_in_dialog.user.text() == ""  # a shared desk does not say who to sign in as

    sign_in(qtbot, session.sign_in_dialog, manager, STAFF_PASSWORD)
    second = session.window
    assert second is not first and second.isVisible()
    qtbot.waitUntil(lambda: second.permissions is not None, timeout=WAIT_MS)
    assert second.permissions.user == manager and not second.can_book  # the manager's permissions, not the first's
    assert not second.new_action.isVisible()
    qtbot.waitUntil(lambda: not shiboken6.isValid(first), timeout=WAIT_MS)  # the first window and its dialogs went
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, FindPatientDialog) and w.isVisible()]
    warning = second.findChild(QMessageBox)
    assert warning is not None and warning.isVisible()
    assert warning.text() == f"{receptionist}'s open windows were closed without saving: Find patient."
    qtbot.waitUntil(lambda: sessions_of(admin_url, receptionist) == 0, timeout=WAIT_MS)  # counted by the server
    assert sessions_of(admin_url, manager) >= 1


def test_a_locked_desk_ignores_escape_and_quit_ends_it(qtbot, desk_session, staff_login):
    name, _url = staff_login("receptionist")
    session = desk_session()
    window = begin(qtbot, session, name)
    session.lock()
    lock = session.sign_in_dialog
    qtbot.keyClick(lock, Qt.Key.Key_Escape)
    lock.close()  # the window's close button
    assert lock.isVisible() and session.locked and not window.isVisible()
    with qtbot.waitSignal(session.finished, timeout=WAIT_MS):
        qtbot.mouseClick(lock.cancel_button, Qt.MouseButton.LeftButton)
    assert session.window is None and session.runtime is None


def test_sign_out_ends_the_session_and_asks_who_is_next(qtbot, desk_session, staff_login, admin_url):
    name, _url = staff_login("receptionist")
    session = desk_session()
    window = begin(qtbot, session, name)
    window.sign_out_action.trigger()
    assert session.window is None and not window.isVisible()
    ask = session.sign_in_dialog
    assert ask.isVisible() and ask.windowTitle() == "Sign in" and not session.locked
    assert ask.user.text() == name and ask.cancel_button.text() == "Cancel"
    qtbot.waitUntil(lambda: sessions_of(admin_url, name) == 0, timeout=WAIT_MS)
    with qtbot.waitSignal(session.finished, timeout=WAIT_MS):
        qtbot.mouseClick(ask.cancel_button, Qt.MouseButton.LeftButton)


def test_quitting_the_window_ends_the_desk(qtbot, desk_session, staff_login):
    name, _url = staff_login("manager")
    session = desk_session()
    window = begin(qtbot, session, name)
    with qtbot.waitSignal(session.finished, timeout=WAIT_MS):
        window.close()
    assert session.window is None and session.runtime is None


def test_the_desk_locks_itself_when_nobody_touches_it(qtbot, desk_session, staff_login):
    name, _url = staff_login("receptionist")
    session = desk_session(idle_lock_ms=200)
    window = begin(qtbot, session, name)
    qtbot.waitUntil(lambda: session.locked, timeout=WAIT_MS)
    assert not window.isVisible()
    assert not session.idle.timer.isActive()  # locked: nothing to count down

    sign_in(qtbot, session.sign_in_dialog, name, STAFF_PASSWORD)
    assert window.isVisible() and session.idle.timer.isActive()  # counting again


def test_any_input_starts_the_idle_countdown_again(qtbot):
    watch = IdleWatch(60_000)
    target = QLineEdit()
    qtbot.addWidget(target)
    target.show()
    watch.start()
    try:
        for press in (
            lambda: qtbot.keyClick(target, Qt.Key.Key_A),
            lambda: qtbot.mouseClick(target, Qt.MouseButton.LeftButton),
            lambda: qtbot.mouseMove(target, target.rect().center()),
        ):
            watch.timer.stop()  # as if it had run down to the end; nothing runs the event loop until `press`
            press()
            assert watch.timer.isActive() and watch.timer.remainingTime() > 50_000
    finally:
        watch.stop()
    assert not watch.timer.isActive()


def test_no_idle_time_never_locks(qtbot):
    watch = IdleWatch(None)
    watch.start()
    assert not watch.timer.isActive()
