"""A patient's details as a desk types them: names, date of birth, phone and email, each with its caption above
and its problem below. Checked with the service's own PatientIn model, for registering and for editing alike."""

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QWidget

from app.domain.models import PatientIn
from app.services.patients import Patient
from app.ui.dates import EXAMPLE, add_calendar, date_text, parse_date
from app.ui.dialogs.field_errors import FieldErrors, labelled, model_errors

# In the order the form shows them.
PATIENT_CAPTIONS = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "phone": "Phone",
    "email": "Email",
}
# field: (row, column, column span, placeholder, tooltip)
_LAYOUT = {
    "first_name": (0, 0, 1, "", ""),
    "last_name": (0, 1, 1, "", ""),
    "date_of_birth": (1, 0, 1, "", ""),  # this desk's way of writing dates: set when the form is made
    "phone": (1, 1, 1, "+49 30 1234567", "6 to 15 digits; spaces, +, -, ( ) and / are allowed"),
    "email": (2, 0, 2, "Optional", "Optional: name@example.org"),
}


class PatientForm(QWidget):
    """The five fields in a grid. Their messages are shown through `errors`, which the surrounding dialog owns
    (it may hold other fields too)."""

    edited = Signal(str)  # the field the user typed in
    left = Signal(str)  # the field the user finished editing (moved on from)

    def __init__(self, errors: FieldErrors, parent: QWidget | None = None):
        super().__init__(parent)
        self.edits: dict[str, QLineEdit] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        for field, (row, column, span, placeholder, tooltip) in _LAYOUT.items():
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            edit.setToolTip(tooltip)
            edit.textEdited.connect(lambda _text, field=field: self.edited.emit(field))
            edit.editingFinished.connect(lambda field=field: self.left.emit(field))
            self.edits[field] = edit
            if field == "date_of_birth":
                edit.setPlaceholderText(date_text(EXAMPLE))
                edit.setToolTip(
                    f"Date of birth as this computer writes dates, e.g. {date_text(EXAMPLE)} (or {EXAMPLE})"
                )
                self.birth_calendar = add_calendar(edit, lambda f=field: (self.edited.emit(f), self.left.emit(f)))
            box = labelled(PATIENT_CAPTIONS[field], edit, field, errors)
            grid.addWidget(box, row, column, 1, span, Qt.AlignmentFlag.AlignTop)
        grid.setRowStretch(3, 1)

    def values(self) -> dict[str, Any]:
        """The fields as PatientIn takes them: the date of birth read as this desk writes dates (a date that cannot
        be read stays text, for the model to refuse), an empty one or an empty email None."""
        text = {field: edit.text() for field, edit in self.edits.items()}
        typed = text["date_of_birth"].strip()
        return {
            **text,
            "date_of_birth": (parse_date(typed, base_year=date.today().year - 99) or typed) if typed else None,
            "email": text["email"].strip() or None,
        }

    def fill(self, patient: Patient) -> None:
        for field, edit in self.edits.items():
            value = getattr(patient, field)
            edit.setText("" if value is None else date_text(value) if field == "date_of_birth" else str(value))

    def validation_errors(self) -> dict[str, str]:
        values = self.values()
        prompt = f"type the date of birth as {date_text(EXAMPLE)} (day, month and year as this computer writes them)"
        errors = model_errors(PatientIn, values, {"date_of_birth": prompt})
        if isinstance(
            values["date_of_birth"], str
        ):  # typed, but no date this desk can read: a sentence, not pydantic's
            errors["date_of_birth"] = prompt
        return errors
