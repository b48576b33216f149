"""How the admin screens show a service's refusal: the reason at the field it names, and the appointments a
change would have left behind in a list of their own under it."""

from PySide6.QtWidgets import QListWidget, QWidget

from app.domain.errors import InvalidInput, WouldOrphan

VISIBLE_LINES = 6


def by_field(error: InvalidInput) -> dict[str, str]:
    """Each field's message(s) from a refusal, one per line."""
    messages: dict[str, list[str]] = {}
    for field_error in error.errors:
        reason = error.reason if isinstance(error, WouldOrphan) else field_error.message
        messages.setdefault(field_error.field, []).append(reason)
    return {field: "\n".join(lines) for field, lines in messages.items()}


class AffectedList(QListWidget):
    """The appointments in the way of a refused change (date and time, patient, id), and how many more."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Appointments in the way")
        self.setToolTip("Move or cancel these appointments first (in the calendar), then try again")
        rows = self.fontMetrics().height() + 4
        self.setMaximumHeight(rows * VISIBLE_LINES + 2 * self.frameWidth())
        self.hide()

    def show_refusal(self, error: BaseException | None, field: str) -> None:
        """List the appointments if `error` refused a change of `field` for them; else hide."""
        self.clear()
        if isinstance(error, WouldOrphan) and error.field == field:
            self.addItems(error.lines())
        self.setVisible(self.count() > 0)

    def lines(self) -> list[str]:
        return [self.item(row).text() for row in range(self.count())]
