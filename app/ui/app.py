"""Starting the desktop application: a splash while the database opens, then the main window."""

import logging
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QSplashScreen
from sqlalchemy.exc import DBAPIError

from app import APP_NAME
from app.config import ConfigError
from app.domain.errors import DomainError
from app.runtime import Runtime, database_error_message, open_runtime
from app.ui import theme
from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

ORGANIZATION = "Clinic Scheduler"
SHUTDOWN_WAIT_MS = 20_000  # a little over the statement timeout: running queries end or fail by then


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


def run_gui() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName("Clinic Scheduler")
    splash = _splash(theme.resolve("system"))
    splash.show()
    app.processEvents()
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
