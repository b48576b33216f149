"""Starting the desktop application."""

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from app import APP_NAME
from app.runtime import Runtime, open_runtime


class MainWindow(QMainWindow):
    """The appointment book's window; the calendar views arrive with the GUI work."""

    def __init__(self, runtime: Runtime):
        super().__init__()
        self.setWindowTitle("Clinic Scheduler")
        self.resize(1200, 800)
        placeholder = QLabel("Clinic Scheduler")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setStyleSheet("font-size: 20pt; color: palette(mid);")
        placeholder.setAccessibleName("Clinic Scheduler")
        self.setCentralWidget(placeholder)
        bar = self.statusBar()
        bar.showMessage(f"Database: {runtime.target.description} | Time zone: {runtime.settings.clinic_timezone.key}")


def run_gui() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    runtime = open_runtime()
    try:
        window = MainWindow(runtime)
        window.show()
        return app.exec()
    finally:
        runtime.close()
