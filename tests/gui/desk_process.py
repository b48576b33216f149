"""A second desk in a process of its own, for tests: a main window over DATABASE_URL that reports on stdout.

    python -m tests.gui.desk_process PROVIDER_ID ISO_START SETTINGS_FILE

It shows the provider's day, prints `{"ready": ...}` once it is listening and the picker lists ISO_START as
free, then waits (at most WAIT_S) until the time has vanished from the picker and the day view shows it
booked, and prints when each happened first: `time.monotonic()`, one clock for every process on the machine.
"""

import json
import sys
import time
from datetime import datetime

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from app.runtime import open_runtime
from app.ui.main_window import MainWindow
from app.ui.navigation import ViewMode

WAIT_S = 30


def report(**values) -> None:
    print(json.dumps(values), flush=True)


def main(provider_id: int, start: datetime, settings_file: str) -> int:
    app = QApplication([])
    runtime = open_runtime()
    window = MainWindow(runtime, QSettings(settings_file, QSettings.Format.IniFormat))
    window.show()
    deadline = time.monotonic() + WAIT_S
    state: dict = {"ready": False}

    def booked_in_view() -> bool:
        data = window.data
        return data is not None and any(a.starts_at == start for a in getattr(data, "appointments", {}).values())

    def poll() -> None:
        free = window.picker.free_times()
        if not state["ready"]:
            if window.desk.online and start in free and window.desk.provider(provider_id) is not None:
                state["ready"] = True
                report(ready=time.monotonic())
            elif window.desk.provider(provider_id) is not None and window.picker.provider is None:
                window.show_provider(provider_id)
                window.go_to(runtime.clinic.local(start).date(), ViewMode.DAY)
        else:
            now = time.monotonic()
            if start not in free:
                state.setdefault("vanished_at", now)
            if booked_in_view():
                state.setdefault("in_view_at", now)
            if "vanished_at" in state and "in_view_at" in state:
                report(vanished_at=state["vanished_at"], in_view_at=state["in_view_at"])
                app.quit()
        if time.monotonic() > deadline:
            report(timeout=True)
            app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(10)
    try:
        app.exec()
    finally:
        window.close()
        window.runner.wait_for_done()
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), datetime.fromisoformat(sys.argv[2]), sys.argv[3]))
