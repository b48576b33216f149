"""The appointment book's main window: toolbar and menus, the month / week / day views, the slot picker, the
status bar.

The window owns layout and navigation (which view, which days, which provider) and hands every database call to
the task runner. What the whole desk knows (connected, the write block, the signed-in role, providers and types,
the changes announced) is the `Desk`'s; the window follows it, and offers only what the signed-in role may do (the
database says which, and refuses the rest anyway).
"""

from datetime import date

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QSplitter, QStackedWidget

from app.domain.errors import DatabaseUnavailable
from app.live.changes import Change
from app.runtime import Runtime
from app.services.access import GROUPS
from app.services.schedule import AppointmentView
from app.ui.actions import make_action
from app.ui.admin_menu import AdminMenu
from app.ui.calendar_menu import CalendarMenu
from app.ui.desk import Desk
from app.ui.dialog_launcher import DialogLauncher
from app.ui.dialogs.appointment_dialog import AppointmentDialog
from app.ui.keyboard_move import KeyboardMove
from app.ui.navigation import ViewMode, shown_days, step, visible_range
from app.ui.navigation_bar import NavigationBar
from app.ui.slot_picker import SlotPicker
from app.ui.status_bar import ClinicStatusBar
from app.ui.theme import Theme
from app.ui.theme_menu import ThemeMenu
from app.ui.throttle import Throttle
from app.ui.view_data import GridData, MonthData, ViewRequest, load_view
from app.ui.views.columns import GridColumn
from app.ui.views.month_view import MonthView
from app.ui.views.time_grid import TimeGridView
from app.ui.waitlist_notices import WaitlistNotices
from app.ui.workers import TaskRunner, user_message

NOW_LINE_INTERVAL_MS = 30_000
# After a failed read while the listener still looks connected, try again this soon.
RETRY_READ_MS = 5_000


DAY_MOVES_TIP = "Move a provider's appointments over some days to free colleagues; list whom to call"


class MainWindow(QMainWindow):
    view_loaded = Signal()  # the shown view holds fresh data
    lock_requested = Signal()  # File → Lock: the desk hides its schedule until someone signs in
    sign_out_requested = Signal()  # File → Sign out: this session ends, the sign-in follows
    closed = Signal()  # the window closed (Quit, its close button, or its session ended)

    def __init__(self, runtime: Runtime, settings: QSettings | None = None, runner: TaskRunner | None = None):
        super().__init__()
        self.runtime = runtime
        self.clinic = runtime.clinic
        self.settings = settings if settings is not None else QSettings()
        self.runner = runner if runner is not None else TaskRunner(self)
        self.desk = Desk(runtime, self.runner, self)
        self.dialogs = DialogLauncher(self.desk, self)
        self.calendar_menu = CalendarMenu(self.dialogs, self.desk, self)
        self.themes = ThemeMenu(self.settings, self)
        self.data: MonthData | GridData | None = None
        self.mode = _saved_mode(self.settings.value("view/mode"))
        self.anchor = self.today()
        self.provider_id: int | None = _saved_int(self.settings.value("view/provider_id"))
        self.picker_provider_id: int | None = None  # the provider the picker shows when all are in view
        self._stale: set[str] = set()  # what live changes made stale: "reference", "view", "picker"

        self.setWindowTitle("Clinic Scheduler")
        self.setObjectName("main_window")
        self.resize(1280, 820)
        self._build_views()
        self._build_toolbar()
        self._build_menus()
        self.status = ClinicStatusBar(runtime.target.description, self.clinic.zone.key)
        self.setStatusBar(self.status)
        self._follow_desk()
        self.runner.busy_changed.connect(self.status.set_loading)
        self.runner.failed.connect(lambda message: self.status.showMessage(message, 10_000))
        self.themes.changed.connect(self._paint_with)

        self._now_timer = QTimer(self)
        self._now_timer.timeout.connect(self._tick)
        self._now_timer.start(NOW_LINE_INTERVAL_MS)
        self._live_refresh = Throttle(self, self._apply_live_changes)
        self._retry_timer = QTimer(self, singleShot=True, interval=RETRY_READ_MS)
        self._retry_timer.timeout.connect(self.refresh)
        self._restore_geometry()
        self.themes.apply()
        self._show_mode(self.mode)
        self._show_access()
        self.desk.start()

    # --- building ---

    def _build_views(self) -> None:
        self.month_view = MonthView(self.themes.theme)
        self.month_view.setAccessibleName("Month calendar")
        self.week_view = TimeGridView(self.themes.theme, self.clinic.zone)
        self.week_view.setAccessibleName("Week calendar")
        self.day_view = TimeGridView(self.themes.theme, self.clinic.zone)
        self.day_view.setAccessibleName("Day calendar")
        self.stack = QStackedWidget()
        for view in (self.month_view, self.week_view, self.day_view):
            self.stack.addWidget(view)
        self.month_view.day_selected.connect(self._on_day_selected)
        self.month_view.day_activated.connect(lambda day: self.go_to(day, ViewMode.DAY))
        for grid in (self.week_view, self.day_view):
            grid.column_selected.connect(self._on_column_selected)
            grid.appointment_activated.connect(self.open_appointment)
            grid.time_activated.connect(self.dialogs.book_at)
            grid.context_requested.connect(self._open_calendar_menu)
            grid.move_requested.connect(self._move_by_drop)
        self.keyboard_move = KeyboardMove([self.week_view, self.day_view], self.dialogs, self._shown)

        self.picker = SlotPicker(self.runner, self.clinic)
        self.picker.book_requested.connect(self.dialogs.open_booking)
        splitter = QSplitter()
        splitter.setObjectName("main_splitter")
        splitter.addWidget(self.stack)
        splitter.addWidget(self.picker)
        splitter.setStretchFactor(0, 1)
        splitter.setCollapsible(0, False)
        splitter.setSizes([960, 300])
        self.splitter = splitter
        self.setCentralWidget(splitter)

    def _build_toolbar(self) -> None:
        self.navigation = NavigationBar(self)
        self.navigation.today_requested.connect(self.go_today)
        self.navigation.step_requested.connect(lambda steps: self.go_to(step(self.mode, self.anchor, steps)))
        self.navigation.mode_chosen.connect(self.set_mode)
        self.navigation.date_chosen.connect(self.go_to)
        self.navigation.provider_chosen.connect(self._on_provider_chosen)
        self.find_action = make_action(
            self, "Find patient…", QKeySequence.StandardKey.Find, "Find a patient", self.dialogs.find_patient
        )
        self.new_action = make_action(
            self, "New booking…", QKeySequence.StandardKey.New, "Book the chosen time", self.new_booking
        )
        self.navigation.add_actions_at_end(self.find_action, self.new_action)
        self.addToolBar(self.navigation)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.find_action)
        self.day_moves_action = make_action(
            self,
            "Provider cannot come…",
            None,
            DAY_MOVES_TIP,
            self.dialogs.move_days,
        )
        file_menu.addAction(self.day_moves_action)
        self._add_day_actions(file_menu)
        file_menu.addSeparator()
        self._add_paper_actions(file_menu)
        file_menu.addSeparator()
        self.change_password_action = make_action(
            self,
            "Change my password…",
            None,
            "Choose a new password for the account you signed in with",
            self.dialogs.change_my_password,
        )
        self.change_password_action.setVisible(False)  # until the database said who signed in
        file_menu.addAction(self.change_password_action)
        file_menu.addSeparator()
        self.lock_action = make_action(
            self,
            "Lock",
            "Ctrl+L",
            "Hide the schedule until you or another member of staff signs in",
            self.lock_requested.emit,
        )
        self.sign_out_action = make_action(
            self, "Sign out", None, "End your session at this desk; the sign-in follows", self.sign_out_requested.emit
        )
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        file_menu.addAction(
            make_action(self, "Quit", QKeySequence.StandardKey.Quit, "Close the appointment book", self.close)
        )
        self._build_view_menu()
        self.admin = AdminMenu(self.menuBar(), self.dialogs, self)

    def _add_day_actions(self, menu: QMenu) -> None:
        """The waitlist, today's flow, the reminders and the reports."""
        waitlist_tip = "Who waits for an earlier time, for how long, and the free times that fit them"
        menu.addAction(make_action(self, "Waitlist…", None, waitlist_tip, self.dialogs.open_waitlist))
        flow_tip = "Today's patients: expected, waiting and for how long, with the provider, done; move them on"
        self.flow_action = make_action(
            self, "Today's Flow…", "Ctrl+T", flow_tip, lambda: self.dialogs.open_flow_board(self.settings)
        )
        menu.addAction(self.flow_action)
        reminders_tip = "A day's reminder list to call or export, and its e-mails sent through the clinic's mail server"
        self.reminders_action = make_action(self, "Reminders…", None, reminders_tip, self.dialogs.open_reminders)
        menu.addAction(self.reminders_action)
        reports_tip = "Utilisation, no-shows, lead times, types and the waitlist, with charts; saved as CSV or PDF"
        menu.addAction(make_action(self, "Reports…", None, reports_tip, self.dialogs.open_reports))

    def _add_paper_actions(self, menu: QMenu) -> None:
        """Printing, and the schedule as files for other programs."""
        self.print_action = make_action(
            self, "Print…", QKeySequence.StandardKey.Print, "Print the day or week shown, or another",
            lambda: self.open_print(as_pdf=False),
        )  # fmt: skip
        self.pdf_action = make_action(
            self, "Export as PDF…", None, "Save the day or week shown, or another, as a PDF file",
            lambda: self.open_print(as_pdf=True),
        )  # fmt: skip
        self.export_action = make_action(
            self, "Export…", None, "The appointments shown, or others, as CSV for a spreadsheet or iCalendar",
            lambda: self.dialogs.open_export(*shown_days(self.mode, self.anchor), self.provider_id),
        )  # fmt: skip
        for action in (self.print_action, self.pdf_action, self.export_action):
            menu.addAction(action)

    def open_print(self, *, as_pdf: bool) -> None:
        """What the window shows: a provider's week as a week sheet, else the day (the week's first when a week)."""
        first, _last = shown_days(self.mode, self.anchor)
        week = self.mode is ViewMode.WEEK and self.provider_id is not None
        day = first if week else self.anchor
        self.dialogs.open_print(day, self.provider_id, as_pdf=as_pdf, week=week)

    def _build_view_menu(self) -> None:
        view_menu = self.menuBar().addMenu("&View")
        for action in self.navigation.mode_actions.values():
            view_menu.addAction(action)
        self.rooms_action = make_action(
            self, "Rooms as Columns", None, "The day view shows one column per room instead of per provider",
            self.refresh,
        )  # fmt: skip
        self.rooms_action.setCheckable(True)
        self.rooms_action.setChecked(self.settings.value("view/day_by_rooms", False, type=bool))
        view_menu.addAction(self.rooms_action)
        view_menu.addSeparator()
        view_menu.addAction(self.navigation.today_action)
        view_menu.addAction(
            make_action(self, "Refresh", QKeySequence.StandardKey.Refresh, "Read the schedule again", self.refresh)
        )
        view_menu.addMenu(self.themes.menu)

    # --- following the desk ---

    def _follow_desk(self) -> None:
        desk = self.desk
        desk.connection_changed.connect(self.status.show_connection)
        desk.permissions_changed.connect(lambda _permissions: self._show_access())
        desk.write_block_changed.connect(self._show_write_block)
        desk.reference_loaded.connect(self._on_reference_loaded)
        desk.read_failed.connect(self._on_read_failed)
        desk.schedule_changed.connect(self._on_schedule_change)
        desk.embedded_stopped.connect(lambda message: self.status.showMessage(message, 0))
        self.dialogs.message.connect(self.status.showMessage)
        self.dialogs.slot_taken.connect(self.picker.refresh)
        self.dialogs.appointment_chosen.connect(self._go_to_appointment)
        self.waitlist_notices = WaitlistNotices(desk, self)  # free times that fit waiting patients, as they come
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.waitlist_notices)
        self.waitlist_notices.booked.connect(lambda message: self.status.showMessage(message, 10_000))

    def _show_write_block(self, block: str | None) -> None:
        self.new_action.setEnabled(block is None)
        self.day_moves_action.setEnabled(block is None)
        self.picker.set_write_enabled(block is None and self.desk.can_book)

    def _show_access(self) -> None:
        """Offer only what the signed-in role may do: what it may not is hidden, not disabled (disabled means
        "not now", and the write block says why)."""
        can_book = self.desk.can_book
        self.new_action.setVisible(can_book)
        self.day_moves_action.setVisible(can_book)
        self.picker.book_button.setVisible(can_book)
        self.picker.set_write_enabled(can_book and self.desk.write_block is None)
        permissions = self.desk.permissions
        self.admin.show_for(permissions)
        # Staff change their own passwords; IT's own logins (a superuser) are IT's business.
        self.change_password_action.setVisible(permissions is not None and permissions.role in GROUPS.values())
        self.status.set_account(permissions)

    def _on_reference_loaded(self) -> None:
        if self.desk.provider(self.provider_id) is None:
            self.provider_id = None
        self.navigation.set_providers(self.desk.providers, self.provider_id)
        self._read_shown()

    def _on_read_failed(self, error: BaseException) -> None:
        if isinstance(error, DatabaseUnavailable):
            self._retry_timer.start()
        self.status.showMessage(user_message(error), 10_000)

    # --- the shown schedule ---

    def today(self) -> date:
        return self.clinic.local(self.clinic.now()).date()

    def current_view(self) -> MonthView | TimeGridView:
        return {ViewMode.MONTH: self.month_view, ViewMode.WEEK: self.week_view, ViewMode.DAY: self.day_view}[self.mode]

    def refresh(self) -> None:
        """Read the shown view again, and the picker's free times (and the providers, if they never arrived, or
        the schema again while it is not this program's: after IT's upgrade a refresh lifts the read-only state)."""
        if self.desk.stopped:
            return
        if not self.desk.reference_read or self.desk.schema_problem:
            self.desk.load_reference_data()  # the shown view and free times are read next
        else:
            self._read_shown()

    def _read_shown(self) -> None:
        self._reload_view()
        self._update_picker()

    def _reload_view(self) -> None:
        request = ViewRequest(self.mode, self.anchor, self.provider_id, self.rooms_action.isChecked())
        today, providers = self.today(), list(self.desk.providers)
        self.runner.submit(
            lambda: load_view(self.clinic, request, today, providers),
            self._on_view_data,
            self.desk.read_failed_with,
            context=self,
            key="view",
        )

    def _on_view_data(self, data: MonthData | GridData) -> None:
        self.data = data
        self.desk.read_succeeded()
        if isinstance(data, MonthData):
            self.month_view.set_data(data.counts, self.desk.types, data.kinds)
        else:
            view = self.week_view if data.request.mode is ViewMode.WEEK else self.day_view
            view.set_columns(data.columns)
            view.set_now(self.clinic.now())
        self.view_loaded.emit()

    def _on_schedule_change(self, change: Change) -> None:
        """Re-read what this change made stale (a burst of changes, once)."""
        first, last = visible_range(self.mode, self.anchor)
        if change.table in ("providers", "appointment_types"):
            self._stale.add("reference")
        if change.touches(self.provider_id, first, last, self.clinic.zone) or self._shows_patient(change):
            self._stale.add("view")
        if self.picker.touched_by(change):
            self._stale.add("picker")
        if self._stale:
            self._live_refresh.request()

    def _shows_patient(self, change: Change) -> bool:
        """Whether the shown view names the patient this change is about (a corrected name, say)."""
        if change.table != "patients" or not isinstance(self.data, GridData):
            return False
        return any(shown.patient_id == change.row_id for shown in self.data.appointments.values())

    def _apply_live_changes(self) -> None:
        stale, self._stale = self._stale, set()
        if "reference" in stale or not self.desk.reference_read:
            self.desk.load_reference_data()  # the view and the picker are read next
            return
        if "view" in stale:
            self._reload_view()
        if "picker" in stale:
            self.picker.refresh()

    def shutdown(self) -> None:
        """Stop listening and reading (before the window or its database goes away)."""
        for timer in (self._now_timer, self._retry_timer):
            timer.stop()
        self._live_refresh.cancel()
        self.desk.shutdown()

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

    def _show_mode(self, mode: ViewMode) -> None:
        self._shown_today = self.today()
        self.stack.setCurrentWidget(self.current_view())
        if mode is ViewMode.MONTH:
            self.month_view.set_month(self.anchor.year, self.anchor.month, self.today())
            self.month_view.select_day(self.anchor)
        self.navigation.show_period(mode, self.anchor)
        self.current_view().setFocus()

    def show_provider(self, provider_id: int | None) -> None:
        """Show one provider's schedule (None: all providers)."""
        self.navigation.select_provider(provider_id)

    def _on_provider_chosen(self, provider_id: int | None) -> None:
        self.provider_id = provider_id
        self.refresh()

    def _on_day_selected(self, day: date) -> None:
        same_month = (day.year, day.month) == (self.anchor.year, self.anchor.month)
        self.anchor = day
        if not same_month:  # arrows walked off the month: show the new one
            self.go_to(day)
        else:
            self.navigation.show_day(day)
            self._update_picker()

    def _on_column_selected(self, column: GridColumn) -> None:
        self.anchor = column.day
        if column.provider_id is not None:
            self.picker_provider_id = column.provider_id
        self.navigation.show_day(column.day)
        self._update_picker()

    def _update_picker(self) -> None:
        provider_id = self.provider_id if self.provider_id is not None else self.picker_provider_id
        provider = self.desk.provider(provider_id)
        self.picker.show_day(provider, self.anchor)
        self.picker.setVisible(provider is not None)  # with no provider chosen it has nothing to show: room back

    def _tick(self) -> None:
        """Keep the now line moving; after midnight, today moves on too."""
        for grid in (self.week_view, self.day_view):
            grid.set_now(self.clinic.now())
        if self.today() != self._shown_today:
            self._show_mode(self.mode)
            self.refresh()

    # --- what the views open ---

    def new_booking(self) -> None:
        """Book at the time picked; with none picked, search for the next free times first."""
        if self.picker.provider is None or self.picker.selected_start is None:
            self.dialogs.find_next_free()
            return
        self.dialogs.open_booking(self.picker.provider, self.picker.selected_start)

    def open_appointment(self, appointment_id: int) -> AppointmentDialog | None:
        appointment = self._shown(appointment_id)
        return None if appointment is None else self.dialogs.show_appointment(appointment)

    def _open_calendar_menu(self, appointment_id: int | None, where, at) -> None:
        self.calendar_menu.open_for(self._shown(appointment_id), where, at)

    def _move_by_drop(self, appointment_id: int, column: GridColumn, moment) -> None:
        if (appointment := self._shown(appointment_id)) is not None:
            self.dialogs.move_by_drop(appointment, column, moment)

    def _shown(self, appointment_id: int | None) -> AppointmentView | None:
        return self.data.appointments.get(appointment_id) if isinstance(self.data, GridData) else None

    def _go_to_appointment(self, appointment: AppointmentView) -> None:
        self.go_to(self.clinic.local(appointment.starts_at).date(), ViewMode.DAY)
        self.dialogs.show_appointment(appointment)

    # --- theme and persistence ---

    def _paint_with(self, current: Theme) -> None:
        for view in (self.month_view, self.week_view, self.day_view, self.picker):
            view.set_theme(current)

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
        self.settings.setValue("view/day_by_rooms", self.rooms_action.isChecked())
        self.settings.setValue("view/provider_id", self.provider_id if self.provider_id is not None else "")
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()


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
