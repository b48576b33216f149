"""A label that takes the room it is given and elides its text to fit, instead of asking for its whole width."""

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MIN_CHARACTERS = 6  # the room it asks for at least: a few characters and the ellipsis


class ElidedLabel(QLabel):
    """In a toolbar it shrinks before any button does (Qt would hide the buttons in an overflow menu)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().averageCharWidth() * MIN_CHARACTERS, hint.height())

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()

    def shown_text(self) -> str:
        """The text as it fits now (elided with "…" where it does not)."""
        room = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())
