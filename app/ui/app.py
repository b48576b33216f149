"""Starting the desktop application: a splash while the database opens, then the main window."""

import logging
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QSplashScreen
from sqlalchemy.exc import DBAPIError

from app import APP_NAME, config
from app import runtime as runtime_module
from app.config import ConfigError
from app.db.connect import describe_url
from app.domain.errors import DomainError
from app.runtime import Runtime, database_error_message, open_runtime
from app.ui import theme
from app.ui.first_run import FirstRunDialog, ask_password, ask_password_until_accepted
from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

ORGANIZATION = "Clinic Scheduler"
SHUTDOWN_WAIT_MS = 20_000  # a little over the statement timeout: running queries end or fail by then
PROBE_TIMEOUT_S = 3  # the start-up check for a server that wants a password; out of reach: open offline


def _splash(current: theme.Theme) -> QSplashScreen:
    """Shown while the database opens: starting the embedded server can take a few seconds."""
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
    splash = QSplashScreen(pixmap)
    splash.setAccessibleName("Opening the appointment book")
    return splash


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


def _open() -> Runtime | None:
    """The clinic's runtime, or None after telling the user why it cannot be opened. A shared server is not
    contacted here: a desk that starts while it is out of reach opens offline and connects when it can."""
    try:
        return open_runtime(check=False)
    except (DomainError, ConfigError) as exc:
        show_start_error(f"{exc}.")
    except DBAPIError as exc:
        log.warning("cannot open the database: %s", database_error_message(exc))
        show_start_error(
            f"The appointment book {database_error_message(exc)}.\n\n"
            "Check the network and the database settings, or ask IT."
        )
    return None


def _configure_first_time() -> bool:
    """Nothing configured yet: ask where the appointment book lives. False if the user cancelled."""
    dialog = FirstRunDialog()
    try:
        return dialog.exec() == FirstRunDialog.DialogCode.Accepted
    finally:
        dialog.runner.wait_for_done(SHUTDOWN_WAIT_MS)


def _password_if_asked(database_url: str) -> bool:
    """A server that refuses for lack of a password gets one asked for (for this session only). False if the
    user cancelled or the server kept refusing (then they were told)."""
    try:
        return ask_password_until_accepted(
            database_url,
            describe_url(database_url),
            lambda url: runtime_module.probe_connection(url, None, timeout_s=PROBE_TIMEOUT_S),
            ask_password,
        )
    except DomainError as exc:
        show_start_error(f"{exc}.")
        return False


def run_gui() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName("Clinic Scheduler")
    start_theme = theme.resolve("system")
    try:
        config.load_settings()  # a setting that cannot be used is named before anything is asked
        if not config.is_configured():
            theme.apply(app, start_theme)
            if not _configure_first_time():
                return 1
        database_url = config.load_settings().database_url
    except ConfigError as exc:
        show_start_error(f"{exc}.")
        return 1
    splash = _splash(start_theme)
    splash.show()
    app.processEvents()
    if database_url and not _password_if_asked(database_url):
        splash.close()
        return 1
    runtime = _open()
    splash.close()
    if runtime is None:
        return 1
    try:
        window = MainWindow(runtime)
        window.schema_refused.connect(lambda message: show_read_only_notice(window, message))
        window.show()
        code = app.exec()
        window.runner.wait_for_done(SHUTDOWN_WAIT_MS)
        return code
    finally:
        runtime.close()
