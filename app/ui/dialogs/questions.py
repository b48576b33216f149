"""A yes-or-no question before a change that is not easily taken back, asked the same way in every dialog: the
question, what follows from it, the two answers in words, and No the default (a slip of the Enter key keeps things
as they are)."""

from PySide6.QtWidgets import QMessageBox, QWidget


def question(
    parent: QWidget, title: str, text: str, *, yes: str | None = None, no: str | None = None, informative: str = ""
) -> QMessageBox:
    """The question's box, built, not shown; `yes` and `no` name the answers (None: Qt's own Yes and No)."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent
    )
    if informative:
        box.setInformativeText(informative)
    for button, words in ((QMessageBox.StandardButton.Yes, yes), (QMessageBox.StandardButton.No, no)):
        if words:
            box.button(button).setText(words)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box


def confirm(box: QMessageBox) -> bool:
    """Ask `box`'s question; True if the answer was its Yes button. A function of its own so that tests
    can answer it without a person at the screen."""
    return box.exec() == QMessageBox.StandardButton.Yes


def ask(box: QMessageBox) -> bool:
    """Ask `box`'s question (`confirm`), then let the box go."""
    try:
        return confirm(box)
    finally:
        box.deleteLater()
