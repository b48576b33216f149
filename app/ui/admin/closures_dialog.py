"""The clinic's closures for admins (public holidays, the clinic shut): the upcoming ones, add, remove.

A closure over live appointments is refused with their list: move or cancel them first.
"""

from datetime import datetime

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.domain.errors import InvalidInput
from app.live.changes import Change
from app.services import closures
from app.services.closures import Closure
from app.services.context import Clinic
from app.ui.admin.refusals import AffectedList, by_field
from app.ui.admin.time_off_editor import TimeOffEditor
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.theme import in_use
from app.ui.workers import TaskRunner, user_message

FIELDS = ("starts_at", "ends_at", "reason")


class ClosuresDialog(EditingDialog):
    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(runner, parent)
        self._clinic = clinic
        self.setWindowTitle("Clinic closures")
        self.setObjectName("closures_dialog")
        hint = QLabel("While the clinic is closed, no provider can be booked (public holidays, the clinic shut).")
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        self.editor = TimeOffEditor(clinic.zone, "closure")
        self.editor.add_requested.connect(self.add_closure)
        self.editor.remove_requested.connect(self.remove_closure)
        self.affected = AffectedList()
        self.editor.edited.connect(self.affected.hide)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(hint)
        layout.addWidget(self.editor)
        layout.addWidget(self.affected)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(720, 360)
        self.set_theme(in_use())
        self.editor.reset_new(clinic.now())
        self._load()

    def _load(self) -> None:
        self.runner.submit(
            lambda: closures.upcoming_closures(self._clinic),
            self._on_closures,
            lambda error: self.banner.show_message(user_message(error)),
            context=self,
            key=f"closures-{id(self)}",
        )

    def _on_closures(self, found: list[Closure]) -> None:
        self.editor.set_time_off(found)

    def refresh(self) -> None:
        self.editor.set_can_save(self.can_write)

    def hold_still(self, busy: bool) -> None:
        self.editor.setEnabled(not busy)

    def refuse_fields(self, error: InvalidInput) -> list[str]:
        messages = by_field(error)
        self.editor.set_refusals({field: message for field, message in messages.items() if field in FIELDS})
        self.affected.show_refusal(error, "starts_at")
        return [message for field, message in messages.items() if field not in FIELDS]

    def add_closure(self, starts_at: datetime, ends_at: datetime, reason: str) -> None:
        clinic = self._clinic
        self.save_with(lambda: closures.add_closure(clinic, starts_at, ends_at, reason), self._on_saved)

    def remove_closure(self, closure_id: int) -> None:
        clinic = self._clinic
        self.save_with(lambda: closures.remove_closure(clinic, closure_id), lambda _none: self._load())

    def _on_saved(self, _closure_id: int) -> None:
        self.affected.hide()
        self.editor.reset_new(self._clinic.now())
        self._load()

    def on_schedule_change(self, change: Change) -> None:
        if change.table == "closures" and not self.busy:
            self._load()
