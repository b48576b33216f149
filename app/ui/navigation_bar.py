"""The window's toolbar: today, previous and next, the date box, the shown period, the view buttons and the
provider box. It says what the user chose; the window decides what to show."""

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QDateEdit, QToolBar, QWidget

from app.services.schedule import Provider
from app.ui.actions import make_action
from app.ui.dates import day_format
from app.ui.elided_label import ElidedLabel
from app.ui.navigation import ViewMode, title

ALL_PROVIDERS = "All providers"


class NavigationBar(QToolBar):
    today_requested = Signal()
    step_requested = Signal(int)  # -1: the previous period, 1: the next
    mode_chosen = Signal(object)  # ViewMode
    date_chosen = Signal(object)  # date
    provider_chosen = Signal(object)  # a provider's id, or None for all

    def __init__(self, parent: QWidget):
        super().__init__("Navigation", parent)
        self.setObjectName("navigation_toolbar")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.today_action = make_action(parent, "Today", "T", "Go to today", self.today_requested.emit)
        self.previous_action = make_action(
            parent, "◀", QKeySequence.StandardKey.MoveToPreviousPage, "Previous", lambda: self.step_requested.emit(-1)
        )
        self.next_action = make_action(
            parent, "▶", QKeySequence.StandardKey.MoveToNextPage, "Next", lambda: self.step_requested.emit(1)
        )
        self.mode_actions: dict[ViewMode, QAction] = {}
        group = QActionGroup(self)
        for number, mode in enumerate(ViewMode, start=1):
            action = make_action(parent, mode.value.title(), f"Ctrl+{number}", f"Show the {mode.value} view", None)
            action.triggered.connect(lambda _checked=False, m=mode: self.mode_chosen.emit(m))
            action.setCheckable(True)
            group.addAction(action)
            self.mode_actions[mode] = action
        self._build_fields()
        self._lay_out()

    def _build_fields(self) -> None:
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setKeyboardTracking(False)  # jump when the date is complete, not on every digit
        self.date_edit.setDisplayFormat(day_format())
        self.date_edit.setAccessibleName("Go to date")
        self.date_edit.setToolTip("Jump to a date")
        self.date_edit.dateChanged.connect(lambda qdate: self.date_chosen.emit(qdate.toPython()))
        self.title_label = ElidedLabel()  # it shrinks first, so no button goes into an overflow menu
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.title_label.setObjectName("view_title")
        self.title_label.setAccessibleName("Shown period")
        self.title_label.setStyleSheet("font-size: 15pt; font-weight: 600; padding: 0 12px;")
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Provider")
        self.provider_combo.setToolTip("Show one provider's schedule, or all providers")
        self.provider_combo.setMinimumContentsLength(16)
        self.provider_combo.currentIndexChanged.connect(
            lambda index: self.provider_chosen.emit(self.provider_combo.itemData(index))
        )

    def _lay_out(self) -> None:
        self.addAction(self.today_action)
        self.addAction(self.previous_action)
        self.addAction(self.next_action)
        self.addWidget(self.date_edit)
        self.addWidget(self.title_label)  # expanding: it takes the room between the date and the view buttons
        for action in self.mode_actions.values():
            self.addAction(action)
        self.addSeparator()
        self.addWidget(self.provider_combo)
        self.addSeparator()

    def add_actions_at_end(self, *actions: QAction) -> None:
        """The window's own actions after the navigation (Find patient, New booking), every button named."""
        for action in actions:
            self.addAction(action)
        for action in self.actions():
            button = self.widgetForAction(action)
            if button is not None and not button.accessibleName():
                button.setAccessibleName(action.toolTip().split(" (")[0])

    def show_period(self, mode: ViewMode, anchor: date) -> None:
        self.mode_actions[mode].setChecked(True)
        self.title_label.setText(title(mode, anchor))
        self.show_day(anchor)

    def show_day(self, day: date) -> None:
        """The date box says which day is chosen (as navigation, a click or the arrows chose it)."""
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)

    def set_providers(self, providers: list[Provider], selected: int | None) -> None:
        """Offer these providers (and all of them), with `selected` chosen; nothing is announced."""
        combo = self.provider_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(ALL_PROVIDERS, None)
        for provider in providers:
            combo.addItem(provider.name, provider.id)
            combo.setItemData(combo.count() - 1, provider.specialty, Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(max(0, combo.findData(selected)))
        combo.blockSignals(False)

    def select_provider(self, provider_id: int | None) -> None:
        """Choose a provider (None: all) as if the user had; the choice is announced."""
        self.provider_combo.setCurrentIndex(max(0, self.provider_combo.findData(provider_id)))
