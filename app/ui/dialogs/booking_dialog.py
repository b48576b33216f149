"""Book an appointment: a free time of one provider, an existing or new patient, a type and notes.

The dialog validates with the service's own input models on every edit, so Book is enabled exactly when
the service would accept the fields. What only the database can know (the slot was taken meanwhile, a
likely duplicate patient, the database is away) comes back from the service and is shown where it
belongs, without losing anything the receptionist typed.
"""

import uuid
from collections.abc import Callable
from datetime import date, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DatabaseUnavailable, InvalidInput, LikelyDuplicatePatient, SlotTaken
from app.domain.models import AppointmentStatus, BookingDetails, BookingRequest, PatientIn, validate
from app.live.changes import Change
from app.services import booking, patients, schedule
from app.services.booking import NewPatientBooked
from app.services.context import Clinic
from app.services.patients import Patient
from app.services.schedule import AppointmentType, AppointmentView, Provider
from app.ui.dates import PADDED_DAY, clock, day_words
from app.ui.dialogs.duplicate_choice import DuplicateChoice
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.field_errors import Disclosure, FieldErrors, InlineError, labelled, model_errors
from app.ui.dialogs.form_buttons import FormButtons
from app.ui.dialogs.patient_form import PATIENT_CAPTIONS, PatientForm
from app.ui.dialogs.patient_search import PatientSearch
from app.ui.models.slot_model import SlotListModel, SlotRole
from app.ui.navigation import ViewMode, title
from app.ui.theme import Theme, in_use
from app.ui.throttle import Throttle
from app.ui.type_combo import TypeCombo
from app.ui.workers import TaskRunner, user_message

SLOT_TAKEN_MESSAGE = "This time was just booked at another desk – choose another time"
SLOT_GONE_MESSAGE = "This time is no longer free – choose another time"
TYPE_DOES_NOT_FIT = "{type} does not fit at this time – choose another time"

# Field captions, in the order the form shows them (the hint under the form names the first problem).
CAPTIONS = {"start": "Time", "patient_id": "Patient", **PATIENT_CAPTIONS, "type_id": "Type", "notes": "Notes"}
# What to ask for while a field is still empty.
PROMPTS = {
    "patient_id": "choose a patient from the search results",
    "start": "choose a time",
}


BOOKED_THEN_CANCELLED = (
    "The earlier attempt had booked {name} before the connection was lost, and another desk has cancelled that"
    " appointment since. Press Book to book again"
)


SERIES_TIP = "The same appointment every few days, weeks or months: see each time first"


class PatientMode(IntEnum):
    EXISTING = 0
    NEW = 1


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    return label


def _heading(provider: Provider, day: date) -> tuple[QLabel, QLabel, QLabel]:
    """The provider's name (larger), their specialty and the day, for the dialog's header card."""
    name = QLabel(provider.name)
    name.setProperty("role", "heading")
    name.setAccessibleName("Provider")
    font = QFont(name.font())
    font.setPointSizeF(font.pointSizeF() * 1.25)
    name.setFont(font)
    specialty = QLabel(provider.specialty)
    specialty.setProperty("role", "muted")
    specialty.setAccessibleName("Specialty")
    day_label = QLabel(title(ViewMode.DAY, day))
    day_label.setAccessibleName("Date")
    return name, specialty, day_label


def _segment(text: str, tip: str, position: str) -> QPushButton:
    """One half of the Existing / New patient switch (`position`: "first" or "last")."""
    button = QPushButton(text)
    button.setAccessibleName(text)
    button.setToolTip(tip)
    button.setProperty("segment", position)
    button.setCheckable(True)
    button.setAutoDefault(False)
    return button


def _segment_style(theme: Theme) -> str:
    """The Existing / New patient switch drawn as one segmented control."""
    t = theme.tokens
    return (
        f"QPushButton[segment] {{ background: {t['surface']}; color: {t['text']};"
        f" border: 1px solid {t['border']}; padding: 5px 14px; }}"
        f" QPushButton[segment]:checked {{ background: {t['accent']}; color: {t['accent_text']};"
        f" border-color: {t['accent']}; }}"
        ' QPushButton[segment="first"] { border-top-left-radius: 6px; border-bottom-left-radius: 6px; }'
        ' QPushButton[segment="last"] { border-top-right-radius: 6px; border-bottom-right-radius: 6px;'
        " border-left: none; }"
    )


def _booked_earlier(found: AppointmentView, local_start: datetime) -> str:
    """What a lost attempt booked, when the form has changed since."""
    return (
        f"The earlier attempt had gone through before the connection was lost: {found.patient_name} is booked"
        f" on {day_words(local_start.date(), PADDED_DAY)} at {clock(local_start)}. Nothing else was booked."
    )


def _reload_button(reload: Callable[[], None]) -> QPushButton:
    """Shown when the free times could not be read."""
    button = QPushButton("Reload")
    button.setAccessibleName("Reload free times")
    button.setToolTip("Ask the database for this day's free times again")
    button.setAutoDefault(False)
    button.clicked.connect(reload)
    button.hide()
    return button


def _lay_out_header(card: QFrame, heading: tuple[QLabel, QLabel, QLabel], time_row: tuple[QWidget, ...]) -> None:
    """Provider and specialty on the left; the day on the right, above the time caption, the time and reload."""
    provider, specialty, day = heading
    grid = QGridLayout(card)
    grid.setContentsMargins(16, 12, 16, 12)
    grid.setHorizontalSpacing(10)
    grid.setVerticalSpacing(2)
    grid.addWidget(provider, 0, 0)
    grid.addWidget(specialty, 1, 0)
    grid.addWidget(day, 0, 1, 1, 3, Qt.AlignmentFlag.AlignRight)
    caption, *controls = time_row
    grid.addWidget(caption, 1, 1, Qt.AlignmentFlag.AlignRight)
    for column, control in enumerate(controls, start=2):
        grid.addWidget(control, 1, column)
    grid.setColumnStretch(0, 1)


class BookingDialog(EditingDialog):
    booked = Signal(int)  # the new appointment's id; the dialog then closes
    slot_taken = Signal()  # another desk took the chosen time: the picker behind the dialog is stale
    # Book as a series: provider, patient, first start, type id, notes; the dialog stays open until it is booked
    series_requested = Signal(object, object, object, object, str)

    def __init__(
        self,
        runner: TaskRunner,
        clinic: Clinic,
        provider: Provider,
        start: datetime,
        parent: QWidget | None = None,
        *,
        type_id: int | None = None,
        patient: Patient | None = None,
    ):
        super().__init__(runner, parent)
        self._clinic, self._provider, self._wanted_type = clinic, provider, type_id
        self._day = clinic.local(start).date()
        self._wanted_start: datetime | None = start  # selected once the free times have loaded
        # One id for every attempt at this booking: a retry after an unknown outcome cannot book twice.
        self._request_id = uuid.uuid4()
        self._disclosure = Disclosure(self.refresh)
        self._outcome_unknown = False  # the last attempt lost its connection: it may have booked
        self._attempted: tuple = ()  # what the last attempt was to book (see _attempt)
        self._slots_loaded = False
        self._gone_message = SLOT_GONE_MESSAGE  # what to say if the chosen time is missing from the next load
        self._taken_elsewhere = False  # a change since the last check booked at another desk
        self._live_check = Throttle(self, self._check_after_changes)
        self.field_errors = FieldErrors()

        self.setWindowTitle("Book appointment")
        self.setObjectName("booking_dialog")
        self.setMinimumWidth(560)
        self.form = QWidget()  # everything the receptionist fills in, disabled while booking
        form_layout = QVBoxLayout(self.form)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.setSpacing(14)
        form_layout.addWidget(self._build_header())
        form_layout.addLayout(self._build_patient_section(), 1)
        form_layout.addLayout(self._build_details())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(14)
        layout.addWidget(self.banner)
        layout.addWidget(self.form, 1)
        layout.addLayout(self._build_buttons())
        self.search.query_edit.setFocus()  # the time is picked already: the receptionist types the patient's name

        self.set_theme(in_use())
        if patient is not None:  # booking for a patient chosen beforehand
            self._show_patient(patient)
        self._load_slots()
        self._load_types()
        self.refresh()

    # --- building -------------------------------------------------------------------------------------------

    def _build_header(self) -> QFrame:
        card = QFrame()
        card.setProperty("role", "card")
        provider, specialty, day = _heading(self._provider, self._day)

        self.slot_model = SlotListModel(self._clinic.zone, self)
        self.time_combo = QComboBox()
        self.time_combo.setModel(self.slot_model)
        self.time_combo.setAccessibleName("Time")
        self.time_combo.setToolTip(f"The free times of {self._provider.name} on this day")
        self.time_combo.setMinimumWidth(140)
        self.time_combo.activated.connect(lambda _row: self._disclosure.edited("start"))
        time_caption = _caption("Time")
        time_caption.setBuddy(self.time_combo)
        self.reload_times_button = _reload_button(self._reload_times)
        time_error = InlineError("Time")
        time_error.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.field_errors.add("start", self.time_combo, time_error)

        _lay_out_header(card, (provider, specialty, day), (time_caption, self.time_combo, self.reload_times_button))
        card.layout().addWidget(time_error, 2, 0, 1, 4)
        return card

    def _build_patient_section(self) -> QVBoxLayout:
        self.existing_button = _segment("Existing patient", "Book for a patient who is already registered", "first")
        self.new_button = _segment("New patient", "Register a new patient and book for them", "last")
        self.mode_group = QButtonGroup(self)
        for mode, button in ((PatientMode.EXISTING, self.existing_button), (PatientMode.NEW, self.new_button)):
            self.mode_group.addButton(button, mode)
        self.mode_group.idClicked.connect(lambda mode: self._set_mode(PatientMode(mode)))

        self.search = PatientSearch(self.runner, self._clinic)
        self.search.results.setMinimumHeight(132)
        self.search.patient_chosen.connect(lambda _patient: self._disclosure.edited("patient_id"))
        self.search.patient_activated.connect(lambda _patient: self.type_combo.setFocus())
        patient_error = InlineError("Patient")
        self.field_errors.add("patient_id", self.search.query_edit, patient_error)
        existing_page = QWidget()
        existing_layout = QVBoxLayout(existing_page)
        existing_layout.setContentsMargins(0, 0, 0, 0)
        existing_layout.setSpacing(4)
        existing_layout.addWidget(self.search, 1)
        existing_layout.addWidget(patient_error)

        self.patient_stack = QStackedWidget()
        self.patient_stack.addWidget(existing_page)
        self.patient_stack.addWidget(self._build_new_patient_form())
        self.duplicates = DuplicateChoice()
        self.duplicates.use_existing.connect(self._use_existing_patient)
        self.duplicates.create_anyway.connect(self._create_anyway)

        heading = QHBoxLayout()
        heading.setSpacing(0)
        heading.addWidget(_caption("Patient"))
        heading.addStretch(1)
        heading.addWidget(self.existing_button)
        heading.addWidget(self.new_button)
        section = QVBoxLayout()
        section.setSpacing(8)
        section.addLayout(heading)
        section.addWidget(self.patient_stack, 1)
        section.addWidget(self.duplicates)
        self.existing_button.setChecked(True)
        return section

    def _build_new_patient_form(self) -> QWidget:
        self.patient_form = PatientForm(self.field_errors)
        self.patient_form.edited.connect(self._new_patient_edited)
        self.patient_form.left.connect(self._patient_field_left)  # the dialog's own: dropped when it goes
        return self.patient_form

    def _patient_field_left(self, field: str) -> None:
        self._disclosure.touch(field)

    def _labelled(self, field: str, widget: QWidget) -> QWidget:
        return labelled(CAPTIONS[field], widget, field, self.field_errors)

    def _build_details(self) -> QGridLayout:
        self.type_combo = TypeCombo("Appointment type: its length, and the colour that marks it in the calendar")
        self.type_combo.activated.connect(self._on_type_chosen)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setPlaceholderText("Reason for the visit, anything the provider should know")
        self.notes_edit.setToolTip("Up to 2000 characters")
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(64)
        self.notes_edit.textChanged.connect(lambda: self._disclosure.edited("notes"))
        details = QGridLayout()
        details.setHorizontalSpacing(12)
        details.addWidget(self._labelled("type_id", self.type_combo), 0, 0, Qt.AlignmentFlag.AlignTop)
        details.addWidget(self._labelled("notes", self.notes_edit), 0, 1)
        details.setColumnStretch(1, 1)
        return details

    def _build_buttons(self) -> QHBoxLayout:
        row = FormButtons(
            self, "Book", self.book, tooltip="Book the appointment (enabled once every field is filled in correctly)"
        )
        self.hint_label, self.cancel_button, self.book_button = row.hint, row.cancel, row.action
        self.series_button = row.add_before_action("Book as a &series…", self._request_series, SERIES_TIP)
        # Not the default button: Enter on a search result must choose the patient, not book with the type and
        # notes still untouched. Enter books once Book has the focus.
        self.book_button.setAutoDefault(True)
        return row

    def set_theme(self, theme: Theme) -> None:
        self.setStyleSheet(_segment_style(theme))
        super().set_theme(theme)
        self.search.set_theme(theme)
        self.duplicates.set_theme(theme)

    # --- loading --------------------------------------------------------------------------------------------

    def _load_slots(self) -> None:
        self._slots_loaded = False
        self.slot_model.set_slots([])
        self.time_combo.setCurrentIndex(-1)
        self.time_combo.setPlaceholderText("Loading…")
        self.time_combo.setEnabled(False)
        self.reload_times_button.hide()
        self._fetch_slots()

    def _on_type_chosen(self, _row: int) -> None:  # another type has another length: the times where it fits
        self._disclosure.edited("type_id")
        self._recheck_times(TYPE_DOES_NOT_FIT.format(type=self.type_combo.currentText()))

    def _fetch_slots(self) -> None:
        clinic, provider_id, day = self._clinic, self._provider.id, self._day
        type_id = self.type_combo.currentData() or self._wanted_type  # the wanted one until the types have loaded
        self.runner.submit(
            lambda: schedule.free_slots(clinic, provider_id, day, type_id),
            self._on_slots,
            self._on_slots_failed,
            context=self,
            key=f"booking-slots-{id(self)}",
        )

    def _recheck_times(self, gone_message: str) -> None:
        """Read the free times again behind the form; if the chosen one went meanwhile, say so at Time."""
        self._gone_message = gone_message
        self._fetch_slots()

    def _on_slots(self, slots: list[datetime]) -> None:
        wanted = self._wanted_start or self.time_combo.currentData(SlotRole)
        self.slot_model.set_slots(slots)
        row = self.slot_model.row_of(wanted) if wanted else None
        self.time_combo.setCurrentIndex(-1 if row is None else row)
        self.time_combo.setPlaceholderText("Choose a time" if slots else "No free times this day")
        self.time_combo.setEnabled(bool(slots))
        if wanted is not None and row is None:
            self._disclosure.refusals["start"] = self._gone_message
        self._wanted_start = None
        self._gone_message = SLOT_GONE_MESSAGE
        self._slots_loaded = True
        self.refresh()

    def _reload_times(self) -> None:
        self.banner.clear()  # it said why they did not load
        self._load_slots()

    def _on_slots_failed(self, error: BaseException) -> None:
        self.time_combo.setPlaceholderText("Not loaded")
        self.reload_times_button.show()
        self._on_load_failed(error)

    def _load_types(self) -> None:
        self.runner.submit(
            lambda: schedule.appointment_types(self._clinic), self._on_types, self._on_load_failed, context=self
        )

    def _on_types(self, types: list[AppointmentType]) -> None:
        self.type_combo.fill(types, self._wanted_type)
        self.refresh()

    def _on_load_failed(self, error: BaseException) -> None:
        self.banner.show_message(user_message(error))
        self.refresh()

    # --- editing and validation -----------------------------------------------------------------------------

    @property
    def patient_mode(self) -> PatientMode:
        return PatientMode(self.patient_stack.currentIndex())

    def _set_mode(self, mode: PatientMode) -> None:
        self.mode_group.button(mode).setChecked(True)
        self.patient_stack.setCurrentIndex(mode)
        self.refresh()

    def _new_patient_edited(self, field: str) -> None:
        self.duplicates.hide()  # the match was for what the fields said before
        self._disclosure.edited(field)

    def _booking_details(self) -> dict[str, Any]:
        """The booking as the form has it, but for its patient."""
        return {
            "provider_id": self._provider.id,
            "start": self.time_combo.currentData(SlotRole),
            "type_id": self.type_combo.currentData(),
            "notes": self.notes_edit.toPlainText(),
            "request_id": self._request_id,
        }

    def validation_errors(self) -> dict[str, str]:
        """Every field's problem, by the models the service validates with."""
        chosen = self.search.chosen
        errors = model_errors(BookingRequest, {**self._booking_details(), "patient_id": chosen and chosen.id}, PROMPTS)
        if self.patient_mode is PatientMode.NEW:
            errors.pop("patient_id", None)  # the patient gets an id once registered
            errors.update(self.patient_form.validation_errors())
        return errors

    def refresh(self) -> None:
        errors = self.validation_errors()
        self.field_errors.show(self._disclosure.shown(errors))
        can_save = self.write_block is None and self._slots_loaded and not self.busy
        self.book_button.setEnabled(can_save and not errors)
        self.series_button.setEnabled(can_save and not errors and self.patient_mode is PatientMode.EXISTING)
        self.book_button.setText("Booking…" if self.busy else "Book")
        self.hint_label.setText("" if self.busy else self._disclosure.hint(errors, CAPTIONS))

    # --- other desks and the connection ---------------------------------------------------------------------

    def on_write_block_lifted(self) -> None:
        """The times are read again (and a booking whose answer was lost is settled first)."""
        if self._outcome_unknown:
            self._settle_outcome(lambda: self._recheck_times(SLOT_GONE_MESSAGE))
        elif self._slots_loaded:
            self._recheck_times(SLOT_GONE_MESSAGE)
        else:
            self._load_slots()
        if self.type_combo.count() == 0:
            self._load_types()

    def on_schedule_change(self, change: Change) -> None:
        """Another desk changed this provider's day: check (once for many changes) the chosen time is still free."""
        if change.touches(self._provider.id, self._day, self._day, self._clinic.zone):
            self._taken_elsewhere |= change.table == "appointments"
            self._live_check.request()

    def _check_after_changes(self) -> None:
        taken, self._taken_elsewhere = self._taken_elsewhere, False
        if self.busy:
            return
        if not self._slots_loaded:
            self._fetch_slots()  # a read under way may predate the change: a newer one replaces it
        elif self._outcome_unknown:  # the change may be this dialog's own lost booking
            self._settle_outcome(lambda: self._recheck_times(SLOT_GONE_MESSAGE))
        else:
            self._recheck_times(SLOT_TAKEN_MESSAGE if taken else SLOT_GONE_MESSAGE)

    # --- booking --------------------------------------------------------------------------------------------

    def book(self, *, allow_duplicate: bool = False) -> None:
        """Book, registering the new patient in the same transaction if there is one (`allow_duplicate`: the
        receptionist said a look-alike is someone else); the outcome arrives by callback."""
        if not self.can_write:
            return
        if self.validation_errors():
            self._disclosure.show_all = True
            self.refresh()
            return
        if self._outcome_unknown:
            self._settle_outcome(lambda: self.book(allow_duplicate=allow_duplicate))
            return
        self.duplicates.hide()
        self._attempted = self._attempt()
        if self.patient_mode is PatientMode.NEW:
            self._book_new_patient(allow_duplicate=allow_duplicate)
        else:
            self._submit_booking(self.search.chosen.id)

    def _attempt(self) -> tuple:
        """What a booking now would be: for which patient (the one chosen, or the new one as typed), and when."""
        chosen = self.search.chosen
        patient = self.patient_form.values() if self.patient_mode is PatientMode.NEW else chosen and chosen.id
        return self.patient_mode, patient, self.time_combo.currentData(SlotRole)

    def hold_still(self, busy: bool) -> None:
        self.form.setEnabled(not busy)

    def _book_new_patient(self, *, allow_duplicate: bool) -> None:
        """Register the new patient and book them, in one transaction: both or neither."""
        patient = validate(PatientIn, **self.patient_form.values())
        details = validate(BookingDetails, **self._booking_details())
        self.save_with(
            lambda: booking.book_new_patient(self._clinic, patient, details, allow_duplicate=allow_duplicate),
            lambda done: self._on_new_patient_booked(done, patient),
            self._on_booking_failed,
        )

    def _on_new_patient_booked(self, done: NewPatientBooked, patient: PatientIn) -> None:
        self._show_patient(Patient(id=done.patient_id, **patient.model_dump()))
        self._on_booked(done.appointment_id)

    def _show_patient(self, patient: Patient) -> None:
        self.search.show_patient(patient)
        self._set_mode(PatientMode.EXISTING)

    def _submit_booking(self, patient_id: int) -> None:
        request = validate(BookingRequest, **self._booking_details(), patient_id=patient_id)
        self.save_with(lambda: booking.book(self._clinic, request), self._on_booked, self._on_booking_failed)

    def _on_booking_failed(self, error: BaseException) -> None:
        # Lost with the connection, the commit may have happened: the next step asks the database first.
        self._outcome_unknown = isinstance(error, DatabaseUnavailable)
        self._on_failed(error)

    def _settle_outcome(self, then: Callable[[], None]) -> None:
        """Find out whether the attempt whose outcome was lost booked, before anything else is tried."""
        self.set_busy(True)
        self.runner.submit(
            lambda: schedule.booked_by_request(self._clinic, self._request_id),
            lambda found: self._on_outcome(found, then),
            self._on_failed,  # still out of reach: the outcome stays unknown
            context=self,
        )

    def _on_outcome(self, found: AppointmentView | None, then: Callable[[], None]) -> None:
        self.set_busy(False)
        self._outcome_unknown = False
        if found is None:
            then()
            return
        if found.status == AppointmentStatus.CANCELLED:  # booked, then cancelled at another desk meanwhile
            self._request_id = uuid.uuid4()  # booking again is a new booking
            self.banner.show_message(BOOKED_THEN_CANCELLED.format(name=found.patient_name))
            return
        if self._attempt() == self._attempted:  # the form asks for what the lost attempt booked
            self._on_booked(found.id)
            return
        self.booked.emit(found.id)
        # The form was changed after the lost attempt: say what was booked rather than close silently.
        self.form.setEnabled(False)
        self.book_button.hide()
        self.cancel_button.setText("Close")
        self.banner.show_message(_booked_earlier(found, self._clinic.local(found.starts_at)))

    def _request_series(self) -> None:
        details = self._booking_details()
        self.series_requested.emit(
            self._provider, self.search.chosen, details["start"], details["type_id"], details["notes"]
        )

    def _on_booked(self, appointment_id: int) -> None:
        self.booked.emit(appointment_id)
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, LikelyDuplicatePatient):
            self._find_duplicates(error.patient_ids)
            return
        self.set_busy(False)
        if isinstance(error, SlotTaken):
            self._on_slot_taken()
        elif isinstance(error, InvalidInput):
            self._show_invalid_input(error)
        else:
            self.banner.show_message(user_message(error))
        self.refresh()

    def _on_slot_taken(self) -> None:
        self._disclosure.refusals["start"] = SLOT_TAKEN_MESSAGE
        self._request_id = uuid.uuid4()  # the refused attempt booked nothing; the next one is a new booking
        self._load_slots()
        self.slot_taken.emit()

    def _show_invalid_input(self, error: InvalidInput) -> None:
        elsewhere = self._disclosure.refuse(error, self.field_errors)
        if elsewhere:
            self.banner.show_message("; ".join(elsewhere))

    def _find_duplicates(self, patient_ids: list[int]) -> None:
        def load() -> list[Patient]:
            found = (patients.get_patient(self._clinic, patient_id) for patient_id in patient_ids)
            return [patient for patient in found if patient is not None]

        self.set_busy(True)  # the form holds still until the receptionist has chosen
        self.runner.submit(load, self._on_duplicates, self._on_failed, context=self)

    def _on_duplicates(self, matches: list[Patient]) -> None:
        self.set_busy(False)
        self.duplicates.offer(matches)

    def _use_existing_patient(self, patient: Patient) -> None:
        self.duplicates.hide()
        self._show_patient(patient)
        self.book()

    def _create_anyway(self) -> None:
        self.book(allow_duplicate=True)
