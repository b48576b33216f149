"""An appointment's type and notes, changed after booking: a longer type only where its span is free."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QFormLayout, QPlainTextEdit, QVBoxLayout, QWidget

from app.domain.errors import InvalidInput, SlotTaken
from app.domain.models import AppointmentStatus
from app.services import booking, schedule
from app.services.context import Clinic
from app.services.schedule import AppointmentType, AppointmentView
from app.services.series_moves import change_following
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.field_errors import FieldErrors, InlineError, stacked
from app.ui.theme import in_use
from app.ui.type_combo import TypeCombo
from app.ui.workers import TaskRunner

TYPE_DOES_NOT_FIT = "That type does not fit here; choose another type"


class DetailsDialog(EditingDialog):
    saved = Signal(int)  # the appointment's id, once the change has committed

    def __init__(self, runner: TaskRunner, clinic: Clinic, appointment: AppointmentView, parent: QWidget | None = None):
        super().__init__(runner, parent)
        self._clinic, self._appointment = clinic, appointment
        self.field_errors = FieldErrors()
        self.setWindowTitle("Appointment type and notes")
        self.type_combo = TypeCombo("A longer type needs its whole time free; a shorter one frees the rest")
        self.type_combo.setEnabled(appointment.status == AppointmentStatus.BOOKED)  # the visit keeps its type
        self.notes_edit = QPlainTextEdit(appointment.notes)
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setTabChangesFocus(True)
        form = QFormLayout()
        for field, caption, widget in (("type_id", "&Type", self.type_combo), ("notes", "&Notes", self.notes_edit)):
            error = InlineError(caption.replace("&", ""))
            self.field_errors.add(field, widget, error)
            form.addRow(caption, stacked(widget, error, spacing=2))
        self.following_box = QCheckBox("The following occurrences of its series too")
        self.following_box.setAccessibleName("Change the following occurrences too")
        self.following_box.setToolTip("Each later occurrence gets this type (from its own start) and these notes")
        self.following_box.setVisible(appointment.series_id is not None)
        form.addRow("", self.following_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(460, 300)
        self.set_theme(in_use())
        self.runner.submit(lambda: schedule.appointment_types(clinic), self._on_types, self.show_failure, context=self)
        self.refresh()

    def _on_types(self, types: list[AppointmentType]) -> None:
        self.type_combo.fill(types, self._appointment.type_id)
        self.refresh()

    def refresh(self) -> None:
        self.save_button.setEnabled(self.can_write and self.type_combo.count() > 0)

    def hold_still(self, busy: bool) -> None:
        self.type_combo.setEnabled(not busy and self._appointment.status == AppointmentStatus.BOOKED)
        self.notes_edit.setReadOnly(busy)

    def refuse_fields(self, error: InvalidInput) -> list[str]:
        shown = {e.field: e.message for e in error.errors if e.field in ("type_id", "notes")}
        self.field_errors.show(shown)
        return [str(e) for e in error.errors if e.field not in shown]

    def show_failure(self, error: BaseException) -> None:
        if isinstance(error, SlotTaken):  # its time, or a room it needs, is taken
            self.field_errors.show({"type_id": f"{TYPE_DOES_NOT_FIT}: {error}"})
            return
        super().show_failure(error)

    def save(self) -> None:
        clinic, appointment_id = self._clinic, self._appointment.id
        type_id, notes = self.type_combo.currentData(), self.notes_edit.toPlainText()
        self.field_errors.show({})
        change = change_following if self.following_box.isChecked() else booking.change_details
        self.save_with(lambda: change(clinic, appointment_id, type_id=type_id, notes=notes), self._on_saved)

    def _on_saved(self, _changed: object) -> None:
        self.saved.emit(self._appointment.id)
        self.accept()
