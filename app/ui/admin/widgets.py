"""Small pieces the admin screens share."""

from PySide6.QtWidgets import QBoxLayout, QDialog, QHBoxLayout, QLayout, QListWidget, QPushButton, QVBoxLayout, QWidget


def button(text: str, *, primary: bool = False) -> QPushButton:
    """A button that Enter in a field does not press (saving is always a deliberate click)."""
    widget = QPushButton(text)
    widget.setAccessibleName(text)
    widget.setAutoDefault(False)
    if primary:
        widget.setProperty("role", "primary")
    return widget


def select_row_quietly(view: QListWidget, row: int) -> None:
    """Select a row (-1: none) without announcing it (a re-read list keeps its selection; the form is not
    refilled)."""
    view.blockSignals(True)
    view.setCurrentRow(row)
    view.blockSignals(False)


def list_column(items: QListWidget, add: QPushButton) -> QVBoxLayout:
    """The list of what the screen edits, with its Add button below."""
    column = QVBoxLayout()
    column.addWidget(items, 1)
    column.addWidget(add)
    return column


def _add(layout: QBoxLayout, part: QWidget | QLayout, stretch: int = 0) -> None:
    if isinstance(part, QLayout):
        layout.addLayout(part, stretch)
    else:
        layout.addWidget(part, stretch)


def lay_out_list_and_editor(dialog: QDialog, banner: QWidget, items: QLayout, editor: QWidget | QLayout) -> QPushButton:
    """An admin screen: the banner on top, the list on the left and the editor beside it, Close below (returned,
    connected to reject)."""
    body = QHBoxLayout()
    body.setSpacing(16)
    body.addLayout(items)
    _add(body, editor, 1)
    close_row = QHBoxLayout()
    close_row.addStretch(1)
    close = button("Close")
    close.clicked.connect(dialog.reject)
    close_row.addWidget(close)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(20, 18, 20, 16)
    layout.setSpacing(12)
    layout.addWidget(banner)
    layout.addLayout(body, 1)
    layout.addLayout(close_row)
    return close
