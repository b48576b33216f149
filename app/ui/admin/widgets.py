"""Small pieces the admin screens share."""

from PySide6.QtWidgets import QListWidget, QPushButton


def button(text: str, *, primary: bool = False) -> QPushButton:
    """A button that Enter in a field does not press (saving is always a deliberate click)."""
    widget = QPushButton(text)
    widget.setAccessibleName(text)
    widget.setAutoDefault(False)
    if primary:
        widget.setProperty("role", "primary")
    return widget


def select_row_quietly(view: QListWidget, row: int) -> None:
    """Select a row without announcing it (a re-read list keeps its selection; the form is not refilled)."""
    view.blockSignals(True)
    view.setCurrentRow(row)
    view.blockSignals(False)
