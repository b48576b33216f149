"""The slot picker beside the calendar: a provider's free times on one day, and the button that books one.

Free times are chips in two wrapping grids, morning and afternoon, that share one selection; the arrow keys
walk from one grid into the other. A summary of the choice and the Book button stay pinned at the bottom.
"""

from datetime import date, datetime, time

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.live.changes import Change
from app.services import schedule
from app.services.context import Clinic
from app.services.schedule import AppointmentView, Provider
from app.ui.dates import clock, day_words
from app.ui.models.slot_model import SlotListModel, SlotRole
from app.ui.navigation import ViewMode, title
from app.ui.theme import Theme, in_use, set_style_property
from app.ui.workers import TaskRunner, user_message

NOON = time(12)
CHIP_CELL = QSize(62, 38)  # one chip plus the gap around it
CHIP_INSET = 3  # gap between a chip and its cell's left and right edge
PANEL_MARGIN = 14
LAST = -1  # a column meaning "the last item", for entering a grid from below with the Left key


class SlotChipDelegate(QStyledItemDelegate):
    """Paints a time as a rounded chip: outlined when free, filled with the accent colour when chosen."""

    def __init__(self, current: Theme, parent=None):
        super().__init__(parent)
        self._theme = current

    def set_theme(self, current: Theme) -> None:
        self._theme = current

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return CHIP_CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        color = self._theme.color
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)
        chip = QRectF(option.rect).adjusted(CHIP_INSET + 0.5, 4.5, -CHIP_INSET - 0.5, -4.5)
        if selected:
            fill, text, border = color("accent"), color("accent_text"), color("accent")
        else:
            fill = color("selection") if hovered else color("surface")
            text = color("text")
            border = color("accent") if hovered or focused else color("border")
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, 2 if focused and not selected else 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(chip, 6, 6)
        font = QFont(option.font)
        font.setWeight(QFont.Weight.DemiBold if selected else QFont.Weight.Medium)
        painter.setFont(font)
        painter.setPen(text)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, index.data())
        painter.restore()


class SlotGrid(QListView):
    """Time chips in rows that wrap; as tall as its rows, so the picker's one scroll area scrolls them all."""

    chosen = Signal()  # Enter or double click on a time
    edge_reached = Signal(int, int)  # direction (+1 down/right, -1 up/left), the column to land in (or LAST)

    def __init__(self, model: SlotListModel, delegate: SlotChipDelegate, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setGridSize(CHIP_CELL)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)  # hover highlight
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.activated.connect(lambda _index: self.chosen.emit())
        model.modelReset.connect(self.updateGeometry)

    def columns(self, width: int | None = None) -> int:
        return max(1, (self.width() if width is None else width) // CHIP_CELL.width())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = -(-self.model().rowCount() // self.columns(width))
        return rows * CHIP_CELL.height()

    def sizeHint(self) -> QSize:
        width = 4 * CHIP_CELL.width()
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(CHIP_CELL.width(), 0)

    def enter(self, direction: int, column: int) -> None:
        """Take the keyboard coming from another grid: from above into the first row, from below into the last."""
        count = self.model().rowCount()
        if count == 0:
            return
        if direction > 0:
            row = min(column, count - 1)
        else:
            last_row_start = (count - 1) // self.columns() * self.columns()
            row = count - 1 if column == LAST else min(last_row_start + column, count - 1)
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.setCurrentIndex(self.model().index(row, 0))

    def keyPressEvent(self, event) -> None:
        key, current = event.key(), self.currentIndex()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if current.isValid():
                self.chosen.emit()
            event.accept()  # a dialog around the picker must not also press its default button
            return
        if current.isValid() and key in _EDGE_MOVES:
            action, direction = _EDGE_MOVES[key]
            if self.moveCursor(action, event.modifiers()) == current:
                self._leave(key, direction, current.row())
                event.accept()
                return
        super().keyPressEvent(event)

    def _leave(self, key: Qt.Key, direction: int, row: int) -> None:
        count, columns = self.model().rowCount(), self.columns()
        if key == Qt.Key.Key_Down and row // columns < (count - 1) // columns:
            # No chip straight below, but a shorter last row: go to its end rather than out of the grid.
            self.setCurrentIndex(self.model().index(count - 1, 0))
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.edge_reached.emit(direction, row % columns)
        else:
            self.edge_reached.emit(direction, 0 if direction > 0 else LAST)


_EDGE_MOVES = {
    Qt.Key.Key_Up: (QAbstractItemView.CursorAction.MoveUp, -1),
    Qt.Key.Key_Down: (QAbstractItemView.CursorAction.MoveDown, 1),
    Qt.Key.Key_Left: (QAbstractItemView.CursorAction.MoveLeft, -1),
    Qt.Key.Key_Right: (QAbstractItemView.CursorAction.MoveRight, 1),
}


class SlotSection(QWidget):
    """A titled grid of times, "Morning · 8 free"; hidden while it has none."""

    def __init__(self, name: str, model: SlotListModel, delegate: SlotChipDelegate, parent=None):
        super().__init__(parent)
        self.name = name
        self.header = QLabel(name)
        self.header.setProperty("role", "muted")
        self.header.setFont(_scaled_font(self.font(), 0.9, QFont.Weight.DemiBold))
        self.header.setIndent(CHIP_INSET)  # line up with the chips' left edge
        self.grid = SlotGrid(model, delegate)
        self.grid.setObjectName(f"{name.lower()}Slots")
        self.grid.setAccessibleName(f"{name} free times")
        self.grid.setToolTip(f"{name} free times: arrow keys choose, Enter books")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.grid)

    @property
    def model(self) -> SlotListModel:
        return self.grid.model()

    def set_slots(self, slots: list[datetime]) -> None:
        self.model.set_slots(slots)
        self.header.setText(f"{self.name} · {len(slots)} free")
        self.setVisible(bool(slots))


class SlotPicker(QWidget):
    """Free times of one provider on one day, loaded in the background, and a button to book the chosen one."""

    book_requested = Signal(object, object)  # Provider, aware start time
    selection_changed = Signal(object)  # aware start time or None
    loaded = Signal()  # each load of free times finished, with slots or an error

    def __init__(
        self,
        runner: TaskRunner,
        clinic: Clinic,
        parent=None,
        *,
        action_text: str = "Book…",
        type_id: int | None = None,
        moving: AppointmentView | None = None,
    ):
        super().__init__(parent)
        self._runner, self._clinic = runner, clinic
        self._type_id = type_id  # whose length the free times are for (None: the default type's)
        self._moving = moving  # an appointment being moved: its time is free for it, but not offered
        self._theme = in_use()
        self._provider: Provider | None = None
        self._day: date | None = None
        self._selected: datetime | None = None
        self._loading = False
        self._write_enabled = True
        self._task_key = f"slot-picker-{id(self)}"
        self.setObjectName("slotPicker")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setMinimumWidth(260)

        self._delegate = SlotChipDelegate(self._theme, self)
        self._sections = [self._make_section("Morning"), self._make_section("Afternoon")]
        self._pages = QStackedWidget()
        self._pages.addWidget(self._build_slots_page())
        self._pages.addWidget(self._build_message_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._build_heading())
        layout.addWidget(self._build_busy_bar())
        layout.addWidget(self._pages, 1)
        layout.addWidget(self._build_summary(action_text))

        self.set_theme(self._theme)
        self._show_message("Choose a provider to see free times")
        self._update_summary()

    @property
    def provider(self) -> Provider | None:
        return self._provider

    @property
    def day(self) -> date | None:
        return self._day

    @property
    def selected_start(self) -> datetime | None:
        return self._selected

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def book_button(self) -> QPushButton:
        return self._action

    def free_times(self) -> list[datetime]:
        """The listed free start times, morning first."""
        return [section.model.slot_at(row) for section in self._sections for row in range(section.model.rowCount())]

    def select_start(self, start: datetime) -> bool:
        """Choose a listed time, as a click on it would; False if it is not listed."""
        for section in self._sections:
            row = section.model.row_of(start)
            if row is not None:
                section.grid.setCurrentIndex(section.model.index(row, 0))
                return True
        return False

    def set_theme(self, current: Theme) -> None:
        self._theme = current
        self._delegate.set_theme(current)
        t = current.tokens
        self.setStyleSheet(
            f"#slotPicker, #slotPickerPage {{ background: {t['surface']}; }}"
            f" #slotPickerSummary {{ background: {t['surface_alt']}; border: none;"
            f" border-top: 1px solid {t['border']}; }}"
            f" #slotPickerBusy {{ background: {t['grid_line']}; border: none; }}"
            f" #slotPickerBusy::chunk {{ background: {t['accent']}; }}"
        )
        for section in self._sections:
            section.grid.viewport().update()

    def show_day(self, provider: Provider | None, day: date) -> None:
        """Show `provider`'s free times on `day`; the same provider and day again keeps the chosen time."""
        if provider == self._provider and day == self._day:
            self.refresh()
            return
        self._provider, self._day = provider, day
        self._update_heading()
        self._set_slots([])
        self._update_summary()
        if provider is None:
            self._set_loading(False)
            self._show_message("Choose a provider to see free times")
        else:
            self._show_message("Loading free times…")
            self._load()

    def refresh(self) -> None:
        """Load the same provider's day again, keeping the chosen time if it is still free."""
        if self._provider is not None and self._day is not None:
            self._load()

    def set_write_enabled(self, enabled: bool) -> None:
        self._write_enabled = enabled
        self._update_summary()

    def touched_by(self, change: Change) -> bool:
        """Whether a schedule change may have taken or freed one of the shown times."""
        return self._provider is not None and change.touches(self._provider.id, self._day, self._day, self._clinic.zone)

    def _build_heading(self) -> QWidget:
        self._title = QLabel("Free times")
        self._title.setProperty("role", "heading")
        self._title.setFont(_scaled_font(self.font(), 1.25))
        self._title.setWordWrap(True)
        self._subtitle = QLabel()
        self._subtitle.setProperty("role", "muted")
        heading = QWidget()
        layout = QVBoxLayout(heading)
        layout.setContentsMargins(PANEL_MARGIN, PANEL_MARGIN, PANEL_MARGIN, 6)
        layout.setSpacing(2)
        layout.addWidget(self._title)
        layout.addWidget(self._subtitle)
        return heading

    def _build_busy_bar(self) -> QProgressBar:
        self._busy = QProgressBar()
        self._busy.setObjectName("slotPickerBusy")
        self._busy.setRange(0, 0)  # no range: a busy indicator
        self._busy.setTextVisible(False)
        self._busy.setFixedHeight(3)
        self._busy.setAccessibleName("Loading free times")
        self._busy.setVisible(False)
        return self._busy

    def _build_slots_page(self) -> QScrollArea:
        page = QWidget()
        page.setObjectName("slotPickerPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(PANEL_MARGIN - CHIP_INSET, 4, PANEL_MARGIN - CHIP_INSET, 12)
        layout.setSpacing(4)
        for section in self._sections:
            layout.addWidget(section)
        layout.addStretch(1)
        self._scroll = QScrollArea()
        self._scroll.setWidget(page)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return self._scroll

    def _build_message_page(self) -> QWidget:
        self._message = QLabel()
        self._message.setObjectName("slotPickerMessage")
        self._detail = QLabel()
        self._detail.setProperty("role", "muted")
        for label in (self._message, self._detail):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
        self._retry = QPushButton("Retry")
        self._retry.setAccessibleName("Retry loading free times")
        self._retry.setToolTip("Load the free times again")
        self._retry.setMinimumWidth(96)
        self._retry.clicked.connect(self.refresh)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(PANEL_MARGIN, 32, PANEL_MARGIN, PANEL_MARGIN)
        layout.setSpacing(8)
        layout.addWidget(self._message)
        layout.addWidget(self._detail)
        layout.addWidget(self._retry, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return page

    def _build_summary(self, action_text: str) -> QFrame:
        self._chosen_time = QLabel()
        self._chosen_time.setFont(_scaled_font(self.font(), 1.4, QFont.Weight.DemiBold))
        self._chosen_context = QLabel()
        self._chosen_context.setProperty("role", "muted")
        self._chosen_context.setWordWrap(True)
        self._action = QPushButton(action_text)
        self._action.setObjectName("slotPickerAction")
        self._action.setProperty("role", "primary")
        self._action.setAccessibleName(action_text.rstrip("…"))
        self._action.setMinimumHeight(34)
        self._action.clicked.connect(self._request_booking)
        summary = QFrame()
        summary.setObjectName("slotPickerSummary")
        layout = QVBoxLayout(summary)
        layout.setContentsMargins(PANEL_MARGIN, 12, PANEL_MARGIN, PANEL_MARGIN)
        layout.setSpacing(2)
        layout.addWidget(self._chosen_time)
        layout.addWidget(self._chosen_context)
        layout.addSpacing(10)
        layout.addWidget(self._action)
        return summary

    def _make_section(self, name: str) -> SlotSection:
        section = SlotSection(name, SlotListModel(self._clinic.zone, self), self._delegate)
        grid = section.grid
        grid.selectionModel().selectionChanged.connect(lambda *_: self._on_grid_selection(grid))
        grid.selectionModel().currentChanged.connect(lambda index, _: self._scroll_to(grid, index))
        grid.edge_reached.connect(lambda direction, column: self._move_between_grids(grid, direction, column))
        grid.chosen.connect(self._request_booking)
        return section

    def _grids(self) -> list[SlotGrid]:
        return [section.grid for section in self._sections]

    def _load(self) -> None:
        request = (self._provider, self._day)
        clinic, (provider, day), type_id = self._clinic, request, self._type_id
        moving = self._moving.id if self._moving is not None else None
        self._set_loading(True)
        self._runner.submit(
            lambda: schedule.free_slots(clinic, provider.id, day, type_id, ignoring=moving),
            lambda slots: self._on_loaded(request, slots),
            lambda error: self._on_failed(request, error),
            context=self,
            key=self._task_key,
        )

    def _on_loaded(self, request: tuple, slots: list[datetime]) -> None:
        if request != (self._provider, self._day):
            return  # the picker moved on to another provider or day meanwhile
        if self._moving is not None:  # where it is now is no place to move it to
            here = (self._moving.provider_id, self._moving.starts_at)
            slots = [start for start in slots if (self._provider.id, start) != here]
        self._set_loading(False)
        self._set_slots(slots)
        if slots:
            self._pages.setCurrentIndex(0)
        else:
            past = self._day < self._clinic.local(self._clinic.now()).date()
            self._show_message("No free times on this day", "The day is in the past." if past else "")
        self.loaded.emit()

    def _on_failed(self, request: tuple, error: BaseException) -> None:
        if request != (self._provider, self._day):
            return
        self._set_loading(False)
        self._set_slots([])
        self._show_message("Could not load the free times", user_message(error), error=True)
        self.loaded.emit()

    def _set_loading(self, loading: bool) -> None:
        self._loading = loading
        self._busy.setVisible(loading)

    def _set_slots(self, slots: list[datetime]) -> None:
        """Fill both grids, choosing the same time again if it is still free."""
        keep = self._selected
        for section, part in zip(self._sections, _split_at_noon(slots, self._clinic), strict=True):
            section.set_slots(part)
        if keep is not None:
            self.select_start(keep)
        self._update_selected()

    def _on_grid_selection(self, source: SlotGrid) -> None:
        if source.selectionModel().hasSelection():
            for grid in self._grids():
                if grid is not source:
                    grid.clearSelection()
        self._update_selected()

    def _update_selected(self) -> None:
        selected = None
        for grid in self._grids():
            rows = grid.selectionModel().selectedIndexes()
            if rows:
                selected = rows[0].data(SlotRole)
        if selected != self._selected:
            self._selected = selected
            self._update_summary()
            self.selection_changed.emit(selected)

    def _scroll_to(self, grid: SlotGrid, index: QModelIndex) -> None:
        if index.isValid():
            chip = grid.visualRect(index)
            centre = grid.viewport().mapTo(self._scroll.widget(), chip.center())
            self._scroll.ensureVisible(centre.x(), centre.y(), 0, chip.height())

    def _move_between_grids(self, source: SlotGrid, direction: int, column: int) -> None:
        grids = [grid for grid in self._grids() if grid.model().rowCount()]
        position = grids.index(source) + direction
        if 0 <= position < len(grids):
            grids[position].enter(direction, column)

    def _update_heading(self) -> None:
        self._title.setText(self._provider.name if self._provider else "Free times")
        self._subtitle.setText(title(ViewMode.DAY, self._day) if self._day else "")
        self._subtitle.setVisible(self._day is not None)

    def _update_summary(self) -> None:
        if self._selected is None:
            self._chosen_time.setText("Pick a time")
            set_style_property(self._chosen_time, "role", "muted")
        else:
            self._chosen_time.setText(clock(self._clinic.local(self._selected)))
            set_style_property(self._chosen_time, "role", "")
        parts = [self._provider.name if self._provider else "No provider chosen"]
        if self._day:
            parts.append(day_words(self._day))
        self._chosen_context.setText(" · ".join(parts))
        self._action.setEnabled(self._can_book())
        if not self._write_enabled:
            self._action.setToolTip("Read-only: this desk cannot book right now (no permission, or offline)")
        elif self._selected is None:
            self._action.setToolTip("Pick a free time first")
        else:
            self._action.setToolTip(f"{self._chosen_context.text()} at {self._chosen_time.text()}")

    def _can_book(self) -> bool:
        return self._write_enabled and self._provider is not None and self._selected is not None

    def _request_booking(self) -> None:
        if self._can_book():
            self.book_requested.emit(self._provider, self._selected)

    def _show_message(self, message: str, detail: str = "", *, error: bool = False) -> None:
        self._message.setText(message)
        set_style_property(self._message, "role", "error" if error else "muted")
        self._detail.setText(detail)
        self._detail.setVisible(bool(detail))
        self._retry.setVisible(error)
        self._pages.setCurrentIndex(1)


def _split_at_noon(slots: list[datetime], clinic: Clinic) -> tuple[list[datetime], list[datetime]]:
    morning = [slot for slot in slots if clinic.local(slot).time() < NOON]
    return morning, [slot for slot in slots if clinic.local(slot).time() >= NOON]


def _scaled_font(base: QFont, factor: float, weight: QFont.Weight | None = None) -> QFont:
    font = QFont(base)
    font.setPointSizeF(base.pointSizeF() * factor)
    if weight is not None:
        font.setWeight(weight)
    return font
