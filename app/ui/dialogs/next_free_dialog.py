"""Next available: the first free times for a type, of any provider or one, from a day, in the morning or the
afternoon, for a patient if one is chosen; Book opens the booking at the chosen time."""

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services import finding, rooms, schedule
from app.services.context import Clinic
from app.services.finding import FreeTime
from app.services.patients import Patient
from app.services.rooms import Room
from app.services.schedule import AppointmentType, Provider
from app.ui.dates import clock, day_format, day_words
from app.ui.labels import provider_label
from app.ui.throttle import Throttle
from app.ui.type_combo import TypeCombo
from app.ui.workers import TaskRunner, user_message

PARTS_OF_DAY = (("Any time of day", None), ("Mornings", "morning"), ("Afternoons", "afternoon"))
SHOWN = 10


class NextFreeDialog(QDialog):
    book_requested = Signal(object, object, object, object)  # Provider, start, type id, Patient or None

    def __init__(
        self, runner: TaskRunner, clinic: Clinic, patient: Patient | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.runner, self._clinic, self._patient = runner, clinic, patient
        self._providers: dict[int, Provider] = {}
        self._room_names: dict[int, str] = {}
        self._found_for: int | None = None
        self._search_again = Throttle(self, self.search)
        self.setWindowTitle("Next available" + (f" for {patient.first_name} {patient.last_name}" if patient else ""))
        self.setObjectName("next_free_dialog")
        self.resize(520, 560)

        self.type_combo = TypeCombo("The type decides the length: only times where all of it is free are offered")
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Provider")
        self.provider_combo.addItem("Any provider", None)
        today = clinic.local(clinic.now()).date()
        self.from_edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.from_edit.setDisplayFormat(day_format())
        self.from_edit.setAccessibleName("From")
        self.from_edit.setCalendarPopup(True)
        self.part_combo = QComboBox()
        self.part_combo.setAccessibleName("Time of day")
        for caption, value in PARTS_OF_DAY:
            self.part_combo.addItem(caption, value)
        form = QFormLayout()
        for caption, widget in (
            ("&Type", self.type_combo),
            ("&Provider", self.provider_combo),
            ("&From", self.from_edit),
            ("T&ime of day", self.part_combo),
        ):
            form.addRow(caption, widget)
        for combo in (self.type_combo, self.provider_combo, self.part_combo):
            combo.activated.connect(lambda _row: self._search_again.request())
        self.from_edit.dateChanged.connect(lambda _day: self._search_again.request())

        self.state_label = QLabel("Looking…")
        self.state_label.setProperty("role", "muted")
        self.results = QListWidget()
        self.results.setAccessibleName("Free times")
        self.results.setToolTip("Double click or press Enter to book this time")
        self.results.itemActivated.connect(lambda _item: self.book())
        self.results.currentRowChanged.connect(lambda row: self.book_button.setEnabled(row >= 0))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.book_button = buttons.addButton("Book…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setAccessibleName("Book this time")
        self.book_button.setEnabled(False)
        self.book_button.clicked.connect(self.book)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.state_label)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.runner.submit(self._read_choices, self._on_choices, self._on_failed, context=self)

    def _read_choices(self) -> tuple[list[AppointmentType], list[Provider], list[Room]]:
        return (
            schedule.appointment_types(self._clinic),
            schedule.providers(self._clinic),
            rooms.list_rooms(self._clinic),
        )

    def _on_choices(self, choices: tuple[list[AppointmentType], list[Provider], list[Room]]) -> None:
        types, providers, known_rooms = choices
        self._room_names = {room.id: room.name for room in known_rooms}
        self.type_combo.fill(types)
        self._providers = {provider.id: provider for provider in providers}
        for provider in providers:
            self.provider_combo.addItem(provider_label(provider), provider.id)
        self.search()

    def search(self) -> None:
        if self.type_combo.count() == 0:
            return
        values = {
            "type_id": self.type_combo.currentData(),
            "provider_id": self.provider_combo.currentData(),
            "from_day": self.from_edit.date().toPython(),
            "part_of_day": self.part_combo.currentData(),
            "patient_id": self._patient.id if self._patient else None,
            "count": SHOWN,
        }
        self.state_label.setText("Looking…")
        self.runner.submit(
            lambda: finding.next_free(self._clinic, **values),
            lambda found: self._on_found(found, values["type_id"]),
            self._on_failed,
            context=self,
            key=f"next-free-{id(self)}",
        )

    def _on_found(self, found: list[FreeTime], type_id: int) -> None:
        self._found_for = type_id  # Book books the type these times are for
        self.results.clear()
        for option in found:
            start, end = self._clinic.local(option.start), self._clinic.local(option.end)
            text = f"{day_words(start.date())}  {clock(start)}–{clock(end)}  ·  {option.provider_name}"
            if option.room_id is not None:
                text += f"  ·  {self._room_names.get(option.room_id, f'room {option.room_id}')}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, option)
            self.results.addItem(item)
        self.state_label.setText(
            f"The first {len(found)} free times" if found else "No free time up to the booking horizon"
        )
        if found:
            self.results.setCurrentRow(0)

    def _on_failed(self, error: BaseException) -> None:
        self.state_label.setText(user_message(error))

    def book(self) -> None:
        item = self.results.currentItem()
        if item is None:
            return
        option: FreeTime = item.data(Qt.ItemDataRole.UserRole)
        provider = self._providers.get(option.provider_id)
        if provider is not None:
            self.book_requested.emit(provider, option.start, self._found_for, self._patient)
            self.accept()
