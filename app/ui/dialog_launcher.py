"""Opens the window's dialogs: each is built with what it needs, follows the desk (the write block, the changes
announced, what the role may do) and is remembered while open, since each may hold what someone typed."""

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QDialog, QWidget

from app.domain.errors import InvalidInput
from app.services import booking, providers, schedule, staff
from app.services.patients import Patient
from app.services.schedule import AppointmentView, Provider
from app.services.series import SeriesBooked
from app.services.waitlist import WaitlistEntry
from app.ui import sheets
from app.ui.admin.audit_dialog import AuditDialog
from app.ui.admin.closures_dialog import ClosuresDialog
from app.ui.admin.providers_dialog import ProvidersDialog
from app.ui.admin.rooms_dialog import RoomsDialog
from app.ui.admin.staff_dialog import AccountDialog, AccountForm, AccountValues, StaffDialog
from app.ui.admin.types_dialog import AppointmentTypesDialog
from app.ui.desk import Desk
from app.ui.dialogs.appointment_dialog import AppointmentDialog
from app.ui.dialogs.booking_dialog import BookingDialog
from app.ui.dialogs.day_moves_dialog import DayMovesDialog
from app.ui.dialogs.details_dialog import DetailsDialog
from app.ui.dialogs.export_dialog import ExportDialog
from app.ui.dialogs.find_patient_dialog import FindPatientDialog
from app.ui.dialogs.flow_board_dialog import FlowBoardDialog
from app.ui.dialogs.next_free_dialog import NextFreeDialog
from app.ui.dialogs.patient_dialog import PatientDialog
from app.ui.dialogs.print_dialog import ClinicHeading, PrintDialog, default_paper, preview
from app.ui.dialogs.reminders_dialog import RemindersDialog
from app.ui.dialogs.reports_dialog import ReportsDialog
from app.ui.dialogs.reschedule_dialog import RescheduleDialog
from app.ui.dialogs.series_dialog import SeriesDialog
from app.ui.dialogs.waitlist_dialog import WaitlistDialog
from app.ui.dialogs.waitlist_entry_dialog import WaitlistEntryDialog
from app.ui.views.columns import GridColumn
from app.ui.workers import user_message

D = TypeVar("D", bound=QDialog)
BLOCKED_REASON = "Blocked at the desk"


class DialogLauncher(QObject):
    message = Signal(str, int)  # for the status bar: what happened or why nothing did, and for how long (ms)
    slot_taken = Signal()  # a booking found its time taken meanwhile: the free times shown are stale
    appointment_chosen = Signal(object)  # AppointmentView found by a search: show its day

    def __init__(self, desk: Desk, parent: QWidget):
        super().__init__(parent)
        self.desk = desk
        self.runner = desk.runner
        self.clinic = desk.clinic
        self._window = parent
        self._dialogs: list[QDialog] = []

    def open_dialogs(self) -> list[QDialog]:
        """The dialogs still open (each may hold what someone typed)."""
        return list(self._dialogs)

    def _open(self, dialog: D, *, writes: bool = True, beside: bool = False) -> D:
        """Show a dialog over the window (`beside`: next to it, the calendar still in use), following the desk."""
        if writes:
            self.desk.attach(dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._forget(d))
        if beside:
            dialog.show()
        else:
            dialog.open()
        return dialog

    def _forget(self, dialog: QDialog) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)

    def _follow(self, signal, show: Callable[[bool], None], now: bool) -> None:
        """Call `show` with what the role may do now, and whenever that changes."""
        show(now)
        signal.connect(show)

    def open_booking(
        self, provider: Provider, start: datetime, type_id: int | None = None, patient: Patient | None = None
    ) -> BookingDialog:
        dialog = BookingDialog(
            self.runner, self.clinic, provider, start, self._window, type_id=type_id, patient=patient
        )
        dialog.slot_taken.connect(self.slot_taken)
        dialog.series_requested.connect(lambda *values, d=dialog: self.open_series(*values, then=d.accept))
        self._open(dialog)
        return dialog

    def open_series(
        self,
        provider: Provider,
        patient: Patient,
        start: datetime,
        type_id: int | None,
        notes: str,
        then: Callable[[], object] | None = None,
    ) -> SeriesDialog:
        """Book a series from `start`; `then` runs once it is booked (the booking dialog it came from closes)."""
        dialog = SeriesDialog(
            self.runner, self.clinic, provider, patient, start, type_id=type_id, notes=notes, parent=self._window
        )
        dialog.booked.connect(lambda booked: self._series_booked(booked, then))
        self._open(dialog)
        return dialog

    def _series_booked(self, booked: SeriesBooked, then: Callable[[], object] | None) -> None:
        skipped = f"; {len(booked.not_booked)} not booked" if booked.not_booked else ""
        self.message.emit(f"Series booked: {len(booked.booked)} appointments{skipped}.", 8_000)
        if then is not None:
            then()

    def open_waitlist(self) -> WaitlistDialog:
        """Who waits: every role reads it, the roles that book change it."""
        dialog = WaitlistDialog(self.runner, self.clinic, self._window)
        dialog.add_requested.connect(lambda: self.open_waitlist_entry(None, dialog))
        dialog.change_requested.connect(lambda entry: self.open_waitlist_entry(entry, dialog))
        self._follow(self.desk.can_book_changed, dialog.set_can_book, self.desk.can_book)
        self._open(dialog)
        return dialog

    def open_flow_board(self, settings: QSettings) -> FlowBoardDialog:
        """Today's flow, beside the calendar: every role watches it, the roles that book move patients on."""
        dialog = FlowBoardDialog(self.runner, self.clinic, settings, self._window)
        self._follow(self.desk.can_book_changed, dialog.set_can_book, self.desk.can_book)
        self._open(dialog, beside=True)
        return dialog

    def clinic_heading(self) -> ClinicHeading:
        settings = self.desk.runtime.settings
        return ClinicHeading(settings.clinic_name, settings.clinic_address)

    def open_print(
        self, day: date, provider_id: int | None, *, as_pdf: bool = False, week: bool = False
    ) -> PrintDialog:
        """File → Print… or Export as PDF…: the day (or week, from `day`) and the provider the window shows, unless
        changed there."""
        dialog = PrintDialog(
            self.runner, self.clinic, self.clinic_heading(), day, provider_id, self._window, as_pdf=as_pdf, week=week
        )
        self._open(dialog, writes=False)
        return dialog

    def open_export(self, first_day: date, last_day: date, provider_id: int | None) -> ExportDialog:
        """File → Export…: the days and the provider the window shows, unless changed there."""
        dialog = ExportDialog(self.runner, self.clinic, first_day, last_day, provider_id, self._window)
        self._open(dialog, writes=False)
        return dialog

    def open_reminders(self) -> RemindersDialog:
        """A day's reminder list; the roles that book send its e-mails."""
        dialog = RemindersDialog(self.runner, self.clinic, self.desk.runtime.settings, self._window)
        self._follow(self.desk.can_book_changed, dialog.set_can_book, self.desk.can_book)
        self._open(dialog)
        return dialog

    def open_reports(self) -> ReportsDialog:
        """The managers' reports, beside the calendar."""
        dialog = ReportsDialog(self.runner, self.clinic, self.clinic_heading(), self._window)
        self._open(dialog, writes=False, beside=True)
        return dialog

    def print_card(self, patient_id: int, over: QWidget) -> None:
        """The patient's appointment card in the print preview, read on a worker."""
        clinic, heading = self.clinic, self.clinic_heading()
        self.runner.submit(
            lambda: sheets.appointment_card(clinic, patient_id, heading.name, heading.address),
            lambda card: preview(over, clinic, card, default_paper()),
            lambda error: self.message.emit(user_message(error), 10_000),
            context=over,
        )

    def open_waitlist_entry(self, entry: WaitlistEntry | None, waitlist: WaitlistDialog) -> WaitlistEntryDialog:
        dialog = WaitlistEntryDialog(self.runner, self.clinic, entry, waitlist)
        dialog.saved.connect(lambda _entry_id: waitlist.load())
        self._open(dialog)
        return dialog

    def show_appointment(self, appointment: AppointmentView) -> AppointmentDialog:
        dialog = AppointmentDialog(self.runner, self.clinic, appointment, self._window)
        dialog.reschedule_requested.connect(self.open_reschedule)
        dialog.edit_patient_requested.connect(self.edit_patient)
        dialog.edit_details_requested.connect(self.edit_details)
        dialog.print_card_requested.connect(lambda patient_id: self.print_card(patient_id, dialog))
        self._follow(self.desk.can_book_changed, dialog.set_can_book, self.desk.can_book)
        self._follow(self.desk.can_edit_patients_changed, dialog.set_can_edit_patients, self.desk.can_edit_patients)
        self._open(dialog)
        return dialog

    def book_at(self, column: GridColumn, moment: datetime) -> None:
        """A double click on a free time of the calendar: book there (the start of the grid position clicked), for a
        role that may book."""
        if not self.desk.can_book or self.desk.write_block is not None:
            return
        provider = self.desk.provider(column.provider_id) if column.provider_id is not None else None
        if provider is None:
            self.message.emit("Choose a provider (or a provider's column in the day view) to book at a time.", 8_000)
            return
        self.runner.submit(
            lambda: schedule.free_start_at(self.clinic, provider.id, moment),
            lambda start: self._book_at_start(provider, start),
            lambda error: self.message.emit(user_message(error), 8_000),
            context=self,
        )

    def _book_at_start(self, provider: Provider, start: datetime | None) -> None:
        if start is None:
            self.message.emit("That time is not free: double click a free time, or use Next available.", 8_000)
            return
        self.open_booking(provider, start)

    def block_at(self, column: GridColumn, moment: datetime) -> None:
        """Right click > Block this time: the column's provider is off for the grid position there (time off an
        admin removes in Admin > Providers), refused with the list if an appointment is in the way."""
        clinic, provider_id = self.clinic, column.provider_id

        def block() -> None:
            position = schedule.grid_position_at(clinic, provider_id, moment)
            if position is None:
                raise InvalidInput.single("start", "is outside the provider's working hours")
            providers.add_time_off(clinic, provider_id, position.start, position.end, BLOCKED_REASON)

        self.runner.submit(
            block,
            lambda _none: self.message.emit("That time is blocked.", 5_000),
            lambda error: self.message.emit(f"Not blocked: {user_message(error)}", 10_000),
            context=self,
        )

    def move_days(self) -> DayMovesDialog:
        return self._open(DayMovesDialog(self.runner, self.clinic, self._window))

    def move_by_drop(self, appointment: AppointmentView, column: GridColumn, moment: datetime) -> None:
        """An appointment's block dropped on the calendar: move it to the grid position there, of the column's
        provider (else its own) and in the column's room (if it is a room's), in one atomic move; a refused move
        leaves it where it was and says why."""
        if not self.desk.can_book or self.desk.write_block is not None:
            self.message.emit("Not moved: this desk cannot change appointments now.", 8_000)
            return
        clinic, provider_id = self.clinic, column.provider_id or appointment.provider_id

        def move() -> None:
            start = schedule.grid_start_at(clinic, provider_id, moment)
            if start is None:
                raise InvalidInput.single("start", "is outside the provider's working hours")
            booking.reschedule(clinic, appointment.id, start, provider_id, column.room_id)

        self.runner.submit(
            move,
            lambda _none: self.message.emit(f"{appointment.patient_name}'s appointment moved.", 5_000),
            lambda error: self.message.emit(f"Not moved: {user_message(error)}", 10_000),
            context=self,
        )

    def find_next_free(self, patient: Patient | None = None) -> NextFreeDialog:
        dialog = NextFreeDialog(self.runner, self.clinic, patient, self._window)
        dialog.book_requested.connect(self.open_booking)
        self._open(dialog, writes=False)
        return dialog

    def edit_details(self, appointment: AppointmentView) -> DetailsDialog:
        dialog = DetailsDialog(self.runner, self.clinic, appointment, self._window)
        self._open(dialog)
        return dialog

    def open_reschedule(self, appointment: AppointmentView) -> RescheduleDialog | None:
        provider = self.desk.provider(appointment.provider_id)
        if provider is None:
            self.message.emit("This provider is no longer active; their appointments cannot move.", 8_000)
            return None
        dialog = RescheduleDialog(self.runner, self.clinic, appointment, provider, self._window)
        self._follow(self.desk.can_book_changed, dialog.picker.book_button.setVisible, self.desk.can_book)  # Move here
        self._open(dialog)
        return dialog

    def find_patient(self) -> FindPatientDialog:
        dialog = FindPatientDialog(self.runner, self.clinic, self._window)
        dialog.appointment_chosen.connect(self.appointment_chosen)
        dialog.edit_patient_requested.connect(self.edit_patient)
        dialog.book_for_patient_requested.connect(self.find_next_free)
        self.desk.schedule_changed.connect(dialog.on_schedule_change)  # its patient's details, as they change
        self._follow(self.desk.can_edit_patients_changed, dialog.edit_button.setVisible, self.desk.can_edit_patients)
        self._follow(self.desk.can_book_changed, dialog.book_button.setVisible, self.desk.can_book)
        self._open(dialog, writes=False)
        return dialog

    def edit_patient(self, patient_id: int) -> PatientDialog:
        # What shows the patient re-reads when the database announces the change, at this desk as at any other.
        return self._open(PatientDialog(self.runner, self.clinic, patient_id, self._window))

    def open_providers(self) -> ProvidersDialog:
        return self._open(ProvidersDialog(self.runner, self.clinic, self._window))

    def open_types(self) -> AppointmentTypesDialog:
        return self._open(AppointmentTypesDialog(self.runner, self.clinic, self._window))

    def open_rooms(self) -> RoomsDialog:
        return self._open(RoomsDialog(self.runner, self.clinic, self._window))

    def open_closures(self) -> ClosuresDialog:
        return self._open(ClosuresDialog(self.runner, self.clinic, self._window))

    def open_staff(self) -> StaffDialog:
        return self._open(StaffDialog(self.runner, self.clinic, self._window))

    def change_my_password(self) -> AccountDialog:
        permissions = self.desk.permissions
        user = permissions.user if permissions is not None else "this account"

        def change(account: AccountValues) -> str:
            staff.change_own_password(self.clinic, account.current_password, account.password)
            self.desk.runtime.use_password(account.password)  # this desk's next connections sign in with it
            return "Your password is changed: sign in with the new one from now on."

        dialog = AccountDialog(
            self.runner,
            AccountForm(with_name=False, with_current=True),
            change,
            title="Change my password",
            action="&Change password",
            intro=f"The new password is for {user}, at every desk. This desk stays signed in.",
            parent=self._window,
        )
        dialog.done.connect(lambda message: self.message.emit(message, 10_000))
        self._open(dialog)
        return dialog

    def open_audit_log(self) -> AuditDialog:
        return self._open(AuditDialog(self.runner, self.clinic, self._window), writes=False)
