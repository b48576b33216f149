"""What the week and day grid paints under and beside the appointments: each column's working time and time off,
the hour lines, the line at the current time and the time axis. Content coordinates, as GridGeometry has them."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from app.ui.views.columns import clock_text, wall_minutes
from app.ui.views.grid_geometry import AXIS_WIDTH, HOUR_HEIGHT, GridGeometry

Colors = Callable[[str], QColor]  # the theme's colour by role


def paint_column_background(painter: QPainter, geometry: GridGeometry, c: Colors, index: int, area: QRectF) -> None:
    left, right = geometry.column_left(index), geometry.column_left(index + 1)
    shading = geometry.shading[index]
    for top, bottom in shading.working:
        painter.fillRect(QRectF(left, top, right - left, bottom - top), c("working"))
    # Open time stands out from closed time by its frame (3:1), not only by its fill.
    painter.setPen(QPen(c("hours_edge"), 1))
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


def paint_hour_lines(painter: QPainter, geometry: GridGeometry, c: Colors, area: QRectF) -> None:
    first, last = geometry.hours
    left, right = max(area.left(), AXIS_WIDTH), min(area.right(), geometry.column_left(len(geometry.columns)))
    solid = QPen(c("grid_line"), 1)
    dotted = QPen(c("grid_line"), 1, Qt.PenStyle.DotLine)
    for step in range(2 * (last - first)):
        y = step * HOUR_HEIGHT / 2 + 0.5
        if area.top() - 1 <= y <= area.bottom() + 1:
            painter.setPen(dotted if step % 2 else solid)
            painter.drawLine(QPointF(left, y), QPointF(right, y))


def paint_now_line(
    painter: QPainter, geometry: GridGeometry, c: Colors, now: datetime, zone: ZoneInfo, shown: list[int]
) -> None:
    """A line across today's columns at the current time, with a dot where it begins."""
    today = now.astimezone(zone).date()
    minutes = wall_minutes(today, now, zone)
    if not geometry.hours[0] * 60 <= minutes <= geometry.hours[1] * 60:
        return
    y = geometry.y(minutes)
    color = c("now_line")
    for index in shown:
        if geometry.columns[index].day != today:
            continue
        left, right = geometry.column_left(index), geometry.column_left(index + 1)
        painter.setPen(QPen(color, 2))
        painter.drawLine(QPointF(left, y), QPointF(right - 1, y))
        if index == 0 or geometry.columns[index - 1].day != today:  # one dot where the line begins
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawEllipse(QPointF(left + 1, y), 4.5, 4.5)


def paint_axis(painter: QPainter, geometry: GridGeometry, c: Colors, height: int, scroll_y: float) -> None:
    """The hours down the left edge, in viewport coordinates (the axis does not scroll sideways)."""
    painter.fillRect(QRect(0, 0, AXIS_WIDTH, height), c("surface"))
    painter.setFont(geometry.small_font)
    painter.setPen(c("muted_text"))
    first, last = geometry.hours
    for hour in range(first, last):
        y = (hour - first) * HOUR_HEIGHT - scroll_y
        if -HOUR_HEIGHT < y < height:
            label = QRectF(0, y + 2, AXIS_WIDTH - 8, geometry.small_metrics.height())
            painter.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, clock_text(hour * 60))
    painter.setPen(c("border"))
    painter.drawLine(QPointF(AXIS_WIDTH - 0.5, 0), QPointF(AXIS_WIDTH - 0.5, height))
