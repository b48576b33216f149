"""Light and dark themes from one set of colour tokens (`theme.json`, package data beside this module).

Widgets that paint themselves read colours from the `Theme`; the rest of the window follows the palette
and the small stylesheet built here from the same tokens.
"""

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

THEME_CHOICES = ("system", "light", "dark")
THEME_KEY = "theme"  # View → Theme's choice, in this computer's user settings


@dataclass(frozen=True)
class Theme:
    name: str  # "light" or "dark"
    tokens: dict[str, str]

    def color(self, token: str) -> QColor:
        return QColor(self.tokens[token])

    @property
    def is_dark(self) -> bool:
        return self.name == "dark"

    def appointment_fill(self, type_color: str) -> QColor:
        """An appointment block's background: its type colour, softened towards the surface."""
        return mix(QColor(type_color), self.color("surface"), 0.45 if self.is_dark else 0.25)

    def pill_fill(self, type_color: str) -> QColor:
        return mix(QColor(type_color), self.color("surface"), 0.6 if self.is_dark else 0.2)


# What is written on what (WCAG 2.1 AA: 4.5:1 for text), and the marks that tell open time from closed (3:1 for
# graphical objects). tests/unit/test_theme_contrast.py computes every ratio from theme.json for both themes.
TEXT_ON = {
    "text": ("surface", "window", "surface_alt", "working", "closed", "selection", "time_off"),
    "muted_text": ("surface", "window", "surface_alt", "working", "closed", "selection", "time_off"),
    "accent": ("surface", "window", "surface_alt", "working", "closed"),
    "today": ("surface", "window", "surface_alt", "working", "closed"),
    "error": ("surface", "window", "surface_alt"),
    "success": ("surface", "window", "surface_alt"),
    "warning": ("surface", "window", "surface_alt"),
    "accent_text": ("accent",),
}
HOURS_EDGE_ON = ("working", "closed")


def contrast(first: QColor, second: QColor) -> float:
    """WCAG's contrast ratio of two colours, 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.redF()) + 0.7152 * linear(color.greenF()) + 0.0722 * linear(color.blueF())


def mix(color: QColor, base: QColor, amount: float) -> QColor:
    """`amount` of `color` over `base`."""
    return QColor(
        round(color.red() * amount + base.red() * (1 - amount)),
        round(color.green() * amount + base.green() * (1 - amount)),
        round(color.blue() * amount + base.blue() * (1 - amount)),
    )


@cache
def _tokens() -> dict[str, dict[str, str]]:
    return json.loads(files("app.ui").joinpath("theme.json").read_text(encoding="utf-8"))


def theme(name: str) -> Theme:
    return Theme(name, _tokens()[name])


def system_theme_name() -> str:
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def resolve(choice: str) -> Theme:
    """The theme for a user's choice: "light", "dark", or "system" (the desktop's scheme)."""
    return theme(system_theme_name() if choice not in ("light", "dark") else choice)


def saved_choice(settings: QSettings) -> str:
    """The choice made in View → Theme on this computer ("system" until one is made): the sign-in follows it too."""
    choice = str(settings.value(THEME_KEY, "system"))
    return choice if choice in THEME_CHOICES else "system"


def in_use() -> Theme:
    """The theme the application's palette shows: a widget's look until its window hands it one (set_theme)."""
    window = QApplication.palette().color(QPalette.ColorRole.Window)
    return theme("dark" if window.lightness() < 128 else "light")


def palette(current: Theme) -> QPalette:
    c = current.color
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window",
        QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "surface",
        QPalette.ColorRole.AlternateBase: "surface_alt",
        QPalette.ColorRole.Text: "text",
        QPalette.ColorRole.PlaceholderText: "muted_text",
        QPalette.ColorRole.Button: "surface",
        QPalette.ColorRole.ButtonText: "text",
        QPalette.ColorRole.ToolTipBase: "surface",
        QPalette.ColorRole.ToolTipText: "text",
        QPalette.ColorRole.Highlight: "accent",
        QPalette.ColorRole.HighlightedText: "accent_text",
        QPalette.ColorRole.Link: "accent",
        QPalette.ColorRole.Mid: "border",
        QPalette.ColorRole.Midlight: "grid_line",
        QPalette.ColorRole.Light: "surface",
        QPalette.ColorRole.Dark: "border",
    }
    for role, token in roles.items():
        pal.setColor(role, c(token))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, c("muted_text"))
    return pal


def stylesheet(current: Theme) -> str:
    t = current.tokens
    return f"""
QToolBar {{ background: {t["surface"]}; border-bottom: 1px solid {t["border"]}; spacing: 6px; padding: 4px; }}
QStatusBar {{ background: {t["surface"]}; border-top: 1px solid {t["border"]}; color: {t["muted_text"]}; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ padding: 0 10px; border-left: 1px solid {t["border"]}; }}
QLabel[role="error"] {{ color: {t["error"]}; }}
QLabel[role="muted"] {{ color: {t["muted_text"]}; }}
QLabel[role="heading"] {{ font-weight: 600; }}
QFrame[role="card"] {{ background: {t["surface"]}; border: 1px solid {t["border"]}; border-radius: 8px; }}
QPushButton[role="primary"] {{ background: {t["accent"]}; color: {t["accent_text"]}; border: none;
    border-radius: 6px; padding: 6px 16px; font-weight: 600; }}
QPushButton[role="primary"]:disabled {{ background: {t["border"]}; color: {t["muted_text"]}; }}
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QDateEdit[invalid="true"] {{
    border: 1px solid {t["error"]}; }}
"""


def set_style_property(widget: QWidget, name: str, value: object) -> None:
    """Set a property the app stylesheet selects on (role, invalid) and restyle the widget."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    # A changed dynamic property only takes effect once the style is re-applied.
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def apply(app: QApplication, current: Theme) -> None:
    app.setStyle("Fusion")  # the same look on every platform, and one that honours the palette
    app.setPalette(palette(current))
    app.setStyleSheet(stylesheet(current))
