"""`clinic-scheduler --self-test`: the real window and the real services over a throwaway embedded database.

It starts an embedded PostgreSQL server in a temporary folder, migrates a database, opens the main window
(offscreen unless QT_QPA_PLATFORM says otherwise) at the showcase's fixed moment, and books, reschedules and
cancels one appointment through the service layer. Each step is checked in the database and in what the
window shows, which it learns through the live updates as a desk would. One line per check; exit 0 only if
every check passed. It is what the packaged application is tested with: it needs no Python and no source.
"""

import logging
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from datetime import time as clock
from pathlib import Path

import keyring
import psutil
from PySide6.QtGui import QGuiApplication
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.config import ConfigError, Settings
from app.db import migrate
from app.db.connect import DatabaseTarget
from app.db.embedded import server_url, start_embedded_server
from app.db.engine import make_engine, with_login
from app.db.errors import driver_error, not_allowed
from app.db.throwaway import throwaway_database
from app.domain.errors import DomainError, NotAllowed
from app.domain.models import BookingRequest, PatientIn
from app.domain.slots import WorkingBlock
from app.live.changes import Change
from app.runtime import Login, Runtime, database_error_message, sign_in
from app.services import audit, booking, patients, providers, schedule, staff
from app.services.context import Clinic
from app.services.uow import UnitOfWork
from app.tools.showcase import SHOWCASE_NOW, SHOWCASE_ZONE, open_window, wait_until
from app.ui import sheets
from app.ui.main_window import MainWindow
from app.ui.sheet_painter import write_pdf
from app.ui.view_data import GridData

log = logging.getLogger(__name__)

WEEKDAY_HOURS = {
    d: [WorkingBlock(clock(8), clock(12), 30), WorkingBlock(clock(13), clock(17), 30)] for d in range(1, 6)
}
# Both in the week the window opens on (SHOWCASE_NOW is Tuesday 24 November 2026).
FIRST = datetime(2026, 11, 25, 9, 0, tzinfo=SHOWCASE_ZONE)
MOVED = datetime(2026, 11, 26, 14, 0, tzinfo=SHOWCASE_ZONE)
DESK_LOGIN = Login("selftest.desk", "self test ünïcode 1")  # a space and non-ASCII: SASLprep and URL quoting
LIVE_TIMEOUT_S = 10.0  # a desk sees a change within a second; generous for a busy machine
# Failures the self-test reports in one line; anything else is a bug and its traceback goes to the log and stderr.
EXPECTED = (DomainError, ConfigError, DBAPIError, TimeoutError, OSError, subprocess.SubprocessError)


class CheckFailed(Exception):
    """What was found instead of what a check expected."""


class SelfTestFailed(Exception):
    """A check failed; its FAIL line has been printed."""


def expect(condition: bool, found: str) -> None:
    if not condition:
        raise CheckFailed(found)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DBAPIError):
        return database_error_message(exc)
    return str(exc) or type(exc).__name__


@contextmanager
def check(what: str) -> Iterator[Callable[[object], None]]:
    """Print `ok   what (detail, seconds)` if the block passes, else `FAIL what: why` and stop the self-test."""
    details: list[str] = []
    started = time.monotonic()
    try:
        yield lambda detail: details.append(str(detail))
    except (CheckFailed, *EXPECTED) as exc:
        print(f"FAIL {what}: {_reason(exc)}", flush=True)
        raise SelfTestFailed from exc
    except Exception as exc:
        print(f"FAIL {what}: unexpected {type(exc).__name__}: {exc}", flush=True)
        log.exception("self-test: %s", what)
        raise SelfTestFailed from exc
    details.append(f"{time.monotonic() - started:.2f} s")
    print(f"ok   {what} ({', '.join(details)})", flush=True)


def _shown(window: MainWindow) -> dict:
    """The appointments the window's calendar holds, by id."""
    return window.data.appointments if isinstance(window.data, GridData) else {}


def _window_sees(condition: Callable[[], bool], what: str) -> None:
    try:
        wait_until(condition, LIVE_TIMEOUT_S)
    except TimeoutError:
        raise CheckFailed(f"the window did not show {what} within {LIVE_TIMEOUT_S:.0f} s") from None


def _heard(changes: list[Change], appointment_id: int) -> bool:
    return any(c.table == "appointments" and c.row_id == appointment_id for c in changes)


def _open(stack: ExitStack) -> tuple[MainWindow, Clinic]:
    """The embedded server, a migrated database and the main window over it; all removed when `stack` closes."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="clinic-selftest-")))
    with check("embedded PostgreSQL server started") as note:
        server = start_embedded_server(folder, throwaway=True)
        stack.callback(server.cleanup)
        note(folder / "pgdata")
    with check("database created and migrated") as note:
        url = stack.enter_context(throwaway_database(server_url(server, "postgres"), prefix="clinic_selftest"))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        revision, head = migrate.current_revision(engine), migrate.head_revision()
        expect(revision == head, f"schema at revision {revision}, this program's is {head}")
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar_one()
        note(f"PostgreSQL {version}, schema {revision}")
    owner = Clinic(UnitOfWork(engine), SHOWCASE_ZONE, clock=lambda: SHOWCASE_NOW)
    target = DatabaseTarget(url, "embedded (self-test)", server)
    with check("receptionist login created; it signs in with its SCRAM password") as note:
        staff.add_staff(owner, DESK_LOGIN.user, "receptionist", DESK_LOGIN.password)
        sign_in(target, DESK_LOGIN)
        target = DatabaseTarget(with_login(url, DESK_LOGIN.user, DESK_LOGIN.password), target.description, server)
        desk_engine = make_engine(target.url)
        stack.callback(desk_engine.dispose)
        note(DESK_LOGIN.user)
    clinic = Clinic(UnitOfWork(desk_engine), SHOWCASE_ZONE, clock=lambda: SHOWCASE_NOW)
    settings = Settings(
        database_url=None, clinic_timezone=SHOWCASE_ZONE, booking_horizon_days=clinic.horizon_days, data_dir=folder
    )
    runtime = Runtime(settings, target, desk_engine, clinic)
    with check("main window open, online and loaded, signed in as the receptionist") as note:
        window = stack.enter_context(open_window(runtime))
        expect(
            window.desk.can_book and not window.desk.permissions.can_manage_schedule,
            f"it may do {window.desk.permissions}",
        )
        note(f"Qt platform {QGuiApplication.platformName()}, {window.mode.value} of {window.anchor}")
        note(f"{time.time() - psutil.Process().create_time():.1f} s after the program started")
    return window, owner


def _window_heard(shows: Callable[[], bool], what: str, heard: list[Change], appointment_id: int) -> None:
    """The window comes to show `what`, and it re-read because a live update named the appointment."""
    _window_sees(shows, what)
    expect(_heard(heard, appointment_id), "it re-read without a live update for the appointment")


def _book_move_cancel(window: MainWindow, owner: Clinic) -> None:
    """The receptionist's desk books, moves and cancels; the provider is the owner's to set up."""
    heard: list[Change] = []
    window.desk.schedule_changed.connect(heard.append)
    provider_id, patient_id = _add_provider_and_patient(window, owner)
    appointment_id = _book(window, provider_id, patient_id, heard)
    _reschedule(window, provider_id, appointment_id, heard)
    _cancel(window, provider_id, appointment_id, heard)
    _paper_and_figures(window, provider_id)
    _admin_change_refused(window.clinic, owner)
    _password_change_refused(window.clinic)


def _paper_and_figures(window: MainWindow, provider_id: int) -> None:
    """What this build brings for paper, figures and reminders: Qt's PDF writer, QtCharts, the credential store."""
    with check("a day sheet written as PDF, the reports drawn with their charts") as note:
        sheet = sheets.day_sheet(window.clinic, SHOWCASE_NOW.date(), "Self-test", provider_id=provider_id)
        with tempfile.TemporaryDirectory(prefix="clinic-selftest-") as folder:
            path = Path(folder) / "day.pdf"
            pages = write_pdf(sheet, str(path), "Printed by the self-test")
            expect(path.read_bytes().startswith(b"%PDF-") and pages == 1, f"a PDF of {pages} pages")
        dialog = window.dialogs.open_reports()
        _window_sees(lambda: len(dialog.pages[0].chart_views()) == 2, "the reports' two utilisation charts")
        dialog.reject()
        note(f"{pages} page; credential store: {type(keyring.get_keyring()).__module__}")


def _add_provider_and_patient(window: MainWindow, owner: Clinic) -> tuple[int, int]:
    clinic = window.clinic
    with check("provider and patient added; the window lists the provider") as note:
        provider_id = providers.add_provider(owner, "Dr. Self Test", WEEKDAY_HOURS, "General practice")
        patient_id = patients.create_patient(
            clinic,
            PatientIn(first_name="Sam", last_name="Selftest", date_of_birth="1980-05-17", phone="+49 30 1234567"),
        )
        expect(patients.get_patient(clinic, patient_id) is not None, f"patient {patient_id} is not in the database")
        _window_sees(lambda: window.desk.provider(provider_id) is not None, "the new provider")
        note(f"provider {provider_id}, patient {patient_id}")
    return provider_id, patient_id


def _book(window: MainWindow, provider_id: int, patient_id: int, heard: list[Change]) -> int:
    clinic = window.clinic
    with check("booked; the database has it and the slot is taken") as note:
        appointment_id = booking.book(
            clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=FIRST)
        )
        stored = schedule.appointment(clinic, appointment_id)
        expect(stored is not None and stored.status == "booked", f"found {stored}")
        expect(stored.starts_at == FIRST, f"it starts at {stored.starts_at}, not {FIRST}")
        expect(FIRST not in schedule.free_slots(clinic, provider_id, FIRST.date()), "its time is still free")
        note(f"appointment {appointment_id}, {FIRST:%a %d %b %H:%M %Z}")
    with check("the window heard of the booking and shows it"):
        _window_heard(lambda: appointment_id in _shown(window), "the booking", heard, appointment_id)
    return appointment_id


def _reschedule(window: MainWindow, provider_id: int, appointment_id: int, heard: list[Change]) -> None:
    clinic = window.clinic
    with check("rescheduled; the database has the new time and the old one is free") as note:
        booking.reschedule(clinic, appointment_id, MOVED)
        stored = schedule.appointment(clinic, appointment_id)
        expect(stored is not None and stored.starts_at == MOVED, f"found {stored}")
        expect(FIRST in schedule.free_slots(clinic, provider_id, FIRST.date()), "the old time is not free")
        expect(MOVED not in schedule.free_slots(clinic, provider_id, MOVED.date()), "the new time is still free")
        note(f"{MOVED:%a %d %b %H:%M %Z}")
    with check("the window shows the new time"):
        heard.clear()
        _window_heard(
            lambda: getattr(_shown(window).get(appointment_id), "starts_at", None) == MOVED,
            "the move",
            heard,
            appointment_id,
        )


def _cancel(window: MainWindow, provider_id: int, appointment_id: int, heard: list[Change]) -> None:
    clinic = window.clinic
    with check("cancelled; the database says so and the time is free again"):
        booking.cancel(clinic, appointment_id)
        stored = schedule.appointment(clinic, appointment_id)
        expect(stored is not None and stored.status == "cancelled", f"found {stored}")
        expect(MOVED in schedule.free_slots(clinic, provider_id, MOVED.date()), "the time is not free")
    with check("the window no longer shows the appointment"):
        heard.clear()
        _window_heard(lambda: appointment_id not in _shown(window), "the cancellation", heard, appointment_id)


def _admin_change_refused(clinic: Clinic, owner: Clinic) -> None:
    with check("the database refuses the receptionist an admin's change; the audit trail has the desk's changes"):
        try:
            providers.add_provider(clinic, "Dr. Not Allowed", WEEKDAY_HOURS)
        except NotAllowed:
            pass
        else:
            raise CheckFailed("a receptionist added a provider")
        actions = [entry.action for entry in audit.search(owner, user=DESK_LOGIN.user)]
        expect(actions == ["UPDATE", "UPDATE", "INSERT", "INSERT"], f"the trail has {actions}")


def _password_change_refused(clinic: Clinic) -> None:
    with check("the server's password rules refuse the receptionist's own password change outside the program"):
        try:
            with clinic.uow.engine.connect() as conn:
                conn.exec_driver_sql(f"ALTER ROLE \"{DESK_LOGIN.user}\" PASSWORD 'set behind the audit trail'")
        except DBAPIError as exc:
            expect(not_allowed(exc), f"refused for another reason: {driver_error(exc)}")
        else:
            raise CheckFailed("the server took the password: its password rules are not loaded")


def run() -> int:
    """Run the checks in order, stopping at the first failure, then clean up; 0 if all passed, else 1."""
    started, passed = time.monotonic(), True
    with ExitStack() as stack:
        try:
            _book_move_cancel(*_open(stack))
        except SelfTestFailed:
            passed = False
        try:
            with check("closed the window, dropped the database, stopped the server, removed its files"):
                stack.close()
        except SelfTestFailed:
            passed = False
    print(f"self-test {'passed' if passed else 'FAILED'} in {time.monotonic() - started:.1f} s", flush=True)
    return 0 if passed else 1
