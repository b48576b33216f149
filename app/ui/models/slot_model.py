"""Free slot start times as a list model: short local times to show, full dates for tooltips and screen readers."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.ui.navigation import ViewMode, title

SlotRole = Qt.ItemDataRole.UserRole  # the slot's aware start time


class SlotListModel(QAbstractListModel):
    def __init__(self, zone: ZoneInfo, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._slots: list[datetime] = []

    def set_slots(self, slots: list[datetime]) -> None:
        self.beginResetModel()
        self._slots = list(slots)
        self.endResetModel()

    def slot_at(self, row: int) -> datetime:
        return self._slots[row]

    def row_of(self, start: datetime) -> int | None:
        return self._slots.index(start) if start in self._slots else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._slots)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._slots):
            return None
        start = self._slots[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{start.astimezone(self._zone):%H:%M}"
        if role == SlotRole:
            return start
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            local = start.astimezone(self._zone)
            return f"{title(ViewMode.DAY, local.date())}, {local:%H:%M}"
        return None
