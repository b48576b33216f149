"""Rooms and equipment for admins: name, kind (what appointment types ask for) and whether it is in use.

A room with upcoming appointments cannot be taken out of use, nor given another kind: the refusal lists them.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
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
from app.ui.admin.refusals import AffectedList, by_field
from app.ui.admin.widgets import button, lay_out_list_and_editor, list_column, select_row_quietly
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.field_errors import FieldErrors, InlineError, model_errors, stacked
from app.ui.theme import in_use
from app.ui.workers import TaskRunner, user_message

FIELDS = ("name", "kind", "active")


def _label(room: Room) -> str:
    return f"{room.name} · {room.kind}" + ("" if room.active else " · not in use")


class RoomsDialog(EditingDialog):
    REFUSALS_JOINED_BY = "\n"

    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(runner, parent)
        self._clinic = clinic
        self._rooms: list[Room] = []
        self._adding = False
        self._refusals: dict[str, str] = {}
        self.field_errors = FieldErrors()
        self.setWindowTitle("Rooms and equipment")
        self.setObjectName("rooms_dialog")
        self.room_list = QListWidget()
        self.room_list.setAccessibleName("Rooms")
        self.room_list.setMinimumWidth(320)
        self.room_list.currentItemChanged.connect(lambda item, _prev: self._on_chosen(item))
        self.add_button = button("Add room")
        self.add_button.clicked.connect(self.start_new_room)
        self.close_button = lay_out_list_and_editor(
            self, self.banner, list_column(self.room_list, self.add_button), self._build_editor()
        )
        self.resize(760, 380)
        self.set_theme(in_use())
        self._show_room(None)
        self._load()

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
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        for field, caption, widget in (
            ("name", "&Name", self.name_edit),
            ("kind", "&Kind", self.kind_edit),
            ("active", "", self.active_check),
        ):
            error = InlineError(caption.replace("&", "") or "In use")
            self.field_errors.add(field, widget, error)
            form.addRow(caption, stacked(widget, error, spacing=2))
        self.affected = AffectedList()
        form.addRow("", self.affected)
        for edit, field in ((self.name_edit, "name"), (self.kind_edit, "kind")):
            edit.textEdited.connect(lambda _text, f=field: self._edited(f))
        self.active_check.toggled.connect(lambda _on: self._edited("active"))
        self.save_button = button("Save", primary=True)
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        editor = QVBoxLayout()
        editor.addWidget(self.form)
        editor.addStretch(1)
        editor.addLayout(buttons)
        return editor

    def _load(self, select: int | None = None) -> None:
        wanted = select if select is not None else self.selected_id
        self.runner.submit(
            lambda: rooms.list_rooms(self._clinic),
            lambda found: self._on_rooms(found, wanted),
            lambda error: self.banner.show_message(user_message(error)),
            context=self,
            key=f"rooms-{id(self)}",
        )

    def _on_rooms(self, found: list[Room], select: int | None) -> None:
        self._rooms = found
        self.room_list.blockSignals(True)
        self.room_list.clear()
        for room in found:
            item = QListWidgetItem(_label(room))
            item.setData(Qt.ItemDataRole.UserRole, room.id)
            self.room_list.addItem(item)
        self.room_list.blockSignals(False)
        ids = [room.id for room in found]
        if not self._adding and ids:
            select_row_quietly(self.room_list, ids.index(select if select in ids else ids[0]))
            self._show_room(self._selected())

    @property
    def selected_id(self) -> int | None:
        item = self.room_list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _selected(self) -> Room | None:
        return next((room for room in self._rooms if room.id == self.selected_id), None)

    def _on_chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self._adding = False
            self._show_room(self._selected())

    def _show_room(self, room: Room | None) -> None:
        self._refusals.clear()
        self.affected.hide()
        self.name_edit.setText(room.name if room else "")
        self.kind_edit.setText(room.kind if room else "")
        self.active_check.blockSignals(True)
        self.active_check.setChecked(room.active if room else True)
        self.active_check.blockSignals(False)
        self.active_check.setEnabled(room is not None)  # a new room is in use
        self.refresh()

    def start_new_room(self) -> None:
        self._adding = True
        select_row_quietly(self.room_list, -1)
        self._show_room(None)
        self.name_edit.setFocus()

    def _edited(self, field: str) -> None:
        self._refusals.pop(field, None)
        self.affected.hide()
        self.refresh()

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
        self.form.setEnabled(not busy)
        self.room_list.setEnabled(not busy)

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

    def _on_saved(self, room_id: int) -> None:
        self._adding = False
        self._load(room_id)

    def on_schedule_change(self, change: Change) -> None:
        if change.table == "rooms" and not self.busy and not self._adding:
            self._load()
