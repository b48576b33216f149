"""Tooltips for what a widget paints itself (a day cell, an appointment block): shown while the mouse stays on it."""

from PySide6.QtCore import QRect
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip, QWidget

Tip = tuple[str, QWidget, QRect]  # the text, and the widget and area it stays up over


def answer_tooltip(event: QHelpEvent, tip: Tip | None) -> bool:
    """Show the tip for the thing under the mouse; with none (nothing there) hide any. The event is handled."""
    if tip is None:
        QToolTip.hideText()
        event.ignore()
    else:
        text, widget, area = tip
        QToolTip.showText(event.globalPos(), text, widget, area)
    return True
