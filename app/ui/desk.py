"""What the whole desk knows, in one object: connected or offline, the schema revision, the write block and its
reason, who is signed in and what they may do, the providers and appointment types, and the database's
announcements of changes.

The window, its views and every dialog follow the desk through its signals; none of them asks another widget.
A dialog that writes is a `DeskFollower` and is attached with `Desk.attach`.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from app.domain.errors import DatabaseUnavailable, first_line
from app.live.changes import Change
from app.logs import log_file_path
from app.runtime import Runtime
from app.services import access, schedule
from app.services.access import Permissions
from app.services.schedule import AppointmentType, Provider
from app.services.schedule_check import Misfits, appointments_off_schedule
from app.ui.dialogs.field_errors import OFFLINE_MESSAGE, sentence
from app.ui.live_updates import LiveUpdates
from app.ui.workers import TaskRunner

# Notifications are hints and can be lost: what the desk knows is read again this often regardless.
REREAD_INTERVAL_MS = 60_000
RESTART_EMBEDDED_MS = 5_000  # between attempts to start the database on this computer again


class Link(Enum):
    CONNECTING = "connecting"  # the listener is opening its connection
    CONNECTED = "connected"
    READ_ONLY = "read-only"  # connected to a database at another schema revision
    OFFLINE = "offline"  # the desk keeps trying


@dataclass(frozen=True)
class Connection:
    link: Link
    detail: str = ""  # why offline, or why read-only and what to do


class DeskFollower(Protocol):
    """A dialog that writes: it shows why the desk cannot write now, and sees every change announced."""

    def set_write_block(self, reason: str | None) -> None: ...

    def on_schedule_change(self, change: Change) -> None: ...


class Desk(QObject):
    connection_changed = Signal(object)  # Connection, for the status bar
    write_block_changed = Signal(object)  # why this desk cannot write now (str), or None when it can
    schedule_changed = Signal(object)  # a Change announced by the database (another desk, or this one)
    reference_loaded = Signal()  # providers and appointment types were read (again)
    read_failed = Signal(object)  # a read failed (the exception): a message for the user, and a retry if offline
    schema_refused = Signal(str)  # the database is at another schema revision: read-only, and what to do
    schedule_misfit = Signal(str)  # upcoming appointments lie outside their hours in this desk's zone: what and why
    permissions_changed = Signal(object)  # Permissions: what the signed-in role may do
    can_book_changed = Signal(bool)  # whether the signed-in role may book, move, cancel and change status
    can_edit_patients_changed = Signal(bool)  # whether the signed-in role may edit patients' details
    embedded_stopped = Signal(str)  # the database on this computer could not be started again: what to do

    def __init__(self, runtime: Runtime, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.runtime = runtime
        self.clinic = runtime.clinic
        self.runner = runner
        self.providers: list[Provider] = []
        self.types: list[AppointmentType] = []
        self.permissions: Permissions | None = None  # what the signed-in role may do; None until the database says
        self.reference_read = False  # providers and types read once; a failed start retries on refresh
        self.schema_problem: str | None = None  # set when the database's schema is not this program's
        self.schedule_misfit_message: str | None = None  # said at the start if appointments lie outside their hours
        self.embedded_restart_failed: str | None = None  # why it could not be started again, for the user
        self._listening = False  # the live listener is connected
        self._reachable = True  # the last read reached the database
        self._told_block: object = ()  # the write block the followers were last told
        self.stopped = False  # after shutdown(), late signals from the listener are ignored
        self._restarting = False  # starting the embedded server again after it went away
        self._since_restart = QElapsedTimer()
        self._reread_timer = QTimer(self)
        self._reread_timer.timeout.connect(self._reread)
        self.live = LiveUpdates(runtime, self)
        self.live.changed.connect(self._on_change)
        self.live.connection_changed.connect(self._on_listener_state)

    def start(self) -> None:
        """Read what the desk knows and start listening (once whoever follows the desk is connected)."""
        self._reread_timer.start(REREAD_INTERVAL_MS)
        self._tell_connection()
        self.load_reference_data()
        self.live.start()

    def shutdown(self) -> None:
        """Stop listening and reading (before the window or its database goes away)."""
        self._reread_timer.stop()
        self.live.stop()
        self.stopped = True
        self._listening = False

    # --- what the desk knows ---

    @property
    def online(self) -> bool:
        """Whether this desk is connected: it listens for changes and its last read reached the database."""
        return self._listening and self._reachable

    @property
    def write_block(self) -> str | None:
        """Why this desk cannot write now (offline, or a schema that is not this program's), or None."""
        if not self.online:
            return OFFLINE_MESSAGE
        return self.schema_problem

    @property
    def can_book(self) -> bool:
        """Whether the signed-in role may book, move, cancel and change status (not until the database said so)."""
        return self.permissions is not None and self.permissions.can_book

    @property
    def can_edit_patients(self) -> bool:
        return self.permissions is not None and self.permissions.can_edit_patients

    def provider(self, provider_id: int | None) -> Provider | None:
        return next((p for p in self.providers if p.id == provider_id), None)

    def attach(self, follower: DeskFollower) -> None:
        """Tell a dialog that writes the write block now and whenever it changes, and every change announced."""
        follower.set_write_block(self.write_block)
        self.write_block_changed.connect(follower.set_write_block)
        self.schedule_changed.connect(follower.on_schedule_change)

    # --- reading ---

    def load_reference_data(self) -> None:
        """The schema check, what the signed-in role may do, providers and appointment types. Read at the start,
        on every reconnect and re-read: a role IT changed shows without a restart."""

        def read():
            problem = self.runtime.schema_problem()
            # Another schema may lack the roles' objects: the last permissions known stand until it is this one.
            allowed = access.permissions(self.clinic) if problem is None else None
            return problem, allowed, schedule.providers(self.clinic), schedule.appointment_types(self.clinic)

        if not self.stopped:
            self.runner.submit(read, self._on_reference_data, self.read_failed_with, context=self, key="reference")

    def _on_reference_data(self, loaded) -> None:
        problem, allowed, self.providers, self.types = loaded
        if not self.reference_read and problem is None:
            self._check_schedule_fits()
        self.reference_read = True
        self._set_schema_problem(problem)
        if allowed is not None and allowed != self.permissions:
            self.permissions = allowed
            self.permissions_changed.emit(allowed)
            self.can_book_changed.emit(self.can_book)
            self.can_edit_patients_changed.emit(self.can_edit_patients)
        self.read_succeeded()
        self.reference_loaded.emit()

    def _check_schedule_fits(self) -> None:
        """Once, at the start: appointments outside their hours in this desk's zone mean the zone is not the one
        the schedule was made in (a demo built before the zone was chosen, a config file changed)."""
        zone = self.clinic.zone.key

        def told(misfits: Misfits) -> None:
            if misfits.total:
                self.schedule_misfit_message = f"{sentence(misfits.describe(zone))}."
                self.schedule_misfit.emit(self.schedule_misfit_message)

        self.runner.submit(lambda: appointments_off_schedule(self.clinic), told, self.read_failed_with, context=self)

    def read_succeeded(self) -> None:
        """A read reached the database."""
        self._set_reachable(True)

    def read_failed_with(self, error: BaseException) -> None:
        """A read failed: a lost database makes the desk offline until a read or the listener reaches it again."""
        if self.stopped:
            return
        if isinstance(error, DatabaseUnavailable):
            self._set_reachable(False, str(error))
        self.read_failed.emit(error)

    def _reread(self) -> None:
        """Notifications are hints: check the schema revision and read the reference data now and then anyway."""
        if self.online:
            self.load_reference_data()

    # --- the connection ---

    def _on_listener_state(self, connected: bool, detail: str) -> None:
        if self.stopped:
            return
        self._listening = connected
        self._tell_connection(detail)
        if not connected and self.runtime.target.is_embedded:
            self._start_embedded_server()
        if connected:
            # Whatever was announced while the listener was away is lost: read everything again (the schema
            # revision too: IT may have upgraded the database meanwhile).
            self.load_reference_data()

    def _on_change(self, change: Change) -> None:
        if not self.stopped:
            self.schedule_changed.emit(change)

    def _start_embedded_server(self) -> None:
        """The database on this computer went away (it crashed, or its user ended it): start it again, at most
        once per RESTART_EMBEDDED_MS; the listener then reconnects by itself and the desk reads again."""
        if self._restarting or (self._since_restart.isValid() and self._since_restart.elapsed() < RESTART_EMBEDDED_MS):
            return
        self._restarting = True
        self._since_restart.restart()

        def started(_none) -> None:
            self._restarting = False
            self.embedded_restart_failed = None

        def failed(error: BaseException) -> None:
            self._restarting = False
            self.embedded_restart_failed = (
                "The appointment book's database on this computer stopped and could not be started again"
                f" ({first_line(error)}). Close Clinic Scheduler and open it again; if that does not help, its log"
                f" file says why: {log_file_path()}"
            )
            self.embedded_stopped.emit(self.embedded_restart_failed)

        server = self.runtime.target.embedded_server
        self.runner.submit(server.restart, started, failed, context=self, key="embedded-restart")

    def _set_reachable(self, reachable: bool, detail: str = "") -> None:
        if reachable != self._reachable:
            self._reachable = reachable
            self._tell_connection(detail)

    def _set_schema_problem(self, problem: str | None) -> None:
        """A database at another schema revision is read, never written; the user is told once what to do."""
        first_time = problem is not None and self.schema_problem is None
        self.schema_problem = f"{sentence(problem)}." if problem else None
        self._tell_connection()
        if first_time:
            self.schema_refused.emit(self.schema_problem)

    def _tell_connection(self, detail: str = "") -> None:
        if self._reachable and not self._listening and not detail:
            link = Connection(Link.CONNECTING)
        elif self.online and self.schema_problem:
            link = Connection(Link.READ_ONLY, self.schema_problem)
        else:
            link = Connection(Link.CONNECTED if self.online else Link.OFFLINE, detail)
        self.connection_changed.emit(link)
        self._tell_write_block()

    def _tell_write_block(self) -> None:
        block = self.write_block
        if block != self._told_block:  # not on every failed reconnect attempt
            self._told_block = block
            self.write_block_changed.emit(block)
