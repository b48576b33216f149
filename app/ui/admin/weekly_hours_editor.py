"""A provider's weekly working hours: per weekday, blocks with a start, an end and a slot length."""

from datetime import time

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.schedule_setup import MAX_SLOT_MINUTES, MIN_SLOT_MINUTES, WEEKDAY_NAMES, HoursProblem, hours_problems
from app.domain.slots import WorkingBlock
from app.ui.dialogs.field_errors import InlineError, mark_invalid

NEW_BLOCK = WorkingBlock(time(9), time(17), 30)


def _time_edit(value: time, name: str) -> QTimeEdit:
    edit = QTimeEdit(QTime(value.hour, value.minute))
    edit.setDisplayFormat("HH:mm")
    edit.setAccessibleName(name)
    return edit


class BlockRow(QWidget):
    """One block: from, to, slot length, and a button that removes it."""

    edited = Signal()
    remove_requested = Signal(object)  # this row

    def __init__(self, day: str, block: WorkingBlock, parent: QWidget | None = None):
        super().__init__(parent)
        self.start_edit = _time_edit(block.start, f"{day} block start")
        self.end_edit = _time_edit(block.end, f"{day} block end")
        self.slot_spin = QSpinBox()
        self.slot_spin.setRange(1, MAX_SLOT_MINUTES * 2)  # wider than allowed, so a wrong length shows its message
        self.slot_spin.setSingleStep(5)
        self.slot_spin.setValue(block.slot_minutes)
        self.slot_spin.setSuffix(" min")
        self.slot_spin.setAccessibleName(f"{day} slot length")
        self.slot_spin.setToolTip(f"Length of one appointment slot ({MIN_SLOT_MINUTES} to {MAX_SLOT_MINUTES} minutes)")
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAccessibleName(f"Remove {day} block")
        self.remove_button.setToolTip("Remove this block")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for widget in (self.start_edit, QLabel("–"), self.end_edit, self.slot_spin, self.remove_button):
            layout.addWidget(widget)
        for edit in (self.start_edit, self.end_edit):
            edit.timeChanged.connect(lambda _t: self.edited.emit())
        self.slot_spin.valueChanged.connect(lambda _v: self.edited.emit())
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))

    def block(self) -> WorkingBlock:
        return WorkingBlock(self.start_edit.time().toPython(), self.end_edit.time().toPython(), self.slot_spin.value())

    def set_invalid(self, invalid: bool) -> None:
        for widget in (self.start_edit, self.end_edit, self.slot_spin):
            mark_invalid(widget, invalid)


class DayHours(QWidget):
    """A weekday's blocks side by side, with a button to add one."""

    edited = Signal()

    def __init__(self, weekday: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.weekday = weekday
        self.name = WEEKDAY_NAMES[weekday]
        self.rows: list[BlockRow] = []
        self._rows_layout = QHBoxLayout()
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(16)
        self.closed_label = QLabel("Not working")
        self.closed_label.setProperty("role", "muted")
        self._rows_layout.addWidget(self.closed_label)
        self.add_button = QPushButton("Add block")
        self.add_button.setAccessibleName(f"Add {self.name} block")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_block(self._next_block()))
        self.error = InlineError(f"{self.name} hours")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.addLayout(self._rows_layout)
        top.addWidget(self.add_button)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(self.error)

    def _next_block(self) -> WorkingBlock:
        """After the last block if there is room that day, else the usual day."""
        if not self.rows:
            return NEW_BLOCK
        last = self.rows[-1].block()
        if last.end < time(22):
            return WorkingBlock(last.end.replace(hour=last.end.hour + 1), time(23), last.slot_minutes)
        return NEW_BLOCK

    def add_block(self, block: WorkingBlock) -> BlockRow:
        row = BlockRow(self.name, block)
        row.edited.connect(self.edited)
        row.remove_requested.connect(self._remove)
        self.rows.append(row)
        self._rows_layout.addWidget(row)
        row.show()  # added after the editor was shown: a new child starts hidden
        self.closed_label.setVisible(False)
        self.edited.emit()
        return row

    def _remove(self, row: BlockRow) -> None:
        self._drop(row)
        self.closed_label.setVisible(not self.rows)
        self.edited.emit()

    def clear(self) -> None:
        for row in list(self.rows):
            self._drop(row)
        self.closed_label.setVisible(True)

    def _drop(self, row: BlockRow) -> None:
        self.rows.remove(row)
        self._rows_layout.removeWidget(row)
        row.hide()  # at once: deleteLater waits for the event loop
        row.deleteLater()

    def blocks(self) -> list[WorkingBlock]:
        return [row.block() for row in self.rows]

    def show_problems(self, problems: list[HoursProblem]) -> None:
        bad = {p.index for p in problems}
        for index, row in enumerate(self.rows):
            row.set_invalid(index in bad)
        self.error.set_message("\n".join(dict.fromkeys(p.message for p in problems)))


class WeeklyHoursEditor(QWidget):
    """Monday to Sunday. `problems()` are the service's own rules, so a save is refused here first."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.days = {weekday: DayHours(weekday) for weekday in WEEKDAY_NAMES}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        caption = QLabel("From – to, slot length")
        caption.setProperty("role", "muted")
        grid.addWidget(caption, 0, 1)
        for row, day in enumerate(self.days.values(), start=1):
            label = QLabel(day.name)
            label.setProperty("role", "heading")
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance("Wednesday") + 8)
            label.setMinimumHeight(day.add_button.sizeHint().height())  # level with the day's first row
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(day, row, 1)
            day.edited.connect(self._on_edited)
        self.error = InlineError("Weekly hours")  # what the service said about the hours as a whole
        grid.addWidget(self.error, len(self.days) + 1, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    def set_hours(self, weekly: dict[int, list[WorkingBlock]]) -> None:
        self.blockSignals(True)
        for weekday, day in self.days.items():
            day.clear()
            for block in weekly.get(weekday, []):
                day.add_block(block)
        self.blockSignals(False)
        self.error.set_message("")
        self._show_problems()

    def hours(self) -> dict[int, list[WorkingBlock]]:
        return {weekday: day.blocks() for weekday, day in self.days.items() if day.rows}

    def problems(self) -> list[HoursProblem]:
        return hours_problems(self.hours())

    def set_message(self, message: str) -> None:
        self.error.set_message(message)

    def _show_problems(self) -> None:
        problems = self.problems()
        for weekday, day in self.days.items():
            day.show_problems([p for p in problems if p.weekday == weekday])

    def _on_edited(self) -> None:
        self.error.set_message("")  # a refusal was about the hours as they were
        self._show_problems()
        self.edited.emit()

    def set_editable(self, editable: bool) -> None:
        for day in self.days.values():
            day.setEnabled(editable)
