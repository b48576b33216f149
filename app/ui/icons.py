"""Small pictures drawn in code, so they follow the data (an appointment type's colour) and need no files."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPixmap


def type_dot(color: str, diameter: int = 10) -> QPixmap:
    """A filled circle in an appointment type's colour."""
    pixmap = QPixmap(diameter, diameter)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(0, 0, diameter, diameter)
    painter.end()
    return pixmap
