"""A table of appointments (a patient's history): plain AppointmentView rows, shown in the clinic's zone."""

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.services.schedule import AppointmentView
from app.ui.dates import clock, day_words
from app.ui.labels import status_label
from app.ui.models.rows_model import RowsModel, ZonedRowsModel


class AppointmentTableModel(ZonedRowsModel[AppointmentView]):
    COLUMNS = ("Date", "Time", "Provider", "Type", "Status")
    set_appointments = RowsModel.set_rows
    appointment_at = RowsModel.row_at

    def cell(self, appointment: AppointmentView, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(appointment, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 3:
            return QColor(appointment.type_color)
        if role == Qt.ItemDataRole.UserRole:
            return appointment.id
        return None

    def _text(self, appointment: AppointmentView, column: int) -> str:
        start, end = appointment.starts_at.astimezone(self._zone), appointment.ends_at.astimezone(self._zone)
        return (
            day_words(start.date()),
            f"{clock(start)}–{clock(end)}",
            appointment.provider_name,
            appointment.type_name,
            status_label(appointment.status),
        )[column]
