"""An admin screen of records beside a form (appointment types, rooms): choose one to edit it, or Add a new one.

A subclass says how to read its records, how each reads in the list, how one fills the form, and builds the form
itself; the list, the choice, the refusals and the reloads after a save or another desk's change are here.
"""

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.services.context import Clinic
from app.ui.admin.refusals import AffectedList
from app.ui.admin.widgets import button, lay_out_list_and_editor, list_column, select_row_quietly
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.field_errors import FieldErrors, InlineError, stacked
from app.ui.theme import in_use
from app.ui.workers import TaskRunner, user_message


class ListEditorDialog(EditingDialog):
    REFUSALS_JOINED_BY = "\n"  # one refusal a line

    def __init__(
        self,
        runner: TaskRunner,
        clinic: Clinic,
        parent: QWidget | None,
        *,
        title: str,
        name: str,
        size: tuple[int, int],
        list_name: str,
        add_text: str,
        list_width: int,
    ):
        super().__init__(runner, parent)
        self._clinic = clinic
        self._records: list[Any] = []
        self._adding = False
        self._refusals: dict[str, str] = {}
        self.field_errors = FieldErrors()
        self.item_list = QListWidget()
        self.item_list.setAccessibleName(list_name)
        self.item_list.setMinimumWidth(list_width)
        self.item_list.currentItemChanged.connect(lambda item, _prev: self._on_chosen(item))
        self.add_button = button(add_text)
        self.add_button.clicked.connect(self.start_new)
        items = list_column(self.item_list, self.add_button)
        self.close_button = lay_out_list_and_editor(self, self.banner, items, self._build_editor())
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.resize(*size)
        self.set_theme(in_use())
        self._show(None)
        self._load()

    # --- what each screen fills in ---

    def _build_editor(self) -> QLayout:
        raise NotImplementedError

    def _read(self) -> list[Any]:
        """The records, read on a worker."""
        raise NotImplementedError

    def _list_item(self, record: Any) -> QListWidgetItem:
        raise NotImplementedError

    def _show(self, record: Any | None) -> None:
        """Fill the form with `record` (None: empty, for a new one)."""
        raise NotImplementedError

    # --- shared ---

    def _editor(self, rows: list[tuple[str, str, QWidget]], extra_buttons: list[QWidget]) -> QVBoxLayout:
        """The form (a row per field: its name, caption and widget, with its inline error under it; the appointments
        in the way of a refused change below), and Save with `extra_buttons` on its left."""
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        for field, caption, widget in rows:
            error = InlineError(caption.replace("&", "") or widget.accessibleName())
            self.field_errors.add(field, widget, error)
            form.addRow(caption, stacked(widget, error, spacing=2))
        self.affected = AffectedList()
        form.addRow("", self.affected)
        self.save_button = button("Save", primary=True)
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        for extra in extra_buttons:
            buttons.addWidget(extra)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        editor = QVBoxLayout()
        editor.addWidget(self.form)
        editor.addStretch(1)
        editor.addLayout(buttons)
        return editor

    def save(self) -> None:
        raise NotImplementedError

    def _load(self, select: int | None = None, *, refill: bool = True) -> None:
        """Read the records; select `select` (else keep the selection) and, with `refill`, show it in the form."""
        wanted = select if select is not None else self.selected_id
        self.runner.submit(
            self._read,
            lambda found: self._on_records(found, wanted, refill),
            lambda error: self.banner.show_message(user_message(error)),
            context=self,
            key=f"records-{id(self)}",
        )

    def _on_records(self, found: list[Any], select: int | None, refill: bool) -> None:
        self._records = found
        self.item_list.blockSignals(True)
        self.item_list.clear()
        for record in found:
            item = self._list_item(record)
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            self.item_list.addItem(item)
        self.item_list.blockSignals(False)
        ids = [record.id for record in found]
        if self._adding or not ids:
            return
        chosen = select if select in ids else ids[0]
        select_row_quietly(self.item_list, ids.index(chosen))
        if refill or chosen != select:
            self._show(self._selected())
        self.refresh()

    @property
    def selected_id(self) -> int | None:
        item = self.item_list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _selected(self) -> Any | None:
        return next((record for record in self._records if record.id == self.selected_id), None)

    def _on_chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self._adding = False
            self._show(self._selected())

    def start_new(self) -> None:
        self._adding = True
        select_row_quietly(self.item_list, -1)
        self._show(None)

    def _edited(self, field: str) -> None:
        self._refusals.pop(field, None)
        self.refresh()

    def hold_still(self, busy: bool) -> None:
        self.item_list.setEnabled(not busy)

    def _on_saved(self, select: int | None) -> None:
        self._adding = False
        self._load(select)
