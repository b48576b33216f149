"""Patients found by a search, one line each: enough to tell two people of the same name apart."""

from typing import Any

from PySide6.QtCore import Qt

from app.services.patients import Patient
from app.ui.dates import date_text
from app.ui.models.rows_model import RowsModel

PatientRole = Qt.ItemDataRole.UserRole  # the Patient itself


def patient_label(patient: Patient) -> str:
    """Name, birth date and phone on one line ("Last, First · born 1980-05-17 · +49 30 1234567"): enough to
    tell namesakes apart."""
    return f"{patient.last_name}, {patient.first_name} · born {date_text(patient.date_of_birth)} · {patient.phone}"


def patient_details(patient: Patient) -> str:
    lines = [patient.full_name, f"Born {date_text(patient.date_of_birth)}", f"Phone {patient.phone}"]
    if patient.email:
        lines.append(f"Email {patient.email}")
    return "\n".join(lines)


class PatientListModel(RowsModel[Patient]):
    COLUMNS = ("Patient",)
    set_patients = RowsModel.set_rows
    patient_at = RowsModel.row_at

    def row_of(self, patient_id: int) -> int | None:
        return next((row for row, patient in enumerate(self._rows) if patient.id == patient_id), None)

    def cell(self, patient: Patient, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return patient_label(patient)
        if role == Qt.ItemDataRole.ToolTipRole:
            return patient_details(patient)
        if role == PatientRole:
            return patient
        return None
