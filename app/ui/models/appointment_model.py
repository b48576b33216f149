"""A table of appointments (a patient's history): plain AppointmentView rows, shown in the clinic's zone."""

from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.services.schedule import AppointmentView
from app.ui.labels import status_label

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Date", "Time", "Provider", "Type", "Status")


class AppointmentTableModel(QAbstractTableModel):
    def __init__(self, zone: ZoneInfo, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._rows: list[AppointmentView] = []

    def set_appointments(self, appointments: list[AppointmentView]) -> None:
        self.beginResetModel()
        self._rows = list(appointments)
        self.endResetModel()

    def appointment_at(self, row: int) -> AppointmentView:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        appointment = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(appointment, index.column())
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 3:
            return QColor(appointment.type_color)
        if role == Qt.ItemDataRole.UserRole:
            return appointment.id
        return None

    def _text(self, appointment: AppointmentView, column: int) -> str:
        start, end = appointment.starts_at.astimezone(self._zone), appointment.ends_at.astimezone(self._zone)
        return (
            f"{start:%a} {start.day} {start:%b %Y}",
            f"{start:%H:%M}–{end:%H:%M}",
            appointment.provider_name,
            appointment.type_name,
            status_label(appointment.status),
        )[column]
