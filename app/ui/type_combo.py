"""A choice of appointment type, each with its colour dot, as the booking, details and search dialogs offer it."""

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QComboBox

from app.services.schedule import AppointmentType
from app.ui.icons import type_dot


class TypeCombo(QComboBox):
    def __init__(self, tooltip: str):
        super().__init__()
        self.setAccessibleName("Type")
        self.setToolTip(tooltip)
        self.setMinimumWidth(180)

    def fill(self, types: list[AppointmentType], chosen: int | None = None) -> None:
        """Offer `types` and choose `chosen` (else the clinic's default type, as the service would, else the
        first)."""
        self.clear()
        for kind in types:
            self.addItem(QIcon(type_dot(kind.color)), kind.name, kind.id)
        ids = [kind.id for kind in types]
        default = next((ids.index(kind.id) for kind in types if kind.is_default), 0)
        self.setCurrentIndex(ids.index(chosen) if chosen in ids else default)
