"""The calendar's right-click menus: on an appointment (details, check in, move, type and notes, cancel) and on an
empty time (book here, next available, block this time). What the signed-in role may not do is not offered."""

from datetime import datetime

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu, QWidget

from app.domain.models import AppointmentStatus, transitions_on
from app.services import booking
from app.services.schedule import AppointmentView
from app.ui.desk import Desk
from app.ui.dialog_launcher import DialogLauncher
from app.ui.views.columns import GridColumn
from app.ui.workers import user_message


class CalendarMenu:
    def __init__(self, dialogs: DialogLauncher, desk: Desk, parent: QWidget):
        self._dialogs, self._desk, self._parent = dialogs, desk, parent

    def open_for(
        self, appointment: AppointmentView | None, where: tuple[GridColumn, datetime] | None, at: QPoint
    ) -> QMenu | None:
        """Pop up the menu for `appointment`, else for the empty time `where`; return it (None: nothing to offer)."""
        menu = QMenu(self._parent)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if appointment is not None:
            self._appointment_entries(menu, appointment)
        elif where is not None and self._desk.can_book and self._desk.write_block is None:
            menu.addAction("Book here…", lambda: self._dialogs.book_at(*where))
            menu.addAction("Next available…", self._dialogs.find_next_free)
        if appointment is None and where is not None and self._may_block(where[0]):
            menu.addAction("Block this time", lambda: self._dialogs.block_at(*where))
        if menu.isEmpty():
            menu.deleteLater()
            return None
        menu.popup(at)
        return menu

    def _may_block(self, column: GridColumn) -> bool:
        """Blocking a provider's time is a change of their schedule: for a role that may make one, in a column of
        one provider."""
        permissions = self._desk.permissions
        allowed = permissions is not None and permissions.can_manage_schedule
        return allowed and self._desk.write_block is None and column.provider_id is not None

    def _appointment_entries(self, menu: QMenu, appointment: AppointmentView) -> None:
        menu.addAction("Details…", lambda: self._dialogs.show_appointment(appointment))
        if not self._desk.can_book or self._desk.write_block is not None:
            return
        clinic = self._dialogs.clinic
        status = AppointmentStatus(appointment.status)
        allowed = transitions_on(status, clinic.local(appointment.starts_at).date(), clinic.local(clinic.now()).date())
        if AppointmentStatus.CHECKED_IN in allowed:
            menu.addAction("Check in", lambda: self._check_in(appointment))
        if status is AppointmentStatus.BOOKED:
            menu.addAction("Reschedule…", lambda: self._dialogs.open_reschedule(appointment))
        if status is not AppointmentStatus.CANCELLED:
            menu.addAction("Type and notes…", lambda: self._dialogs.edit_details(appointment))
        if AppointmentStatus.CANCELLED in allowed:
            menu.addAction("Cancel appointment…", lambda: self._dialogs.show_appointment(appointment).ask_cancel())

    def _check_in(self, appointment: AppointmentView) -> None:
        clinic, appointment_id = self._dialogs.clinic, appointment.id
        self._dialogs.runner.submit(
            lambda: booking.change_status(clinic, appointment_id, AppointmentStatus.CHECKED_IN),
            lambda _none: self._dialogs.message.emit(f"{appointment.patient_name} is checked in.", 5_000),
            lambda error: self._dialogs.message.emit(user_message(error), 8_000),
            context=self._parent,
        )
