"""A provider's own lengths, one per appointment type (a slower specialist takes 45 minutes where the type says 30).
Each type's box starts at "the type's": only a length set on purpose is the provider's own."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QSpinBox, QWidget

from app.domain.schedule_setup import MAX_TYPE_MINUTES, MIN_TYPE_MINUTES
from app.services.appointment_types import TypeLength

TYPES_OWN = 0  # the spin box's lowest value, shown as the type's own length


class ProviderLengthsEditor(QWidget):
    edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self._loaded: dict[int, int | None] = {}
        self.boxes: dict[int, QSpinBox] = {}  # by type id

    def set_lengths(self, lengths: list[TypeLength]) -> None:
        """Show every type's length for the provider (their own where they have one)."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self.boxes = {length.type_id: self._box(length) for length in lengths}
        for length in lengths:
            self._form.addRow(QLabel(length.name), self.boxes[length.type_id])
        self._loaded = {length.type_id: length.own for length in lengths}

    def _box(self, length: TypeLength) -> QSpinBox:
        box = QSpinBox()
        box.setRange(TYPES_OWN, MAX_TYPE_MINUTES)
        box.setSingleStep(MIN_TYPE_MINUTES)
        box.setSuffix(" min")
        box.setSpecialValueText(f"The type's ({length.minutes} min)")
        box.setValue(length.own or TYPES_OWN)
        box.setAccessibleName(f"{length.name} length")
        box.setToolTip(f"How long a {length.name} with this provider lasts; the lowest value is the type's own length")
        box.valueChanged.connect(lambda _value: self.edited.emit())
        return box

    def changes(self) -> dict[int, int | None]:
        """The lengths changed since they were shown: type id to minutes (None: the type's own again)."""
        chosen = {type_id: box.value() or None for type_id, box in self.boxes.items()}
        return {type_id: minutes for type_id, minutes in chosen.items() if minutes != self._loaded.get(type_id)}
