"""A main window over demo data in a throwaway database, at a fixed moment: for screenshots and the UI benchmark.

The database lives on the configured server (or the embedded one) and is dropped afterwards, with the staff
logins made for it; the clinic's clock is fixed so every run shows the same week. The window is signed in as
an admin, and two receptionists have left a short trail in the audit log.
"""

import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.config import load_settings
from app.db.connect import DatabaseTarget, resolve_database
from app.db.engine import allow_connections, drop_logins, make_engine, terminate_backend, with_database, with_login
from app.db.throwaway import throwaway_database
from app.domain.models import BookingRequest
from app.runtime import Runtime
from app.services import booking, schedule, staff
from app.services.context import Clinic
from app.services.demo import load_demo_data, stamp_audit_trail
from app.services.patients import search_patients
from app.services.uow import UnitOfWork
from app.ui.main_window import MainWindow

SHOWCASE_ZONE = ZoneInfo("Europe/Berlin")
SHOWCASE_NOW = datetime(2026, 11, 24, 10, 40, tzinfo=SHOWCASE_ZONE)  # a Tuesday morning
SHOWCASE_ADMIN = "a.weber"
SHOWCASE_CLINIC = {"clinic_name": "Praxis am Markt", "clinic_address": "Marktplatz 1\n10115 Berlin"}
SHOWCASE_RECEPTIONISTS = ("j.novak", "m.klein")
SHOWCASE_PASSWORD = "showcase only 1"


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


@dataclass(frozen=True)
class Showcase:
    window: MainWindow
    owner_url: str  # the throwaway database as its owner (the server's superuser), for what staff may not do


@contextmanager
def database_closed(showcase: Showcase) -> Iterator[None]:
    """The window's database refuses new connections and its listener's connection is cut: the desk goes
    offline as it would when the server goes away, and comes back when the block ends."""
    window = showcase.window
    admin_url, name = with_database(showcase.owner_url, "postgres"), window.runtime.engine.url.database
    try:
        allow_connections(admin_url, name, False)
        terminate_backend(admin_url, window.desk.live.backend_pid)
        wait_until(lambda: not window.desk.online)
        settle_layout()
        yield
    finally:
        allow_connections(admin_url, name, True)
    wait_until(lambda: window.desk.online and not window.runner.busy)


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
            wait_until(
                lambda: (
                    window.desk.online
                    and window.data is not None
                    and window.desk.permissions
                    and not window.runner.busy
                )
            )
            yield window
        finally:
            window.close()
            window.runner.wait_for_done()
            window.deleteLater()
            app.processEvents()


@contextmanager
def demo_window(width: int = 1440, height: int = 900) -> Iterator[MainWindow]:
    with demo(width, height) as showcase:
        yield showcase.window


@contextmanager
def demo(width: int = 1440, height: int = 900) -> Iterator[Showcase]:
    settings = load_settings()
    server = resolve_database(settings)
    with throwaway_database(server.url, prefix="clinic_showcase") as url, _engines() as engine_for:

        def clinic_for(login_url: str) -> Clinic:
            engine = engine_for(login_url)
            return Clinic(UnitOfWork(engine), SHOWCASE_ZONE, settings.booking_horizon_days, clock=lambda: SHOWCASE_NOW)

        owner = clinic_for(url)
        load_demo_data(owner)
        logins = {SHOWCASE_ADMIN: "admin", **dict.fromkeys(SHOWCASE_RECEPTIONISTS, "receptionist")}
        try:
            for name, role in logins.items():
                staff.add_staff(owner, name, role, SHOWCASE_PASSWORD)
            _leave_a_trail(*(clinic_for(with_login(url, name, SHOWCASE_PASSWORD)) for name in SHOWCASE_RECEPTIONISTS))
            stamp_audit_trail(owner)
            admin_url = with_login(url, SHOWCASE_ADMIN, SHOWCASE_PASSWORD)
            admin = clinic_for(admin_url)
            runtime = Runtime(
                settings.model_copy(update={"clinic_timezone": SHOWCASE_ZONE, **SHOWCASE_CLINIC}),
                DatabaseTarget(admin_url, "embedded (demo data)"),
                admin.uow.engine,
                admin,
            )
            with open_window(runtime, width, height) as window:
                yield Showcase(window, url)
        finally:
            drop_logins(url, list(logins))


@contextmanager
def _engines() -> Iterator[Callable[[str], object]]:
    """A function giving an engine per URL; all are disposed of at the end (before their logins are dropped)."""
    engines = []

    def engine_for(url: str):
        engines.append(make_engine(url))
        return engines[-1]

    try:
        yield engine_for
    finally:
        for engine in engines:
            engine.dispose()


def _leave_a_trail(first: Clinic, second: Clinic) -> None:
    """One receptionist books later today, the other moves it, the first checks the patient in."""
    day = SHOWCASE_NOW.date()
    provider, free = next(
        (provider, free)
        for provider in schedule.providers(first)
        if len(free := schedule.free_slots(first, provider.id, day)) >= 2
    )
    patient = search_patients(first, "Garcia")[0]
    booked = booking.book(
        first, BookingRequest(provider_id=provider.id, patient_id=patient.id, start=free[0], notes="First visit")
    )
    booking.reschedule(second, booked, free[-1])
    booking.change_status(first, booked, "checked_in")
