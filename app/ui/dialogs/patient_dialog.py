"""Edit a patient's details: read fresh from the database, checked as the service checks them, saved on a worker.

A refusal is shown at its field (or in the banner when it belongs to none) and everything typed stays.
"""

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.domain.errors import InvalidInput, NotFound
from app.domain.models import PatientIn, validate
from app.live.changes import Change
from app.services import patients
from app.services.context import Clinic
from app.services.patients import Patient
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.field_errors import Disclosure, FieldErrors, make_room
from app.ui.dialogs.form_buttons import FormButtons
from app.ui.dialogs.patient_form import PATIENT_CAPTIONS, PatientForm
from app.ui.theme import in_use
from app.ui.throttle import Throttle
from app.ui.workers import TaskRunner, user_message

GONE_MESSAGE = "This patient is no longer in the appointment book"
CHANGED_ELSEWHERE = "Another desk changed this patient's details: they are shown as they are now"
CHANGED_UNDER_EDITS = (
    "Another desk changed this patient's details meanwhile: saving replaces their change with what is typed here"
)


class PatientDialog(EditingDialog):
    changed = Signal(int)  # the patient's id, once their new details are saved; the dialog then closes

    def __init__(self, runner: TaskRunner, clinic: Clinic, patient_id: int, parent: QWidget | None = None):
        super().__init__(runner, parent)
        self._clinic, self._patient_id = clinic, patient_id
        self._loaded = False
        self._shown: dict | None = None  # the details as last read, to tell the receptionist's edits from them
        self._live_reload = Throttle(self, self._reload_after_change)
        self._disclosure = Disclosure(self.refresh)
        self.field_errors = FieldErrors()
        self.setWindowTitle("Edit patient")
        self.setObjectName("patient_dialog")
        self.setMinimumWidth(480)

        self.form = PatientForm(self.field_errors)
        # Through the dialog's own methods: Qt drops them when the dialog goes (a field losing its focus as the
        # dialog is deleted must not reach a dialog that is gone).
        self.form.edited.connect(self._field_edited)
        self.form.left.connect(self._field_left)
        self.form.setEnabled(False)  # until the patient is read

        buttons = FormButtons(
            self,
            "Save",
            self.save,
            tooltip="Save the patient's details (enabled once every field is filled in correctly)",
        )
        self.hint_label, self.cancel_button, self.save_button = buttons.hint, buttons.cancel, buttons.action
        self.hint_label.setText("Reading the patient…")
        self.save_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(14)
        layout.addWidget(self.banner)
        layout.addWidget(self.form, 1)
        layout.addLayout(buttons)
        self.set_theme(in_use())
        self.refresh()
        self._load()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        make_room(self)  # messages set before it was shown were laid out for another width

    # --- reading ---

    def _load(self) -> None:
        self._read(self._on_loaded)

    def _read(self, then: Callable[[Patient | None], None]) -> None:
        """The patient as the database has them now (None if removed), to `then`; a newer read replaces one
        under way."""
        clinic, patient_id = self._clinic, self._patient_id
        self.runner.submit(
            lambda: patients.get_patient(clinic, patient_id),
            then,
            self._on_load_failed,
            context=self,
            key=f"patient-{id(self)}",
        )

    def _on_loaded(self, patient: Patient | None) -> None:
        if patient is None:
            self.banner.show_message(GONE_MESSAGE)
            self.hint_label.clear()
            return
        self.form.fill(patient)
        self._shown = self.form.values()
        self.form.setEnabled(True)
        self._loaded = True
        self.refresh()
        self.form.edits["first_name"].setFocus()

    def _on_load_failed(self, error: BaseException) -> None:
        self.hint_label.clear()
        self.banner.show_message(user_message(error))

    # --- editing ---

    def refresh(self) -> None:
        errors = self.form.validation_errors() if self._loaded else {}
        self.field_errors.show(self._disclosure.shown(errors))
        self.save_button.setEnabled(self._loaded and not errors and self.can_write)
        self.save_button.setText("Saving…" if self.busy else "Save")
        if self._loaded:
            self.hint_label.setText("" if self.busy else self._disclosure.hint(errors, PATIENT_CAPTIONS))
        make_room(self)  # a message under a field must not be cut off

    def _field_edited(self, field: str) -> None:
        self._disclosure.edited(field)

    def _field_left(self, field: str) -> None:
        self._disclosure.touch(field)

    # --- the desk's connection ---

    def on_write_block_lifted(self) -> None:
        if not self._loaded:  # it could not be read
            self._load()

    def on_schedule_change(self, change: Change) -> None:
        """Another desk changed this patient (the notification carries only the id): read them again."""
        if change.table == "patients" and change.row_id == self._patient_id:
            self._live_reload.request()

    def _reload_after_change(self) -> None:
        if self._loaded and not self.busy:
            self._read(self._on_changed_elsewhere)

    def _on_changed_elsewhere(self, patient: Patient | None) -> None:
        """Untouched, the form shows the new details; with the receptionist's edits in it, they stay and the banner
        says that saving replaces the other desk's change."""
        if patient is None:
            self._on_loaded(patient)
            return
        if self.form.values() == self._shown:
            self.form.fill(patient)
            self._shown = self.form.values()
            self.banner.show_message(CHANGED_ELSEWHERE)
        else:
            self.banner.show_message(CHANGED_UNDER_EDITS)
        self.refresh()

    # --- saving ---

    def save(self) -> None:
        if not self._loaded or not self.can_write:
            return
        if self.form.validation_errors():
            self._disclosure.show_all = True
            self.refresh()
            return
        patient, patient_id = validate(PatientIn, **self.form.values()), self._patient_id
        self.save_with(lambda: patients.update_patient(self._clinic, patient_id, patient), self._on_saved)

    def hold_still(self, busy: bool) -> None:
        self.form.setEnabled(not busy)

    def _on_saved(self, _none: None) -> None:
        self.changed.emit(self._patient_id)
        self.accept()

    def show_failure(self, error: BaseException) -> None:
        if isinstance(error, NotFound):  # removed meanwhile: its id means nothing to a receptionist
            self.banner.show_message(GONE_MESSAGE)
            self.refresh()
        else:
            super().show_failure(error)

    def refuse_fields(self, error: InvalidInput) -> list[str]:
        return self._disclosure.refuse(error, self.field_errors)
