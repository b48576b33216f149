"""The audit trail for people: each entry told in words, a table of entries, and one entry's fields before and
after. Times are shown in the clinic's zone."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from app import APP_NAME
from app.domain.models import AppointmentStatus
from app.services.audit import AuditEntry
from app.ui.labels import status_label

Index = QModelIndex | QPersistentModelIndex
EntryRole = Qt.ItemDataRole.UserRole  # the AuditEntry itself

PATIENT_FIELDS = {
    "first_name": "first name",
    "last_name": "last name",
    "date_of_birth": "date of birth",
    "phone": "phone",
    "email": "email",
}
# Columns whose values are moments, shown in the clinic's zone.
MOMENTS = {"starts_at", "ends_at", "start_time", "end_time", "created_at", "updated_at"}


# --- words ---


def moment_text(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y} {local:%H:%M}"


def _slot_text(value: Any, zone: ZoneInfo, same_day_as: Any = None) -> str:
    """An appointment's start as "Tue 8 Jan 14:30", or only "14:30" on the same day as `same_day_as`."""
    local = datetime.fromisoformat(value).astimezone(zone)
    if same_day_as is not None and datetime.fromisoformat(same_day_as).astimezone(zone).date() == local.date():
        return f"{local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def changed_fields(entry: AuditEntry) -> list[str]:
    """The columns whose values differ between before and after (all of them for an insert or a delete)."""
    before, after = entry.before or {}, entry.after or {}
    return [key for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)]


def _status_words(status: str) -> str:
    return status_label(status).lower()


def _moved(before: dict, after: dict, zone: ZoneInfo, key: str) -> str:
    return f"moved from {_slot_text(before[key], zone)} to {_slot_text(after[key], zone, same_day_as=before[key])}"


def _describe_appointment(entry: AuditEntry, zone: ZoneInfo) -> str:
    with_provider = f" with {entry.provider}" if entry.provider else ""
    if entry.action == "INSERT":
        return f"booked {_slot_text(entry.row['starts_at'], zone)}{with_provider}"
    if entry.action == "DELETE":
        return "deleted"
    before, after, changed = entry.before or {}, entry.after or {}, set(changed_fields(entry))
    parts = []
    if "starts_at" in changed:
        parts.append(_moved(before, after, zone, "starts_at"))
    if "status" in changed:
        if after["status"] == AppointmentStatus.CANCELLED:
            parts.append("cancelled")
        else:
            parts.append(f"status: {_status_words(before['status'])} → {_status_words(after['status'])}")
    if "notes" in changed:
        parts.append("notes changed")
    if "type_id" in changed:
        parts.append("type changed")
    return "; ".join(parts) or "details changed"


def _describe_patient(entry: AuditEntry) -> str:
    if entry.action == "INSERT":
        return "patient created"
    if entry.action == "DELETE":
        return "patient deleted"
    fields = [PATIENT_FIELDS[key] for key in PATIENT_FIELDS if key in changed_fields(entry)]
    return f"patient edited ({', '.join(fields)})" if fields else "patient edited"


def _describe_slot(entry: AuditEntry, zone: ZoneInfo) -> str:
    if entry.action == "DELETE":
        return "time slot removed"
    if "start_time" in changed_fields(entry):
        return "time slot " + _moved(entry.before or {}, entry.after or {}, zone, "start_time")
    return "time slot changed"


def describe(entry: AuditEntry, zone: ZoneInfo) -> str:
    """What happened, in words ("booked Tue 8 Jan 14:30 with Dr. X", "status: booked → checked in")."""
    if entry.table == "appointments":
        return _describe_appointment(entry, zone)
    if entry.table == "patients":
        return _describe_patient(entry)
    if entry.table == "time_slots":
        return _describe_slot(entry, zone)
    return f"{entry.table}: {entry.action.lower()}"


def workstation_text(workstation: str) -> str:
    """The desk's computer ("frontdesk-2"), without the program's name every desk's connection starts with."""
    return workstation.removeprefix(f"{APP_NAME}@") or "unknown"


def field_label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def value_text(key: str, value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return "—"
    if key in MOMENTS and isinstance(value, str):
        return moment_text(datetime.fromisoformat(value), zone)
    if key == "status":
        return status_label(value)
    return str(value)


# --- models ---


class AuditTableModel(QAbstractTableModel):
    """Entries, one per row: when, who, from where, what, about which patient."""

    COLUMNS = ("When", "Who", "Workstation", "What", "Patient")
    PATIENT_COLUMN = 4

    def __init__(self, zone: ZoneInfo, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._entries: list[AuditEntry] = []

    def set_entries(self, entries: list[AuditEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry_at(self, row: int) -> AuditEntry:
        return self._entries[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.workstation if index.column() == 2 else self._text(entry, index.column())
        if role == EntryRole:
            return entry
        return None

    def _text(self, entry: AuditEntry, column: int) -> str:
        if column == 0:
            return moment_text(entry.at, self._zone)
        if column == 1:
            return entry.user
        if column == 2:
            return workstation_text(entry.workstation)
        if column == 3:
            return describe(entry, self._zone)
        return entry.patient or ""


class AuditFieldsModel(QAbstractTableModel):
    """One entry's row before and after the change: the changed fields first, in bold."""

    COLUMNS = ("Field", "Before", "After")

    def __init__(self, zone: ZoneInfo, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._entry: AuditEntry | None = None
        self._keys: list[str] = []
        self._changed: set[str] = set()

    def set_entry(self, entry: AuditEntry | None) -> None:
        self.beginResetModel()
        self._entry = entry
        self._changed = set(changed_fields(entry)) if entry else set()
        keys = sorted((entry.before or {}).keys() | (entry.after or {}).keys()) if entry else []
        self._keys = sorted(keys, key=lambda key: key not in self._changed)  # stable: alphabetical within each
        self.endResetModel()

    def is_changed(self, row: int) -> bool:
        return self._keys[row] in self._changed

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if self._entry is None or not index.isValid() or not 0 <= index.row() < len(self._keys):
            return None
        key = self._keys[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return field_label(key)
            row = self._entry.before if index.column() == 1 else self._entry.after
            return value_text(key, row.get(key), self._zone) if row is not None else ""
        if role == Qt.ItemDataRole.FontRole and key in self._changed:
            font = QFont()
            font.setBold(True)
            return font
        return None
