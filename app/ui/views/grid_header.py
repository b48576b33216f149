"""The sticky row above a week or day time grid: each column's title and subtitle, and the clinic's time zone over
the time axis. It follows the grid sideways and stays put when the grid scrolls up and down."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from app.ui.theme import Theme
from app.ui.views.grid_geometry import AXIS_WIDTH, GridGeometry

HEADER_HEIGHT = 48
_LEFT_TOP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


class GridHeader(QWidget):
    def __init__(self, grid: QAbstractScrollArea, geometry: GridGeometry, theme: Theme, zone: ZoneInfo):
        super().__init__(grid)
        self._grid = grid
        self._geometry = geometry  # the grid's, so that titles and columns share one layout
        self._theme = theme
        self._zone = zone

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def scroll_columns(self, dx: int) -> None:
        """Move the titles with the columns; the zone over the time axis stays."""
        self.scroll(dx, 0, self._columns_area())

    def _columns_area(self) -> QRect:
        return QRect(AXIS_WIDTH, 0, self.width() - AXIS_WIDTH, HEADER_HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        exposed = event.rect()
        c, geometry = self._theme.color, self._geometry
        painter.fillRect(exposed, c("surface"))
        scroll_x = self._grid.horizontalScrollBar().value()
        painter.save()
        painter.setClipRect(self._columns_area())
        title_metrics, small_metrics = QFontMetrics(geometry.title_font), geometry.small_metrics
        for index, column in enumerate(geometry.columns):
            left, right = geometry.column_left(index) - scroll_x, geometry.column_left(index + 1) - scroll_x
            if right < exposed.left() or left > exposed.right():
                continue
            width = right - left - 2 * 8
            painter.setFont(geometry.title_font)
            painter.setPen(c("today") if column.is_today and geometry.several_days else c("text"))
            title = title_metrics.elidedText(column.title, Qt.TextElideMode.ElideRight, int(width))
            painter.drawText(QRectF(left + 8, 6, width, title_metrics.height()), _LEFT_TOP, title)
            painter.setFont(geometry.small_font)
            painter.setPen(c("muted_text"))
            subtitle = small_metrics.elidedText(column.subtitle, Qt.TextElideMode.ElideRight, int(width))
            painter.drawText(
                QRectF(left + 8, 8 + title_metrics.height(), width, small_metrics.height()), _LEFT_TOP, subtitle
            )
            if column.is_today and geometry.several_days:
                painter.fillRect(QRectF(left, HEADER_HEIGHT - 3, right - left, 3), c("today"))
            painter.setPen(c("border"))
            painter.drawLine(QPointF(right - 0.5, 0), QPointF(right - 0.5, HEADER_HEIGHT))
        painter.restore()
        painter.setPen(c("border"))
        painter.drawLine(QPointF(0, HEADER_HEIGHT - 0.5), QPointF(self.width(), HEADER_HEIGHT - 0.5))
        painter.drawLine(QPointF(AXIS_WIDTH - 0.5, 0), QPointF(AXIS_WIDTH - 0.5, HEADER_HEIGHT))
        if geometry.columns:
            zone_name = datetime.combine(geometry.columns[0].day, time(12), self._zone).tzname() or ""
            painter.setFont(geometry.small_font)
            painter.setPen(c("muted_text"))
            painter.drawText(
                QRectF(0, 0, AXIS_WIDTH - 8, HEADER_HEIGHT - 6),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                zone_name,
            )
