"""Book a series: how often and how long, then every occurrence listed as free or in conflict (why, and the
nearest free time instead) before anything is booked; Book all, or Book the free ones, each in one transaction."""

from datetime import datetime

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import InvalidInput
from app.domain.recurrence import MAX_OCCURRENCES, WEEKDAY_NAMES, MonthlyBy, Unit, weekday_of_the_month
from app.live.changes import Change
from app.services import series
from app.services.context import Clinic
from app.services.patients import Patient
from app.services.schedule import Provider
from app.services.series import Occurrence, SeriesBooked, SeriesConflict, SeriesPolicy, SeriesPreview
from app.ui.dates import clock, day_format, day_words
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.read_only_table import read_only_table
from app.ui.theme import in_use
from app.ui.throttle import Throttle
from app.ui.workers import TaskRunner, user_message

UNITS = (("days", Unit.DAY), ("weeks", Unit.WEEK), ("months", Unit.MONTH))
COLUMNS = ("#", "When", "Free?", "Nearest free time")


class SeriesDialog(EditingDialog):
    booked = Signal(object)  # SeriesBooked; the dialog then closes

    def __init__(
        self,
        runner: TaskRunner,
        clinic: Clinic,
        provider: Provider,
        patient: Patient,
        start: datetime,
        *,
        type_id: int | None = None,
        notes: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(runner, parent)
        self._clinic = clinic
        self._provider, self._patient, self._type_id, self._notes = provider, patient, type_id, notes
        self._start = clinic.local(start)
        self._request = None  # the request the preview shown is of: booking books exactly that
        self._preview: SeriesPreview | None = None
        self._preview_key = f"series-preview-{id(self)}"  # only the latest rule's preview is shown
        self._preview_again = Throttle(self, self.preview)
        self.setWindowTitle(f"Book a series for {patient.first_name} {patient.last_name}")
        self.setObjectName("series_dialog")
        self.resize(640, 620)

        first = QLabel(f"From {day_words(self._start.date())} at {clock(self._start)}, the first occurrence")
        first.setProperty("role", "muted")
        first.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(first)
        self._rule_widget = QWidget()
        self._rule_widget.setLayout(self._build_rule())
        layout.addWidget(self._rule_widget)
        self.state_label = QLabel("Looking…")
        self.state_label.setAccessibleName("Series state")
        self.state_label.setWordWrap(True)
        layout.addWidget(self.state_label)
        self.occurrences = QStandardItemModel(0, len(COLUMNS))
        self.occurrences.setHorizontalHeaderLabels(COLUMNS)
        self.table = read_only_table("Occurrences", self.occurrences)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._build_buttons())
        self._show_unit()
        self.preview()

    # --- building -----------------------------------------------------------------------------------------------

    def _build_rule(self) -> QFormLayout:
        self.every_spin = QSpinBox()
        self.every_spin.setRange(1, 52)
        self.every_spin.setAccessibleName("Every")
        self.unit_combo = QComboBox()
        self.unit_combo.setAccessibleName("Unit")
        for caption, unit in UNITS:
            self.unit_combo.addItem(caption, unit)
        self.unit_combo.setCurrentIndex(1)
        every = QHBoxLayout()
        every.addWidget(self.every_spin)
        every.addWidget(self.unit_combo)
        every.addStretch(1)
        self.whom_combo = QComboBox()
        self.whom_combo.setAccessibleName("With")
        self.whom_combo.addItem(self._provider.name, None)
        if self._provider.specialty:  # any of the specialty's providers, the first free one each time
            self.whom_combo.addItem(f"any {self._provider.specialty} provider", self._provider.specialty)
        self.monthly_combo = QComboBox()
        self.monthly_combo.setAccessibleName("Monthly on")
        self.monthly_combo.addItem(f"day {self._start.day} of the month", MonthlyBy.DAY)
        self.monthly_combo.addItem(f"the {weekday_of_the_month(self._start.date())}", MonthlyBy.WEEKDAY)

        form = QFormLayout()
        form.addRow("&With", self.whom_combo)
        form.addRow("Every", every)
        form.addRow("On", self._build_weekdays())
        form.addRow("&Monthly on", self.monthly_combo)
        form.addRow("Ends", self._build_ending())
        self._form = form
        for signal in (
            self.every_spin.valueChanged,
            self.count_spin.valueChanged,
            self.until_edit.dateChanged,
            self.count_radio.toggled,
            self.monthly_combo.currentIndexChanged,
            self.whom_combo.currentIndexChanged,
        ):
            signal.connect(lambda *_: self._preview_again.request())
        self.unit_combo.currentIndexChanged.connect(lambda _row: self._show_unit())
        return form

    def _build_weekdays(self) -> QWidget:
        """Weekly: a box per weekday, the first time's ticked."""
        self.weekday_boxes: dict[int, QCheckBox] = {}
        self.weekday_row = QWidget()
        weekdays = QHBoxLayout(self.weekday_row)
        weekdays.setContentsMargins(0, 0, 0, 0)
        for number, name in enumerate(WEEKDAY_NAMES, start=1):
            box = QCheckBox(name)
            box.setAccessibleName(f"On {name}")
            box.setChecked(number == self._start.isoweekday())
            box.toggled.connect(lambda _on: self._preview_again.request())
            self.weekday_boxes[number] = box
            weekdays.addWidget(box)
        weekdays.addStretch(1)
        return self.weekday_row

    def _build_ending(self) -> QHBoxLayout:
        """After a number of occurrences (ten at first), or on a day (three months on at first)."""
        self.count_radio, self.until_radio = QRadioButton("after"), QRadioButton("on")
        self.count_radio.setAccessibleName("Ends after a number of occurrences")
        self.until_radio.setAccessibleName("Ends on a day")
        self.count_radio.setChecked(True)
        ending_group = QButtonGroup(self)
        ending_group.addButton(self.count_radio)
        ending_group.addButton(self.until_radio)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, MAX_OCCURRENCES)
        self.count_spin.setValue(10)
        self.count_spin.setSuffix(" occurrences")
        self.count_spin.setAccessibleName("Occurrences")
        last = self._start.date()
        self.until_edit = QDateEdit(QDate(last.year, last.month, last.day).addMonths(3))
        self.until_edit.setDisplayFormat(day_format())
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setAccessibleName("Last day")
        ending = QHBoxLayout()
        for widget in (self.count_radio, self.count_spin, self.until_radio, self.until_edit):
            ending.addWidget(widget)
        ending.addStretch(1)
        return ending

    def _build_buttons(self) -> QHBoxLayout:
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.free_button = QPushButton("Book the free ones")
        self.free_button.setToolTip("Book every free occurrence in one go; the others stay listed")
        self.free_button.clicked.connect(lambda: self.book(SeriesPolicy.FREE))
        self.all_button = QPushButton("Book all")
        self.all_button.setProperty("role", "primary")
        self.all_button.setToolTip("Book every occurrence in one go, or none if one is not free")
        self.all_button.clicked.connect(lambda: self.book(SeriesPolicy.ALL))
        row = QHBoxLayout()
        row.addStretch(1)
        for button in (self.cancel_button, self.free_button, self.all_button):
            button.setAccessibleName(button.text())
            button.setAutoDefault(False)
            row.addWidget(button)
        return row

    def _show_unit(self) -> None:
        unit = Unit(self.unit_combo.currentData())  # Qt hands a string enum back as a plain string
        self._form.setRowVisible(self.weekday_row, unit is Unit.WEEK)
        self._form.setRowVisible(self.monthly_combo, unit is Unit.MONTH)
        self._preview_again.request()

    # --- preview and booking --------------------------------------------------------------------------------------

    def rule(self) -> dict:
        """The rule as the form has it."""
        unit = Unit(self.unit_combo.currentData())
        rule = {"first_day": self._start.date(), "wall_time": self._start.time(), "every": self.every_spin.value()}
        rule["unit"] = unit
        if unit is Unit.WEEK:
            rule["weekdays"] = [number for number, box in self.weekday_boxes.items() if box.isChecked()]
        if unit is Unit.MONTH:
            rule["monthly_by"] = self.monthly_combo.currentData()
        if self.count_radio.isChecked():
            return rule | {"count": self.count_spin.value()}
        return rule | {"until": self.until_edit.date().toPython()}

    def preview(self) -> None:
        self._preview, self._request = None, None
        self.refresh()
        try:
            specialty = self.whom_combo.currentData()
            request = series.request_series(
                patient_id=self._patient.id,
                provider_id=None if specialty else self._provider.id,
                specialty=specialty,
                type_id=self._type_id,
                notes=self._notes,
                rule=self.rule(),
            )
        except InvalidInput as error:
            self.runner.drop(self._preview_key)  # a preview still under way is of a rule no longer asked for
            self.state_label.setText(str(error))
            self.occurrences.setRowCount(0)
            return
        self.state_label.setText("Looking…")
        self.runner.submit(
            lambda: series.preview_series(self._clinic, request),
            lambda preview: self._on_preview(request, preview),
            self._on_failed,
            context=self,
            key=self._preview_key,
        )

    def _on_preview(self, request, preview: SeriesPreview) -> None:
        self._request = request
        self.occurrences.setRowCount(0)
        conflict = QBrush(QColor(in_use().tokens["error"]))
        for occurrence in preview.occurrences:
            row = [QStandardItem(text) for text in self._cells(occurrence)]
            if occurrence.conflict is not None:
                row[2].setForeground(conflict)
            self.occurrences.appendRow(row)
        free, total = len(preview.free), len(preview.occurrences)
        words = request.rule.describe()
        if free == total:
            self.state_label.setText(f"{words}: all {total} are free.")
        else:
            self.state_label.setText(f"{words}: {free} of {total} are free; the others are listed with why.")
        self._preview = preview
        self.refresh()

    def _cells(self, occurrence: Occurrence) -> tuple[str, str, str, str]:
        start = self._clinic.local(occurrence.start)
        when = f"{day_words(start.date())} {clock(start)}"
        if occurrence.conflict is None:
            with_whom = f" · {occurrence.provider.name}" if self.whom_combo.currentData() else ""
            return str(occurrence.index), when, f"Free{with_whom}", ""
        instead = self._clinic.local(occurrence.alternative) if occurrence.alternative else None
        nearest = f"{day_words(instead.date())} {clock(instead)}" if instead else "none found"
        return str(occurrence.index), when, occurrence.conflict[0].upper() + occurrence.conflict[1:], nearest

    def refresh(self) -> None:
        """The buttons, by the preview shown (Book all when every occurrence is free) and whether the desk writes."""
        preview = self._preview if self.can_write else None
        free = len(preview.free) if preview else 0
        every_one = preview is not None and free == len(preview.occurrences)
        self.all_button.setEnabled(every_one)
        self.all_button.setText(f"Book all {free}" if every_one else "Book all")
        self.free_button.setEnabled(preview is not None and 0 < free < len(preview.occurrences))
        some = preview is not None and 0 < free < len(preview.occurrences)
        self.free_button.setText(f"Book the {free} free ones" if some else "Book the free ones")

    def hold_still(self, busy: bool) -> None:
        self._rule_widget.setEnabled(not busy)

    def on_schedule_change(self, change: Change) -> None:
        """Another desk's booking, time off or closure may take (or free) an occurrence: preview again (once)."""
        shown = self._preview.occurrences if self._preview else []
        first = self._start.date()
        last = self._clinic.local(shown[-1].start).date() if shown else first
        provider_id = None if self.whom_combo.currentData() else self._provider.id
        if not self.busy and change.touches(provider_id, first, last, self._clinic.zone):
            self._preview_again.request()

    def on_write_block_lifted(self) -> None:
        self._preview_again.request()

    def book(self, policy: SeriesPolicy) -> None:
        if self._request is None:
            return
        request = self._request
        self.state_label.setText("Booking…")
        self.save_with(lambda: series.book_series(self._clinic, request, policy), self._on_booked, self._on_failed)

    def _on_booked(self, booked: SeriesBooked) -> None:
        self.booked.emit(booked)
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self.state_label.setText(str(error) if isinstance(error, InvalidInput) else user_message(error))
        if isinstance(error, SeriesConflict):  # another desk took an occurrence meanwhile: show what is free now
            self._preview_again.request()
