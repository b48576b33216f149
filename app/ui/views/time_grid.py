"""The week and day views: columns over a time axis, appointments painted as blocks in their type colour.

Everything is painted on one viewport, with a sticky header row above it; no widget per appointment. The
columns come with their lanes worked out off the UI thread; each block's rectangle and elided text are computed
when the columns or the size change, so a paint only fills the exposed part. Scrolling moves the pixels already
painted and paints the strip revealed; a new selection repaints only the blocks it changes.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QFontMetricsF,
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

from app.services.schedule import AppointmentView
from app.ui.labels import status_label
from app.ui.theme import Theme, mix
from app.ui.views.columns import ColumnTimes, GridColumn, clock_text, column_times, hour_span, wall_minutes

HOUR_HEIGHT = 60
AXIS_WIDTH = 58
HEADER_HEIGHT = 48
MIN_COLUMN_WIDTH = 100  # a working week fits beside the free times at 1024 pixels
DEFAULT_HOURS = (7, 19)  # the span always shown; it grows to every working interval and appointment
EDGE_WIDTH = 4  # the solid type-coloured edge on a block's left
TEXT_PADDING = 5
FADED_STATUSES = ("completed", "no_show", "cancelled")
FADED_OPACITY = 0.55  # how much of its colour a block that is over keeps against the background
RADIUS = 4.0  # a block's rounded corners
CHECK_SIZE = 9  # the checked-in tick
MIN_TEXT_WIDTH = 28  # narrower lanes show colour only; the tooltip still tells all


def initials(name: str) -> str:
    """A provider's initials for a narrow block: "Dr. Amelia Hart" -> "AH" (titles ending in a dot left out)."""
    return "".join(word[0] for word in name.split() if not word.endswith(".")).upper()


def faded(color: QColor, background: QColor) -> QColor:
    """How `color` looks on `background` at FADED_OPACITY: an appointment that is over."""
    return mix(color, background, FADED_OPACITY)


def describe(appointment: AppointmentView, zone: ZoneInfo) -> str:
    """A block's tooltip: time range, patient, provider, type and status, one per line."""
    start, end = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
    return "\n".join(
        [
            f"{start:%a} {start.day} {start:%b}, {start:%H:%M}–{end:%H:%M}",
            appointment.patient_name,
            appointment.provider_name,
            appointment.type_name,
            status_label(appointment.status),
        ]
    )


@dataclass
class _BlockText:
    """What a block wide and tall enough shows, elided to fit; positions are text baselines."""

    time: str  # empty when the lane is too narrow for the whole time (a cut "10:0" would read as another time)
    time_at: QPointF
    name: str  # the patient, after the provider's initials where the column shows several providers
    name_at: QPointF
    strike: QLineF | None  # through the name of a no-show
    type_name: str  # empty when the block is too low for a second line
    type_at: QPointF


@dataclass(eq=False, slots=True)
class _Block:
    appointment: AppointmentView
    column: int
    start: float  # wall-clock minutes from the column day's midnight
    top: float  # content coordinates; x comes from the column width, which follows the view's width
    bottom: float
    lane: int
    lanes: int
    faded: bool  # over (FADED_STATUSES): it fades into the background, the rest stand out
    # Placed by _place when the columns or the size change:
    rect: QRectF = field(init=False)
    edge: QRectF = field(init=False)  # the solid type-coloured strip on the left
    text: _BlockText | None = field(init=False)


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
        self._type_brushes: dict[tuple[str, bool], tuple[QBrush, QBrush]] = {}  # (type colour, faded) -> fill, edge
        # Measuring text is slow, and times and type names repeat.
        self._elided: dict[tuple[str, int], str] = {}  # (text, width) -> elided in the small font, for one layout
        self._time_advances: dict[str, tuple[int, int]] = {}  # "HH:MM" -> its bold width, without and with a space
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
        self._type_brushes.clear()
        self.viewport().update()
        self._header.update()

    def set_columns(self, columns: list[GridColumn]) -> None:
        """Show `columns`; the selection stays if its appointment is still shown."""
        first_data = not self._columns
        self._columns = list(columns)
        times = [column_times(column, self._zone) for column in self._columns]
        self._hours = hour_span(times, DEFAULT_HOURS)
        # Today stands out among the days of a week; in a day view every column is the same day.
        self._several_days = len({column.day for column in self._columns}) > 1
        self._shading = [_ColumnShading(self._spans(t.working), self._spans(t.time_off)) for t in times]
        self._blocks = [self._column_blocks(i, times[i]) for i in range(len(self._columns))]
        self._by_id = {block.appointment.id: block for blocks in self._blocks for block in blocks}
        if self._selected not in self._by_id:
            self._selected = None
        self._relayout()
        self._describe_selection()
        if first_data:
            starts = [start for t in times for start, _ in t.working]
            self.scroll_to_hour(math.floor(min(starts) / 60) if starts else 8)

    def set_now(self, moment: datetime) -> None:
        self._now = moment
        self.viewport().update()

    def select_appointment(self, appointment_id: int | None) -> None:
        previous = self._selected
        self._selected = appointment_id if appointment_id in self._by_id else None
        self._describe_selection()
        for changed in (previous, self._selected):  # only their frames change: no need to repaint everything
            rect = self.block_rect(changed) if changed is not None else None
            if rect is not None:
                self.viewport().update(rect.adjusted(-2, -2, 2, 2))

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

    def block_label(self, appointment_id: int) -> tuple[str, str] | None:
        """The time and the name an appointment's block shows ("" for what does not fit); None when it shows no
        text."""
        block = self._by_id.get(appointment_id)
        return (block.text.time, block.text.name) if block is not None and block.text is not None else None

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
        self._small_metrics_f = QFontMetricsF(self._small_font)  # where text lands exactly
        self._small_bold_metrics = QFontMetrics(self._small_bold_font)
        self._line = self._small_metrics.height()
        self._time_advances.clear()

    def _y(self, minutes: float) -> float:
        first, last = self._hours
        return (min(max(minutes, first * 60), last * 60) - first * 60) * HOUR_HEIGHT / 60

    def _spans(self, minutes: list[tuple[float, float]]) -> list[tuple[float, float]]:
        spans = [(self._y(start), self._y(end)) for start, end in minutes]
        return [(top, bottom) for top, bottom in spans if bottom > top]

    def _column_blocks(self, index: int, times: ColumnTimes) -> list[_Block]:
        column, y = self._columns[index], self._y
        placed = zip(column.appointments, times.appointments, column.lanes, strict=True)
        blocks = [
            _Block(a, index, start, y(start), y(end), lane, count, a.status in FADED_STATUSES)
            for a, (start, end), (lane, count) in placed
        ]
        return sorted(blocks, key=lambda b: (b.top, b.lane))

    def _content_height(self) -> int:
        return (self._hours[1] - self._hours[0]) * HOUR_HEIGHT

    def _column_left(self, index: int) -> float:
        """A column's left edge in content coordinates (the axis is at 0 .. AXIS_WIDTH)."""
        return AXIS_WIDTH + round(index * self._column_width)

    def _relayout(self) -> None:
        available = self.viewport().width() - AXIS_WIDTH
        count = max(len(self._columns), 1)
        self._column_width = max(float(MIN_COLUMN_WIDTH), available / count)
        self._elided.clear()
        for index, blocks in enumerate(self._blocks):
            left, right = self._column_left(index), self._column_left(index + 1)
            for block in blocks:
                self._place(block, left, right)
        self._update_scrollbars()
        self._header.setGeometry(
            self.viewport().x(), self.viewport().y() - HEADER_HEIGHT, self.viewport().width(), HEADER_HEIGHT
        )
        self.viewport().update()
        self._header.update()

    def _place(self, block: _Block, left: float, right: float) -> None:
        lane_width = (right - left - 6) / block.lanes  # a margin on the right leaves room to click the column
        x, y = left + 1 + block.lane * lane_width, block.top + 1
        width, height = lane_width - 1, max(block.bottom - block.top - 2, 4)
        block.rect = QRectF(x, y, width, height)
        block.edge = QRectF(x, y, EDGE_WIDTH, height)
        text_width = int(width) - EDGE_WIDTH - 2 * TEXT_PADDING
        shows_text = text_width >= MIN_TEXT_WIDTH and height >= self._line
        block.text = self._block_text(block, x, y, width, height, text_width) if shows_text else None

    def _block_text(
        self, block: _Block, x: float, y: float, width: float, height: float, text_width: int
    ) -> _BlockText:
        appointment, line = block.appointment, self._line
        time_text = clock_text(block.start)
        if time_text not in self._time_advances:
            advance = self._small_bold_metrics.horizontalAdvance
            self._time_advances[time_text] = advance(time_text), advance(time_text + " ")
        time_width, name_x = self._time_advances[time_text]
        if time_width > text_width:
            time_text, name_x = "", 0
        whose = self._columns[block.column].provider_id is None  # several providers share the column
        patient = (
            f"{initials(appointment.provider_name)} · {appointment.patient_name}"
            if whose
            else (appointment.patient_name)
        )
        name_width = text_width - name_x
        if appointment.status == "checked_in":
            name_width -= CHECK_SIZE + TEXT_PADDING
        name = self._elide(patient, name_width) if name_width > 0 else ""
        left = x + EDGE_WIDTH + TEXT_PADDING
        top = self._text_top(y, height)
        baseline = top + self._small_metrics_f.ascent()
        strike = None
        if appointment.status == "no_show" and name:
            middle = top + self._small_metrics_f.height() / 2 + 1
            name_left = left + name_x
            strike = QLineF(name_left, middle, name_left + self._small_metrics_f.horizontalAdvance(name), middle)
        tall_enough = height >= 2 * line + 4
        return _BlockText(
            time_text,
            QPointF(left, baseline),
            name,
            QPointF(left + name_x, baseline),
            strike,
            self._elide(appointment.type_name, text_width) if tall_enough else "",
            QPointF(left, baseline + line),
        )

    def _elide(self, text: str, width: int) -> str:
        key = (text, width)
        if key not in self._elided:
            self._elided[key] = self._small_metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
        return self._elided[key]

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
        blocks = [block for index in shown for block in self._blocks[index] if block.rect.intersects(area)]
        self._paint_blocks(painter, blocks)
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
        edge = QPen(c("hours_edge"), 1)
        for top, bottom in shading.working:
            painter.fillRect(QRectF(left, top, right - left, bottom - top), c("working"))
        painter.setPen(edge)  # open time stands out from closed time by its frame (3:1), not only its fill
        for top, bottom in shading.working:
            painter.drawLine(QPointF(left, top + 0.5), QPointF(right - 1, top + 0.5))
            painter.drawLine(QPointF(left, bottom - 0.5), QPointF(right - 1, bottom - 0.5))
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

    def _paint_blocks(self, painter: QPainter, blocks: list[_Block]) -> None:
        """Blocks never overlap, so they are painted layer by layer, which keeps the painter's state changes few:
        the appointments that stand out, those that are over (faded into the background), then the marks on top."""
        for over in (False, True):
            self._paint_block_layers(painter, [block for block in blocks if block.faded == over], faded=over)
        for block in blocks:
            if block.appointment.id == self._selected:
                painter.setPen(QPen(self._theme.color("accent"), 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(block.rect.adjusted(1, 1, -1, -1), RADIUS, RADIUS)
            if block.appointment.status == "checked_in":
                self._paint_check(painter, block.rect)

    def _paint_block_layers(self, painter: QPainter, blocks: list[_Block], *, faded: bool) -> None:
        """One layer of blocks; those that are over in faded colours, their text muted yet readable (AA)."""
        c = self._theme.color
        painter.setPen(Qt.PenStyle.NoPen)
        for block in blocks:
            fill, edge = self._brushes(block.appointment.type_color, faded)
            painter.setBrush(fill)
            painter.drawRoundedRect(block.rect, RADIUS, RADIUS)
            painter.setBrush(edge)
            painter.drawRoundedRect(block.edge, RADIUS / 2, RADIUS / 2)
            if block.appointment.status == "no_show":
                hatch = QBrush(c("muted_text"), Qt.BrushStyle.BDiagPattern)
                painter.fillRect(block.rect.adjusted(EDGE_WIDTH, 0, 0, 0), hatch)
        texts = [block.text for block in blocks if block.text]
        painter.setPen(c("muted_text") if faded else c("text"))
        painter.setFont(self._small_bold_font)
        for text in texts:
            painter.drawText(text.time_at, text.time)
        painter.setFont(self._small_font)
        for text in texts:
            painter.drawText(text.name_at, text.name)
            if text.strike is not None:
                painter.drawLine(text.strike)
        for text in texts:  # in the layer's pen: muted text on a type's own fill would be too faint
            if text.type_name:
                painter.drawText(text.type_at, text.type_name)

    def _brushes(self, type_color: str, over: bool) -> tuple[QBrush, QBrush]:
        """A block's fill and its edge in the current theme (faded into the open time's colour when it is over)."""
        key = (type_color, over)
        if key not in self._type_brushes:
            fill, edge = self._theme.appointment_fill(type_color), QColor(type_color)
            if over:
                working = self._theme.color("working")
                fill, edge = faded(fill, working), faded(edge, working)
            self._type_brushes[key] = QBrush(fill), QBrush(edge)
        return self._type_brushes[key]

    def _text_top(self, y: float, height: float) -> float:
        return y + (2 if height < self._line + 4 else 3)

    def _paint_check(self, painter: QPainter, rect: QRectF) -> None:
        """A small tick at the end of the block's first line: the patient is here."""
        size = float(CHECK_SIZE)
        right = rect.right() - TEXT_PADDING
        top = self._text_top(rect.top(), rect.height()) + (self._line - size) / 2
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
        minutes = wall_minutes(today, self._now, self._zone)
        if not self._hours[0] * 60 <= minutes <= self._hours[1] * 60:
            return
        y = self._y(minutes)
        color = self._theme.color("now_line")
        for index in shown:
            if self._columns[index].day != today:
                continue
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
