"""The program's icon, drawn rather than shipped: a page of a calendar with one day marked. The window uses it, and
the Windows build writes it into the executables (packaging/windows/make_icon.py)."""

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap

BLUE, WHITE, MARK = QColor("#1d4ed8"), QColor("#ffffff"), QColor("#f59e0b")
SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_image(size: int) -> QImage:
    """The icon at `size` pixels square: a blue page with a white header band of rings and a grid of days."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    unit = size / 16
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(BLUE)
    painter.drawRoundedRect(QRectF(unit, 2 * unit, 14 * unit, 13 * unit), 2 * unit, 2 * unit)
    painter.setBrush(WHITE)
    for row in range(3):
        for column in range(4):
            cell = QRectF((2.5 + 3 * column) * unit, (6.5 + 2.75 * row) * unit, 2 * unit, 1.75 * unit)
            painter.setBrush(MARK if (row, column) == (1, 2) else WHITE)
            painter.drawRect(cell)
    painter.setBrush(WHITE)
    for ring in (4.5, 10.5):
        painter.drawRoundedRect(QRectF(ring * unit, 0.5 * unit, 1 * unit, 3.5 * unit), 0.5 * unit, 0.5 * unit)
    painter.end()
    return image


def app_icon() -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(QPixmap.fromImage(icon_image(size)))
    return icon
