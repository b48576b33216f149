"""One appointment's details and history, and what the desk does with it: check in, complete, no-show, move,
cancel."""

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.models import AppointmentStatus, transitions_on
from app.live.changes import Change
from app.services import audit, booking, schedule
from app.services.audit import AuditEntry
from app.services.context import Clinic
from app.services.schedule import AppointmentView
from app.services.series_moves import cancel_following
from app.ui.dates import clock
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.questions import ask, question
from app.ui.icons import type_dot
from app.ui.labels import STATUS_LABELS
from app.ui.models.audit_model import AuditTableModel
from app.ui.navigation import ViewMode, title
from app.ui.read_only_table import read_only_table
from app.ui.theme import Theme, in_use
from app.ui.throttle import Throttle
from app.ui.workers import TaskRunner, user_message

STATUS_TOKENS = {
    AppointmentStatus.BOOKED: "accent",
    AppointmentStatus.CHECKED_IN: "success",
    AppointmentStatus.COMPLETED: "muted_text",
    AppointmentStatus.NO_SHOW: "warning",
    AppointmentStatus.CANCELLED: "error",
}
# The status buttons: the status each sets, its text and what it means.
STATUS_ACTIONS = (
    (AppointmentStatus.CHECKED_IN, "Check in", "The patient has arrived"),
    (AppointmentStatus.COMPLETED, "Completed", "The visit is over"),
    (AppointmentStatus.NO_SHOW, "No-show", "The patient did not come"),
    (AppointmentStatus.BOOKED, "Back to booked", "Undo the check-in or the no-show"),
)


def _selectable(name: str) -> QLabel:
    """A detail the receptionist may copy (a phone number into the phone, an email address into the mail)."""
    label = QLabel()
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def series_place(appointment: AppointmentView) -> str:
    """Where the appointment stands in its series: "3 of 10 · every week on Tue at 09:00, 10 times"."""
    if appointment.series_id is None:
        return "Not part of a series"
    return f"{appointment.series_index} of {appointment.series_occurrences} · {appointment.series_description}"


class AppointmentDialog(EditingDialog):
    changed = Signal(int)  # the appointment's id, after a status change or a cancellation
    reschedule_requested = Signal(object)  # AppointmentView: the window opens its reschedule dialog
    edit_patient_requested = Signal(int)  # the patient's id: the window opens their details to edit
    edit_details_requested = Signal(object)  # AppointmentView: the window opens its type and notes to edit
    print_card_requested = Signal(int)  # the patient's id: the window previews their appointment card

    def __init__(self, runner: TaskRunner, clinic: Clinic, appointment: AppointmentView, parent: QWidget | None = None):
        super().__init__(runner, parent)
        self._clinic = clinic
        self._appointment = appointment
        self._theme: Theme | None = None
        self._can_book = True  # the window says what the signed-in role may do; the database is the guard
        self._can_edit_patients = True
        self._live_reload = Throttle(self, self._reload_unless_busy)
        self.setWindowTitle("Appointment")
        self.setObjectName("appointment_dialog")
        self.setMinimumWidth(640)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(14)
        layout.addWidget(self.banner)
        layout.addWidget(self._build_summary())
        layout.addWidget(self._build_status_row())
        layout.addLayout(self._build_history(), 1)
        layout.addLayout(self._build_buttons())
        self.set_theme(in_use())
        self._show(appointment)

    @property
    def appointment(self) -> AppointmentView:
        return self._appointment

    def _build_summary(self) -> QFrame:
        card = QFrame()
        card.setProperty("role", "card")
        self.patient_label = QLabel()
        self.patient_label.setProperty("role", "heading")
        self.patient_label.setAccessibleName("Patient")
        font = self.patient_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.patient_label.setFont(font)
        self.status_pill = QLabel()
        self.status_pill.setObjectName("statusPill")
        self.status_pill.setAccessibleName("Status")
        self.provider_label = QLabel()
        self.provider_label.setAccessibleName("Provider")
        self.date_label = QLabel()
        self.date_label.setAccessibleName("Date")
        self.time_label = QLabel()
        self.time_label.setAccessibleName("Time")
        self.type_dot = QLabel()
        self.type_name = QLabel()
        self.type_name.setAccessibleName("Type")
        type_row = QHBoxLayout()
        type_row.setSpacing(6)
        type_row.addWidget(self.type_dot)
        type_row.addWidget(self.type_name, 1)
        self.room_label = QLabel()
        self.room_label.setAccessibleName("Room")
        self.series_label = _selectable("Series")
        self.phone_label, self.email_label = _selectable("Phone"), _selectable("Email")
        self.notes_label = _selectable("Notes")
        self.notes_label.setWordWrap(True)

        heading = QHBoxLayout()
        heading.addWidget(self.patient_label, 1)
        heading.addWidget(self.status_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for caption, field in (
            ("Provider", self.provider_label),
            ("Date", self.date_label),
            ("Time", self.time_label),
            ("Type", type_row),
            ("Room", self.room_label),
            ("Series", self.series_label),
            ("Phone", self.phone_label),
            ("Email", self.email_label),
            ("Notes", self.notes_label),
        ):
            label = QLabel(caption)
            label.setProperty("role", "muted")
            form.addRow(label, field)
        box = QVBoxLayout(card)
        box.setContentsMargins(16, 14, 16, 14)
        box.setSpacing(12)
        box.addLayout(heading)
        box.addLayout(form)
        return card

    def _build_status_row(self) -> QWidget:
        self.status_buttons: dict[AppointmentStatus, QPushButton] = {}
        self.status_row = QWidget()
        row = QHBoxLayout(self.status_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        caption = QLabel("Set status")
        caption.setProperty("role", "heading")
        row.addWidget(caption)
        row.addStretch(1)
        for status, text, tooltip in STATUS_ACTIONS:
            button = QPushButton(text)
            button.setAccessibleName(text)
            button.setToolTip(tooltip)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, status=status: self._change_status(status))
            self.status_buttons[status] = button
            row.addWidget(button)
        return self.status_row

    def _build_history(self) -> QVBoxLayout:
        caption = QLabel("History")
        caption.setProperty("role", "heading")
        self.history_state = QLabel("Reading the history…")
        self.history_state.setProperty("role", "muted")
        self.history_state.setAccessibleName("History status")
        self.history_model = AuditTableModel(self._clinic.zone, self)
        self.history = read_only_table("History", self.history_model)
        self.history.setColumnHidden(AuditTableModel.PATIENT_COLUMN, True)  # always this appointment's patient
        self.history.setToolTip("Who changed this appointment, when, from which workstation, and what")
        self.history.setMinimumHeight(self.history.verticalHeader().defaultSectionSize() * 4)
        heading = QHBoxLayout()
        heading.addWidget(caption)
        heading.addStretch(1)
        heading.addWidget(self.history_state)
        box = QVBoxLayout()
        box.setSpacing(6)
        box.addLayout(heading)
        box.addWidget(self.history, 1)
        return box

    def _build_buttons(self) -> QHBoxLayout:
        self.cancel_button = QPushButton("Cancel appointment…")
        self.cancel_button.setObjectName("cancelAppointment")
        self.cancel_button.setAccessibleName("Cancel appointment")
        self.cancel_button.setToolTip("Cancel the appointment and free its time (asks first)")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.ask_cancel)
        self.cancel_following_button = QPushButton("Cancel this and the following…")
        self.cancel_following_button.setAccessibleName("Cancel this and the following")
        self.cancel_following_button.setToolTip("Cancel this occurrence and every later one of its series (asks first)")
        self.cancel_following_button.setAutoDefault(False)
        self.cancel_following_button.clicked.connect(lambda: self.ask_cancel(following=True))
        self.reschedule_button = QPushButton("Reschedule…")
        self.reschedule_button.setAccessibleName("Reschedule")
        self.reschedule_button.setToolTip("Move the appointment to another free time")
        self.reschedule_button.setAutoDefault(False)
        self.reschedule_button.clicked.connect(self._request_reschedule)
        self.edit_patient_button = QPushButton("Edit patient…")
        self.edit_patient_button.setAccessibleName("Edit patient")
        self.edit_patient_button.setToolTip("Correct the patient's name, date of birth, phone or email")
        self.edit_patient_button.setAutoDefault(False)
        self.edit_patient_button.clicked.connect(lambda: self.edit_patient_requested.emit(self._appointment.patient_id))
        self.details_button = QPushButton("Type and notes…")
        self.details_button.setAccessibleName("Type and notes")
        self.details_button.setToolTip(
            "Change the appointment's type (a longer one only where its time is free) or notes"
        )
        self.details_button.setAutoDefault(False)
        self.details_button.clicked.connect(lambda: self.edit_details_requested.emit(self._appointment))
        self.card_button = QPushButton("Print card…")
        self.card_button.setAccessibleName("Print card")
        self.card_button.setToolTip("The patient's next appointments on paper, with the clinic's name and address")
        self.card_button.setAutoDefault(False)
        self.card_button.clicked.connect(lambda: self.print_card_requested.emit(self._appointment.patient_id))
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.cancel_button)
        row.addWidget(self.cancel_following_button)
        row.addStretch(1)
        row.addWidget(self.card_button)
        row.addWidget(self.edit_patient_button)
        row.addWidget(self.details_button)
        row.addWidget(self.reschedule_button)
        row.addWidget(self.close_button)
        return row

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        super().set_theme(theme)
        self.setStyleSheet(f"QPushButton#cancelAppointment {{ color: {theme.tokens['error']}; }}")
        self._style_status(AppointmentStatus(self._appointment.status))

    def _style_status(self, status: AppointmentStatus) -> None:
        if self._theme is None:
            return
        color = self._theme.tokens[STATUS_TOKENS[status]]
        self.status_pill.setStyleSheet(
            f"QLabel#statusPill {{ background: {self._theme.appointment_fill(color).name()};"
            f" color: {self._theme.tokens['text']}; border: 1px solid {color}; border-radius: 10px;"
            " padding: 2px 10px; font-weight: 600; }"
        )

    def _show(self, appointment: AppointmentView) -> None:
        self._appointment = appointment
        status = AppointmentStatus(appointment.status)
        starts, ends = self._clinic.local(appointment.starts_at), self._clinic.local(appointment.ends_at)
        self.patient_label.setText(appointment.patient_name)
        self.provider_label.setText(appointment.provider_name)
        self.date_label.setText(title(ViewMode.DAY, starts.date()))
        self.time_label.setText(f"{clock(starts)} – {clock(ends)}")
        self.type_dot.setPixmap(type_dot(appointment.type_color))
        self.type_name.setText(appointment.type_name)
        self.room_label.setText(appointment.room_name or "No room needed")
        self.series_label.setText(series_place(appointment))
        self.phone_label.setText(appointment.patient_phone)
        self.email_label.setText(appointment.patient_email or "No email")
        self.notes_label.setText(appointment.notes or "No notes")
        self.status_pill.setText(STATUS_LABELS[status])
        self._style_status(status)
        self.refresh()
        self._load_history()

    def refresh(self) -> None:
        # A role that may not book sees no way to change the appointment; a blocked desk sees them disabled.
        status = AppointmentStatus(self._appointment.status)
        today = self._clinic.local(self._clinic.now()).date()
        day = self._clinic.local(self._appointment.starts_at).date()
        allowed = transitions_on(status, day, today)
        for target, button in self.status_buttons.items():
            button.setEnabled(self._may_change() and target in allowed)
            # Undoing is the exception, offered only where it applies; the visit's steps from its day on.
            button.setVisible(target in allowed if target is AppointmentStatus.BOOKED else day <= today)
        self.status_row.setVisible(self._can_book and (day <= today or AppointmentStatus.BOOKED in allowed))
        self.cancel_button.setVisible(self._can_book and AppointmentStatus.CANCELLED in allowed)
        self.cancel_button.setEnabled(self._may_change())
        in_series = self._appointment.series_id is not None
        self.cancel_following_button.setVisible(self.cancel_button.isVisibleTo(self) and in_series)
        self.cancel_following_button.setEnabled(self._may_change())
        # Only a booked appointment can move (the service refuses the others).
        self.reschedule_button.setVisible(self._can_book)
        self.reschedule_button.setEnabled(self._may_change() and status is AppointmentStatus.BOOKED)
        self.edit_patient_button.setVisible(self._can_edit_patients)
        self.edit_patient_button.setEnabled(self.can_write)
        self.details_button.setVisible(self._can_book and status is not AppointmentStatus.CANCELLED)
        self.details_button.setEnabled(self._may_change())

    def _may_change(self) -> bool:
        """The role may change appointments, and the desk may write now."""
        return self._can_book and self.can_write

    def set_can_book(self, allowed: bool) -> None:
        """Whether the signed-in role may change appointments: without it the changes are not offered."""
        self._can_book = allowed
        self.refresh()

    def set_can_edit_patients(self, allowed: bool) -> None:
        """Whether the signed-in role may edit patients: without it Edit patient is not offered."""
        self._can_edit_patients = allowed
        self.refresh()

    def on_write_block_lifted(self) -> None:
        self._reload()  # it may have changed meanwhile

    def on_schedule_change(self, change: Change) -> None:
        """Another desk changed this appointment, or its patient: show it as it is now."""
        mine = {("appointments", self._appointment.id), ("patients", self._appointment.patient_id)}
        if (change.table, change.row_id) in mine:
            self._live_reload.request()

    def _reload_unless_busy(self) -> None:
        if not self.busy:
            self._reload()

    def _change_status(self, status: AppointmentStatus) -> None:
        self._run(lambda: booking.change_status(self._clinic, self._appointment.id, status), status)

    def cancel_confirmation(self, *, following: bool = False) -> QMessageBox:
        """The question asked before cancelling (built, not shown); `following`: the later occurrences too."""
        starts = self._clinic.local(self._appointment.starts_at)
        too = " and the following ones of its series" if following else ""
        return question(
            self,
            "Cancel appointment",
            f"Cancel {self._appointment.patient_name}'s appointment on "
            f"{title(ViewMode.DAY, starts.date())} at {clock(starts)}{too}?",
            yes="Cancel appointment",
            no="Keep appointment",
            informative="The time becomes free for other bookings. This cannot be undone.",
        )

    def ask_cancel(self, *, following: bool = False) -> None:
        if not ask(self.cancel_confirmation(following=following)):
            return
        clinic, appointment = self._clinic, self._appointment
        if following:  # this one is among those cancelled unless another desk changed it meanwhile: shown as it is
            appointment_id = appointment.id
            self.save_with(
                lambda: cancel_following(clinic, appointment_id), lambda _ids: self._reload_and_tell(), self._on_failed
            )
        else:
            self._run(lambda: booking.cancel(clinic, appointment.id), AppointmentStatus.CANCELLED)

    def _run(self, work: Callable[[], object], status: AppointmentStatus) -> None:
        self.save_with(work, lambda _none: self._on_changed(status), self._on_failed)

    def _on_changed(self, status: AppointmentStatus) -> None:
        self._show(replace(self._appointment, status=status.value))
        self.changed.emit(self._appointment.id)

    def _reload_and_tell(self) -> None:
        self._reload()
        self.changed.emit(self._appointment.id)

    def _on_failed(self, error: BaseException) -> None:
        self.banner.show_message(user_message(error))
        self._reload()  # another desk may have changed the appointment: show what it is now

    def _reload(self) -> None:
        appointment_id = self._appointment.id
        self.runner.submit(
            lambda: schedule.appointment(self._clinic, appointment_id),
            self._on_reloaded,
            context=self,
            key=f"appointment-{id(self)}",
        )

    def _on_reloaded(self, appointment: AppointmentView | None) -> None:
        if appointment is not None:
            self._show(appointment)

    def _load_history(self) -> None:
        appointment_id = self._appointment.id
        self.runner.submit(
            lambda: audit.history(self._clinic, appointment_id),
            self._on_history,
            lambda error: self.history_state.setText(user_message(error)),
            context=self,
            key=f"history-{id(self)}",
        )

    def _on_history(self, entries: list[AuditEntry]) -> None:
        self.history_model.set_entries(entries)
        self.history.scrollToBottom()  # the latest change is the one asked about
        self.history_state.setText("1 change" if len(entries) == 1 else f"{len(entries)} changes")

    def _request_reschedule(self) -> None:
        self.reschedule_requested.emit(self._appointment)
        self.accept()
