"""Upcoming stretches of time (a provider's time off, the clinic's closures): the list, with remove, and a row to
add one (from, to, reason)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.domain.models import repeated_by_clock_change, validate
from app.domain.schedule_setup import TimeOffIn
from app.services.closures import Closure
from app.services.providers import TimeOff
from app.ui.dates import PADDED_DAY, clock, moment_format, moment_words
from app.ui.dialogs.field_errors import FieldErrors, InlineError, model_errors


def describe(off: TimeOff | Closure, zone: ZoneInfo) -> str:
    start, end = off.starts_at.astimezone(zone), off.ends_at.astimezone(zone)
    until = clock(end) if end.date() == start.date() else moment_words(end, PADDED_DAY)
    return f"{moment_words(start, PADDED_DAY)} – {until}" + (f"  ·  {off.reason}" if off.reason else "")


def datetime_field(name: str) -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setDisplayFormat(moment_format())
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    return edit


class TimeOffEditor(QWidget):
    """Asks for changes by signal; the dialog runs them and hands back the list or the refusal."""

    add_requested = Signal(object, object, str)  # starts_at, ends_at (aware, the clinic's zone), reason
    remove_requested = Signal(int)  # the time off's id
    edited = Signal()

    def __init__(self, zone: ZoneInfo, what: str = "time off", parent: QWidget | None = None):
        super().__init__(parent)
        self._zone = zone
        self._can_save = True
        self.list = QListWidget()
        self.list.setAccessibleName(f"Upcoming {what}")
        self.list.setMinimumHeight(72)
        self.list.setMaximumHeight(130)
        self.list.currentRowChanged.connect(lambda _row: self._refresh())
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName(f"Remove {what}")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self._remove)
        self.empty_label = QLabel(f"No upcoming {what}")
        self.empty_label.setProperty("role", "muted")

        self.from_edit = datetime_field(f"{what.capitalize()} from")
        self.to_edit = datetime_field(f"{what.capitalize()} to")
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName(f"{what.capitalize()} reason")
        self.reason_edit.setPlaceholderText("Reason (optional)")
        self.add_button = QPushButton(f"Add {what}")
        self.add_button.setAccessibleName(f"Add {what}")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._add)
        self.clock_note = QLabel()  # a time the clocks pass twice: which one is meant
        self.clock_note.setProperty("role", "muted")
        self.clock_note.setWordWrap(True)
        self.clock_note.hide()
        self.errors = FieldErrors()
        self._refusals: dict[str, str] = {}
        captions = {"starts_at": "From", "ends_at": "To", "reason": "Reason"}
        error_labels = {field: InlineError(caption) for field, caption in captions.items()}
        for field, widget in (("starts_at", self.from_edit), ("ends_at", self.to_edit), ("reason", self.reason_edit)):
            self.errors.add(field, widget, error_labels[field])
            changed = widget.textChanged if isinstance(widget, QLineEdit) else widget.dateTimeChanged
            changed.connect(lambda _value, f=field: self._edited(f))

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.list, 0, 0, 1, 4)
        grid.addWidget(self.empty_label, 0, 0, 1, 4, Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(self.remove_button, 0, 4, Qt.AlignmentFlag.AlignTop)
        for column, caption in enumerate(captions.values()):
            label = QLabel(caption)
            label.setProperty("role", "muted")
            grid.addWidget(label, 1, column, 1, 2 if column == 2 else 1)
        grid.addWidget(self.from_edit, 2, 0)
        grid.addWidget(self.to_edit, 2, 1)
        grid.addWidget(self.reason_edit, 2, 2, 1, 2)
        grid.addWidget(self.add_button, 2, 4)
        grid.addWidget(error_labels["starts_at"], 3, 0)
        grid.addWidget(error_labels["ends_at"], 3, 1)
        grid.addWidget(error_labels["reason"], 3, 2, 1, 2)
        grid.addWidget(self.clock_note, 4, 0, 1, 5)
        grid.setColumnStretch(2, 1)
        self._refresh()

    # --- what the dialog hands over -----------------------------------------------------------------------------

    def set_time_off(self, time_off: list[TimeOff] | list[Closure]) -> None:
        self.list.clear()
        for off in time_off:
            item = QListWidgetItem(describe(off, self._zone))
            item.setData(Qt.ItemDataRole.UserRole, off.id)
            self.list.addItem(item)
        self.empty_label.setVisible(not time_off)
        self._refresh()

    def reset_new(self, now: datetime) -> None:
        """Offer tomorrow, all day, as the next stretch to add."""
        start = now.astimezone(self._zone).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        self.from_edit.setDateTime(QDateTime(start.replace(tzinfo=None)))
        self.to_edit.setDateTime(QDateTime((start + timedelta(days=1)).replace(tzinfo=None)))
        self.reason_edit.clear()
        self._refusals.clear()
        self._refresh()

    def set_refusals(self, refusals: dict[str, str]) -> None:
        self._refusals = dict(refusals)
        self._refresh()

    def set_can_save(self, can_save: bool) -> None:
        self._can_save = can_save
        self._refresh()

    # --- editing --------------------------------------------------------------------------------------------------

    def values(self) -> dict:
        def aware(edit: QDateTimeEdit) -> datetime:
            return edit.dateTime().toPython().replace(tzinfo=self._zone)

        return {"starts_at": aware(self.from_edit), "ends_at": aware(self.to_edit), "reason": self.reason_edit.text()}

    def _edited(self, field: str) -> None:
        self._refusals.pop(field, None)
        if field in ("starts_at", "ends_at"):
            # Either end may fix a refusal of the stretch (reported at its start) or of its order (at its end).
            self._refusals.pop("starts_at", None)
            self._refusals.pop("ends_at", None)
        self._refresh()
        self.edited.emit()

    def _refresh(self) -> None:
        values = self.values()
        errors = model_errors(TimeOffIn, values)
        self.errors.show({**errors, **self._refusals})
        notes = [note for note in map(repeated_by_clock_change, (values["starts_at"], values["ends_at"])) if note]
        self.clock_note.setText(" ".join(f"{note}." for note in notes))
        self.clock_note.setVisible(bool(notes))
        self.add_button.setEnabled(self._can_save and not errors)
        self.remove_button.setEnabled(self._can_save and self.list.currentRow() >= 0)

    def _add(self) -> None:
        off = validate(TimeOffIn, **self.values())
        self.add_requested.emit(off.starts_at, off.ends_at, off.reason)

    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.remove_requested.emit(item.data(Qt.ItemDataRole.UserRole))
