"""The appointment book's main window: toolbar, the month / week / day views, the slot picker, the status bar.

The window owns navigation (which view, which days, which provider) and hands every database call to the
task runner; views and dialogs only paint and ask. It offers only what the signed-in role may do (the database
says which, and refuses the rest anyway).
"""

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate, QElapsedTimer, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from app.domain.errors import DatabaseUnavailable, first_line
from app.live.changes import Change
from app.logs import log_file_path
from app.runtime import Runtime
from app.services import access, schedule, staff
from app.services.access import GROUPS, Permissions
from app.services.schedule import AppointmentView, Provider
from app.services.schedule_check import Misfits, appointments_off_schedule
from app.ui import theme
from app.ui.admin.audit_dialog import AuditDialog
from app.ui.admin.providers_dialog import ProvidersDialog
from app.ui.admin.staff_dialog import AccountDialog, AccountForm, AccountValues, StaffDialog
from app.ui.admin.types_dialog import AppointmentTypesDialog
from app.ui.dates import day_format
from app.ui.dialogs.appointment_dialog import AppointmentDialog
from app.ui.dialogs.booking_dialog import BookingDialog
from app.ui.dialogs.field_errors import OFFLINE_MESSAGE, sentence
from app.ui.dialogs.find_patient_dialog import FindPatientDialog
from app.ui.dialogs.patient_dialog import PatientDialog
from app.ui.dialogs.reschedule_dialog import RescheduleDialog
from app.ui.elided_label import ElidedLabel
from app.ui.live_updates import LiveUpdates
from app.ui.navigation import ViewMode, step, title, visible_range
from app.ui.slot_picker import SlotPicker
from app.ui.status_bar import ClinicStatusBar
from app.ui.throttle import Throttle
from app.ui.view_data import GridData, MonthData, ViewRequest, load_view
from app.ui.views.columns import GridColumn
from app.ui.views.month_view import MonthView
from app.ui.views.time_grid import TimeGridView
from app.ui.workers import TaskRunner, user_message

ALL_PROVIDERS = "All providers"
NOW_LINE_INTERVAL_MS = 30_000
# Changes from other desks arrive in bursts (a booking touches a slot and an appointment): one re-read each.
# Notifications are hints and can be lost; the shown range is read again this often regardless.
REREAD_INTERVAL_MS = 60_000
# After a failed read while the listener still looks connected, try again this soon.
RETRY_READ_MS = 5_000
RESTART_EMBEDDED_MS = 5_000  # between attempts to start the database on this computer again


class MainWindow(QMainWindow):
    view_loaded = Signal()  # the shown view holds fresh data
    write_block_changed = Signal(object)  # why this desk cannot write now (str), or None when it can
    schedule_changed = Signal(object)  # a Change announced by the database (another desk, or this one)
    schema_refused = Signal(str)  # the database is at another schema revision: read-only, and what to do
    schedule_misfit = Signal(str)  # upcoming appointments lie outside their hours in this desk's zone: what and why
    can_book_changed = Signal(bool)  # whether the signed-in role may book, move, cancel and change status
    can_edit_patients_changed = Signal(bool)  # whether the signed-in role may edit patients' details
    lock_requested = Signal()  # File → Lock: the desk hides its schedule until someone signs in
    sign_out_requested = Signal()  # File → Sign out: this session ends, the sign-in follows
    closed = Signal()  # the window closed (Quit, its close button, or its session ended)

    def __init__(self, runtime: Runtime, settings: QSettings | None = None, runner: TaskRunner | None = None):
        super().__init__()
        self.runtime = runtime
        self.clinic = runtime.clinic
        self.settings = settings if settings is not None else QSettings()
        self.runner = runner if runner is not None else TaskRunner(self)
        self.theme_choice = theme.saved_choice(self.settings)
        self.theme = theme.resolve(self.theme_choice)
        self.providers: list[Provider] = []
        self._reference_loaded = False  # providers and types read once; a failed start retries on refresh
        self.types: list[schedule.AppointmentType] = []
        self.data: MonthData | GridData | None = None
        self.mode = _saved_mode(self.settings.value("view/mode"))
        self.anchor = self.today()
        self.provider_id: int | None = _saved_int(self.settings.value("view/provider_id"))
        self.picker_provider_id: int | None = None  # the provider the picker shows when all are in view
        self._dialogs: list[QWidget] = []
        self._listening = False  # the live listener is connected
        self._shut_down = False  # after shutdown(), late signals from the listener are ignored
        self._schema_problem: str | None = None  # set when the database's schema is not this program's
        self.schedule_misfit_message: str | None = None  # said at the start if appointments lie outside their hours
        self._restarting = False  # starting the embedded server again after it went away
        self._since_restart = QElapsedTimer()
        self.embedded_restart_failed: str | None = None  # why it could not be started again, for the user
        self._told_block: object = ()  # the write block the window and its dialogs were last told
        self._reachable = True  # the last read reached the database
        self._stale: set[str] = set()  # what live changes made stale: "reference", "view", "picker"
        self.permissions: Permissions | None = None  # what the signed-in role may do; None until the database says

        self.setWindowTitle("Clinic Scheduler")
        self.setObjectName("main_window")
        self.resize(1280, 820)
        self._build_views()
        self._build_toolbar()
        self._build_menus()
        self.status = ClinicStatusBar(runtime.target.description, self.clinic.zone.key)
        self.setStatusBar(self.status)
        self.runner.busy_changed.connect(self.status.set_loading)
        self.runner.failed.connect(lambda message: self.status.showMessage(message, 10_000))
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._follow_system_scheme)

        self._now_timer = QTimer(self)
        self._now_timer.timeout.connect(self._tick)
        self._now_timer.start(NOW_LINE_INTERVAL_MS)
        self._live_refresh = Throttle(self, self._apply_live_changes)
        self._retry_timer = _single_shot_timer(self, RETRY_READ_MS, self.refresh)
        self._reread_timer = QTimer(self)
        self._reread_timer.timeout.connect(self._reread)
        self._reread_timer.start(REREAD_INTERVAL_MS)
        self._restore_geometry()
        self.apply_theme()
        self._show_mode(self.mode)
        self._apply_online()
        self._apply_access()
        self.load_reference_data()
        self.live = LiveUpdates(runtime, self)
        self.live.changed.connect(self._on_schedule_change)
        self.live.connection_changed.connect(self._on_listener_state)
        self.live.start()

    # --- building ---

    def _build_views(self) -> None:
        self.month_view = MonthView(self.theme)
        self.month_view.setAccessibleName("Month calendar")
        self.week_view = TimeGridView(self.theme, self.clinic.zone)
        self.week_view.setAccessibleName("Week calendar")
        self.day_view = TimeGridView(self.theme, self.clinic.zone)
        self.day_view.setAccessibleName("Day calendar")
        self.stack = QStackedWidget()
        for view in (self.month_view, self.week_view, self.day_view):
            self.stack.addWidget(view)
        self.month_view.day_selected.connect(self._on_day_selected)
        self.month_view.day_activated.connect(lambda day: self.go_to(day, ViewMode.DAY))
        for grid in (self.week_view, self.day_view):
            grid.column_selected.connect(self._on_column_selected)
            grid.appointment_activated.connect(self.open_appointment)

        self.picker = SlotPicker(self.runner, self.clinic)
        self.picker.book_requested.connect(self.open_booking)
        splitter = QSplitter()
        splitter.setObjectName("main_splitter")
        splitter.addWidget(self.stack)
        splitter.addWidget(self.picker)
        splitter.setStretchFactor(0, 1)
        splitter.setCollapsible(0, False)
        splitter.setSizes([960, 300])
        self.splitter = splitter
        self.setCentralWidget(splitter)

    def _action(self, text: str, shortcut: str | QKeySequence | None, tip: str, slot) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            tip = f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        return action

    def _build_toolbar(self) -> None:
        self.today_action = self._action("Today", "T", "Go to today", self.go_today)
        self.previous_action = self._action(
            "◀", QKeySequence.StandardKey.MoveToPreviousPage, "Previous", self.go_previous
        )
        self.next_action = self._action("▶", QKeySequence.StandardKey.MoveToNextPage, "Next", self.go_next)
        self.find_action = self._action(
            "Find patient…", QKeySequence.StandardKey.Find, "Find a patient", self.find_patient
        )
        self.new_action = self._action(
            "New booking…", QKeySequence.StandardKey.New, "Book the chosen time", self.new_booking
        )
        self.mode_actions: dict[ViewMode, QAction] = {}
        group = QActionGroup(self)
        for number, mode in enumerate(ViewMode, start=1):
            action = self._action(mode.value.title(), f"Ctrl+{number}", f"Show the {mode.value} view", None)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_mode(m))
            action.setCheckable(True)
            group.addAction(action)
            self.mode_actions[mode] = action

        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setKeyboardTracking(False)  # jump when the date is complete, not on every digit
        self.date_edit.setDisplayFormat(day_format())
        self.date_edit.setAccessibleName("Go to date")
        self.date_edit.setToolTip("Jump to a date")
        self.date_edit.dateChanged.connect(self._on_date_edited)
        self.title_label = ElidedLabel()  # it shrinks first, so no button goes into an overflow menu
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.title_label.setObjectName("view_title")
        self.title_label.setAccessibleName("Shown period")
        self.title_label.setStyleSheet("font-size: 15pt; font-weight: 600; padding: 0 12px;")
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Provider")
        self.provider_combo.setToolTip("Show one provider's schedule, or all providers")
        self.provider_combo.setMinimumContentsLength(16)
        self.provider_combo.currentIndexChanged.connect(self._on_provider_changed)

        bar = QToolBar("Navigation")
        bar.setObjectName("navigation_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addAction(self.today_action)
        bar.addAction(self.previous_action)
        bar.addAction(self.next_action)
        bar.addWidget(self.date_edit)
        bar.addWidget(self.title_label)  # expanding: it takes the room between the date and the view buttons
        for action in self.mode_actions.values():
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(self.provider_combo)
        bar.addSeparator()
        bar.addAction(self.find_action)
        bar.addAction(self.new_action)
        for action in bar.actions():
            button = bar.widgetForAction(action)
            if button is not None and not button.accessibleName():
                button.setAccessibleName(action.toolTip().split(" (")[0])
        self.addToolBar(bar)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.find_action)
        file_menu.addSeparator()
        self.change_password_action = self._action(
            "Change my password…",
            None,
            "Choose a new password for the account you signed in with",
            self.change_my_password,
        )
        self.change_password_action.setVisible(False)  # until the database said who signed in
        file_menu.addAction(self.change_password_action)
        file_menu.addSeparator()
        self.lock_action = self._action(
            "Lock",
            "Ctrl+L",
            "Hide the schedule until you or another member of staff signs in",
            lambda: self.lock_requested.emit(),
        )
        self.sign_out_action = self._action(
            "Sign out",
            None,
            "End your session at this desk; the sign-in follows",
            lambda: self.sign_out_requested.emit(),
        )
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("Quit", QKeySequence.StandardKey.Quit, "Close the appointment book", self.close)
        )
        view_menu = self.menuBar().addMenu("&View")
        for action in self.mode_actions.values():
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.today_action)
        view_menu.addAction(
            self._action("Refresh", QKeySequence.StandardKey.Refresh, "Read the schedule again", self.refresh)
        )
        theme_menu = view_menu.addMenu("Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for choice in theme.THEME_CHOICES:
            label = "Follow the system" if choice == "system" else choice.title()
            action = theme_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(choice == self.theme_choice)
            action.triggered.connect(lambda _checked=False, c=choice: self.set_theme_choice(c))
            group.addAction(action)
            self.theme_actions[choice] = action
        self._build_admin_menu()

    def _build_admin_menu(self) -> None:
        self.admin_menu = self.menuBar().addMenu("&Admin")
        self._admin_entries: list[tuple[QAction, Callable[[Permissions], bool]]] = []
        self.providers_action = self.add_admin_entry(
            "Providers and hours…",
            "Add providers, edit them, set their weekly hours, slot length and time off",
            self.open_providers,
            _can_manage_schedule,
        )
        self.types_action = self.add_admin_entry(
            "Appointment types…",
            "Add and edit appointment types and their colours",
            self.open_types,
            _can_manage_schedule,
        )
        self.staff_action = self.add_admin_entry(
            "Staff…", "Add staff logins, disable or enable them, reset passwords", self.open_staff, _can_manage_staff
        )
        self.audit_action = self.add_admin_entry(
            "Audit log…", "Who changed what, when and from which workstation", self.open_audit_log, _can_view_audit
        )

    def add_admin_entry(
        self, text: str, tip: str, slot: Callable[[], object], allowed: Callable[[Permissions], bool]
    ) -> QAction:
        """An entry of the Admin menu, shown only while `allowed(permissions)` holds for the signed-in role."""
        action = self._action(text, None, tip, slot)
        self.admin_menu.addAction(action)
        self._admin_entries.append((action, allowed))
        self._show_admin_entries()
        return action

    def _show_admin_entries(self) -> None:
        for action, allowed in self._admin_entries:
            action.setVisible(self.permissions is not None and allowed(self.permissions))
        self.admin_menu.menuAction().setVisible(any(action.isVisible() for action, _ in self._admin_entries))

    # --- state ---

    def today(self) -> date:
        return self.clinic.local(self.clinic.now()).date()

    def provider(self, provider_id: int | None) -> Provider | None:
        return next((p for p in self.providers if p.id == provider_id), None)

    def current_view(self) -> MonthView | TimeGridView:
        return {ViewMode.MONTH: self.month_view, ViewMode.WEEK: self.week_view, ViewMode.DAY: self.day_view}[self.mode]

    @property
    def online(self) -> bool:
        """Whether this desk is connected: it listens for changes and its last read reached the database."""
        return self._listening and self._reachable

    @property
    def can_book(self) -> bool:
        """Whether the signed-in role may book, move, cancel and change status (not until the database said so)."""
        return self.permissions is not None and self.permissions.can_book

    @property
    def can_edit_patients(self) -> bool:
        return self.permissions is not None and self.permissions.can_edit_patients

    @property
    def write_block(self) -> str | None:
        """Why this desk cannot write now (offline, or a schema that is not this program's), or None."""
        if not self.online:
            return OFFLINE_MESSAGE
        return self._schema_problem

    # --- loading ---

    def load_reference_data(self) -> None:
        """The schema check, what the signed-in role may do, providers and appointment types, then the view. Read
        at the start, on every reconnect and re-read: a role IT changed shows without a restart."""

        def read():
            problem = self.runtime.schema_problem()
            # Another schema may lack the roles' objects: the last permissions known stand until it is this one.
            allowed = access.permissions(self.clinic) if problem is None else None
            return problem, allowed, schedule.providers(self.clinic), schedule.appointment_types(self.clinic)

        if self._shut_down:
            return
        self.runner.submit(read, self._on_reference_data, self._on_load_error, context=self, key="reference")

    def _on_reference_data(self, loaded) -> None:
        problem, allowed, self.providers, self.types = loaded
        if not self._reference_loaded and problem is None:
            self._check_schedule_fits()
        self._reference_loaded = True
        self._set_schema_problem(problem)
        if allowed is not None and allowed != self.permissions:
            self.permissions = allowed
            self._apply_access()
        self._set_reachable(True)
        self.provider_combo.blockSignals(True)
        self.provider_combo.clear()
        self.provider_combo.addItem(ALL_PROVIDERS, None)
        for provider in self.providers:
            self.provider_combo.addItem(provider.name, provider.id)
            self.provider_combo.setItemData(
                self.provider_combo.count() - 1, provider.specialty, Qt.ItemDataRole.ToolTipRole
            )
        if self.provider(self.provider_id) is None:
            self.provider_id = None
        self.provider_combo.setCurrentIndex(max(0, self.provider_combo.findData(self.provider_id)))
        self.provider_combo.blockSignals(False)
        self._read_shown()

    def _check_schedule_fits(self) -> None:
        """Once, at the start: appointments outside their hours in this desk's zone mean the zone is not the one
        the schedule was made in (a demo built before the zone was chosen, a config file changed)."""
        zone = self.clinic.zone.key

        def told(misfits: Misfits) -> None:
            if misfits.total:
                self.schedule_misfit_message = f"{sentence(misfits.describe(zone))}."
                self.schedule_misfit.emit(self.schedule_misfit_message)

        self.runner.submit(lambda: appointments_off_schedule(self.clinic), told, self._on_load_error, context=self)

    def refresh(self) -> None:
        """Read the shown view again, and the picker's free times (and the providers, if they never arrived, or
        the schema again while it is not this program's: after IT's upgrade a refresh lifts the read-only state)."""
        if self._shut_down:
            return
        if not self._reference_loaded or self._schema_problem:
            self.load_reference_data()  # it reads the shown view and free times next
        else:
            self._read_shown()

    def _read_shown(self) -> None:
        self._reload_view()
        self._update_picker()

    def _reload_view(self) -> None:
        request = ViewRequest(self.mode, self.anchor, self.provider_id)
        today, providers = self.today(), list(self.providers)
        self.runner.submit(
            lambda: load_view(self.clinic, request, today, providers),
            self._on_view_data,
            self._on_load_error,
            context=self,
            key="view",
        )

    def _on_view_data(self, data: MonthData | GridData) -> None:
        self.data = data
        self._set_reachable(True)
        if isinstance(data, MonthData):
            self.month_view.set_data(data.counts, self.types, data.kinds)
        else:
            view = self.week_view if data.request.mode is ViewMode.WEEK else self.day_view
            view.set_columns(data.columns)
            view.set_now(self.clinic.now())
        self.view_loaded.emit()

    def _on_load_error(self, error: BaseException) -> None:
        if self._shut_down:
            return
        if isinstance(error, DatabaseUnavailable):
            self._set_reachable(False, str(error))
            self._retry_timer.start()
        self.status.showMessage(user_message(error), 10_000)

    # --- live updates and the connection ---

    def _on_listener_state(self, connected: bool, detail: str) -> None:
        if self._shut_down:
            return
        self._listening = connected
        self._apply_online(detail)
        if not connected and self.runtime.target.is_embedded:
            self._start_embedded_server()
        if connected:
            # Whatever was announced while the listener was away is lost: read everything shown again (the
            # schema revision too: IT may have upgraded the database meanwhile).
            self.load_reference_data()

    def _start_embedded_server(self) -> None:
        """The database on this computer went away (it crashed, or its user ended it): start it again, at most
        once per RESTART_EMBEDDED_MS; the listener then reconnects by itself and the window reads again."""
        if self._restarting or (self._since_restart.isValid() and self._since_restart.elapsed() < RESTART_EMBEDDED_MS):
            return
        self._restarting = True
        self._since_restart.restart()
        server = self.runtime.target.embedded_server

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
            self.status.showMessage(self.embedded_restart_failed, 0)

        self.runner.submit(server.restart, started, failed, context=self, key="embedded-restart")

    def _set_reachable(self, reachable: bool, detail: str = "") -> None:
        if reachable != self._reachable:
            self._reachable = reachable
            self._apply_online(detail)

    def _set_schema_problem(self, problem: str | None) -> None:
        """A database at another schema revision is read, never written; the user is told once what to do."""
        first_time = problem is not None and self._schema_problem is None
        self._schema_problem = f"{sentence(problem)}." if problem else None
        self._apply_online()
        if first_time:
            self.schema_refused.emit(self._schema_problem)

    def _apply_online(self, detail: str = "") -> None:
        online = self.online
        connecting = self._reachable and not self._listening and not detail
        if connecting:
            self.status.set_connecting()
        elif online and self._schema_problem:
            self.status.set_read_only(self._schema_problem)
        else:
            self.status.set_connected(online, detail)
        block = self.write_block
        if block != self._told_block:  # not on every failed reconnect attempt
            self._told_block = block
            self.new_action.setEnabled(block is None)
            self.picker.set_write_enabled(block is None and self.can_book)
            self.write_block_changed.emit(block)

    def _apply_access(self) -> None:
        """Offer only what the signed-in role may do: what it may not is hidden, not disabled (disabled means
        "not now", and the write block says why)."""
        can_book = self.can_book
        self.new_action.setVisible(can_book)
        self.picker.book_button.setVisible(can_book)
        self.picker.set_write_enabled(can_book and self.write_block is None)
        self._show_admin_entries()
        # Staff change their own passwords; IT's own logins (a superuser) are IT's business.
        self.change_password_action.setVisible(
            self.permissions is not None and self.permissions.role in GROUPS.values()
        )
        self.status.set_account(self.permissions)
        self.can_book_changed.emit(can_book)
        self.can_edit_patients_changed.emit(self.can_edit_patients)

    def _on_schedule_change(self, change: Change) -> None:
        if self._shut_down:
            return
        first, last = visible_range(self.mode, self.anchor)
        zone = self.clinic.zone
        if change.table in ("providers", "appointment_types"):
            self._stale.add("reference")
        if change.touches(self.provider_id, first, last, zone) or self._shows_patient(change):
            self._stale.add("view")
        if self.picker.touched_by(change):
            self._stale.add("picker")
        if self._stale:
            self._live_refresh.request()
        self.schedule_changed.emit(change)

    def _shows_patient(self, change: Change) -> bool:
        """Whether the shown view names the patient this change is about (a corrected name, say)."""
        if change.table != "patients" or not isinstance(self.data, GridData):
            return False
        return any(shown.patient_id == change.row_id for shown in self.data.appointments.values())

    def _apply_live_changes(self) -> None:
        stale, self._stale = self._stale, set()
        if "reference" in stale or not self._reference_loaded:
            self.load_reference_data()  # it reads the view and the picker too
            return
        if "view" in stale:
            self._reload_view()
        if "picker" in stale:
            self.picker.refresh()

    def _reread(self) -> None:
        """Notifications are hints: read the shown range, and check the schema revision, now and then anyway."""
        if self.online:
            self.load_reference_data()

    def shutdown(self) -> None:
        """Stop listening and reading (before the window or its database goes away)."""
        for timer in (self._now_timer, self._retry_timer, self._reread_timer):
            timer.stop()
        self._live_refresh.cancel()
        self.live.stop()
        self._shut_down = True
        self._listening = False

    # --- navigation ---

    def set_mode(self, mode: ViewMode) -> None:
        self.mode = mode
        self._show_mode(mode)
        self.refresh()

    def go_to(self, day: date, mode: ViewMode | None = None) -> None:
        self.anchor = day
        if mode is not None:
            self.mode = mode
        self._show_mode(self.mode)
        self.refresh()

    def go_today(self) -> None:
        self.go_to(self.today())

    def go_previous(self) -> None:
        self.go_to(step(self.mode, self.anchor, -1))

    def go_next(self) -> None:
        self.go_to(step(self.mode, self.anchor, 1))

    def _show_mode(self, mode: ViewMode) -> None:
        self._shown_today = self.today()
        self.mode_actions[mode].setChecked(True)
        self.stack.setCurrentWidget(self.current_view())
        if mode is ViewMode.MONTH:
            self.month_view.set_month(self.anchor.year, self.anchor.month, self.today())
            self.month_view.select_day(self.anchor)
        self.title_label.setText(title(mode, self.anchor))
        self._show_anchor_in_date_box()
        self.current_view().setFocus()

    def _show_anchor_in_date_box(self) -> None:
        """The toolbar's date box says which day is chosen (as navigation, a click or the arrows chose it)."""
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(self.anchor.year, self.anchor.month, self.anchor.day))
        self.date_edit.blockSignals(False)

    def _on_date_edited(self, qdate: QDate) -> None:
        self.go_to(date(qdate.year(), qdate.month(), qdate.day()))

    def show_provider(self, provider_id: int | None) -> None:
        """Show one provider's schedule (None: all providers)."""
        self.provider_combo.setCurrentIndex(max(0, self.provider_combo.findData(provider_id)))

    def _on_provider_changed(self, index: int) -> None:
        self.provider_id = self.provider_combo.itemData(index)
        self.refresh()

    def _on_day_selected(self, day: date) -> None:
        same_month = (day.year, day.month) == (self.anchor.year, self.anchor.month)
        self.anchor = day
        if not same_month:  # arrows walked off the month: show the new one
            self.go_to(day)
        else:
            self._show_anchor_in_date_box()
            self._update_picker()

    def _on_column_selected(self, column: GridColumn) -> None:
        self.anchor = column.day
        if column.provider_id is not None:
            self.picker_provider_id = column.provider_id
        self._show_anchor_in_date_box()
        self._update_picker()

    def _update_picker(self) -> None:
        provider_id = self.provider_id if self.provider_id is not None else self.picker_provider_id
        provider = self.provider(provider_id)
        self.picker.show_day(provider, self.anchor)
        self.picker.setVisible(provider is not None)  # with no provider chosen it has nothing to show: room back

    def _tick(self) -> None:
        """Keep the now line moving; after midnight, today moves on too."""
        for grid in (self.week_view, self.day_view):
            grid.set_now(self.clinic.now())
        if self.today() != self._shown_today:
            self._show_mode(self.mode)
            self.refresh()

    # --- dialogs ---

    def open_dialogs(self) -> list[QWidget]:
        """The dialogs this window opened that are still open (each may hold what someone typed)."""
        return list(self._dialogs)

    def _open(self, dialog: QWidget, *, writes: bool = True) -> None:
        """Show a dialog. One that writes follows the write block and the schedule: it has `set_write_block`
        and `on_schedule_change`."""
        if writes:
            dialog.set_write_block(self.write_block)
            self.write_block_changed.connect(dialog.set_write_block)
            self.schedule_changed.connect(dialog.on_schedule_change)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._forget(d))
        dialog.open()

    def _forget(self, dialog: QWidget) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)

    def open_booking(self, provider: Provider, start: datetime) -> BookingDialog:
        dialog = BookingDialog(self.runner, self.clinic, provider, start, self)
        dialog.slot_taken.connect(self.picker.refresh)
        self._open(dialog)
        return dialog

    def new_booking(self) -> None:
        if self.picker.provider is None or self.picker.selected_start is None:
            self.status.showMessage(
                "Choose a provider (or a provider's column in the day view), then a free time, first.", 8_000
            )
            self.picker.setFocus()
            return
        self.open_booking(self.picker.provider, self.picker.selected_start)

    def open_appointment(self, appointment_id: int) -> AppointmentDialog | None:
        appointment = self.data.appointments.get(appointment_id) if isinstance(self.data, GridData) else None
        if appointment is None:
            return None
        return self.show_appointment(appointment)

    def _follow_can_book(self, show: Callable[[bool], None]) -> None:
        """Call `show` with whether the role may book, now and whenever that changes."""
        show(self.can_book)
        self.can_book_changed.connect(show)

    def _follow_can_edit_patients(self, show: Callable[[bool], None]) -> None:
        """Call `show` with whether the role may edit patients, now and whenever that changes."""
        show(self.can_edit_patients)
        self.can_edit_patients_changed.connect(show)

    def show_appointment(self, appointment: AppointmentView) -> AppointmentDialog:
        dialog = AppointmentDialog(self.runner, self.clinic, appointment, self)
        dialog.reschedule_requested.connect(self.open_reschedule)
        dialog.edit_patient_requested.connect(self.edit_patient)
        self._follow_can_book(dialog.set_can_book)
        self._follow_can_edit_patients(dialog.set_can_edit_patients)
        self._open(dialog)
        return dialog

    def open_reschedule(self, appointment: AppointmentView) -> RescheduleDialog | None:
        provider = self.provider(appointment.provider_id)
        if provider is None:
            self.status.showMessage("This provider is no longer active; their appointments cannot move.", 8_000)
            return None
        dialog = RescheduleDialog(self.runner, self.clinic, appointment, provider, self)
        self._follow_can_book(dialog.picker.book_button.setVisible)  # Move here
        self._open(dialog)
        return dialog

    def find_patient(self) -> FindPatientDialog:
        dialog = FindPatientDialog(self.runner, self.clinic, self)
        dialog.appointment_chosen.connect(self._go_to_appointment)
        dialog.edit_patient_requested.connect(self.edit_patient)
        self.schedule_changed.connect(dialog.on_schedule_change)  # its patient's details, as they change
        self._follow_can_edit_patients(dialog.edit_button.setVisible)
        self._open(dialog, writes=False)
        return dialog

    def edit_patient(self, patient_id: int) -> PatientDialog:
        # What shows the patient re-reads when the database announces the change, at this desk as at any other.
        dialog = PatientDialog(self.runner, self.clinic, patient_id, self)
        self._open(dialog)
        return dialog

    def open_providers(self) -> ProvidersDialog:
        dialog = ProvidersDialog(self.runner, self.clinic, self)
        self._open(dialog)
        return dialog

    def open_types(self) -> AppointmentTypesDialog:
        dialog = AppointmentTypesDialog(self.runner, self.clinic, self)
        self._open(dialog)
        return dialog

    def open_staff(self) -> StaffDialog:
        dialog = StaffDialog(self.runner, self.clinic, self)
        self._open(dialog)
        return dialog

    def change_my_password(self) -> AccountDialog:
        user = self.permissions.user if self.permissions is not None else "this account"

        def change(account: AccountValues) -> str:
            staff.change_own_password(self.clinic, account.current_password, account.password)
            self.runtime.use_password(account.password)  # this desk's next connections sign in with it
            return "Your password is changed: sign in with the new one from now on."

        dialog = AccountDialog(
            self.runner,
            AccountForm(with_name=False, with_current=True),
            change,
            title="Change my password",
            action="&Change password",
            intro=f"The new password is for {user}, at every desk. This desk stays signed in.",
            parent=self,
        )
        dialog.done.connect(lambda message: self.status.showMessage(message, 10_000))
        self._open(dialog)
        return dialog

    def open_audit_log(self) -> AuditDialog:
        dialog = AuditDialog(self.runner, self.clinic, self)
        self._open(dialog, writes=False)
        return dialog

    def _go_to_appointment(self, appointment: AppointmentView) -> None:
        self.go_to(self.clinic.local(appointment.starts_at).date(), ViewMode.DAY)
        self.show_appointment(appointment)

    # --- theme and persistence ---

    def set_theme_choice(self, choice: str) -> None:
        self.theme_choice = choice
        self.settings.setValue(theme.THEME_KEY, choice)
        self.theme_actions[choice].setChecked(True)
        self.apply_theme()

    def apply_theme(self) -> None:
        self.theme = theme.resolve(self.theme_choice)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, self.theme)
        for view in (self.month_view, self.week_view, self.day_view, self.picker):
            view.set_theme(self.theme)

    def _follow_system_scheme(self) -> None:
        if self.theme_choice == "system":
            self.apply_theme()

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("view/mode", self.mode.value)
        self.settings.setValue("view/provider_id", self.provider_id if self.provider_id is not None else "")
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()


def _can_view_audit(allowed: Permissions) -> bool:
    return allowed.can_view_audit


def _can_manage_schedule(allowed: Permissions) -> bool:
    return allowed.can_manage_schedule


def _can_manage_staff(allowed: Permissions) -> bool:
    return allowed.can_manage_staff


def _single_shot_timer(parent: QWidget, interval_ms: int, slot) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def _saved_mode(value: object) -> ViewMode:
    try:
        return ViewMode(str(value))
    except ValueError:
        return ViewMode.WEEK


def _saved_int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
