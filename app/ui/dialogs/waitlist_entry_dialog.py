"""Add or change a waitlist entry: the patient, whom they wait for, the type, the days, what they prefer, how urgent."""

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import InvalidInput
from app.domain.recurrence import WEEKDAY_NAMES
from app.services import schedule, waitlist
from app.services.context import Clinic
from app.services.patients import Patient, get_patient
from app.services.schedule import AppointmentType, Provider
from app.services.waitlist import PRIORITY_WORDS, Priority, WaitlistEntry
from app.ui.dates import day_format
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.patient_search import PatientSearch
from app.ui.labels import provider_label
from app.ui.type_combo import TypeCombo
from app.ui.workers import TaskRunner, user_message

PARTS_OF_DAY = (("Any time of day", None), ("Mornings", "morning"), ("Afternoons", "afternoon"))
WAIT_DAYS = 28  # the latest day a new entry offers: four weeks on


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class WaitlistEntryDialog(EditingDialog):
    saved = Signal(int)  # the entry's id; the dialog then closes

    def __init__(
        self, runner: TaskRunner, clinic: Clinic, entry: WaitlistEntry | None = None, parent: QWidget | None = None
    ):
        super().__init__(runner, parent)
        self._clinic, self._entry = clinic, entry
        self.setWindowTitle("Change waitlist entry" if entry else "Put a patient on the waitlist")
        self.setObjectName("waitlist_entry_dialog")
        self.resize(560, 620)

        form = self._build_form(entry)
        self.error_label = QLabel()
        self.error_label.setAccessibleName("What is wrong")
        self.error_label.setWordWrap(True)
        self.error_label.setProperty("role", "error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setAccessibleName("Save")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.refresh()
        self.runner.submit(self._read_choices, self._on_choices, self._on_failed, context=self)

    def _build_form(self, entry: WaitlistEntry | None) -> QFormLayout:
        self.search = PatientSearch(self.runner, self._clinic, self)
        self.search.patient_chosen.connect(lambda _patient: self.refresh())
        self.whom_combo = QComboBox()
        self.whom_combo.setAccessibleName("Waits for")
        self.whom_combo.addItem("Any provider", None)
        self.type_combo = TypeCombo("The appointment the patient waits for: its length decides which times fit")
        today = self._clinic.local(self._clinic.now()).date()
        first, last = (entry.earliest, entry.latest) if entry else (today, today + timedelta(days=WAIT_DAYS))
        self.earliest_edit, self.latest_edit = QDateEdit(_qdate(first)), QDateEdit(_qdate(last))
        for edit, name in ((self.earliest_edit, "Earliest day"), (self.latest_edit, "Latest day")):
            edit.setDisplayFormat(day_format())
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        self.weekday_boxes = {number: QCheckBox(name) for number, name in enumerate(WEEKDAY_NAMES, start=1)}
        weekdays = QHBoxLayout()
        for number, box in self.weekday_boxes.items():
            box.setAccessibleName(f"On {box.text()}")
            box.setChecked(entry is not None and number in entry.weekdays)
            weekdays.addWidget(box)
        weekdays.addStretch(1)
        self.part_combo = QComboBox()
        self.part_combo.setAccessibleName("Time of day")
        for caption, value in PARTS_OF_DAY:
            self.part_combo.addItem(caption, value)
        self.priority_combo = QComboBox()
        self.priority_combo.setAccessibleName("Priority")
        for priority in Priority:
            self.priority_combo.addItem(PRIORITY_WORDS[priority].capitalize(), int(priority))
        self.note_edit = QLineEdit()
        self.note_edit.setAccessibleName("Note")
        self.note_edit.setPlaceholderText("Why sooner, how to reach them, anything the desk should know")
        self.note_edit.setMaxLength(2000)

        form = QFormLayout()
        form.addRow("&Patient", self.search)
        form.addRow("&Waits for", self.whom_combo)
        form.addRow("&Type", self.type_combo)
        form.addRow("&Earliest day", self.earliest_edit)
        form.addRow("&Latest day", self.latest_edit)
        form.addRow("On", weekdays)
        form.addRow("T&ime of day", self.part_combo)
        form.addRow("P&riority", self.priority_combo)
        form.addRow("&Note", self.note_edit)
        return form

    def _read_choices(self) -> tuple[list[AppointmentType], list[Provider], Patient | None]:
        patient = get_patient(self._clinic, self._entry.patient_id) if self._entry else None
        return schedule.appointment_types(self._clinic), schedule.providers(self._clinic), patient

    def _on_choices(self, choices: tuple[list[AppointmentType], list[Provider], Patient | None]) -> None:
        types, providers, patient = choices
        self.type_combo.fill(types, self._entry.type_id if self._entry else None)
        for specialty in sorted({p.specialty for p in providers if p.specialty}):
            self.whom_combo.addItem(f"Any {specialty} provider", f"specialty:{specialty}")
        for provider in providers:
            self.whom_combo.addItem(provider_label(provider), f"provider:{provider.id}")
        if self._entry is not None:
            self._show_entry(self._entry, patient)
        self.refresh()

    def _show_entry(self, entry: WaitlistEntry, patient: Patient | None) -> None:
        if patient is not None:
            self.search.show_patient(patient)
        whom = f"provider:{entry.provider_id}" if entry.provider_id else f"specialty:{entry.specialty}"
        if (entry.provider_id or entry.specialty) and self.whom_combo.findData(whom) < 0:
            self.whom_combo.addItem(entry.who, whom)  # a provider no longer active: kept, not quietly changed
        self.whom_combo.setCurrentIndex(max(0, self.whom_combo.findData(whom)))
        self.part_combo.setCurrentIndex(max(0, self.part_combo.findData(entry.part_of_day)))
        self.priority_combo.setCurrentIndex(self.priority_combo.findData(int(entry.priority)))
        self.note_edit.setText(entry.note)

    def values(self) -> dict:
        """The entry as the form has it."""
        kind, _, whom = (self.whom_combo.currentData() or "").partition(":")  # "provider:3", "specialty:…"; "": anyone
        chosen = self.search.chosen
        return {
            "patient_id": chosen.id if chosen else None,
            "provider_id": int(whom) if kind == "provider" else None,
            "specialty": whom if kind == "specialty" else None,
            "type_id": self.type_combo.currentData(),
            "earliest": self.earliest_edit.date().toPython(),
            "latest": self.latest_edit.date().toPython(),
            "weekdays": [number for number, box in self.weekday_boxes.items() if box.isChecked()],
            "part_of_day": self.part_combo.currentData(),
            "priority": self.priority_combo.currentData(),
            "note": self.note_edit.text(),
        }

    def refresh(self) -> None:
        """Save once a patient is chosen and the types are read, while the desk may write (the banner says why not)."""
        ready = self.search.chosen is not None and self.type_combo.count() > 0
        self.save_button.setEnabled(ready and self.can_write)
        if not ready and self.type_combo.count() > 0:
            self.error_label.setText("Choose the patient first.")
        elif ready and self.error_label.text() == "Choose the patient first.":
            self.error_label.setText("")

    def on_write_block_lifted(self) -> None:
        if self.type_combo.count() == 0:  # opened offline: what it could not read
            self.runner.submit(self._read_choices, self._on_choices, self._on_failed, context=self)

    def hold_still(self, busy: bool) -> None:
        self.search.setEnabled(not busy)

    def save(self) -> None:
        values, entry, clinic = self.values(), self._entry, self._clinic
        self.error_label.setText("")

        def work() -> int:
            if entry is None:
                return waitlist.add_entry(clinic, **values)
            waitlist.update_entry(clinic, entry.id, **values)
            return entry.id

        self.save_with(work, self._on_saved, self._on_failed)

    def _on_saved(self, entry_id: int) -> None:
        self.saved.emit(entry_id)
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self.error_label.setText(str(error) if isinstance(error, InvalidInput) else user_message(error))
        self.refresh()
