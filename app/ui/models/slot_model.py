"""Free slot start times as a list model: short local times to show, full dates for tooltips and screen readers."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from app.ui.dates import clock
from app.ui.models.rows_model import RowsModel
from app.ui.navigation import ViewMode, title

SlotRole = Qt.ItemDataRole.UserRole  # the slot's aware start time


class SlotListModel(RowsModel[datetime]):
    COLUMNS = ("Time",)
    set_slots = RowsModel.set_rows
    slot_at = RowsModel.row_at

    def __init__(self, zone: ZoneInfo, parent=None):
        super().__init__(parent)
        self._zone = zone

    def row_of(self, start: datetime) -> int | None:
        return self._rows.index(start) if start in self._rows else None

    def cell(self, start: datetime, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return clock(start.astimezone(self._zone))
        if role == SlotRole:
            return start
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            local = start.astimezone(self._zone)
            return f"{title(ViewMode.DAY, local.date())}, {clock(local)}"
        return None
