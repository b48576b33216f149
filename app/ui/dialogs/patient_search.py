"""Find a patient as you type: by name, phone number or date of birth."""

from datetime import date

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from app.services import patients
from app.services.context import Clinic
from app.services.patients import SEARCH_LIMIT, Patient
from app.ui.dates import EXAMPLE, date_text, parse_date
from app.ui.models.patient_model import PatientListModel
from app.ui.theme import Theme, in_use, set_style_property
from app.ui.workers import TaskRunner, user_message

SEARCH_DELAY_MS = 250  # long enough not to query on every keystroke, short enough to feel immediate
QUERY_MAX_LENGTH = 100  # what patients.search_patients accepts


def patient_list_style(theme: Theme) -> str:
    """Roomier rows than the default: a list of patients is read at a glance while someone waits."""
    return (
        f"QListView {{ border: 1px solid {theme.tokens['border']}; border-radius: 4px; }}"
        " QListView::item { padding: 5px 6px; }"
    )


class PatientSearch(QWidget):
    patient_chosen = Signal(object)  # Patient, or None when the selection is cleared
    patient_activated = Signal(object)  # Patient: double click or Enter on a result

    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(parent)
        self._runner, self._clinic = runner, clinic
        self._chosen: Patient | None = None
        self._search_key = f"patient-search-{id(self)}"

        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText(f"Name, phone or date of birth ({date_text(EXAMPLE)})")
        self.query_edit.setAccessibleName("Find patient")
        self.query_edit.setToolTip(
            "Type the start of a first or last name, a few digits of the phone number,\n"
            f"or the full date of birth as {date_text(EXAMPLE)} (or {EXAMPLE}). Press Down to move into the results."
        )
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.setMaxLength(QUERY_MAX_LENGTH)
        self.query_edit.installEventFilter(self)

        self.model = PatientListModel(self)
        self.results = QListView()
        self.results.setModel(self.model)
        self.results.setAccessibleName("Matching patients")
        self.results.setToolTip("Click to choose a patient; double click or press Enter to open them")
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setUniformItemSizes(True)
        self.results.selectionModel().selectionChanged.connect(self._sync_chosen)
        self.results.activated.connect(self._activate)

        self.state_label = QLabel()
        self.state_label.setProperty("role", "muted")
        self.state_label.setAccessibleName("Search status")
        self.state_label.hide()

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._search_now)
        # textEdited, not textChanged: only the user's typing starts a search, not set_query or show_patient.
        self.query_edit.textEdited.connect(self._debounce.start)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.query_edit)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.state_label)
        self.set_theme(in_use())

    @property
    def chosen(self) -> Patient | None:
        return self._chosen

    def result_count(self) -> int:
        return self.model.rowCount()

    def choose_row(self, row: int) -> None:
        """Choose the result in `row`, as a click on it would."""
        self.results.selectionModel().setCurrentIndex(
            self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def set_query(self, text: str) -> None:
        """Search for `text` at once."""
        self.query_edit.setText(text)
        self._search_now()

    def show_patient(self, patient: Patient) -> None:
        """Show `patient` as the one result, chosen (a patient registered a moment ago)."""
        self._debounce.stop()
        self.query_edit.setText(patient.full_name)
        self._set_state("")
        self._show_results([patient], keep=patient)

    def set_theme(self, theme: Theme) -> None:
        self.results.setStyleSheet(patient_list_style(theme))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down and Enter lead into the results (Enter must not reach a dialog's default button half-way).
        into_results = (
            watched is self.query_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.model.rowCount() > 0
        )
        if not into_results:
            return super().eventFilter(watched, event)
        if not self.results.currentIndex().isValid():
            self.choose_row(0)
        self.results.setFocus()
        return True

    def _search_now(self) -> None:
        self._debounce.stop()
        query = self.query_edit.text().strip()
        if not query:
            self._set_state("")
            self._show_results([])
            return
        self._set_state("Searching…")
        born = parse_date(query, base_year=date.today().year - 99)  # a date as this desk writes it: a birth date
        wanted = born.isoformat() if born is not None else query
        self._runner.submit(
            lambda: patients.search_patients(self._clinic, wanted),
            lambda found: self._on_results(query, found),
            self._on_search_failed,
            context=self,
            key=self._search_key,
        )

    def _on_results(self, query: str, found: list[Patient]) -> None:
        if query != self.query_edit.text().strip():
            return  # the box was cleared or changed since: a newer search or nothing is wanted
        if not found:
            self._set_state("No patients match")
        elif len(found) >= SEARCH_LIMIT:
            self._set_state(f"Showing the first {SEARCH_LIMIT} matches: type more to narrow the search")
        else:
            self._set_state("1 patient" if len(found) == 1 else f"{len(found)} patients")
        self._show_results(found, keep=self._chosen)

    def _on_search_failed(self, error: BaseException) -> None:
        self._set_state(user_message(error), error=True)

    def _show_results(self, found: list[Patient], keep: Patient | None = None) -> None:
        """Replace the results, keeping `keep` chosen if it is among them."""
        self.model.set_patients(found)
        row = self.model.row_of(keep.id) if keep else None
        if row is None:
            self._sync_chosen()
        else:
            self.choose_row(row)

    def _sync_chosen(self) -> None:
        selected = self.results.selectionModel().selectedIndexes()
        chosen = self.model.patient_at(selected[0].row()) if selected else None
        if chosen != self._chosen:
            self._chosen = chosen
            self.patient_chosen.emit(chosen)

    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            self.patient_activated.emit(self.model.patient_at(index.row()))

    def _set_state(self, text: str, *, error: bool = False) -> None:
        self.state_label.setText(text)
        self.state_label.setVisible(bool(text))
        set_style_property(self.state_label, "role", "error" if error else "muted")
