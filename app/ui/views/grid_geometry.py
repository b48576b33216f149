"""Where the parts of a week or day time grid go, in content coordinates: the time axis at x 0 .. AXIS_WIDTH and
the first hour shown at y 0. No widget: the view hands in its columns, its width and its font, then paints, hit
tests and navigates by what this works out."""

import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF

from app.services.schedule import AppointmentView
from app.ui.views.columns import ColumnTimes, GridColumn, clock_text, column_times, hour_span

HOUR_HEIGHT = 60
AXIS_WIDTH = 58
MIN_COLUMN_WIDTH = 100  # a working week fits beside the free times at 1024 pixels
DEFAULT_HOURS = (7, 19)  # the span always shown; it grows to every working interval and appointment
EDGE_WIDTH = 4  # the solid type-coloured edge on a block's left
TEXT_PADDING = 5
FADED_STATUSES = ("completed", "no_show", "cancelled")
CHECK_SIZE = 9  # the checked-in tick
MIN_TEXT_WIDTH = 28  # narrower lanes show colour only; the tooltip still tells all


def initials(name: str) -> str:
    """A provider's initials for a narrow block: "Dr. Amelia Hart" -> "AH" (titles ending in a dot left out)."""
    return "".join(word[0] for word in name.split() if not word.endswith(".")).upper()


@dataclass
class BlockText:
    """What a block wide and tall enough shows, elided to fit; positions are text baselines."""

    time: str  # empty when the lane is too narrow for the whole time (a cut "10:0" would read as another time)
    time_at: QPointF
    name: str  # the patient, after the provider's initials where the column shows several providers
    name_at: QPointF
    strike: QLineF | None  # through the name of a no-show
    type_name: str  # empty when the block is too low for a second line
    type_at: QPointF


@dataclass(eq=False, slots=True)
class Block:
    appointment: AppointmentView
    column: int
    start: float  # wall-clock minutes from the column day's midnight
    top: float  # content coordinates; x comes from the column width, which follows the view's width
    bottom: float
    lane: int
    lanes: int
    faded: bool  # over (FADED_STATUSES): it fades into the background, the rest stand out
    busy_bottom: float  # where the buffer after it ends (its bottom when its type has none)
    # Placed by GridGeometry.fit when the columns or the width change:
    rect: QRectF = field(init=False)
    edge: QRectF = field(init=False)  # the solid type-coloured strip on the left
    text: BlockText | None = field(init=False)
    buffer: QRectF | None = field(init=False)  # the buffer's strip under the block


@dataclass
class BlockDrag:
    """An appointment's block being dragged: where in it the mouse took it, and (once it moved far enough to be a
    drag) where its top-left is now, in the content's coordinates."""

    appointment_id: int
    grab: QPointF
    size: QSizeF
    pressed_at: QPoint
    top_left: QPointF | None = None


@dataclass
class ColumnShading:
    working: list[tuple[float, float]]  # (top, bottom) in content coordinates
    time_off: list[tuple[float, float]]


class GridGeometry:
    """The columns on the time axis, their edges across the width, and every block's rectangle and elided text."""

    def __init__(self, zone: ZoneInfo, font: QFont):
        self.zone = zone
        self.columns: list[GridColumn] = []
        self.blocks: list[list[Block]] = []  # per column, in time order
        self.by_id: dict[int, Block] = {}
        self.shading: list[ColumnShading] = []
        self.hours = DEFAULT_HOURS
        self.several_days = False
        self.opening_hour: int | None = None  # the hour the earliest working interval begins in
        self.column_width = float(MIN_COLUMN_WIDTH)
        # Measuring text is slow, and times and type names repeat.
        self._elided: dict[tuple[str, int], str] = {}  # (text, width) -> elided in the small font, for one layout
        self._time_advances: dict[str, tuple[int, int]] = {}  # clock text -> bold width, without and with a space
        self.set_font(font)

    def set_font(self, base: QFont) -> None:
        """Measure text in fonts made from `base`; the view and its header paint in the same fonts."""
        self.small_font = QFont(base)
        self.small_font.setPointSizeF(base.pointSizeF() * 0.9)
        self.small_bold_font = QFont(self.small_font)
        self.small_bold_font.setBold(True)
        self.title_font = QFont(base)
        self.title_font.setBold(True)
        self.small_metrics = QFontMetrics(self.small_font)
        self._small_metrics_f = QFontMetricsF(self.small_font)  # where text lands exactly
        self._small_bold_metrics = QFontMetrics(self.small_bold_font)
        self.line = self.small_metrics.height()
        self._time_advances.clear()

    def set_columns(self, columns: list[GridColumn]) -> None:
        """Lay out `columns` on the time axis; `fit` then places them across a width."""
        self.columns = list(columns)
        times = [column_times(column, self.zone) for column in self.columns]
        self.hours = hour_span(times, DEFAULT_HOURS)
        # Today stands out among the days of a week; in a day view every column is the same day.
        self.several_days = len({column.day for column in self.columns}) > 1
        self.shading = [ColumnShading(self._spans(t.working), self._spans(t.time_off)) for t in times]
        self.blocks = [self._column_blocks(i, times[i]) for i in range(len(self.columns))]
        self.by_id = {block.appointment.id: block for blocks in self.blocks for block in blocks}
        starts = [start for t in times for start, _ in t.working]
        self.opening_hour = math.floor(min(starts) / 60) if starts else None

    def fit(self, width: int) -> None:
        """Share `width` (the axis included) among the columns and place every block in its column."""
        count = max(len(self.columns), 1)
        self.column_width = max(float(MIN_COLUMN_WIDTH), (width - AXIS_WIDTH) / count)
        self._elided.clear()
        for index, blocks in enumerate(self.blocks):
            left, right = self.column_left(index), self.column_left(index + 1)
            for block in blocks:
                self._place(block, left, right)

    def y(self, minutes: float) -> float:
        first, last = self.hours
        return (min(max(minutes, first * 60), last * 60) - first * 60) * HOUR_HEIGHT / 60

    def minutes_at(self, y: float) -> float:
        """The time of day (minutes after midnight) at height `y` of the content."""
        return self.hours[0] * 60 + y * 60 / HOUR_HEIGHT

    def content_height(self) -> int:
        return (self.hours[1] - self.hours[0]) * HOUR_HEIGHT

    def column_left(self, index: int) -> float:
        """A column's left edge (the axis is at 0 .. AXIS_WIDTH)."""
        return AXIS_WIDTH + round(index * self.column_width)

    def column_at(self, x: float) -> int | None:
        if not self.columns:
            return None
        index = int((x - AXIS_WIDTH) // self.column_width)
        return index if 0 <= index < len(self.columns) else None

    def block_at(self, point: QPointF) -> Block | None:
        index = self.column_at(point.x())
        if index is None:
            return None
        return next((block for block in self.blocks[index] if block.rect.contains(point)), None)

    def neighbour(self, current: Block | None, key: Qt.Key) -> Block | None:
        """The block the arrow `key` leads to from `current` (without one: the first block, today's if it has any)."""
        if current is None:
            today = next((i for i, c in enumerate(self.columns) if c.is_today and self.blocks[i]), None)
            first = today if today is not None else next((i for i, b in enumerate(self.blocks) if b), None)
            return self.blocks[first][0] if first is not None else None
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            blocks = self.blocks[current.column]
            index = blocks.index(current) + (1 if key == Qt.Key.Key_Down else -1)
            return blocks[index] if 0 <= index < len(blocks) else None
        step = 1 if key == Qt.Key.Key_Right else -1
        index = current.column + step
        while 0 <= index < len(self.blocks) and not self.blocks[index]:
            index += step
        if not 0 <= index < len(self.blocks):
            return None
        return min(self.blocks[index], key=lambda b: (abs(b.top - current.top), b.top, b.lane))

    def text_top(self, y: float, height: float) -> float:
        """Where the first line of text begins in a block from `y`, `height` high."""
        return y + (2 if height < self.line + 4 else 3)

    def _spans(self, minutes: list[tuple[float, float]]) -> list[tuple[float, float]]:
        spans = [(self.y(start), self.y(end)) for start, end in minutes]
        return [(top, bottom) for top, bottom in spans if bottom > top]

    def _column_blocks(self, index: int, times: ColumnTimes) -> list[Block]:
        column, y = self.columns[index], self.y
        placed = zip(column.appointments, times.appointments, times.busy_until, column.lanes, strict=True)
        blocks = [
            Block(a, index, start, y(start), y(end), lane, count, a.status in FADED_STATUSES, y(busy))
            for a, (start, end), busy, (lane, count) in placed
        ]
        return sorted(blocks, key=lambda b: (b.top, b.lane))

    def _place(self, block: Block, left: float, right: float) -> None:
        lane_width = (right - left - 6) / block.lanes  # a margin on the right leaves room to click the column
        x, y = left + 1 + block.lane * lane_width, block.top + 1
        width, height = lane_width - 1, max(block.bottom - block.top - 2, 4)
        block.rect = QRectF(x, y, width, height)
        block.edge = QRectF(x, y, EDGE_WIDTH, height)
        below = block.busy_bottom - block.bottom
        block.buffer = QRectF(x, block.bottom, width, below - 1) if below >= 2 else None
        text_width = int(width) - EDGE_WIDTH - 2 * TEXT_PADDING
        shows_text = text_width >= MIN_TEXT_WIDTH and height >= self.line
        block.text = self._block_text(block, x, y, height, text_width) if shows_text else None

    def _block_text(self, block: Block, x: float, y: float, height: float, text_width: int) -> BlockText:
        appointment, line = block.appointment, self.line
        time_text = clock_text(block.start)
        if time_text not in self._time_advances:
            advance = self._small_bold_metrics.horizontalAdvance
            self._time_advances[time_text] = advance(time_text), advance(time_text + " ")
        time_width, name_x = self._time_advances[time_text]
        if time_width > text_width:
            time_text, name_x = "", 0
        whose = self.columns[block.column].provider_id is None  # several providers share the column
        patient = (
            f"{initials(appointment.provider_name)} · {appointment.patient_name}" if whose else appointment.patient_name
        )
        name_width = text_width - name_x
        if appointment.status == "checked_in":
            name_width -= CHECK_SIZE + TEXT_PADDING
        name = self._elide(patient, name_width) if name_width > 0 else ""
        left = x + EDGE_WIDTH + TEXT_PADDING
        top = self.text_top(y, height)
        baseline = top + self._small_metrics_f.ascent()
        strike = None
        if appointment.status == "no_show" and name:
            middle = top + self._small_metrics_f.height() / 2 + 1
            name_left = left + name_x
            strike = QLineF(name_left, middle, name_left + self._small_metrics_f.horizontalAdvance(name), middle)
        tall_enough = height >= 2 * line + 4
        return BlockText(
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
            self._elided[key] = self.small_metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
        return self._elided[key]
