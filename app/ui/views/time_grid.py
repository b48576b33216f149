"""The week and day views: columns over a time axis, appointments painted as blocks in their type colour.

Everything is painted on one viewport, with a sticky header row above it; no widget per appointment. The
columns come with their lanes worked out off the UI thread; each block's rectangle and elided text are computed
(by GridGeometry) when the columns or the size change, so a paint only fills the exposed part. Scrolling moves the
pixels already painted and paints the strip revealed; a new selection repaints only the blocks it changes.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QFrame, QWidget

from app.services.schedule import AppointmentView
from app.ui.dates import DAY_IN_MONTH, clock, day_words
from app.ui.labels import status_label
from app.ui.theme import Theme, mix
from app.ui.tooltips import Tip, answer_tooltip
from app.ui.views.columns import GridColumn, busy_until
from app.ui.views.grid_backdrop import paint_axis, paint_column_background, paint_hour_lines, paint_now_line
from app.ui.views.grid_geometry import (
    AXIS_WIDTH,
    CHECK_SIZE,
    EDGE_WIDTH,
    HOUR_HEIGHT,
    MIN_COLUMN_WIDTH,
    TEXT_PADDING,
    Block,
    BlockDrag,
    GridGeometry,
    initials,
)
from app.ui.views.grid_header import HEADER_HEIGHT, GridHeader
from app.ui.views.time_cursor import STEP_MINUTES, TimeCursor

# What other modules take from here; `initials` comes from the block geometry, which labels blocks with it.
__all__ = ["FADED_OPACITY", "HOUR_HEIGHT", "MIN_COLUMN_WIDTH", "TimeGridView", "describe", "faded", "initials"]

FADED_OPACITY = 0.55  # how much of its colour a block that is over keeps against the background
RADIUS = 4.0  # a block's rounded corners
BUFFER = Qt.BrushStyle.BDiagPattern  # the buffer after an appointment: its provider is busy, no patient is there
ARROW_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right)


def faded(color: QColor, background: QColor) -> QColor:
    """How `color` looks on `background` at FADED_OPACITY: an appointment that is over."""
    return mix(color, background, FADED_OPACITY)


def describe(appointment: AppointmentView, zone: ZoneInfo) -> str:
    """A block's tooltip: time range, patient, provider, type (and room) and status, one per line."""
    start, end = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
    buffer = int((busy_until(appointment) - appointment.ends_at).total_seconds() // 60)
    return "\n".join(
        [
            f"{day_words(start.date(), DAY_IN_MONTH)}, {clock(start)}–{clock(end)}"
            + (f" (then {buffer} min buffer)" if buffer else ""),
            appointment.patient_name,
            appointment.provider_name,
            appointment.type_name + (f" in {appointment.room_name}" if appointment.room_name else ""),
            status_label(appointment.status),
        ]
    )


class TimeGridView(QAbstractScrollArea):
    appointment_selected = Signal(int)  # appointment id: a click or the arrow keys
    appointment_activated = Signal(int)  # appointment id: double click or Enter
    column_selected = Signal(object)  # GridColumn the user clicked in, or moved the selection into
    time_activated = Signal(object, object)  # GridColumn, aware datetime: a double click on a time with no block
    # appointment id or None, (GridColumn, aware datetime) or None, global position: a right click
    context_requested = Signal(object, object, object)
    move_requested = Signal(int, object, object)  # appointment id, GridColumn, aware datetime: a block dropped there
    cut_requested = Signal(object)  # appointment id: Ctrl+X, to move it with the keyboard; None: Escape gave that up
    paste_requested = Signal(object, object)  # GridColumn, aware datetime: Ctrl+V at the time cursor

    def __init__(self, theme: Theme, zone: ZoneInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._zone = zone
        self._geometry = GridGeometry(zone, self.font())
        self._selected: int | None = None
        self._drag: BlockDrag | None = None
        self._cursor: TimeCursor | None = None  # the keyboard's place on an empty time, if it is on one
        self._cut: int | None = None  # the appointment cut to move with the keyboard, marked wherever it shows
        self._now: datetime | None = None
        self._pending_hour: int | None = None
        self._type_brushes: dict[tuple[str, bool], tuple[QBrush, QBrush]] = {}  # (type colour, faded) -> fill, edge
        self._header = GridHeader(self, self._geometry, theme, zone)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setViewportMargins(0, HEADER_HEIGHT, 0, 0)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.verticalScrollBar().setSingleStep(HOUR_HEIGHT // 2)
        self.horizontalScrollBar().setSingleStep(MIN_COLUMN_WIDTH // 4)
        self.setAccessibleName("Calendar")

    # --- public ---

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._type_brushes.clear()
        self.viewport().update()
        self._header.set_theme(theme)

    def set_columns(self, columns: list[GridColumn]) -> None:
        """Show `columns`; the selection stays if its appointment is still shown."""
        first_data = not self._geometry.columns
        self._geometry.set_columns(columns)
        if self._selected not in self._geometry.by_id:
            self._selected = None
        if self._cursor is not None and self._cursor.column >= len(columns):
            self._cursor = None
        self._relayout()
        self._describe_selection()
        if first_data:
            opening = self._geometry.opening_hour
            self.scroll_to_hour(opening if opening is not None else 8)

    def set_now(self, moment: datetime) -> None:
        self._now = moment
        self.viewport().update()

    def select_appointment(self, appointment_id: int | None) -> None:
        previous = self._selected
        self._selected = appointment_id if appointment_id in self._geometry.by_id else None
        if self._selected is not None and self._cursor is not None:  # the keyboard is on the appointment now
            self._cursor = None
            self.viewport().update()
        self._describe_selection()
        for changed in (previous, self._selected):  # only their frames change: no need to repaint everything
            rect = self.block_rect(changed) if changed is not None else None
            if rect is not None:
                self.viewport().update(rect.adjusted(-2, -2, 2, 2))

    @property
    def selected_appointment_id(self) -> int | None:
        return self._selected

    def set_cut(self, appointment_id: int | None) -> None:
        """Mark the appointment cut to move with the keyboard (None: none is)."""
        self._cut = appointment_id
        self.viewport().update()

    @property
    def time_cursor(self) -> tuple[GridColumn, datetime] | None:
        """The column and the moment of the time cursor, when the keyboard is on an empty time."""
        return self._cursor_time(self._cursor) if self._cursor is not None else None

    @property
    def columns(self) -> list[GridColumn]:
        return list(self._geometry.columns)

    @property
    def visible_hours(self) -> tuple[int, int]:
        """The first and the last hour of the time axis (the last is where the grid ends)."""
        return self._geometry.hours

    def scroll_to_hour(self, hour: int) -> None:
        """Scroll so that `hour` is at the top (as far as the grid allows)."""
        if not self.isVisible():  # a hidden view has no size to scroll in yet: showing it finishes the job
            self._pending_hour = hour
            return
        self._pending_hour = None
        self.verticalScrollBar().setValue(round((hour - self._geometry.hours[0]) * HOUR_HEIGHT))

    def block_label(self, appointment_id: int) -> tuple[str, str] | None:
        """The time and the name an appointment's block shows ("" for what does not fit); None when it shows no
        text."""
        block = self._geometry.by_id.get(appointment_id)
        return (block.text.time, block.text.name) if block is not None and block.text is not None else None

    def block_rect(self, appointment_id: int) -> QRect | None:
        """Where an appointment's block is, in viewport coordinates; None when it is not shown."""
        block = self._geometry.by_id.get(appointment_id)
        if block is None:
            return None
        return block.rect.translated(-self._scroll_offset()).toAlignedRect()

    def appointment_at(self, pos: QPoint) -> int | None:
        """The appointment whose block is at `pos` (viewport coordinates)."""
        block = self._block_at(pos)
        return block.appointment.id if block else None

    # --- layout ---

    def _relayout(self) -> None:
        self._geometry.fit(self.viewport().width())
        self._update_scrollbars()
        self._header.setGeometry(
            self.viewport().x(), self.viewport().y() - HEADER_HEIGHT, self.viewport().width(), HEADER_HEIGHT
        )
        self.viewport().update()
        self._header.update()

    def _update_scrollbars(self) -> None:
        vertical, horizontal = self.verticalScrollBar(), self.horizontalScrollBar()
        height, width = self.viewport().height(), self.viewport().width()
        vertical.setRange(0, max(0, self._geometry.content_height() - height))
        vertical.setPageStep(height)
        columns_width = round(len(self._geometry.columns) * self._geometry.column_width)
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
            self._geometry.set_font(self.font())
            self._relayout()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        # The time axis stays put when the columns scroll sideways; everything moves together up and down.
        viewport = self.viewport()
        if dx:
            columns_area = QRect(AXIS_WIDTH, 0, viewport.width() - AXIS_WIDTH, viewport.height())
            viewport.scroll(dx, 0, columns_area)
            self._header.scroll_columns(dx)
        if dy:
            viewport.scroll(0, dy)

    # --- hit testing ---

    def _column_at(self, pos: QPoint) -> int | None:
        return self._geometry.column_at(pos.x() + self.horizontalScrollBar().value()) if pos.x() >= AXIS_WIDTH else None

    def _block_at(self, pos: QPoint) -> Block | None:
        return self._geometry.block_at(QPointF(pos) + self._scroll_offset()) if pos.x() >= AXIS_WIDTH else None

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
        shown = [i for i in range(len(self._geometry.columns)) if self._overlaps_columns(i, area)]
        for index in shown:
            paint_column_background(painter, self._geometry, c, index, area)
        paint_hour_lines(painter, self._geometry, c, area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        blocks = [block for index in shown for block in self._geometry.blocks[index] if block.rect.intersects(area)]
        self._paint_blocks(painter, blocks)
        if self._now is not None:
            paint_now_line(painter, self._geometry, c, self._now, self._zone, shown)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self._drag is not None and self._drag.top_left is not None:
            painter.setPen(QPen(c("accent"), 2, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(QRectF(self._drag.top_left, self._drag.size), RADIUS, RADIUS)
        if self._cursor is not None:
            painter.setPen(QPen(c("accent"), 2))
            painter.drawRect(self._cursor_rect().adjusted(1, 1, -1, -1))
        painter.restore()
        if exposed.left() < AXIS_WIDTH:
            paint_axis(painter, self._geometry, c, self.viewport().height(), offset.y())

    def _overlaps_columns(self, index: int, area: QRectF) -> bool:
        return self._geometry.column_left(index) < area.right() and self._geometry.column_left(index + 1) > area.left()

    def _paint_blocks(self, painter: QPainter, blocks: list[Block]) -> None:
        """Blocks never overlap, so they are painted layer by layer, which keeps the painter's state changes few:
        the appointments that stand out, those that are over (faded into the background), then the marks on top."""
        for over in (False, True):
            self._paint_block_layers(painter, [block for block in blocks if block.faded == over], faded=over)
        for block in blocks:
            if block.appointment.id in (self._selected, self._cut):  # the one cut to move: a dashed frame
                style = Qt.PenStyle.DashLine if block.appointment.id == self._cut else Qt.PenStyle.SolidLine
                painter.setPen(QPen(self._theme.color("accent"), 2, style))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(block.rect.adjusted(1, 1, -1, -1), RADIUS, RADIUS)
            if block.appointment.status == "checked_in":
                self._paint_check(painter, block.rect)

    def _paint_block_layers(self, painter: QPainter, blocks: list[Block], *, faded: bool) -> None:
        """One layer of blocks; those that are over in faded colours, their text muted yet readable (AA)."""
        c = self._theme.color
        painter.setPen(Qt.PenStyle.NoPen)
        for block in (block for block in blocks if block.buffer is not None):  # busy after it: hatched, no fill
            painter.fillRect(
                block.buffer, QBrush(self._brushes(block.appointment.type_color, faded)[1].color(), BUFFER)
            )
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
        painter.setFont(self._geometry.small_bold_font)
        for text in texts:
            painter.drawText(text.time_at, text.time)
        painter.setFont(self._geometry.small_font)
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

    def _paint_check(self, painter: QPainter, rect: QRectF) -> None:
        """A small tick at the end of the block's first line: the patient is here."""
        size = float(CHECK_SIZE)
        right = rect.right() - TEXT_PADDING
        top = self._geometry.text_top(rect.top(), rect.height()) + (self._geometry.line - size) / 2
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

    # --- input ---

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = event.position().toPoint()
        block, index = self._block_at(pos), self._column_at(pos)
        self._select(block)
        minutes = self._geometry.minutes_at(pos.y() + self.verticalScrollBar().value())
        self._set_cursor(TimeCursor.at(index, minutes) if block is None and index is not None else None)
        if index is not None:
            self.column_selected.emit(self._geometry.columns[index])
        if block is not None:
            grab = QPointF(pos) + self._scroll_offset() - block.rect.topLeft()
            self._drag = BlockDrag(block.appointment.id, grab, block.rect.size(), pos)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        drag, pos = self._drag, event.position().toPoint()
        if drag is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if drag.top_left is not None or (pos - drag.pressed_at).manhattanLength() >= QApplication.startDragDistance():
            drag.top_left = QPointF(pos) + self._scroll_offset() - drag.grab
            self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is not None and drag.top_left is not None:  # dropped: its top is the time it moves to
            self.viewport().update()  # the block stays where it is until the move is made
            top = round(drag.top_left.y() - self._scroll_offset().y())
            if (where := self._time_at(QPoint(event.position().toPoint().x(), top))) is not None:
                self.move_requested.emit(drag.appointment_id, *where)
        event.setAccepted(event.button() == Qt.MouseButton.LeftButton)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        block = self._block_at(pos)
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
        elif block is not None:
            self.appointment_activated.emit(block.appointment.id)
        elif (where := self._time_at(pos)) is not None:
            self.time_activated.emit(*where)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        block = self._block_at(event.pos())  # in the viewport's coordinates, as for the mouse
        if block is not None:
            self._select(block)
        where = None if block is not None else self._time_at(event.pos())
        self.context_requested.emit(block.appointment.id if block else None, where, event.globalPos())

    def _time_at(self, pos: QPoint) -> tuple[GridColumn, datetime] | None:
        """The column and the moment at `pos` (viewport coordinates), if it is in a column."""
        index = self._column_at(pos)
        if index is None:
            return None
        column = self._geometry.columns[index]
        return column, self._moment(column, self._geometry.minutes_at(pos.y() + self.verticalScrollBar().value()))

    def _moment(self, column: GridColumn, minutes: float) -> datetime:
        return datetime.combine(column.day, time(0), tzinfo=self._zone) + timedelta(minutes=minutes)

    def _cursor_time(self, cursor: TimeCursor) -> tuple[GridColumn, datetime]:
        column = self._geometry.columns[cursor.column]
        return column, self._moment(column, cursor.minutes)

    def _cursor_rect(self) -> QRectF:
        """The time cursor's quarter of an hour, in content coordinates."""
        cursor, geometry = self._cursor, self._geometry
        left, right = geometry.column_left(cursor.column), geometry.column_left(cursor.column + 1)
        top, bottom = geometry.y(cursor.minutes), geometry.y(cursor.minutes + STEP_MINUTES)
        return QRectF(left, top, right - left, bottom - top)

    def _set_cursor(self, cursor: TimeCursor | None) -> None:
        """Put the time cursor on `cursor` (None: off the grid's empty times); no appointment is selected then."""
        if cursor is not None:
            self.select_appointment(None)
        moved_column = cursor is not None and (self._cursor is None or self._cursor.column != cursor.column)
        self._cursor = cursor
        if cursor is not None:
            self._ensure_visible(self._cursor_rect(), cursor.column)
        if moved_column:
            self.column_selected.emit(self._geometry.columns[cursor.column])
        self._describe_selection()
        self.viewport().update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, cursor = event.key(), self._cursor
        if event.matches(QKeySequence.StandardKey.Cut) and self._selected is not None:
            self.cut_requested.emit(self._selected)
        elif event.matches(QKeySequence.StandardKey.Paste) and cursor is not None:
            self.paste_requested.emit(*self._cursor_time(cursor))
        elif key == Qt.Key.Key_Escape and self._cut is not None:
            self.cut_requested.emit(None)
        elif key == Qt.Key.Key_Escape and self._selected is not None:  # from the appointment to the time it starts
            block = self._geometry.by_id[self._selected]
            self._set_cursor(TimeCursor.at(block.column, block.start))
        elif key in ARROW_KEYS and cursor is not None:
            self._set_cursor(cursor.moved(key, len(self._geometry.columns), self._geometry.hours))
        elif key in ARROW_KEYS:
            self._select_neighbour(key)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._selected is not None:
            self.appointment_activated.emit(self._selected)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and cursor is not None:
            self.time_activated.emit(*self._cursor_time(cursor))
        else:
            super().keyPressEvent(event)

    def _select_neighbour(self, key: Qt.Key) -> None:
        """From the selected appointment (or none) to the next one in the arrow's direction."""
        current = self._geometry.by_id[self._selected] if self._selected is not None else None
        target = self._geometry.neighbour(current, key)
        if target is not None:
            self._select(target)
            self._ensure_visible(target.rect, target.column)
            if current is None or current.column != target.column:
                self.column_selected.emit(self._geometry.columns[target.column])

    def _select(self, block: Block | None) -> None:
        self.select_appointment(block.appointment.id if block else None)
        if block is not None:
            self.appointment_selected.emit(block.appointment.id)

    def _ensure_visible(self, rect: QRectF, column: int) -> None:
        """Scroll so that `rect` (content coordinates) in `column` shows."""
        margin = 8
        vertical, horizontal = self.verticalScrollBar(), self.horizontalScrollBar()
        height = self.viewport().height()
        if rect.top() - margin < vertical.value():
            vertical.setValue(int(rect.top()) - margin)
        elif rect.bottom() + margin > vertical.value() + height:
            vertical.setValue(int(rect.bottom()) + margin - height)
        left = self._geometry.column_left(column) - AXIS_WIDTH
        right = self._geometry.column_left(column + 1) - AXIS_WIDTH
        width = self.viewport().width() - AXIS_WIDTH
        if left < horizontal.value():
            horizontal.setValue(int(left))
        elif right > horizontal.value() + width:
            horizontal.setValue(int(right - width))

    def _tip_at(self, pos: QPoint) -> Tip | None:
        block = self._block_at(pos)
        if block is None:
            return None
        area = block.rect.translated(-self._scroll_offset()).toAlignedRect()
        return describe(block.appointment, self._zone), self.viewport(), area

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            return answer_tooltip(event, self._tip_at(event.pos()))
        return super().viewportEvent(event)

    def _describe_selection(self) -> None:
        block = self._geometry.by_id.get(self._selected) if self._selected is not None else None
        if block is not None:
            text = describe(block.appointment, self._zone).replace("\n", ", ")
        elif self._cursor is not None:
            column, moment = self._cursor_time(self._cursor)
            text = f"{column.title}, {day_words(column.day, DAY_IN_MONTH)} {clock(moment)}: Enter books here"
        else:
            text = "No appointment selected"
        self.setAccessibleDescription(text)
