"""Starting the app: staff sign in, and the desk then works as them; a server out of reach is named at sign-in; a
setting or schema it cannot use is explained in a message, never a traceback."""

from collections.abc import Callable
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import create_engine, make_url, text

from app import APP_NAME
from app.db import migrate
from app.db.engine import make_engine
from app.ui import app as gui
from app.ui import theme
from app.ui.login_dialog import LoginDialog
from app.ui.main_window import MainWindow
from tests.conftest import STAFF_PASSWORD

STARTUP_LIMIT_MS = 30_000
SIGN_IN_WAIT_MS = 20_000


@pytest.fixture
def ui_settings(tmp_path):
    """The app's own settings (the last user, the window's) go to tmp_path, never the real user's."""
    for settings_format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(settings_format, QSettings.Scope.UserScope, str(tmp_path / "ui-settings"))
    yield tmp_path / "ui-settings"
    default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for settings_format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(settings_format, QSettings.Scope.UserScope, default)


@pytest.fixture
def shown_errors(monkeypatch, tmp_path, ui_settings):
    monkeypatch.setenv("CLINIC_CONFIG", str(tmp_path / "no-config.toml"))
    messages = []
    monkeypatch.setattr(gui, "show_start_error", messages.append)
    return messages


@contextmanager
def answering(app: QApplication, kind: type[QWidget], answer: Callable[[QWidget], None]):
    """While the app runs, calls `answer(dialog)` once for each `kind` of dialog that shows (as a person would
    fill it in); `answer` may wait for the dialog's background work with qtbot."""
    answered: list[QWidget] = []

    def poll() -> None:
        shown = [w for w in app.topLevelWidgets() if isinstance(w, kind) and w.isVisible() and w not in answered]
        if shown:
            answered.append(shown[0])  # first: answering runs the event loop, and this timer with it
            answer(shown[0])

    poller = QTimer()
    poller.timeout.connect(poll)
    poller.start(50)
    try:
        yield answered
    finally:
        poller.stop()


def type_login(qtbot, dialog: LoginDialog, user: str | None, password: str) -> None:
    """Sign in as `user` (None: as prefilled) and wait for the answer."""
    if user is not None:
        dialog.user.setText(user)
    dialog.password.setText(password)
    with qtbot.waitSignal(dialog.runner.busy_changed, timeout=SIGN_IN_WAIT_MS, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


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


def test_a_staff_member_signs_in_and_the_desk_and_its_listener_work_as_them(
    qapp, qtbot, shown_errors, monkeypatch, db_url, admin_url, staff_login, engine
):
    name, _url = staff_login("receptionist")
    engine.dispose()  # the test's own superuser connections: the server then sees only the desk's
    monkeypatch.setenv("DATABASE_URL", db_url)

    def sign_in(dialog: LoginDialog) -> None:
        assert dialog.user.text() == "postgres"  # the configured URL's user: nobody signed in here before
        type_login(qtbot, dialog, name, STAFF_PASSWORD)

    admin = create_engine(admin_url)

    def signed_in_as(window: MainWindow):
        if not window.desk.online or window.data is None:
            return None
        with admin.connect() as conn:  # who the server sees: the desk's pool and its listener's connection
            sessions = conn.execute(
                text("SELECT usename, application_name FROM pg_stat_activity WHERE datname = :db"),
                {"db": window.runtime.engine.url.database},
            ).all()
        return window.runtime.engine.url.username, sessions, window.new_action.isEnabled()

    try:
        with answering(qapp, LoginDialog, sign_in), watching_main_window(qapp, signed_in_as) as seen:
            assert gui.run_gui() == 0
    finally:
        admin.dispose()
    user, sessions, can_book = seen["result"]
    assert user == name and can_book
    assert {row.usename for row in sessions} == {name}
    assert any(row.application_name.endswith(" live") for row in sessions)
    assert shown_errors == []


def test_an_unreachable_server_is_named_at_sign_in_and_cancel_quits(qapp, qtbot, shown_errors, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://clinic@127.0.0.1:1/clinic")
    told = []

    def try_then_cancel(dialog: LoginDialog) -> None:
        type_login(qtbot, dialog, None, "typed password")
        told.append((dialog.banner.text(), dialog.isVisible(), dialog.user.text(), dialog.password.text()))
        dialog.reject()

    with answering(qapp, LoginDialog, try_then_cancel) as answered:
        assert gui.run_gui() == 1
    assert len(answered) == 1
    message, still_open, user, password = told[0]
    assert (
        message.startswith("Cannot reach the clinic's server 127.0.0.1:1/clinic (") and "Connection refused" in message
    )
    assert still_open and (user, password) == ("clinic", "typed password")
    assert not [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    assert shown_errors == []


@pytest.mark.parametrize("choice", ["dark", "light"])
def test_the_sign_in_follows_the_theme_chosen_at_this_desk(qapp, qtbot, shown_errors, monkeypatch, choice):
    monkeypatch.setenv("DATABASE_URL", "postgresql://clinic@127.0.0.1:1/clinic")
    QSettings(gui.ORGANIZATION, APP_NAME).setValue(theme.THEME_KEY, choice)  # View → Theme, in an earlier session
    seen = []

    def look_then_cancel(dialog: LoginDialog) -> None:
        seen.append(dialog.palette().color(QPalette.ColorRole.Window).name())
        dialog.reject()

    try:
        with answering(qapp, LoginDialog, look_then_cancel):
            assert gui.run_gui() == 1
    finally:
        theme.apply(qapp, theme.resolve("system"))  # as every other start leaves it
    assert seen == [theme.resolve(choice).color("window").name()]


def test_a_database_at_an_older_schema_revision_opens_read_only_and_says_what_to_do(
    qapp, qtbot, shown_errors, monkeypatch, db_url
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

    def sign_in_as_it(dialog: LoginDialog) -> None:  # IT's superuser: on an older schema no staff exist yet
        type_login(qtbot, dialog, None, make_url(db_url).password)

    with answering(qapp, LoginDialog, sign_in_as_it), watching_main_window(qapp, read_only_state) as seen:
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
