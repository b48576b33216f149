"""The week and day views: columns over a time axis, appointments painted as blocks in their type colour.

Everything is painted on one viewport, with a sticky header row above it; no widget per appointment. The
layout (each block's rectangle, lane and elided text) is computed when the columns or the size change, so a
paint only fills the exposed part; scrolling moves the pixels already painted and paints the strip revealed.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QFrame, QToolTip, QWidget

from app.domain.slots import Interval
from app.services.schedule import AppointmentView
from app.ui.theme import Theme
from app.ui.views.columns import GridColumn
from app.ui.views.lanes import assign_lanes

HOUR_HEIGHT = 60
AXIS_WIDTH = 58
HEADER_HEIGHT = 48
MIN_COLUMN_WIDTH = 120
DEFAULT_HOURS = (7, 19)  # the span always shown; it grows to every working interval and appointment
EDGE_WIDTH = 4  # the solid type-coloured edge on a block's left
TEXT_PADDING = 5
FADED_STATUSES = ("completed", "no_show", "cancelled")
FADED_OPACITY = 0.55
CHECK_SIZE = 9  # the checked-in tick
MIN_TEXT_WIDTH = 28  # narrower lanes show colour only; the tooltip still tells all
STATUS_LABELS = {
    "booked": "Booked",
    "checked_in": "Checked in",
    "completed": "Completed",
    "no_show": "No-show",
    "cancelled": "Cancelled",
}


def describe(appointment: AppointmentView, zone: ZoneInfo) -> str:
    """A block's tooltip: time range, patient, provider, type and status, one per line."""
    start, end = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
    return "\n".join(
        [
            f"{start:%a} {start.day} {start:%b}, {start:%H:%M}–{end:%H:%M}",
            appointment.patient_name,
            appointment.provider_name,
            appointment.type_name,
            STATUS_LABELS.get(appointment.status, appointment.status),
        ]
    )


@dataclass
class _Block:
    appointment: AppointmentView
    column: int
    top: float  # content coordinates; x comes from the column width, which follows the view's width
    bottom: float
    lane: int
    lanes: int
    rect: QRectF
    heading: tuple[str, str] = ("", "")  # time, elided patient name
    second_line: str = ""  # elided type name, when the block is tall enough


@dataclass
class _ColumnShading:
    working: list[tuple[float, float]]  # (top, bottom) in content coordinates
    time_off: list[tuple[float, float]]


class _Header(QWidget):
    """The sticky row of column titles; the grid view paints it, so both share one layout."""

    def __init__(self, grid: "TimeGridView"):
        super().__init__(grid)
        self._grid = grid

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self._grid._paint_header(painter, event.rect())


class TimeGridView(QAbstractScrollArea):
    appointment_selected = Signal(int)  # appointment id: a click or the arrow keys
    appointment_activated = Signal(int)  # appointment id: double click or Enter
    column_selected = Signal(object)  # GridColumn the user clicked in, or moved the selection into

    def __init__(self, theme: Theme, zone: ZoneInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._zone = zone
        self._columns: list[GridColumn] = []
        self._blocks: list[list[_Block]] = []  # per column, in time order
        self._by_id: dict[int, _Block] = {}
        self._shading: list[_ColumnShading] = []
        self._hours = DEFAULT_HOURS
        self._several_days = False
        self._column_width = float(MIN_COLUMN_WIDTH)
        self._selected: int | None = None
        self._now: datetime | None = None
        self._pending_hour: int | None = None
        self._fills: dict[str, QColor] = {}  # type colour -> block fill in the current theme
        self._header = _Header(self)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setViewportMargins(0, HEADER_HEIGHT, 0, 0)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.verticalScrollBar().setSingleStep(HOUR_HEIGHT // 2)
        self.horizontalScrollBar().setSingleStep(MIN_COLUMN_WIDTH // 4)
        self.setAccessibleName("Calendar")
        self._update_fonts()

    # --- public ---

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._fills.clear()
        self.viewport().update()
        self._header.update()

    def set_columns(self, columns: list[GridColumn]) -> None:
        """Show `columns`; the selection stays if its appointment is still shown."""
        first_data = not self._columns
        self._columns = list(columns)
        self._hours = self._hour_span(self._columns)
        # Today stands out among the days of a week; in a day view every column is the same day.
        self._several_days = len({column.day for column in self._columns}) > 1
        self._shading = [self._column_shading(column) for column in self._columns]
        self._blocks = [self._column_blocks(index, column) for index, column in enumerate(self._columns)]
        self._by_id = {block.appointment.id: block for blocks in self._blocks for block in blocks}
        if self._selected not in self._by_id:
            self._selected = None
        self._relayout()
        self._describe_selection()
        if first_data:
            self.scroll_to_hour(self._first_working_hour())

    def set_now(self, moment: datetime) -> None:
        self._now = moment
        self.viewport().update()

    def select_appointment(self, appointment_id: int | None) -> None:
        self._selected = appointment_id if appointment_id in self._by_id else None
        self._describe_selection()
        self.viewport().update()

    @property
    def selected_appointment_id(self) -> int | None:
        return self._selected

    @property
    def columns(self) -> list[GridColumn]:
        return list(self._columns)

    @property
    def visible_hours(self) -> tuple[int, int]:
        """The first and the last hour of the time axis (the last is where the grid ends)."""
        return self._hours

    def scroll_to_hour(self, hour: int) -> None:
        """Scroll so that `hour` is at the top (as far as the grid allows)."""
        if not self.isVisible():  # a hidden view has no size to scroll in yet: showing it finishes the job
            self._pending_hour = hour
            return
        self._pending_hour = None
        self.verticalScrollBar().setValue(round((hour - self._hours[0]) * HOUR_HEIGHT))

    def block_rect(self, appointment_id: int) -> QRect | None:
        """Where an appointment's block is, in viewport coordinates; None when it is not shown."""
        block = self._by_id.get(appointment_id)
        if block is None:
            return None
        return block.rect.translated(-self._scroll_offset()).toAlignedRect()

    def appointment_at(self, pos: QPoint) -> int | None:
        """The appointment whose block is at `pos` (viewport coordinates)."""
        block = self._block_at(pos)
        return block.appointment.id if block else None

    # --- layout ---

    def _update_fonts(self) -> None:
        base = self.font()
        self._small_font = QFont(base)
        self._small_font.setPointSizeF(base.pointSizeF() * 0.9)
        self._small_bold_font = QFont(self._small_font)
        self._small_bold_font.setBold(True)
        self._title_font = QFont(base)
        self._title_font.setBold(True)
        self._small_metrics = QFontMetrics(self._small_font)
        self._small_bold_metrics = QFontMetrics(self._small_bold_font)

    def _hour_span(self, columns: list[GridColumn]) -> tuple[int, int]:
        first, last = DEFAULT_HOURS
        for column in columns:
            spans = [(w.start, w.end) for w in column.working]
            spans += [(a.starts_at, a.ends_at) for a in column.appointments]
            for start, end in spans:
                first = min(first, math.floor(self._minutes(column.day, start) / 60))
                last = max(last, math.ceil(self._minutes(column.day, end) / 60))
        return max(first, 0), min(last, 24)

    def _minutes(self, day: date, moment: datetime) -> float:
        """Wall-clock minutes from `day`'s midnight to `moment` in the clinic's zone (before 0 or past 1440
        when it lies on another day)."""
        local = moment.astimezone(self._zone)
        return (local.date() - day).days * 1440 + local.hour * 60 + local.minute + local.second / 60

    def _y(self, day: date, moment: datetime) -> float:
        first, last = self._hours
        minutes = min(max(self._minutes(day, moment), first * 60), last * 60)
        return (minutes - first * 60) * HOUR_HEIGHT / 60

    def _spans(self, day: date, intervals: list[Interval]) -> list[tuple[float, float]]:
        spans = [(self._y(day, i.start), self._y(day, i.end)) for i in intervals]
        return [(top, bottom) for top, bottom in spans if bottom > top]

    def _column_shading(self, column: GridColumn) -> _ColumnShading:
        return _ColumnShading(self._spans(column.day, column.working), self._spans(column.day, column.time_off))

    def _column_blocks(self, index: int, column: GridColumn) -> list[_Block]:
        lanes = assign_lanes([(a.starts_at, a.ends_at) for a in column.appointments])
        blocks = [
            _Block(a, index, self._y(column.day, a.starts_at), self._y(column.day, a.ends_at), lane, count, QRectF())
            for a, (lane, count) in zip(column.appointments, lanes, strict=True)
        ]
        return sorted(blocks, key=lambda b: (b.top, b.lane))

    def _first_working_hour(self) -> int:
        starts = [self._minutes(c.day, w.start) for c in self._columns for w in c.working]
        return math.floor(min(starts) / 60) if starts else 8

    def _content_height(self) -> int:
        return (self._hours[1] - self._hours[0]) * HOUR_HEIGHT

    def _column_left(self, index: int) -> float:
        """A column's left edge in content coordinates (the axis is at 0 .. AXIS_WIDTH)."""
        return AXIS_WIDTH + round(index * self._column_width)

    def _relayout(self) -> None:
        available = self.viewport().width() - AXIS_WIDTH
        count = max(len(self._columns), 1)
        self._column_width = max(float(MIN_COLUMN_WIDTH), available / count)
        for blocks in self._blocks:
            for block in blocks:
                self._place(block)
        self._update_scrollbars()
        self._header.setGeometry(
            self.viewport().x(), self.viewport().y() - HEADER_HEIGHT, self.viewport().width(), HEADER_HEIGHT
        )
        self.viewport().update()
        self._header.update()

    def _place(self, block: _Block) -> None:
        left, right = self._column_left(block.column), self._column_left(block.column + 1)
        lane_width = (right - left - 6) / block.lanes  # a margin on the right leaves room to click the column
        x = left + 1 + block.lane * lane_width
        block.rect = QRectF(x, block.top + 1, lane_width - 1, max(block.bottom - block.top - 2, 4))
        text_width = int(block.rect.width()) - EDGE_WIDTH - 2 * TEXT_PADDING
        if text_width < MIN_TEXT_WIDTH:
            block.heading, block.second_line = ("", ""), ""
            return
        appointment = block.appointment
        start = f"{appointment.starts_at.astimezone(self._zone):%H:%M}"
        name_width = text_width - self._small_bold_metrics.horizontalAdvance(start + " ")
        if appointment.status == "checked_in":
            name_width -= CHECK_SIZE + TEXT_PADDING
        name = self._small_metrics.elidedText(appointment.patient_name, Qt.TextElideMode.ElideRight, name_width)
        block.heading = (start, name if name_width > 0 else "")
        line = self._small_metrics.height()
        tall_enough = block.rect.height() >= 2 * line + 4
        elided_type = self._small_metrics.elidedText(appointment.type_name, Qt.TextElideMode.ElideRight, text_width)
        block.second_line = elided_type if tall_enough else ""

    def _update_scrollbars(self) -> None:
        vertical, horizontal = self.verticalScrollBar(), self.horizontalScrollBar()
        height, width = self.viewport().height(), self.viewport().width()
        vertical.setRange(0, max(0, self._content_height() - height))
        vertical.setPageStep(height)
        columns_width = round(len(self._columns) * self._column_width)
        horizontal.setRange(0, max(0, columns_width - (width - AXIS_WIDTH)))
        horizontal.setPageStep(max(width - AXIS_WIDTH, 1))

    def _scroll_offset(self) -> QPointF:
        return QPointF(self.horizontalScrollBar().value(), self.verticalScrollBar().value())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending_hour is not None:
            self.scroll_to_hour(self._pending_hour)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._update_fonts()
            self._relayout()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        # The time axis stays put when the columns scroll sideways; everything moves together up and down.
        viewport = self.viewport()
        if dx:
            columns_area = QRect(AXIS_WIDTH, 0, viewport.width() - AXIS_WIDTH, viewport.height())
            viewport.scroll(dx, 0, columns_area)
            self._header.scroll(dx, 0, QRect(AXIS_WIDTH, 0, self._header.width() - AXIS_WIDTH, HEADER_HEIGHT))
        if dy:
            viewport.scroll(0, dy)

    # --- hit testing ---

    def _column_at(self, pos: QPoint) -> int | None:
        if pos.x() < AXIS_WIDTH or not self._columns:
            return None
        index = int((pos.x() + self.horizontalScrollBar().value() - AXIS_WIDTH) // self._column_width)
        return index if 0 <= index < len(self._columns) else None

    def _block_at(self, pos: QPoint) -> _Block | None:
        index = self._column_at(pos)
        if index is None:
            return None
        point = QPointF(pos) + self._scroll_offset()
        return next((block for block in self._blocks[index] if block.rect.contains(point)), None)

    # --- painting ---

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        exposed = event.rect()
        offset = self._scroll_offset()
        c = self._theme.color
        painter.fillRect(exposed, c("closed"))
        painter.save()
        painter.setClipRect(QRect(AXIS_WIDTH, 0, self.viewport().width() - AXIS_WIDTH, self.viewport().height()))
        painter.translate(-offset)
        area = QRectF(exposed).translated(offset)
        shown = [i for i in range(len(self._columns)) if self._overlaps_columns(i, area)]
        for index in shown:
            self._paint_column_background(painter, index, area)
        self._paint_hour_lines(painter, area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for index in shown:
            for block in self._blocks[index]:
                if block.rect.intersects(area):
                    self._paint_block(painter, block)
        self._paint_now_line(painter, shown)
        painter.restore()
        if exposed.left() < AXIS_WIDTH:
            self._paint_axis(painter, offset.y())

    def _overlaps_columns(self, index: int, area: QRectF) -> bool:
        return self._column_left(index) < area.right() and self._column_left(index + 1) > area.left()

    def _paint_column_background(self, painter: QPainter, index: int, area: QRectF) -> None:
        c = self._theme.color
        left, right = self._column_left(index), self._column_left(index + 1)
        shading = self._shading[index]
        for top, bottom in shading.working:
            painter.fillRect(QRectF(left, top, right - left, bottom - top), c("working"))
        hatch = QBrush(c("time_off_line"), Qt.BrushStyle.BDiagPattern)
        for top, bottom in shading.time_off:
            rect = QRectF(left, top, right - left, bottom - top)
            painter.fillRect(rect, c("time_off"))
            painter.fillRect(rect, hatch)
        painter.setPen(c("border"))
        painter.drawLine(QPointF(right - 0.5, area.top()), QPointF(right - 0.5, area.bottom()))

    def _paint_hour_lines(self, painter: QPainter, area: QRectF) -> None:
        left, right = max(area.left(), AXIS_WIDTH), min(area.right(), self._column_left(len(self._columns)))
        solid = QPen(self._theme.color("grid_line"), 1)
        dotted = QPen(self._theme.color("grid_line"), 1, Qt.PenStyle.DotLine)
        for step in range(2 * (self._hours[1] - self._hours[0])):
            y = step * HOUR_HEIGHT / 2 + 0.5
            if area.top() - 1 <= y <= area.bottom() + 1:
                painter.setPen(dotted if step % 2 else solid)
                painter.drawLine(QPointF(left, y), QPointF(right, y))

    def _paint_block(self, painter: QPainter, block: _Block) -> None:
        c = self._theme.color
        appointment = block.appointment
        rect = block.rect
        status = appointment.status
        radius = 4.0
        # Appointments that are over (completed, no-show) fade into the background; the rest stand out.
        painter.setOpacity(FADED_OPACITY if status in FADED_STATUSES else 1.0)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._fill(appointment.type_color))
        painter.drawRoundedRect(rect, radius, radius)
        painter.setBrush(QColor(appointment.type_color))
        painter.drawRoundedRect(QRectF(rect.left(), rect.top(), EDGE_WIDTH, rect.height()), radius / 2, radius / 2)
        if status == "no_show":
            painter.fillRect(rect.adjusted(EDGE_WIDTH, 0, 0, 0), QBrush(c("muted_text"), Qt.BrushStyle.BDiagPattern))
        self._paint_block_text(painter, block)
        painter.setOpacity(1.0)
        if appointment.id == self._selected:
            painter.setPen(QPen(c("accent"), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), radius, radius)
        if status == "checked_in":
            self._paint_check(painter, rect)

    def _fill(self, type_color: str) -> QColor:
        if type_color not in self._fills:
            self._fills[type_color] = self._theme.appointment_fill(type_color)
        return self._fills[type_color]

    def _paint_block_text(self, painter: QPainter, block: _Block) -> None:
        start, name = block.heading
        if not start:
            return
        c = self._theme.color
        line = self._small_metrics.height()
        rect = block.rect
        if rect.height() < line:
            return
        x = rect.left() + EDGE_WIDTH + TEXT_PADDING
        top = self._text_top(rect)
        painter.setPen(c("text"))
        painter.setFont(self._small_bold_font)
        first_line = QRectF(x, top, rect.right() - x - TEXT_PADDING, line)
        painter.drawText(first_line, _LEFT_TOP, start)
        name_x = x + self._small_bold_metrics.horizontalAdvance(start + " ")
        painter.setFont(self._small_font)
        name_rect = QRectF(name_x, top, rect.right() - name_x - TEXT_PADDING, line)
        drawn = painter.drawText(name_rect, _LEFT_TOP, name)
        if block.appointment.status == "no_show":
            y = drawn.center().y() + 1
            painter.drawLine(QPointF(drawn.left(), y), QPointF(drawn.right(), y))
        if block.second_line:
            painter.setPen(c("muted_text"))
            painter.drawText(QRectF(x, top + line, first_line.width(), line), _LEFT_TOP, block.second_line)

    def _text_top(self, rect: QRectF) -> float:
        return rect.top() + (2 if rect.height() < self._small_metrics.height() + 4 else 3)

    def _paint_check(self, painter: QPainter, rect: QRectF) -> None:
        """A small tick at the end of the block's first line: the patient is here."""
        size = float(CHECK_SIZE)
        right = rect.right() - TEXT_PADDING
        top = self._text_top(rect) + (self._small_metrics.height() - size) / 2
        pen = QPen(self._theme.color("success"), 2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        points = [
            QPointF(right - size, top + size * 0.5),
            QPointF(right - size * 0.6, top + size * 0.9),
            QPointF(right, top),
        ]
        painter.drawPolyline(QPolygonF(points))

    def _paint_now_line(self, painter: QPainter, shown: list[int]) -> None:
        if self._now is None:
            return
        today = self._now.astimezone(self._zone).date()
        color = self._theme.color("now_line")
        for index in shown:
            column = self._columns[index]
            minutes = self._minutes(column.day, self._now)
            if column.day != today or not self._hours[0] * 60 <= minutes <= self._hours[1] * 60:
                continue
            y = self._y(column.day, self._now)
            left, right = self._column_left(index), self._column_left(index + 1)
            painter.setPen(QPen(color, 2))
            painter.drawLine(QPointF(left, y), QPointF(right - 1, y))
            if index == 0 or self._columns[index - 1].day != today:  # one dot where the line begins
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(color)
                painter.drawEllipse(QPointF(left + 1, y), 4.5, 4.5)

    def _paint_axis(self, painter: QPainter, scroll_y: float) -> None:
        c = self._theme.color
        height = self.viewport().height()
        painter.fillRect(QRect(0, 0, AXIS_WIDTH, height), c("surface"))
        painter.setFont(self._small_font)
        painter.setPen(c("muted_text"))
        first, last = self._hours
        for hour in range(first, last):
            y = (hour - first) * HOUR_HEIGHT - scroll_y
            if -HOUR_HEIGHT < y < height:
                label = QRectF(0, y + 2, AXIS_WIDTH - 8, self._small_metrics.height())
                painter.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, f"{hour:02d}:00")
        painter.setPen(c("border"))
        painter.drawLine(QPointF(AXIS_WIDTH - 0.5, 0), QPointF(AXIS_WIDTH - 0.5, height))

    def _paint_header(self, painter: QPainter, exposed: QRect) -> None:
        c = self._theme.color
        painter.fillRect(exposed, c("surface"))
        scroll_x = self.horizontalScrollBar().value()
        painter.save()
        painter.setClipRect(QRect(AXIS_WIDTH, 0, self._header.width() - AXIS_WIDTH, HEADER_HEIGHT))
        title_metrics = QFontMetrics(self._title_font)
        for index, column in enumerate(self._columns):
            left, right = self._column_left(index) - scroll_x, self._column_left(index + 1) - scroll_x
            if right < exposed.left() or left > exposed.right():
                continue
            width = right - left - 2 * 8
            painter.setFont(self._title_font)
            painter.setPen(c("today") if column.is_today and self._several_days else c("text"))
            title = title_metrics.elidedText(column.title, Qt.TextElideMode.ElideRight, int(width))
            painter.drawText(QRectF(left + 8, 6, width, title_metrics.height()), _LEFT_TOP, title)
            painter.setFont(self._small_font)
            painter.setPen(c("muted_text"))
            subtitle = self._small_metrics.elidedText(column.subtitle, Qt.TextElideMode.ElideRight, int(width))
            painter.drawText(
                QRectF(left + 8, 8 + title_metrics.height(), width, self._small_metrics.height()), _LEFT_TOP, subtitle
            )
            if column.is_today and self._several_days:
                painter.fillRect(QRectF(left, HEADER_HEIGHT - 3, right - left, 3), c("today"))
            painter.setPen(c("border"))
            painter.drawLine(QPointF(right - 0.5, 0), QPointF(right - 0.5, HEADER_HEIGHT))
        painter.restore()
        painter.setPen(c("border"))
        painter.drawLine(QPointF(0, HEADER_HEIGHT - 0.5), QPointF(self._header.width(), HEADER_HEIGHT - 0.5))
        painter.drawLine(QPointF(AXIS_WIDTH - 0.5, 0), QPointF(AXIS_WIDTH - 0.5, HEADER_HEIGHT))
        if self._columns:
            zone_name = datetime.combine(self._columns[0].day, time(12), self._zone).tzname() or ""
            painter.setFont(self._small_font)
            painter.setPen(c("muted_text"))
            painter.drawText(
                QRectF(0, 0, AXIS_WIDTH - 8, HEADER_HEIGHT - 6),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                zone_name,
            )

    # --- input ---

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = event.position().toPoint()
        block, index = self._block_at(pos), self._column_at(pos)
        self._select(block)
        if index is not None:
            self.column_selected.emit(self._columns[index])

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        event.setAccepted(event.button() == Qt.MouseButton.LeftButton)  # the press already did the work

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        block = self._block_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and block is not None:
            self.appointment_activated.emit(block.appointment.id)
        else:
            super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right):
            target = self._neighbour(key)
            if target is not None:
                column_changed = self._selected is None or self._by_id[self._selected].column != target.column
                self._select(target)
                self._ensure_visible(target)
                if column_changed:
                    self.column_selected.emit(self._columns[target.column])
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._selected is not None:
            self.appointment_activated.emit(self._selected)
            return
        super().keyPressEvent(event)

    def _neighbour(self, key: Qt.Key) -> _Block | None:
        """The block the arrow `key` leads to from the selection (or the first block, without one)."""
        if self._selected is None:
            today = next((i for i, c in enumerate(self._columns) if c.is_today and self._blocks[i]), None)
            first = today if today is not None else next((i for i, b in enumerate(self._blocks) if b), None)
            return self._blocks[first][0] if first is not None else None
        current = self._by_id[self._selected]
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            blocks = self._blocks[current.column]
            index = blocks.index(current) + (1 if key == Qt.Key.Key_Down else -1)
            return blocks[index] if 0 <= index < len(blocks) else None
        step = 1 if key == Qt.Key.Key_Right else -1
        index = current.column + step
        while 0 <= index < len(self._blocks) and not self._blocks[index]:
            index += step
        if not 0 <= index < len(self._blocks):
            return None
        return min(self._blocks[index], key=lambda b: (abs(b.top - current.top), b.top, b.lane))

    def _select(self, block: _Block | None) -> None:
        self.select_appointment(block.appointment.id if block else None)
        if block is not None:
            self.appointment_selected.emit(block.appointment.id)

    def _ensure_visible(self, block: _Block) -> None:
        margin = 8
        vertical, horizontal = self.verticalScrollBar(), self.horizontalScrollBar()
        height = self.viewport().height()
        if block.rect.top() - margin < vertical.value():
            vertical.setValue(int(block.rect.top()) - margin)
        elif block.rect.bottom() + margin > vertical.value() + height:
            vertical.setValue(int(block.rect.bottom()) + margin - height)
        left, right = self._column_left(block.column) - AXIS_WIDTH, self._column_left(block.column + 1) - AXIS_WIDTH
        width = self.viewport().width() - AXIS_WIDTH
        if left < horizontal.value():
            horizontal.setValue(int(left))
        elif right > horizontal.value() + width:
            horizontal.setValue(int(right - width))

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            block = self._block_at(event.pos())
            if block is None:
                QToolTip.hideText()
                event.ignore()
            else:
                area = block.rect.translated(-self._scroll_offset()).toAlignedRect()
                QToolTip.showText(event.globalPos(), describe(block.appointment, self._zone), self.viewport(), area)
            return True
        return super().viewportEvent(event)

    def _describe_selection(self) -> None:
        block = self._by_id.get(self._selected) if self._selected is not None else None
        text = describe(block.appointment, self._zone).replace("\n", ", ") if block else "No appointment selected"
        self.setAccessibleDescription(text)


_LEFT_TOP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
