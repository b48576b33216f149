"""The row under a form: what is still missing (or going on), then Cancel and the dialog's one action."""

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton


class FormButtons(QHBoxLayout):
    def __init__(self, dialog: QDialog, action: str, on_action: Callable[[], None], *, tooltip: str = ""):
        super().__init__()
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setAccessibleName("What is missing")
        self.hint.setWordWrap(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel")
        self.cancel.setAutoDefault(False)
        self.cancel.clicked.connect(dialog.reject)
        self.action = QPushButton(action)
        self.action.setProperty("role", "primary")
        self.action.setAccessibleName(action.replace("&", ""))
        self.action.setToolTip(tooltip)
        self.action.clicked.connect(on_action)
        self.addWidget(self.hint, 1)
        self.addWidget(self.cancel)
        self.addWidget(self.action)

    def add_before_action(self, text: str, on_click: Callable[[], None], tooltip: str) -> QPushButton:
        """Another way to finish the form (Book as a series), next to the dialog's own action."""
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.setToolTip(tooltip)
        button.setAutoDefault(False)
        button.clicked.connect(on_click)
        self.insertWidget(self.indexOf(self.action), button)
        return button
