"""The month view: six weeks of day cells, each with a pill per appointment type and its count.

The cells are painted, not built from widgets; their layout (rectangles, pills, elided text) is computed when
the month, the data or the size changes, so a paint only draws.
"""

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.services.calendar import ProviderHours
from app.services.schedule import AppointmentType
from app.ui.dates import LONG_DAY, day_words
from app.ui.navigation import month_grid_start
from app.ui.theme import Theme
from app.ui.tooltips import answer_tooltip

WEEKS = 6
HEADER_HEIGHT = 28
PADDING = 6
NUMBER_ROW = 24  # the day number's row at the top of a cell
PILL_SPACING = 3
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MOVES = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -7, Qt.Key.Key_Down: 7}


class DayKind(enum.Enum):
    WORKING = "working"
    CLOSED = "closed"  # no provider works that weekday
    OFF = "off"  # everyone who works that day is off all day
    PARTLY_OFF = "partly_off"  # someone is off for part of their hours, or all of them


KIND_DESCRIPTIONS = {
    DayKind.WORKING: "Open",
    DayKind.CLOSED: "Closed",
    DayKind.OFF: "Everyone is off",
    DayKind.PARTLY_OFF: "Some time off",
}


def day_kinds(calendar: dict[date, list[ProviderHours]]) -> dict[date, DayKind]:
    kinds = {}
    for day, day_hours in calendar.items():
        working = [hours for hours in day_hours if hours.works]
        if not working:
            kinds[day] = DayKind.CLOSED
        elif all(hours.fully_off for hours in working):
            kinds[day] = DayKind.OFF
        elif any(off.overlaps(w) for hours in working for off in hours.time_off for w in hours.working):
            kinds[day] = DayKind.PARTLY_OFF
        else:
            kinds[day] = DayKind.WORKING
    return kinds


def grid_days(year: int, month: int) -> list[date]:
    """The 42 days of a month grid: six weeks, Monday first, from the Monday on or before the 1st."""
    start = month_grid_start(date(year, month, 1))
    return [start + timedelta(days=offset) for offset in range(WEEKS * 7)]


@dataclass(frozen=True)
class Pill:
    name: str
    color: str  # the type's colour; empty for a type the view does not know
    count: int


def day_pills(counts: dict[str, int], types: list[AppointmentType]) -> list[Pill]:
    """One pill per type with appointments that day, in the types' order (unknown codes last, by code)."""
    known = [Pill(t.name, t.color, counts[t.code]) for t in types if counts.get(t.code)]
    codes = {t.code for t in types}
    unknown = [Pill(code, "", count) for code, count in sorted(counts.items()) if code not in codes and count]
    return known + unknown


def fit_pills(pill_count: int, rows: int) -> tuple[int, int]:
    """(pills shown, pills left for "+N more") when a cell has room for `rows` rows: all of them if they fit,
    else one row fewer than the room, to leave the last row to "+N more"."""
    if pill_count <= rows:
        return pill_count, 0
    shown = max(rows - 1, 0)
    return shown, pill_count - shown


@dataclass
class _Cell:
    day: date
    rect: QRect
    pills: list[tuple[QRectF, Pill, str, str]] = field(default_factory=list)  # rect, pill, elided name, count
    more: tuple[QRectF, str] | None = None
    total: int = 0


class MonthView(QWidget):
    day_selected = Signal(object)  # date: a click or the arrow keys (also past the grid's edge)
    day_activated = Signal(object)  # date: double click or Enter

    def __init__(self, theme: Theme, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._days: list[date] = []
        self._month = (0, 0)
        self._today: date | None = None
        self._selected: date | None = None
        self._pressed_day: date | None = None  # the day under the last press, for the double click that follows
        self._kinds: dict[date, DayKind] = {}
        self._pills: dict[date, list[Pill]] = {}
        self._cells: dict[date, _Cell] = {}
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(7 * 80, HEADER_HEIGHT + WEEKS * 64)
        self.setAccessibleName("Month calendar")
        self._update_fonts()

    # --- public ---

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def set_month(self, year: int, month: int, today: date) -> None:
        self._month = (year, month)
        self._today = today
        self._days = grid_days(year, month)
        self._relayout()

    def visible_range(self) -> tuple[date, date]:
        return self._days[0], self._days[-1]

    def set_data(
        self, counts: dict[date, dict[str, int]], types: list[AppointmentType], kinds: dict[date, DayKind]
    ) -> None:
        """`counts`: day -> type code -> live appointments; `types` name and colour them; `kinds` shade the days."""
        self._kinds = kinds
        self._pills = {day: day_pills(day_counts, types) for day, day_counts in counts.items()}
        self._relayout()
        self._describe_selection()

    def select_day(self, day: date) -> None:
        self._selected = day
        self._describe_selection()
        self.update()

    @property
    def selected_day(self) -> date | None:
        return self._selected

    def cell_rect(self, day: date) -> QRect | None:
        """Where `day`'s cell is, or None when the grid does not show it."""
        cell = self._cells.get(day)
        return QRect(cell.rect) if cell else None

    def day_at(self, pos: QPoint) -> date | None:
        return next((cell.day for cell in self._cells.values() if cell.rect.contains(pos)), None)

    def kind(self, day: date) -> DayKind:
        """How a day is shaded: from the data, or (before it arrives) weekends as closed."""
        return self._kinds.get(day, DayKind.CLOSED if day.weekday() >= 5 else DayKind.WORKING)

    def day_summary(self, day: date) -> str:
        """What a cell's tooltip says: the date, how it is staffed, and every type's count."""
        lines = [day_words(day, LONG_DAY), KIND_DESCRIPTIONS[self.kind(day)]]
        pills = self._pills.get(day, [])
        lines += [f"{pill.name}: {pill.count}" for pill in pills]
        total = sum(pill.count for pill in pills)
        lines.append(f"Total: {total}" if total else "No appointments")
        return "\n".join(lines)

    # --- layout ---

    def _update_fonts(self) -> None:
        base = self.font()
        self._number_font = QFont(base)
        self._bold_font = QFont(base)
        self._bold_font.setBold(True)
        self._small_font = QFont(base)
        self._small_font.setPointSizeF(base.pointSizeF() * 0.88)
        self._small_bold_font = QFont(self._small_font)
        self._small_bold_font.setBold(True)

    def _relayout(self) -> None:
        self._cells = {}
        if not self._days:
            self.update()
            return
        metrics = QFontMetrics(self._small_font)
        pill_height = metrics.height() + 4
        for index, day in enumerate(self._days):
            row, column = divmod(index, 7)
            left, right = self._column_edge(column), self._column_edge(column + 1)
            top, bottom = self._row_edge(row), self._row_edge(row + 1)
            cell = _Cell(day, QRect(left, top, right - left, bottom - top))
            self._layout_pills(cell, metrics, pill_height)
            self._cells[day] = cell
        self.update()

    def _column_edge(self, column: int) -> int:
        """The x where a column of cells begins (or, for 7, where the last one ends)."""
        return column * self.width() // 7

    def _row_edge(self, row: int) -> int:
        return HEADER_HEIGHT + row * (self.height() - HEADER_HEIGHT) // WEEKS

    def _layout_pills(self, cell: _Cell, metrics: QFontMetrics, pill_height: int) -> None:
        pills = self._pills.get(cell.day, [])
        cell.total = sum(pill.count for pill in pills)
        room = max((cell.rect.height() - NUMBER_ROW - 2 * PADDING) // (pill_height + PILL_SPACING), 0)
        shown, hidden = fit_pills(len(pills), room)
        width = cell.rect.width() - 2 * PADDING
        x, y = cell.rect.left() + PADDING, cell.rect.top() + PADDING + NUMBER_ROW
        bold = QFontMetrics(self._small_bold_font)
        for pill in pills[:shown]:
            rect = QRectF(x, y, width, pill_height)
            count = str(pill.count)
            # The dot takes a pill height on the left; the count, a gap and half a pill height on the right.
            name_width = width - pill_height - bold.horizontalAdvance(count) - 8 - pill_height // 2
            name = metrics.elidedText(pill.name, Qt.TextElideMode.ElideRight, max(name_width, 0))
            cell.pills.append((rect, pill, name, count))
            y += pill_height + PILL_SPACING
        if hidden:
            cell.more = (QRectF(x, y, width, pill_height), f"+{hidden} more")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._update_fonts()
            self._relayout()

    # --- painting ---

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        exposed = event.rect()
        c = self._theme.color
        painter.fillRect(exposed, c("surface"))
        for cell in self._cells.values():
            if cell.rect.intersects(exposed):
                self._paint_cell(painter, cell)
        self._paint_grid_lines(painter)
        if exposed.top() < HEADER_HEIGHT:
            self._paint_header(painter)
        selected = self._cells.get(self._selected) if self._selected else None
        if selected is not None:
            painter.setPen(QPen(c("accent"), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(selected.rect).adjusted(1.5, 1.5, -1, -1))

    def _paint_header(self, painter: QPainter) -> None:
        c = self._theme.color
        painter.fillRect(0, 0, self.width(), HEADER_HEIGHT, c("surface_alt"))
        painter.setFont(self._small_bold_font)
        painter.setPen(c("muted_text"))
        for column, name in enumerate(WEEKDAY_NAMES):
            left, right = self._column_edge(column), self._column_edge(column + 1)
            painter.drawText(QRect(left + PADDING, 0, right - left - PADDING, HEADER_HEIGHT), _LEFT_CENTER, name)
        painter.setPen(c("border"))
        painter.drawLine(0, HEADER_HEIGHT - 1, self.width(), HEADER_HEIGHT - 1)

    def _paint_grid_lines(self, painter: QPainter) -> None:
        painter.setPen(self._theme.color("border"))
        for column in range(1, 7):
            x = self._column_edge(column)
            painter.drawLine(x, HEADER_HEIGHT, x, self.height())
        for row in range(1, WEEKS):
            y = self._row_edge(row)
            painter.drawLine(0, y, self.width(), y)

    def _paint_cell(self, painter: QPainter, cell: _Cell) -> None:
        c = self._theme.color
        kind = self.kind(cell.day)
        background = {DayKind.CLOSED: "closed", DayKind.OFF: "time_off"}.get(kind, "working")
        painter.fillRect(cell.rect, c(background))
        if kind is DayKind.PARTLY_OFF:  # the day number's row tinted: someone is away for part of the day
            painter.fillRect(QRect(cell.rect.topLeft(), QSize(cell.rect.width(), NUMBER_ROW + PADDING)), c("time_off"))
        in_month = (cell.day.year, cell.day.month) == self._month
        painter.setOpacity(1.0 if in_month else 0.55)
        self._paint_day_number(painter, cell, in_month)
        for rect, pill, name, count in cell.pills:
            self._paint_pill(painter, rect, pill, name, count)
        if cell.more is not None:
            rect, text = cell.more
            painter.setFont(self._small_font)
            painter.setPen(c("muted_text"))
            painter.drawText(rect.adjusted(6, 0, 0, 0), _LEFT_CENTER, text)
        painter.setOpacity(1.0)

    def _paint_day_number(self, painter: QPainter, cell: _Cell, in_month: bool) -> None:
        c = self._theme.color
        size = NUMBER_ROW - 2
        badge = QRectF(cell.rect.left() + PADDING - 3, cell.rect.top() + PADDING - 2, size + 4, size)
        if cell.day == self._today:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(c("today"))
            painter.drawRoundedRect(badge, size / 2, size / 2)
            painter.setPen(c("accent_text"))
            painter.setFont(self._bold_font)
        else:
            painter.setPen(c("text") if in_month else c("muted_text"))
            painter.setFont(self._number_font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(cell.day.day))
        if cell.total:
            corner = QRectF(cell.rect.left(), badge.top(), cell.rect.width() - PADDING, size)
            painter.setFont(self._small_font)
            painter.setPen(c("muted_text"))
            painter.drawText(corner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(cell.total))

    def _paint_pill(self, painter: QPainter, rect: QRectF, pill: Pill, name: str, count: str) -> None:
        c = self._theme.color
        type_color = QColor(pill.color) if pill.color else c("muted_text")
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._theme.pill_fill(type_color.name()))
        radius = rect.height() / 2
        painter.drawRoundedRect(rect, radius, radius)
        dot = rect.height() * 0.45
        center = QPointF(rect.left() + radius, rect.center().y())
        painter.setBrush(c("surface"))  # a ring keeps the dot apart from a fill of nearly its colour
        painter.drawEllipse(center, dot / 2 + 1.5, dot / 2 + 1.5)
        painter.setBrush(type_color)
        painter.drawEllipse(center, dot / 2, dot / 2)
        painter.setPen(c("text"))
        painter.setFont(self._small_font)
        painter.drawText(rect.adjusted(rect.height(), 0, -radius, 0), _LEFT_CENTER, name)
        painter.setFont(self._small_bold_font)
        painter.drawText(
            rect.adjusted(0, 0, -radius, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, count
        )

    # --- input ---

    def mousePressEvent(self, event: QMouseEvent) -> None:
        day = self.day_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and day is not None:
            self._pressed_day = day
            self.select_day(day)
            self.day_selected.emit(day)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # The first press may have turned the grid to another month (a greyed day): open the day pressed.
        day = self._pressed_day or self.day_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and day is not None:
            self.day_activated.emit(day)
            return  # QWidget's own handler would treat it as a second press on the new grid
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in MOVES and self._days:
            start = self._selected if self._selected is not None else self._default_day()
            day = start + timedelta(days=MOVES[key]) if self._selected is not None else start
            self.select_day(day)
            self.day_selected.emit(day)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._selected is not None:
            self.day_activated.emit(self._selected)
        else:
            super().keyPressEvent(event)

    def _default_day(self) -> date:
        """Where the arrows start without a selection: today if this month shows it, else the 1st."""
        if self._today is not None and (self._today.year, self._today.month) == self._month:
            return self._today
        return date(*self._month, 1)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            day = self.day_at(event.pos())
            tip = None if day is None else (self.day_summary(day), self, self._cells[day].rect)
            return answer_tooltip(event, tip)
        return super().event(event)

    def _describe_selection(self) -> None:
        self.setAccessibleDescription(self.day_summary(self._selected).replace("\n", ", ") if self._selected else "")


_LEFT_CENTER = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
