"""Messages shown where the problem is: under the field it is about, or in a banner at the top of a dialog."""

from collections.abc import Mapping

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.ui.theme import Theme, set_style_property

OFFLINE_MESSAGE = (
    "Offline: the database cannot be reached, so nothing can be saved right now. What you entered is kept,"
    " and this desk reconnects by itself."
)


def sentence(message: str) -> str:
    """A validator's reason ("must not be empty") as a sentence under its field."""
    return message[:1].upper() + message[1:]


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Flag a field for the app stylesheet's red border."""
    set_style_property(widget, "invalid", invalid)


def stacked(*widgets: QWidget, spacing: int) -> QWidget:
    """Widgets one above the other with no margin: a field with its caption and its error message."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(spacing)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class InlineError(QLabel):
    """The message under one field; takes no space while there is nothing to say."""

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("role", "error")
        self.setWordWrap(True)
        self.setAccessibleName(f"{caption} error")
        self.hide()

    def set_message(self, message: str) -> None:
        self.setText(sentence(message) if message else "")
        self.setVisible(bool(message))


class FieldErrors:
    """Which input widget and which message label belong to each field of an input model."""

    def __init__(self) -> None:
        self._fields: dict[str, tuple[QWidget, InlineError]] = {}

    def add(self, field: str, widget: QWidget, label: InlineError) -> None:
        self._fields[field] = (widget, label)

    def __contains__(self, field: str) -> bool:
        return field in self._fields

    def show(self, messages: Mapping[str, str]) -> None:
        """Show each field's message; fields without one are cleared."""
        for field, (widget, label) in self._fields.items():
            message = messages.get(field, "")
            label.set_message(message)
            mark_invalid(widget, bool(message))

    def message(self, field: str) -> str:
        return self._fields[field][1].text()


class MessageBanner(QFrame):
    """A problem that belongs to no single field (the database, another desk), at the top of a dialog."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self._label = QLabel()
        self._label.setProperty("role", "error")
        self._label.setWordWrap(True)
        self._label.setAccessibleName("Problem")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self._label)
        self._block = ""  # the write block the banner shows or last showed
        self.hide()

    def show_message(self, text: str) -> None:
        self._label.setText(sentence(text))
        self.show()
        # Make room for the banner: at its bare minimum height the dialog's lists would be squeezed.
        dialog = self.window()
        wanted = dialog.sizeHint().height()
        if dialog is not self and dialog.height() < wanted:
            dialog.resize(dialog.width(), wanted)

    def clear(self) -> None:
        self._label.clear()
        self.hide()

    def text(self) -> str:
        return self._label.text()

    def set_write_block(self, reason: str | None) -> None:
        """Say why nothing can be saved (offline, a database this program must not write), or take that back
        (leaving any other message alone)."""
        if reason:
            self._block = sentence(reason)
            self.show_message(reason)
        elif self._block and self.text() == self._block:
            self.clear()

    def set_theme(self, theme: Theme) -> None:
        t = theme.tokens
        self.setStyleSheet(
            f"QFrame#messageBanner {{ background: {t['surface']}; border: 1px solid {t['error']};"
            f" border-left: 4px solid {t['error']}; border-radius: 4px; }}"
        )
