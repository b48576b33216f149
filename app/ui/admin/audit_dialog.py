"""The audit trail for managers and admins: who changed what, when and from which desk, filtered by person,
days and patient, with the chosen entry's fields before and after."""

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services import audit
from app.services.audit import AuditEntry
from app.services.context import Clinic
from app.services.patients import Patient
from app.ui.audit_words import describe, moment_text, workstation_text
from app.ui.dates import day_format
from app.ui.dialogs.patient_search import PatientSearch
from app.ui.models.audit_model import AuditFieldsModel, AuditTableModel
from app.ui.read_only_table import read_only_table
from app.ui.theme import set_style_property
from app.ui.workers import TaskRunner, user_message

ANYONE = "Anyone"
DEFAULT_DAYS = 30  # the trail opens on the last month: enough for "who moved this?", small enough to read fast
FILTER_WIDTH = 280


class AuditDialog(QDialog):
    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(parent)
        self._runner, self._clinic = runner, clinic
        self._patient: Patient | None = None
        self._key = f"audit-{id(self)}"
        self.setWindowTitle("Audit log")
        self.setObjectName("audit_dialog")
        self.resize(1180, 720)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_filters())
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([FILTER_WIDTH, 900])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAutoDefault(False)  # Enter in the patient search must not close the dialog
        self.refresh_button = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.setAccessibleName("Refresh")
        self.refresh_button.setToolTip("Read the audit log again (F5)")
        self.refresh_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.clicked.connect(self.reload)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

        self._load_users()
        self.reload()

    # --- building ---

    def _build_filters(self) -> QWidget:
        self.user_combo = QComboBox()
        self.user_combo.setAccessibleName("Who")
        self.user_combo.setToolTip("Only the changes made by this staff member's login")
        self.user_combo.addItem(ANYONE, None)
        self.user_combo.currentIndexChanged.connect(self.reload)
        today = self._clinic.local(self._clinic.now()).date()
        self.from_edit = self._date_edit("From", "The first day to show (the clinic's days)")
        self.to_edit = self._date_edit("To", "The last day to show, included")
        self._put_days(today - timedelta(days=DEFAULT_DAYS), today)
        self.patient_search = PatientSearch(self._runner, self._clinic)
        self.patient_search.setToolTip("Only the changes about this patient; clear the search to see everyone")
        self.patient_search.patient_chosen.connect(self._on_patient_chosen)
        self.patient_hint = QLabel("Any patient")
        self.patient_hint.setProperty("role", "muted")
        self.patient_hint.setAccessibleName("Patient filter")
        self.patient_hint.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Who", self.user_combo)
        form.addRow("From", self.from_edit)
        form.addRow("To", self.to_edit)
        patient_caption = QLabel("Patient")
        patient_caption.setProperty("role", "heading")
        panel = QWidget()
        panel.setMinimumWidth(240)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(patient_caption)
        layout.addWidget(self.patient_search, 1)
        layout.addWidget(self.patient_hint)
        return panel

    def _date_edit(self, name: str, tip: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setKeyboardTracking(False)  # read when the date is complete, not on every digit
        edit.setDisplayFormat(day_format())
        edit.setAccessibleName(name)
        edit.setToolTip(tip)
        edit.dateChanged.connect(self.reload)
        return edit

    def _build_results(self) -> QWidget:
        self.model = AuditTableModel(self._clinic.zone, self)
        self.table = read_only_table("Audit entries", self.model)
        self.table.selectionModel().currentRowChanged.connect(lambda index, _previous: self._show_entry(index.row()))
        self.state_label = QLabel()
        self.state_label.setProperty("role", "muted")
        self.state_label.setAccessibleName("Audit log status")

        self.entry_label = QLabel("Choose an entry to see what it changed.")
        self.entry_label.setProperty("role", "muted")
        self.entry_label.setAccessibleName("Chosen entry")
        self.entry_label.setWordWrap(True)
        self.fields_model = AuditFieldsModel(self._clinic.zone, self)
        self.fields = read_only_table("Fields before and after", self.fields_model)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 6, 0, 0)
        details_layout.addWidget(self.entry_label)
        details_layout.addWidget(self.fields, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(details)
        split.setSizes([400, 260])
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.state_label)
        layout.addWidget(split, 1)
        return panel

    # --- filters ---

    def set_days(self, first: date, last: date) -> None:
        """Show the entries of the clinic's days `first` .. `last` (read once, not once per changed field)."""
        self._put_days(first, last)
        self.reload()

    def _put_days(self, first: date, last: date) -> None:
        for edit, day in ((self.from_edit, first), (self.to_edit, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def set_user(self, user: str | None) -> None:
        self.user_combo.setCurrentIndex(max(0, self.user_combo.findData(user)))

    def _days(self) -> tuple[date, date]:
        return self.from_edit.date().toPython(), self.to_edit.date().toPython()

    def _on_patient_chosen(self, patient: Patient | None) -> None:
        self._patient = patient
        self.patient_hint.setText(f"Only {patient.full_name}" if patient else "Any patient")
        self.reload()

    # --- reading ---

    def _load_users(self) -> None:
        self._runner.submit(
            lambda: audit.users(self._clinic), self._on_users, self._on_failed, context=self, key=f"{self._key}-users"
        )

    def _on_users(self, users: list[str]) -> None:
        chosen = self.user_combo.currentData()
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        self.user_combo.addItem(ANYONE, None)
        for user in users:
            self.user_combo.addItem(user, user)
        self.user_combo.setCurrentIndex(max(0, self.user_combo.findData(chosen)))
        self.user_combo.blockSignals(False)

    def reload(self) -> None:
        """Read the entries the filters ask for (a newer request supersedes one still running)."""
        first, last = self._days()
        if last < first:
            self._set_state("The last day is before the first: nothing to show.", error=True)
            self.model.set_entries([])
            self._show_entry(-1)
            return
        filters = {
            "user": self.user_combo.currentData(),
            "since": first,
            "until": last,
            "patient_id": self._patient.id if self._patient else None,
        }
        self._set_state("Reading the audit log…")

        def search() -> list[AuditEntry]:
            return audit.search(self._clinic, **filters)

        self._runner.submit(search, self._on_entries, self._on_failed, context=self, key=self._key)

    def _on_entries(self, entries: list[AuditEntry]) -> None:
        self.model.set_entries(entries)
        self._show_entry(-1)
        if not entries:
            self._set_state("Nothing was changed that matches these filters.")
        elif len(entries) >= audit.SEARCH_LIMIT:
            self._set_state(f"Showing the newest {audit.SEARCH_LIMIT} entries: narrow the filters to see older ones.")
        else:
            self._set_state("1 entry" if len(entries) == 1 else f"{len(entries)} entries, newest first")

    def _on_failed(self, error: BaseException) -> None:
        self._set_state(user_message(error), error=True)

    def _set_state(self, text: str, *, error: bool = False) -> None:
        self.state_label.setText(text)
        set_style_property(self.state_label, "role", "error" if error else "muted")

    def _show_entry(self, row: int) -> None:
        entry = self.model.entry_at(row) if 0 <= row < self.model.rowCount() else None
        self.fields_model.set_entry(entry)
        if entry is None:
            self.entry_label.setText("Choose an entry to see what it changed.")
            return
        zone = self._clinic.zone
        self.entry_label.setText(
            f"{describe(entry, zone)} — {entry.user} at {workstation_text(entry)},"
            f" {moment_text(entry.at, zone)}. Changed fields are in bold."
        )
