"""A shared workstation: Lock (Ctrl+L) and Sign out, the desk locking itself when idle, the same person getting their
windows back as left, another person getting a session of their own, with the first one's dialogs closed unsaved."""

import threading
from dataclasses import replace

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox
from sqlalchemy import create_engine, text

from app.config import load_settings
from app.db.connect import DatabaseTarget
from app.db.engine import make_engine, with_login
from app.runtime import Login, Runtime
from app.ui.desk_session import DeskSession
from app.ui.dialogs.find_patient_dialog import FindPatientDialog
from app.ui.input_watch import InputWatch
from app.ui.main_window import MainWindow
from tests.conftest import STAFF_PASSWORD, ZONE, make_clinic
from tests.gui.desks import settle, sign_in

WAIT_MS = 20_000
WAIT_S = WAIT_MS / 1000


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

    def make(wrap=None, **kwargs) -> DeskSession:
        """`wrap(open_runtime)`, if given, opens the sessions instead."""
        settings = QSettings(str(tmp_path / f"desk{len(sessions)}.ini"), QSettings.Format.IniFormat)
        session = DeskSession(target, wrap(open_runtime) if wrap else open_runtime, settings=settings, **kwargs)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if session.sign_in_dialog is not None:
            session.sign_in_dialog.runner.wait_for_done()
            session.sign_in_dialog.done(QDialog.DialogCode.Rejected)  # a locked one ignores close() and Escape
        session.end()


def begin(qtbot, session: DeskSession, user: str) -> MainWindow:
    window = session.begin(Login(user, STAFF_PASSWORD))
    qtbot.waitUntil(lambda: window.desk.online and window.desk.permissions is not None, timeout=WAIT_MS)
    settle(qtbot, window)
    return window


def typed_search(qtbot, window: MainWindow, words: str) -> FindPatientDialog:
    finder = window.dialogs.find_patient()
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
    notice = QMessageBox(QMessageBox.Icon.Warning, "A notice", "Told once.", parent=window)
    notice.open()  # as the window opens its notices: it blocks the finder until read

    qtbot.keyClick(notice, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # the window's shortcuts are blocked
    assert session.locked
    assert not window.isVisible() and not finder.isVisible() and not notice.isVisible()
    lock = session.sign_in_dialog
    assert lock.isVisible() and lock.windowTitle() == "Desk locked"
    assert name in lock.where.text() and lock.user.text() == name  # a personal desk offers who was signed in
    assert lock.cancel_button.text() == "Quit"

    sign_in(qtbot, lock, name, STAFF_PASSWORD)
    assert not session.locked and session.window is window
    assert window.isVisible() and finder.isVisible()
    assert finder.findChild(QLineEdit).text() == "Ada Lov"  # what was typed is still there
    assert notice.isVisible()  # a notice nobody has read yet comes back too
    assert window.runtime.engine.url.username == name


def test_another_person_gets_a_session_of_their_own_and_the_first_ones_dialogs_close_unsaved(
    qtbot, desk_session, staff_login, admin_url
):
    receptionist, _url = staff_login("receptionist")
    manager, _url = staff_login("manager")
    session = desk_session(shared=True)
    first = begin(qtbot, session, receptionist)
    assert first.desk.can_book
    typed_search(qtbot, first, "Ada Lov")
    first.lock_action.trigger()
    assert session.sign_in_dialog.user.text() == ""  # a shared desk does not say who to sign in as

    sign_in(qtbot, session.sign_in_dialog, manager, STAFF_PASSWORD)
    second = session.window
    assert second is not first and second.isVisible()
    qtbot.waitUntil(lambda: second.desk.permissions is not None, timeout=WAIT_MS)
    assert (
        second.desk.permissions.user == manager and not second.desk.can_book
    )  # the manager's permissions, not the first's
    assert not second.new_action.isVisible()
    qtbot.waitUntil(lambda: not shiboken6.isValid(first), timeout=WAIT_MS)  # the first window and its dialogs went
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, FindPatientDialog) and w.isVisible()]
    warning = second.findChild(QMessageBox)
    assert warning is not None and warning.isVisible()
    assert warning.text() == f"{receptionist}'s open windows were closed without saving: Find patient."
    qtbot.waitUntil(lambda: sessions_of(admin_url, receptionist) == 0, timeout=WAIT_MS)  # counted by the server
    assert sessions_of(admin_url, manager) >= 1


def test_ctrl_l_locks_from_a_dialog_and_the_dialog_comes_back_in_front(qtbot, desk_session, staff_login):
    name, _url = staff_login("receptionist")
    session = desk_session()
    window = begin(qtbot, session, name)
    finder = typed_search(qtbot, window, "Ada")
    finder.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is finder)
    qtbot.keyClick(finder.findChild(QLineEdit), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert session.locked and finder.findChild(QLineEdit).text() == "Ada"  # the key locked; it typed nothing
    sign_in(qtbot, session.sign_in_dialog, name, STAFF_PASSWORD)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is finder)  # where the person was typing


def test_a_notice_while_the_desk_is_locked_waits_for_the_same_person(qtbot, desk_session, staff_login):
    name, _url = staff_login("receptionist")
    session = desk_session()
    begin(qtbot, session, name)
    told = []
    session.lock()
    session.when_unlocked(lambda: told.append("read-only"))
    assert told == []  # nothing shows beside the lock
    sign_in(qtbot, session.sign_in_dialog, name, STAFF_PASSWORD)
    assert told == ["read-only"]
    session.when_unlocked(lambda: told.append("at once"))
    assert told == ["read-only", "at once"]


def test_a_save_under_way_finishes_and_its_dialog_is_not_called_unsaved(qtbot, desk_session, staff_login):
    receptionist, _url = staff_login("receptionist")
    manager, _url = staff_login("manager")
    session = desk_session()
    first = begin(qtbot, session, receptionist)
    finder = typed_search(qtbot, first, "Ada")
    saving = threading.Event()
    release = threading.Event()

    def slow_save():
        saving.set()
        release.wait(WAIT_S)
        return "saved"

    first.runner.submit(slow_save, lambda _saved: finder.accept(), context=finder)  # as a dialog's save ends
    assert saving.wait(WAIT_S)
    first.lock_action.trigger()
    # The save ends as the sign-in closes (`finished` comes before `accepted`, which starts the new session): its
    # result is then still on its way when the first session ends.
    session.sign_in_dialog.finished.connect(lambda _result: release.set())
    sign_in(qtbot, session.sign_in_dialog, manager, STAFF_PASSWORD)
    assert release.is_set()
    assert session.window.findChild(QMessageBox) is None  # nothing was closed unsaved: the save had finished


def test_a_session_that_cannot_open_says_why_and_asks_again(qtbot, desk_session, staff_login):
    receptionist, _url = staff_login("receptionist")
    manager, _url = staff_login("manager")

    def refusing_the_manager(open_runtime):
        def opening(login: Login) -> Runtime:
            if login.user == manager:
                raise RuntimeError("the desk ran out of memory")
            return open_runtime(login)

        return opening

    session = desk_session(wrap=refusing_the_manager)
    begin(qtbot, session, receptionist)
    session.lock()
    sign_in(qtbot, session.sign_in_dialog, manager, STAFF_PASSWORD)
    again = session.sign_in_dialog
    assert session.window is None and again is not None and again.isVisible() and not session.locked
    assert again.banner.text() == f"This desk could not open for {manager}: the desk ran out of memory."
    sign_in(qtbot, again, receptionist, STAFF_PASSWORD)
    assert session.window is not None and session.window.isVisible()


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
    assert not session.input.timer.isActive()  # locked: nothing to count down

    sign_in(qtbot, session.sign_in_dialog, name, STAFF_PASSWORD)
    assert window.isVisible() and session.input.timer.isActive()  # counting again


def test_any_input_starts_the_idle_countdown_again(qtbot):
    watch = InputWatch(60_000)
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


def test_no_idle_time_never_locks_and_keys_are_still_handed_over(qtbot):
    keys = []
    watch = InputWatch(None, lambda key: keys.append(key.key()) or key.key() == Qt.Key.Key_L)
    target = QLineEdit()
    qtbot.addWidget(target)
    target.show()
    watch.start()
    try:
        assert not watch.timer.isActive()
        qtbot.keyClicks(target, "lamp")
        assert not watch.timer.isActive()
    finally:
        watch.stop()
    assert keys == [Qt.Key.Key_L, Qt.Key.Key_A, Qt.Key.Key_M, Qt.Key.Key_P]
    assert target.text() == "amp"  # the key taken never reached the field
