"""Appointment types for admins: code, name, colour, length, buffer and which one is the default; add, edit,
remove. A new length applies to bookings from then on.

A type in use cannot be removed: the refusal lists the appointments that still use it.
"""

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QLineEdit,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import InvalidInput
from app.domain.schedule_setup import (
    DEFAULT_TYPE_MINUTES,
    MAX_BUFFER_MINUTES,
    MAX_TYPE_MINUTES,
    MIN_TYPE_MINUTES,
    AppointmentTypeIn,
)
from app.live.changes import Change
from app.services import appointment_types
from app.services.appointment_types import AppointmentTypeSetup
from app.services.context import Clinic
from app.ui.admin.list_editor import ListEditorDialog
from app.ui.admin.refusals import by_field
from app.ui.admin.widgets import button
from app.ui.dialogs.field_errors import model_errors
from app.ui.dialogs.questions import ask, question
from app.ui.icons import type_dot
from app.ui.throttle import Throttle
from app.ui.workers import TaskRunner

NEW_COLOR = "#2563eb"
LENGTH_TIP = "How long an appointment of this type lasts (a provider may have their own); for bookings from now on"
BUFFER_TIP = "How long the provider stays busy after it: cleaning, notes"
FIELDS = ("code", "name", "color", "minutes", "buffer_minutes", "room_kind", "is_default")


def pick_color(initial: str, parent: QWidget) -> str | None:
    """Ask for a colour; None if the dialog was cancelled. A function of its own so that tests can answer it."""
    chosen = QColorDialog.getColor(QColor(initial), parent, "Appointment type colour")
    return chosen.name() if chosen.isValid() else None


def _label(kind: AppointmentTypeSetup) -> str:
    length = f" · {kind.minutes} min" + (f" + {kind.buffer_minutes}" if kind.buffer_minutes else "")
    length += f" · {kind.room_kind}" if kind.room_kind else ""
    extra = " · default" if kind.is_default else ""
    used = f" · {kind.live_appointments} booked"
    return f"{kind.name} ({kind.code}){length}{extra}{used if kind.live_appointments else ''}"


def _minutes_box(name: str, low: int, high: int, tooltip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(5)
    box.setSuffix(" min")
    box.setAccessibleName(name)
    box.setToolTip(tooltip)
    return box


class AppointmentTypesDialog(ListEditorDialog):
    changed = Signal()  # after any save that went through

    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(
            runner, clinic, parent, title="Appointment types", name="types_dialog", size=(920, 460),
            list_name="Appointment types", add_text="Add type", list_width=470,
        )  # fmt: skip
        self._live_reload = Throttle(self, self._reload_list)

    def _build_editor(self) -> QVBoxLayout:
        self.code_edit = QLineEdit()
        self.code_edit.setAccessibleName("Code")
        self.code_edit.setPlaceholderText("e.g. follow_up")
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.color_button = QPushButton()
        self.color_button.setAccessibleName("Colour")
        self.color_button.setToolTip("Choose the colour the calendar paints this type in")
        self.color_button.setAutoDefault(False)
        self.color_button.clicked.connect(self.choose_color)
        self.minutes_spin = _minutes_box("Length", MIN_TYPE_MINUTES, MAX_TYPE_MINUTES, LENGTH_TIP)
        self.buffer_spin = _minutes_box("Buffer after", 0, MAX_BUFFER_MINUTES, BUFFER_TIP)
        self.room_edit = QLineEdit()
        self.room_edit.setAccessibleName("Room needed")
        self.room_edit.setPlaceholderText("none, or a kind of room, e.g. procedure room")
        self.room_edit.setToolTip("A booking of this type also takes a free room of this kind (Admin > Rooms)")
        self.default_check = QCheckBox("Default for new bookings")
        self.default_check.setAccessibleName("Default")
        self.remove_button = button("Remove")
        self.remove_button.setToolTip("Remove this type (only while no appointment uses it)")
        self.remove_button.clicked.connect(self.remove_type)
        rows = [
            ("code", "&Code", self.code_edit),
            ("name", "&Name", self.name_edit),
            ("color", "C&olour", self.color_button),
            ("minutes", "&Length", self.minutes_spin),
            ("buffer_minutes", "&Buffer after", self.buffer_spin),
            ("room_kind", "&Room needed", self.room_edit),
            ("is_default", "", self.default_check),
        ]
        editor = self._editor(rows, [self.remove_button])
        for edit, field in ((self.code_edit, "code"), (self.name_edit, "name"), (self.room_edit, "room_kind")):
            edit.textEdited.connect(lambda _text, f=field: self._edited(f))
        self.default_check.toggled.connect(lambda _on: self._edited("is_default"))
        for spin, field in ((self.minutes_spin, "minutes"), (self.buffer_spin, "buffer_minutes")):
            spin.valueChanged.connect(lambda _value, f=field: self._edited(f))
        return editor

    # --- the records -------------------------------------------------------------------------------------------

    def _read(self) -> list[AppointmentTypeSetup]:
        return appointment_types.list_types(self._clinic)

    def _list_item(self, kind: AppointmentTypeSetup) -> QListWidgetItem:
        return QListWidgetItem(QIcon(type_dot(kind.color, 12)), _label(kind))

    def _show(self, kind: AppointmentTypeSetup | None) -> None:
        self._refusals.clear()
        self.affected.hide()
        self.code_edit.setText(kind.code if kind else "")
        self.name_edit.setText(kind.name if kind else "")
        self.room_edit.setText(kind.room_kind if kind else "")
        self.default_check.blockSignals(True)
        self.default_check.setChecked(kind.is_default if kind else False)
        self.default_check.blockSignals(False)
        self._set_color(kind.color if kind else NEW_COLOR)
        self._set_quietly(self.minutes_spin, kind.minutes if kind else DEFAULT_TYPE_MINUTES)
        self._set_quietly(self.buffer_spin, kind.buffer_minutes if kind else 0)
        self.refresh()

    @staticmethod
    def _set_quietly(spin: QSpinBox, value: int) -> None:
        spin.blockSignals(True)
        spin.setValue(value)
        spin.blockSignals(False)

    def start_new(self) -> None:
        super().start_new()
        self.code_edit.setFocus()

    # --- editing ------------------------------------------------------------------------------------------------

    def _set_color(self, color: str) -> None:
        self._color = color
        self.color_button.setIcon(QIcon(type_dot(color, 14)))
        self.color_button.setText(color)

    def choose_color(self) -> None:
        chosen = pick_color(self._color, self)
        if chosen is not None:
            self._set_color(chosen)
            self._edited("color")

    def _edited(self, field: str) -> None:
        self.affected.hide()
        super()._edited(field)

    def _values(self) -> dict[str, Any]:
        return {
            "code": self.code_edit.text(),
            "name": self.name_edit.text(),
            "color": self._color,
            "is_default": self.default_check.isChecked(),
            "minutes": self.minutes_spin.value(),
            "buffer_minutes": self.buffer_spin.value(),
            "room_kind": self.room_edit.text(),
        }

    def refresh(self) -> None:
        errors = model_errors(AppointmentTypeIn, self._values())
        blank = self._adding and not self.code_edit.text() and not self.name_edit.text()
        self.field_errors.show({**({} if blank else errors), **self._refusals})
        can_save = self.can_write and (self._adding or self._selected() is not None)
        self.save_button.setEnabled(can_save and not errors)
        self.save_button.setText("Add" if self._adding else "Save")
        self.remove_button.setEnabled(can_save and not self._adding)
        self.add_button.setEnabled(not self.busy)

    # --- saving -------------------------------------------------------------------------------------------------

    def _submit(self, work, select_after) -> None:
        self.save_with(work, lambda result: self._on_saved(select_after(result)))

    def hold_still(self, busy: bool) -> None:
        super().hold_still(busy)
        self.form.setEnabled(not busy)

    def _on_saved(self, select: int | None) -> None:
        self.changed.emit()
        super()._on_saved(select)

    def refuse_fields(self, error: InvalidInput) -> list[str]:
        messages = by_field(error)
        self._refusals = {field: message for field, message in messages.items() if field in FIELDS}
        self.affected.show_refusal(error, "type_id")
        return [message for field, message in messages.items() if field not in FIELDS]

    def save(self) -> None:
        values = self._values()
        if self._adding:
            self._submit(lambda: appointment_types.add_type(self._clinic, **values), lambda new_id: new_id)
            return
        type_id = self.selected_id
        self._submit(lambda: appointment_types.update_type(self._clinic, type_id, **values), lambda _none: type_id)

    def remove_type(self) -> None:
        kind = self._selected()
        if kind is None:
            return
        if kind.live_appointments == 0 and not ask(self._removal_question(kind)):
            return
        self._submit(lambda: appointment_types.remove_type(self._clinic, kind.id), lambda _none: None)

    def _removal_question(self, kind: AppointmentTypeSetup) -> QMessageBox:
        return question(self, "Remove type", f"Remove the type “{kind.name}”?")

    # --- the connection and other desks -------------------------------------------------------------------------

    def on_schedule_change(self, change: Change) -> None:
        """Bookings change how many appointments use each type: the list follows (the form is left alone)."""
        if change.table == "appointments":
            self._live_reload.request()

    def _reload_list(self) -> None:
        if not self.busy and not self._adding:
            self._load(refill=False)
