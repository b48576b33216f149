"""Moving an appointment to another free time, of the same provider or another one, in one transaction."""

from datetime import datetime

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import SlotTaken
from app.live.changes import Change
from app.services import booking, schedule
from app.services.context import Clinic
from app.services.schedule import AppointmentView, Provider
from app.services.series_moves import move_following
from app.ui.dates import clock, day_format
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.labels import provider_label
from app.ui.navigation import ViewMode, title
from app.ui.slot_picker import SlotPicker
from app.ui.theme import Theme, in_use
from app.ui.throttle import Throttle
from app.ui.workers import TaskRunner


class RescheduleDialog(EditingDialog):
    """The appointment as it is, a day to move it to, and that day's free times; Move here moves it."""

    rescheduled = Signal(int)  # the appointment's id, once the move has committed

    def __init__(
        self, runner: TaskRunner, clinic: Clinic, appointment: AppointmentView, provider: Provider, parent=None
    ):
        super().__init__(runner, parent)
        self._clinic = clinic
        self._appointment, self._provider = appointment, provider
        self._live_refresh = Throttle(self, self._refresh_unless_moving)
        self.setWindowTitle("Reschedule appointment")
        self.resize(380, 680)

        self.picker = SlotPicker(
            runner, clinic, self, action_text="Move here", type_id=appointment.type_id, moving=appointment
        )
        self.picker.book_requested.connect(self._move)
        self.picker.selection_changed.connect(self._on_time_picked)
        self._day_edit = self._make_day_edit(appointment)
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Provider to move to")
        self.provider_combo.setToolTip("Another provider takes the appointment with their own length for its type")
        self.provider_combo.addItem(provider.name, provider)
        self.provider_combo.activated.connect(lambda _row: self._choose_provider(self.provider_combo.currentData()))
        self._day_row = self._day_chooser()
        self.following_box = QCheckBox("Move the following occurrences of its series the same way")
        self.following_box.setAccessibleName("Move the following occurrences too")
        self.following_box.setToolTip("Each later occurrence moves as many days and to the same time; all or none")
        self.following_box.setVisible(appointment.series_id is not None)
        self._status = QLabel()
        self._status.setWordWrap(True)
        self._status.setVisible(False)
        self._buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self._buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel rescheduling")
        self._buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(12)
        layout.addWidget(self.banner)
        layout.addWidget(self._current_card(appointment))
        layout.addWidget(self.provider_combo)
        layout.addWidget(self._day_row)
        layout.addWidget(self.following_box)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self._status)
        layout.addWidget(self._buttons)
        # Enter belongs to the time grid, where it moves the appointment; no button should catch it elsewhere.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)

        self.set_theme(in_use())
        self._show_day(self._day_edit.date())
        self._day_edit.dateChanged.connect(self._show_day)
        self.runner.submit(lambda: schedule.providers(clinic), self._on_providers, self.show_failure, context=self)

    def _on_providers(self, providers: list[Provider]) -> None:
        for other in providers:
            if other.id != self._provider.id:
                self.provider_combo.addItem(provider_label(other), other)

    def _choose_provider(self, provider: Provider) -> None:
        self._provider = provider
        self._show_day(self._day_edit.date())

    def set_theme(self, current: Theme) -> None:
        super().set_theme(current)
        self.picker.set_theme(current)

    def _current_card(self, appointment: AppointmentView) -> QFrame:
        start, end = self._clinic.local(appointment.starts_at), self._clinic.local(appointment.ends_at)
        patient = QLabel(appointment.patient_name)
        patient.setProperty("role", "heading")
        font = QFont(patient.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        patient.setFont(font)
        when = QLabel(f"Now: {title(ViewMode.DAY, start.date())}, {clock(start)} – {clock(end)}")
        what = QLabel(f"{appointment.provider_name} · {appointment.type_name}")
        for label in (when, what):
            label.setProperty("role", "muted")
            label.setWordWrap(True)
        card = QFrame()
        card.setProperty("role", "card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(14, 12, 14, 12)
        card_layout.setSpacing(2)
        for label in (patient, when, what):
            card_layout.addWidget(label)
        return card

    def _make_day_edit(self, appointment: AppointmentView) -> QDateEdit:
        today = self._clinic.local(self._clinic.now()).date()
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(day_format())
        edit.setDateRange(QDate(today), QDate(self._clinic.local(self._clinic.horizon_end()).date()))
        edit.setDate(QDate(max(today, self._clinic.local(appointment.starts_at).date())))
        edit.setAccessibleName("Day to move to")
        edit.setToolTip("The day to move the appointment to")
        return edit

    def _day_chooser(self) -> QWidget:
        label = QLabel("Move to")
        label.setProperty("role", "heading")
        previous = QPushButton("‹")
        previous.setAccessibleName("Previous day")
        previous.setToolTip("Previous day")
        previous.clicked.connect(lambda: self._step_day(-1))
        following = QPushButton("›")
        following.setAccessibleName("Next day")
        following.setToolTip("Next day")
        following.clicked.connect(lambda: self._step_day(1))
        for button in (previous, following):
            button.setFixedWidth(32)
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.setSpacing(6)
        row_layout.addWidget(label)
        row_layout.addStretch(1)
        row_layout.addWidget(previous)
        row_layout.addWidget(self._day_edit)
        row_layout.addWidget(following)
        return row

    def _step_day(self, days: int) -> None:
        self._day_edit.setDate(self._day_edit.date().addDays(days))

    def _show_day(self, day: QDate) -> None:
        self._answered()
        self.picker.show_day(self._provider, day.toPython())

    def _on_time_picked(self, start: datetime | None) -> None:
        if start is not None:  # a new choice answers the last message; a vanished one does not
            self._answered()

    def _move(self, provider: Provider, start: datetime) -> None:
        clinic, appointment_id = self._clinic, self._appointment.id
        if self.following_box.isChecked():  # to another provider only if one was chosen: each keeps its own else
            other = provider.id if provider.id != self._appointment.provider_id else None
            self.save_with(lambda: move_following(clinic, appointment_id, start, other), self._on_moved)
        else:
            self.save_with(lambda: booking.reschedule(clinic, appointment_id, start, provider.id), self._on_moved)

    def _on_moved(self, _moved: object) -> None:
        self.rescheduled.emit(self._appointment.id)
        self.accept()

    def show_failure(self, error: BaseException) -> None:
        if isinstance(error, SlotTaken):
            self.banner.show_message("That time was just booked at another desk. Pick another time.")
            self.picker.refresh()
        else:
            super().show_failure(error)

    def refresh(self) -> None:
        """Move here only while the desk may write (the banner says why not)."""
        self.picker.set_write_enabled(self.write_block is None)

    def on_write_block_lifted(self) -> None:
        self.picker.refresh()  # times may have been taken while this desk could not write

    def on_schedule_change(self, change: Change) -> None:
        if self.picker.touched_by(change):
            self._live_refresh.request()

    def _refresh_unless_moving(self) -> None:
        if not self.busy:
            self.picker.refresh()

    def hold_still(self, busy: bool) -> None:
        for part in (self.picker, self._day_row, self._buttons):
            part.setEnabled(not busy)
        self._status.setText("Moving the appointment…" if busy else "")
        self._status.setVisible(busy)

    def _answered(self) -> None:
        """A new day or time answers the last refusal (not why nothing can be moved now)."""
        if self.write_block is None:
            self.banner.clear()
