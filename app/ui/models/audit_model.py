"""The audit trail as tables: a table of entries, and one entry's fields before and after. The words are
app/ui/audit_words.py's."""

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.services.audit import AuditEntry
from app.ui.audit_words import changed_fields, describe, field_label, moment_text, value_text, workstation_text
from app.ui.models.rows_model import RowsModel, ZonedRowsModel

EntryRole = Qt.ItemDataRole.UserRole  # the AuditEntry itself


class AuditTableModel(ZonedRowsModel[AuditEntry]):
    """Entries, one per row: when, who, from where, what, about which patient."""

    COLUMNS = ("When", "Who", "Workstation", "What", "Patient")
    PATIENT_COLUMN = 4
    set_entries = RowsModel.set_rows
    entry_at = RowsModel.row_at

    def cell(self, entry: AuditEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _workstation_tip(entry) if column == 2 else self._text(entry, column)
        if role == EntryRole:
            return entry
        return None

    def _text(self, entry: AuditEntry, column: int) -> str:
        if column == 0:
            return moment_text(entry.at, self._zone)
        if column == 1:
            return entry.user
        if column == 2:
            return workstation_text(entry)
        if column == 3:
            return describe(entry, self._zone)
        return entry.patient or ""


def _workstation_tip(entry: AuditEntry) -> str:
    where = f"from {entry.address}" if entry.address else "on the database server's own computer"
    return f"{entry.workstation} (the name the program gave), connected {where} (as the server saw it)"


class AuditFieldsModel(ZonedRowsModel[str]):
    """One entry's row before and after the change, a field a row: the changed fields first, in bold."""

    COLUMNS = ("Field", "Before", "After")

    def __init__(self, zone: ZoneInfo, parent=None):
        super().__init__(zone, parent)
        self._entry: AuditEntry | None = None
        self._changed: set[str] = set()

    def set_entry(self, entry: AuditEntry | None) -> None:
        self.beginResetModel()
        self._entry = entry
        self._changed = set(changed_fields(entry)) if entry else set()
        keys = sorted((entry.before or {}).keys() | (entry.after or {}).keys()) if entry else []
        self._rows = sorted(keys, key=lambda key: key not in self._changed)  # stable: alphabetical within each
        self.endResetModel()

    def is_changed(self, row: int) -> bool:
        return self._rows[row] in self._changed

    def cell(self, key: str, column: int, role: int) -> Any:
        if self._entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return field_label(key)
            row = self._entry.before if column == 1 else self._entry.after
            return value_text(key, row.get(key), self._zone) if row is not None else ""
        if role == Qt.ItemDataRole.FontRole and key in self._changed:
            font = QFont()
            font.setBold(True)
            return font
        return None
