"""File → Export…: the appointments of some days as a CSV file for a spreadsheet (a provider or all, some statuses),
or one provider's as an iCalendar file for their phone's calendar (the patients' names only if ticked). The days and
the provider the window shows, unless changed. The file is made on a worker and written where the user says."""

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.domain.models import AppointmentStatus
from app.services import export, schedule
from app.services.context import Clinic
from app.services.schedule import Provider
from app.ui.dates import date_edit
from app.ui.labels import provider_label, status_label
from app.ui.saving import in_documents, write_file
from app.ui.workers import TaskRunner, user_message

CSV, ICS = "csv", "ics"


class ExportDialog(QDialog):
    def __init__(
        self,
        runner: TaskRunner,
        clinic: Clinic,
        first_day: date,
        last_day: date,
        provider_id: int | None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.runner, self._clinic, self._provider_id = runner, clinic, provider_id
        self.setWindowTitle("Export")
        self.setObjectName("export_dialog")
        self.format_combo = QComboBox()
        self.format_combo.addItem("CSV, for a spreadsheet", CSV)
        self.format_combo.addItem("iCalendar (.ics), for a provider's calendar", ICS)
        self.format_combo.setAccessibleName("Format")
        self.from_edit, self.to_edit = date_edit(first_day, "From"), date_edit(last_day, "To")
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Provider")
        self.provider_combo.addItem("All providers", None)
        self.status_boxes = {status: QCheckBox(status_label(status)) for status in AppointmentStatus}
        statuses = QHBoxLayout()
        for box in self.status_boxes.values():
            box.setChecked(True)
            box.setAccessibleName(f"Status {box.text()}")
            statuses.addWidget(box)
        self.patients_box = QCheckBox("With the patients' names (a phone's calendar should usually not carry them)")
        self.patients_box.setAccessibleName("With the patients' names")
        form = QFormLayout()
        form.addRow("&Format", self.format_combo)
        form.addRow("F&rom", self.from_edit)
        form.addRow("&To", self.to_edit)
        form.addRow("&Provider", self.provider_combo)
        form.addRow("Statuses", statuses)
        form.addRow("", self.patients_box)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Export message")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        self.save_button = buttons.addButton("&Save…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setAccessibleName("Save")
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.save_button.setDefault(True)
        self.format_combo.currentIndexChanged.connect(lambda _index: self._check())
        self.provider_combo.currentIndexChanged.connect(lambda _index: self._check())
        self._check()
        self.runner.submit(lambda: schedule.providers(clinic), self._on_providers, self._failed, context=self)

    def _on_providers(self, providers: list[Provider]) -> None:
        for provider in providers:
            self.provider_combo.addItem(provider_label(provider), provider.id)
        shown = self.provider_combo.findData(self._provider_id) if self._provider_id is not None else 0
        self.provider_combo.setCurrentIndex(max(shown, 0))

    def _check(self) -> bool:
        """An iCalendar file is one provider's; the statuses are the CSV's (a calendar holds every appointment)."""
        calendar = self.format_combo.currentData() == ICS
        for box in self.status_boxes.values():
            box.setEnabled(not calendar)
        self.patients_box.setEnabled(calendar)
        fits = not calendar or self.provider_combo.currentData() is not None
        self.message.setText("" if fits else "An iCalendar file is one provider's: choose one.")
        self.save_button.setEnabled(fits)
        return fits

    def ask_path(self, suggested: str, kinds: str) -> str:
        """Where to save (empty: nowhere)."""
        return QFileDialog.getSaveFileName(self, "Export", suggested, kinds)[0]

    def save(self) -> None:
        if not self._check():
            return
        kind = self.format_combo.currentData()
        first, last = self.from_edit.date().toPython(), self.to_edit.date().toPython()
        name = f"appointments-{first.isoformat()}-{last.isoformat()}.{kind}"
        path = self.ask_path(in_documents(name), "CSV files (*.csv)" if kind == CSV else "iCalendar (*.ics)")
        if not path:
            return
        clinic, provider = self._clinic, self.provider_combo.currentData()
        statuses = [str(status) for status, box in self.status_boxes.items() if box.isChecked()]
        with_patients = self.patients_box.isChecked()

        def data() -> bytes:  # on the worker
            if kind == ICS:
                return export.appointments_ics(clinic, first, last, provider, with_patients=with_patients)
            providers = None if provider is None else [provider]
            csv_text = export.appointments_csv(clinic, first, last, provider_ids=providers, statuses=statuses)
            return csv_text.encode("utf-8-sig")

        self.message.setText("Reading the appointments…")
        self.runner.submit(data, lambda content: self._write(path, content), self._failed, context=self)

    def _write(self, path: str, content: bytes) -> None:
        self.message.setText(write_file(path, lambda: Path(path).write_bytes(content))[1])

    def _failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))
