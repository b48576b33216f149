"""View → Theme: follow the system, light or dark; the choice is kept in this computer's user settings, and
"follow the system" follows it when its colour scheme changes."""

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.ui import theme


class ThemeMenu(QObject):
    changed = Signal(object)  # the Theme now in use, applied to the application already

    def __init__(self, settings: QSettings, parent: QWidget):
        super().__init__(parent)
        self.menu = QMenu("Theme", parent)
        self.settings = settings
        self.choice = theme.saved_choice(settings)
        self.theme = theme.resolve(self.choice)
        group = QActionGroup(self)
        self.actions: dict[str, QAction] = {}
        for choice in theme.THEME_CHOICES:
            action = self.menu.addAction("Follow the system" if choice == "system" else choice.title())
            action.setCheckable(True)
            action.setChecked(choice == self.choice)
            action.triggered.connect(lambda _checked=False, c=choice: self.choose(c))
            group.addAction(action)
            self.actions[choice] = action
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._follow_system_scheme)

    def choose(self, choice: str) -> None:
        self.choice = choice
        self.settings.setValue(theme.THEME_KEY, choice)
        self.actions[choice].setChecked(True)
        self.apply()

    def apply(self) -> None:
        """Resolve the choice, apply it to the application and tell whoever paints with it."""
        self.theme = theme.resolve(self.choice)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, self.theme)
        self.changed.emit(self.theme)

    def _follow_system_scheme(self) -> None:
        if self.choice == "system":
            self.apply()
