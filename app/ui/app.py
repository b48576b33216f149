"""Starting the desktop application."""

import sys

from PySide6.QtWidgets import QApplication

from app import APP_NAME
from app.runtime import open_runtime
from app.ui.main_window import MainWindow

ORGANIZATION = "Clinic Scheduler"
SHUTDOWN_WAIT_MS = 20_000  # a little over the statement timeout: running queries end or fail by then


def run_gui() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName("Clinic Scheduler")
    runtime = open_runtime()
    try:
        window = MainWindow(runtime)
        window.show()
        code = app.exec()
        window.runner.wait_for_done(SHUTDOWN_WAIT_MS)
        return code
    finally:
        runtime.close()
