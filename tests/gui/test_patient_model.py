"""The patient list model: one line per patient, the Patient behind it, and a sound Qt model."""

from datetime import date

from PySide6.QtCore import QModelIndex, Qt

from app.services.patients import Patient
from app.ui.models.patient_model import PatientListModel, PatientRole

ADA = Patient(1, "Ada", "Lovelace", date(1980, 5, 17), "+49 30 1234567", "ada@example.org")
ADAM = Patient(2, "Adam", "Lorenz", date(1975, 11, 2), "+49 30 5550182", None)


def test_model_passes_the_qt_model_tester_empty_filled_and_reset(qtmodeltester):
    model = PatientListModel()
    qtmodeltester.check(model)
    model.set_patients([ADA, ADAM])
    qtmodeltester.check(model)
    model.set_patients([ADAM])
    qtmodeltester.check(model)


def test_rows_show_name_birth_date_and_phone_and_hold_the_patient():
    model = PatientListModel()
    model.set_patients([ADA, ADAM])
    first = model.index(0)
    assert model.rowCount() == 2
    assert model.data(first) == "Lovelace, Ada · born 1980-05-17 · +49 30 1234567"
    assert model.data(first, Qt.ItemDataRole.AccessibleTextRole) == model.data(first)
    assert "ada@example.org" in model.data(first, Qt.ItemDataRole.ToolTipRole)
    assert "Email" not in model.data(model.index(1), Qt.ItemDataRole.ToolTipRole)
    assert model.data(first, PatientRole) == ADA
    assert model.patient_at(1) == ADAM
    assert model.row_of(ADAM.id) == 1
    assert model.row_of(99) is None


def test_unused_roles_and_invalid_indexes_give_none():
    model = PatientListModel()
    model.set_patients([ADA])
    assert model.data(model.index(0), Qt.ItemDataRole.DecorationRole) is None
    assert model.data(QModelIndex()) is None
    assert model.rowCount(model.index(0)) == 0
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def test_reset_announces_the_new_rows(qtbot):
    model = PatientListModel()
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset]):
        model.set_patients([ADA])
    assert model.rowCount() == 1
