"""A provider cannot come: move their appointments over some days to free colleagues of the same specialty, in one
action, and see what moved and whom to call."""

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import day_moves, schedule
from app.services.context import Clinic
from app.services.day_moves import DayMoves
from app.services.schedule import AppointmentView, Provider
from app.ui.dates import clock, day_format, day_words
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.labels import provider_label
from app.ui.theme import in_use
from app.ui.workers import TaskRunner

HINT = (
    "Each upcoming appointment of the provider on these days moves to the first colleague of the same specialty"
    " who is free at the same time. The others stay booked and are listed to call."
)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class DayMovesDialog(EditingDialog):
    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(runner, parent)
        self._clinic = clinic
        self.setWindowTitle("Provider cannot come")
        self.setObjectName("day_moves_dialog")
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        hint.setProperty("role", "muted")
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Provider who cannot come")
        today = _qdate(clinic.local(clinic.now()).date())
        self.from_edit, self.to_edit = QDateEdit(today), QDateEdit(today)
        for edit, name in ((self.from_edit, "From"), (self.to_edit, "To")):
            edit.setDisplayFormat(day_format())
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        form = QFormLayout()
        form.addRow("&Provider", self.provider_combo)
        form.addRow("&From", self.from_edit)
        form.addRow("&To", self.to_edit)
        self.result_label = QLabel()
        self.moved_list = QListWidget()
        self.moved_list.setAccessibleName("Moved")
        self.call_list = QListWidget()
        self.call_list.setAccessibleName("To call")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.run_button = buttons.addButton("Move and list", QDialogButtonBox.ButtonRole.ActionRole)
        self.run_button.setAccessibleName("Move and list")
        self.run_button.clicked.connect(self.run)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(QLabel("Moved"))
        layout.addWidget(self.moved_list, 1)
        layout.addWidget(QLabel("To call"))
        layout.addWidget(self.call_list, 1)
        layout.addWidget(buttons)
        self.resize(640, 560)
        self.set_theme(in_use())
        self.runner.submit(lambda: schedule.providers(clinic), self._on_providers, self.show_failure, context=self)
        self.refresh()

    def _on_providers(self, providers: list[Provider]) -> None:
        for provider in providers:
            self.provider_combo.addItem(provider_label(provider), provider)
        self.refresh()

    def refresh(self) -> None:
        self.run_button.setEnabled(self.can_write and self.provider_combo.count() > 0)

    def hold_still(self, busy: bool) -> None:
        for widget in (self.provider_combo, self.from_edit, self.to_edit):
            widget.setEnabled(not busy)

    def run(self) -> None:
        clinic, provider = self._clinic, self.provider_combo.currentData()
        first, last = self.from_edit.date().toPython(), self.to_edit.date().toPython()
        self.save_with(lambda: day_moves.move_days(clinic, provider.id, first, last), self._on_done)

    def _when(self, appointment: AppointmentView) -> str:
        start = self._clinic.local(appointment.starts_at)
        return f"{day_words(start.date())} {clock(start)}  {appointment.patient_name}"

    def _on_done(self, done: DayMoves) -> None:
        self.result_label.setText(done.summary())
        self.moved_list.clear()
        self.moved_list.addItems([f"{self._when(m.appointment)}  →  {m.to.name}" for m in done.moved])
        self.call_list.clear()
        self.call_list.addItems([f"{self._when(a)}  ·  {a.patient_phone}" for a in done.to_call])
