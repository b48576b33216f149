"""Find a patient (Ctrl+F) and their appointments; open one or jump to its day, edit the patient, or book for
them at the next free times."""

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from app.live.changes import Change
from app.services import patients, schedule
from app.services.context import Clinic
from app.services.patients import Patient
from app.services.schedule import AppointmentView
from app.ui.dialogs.patient_search import PatientSearch
from app.ui.models.appointment_model import AppointmentTableModel
from app.ui.read_only_table import read_only_table
from app.ui.workers import TaskRunner, user_message


class FindPatientDialog(QDialog):
    appointment_chosen = Signal(object)  # AppointmentView: the window shows its day and opens it
    edit_patient_requested = Signal(int)  # the chosen patient's id: the window opens their details to edit
    book_for_patient_requested = Signal(object)  # the chosen Patient: the window searches the next free times

    def __init__(self, runner: TaskRunner, clinic: Clinic, parent=None):
        super().__init__(parent)
        self.runner, self.clinic = runner, clinic
        self.setWindowTitle("Find patient")
        self.setObjectName("find_patient_dialog")
        self.resize(720, 560)
        self.search = PatientSearch(runner, clinic)
        self.search.patient_chosen.connect(self._show_history)
        self.history_label = QLabel("Choose a patient to see their appointments.")
        self.history_label.setProperty("role", "muted")
        self.history_label.setAccessibleName("Appointments heading")
        self.model = AppointmentTableModel(clinic.zone, self)
        self.table = read_only_table("Patient's appointments", self.model)
        self.table.setToolTip("Double click or press Enter to open an appointment on its day")
        self.table.activated.connect(lambda index: self._choose(index.row()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAutoDefault(False)  # Enter on a search result must not close the dialog
        self.search.patient_activated.connect(lambda _patient: self.table.setFocus())
        self.open_button = buttons.addButton("Open on its day", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setAccessibleName("Open the appointment on its day")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: self._choose(self.table.currentIndex().row()))
        # Shown only to roles that may edit patients (the window says which).
        self.edit_button = buttons.addButton("Edit patient…", QDialogButtonBox.ButtonRole.ActionRole)
        self.edit_button.setAccessibleName("Edit patient")
        self.edit_button.setToolTip("Correct the chosen patient's name, date of birth, phone or email")
        self.edit_button.setAutoDefault(False)
        self.edit_button.setEnabled(False)
        self.edit_button.clicked.connect(self._edit_chosen)
        # Shown only to roles that may book.
        self.book_button = buttons.addButton("Book for this patient…", QDialogButtonBox.ButtonRole.ActionRole)
        self.book_button.setAccessibleName("Book for this patient")
        self.book_button.setToolTip("Find the next free times for the chosen patient, and book one")
        self.book_button.setAutoDefault(False)
        self.book_button.setEnabled(False)
        self.book_button.clicked.connect(lambda: self.book_for_patient_requested.emit(self.search.chosen))
        self.table.selectionModel().currentRowChanged.connect(
            lambda index, _prev: self.open_button.setEnabled(index.isValid())
        )

        layout = QVBoxLayout(self)
        layout.addWidget(self.search, 2)
        layout.addWidget(self.history_label)
        layout.addWidget(self.table, 3)
        layout.addWidget(buttons)

    def _show_history(self, patient: Patient | None) -> None:
        self.model.set_appointments([])
        self.open_button.setEnabled(False)
        self.edit_button.setEnabled(patient is not None)
        self.book_button.setEnabled(patient is not None)
        if patient is None:
            self.history_label.setText("Choose a patient to see their appointments.")
            return
        self.history_label.setText(f"Loading {patient.full_name}'s appointments…")
        self.runner.submit(
            lambda: schedule.patient_appointments(self.clinic, patient.id),
            lambda rows: self._on_history(patient, rows),
            lambda error: self.history_label.setText(user_message(error)),
            context=self,
            key=f"history-{id(self)}",
        )

    def _on_history(self, patient: Patient, rows: list[AppointmentView]) -> None:
        self.model.set_appointments(rows)
        count = len(rows)
        self.history_label.setText(
            f"{patient.full_name}: {count} appointment{'s' if count != 1 else ''}, newest first"
            if rows
            else f"{patient.full_name} has no appointments yet."
        )
        if rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _choose(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.appointment_chosen.emit(self.model.appointment_at(row))
            self.accept()

    def _edit_chosen(self) -> None:
        if self.search.chosen is not None:
            self.edit_patient_requested.emit(self.search.chosen.id)

    def on_schedule_change(self, change: Change) -> None:
        """The chosen patient's details changed (here or at another desk): show them as they are now."""
        chosen = self.search.chosen
        if change.table != "patients" or chosen is None or chosen.id != change.row_id:
            return
        patient_id = chosen.id
        self.runner.submit(
            lambda: patients.get_patient(self.clinic, patient_id),
            lambda patient: self.search.show_patient(patient) if patient is not None else None,
            lambda error: self.history_label.setText(user_message(error)),
            context=self,
            key=f"patient-{id(self)}",
        )
