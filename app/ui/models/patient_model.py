"""Patients found by a search, one line each: enough to tell two people of the same name apart."""

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.patients import Patient

PatientRole = Qt.ItemDataRole.UserRole  # the Patient itself


def patient_label(patient: Patient) -> str:
    """Name, birth date and phone on one line ("Last, First · born 1980-05-17 · +49 30 1234567"): enough to
    tell namesakes apart."""
    return f"{patient.last_name}, {patient.first_name} · born {patient.date_of_birth.isoformat()} · {patient.phone}"


def patient_details(patient: Patient) -> str:
    lines = [patient.full_name, f"Born {patient.date_of_birth.isoformat()}", f"Phone {patient.phone}"]
    if patient.email:
        lines.append(f"Email {patient.email}")
    return "\n".join(lines)


class PatientListModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._patients: list[Patient] = []

    def set_patients(self, patients: list[Patient]) -> None:
        self.beginResetModel()
        self._patients = list(patients)
        self.endResetModel()

    def patient_at(self, row: int) -> Patient:
        return self._patients[row]

    def row_of(self, patient_id: int) -> int | None:
        return next((row for row, patient in enumerate(self._patients) if patient.id == patient_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._patients)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._patients):
            return None
        patient = self._patients[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return patient_label(patient)
        if role == Qt.ItemDataRole.ToolTipRole:
            return patient_details(patient)
        if role == PatientRole:
            return patient
        return None
