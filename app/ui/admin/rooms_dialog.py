"""Rooms and equipment for admins: name, kind (what appointment types ask for) and whether it is in use.

A room with upcoming appointments cannot be taken out of use, nor given another kind: the refusal lists them.
"""

from PySide6.QtWidgets import (
    QCheckBox,
    QLineEdit,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import InvalidInput
from app.domain.schedule_setup import RoomIn
from app.live.changes import Change
from app.services import rooms
from app.services.context import Clinic
from app.services.rooms import Room
from app.ui.admin.list_editor import ListEditorDialog
from app.ui.admin.refusals import by_field
from app.ui.dialogs.field_errors import model_errors
from app.ui.workers import TaskRunner

FIELDS = ("name", "kind", "active")


def _label(room: Room) -> str:
    return f"{room.name} · {room.kind}" + ("" if room.active else " · not in use")


class RoomsDialog(ListEditorDialog):
    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(
            runner, clinic, parent, title="Rooms and equipment", name="rooms_dialog", size=(760, 380),
            list_name="Rooms", add_text="Add room", list_width=320,
        )  # fmt: skip

    def _build_editor(self) -> QVBoxLayout:
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.name_edit.setPlaceholderText("e.g. Procedure room 1")
        self.kind_edit = QLineEdit()
        self.kind_edit.setAccessibleName("Kind")
        self.kind_edit.setPlaceholderText("e.g. procedure room")
        self.kind_edit.setToolTip("What appointment types ask for: a type that needs this kind takes a free one")
        self.active_check = QCheckBox("In use")
        self.active_check.setAccessibleName("In use")
        rows = [("name", "&Name", self.name_edit), ("kind", "&Kind", self.kind_edit), ("active", "", self.active_check)]
        editor = self._editor(rows, [])
        for edit, field in ((self.name_edit, "name"), (self.kind_edit, "kind")):
            edit.textEdited.connect(lambda _text, f=field: self._edited(f))
        self.active_check.toggled.connect(lambda _on: self._edited("active"))
        return editor

    def _read(self) -> list[Room]:
        return rooms.list_rooms(self._clinic)

    def _list_item(self, room: Room) -> QListWidgetItem:
        return QListWidgetItem(_label(room))

    def _show(self, room: Room | None) -> None:
        self._refusals.clear()
        self.affected.hide()
        self.name_edit.setText(room.name if room else "")
        self.kind_edit.setText(room.kind if room else "")
        self.active_check.blockSignals(True)
        self.active_check.setChecked(room.active if room else True)
        self.active_check.blockSignals(False)
        self.active_check.setEnabled(room is not None)  # a new room is in use
        self.refresh()

    def start_new(self) -> None:
        super().start_new()
        self.name_edit.setFocus()

    def _edited(self, field: str) -> None:
        self.affected.hide()
        super()._edited(field)

    def refresh(self) -> None:
        values = {"name": self.name_edit.text(), "kind": self.kind_edit.text()}
        errors = model_errors(RoomIn, values)
        blank = self._adding and not any(values.values())
        self.field_errors.show({**({} if blank else errors), **self._refusals})
        can_save = self.can_write and (self._adding or self._selected() is not None)
        self.save_button.setEnabled(can_save and not errors)
        self.save_button.setText("Add" if self._adding else "Save")
        self.add_button.setEnabled(not self.busy)

    def hold_still(self, busy: bool) -> None:
        super().hold_still(busy)
        self.form.setEnabled(not busy)

    def refuse_fields(self, error: InvalidInput) -> list[str]:
        messages = by_field(error)
        self._refusals = {field: message for field, message in messages.items() if field in FIELDS}
        self.affected.show_refusal(error, "active")
        if not self.affected.isVisible():
            self.affected.show_refusal(error, "kind")
        return [message for field, message in messages.items() if field not in FIELDS]

    def save(self) -> None:
        clinic, name, kind = self._clinic, self.name_edit.text(), self.kind_edit.text()
        if self._adding:
            self.save_with(lambda: rooms.add_room(clinic, name, kind), self._on_saved)
            return
        room_id, active = self.selected_id, self.active_check.isChecked()
        self.save_with(
            lambda: rooms.update_room(clinic, room_id, name, kind, active), lambda _none: self._on_saved(room_id)
        )

    def on_schedule_change(self, change: Change) -> None:
        if change.table == "rooms" and not self.busy and not self._adding:
            self._load(refill=False)  # the list follows; the form keeps what is being typed
