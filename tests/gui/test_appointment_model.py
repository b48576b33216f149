from datetime import date, datetime, time

from PySide6.QtCore import Qt

from app.domain.models import BookingRequest
from app.services import booking, schedule
from app.ui.models.appointment_model import AppointmentTableModel
from tests.conftest import ZONE


def test_a_patients_history_as_a_table(qtmodeltester, clinic, provider_id, patient_id):
    start = datetime.combine(date(2030, 1, 8), time(9), tzinfo=ZONE)
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=start))
    model = AppointmentTableModel(ZONE)
    model.set_appointments(schedule.patient_appointments(clinic, patient_id))
    qtmodeltester.check(model)
    row = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert row[:2] == ["Tue 8 Jan 2030", "09:00–09:30"]
    assert row[4] == "Booked"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) is None
    assert model.data(model.index(5, 0)) is None
