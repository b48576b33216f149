"""Starting the desktop application: the first start's questions, the database opened (a splash if that takes a
while), the embedded database's first admin if it lacks one, signing in, then the desk's sessions
(app.ui.desk_session)."""

import logging
import sys

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import APP_NAME, config
from app.config import ConfigError, Settings
from app.domain.errors import DomainError, InvalidInput
from app.runtime import (
    DatabaseNotOpened,
    DatabaseTarget,
    Login,
    lacks_admin,
    maintenance_clinic,
    open_runtime,
    prepare_database,
)
from app.services import staff
from app.ui import theme
from app.ui.app_icon import app_icon
from app.ui.desk_session import SHUTDOWN_WAIT_MS, DeskSession
from app.ui.first_run import FirstRunDialog, first_admin_dialog
from app.ui.login_dialog import LoginDialog
from app.ui.main_window import MainWindow
from app.ui.platform_check import plain_exit_if_qt_cannot_start
from app.ui.splash import with_splash

log = logging.getLogger(__name__)

ORGANIZATION = "Clinic Scheduler"


def show_start_error(message: str) -> None:
    QMessageBox.critical(None, "Clinic Scheduler cannot start", message)


def show_read_only_notice(window: MainWindow, message: str) -> None:
    """Told once, without stopping the window: the schedule can still be read."""
    box = QMessageBox(QMessageBox.Icon.Warning, "This desk is read-only", message, parent=window)
    box.setInformativeText(
        "The schedule can be read, but nothing can be booked or changed until then. Once it is done,"
        " View → Refresh (F5) makes this desk writable again."
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def show_schedule_misfit(window: MainWindow, message: str) -> None:
    """Told once: the desk works, but its times are read in a zone the schedule was not made in."""
    box = QMessageBox(QMessageBox.Icon.Warning, "The clinic's time zone", message, parent=window)
    box.setInformativeText(
        f"This desk reads times in {window.clinic.zone.key}. If the clinic is elsewhere, set its zone"
        " (clinic_timezone in the config file, or ask IT) and start again; `clinic-scheduler doctor` lists what"
        " does not fit."
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def _start_failed(exc: Exception) -> None:
    """Tell why the appointment book cannot be opened: a setting, a refusal, or a database out of reach."""
    if isinstance(exc, DatabaseNotOpened):
        log.warning("cannot open the database: %s", exc)
        show_start_error(f"The appointment book {exc}.\n\nCheck the network and the database settings, or ask IT.")
    else:
        show_start_error(f"{exc}.")


def _configure_first_time() -> tuple[bool, Login | None]:
    """Nothing configured yet: ask where the appointment book lives. (False, None) if the user cancelled; else
    True and, for the database on this computer, the admin account to create."""
    dialog = FirstRunDialog()
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False, None
        return True, dialog.first_admin()
    finally:
        dialog.runner.wait_for_done(SHUTDOWN_WAIT_MS)


def _ensure_admin(settings: Settings, target: DatabaseTarget, wanted: Login | None) -> str | None:
    """The embedded database needs an enabled admin, or nobody could add staff: create `wanted` (asked at the
    first start) or ask for one. The admin's user name, "" if there was one already; None if the user cancelled."""
    with maintenance_clinic(settings, target) as clinic:  # as the embedded server's superuser
        if not lacks_admin(clinic):
            return ""
        refusal = None
        if wanted is not None:
            try:
                staff.add_staff(clinic, wanted.user, "admin", wanted.password)
                return wanted.user
            except InvalidInput as exc:  # e.g. a name the database does not take: asked again, with why
                refusal = exc
        dialog = first_admin_dialog(
            lambda name, password: staff.add_staff(clinic, name, "admin", password), wanted, refusal
        )
        created: list[str] = []
        dialog.done.connect(created.append)
        try:
            return created[0] if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.runner.wait_for_done(SHUTDOWN_WAIT_MS)


def _sign_in(target: DatabaseTarget, user: str, *, shared: bool) -> Login | None:
    """The login of whoever signs in; None if they cancelled."""
    dialog = LoginDialog(target, user=user, shared=shared)
    try:
        return dialog.login if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.runner.wait_for_done(SHUTDOWN_WAIT_MS)


def _open(settings: Settings, first_admin: Login | None) -> tuple[DatabaseTarget, Login] | None:
    """The database and who signed in to it, or None after telling the user why not (or when they cancelled). A
    shared server is contacted by signing in only: the desk reads the schedule once its window is up."""
    try:
        target = with_splash(lambda: prepare_database(settings))  # the embedded server starts and is migrated
        user = _ensure_admin(settings, target, first_admin) if target.is_embedded else ""
    except (DomainError, ConfigError) as exc:
        _start_failed(exc)
        return None
    if user is None:
        return None
    login = _sign_in(target, user, shared=settings.shared_workstation)
    if login is None:
        return None
    return target, login


def _show_notices(session: DeskSession, window: MainWindow) -> None:
    """The window's notices, held back while the desk is locked."""
    window.desk.schema_refused.connect(
        lambda message: session.when_unlocked(lambda: show_read_only_notice(window, message))
    )
    window.desk.schedule_misfit.connect(
        lambda message: session.when_unlocked(lambda: show_schedule_misfit(window, message))
    )


def run_gui() -> int:
    with plain_exit_if_qt_cannot_start():
        app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName("Clinic Scheduler")
    app.setWindowIcon(app_icon())
    theme.apply(app, theme.resolve(theme.saved_choice(QSettings())))  # the dialogs before the window follow it too
    first_admin = None
    try:
        config.load_settings()  # a setting that cannot be used is named before anything is asked
        if not config.is_configured():
            configured, first_admin = _configure_first_time()
            if not configured:
                return 1
        settings = config.load_settings()
    except ConfigError as exc:
        show_start_error(f"{exc}.")
        return 1
    opened = _open(settings, first_admin)
    if opened is None:
        return 1
    target, login = opened
    session = DeskSession(
        target,
        lambda signed_in: open_runtime(check=False, login=signed_in, settings=settings, target=target),
        shared=settings.shared_workstation,
        idle_lock_ms=settings.idle_lock_minutes * 60_000 or None,
    )
    session.window_opened.connect(lambda window: _show_notices(session, window))
    session.finished.connect(app.quit)
    app.setQuitOnLastWindowClosed(False)  # the session ends the program: a lock hides every window
    try:
        session.begin(login)
        return app.exec()
    finally:
        session.end()
        app.setQuitOnLastWindowClosed(True)
