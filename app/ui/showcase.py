"""A main window over demo data in a throwaway database, at a fixed moment: for screenshots and the UI benchmark.

The database lives on the configured server (or the embedded one) and is dropped afterwards; the clinic's
clock is fixed so every run shows the same week.
"""

import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.config import load_settings
from app.db.connect import DatabaseTarget, resolve_database
from app.db.engine import allow_connections, make_engine, terminate_backend, with_database
from app.db.throwaway import throwaway_database
from app.runtime import Runtime
from app.services.context import Clinic
from app.services.demo import load_demo_data
from app.services.uow import UnitOfWork
from app.ui.main_window import MainWindow

SHOWCASE_ZONE = ZoneInfo("Europe/Berlin")
SHOWCASE_NOW = datetime(2026, 11, 24, 10, 40, tzinfo=SHOWCASE_ZONE)  # a Tuesday morning


def _drop_offscreen_notice(_mode, _context, message: str) -> None:
    # The offscreen platform says so for every window it shows; it is no problem for rendering to files.
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Run the event loop until `condition()` holds (background results are delivered by it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not finish loading in time")
        QApplication.processEvents()
        time.sleep(0.002)


def settle_layout(rounds: int = 5) -> None:
    """Let widgets that changed size lay themselves out (Qt does it in posted events)."""
    for _ in range(rounds):
        QApplication.processEvents()
        time.sleep(0.01)


@contextmanager
def database_closed(window: MainWindow) -> Iterator[None]:
    """The window's database refuses new connections and its listener's connection is cut: the desk goes
    offline as it would when the server goes away, and comes back when the block ends."""
    url = window.runtime.target.url
    admin_url, name = with_database(url, "postgres"), window.runtime.engine.url.database
    try:
        allow_connections(admin_url, name, False)
        terminate_backend(admin_url, window.live.backend_pid)
        wait_until(lambda: not window.online)
        settle_layout()
        yield
    finally:
        allow_connections(admin_url, name, True)
    wait_until(lambda: window.online and not window.runner.busy)


@contextmanager
def open_window(runtime: Runtime, width: int = 1440, height: int = 900) -> Iterator[MainWindow]:
    """The real main window over `runtime`, offscreen-friendly and with throwaway UI settings, shown and loaded."""
    app = QApplication.instance() or QApplication([])
    qInstallMessageHandler(_drop_offscreen_notice)
    with tempfile.TemporaryDirectory() as ui_dir:
        window = MainWindow(runtime, QSettings(str(Path(ui_dir) / "ui.ini"), QSettings.Format.IniFormat))
        try:
            window.resize(width, height)
            window.show()
            wait_until(lambda: window.online and window.data is not None and not window.runner.busy)
            yield window
        finally:
            window.close()
            window.runner.wait_for_done()
            window.deleteLater()
            app.processEvents()


@contextmanager
def demo_window(width: int = 1440, height: int = 900) -> Iterator[MainWindow]:
    settings = load_settings()
    server = resolve_database(settings)
    with throwaway_database(server.url, prefix="clinic_showcase") as url:
        engine = make_engine(url)
        try:
            clinic = Clinic(
                UnitOfWork(engine), SHOWCASE_ZONE, settings.booking_horizon_days, clock=lambda: SHOWCASE_NOW
            )
            load_demo_data(clinic)
            runtime = Runtime(
                replace(settings, clinic_timezone=SHOWCASE_ZONE),
                DatabaseTarget(url, "embedded (demo data)"),
                engine,
                clinic,
            )
            with open_window(runtime, width, height) as window:
                yield window
        finally:
            engine.dispose()
