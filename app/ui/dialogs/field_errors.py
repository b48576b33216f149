"""Messages shown where the problem is: under the field it is about, or in a banner at the top of a dialog."""

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.domain.errors import InvalidInput
from app.domain.models import validate
from app.ui.theme import Theme, set_style_property

OFFLINE_MESSAGE = (
    "Offline: the database cannot be reached, so nothing can be saved right now. What you entered is kept,"
    " and this desk reconnects by itself."
)


def sentence(message: str) -> str:
    """A validator's reason ("must not be empty") as a sentence under its field."""
    return message[:1].upper() + message[1:]


def model_errors(
    model: type[BaseModel], values: dict[str, Any], prompts: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The first problem with each field, as the service would report it. A field still empty gets its prompt, if
    it has one: the model's own message ("Input should be a valid integer") would describe the empty value, not
    what to do."""
    try:
        validate(model, **values)
    except InvalidInput as exc:
        errors: dict[str, str] = {}
        for error in exc.errors:
            prompt = (prompts or {}).get(error.field) if values.get(error.field) is None else None
            errors.setdefault(error.field, prompt or error.message)
        return errors
    return {}


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


def make_room(dialog: QWidget) -> None:
    """Grow `dialog` to show messages that just appeared under its fields: a window keeps its height otherwise,
    and a wrapped message would be cut off."""
    layout = dialog.layout()
    layout.activate()
    wanted = layout.totalHeightForWidth(dialog.width()) if layout.hasHeightForWidth() else dialog.sizeHint().height()
    if dialog.height() < wanted:
        dialog.resize(dialog.width(), wanted)


class InlineError(QLabel):
    """The message under one field. Its line is kept while there is nothing to say, so the fields below do not
    jump when a message comes or goes (one that needs more lines still pushes them down)."""

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("role", "error")
        self.setWordWrap(True)
        self.setAccessibleName(f"{caption} error")
        self.setMinimumHeight(self.fontMetrics().height())

    def set_message(self, message: str) -> None:
        self.setText(sentence(message) if message else "")


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


def labelled(caption: str, widget: QWidget, field: str, errors: FieldErrors) -> QWidget:
    """A field with its caption above and its error message below, the message registered in `errors`."""
    label = QLabel(caption)
    label.setBuddy(widget)
    widget.setAccessibleName(caption)
    error = InlineError(caption)
    errors.add(field, widget, error)
    return stacked(label, widget, error, spacing=3)


class Disclosure:
    """Which of a form's problems to show: a field's once it was left, all of them after an attempt to save, and
    the service's refusals until their field is edited. Nobody is told off for a field not yet reached. After a
    field is left or edited, `changed` is called to show the form anew."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self.touched: set[str] = set()
        self.show_all = False
        self.refusals: dict[str, str] = {}
        self._changed = changed

    def touch(self, field: str) -> None:
        self.touched.add(field)
        self._changed()

    def edited(self, field: str) -> None:
        self.refusals.pop(field, None)
        self._changed()

    def shown(self, errors: Mapping[str, str]) -> dict[str, str]:
        shown = {field: message for field, message in errors.items() if self.show_all or field in self.touched}
        return {**shown, **self.refusals}

    def hint(self, errors: Mapping[str, str], captions: Mapping[str, str]) -> str:
        """The first problem (in the order of `captions`) not shown at its field, so that a disabled button
        never leaves one guessing; "" if there is none."""
        shown = self.shown(errors)
        hidden = next((field for field in captions if field in errors and field not in shown), None)
        return "" if hidden is None else f"{captions[hidden]}: {errors[hidden]}"

    def refuse(self, error: InvalidInput, fields: FieldErrors) -> list[str]:
        """Keep the service's refusals of the form's fields; return the others, in words, for the banner."""
        elsewhere = []
        for field_error in error.errors:
            if field_error.field in fields:
                self.refusals[field_error.field] = field_error.message
            else:
                elsewhere.append(str(field_error))
        return elsewhere


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
