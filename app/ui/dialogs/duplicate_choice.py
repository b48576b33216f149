"""The choice offered when a new patient looks like one already registered."""

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.patients import Patient
from app.ui.dialogs.patient_search import patient_list_style
from app.ui.models.patient_model import PatientListModel
from app.ui.theme import Theme


class DuplicateChoice(QFrame):
    """Shown when the new patient looks like one already registered: use that one, or register anyway."""

    use_existing = Signal(object)  # Patient
    create_anyway = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setAccessibleName("Possible duplicate patient")
        message = QLabel("A patient with this name and date of birth is already registered. Is it the same person?")
        message.setWordWrap(True)
        message.setProperty("role", "heading")
        self.model = PatientListModel(self)
        self.matches = QListView()
        self.matches.setModel(self.model)
        self.matches.setAccessibleName("Registered patients with the same name and date of birth")
        self.matches.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matches.setMaximumHeight(96)
        self.use_button = QPushButton("Use existing patient")
        self.use_button.setProperty("role", "primary")
        self.use_button.setAccessibleName("Use existing patient")
        self.use_button.setToolTip("Book for the selected registered patient instead of registering a new one")
        self.use_button.clicked.connect(self._use_selected)
        self.create_button = QPushButton("Create anyway")
        self.create_button.setAccessibleName("Create anyway")
        self.create_button.setToolTip("It is a different person: register the new patient and book")
        self.create_button.clicked.connect(self.create_anyway)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(message)
        layout.addWidget(self.matches)
        layout.addLayout(buttons)
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        self.matches.setStyleSheet(patient_list_style(theme))

    def offer(self, matches: list[Patient]) -> None:
        self.model.set_patients(matches)
        if matches:
            self.matches.selectionModel().setCurrentIndex(
                self.model.index(0), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        self.use_button.setEnabled(bool(matches))
        self.show()

    def _use_selected(self) -> None:
        index = self.matches.currentIndex()
        if index.isValid():
            self.use_existing.emit(self.model.patient_at(index.row()))
