"""Providers for admins: who they are, whether they can be booked, their weekly hours and their time off.

Each section saves on its own, through the service on the runner. A change the service refuses (a name in use,
appointments that would be left outside the new hours) is shown at the section it is about, with the
appointments listed, and what was typed stays.
"""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import InvalidInput
from app.domain.schedule_setup import ProviderIn
from app.live.changes import Change
from app.services import appointment_types, providers, schedule
from app.services.appointment_types import TypeLength
from app.services.context import Clinic
from app.services.providers import ProviderSetup
from app.services.schedule import Provider
from app.ui.admin.provider_lengths_editor import ProviderLengthsEditor
from app.ui.admin.refusals import AffectedList, by_field
from app.ui.admin.time_off_editor import TimeOffEditor
from app.ui.admin.weekly_hours_editor import WeeklyHoursEditor
from app.ui.admin.widgets import button, lay_out_list_and_editor, list_column, select_row_quietly
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.field_errors import FieldErrors, InlineError, model_errors, stacked
from app.ui.theme import in_use
from app.ui.throttle import Throttle
from app.ui.workers import TaskRunner, user_message

DETAIL_FIELDS = ("name", "specialty", "active")
TIME_OFF_FIELDS = ("starts_at", "ends_at", "reason")
SCHEDULE_TABLES = ("providers", "working_hours", "time_off")


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    return label


def _card(title: str, body: QWidget, *buttons: QPushButton) -> QFrame:
    card = QFrame()
    card.setProperty("role", "card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(16, 12, 16, 12)
    layout.setSpacing(8)
    layout.addWidget(_heading(title))
    layout.addWidget(body)
    if buttons:
        row = QHBoxLayout()
        row.addStretch(1)
        for button in buttons:
            row.addWidget(button)
        layout.addLayout(row)
    return card


def _text_width(widget: QWidget, text: str) -> int:
    return widget.fontMetrics().horizontalAdvance(text)


class ProvidersDialog(EditingDialog):
    REFUSALS_JOINED_BY = "\n"  # one refusal a line
    changed = Signal()  # after any save that went through

    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(runner, parent)
        self._clinic = clinic
        self._setup: ProviderSetup | None = None  # the selected provider as last read
        self._adding = False  # the form is for a provider not saved yet
        self._refusals: dict[str, str] = {}  # the service's word on a detail field, until it is edited
        self._touched: set[str] = set()
        self._time_off_changed = False  # a change since the last re-read touched the shown provider's time off
        self._live_reload = Throttle(self, self._reload_after_changes)
        self.field_errors = FieldErrors()

        self.setWindowTitle("Providers")
        self.setObjectName("providers_dialog")
        self.close_button = lay_out_list_and_editor(self, self.banner, self._build_list(), self._build_editor())

        self.resize(1180, 840)
        self.set_theme(in_use())
        self._show_setup(None)
        self._load_providers()

    # --- building -----------------------------------------------------------------------------------------------

    def _build_list(self) -> QVBoxLayout:
        self.provider_list = QListWidget()
        self.provider_list.setAccessibleName("Providers")
        self.provider_list.setMinimumWidth(200)
        self.provider_list.setMaximumWidth(280)
        self.provider_list.currentItemChanged.connect(self._on_provider_chosen)
        self.add_provider_button = button("Add provider")
        self.add_provider_button.setToolTip("Start a new provider: fill in the name and hours, then save")
        self.add_provider_button.clicked.connect(self.start_new_provider)
        return list_column(self.provider_list, self.add_provider_button)

    def _build_details(self) -> QWidget:
        """Name, specialty and whether the provider can be booked, each with its message below."""
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.specialty_edit = QLineEdit()
        self.specialty_edit.setAccessibleName("Specialty")
        self.specialty_edit.setPlaceholderText("e.g. General practice")
        self.active_check = QCheckBox("Active: can be booked")
        self.active_check.setAccessibleName("Active")
        details = QWidget()
        grid = QGridLayout(details)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for row, (field, caption, widget) in enumerate(
            (("name", "Name", self.name_edit), ("specialty", "Specialty", self.specialty_edit))
        ):
            error = InlineError(caption)
            self.field_errors.add(field, widget, error)
            label = QLabel(caption)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(stacked(widget, error, spacing=2), row, 1)
            widget.textEdited.connect(lambda _text, f=field: self._edited(f))
        active_error = InlineError("Active")
        self.field_errors.add("active", self.active_check, active_error)
        self.active_affected = AffectedList()
        grid.addWidget(stacked(self.active_check, active_error, self.active_affected, spacing=2), 2, 1)
        self.active_check.toggled.connect(lambda _on: self._edited("active"))
        grid.setColumnStretch(1, 1)
        return details

    def _build_editor(self) -> QScrollArea:
        self.title_label = QLabel()
        self.title_label.setAccessibleName("Provider")
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setWeight(QFont.Weight.DemiBold)
        self.title_label.setFont(font)
        details = self._build_details()
        self.save_details_button = button("Save details", primary=True)
        self.save_details_button.setMinimumWidth(_text_width(self.save_details_button, "Add provider") + 40)
        self.save_details_button.clicked.connect(self.save_details)

        self.hours_editor = WeeklyHoursEditor()
        self.hours_editor.edited.connect(self.refresh)
        self.hours_affected = AffectedList()
        self.hours_editor.edited.connect(self.hours_affected.hide)
        self.save_hours_button = button("Save hours", primary=True)
        self.save_hours_button.clicked.connect(self.save_hours)

        self.time_off_editor = TimeOffEditor(self._clinic.zone)
        self.time_off_editor.add_requested.connect(self.add_time_off)
        self.time_off_editor.remove_requested.connect(self.remove_time_off)
        self.time_off_hint = QLabel("Save the new provider first, then add their time off.")
        self.time_off_hint.setProperty("role", "muted")
        self.time_off_affected = AffectedList()
        self.time_off_editor.edited.connect(self.time_off_affected.hide)
        time_off_body = stacked(self.time_off_hint, self.time_off_editor, self.time_off_affected, spacing=6)
        self.lengths_editor = ProviderLengthsEditor()
        self.lengths_editor.edited.connect(self.refresh)
        self.save_lengths_button = button("Save lengths", primary=True)
        self.save_lengths_button.clicked.connect(self.save_lengths)

        self.editor = QWidget()
        column = QVBoxLayout(self.editor)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(12)
        column.addWidget(self.title_label)
        column.addWidget(_card("Details", details, self.save_details_button))
        hours_body = stacked(self.hours_editor, self.hours_affected, spacing=4)
        column.addWidget(_card("Weekly working hours", hours_body, self.save_hours_button))
        self.time_off_card = _card("Upcoming time off", time_off_body)
        column.addWidget(self.time_off_card)
        self.lengths_card = _card("Lengths of their own", self.lengths_editor, self.save_lengths_button)
        column.addWidget(self.lengths_card)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.editor)
        return scroll

    # --- loading ------------------------------------------------------------------------------------------------

    def _load_providers(self, select: int | None = None) -> None:
        wanted = select if select is not None else self.selected_id

        def read():
            return schedule.providers(self._clinic, include_inactive=True)

        self.runner.submit(read, lambda found: self._on_providers(found, wanted), self._on_load_failed, context=self)

    def _on_providers(self, found: list[Provider], select: int | None) -> None:
        self.provider_list.blockSignals(True)
        self.provider_list.clear()
        for provider in found:
            item = QListWidgetItem(provider.name if provider.active else f"{provider.name} (inactive)")
            item.setData(Qt.ItemDataRole.UserRole, provider.id)
            item.setToolTip(provider.specialty or provider.name)
            if not provider.active:
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
                item.setForeground(self.palette().placeholderText())
            self.provider_list.addItem(item)
        ids = [provider.id for provider in found]
        self.provider_list.blockSignals(False)
        if self._adding or not ids:
            return
        chosen = select if select in ids else ids[0]
        select_row_quietly(self.provider_list, ids.index(chosen))
        if self._setup is None or self._setup.provider.id != chosen:
            self._load_setup(chosen)

    @property
    def selected_id(self) -> int | None:
        item = self.provider_list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _on_provider_chosen(self, item: QListWidgetItem | None, _previous) -> None:
        if item is not None:
            self._adding = False
            self._load_setup(item.data(Qt.ItemDataRole.UserRole))

    def _load_setup(self, provider_id: int, then: Callable[[ProviderSetup], None] | None = None) -> None:
        self.runner.submit(
            lambda: providers.provider_setup(self._clinic, provider_id),
            then or self._show_setup,
            self._on_load_failed,
            context=self,
            key=f"provider-setup-{id(self)}-{'all' if then is None else 'part'}",
        )

    def _show_setup(self, setup: ProviderSetup | None) -> None:
        """Fill the form with a provider as read (None: empty, for a new one)."""
        self._setup = setup
        self._show_affected(None)
        self._refusals.clear()
        provider = setup.provider if setup else None
        self.title_label.setText(provider.name if provider else "New provider")
        self._touched.clear()
        self.name_edit.setText(provider.name if provider else "")
        self.specialty_edit.setText(provider.specialty if provider else "")
        self.active_check.blockSignals(True)
        self.active_check.setChecked(provider.active if provider else True)
        self.active_check.blockSignals(False)
        self.hours_editor.set_hours(setup.weekly_hours if setup else {})
        self.time_off_editor.set_time_off(setup.time_off if setup else [])
        self.time_off_editor.reset_new(self._clinic.now())
        self.lengths_editor.set_lengths([])
        if provider is not None:
            self._load_lengths(provider.id)
        self.editor.setEnabled(setup is not None or self._adding)
        self.refresh()

    def _on_load_failed(self, error: BaseException) -> None:
        self.banner.show_message(user_message(error))

    def start_new_provider(self) -> None:
        self._adding = True
        select_row_quietly(self.provider_list, -1)
        self._show_setup(None)
        self.name_edit.setFocus()

    # --- editing ------------------------------------------------------------------------------------------------

    def _show_affected(self, error: BaseException | None) -> None:
        self.active_affected.show_refusal(error, "active")
        self.hours_affected.show_refusal(error, "weekly_hours")
        self.time_off_affected.show_refusal(error, "starts_at")

    def _edited(self, field: str) -> None:
        if field == "active":
            self.active_affected.hide()
        self._touched.add(field)
        self._refusals.pop(field, None)
        self.refresh()

    def _detail_values(self) -> dict[str, Any]:
        return {"name": self.name_edit.text(), "specialty": self.specialty_edit.text()}

    def refresh(self) -> None:
        errors = model_errors(ProviderIn, self._detail_values())
        # A new provider's empty form has nothing to point out until a field is edited.
        shown = {f: m for f, m in errors.items() if not self._adding or f in self._touched}
        self.field_errors.show({**shown, **self._refusals})
        can_save = self.can_write and (self._setup is not None or self._adding)
        self.save_details_button.setEnabled(can_save and not errors)
        self.save_details_button.setText("Add provider" if self._adding else "Save details")
        self.save_hours_button.setVisible(not self._adding)
        self.save_hours_button.setEnabled(can_save and not self.hours_editor.problems())
        self.active_check.setEnabled(not self._adding)
        self.time_off_editor.setVisible(not self._adding)
        self.time_off_hint.setVisible(self._adding)
        self.time_off_editor.set_can_save(can_save)
        self.lengths_card.setVisible(not self._adding)
        self.save_lengths_button.setEnabled(can_save and bool(self.lengths_editor.changes()))
        self.add_provider_button.setEnabled(not self.busy)

    # --- saving -------------------------------------------------------------------------------------------------

    def _save(self, work: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self.save_with(work, lambda result: self._on_saved(result, on_done))

    def hold_still(self, busy: bool) -> None:
        self.editor.setEnabled(not busy)
        self.provider_list.setEnabled(not busy)

    def _on_saved(self, result: Any, on_done: Callable[[Any], None]) -> None:
        self._show_affected(None)
        self.changed.emit()
        on_done(result)

    def show_failure(self, error: BaseException) -> None:
        self._show_affected(error)
        super().show_failure(error)

    def refuse_fields(self, error: InvalidInput) -> list[str]:
        messages = by_field(error)
        self._refusals.update({f: m for f, m in messages.items() if f in DETAIL_FIELDS})
        if "weekly_hours" in messages:
            self.hours_editor.set_message(messages["weekly_hours"])
        self.time_off_editor.set_refusals({f: m for f, m in messages.items() if f in TIME_OFF_FIELDS})
        return [f"{f}: {m}" for f, m in messages.items() if f not in (*DETAIL_FIELDS, *TIME_OFF_FIELDS, "weekly_hours")]

    def save_details(self) -> None:
        values = self._detail_values()
        if self._adding:
            hours = self.hours_editor.hours()
            self._save(
                lambda: providers.add_provider(self._clinic, values["name"], hours, values["specialty"]),
                self._on_added,
            )
            return
        provider = self._setup.provider
        active = self.active_check.isChecked()

        def work() -> None:
            # The switch first: a refused deactivation then leaves the name alone as well.
            if active != provider.active:
                providers.set_provider_active(self._clinic, provider.id, active)
            if (values["name"].strip(), values["specialty"].strip()) != (provider.name, provider.specialty):
                providers.update_provider(self._clinic, provider.id, **values)

        self._save(work, lambda _none: self._reload(provider.id))

    def _on_added(self, provider_id: int) -> None:
        self._adding = False
        self._setup = None
        self._load_providers(select=provider_id)

    def _reload(self, provider_id: int) -> None:
        self._load_providers(select=provider_id)
        self._load_setup(provider_id)

    def save_hours(self) -> None:
        provider_id, hours = self._setup.provider.id, self.hours_editor.hours()
        self._save(
            lambda: providers.set_weekly_hours(self._clinic, provider_id, hours), lambda _n: self._reload(provider_id)
        )

    def _load_lengths(self, provider_id: int) -> None:
        self.runner.submit(
            lambda: appointment_types.type_lengths_for(self._clinic, provider_id),
            self._show_lengths,
            self._on_load_failed,
            context=self,
            key=f"provider-lengths-{id(self)}",
        )

    def _show_lengths(self, lengths: list[TypeLength]) -> None:
        self.lengths_editor.set_lengths(lengths)
        self.refresh()

    def save_lengths(self) -> None:
        provider_id, changes = self._setup.provider.id, self.lengths_editor.changes()
        self._save(
            lambda: appointment_types.set_provider_lengths(self._clinic, provider_id, changes),
            lambda _none: self._load_lengths(provider_id),
        )

    def add_time_off(self, starts_at, ends_at, reason: str) -> None:
        provider_id = self._setup.provider.id
        self._save(
            lambda: providers.add_time_off(self._clinic, provider_id, starts_at, ends_at, reason),
            lambda _id: self._load_setup(provider_id, self._show_time_off),
        )

    def remove_time_off(self, time_off_id: int) -> None:
        provider_id = self._setup.provider.id
        self._save(
            lambda: providers.remove_time_off(self._clinic, time_off_id),
            lambda _none: self._load_setup(provider_id, self._show_time_off),
        )

    def _show_time_off(self, setup: ProviderSetup) -> None:
        """Only the time off list is re-read: unsaved edits of the other sections stay."""
        if self._setup is None or self._setup.provider.id != setup.provider.id:
            return  # another provider was chosen meanwhile
        self._setup = setup
        self.time_off_editor.set_time_off(setup.time_off)
        self.time_off_editor.reset_new(self._clinic.now())
        self.refresh()

    # --- the connection and other desks -------------------------------------------------------------------------

    def on_schedule_change(self, change: Change) -> None:
        """Another desk changed a provider: the list follows, and so does the shown provider's time off."""
        if change.table not in SCHEDULE_TABLES:
            return
        shown = self._setup.provider.id if self._setup is not None else None
        self._time_off_changed |= change.table == "time_off" and change.provider_id == shown
        self._live_reload.request()

    def _reload_after_changes(self) -> None:
        time_off_changed, self._time_off_changed = self._time_off_changed, False
        if self.busy:
            return
        self._load_providers()
        if time_off_changed and self._setup is not None:
            self._load_setup(self._setup.provider.id, self._show_time_off)
