"""Dates and times for people, as this desk's locale writes them, in one place: every view and dialog asks here.

Typed and shown dates use QLocale's short format with a four-digit year, with a calendar to pick from; ISO dates
(1990-12-31) are understood too. The formats of the date fields (QDateEdit) are here too. Days in words
("Tue 8 Jan 2030") take the names of the desk's language; times of day its short clock ("14:30", "2:30 PM").
"""

from datetime import date, datetime, time

from PySide6.QtCore import QDate, QLocale, QPoint, Qt, QTime
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QCalendarWidget, QDateEdit, QLineEdit, QMenu, QWidgetAction

EXAMPLE = date(1990, 12, 31)  # a day and a month that cannot be told apart the wrong way round


def date_format(locale: QLocale | None = None) -> str:
    """The locale's short date format with the whole year ("dd/MM/yyyy", "M/d/yyyy", "dd.MM.yyyy"); ISO's where the
    computer names no language (the C locale writes "17 05 1980")."""
    locale = locale or QLocale()
    if locale.language() == QLocale.Language.C:
        return "yyyy-MM-dd"
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    return short if "yyyy" in short else short.replace("yy", "yyyy")


def day_format(locale: QLocale | None = None) -> str:
    """A date field's format: the weekday's short name, then the date as the locale writes it ("Tue 08/01/2030")."""
    return f"ddd {date_format(locale)}"


def clock_format(locale: QLocale | None = None) -> str:
    """The locale's short time ("HH:mm", "h:mm AP"); 24 hours where the computer names no language."""
    locale = locale or QLocale()
    return "HH:mm" if locale.language() == QLocale.Language.C else locale.timeFormat(QLocale.FormatType.ShortFormat)


def moment_format(locale: QLocale | None = None) -> str:
    """A date-and-time field's format: the day as `day_format`, then the locale's short time ("14:30", "2:30 PM")."""
    return f"{day_format(locale)} {clock_format(locale)}"


# Days in words, in QLocale's pattern letters.
SHORT_DAY = "ddd d MMM yyyy"  # Tue 8 Jan 2030
PADDED_DAY = "ddd dd MMM yyyy"  # Tue 08 Jan 2030, where days line up in a list
LONG_DAY = "dddd d MMMM yyyy"  # Tuesday 8 January 2030
MONTH = "MMMM yyyy"  # January 2030
DAY_IN_MONTH = "ddd d MMM"  # Tue 8 Jan
WEEKDAY_AND_DAY = "ddd d"  # Tue 8


def day_words(day: date, pattern: str = SHORT_DAY, locale: QLocale | None = None) -> str:
    """A day in words, its names in the desk's language."""
    return (locale or QLocale()).toString(QDate(day.year, day.month, day.day), pattern)


def clock(moment: datetime | time, locale: QLocale | None = None) -> str:
    """A time of day as the desk's clock shows it (a datetime's own wall-clock time: localise it first)."""
    locale = locale or QLocale()
    return locale.toString(QTime(moment.hour, moment.minute), clock_format(locale))


def moment_words(moment: datetime, pattern: str = SHORT_DAY, locale: QLocale | None = None) -> str:
    """A day in words and its time: "Tue 8 Jan 2030 14:30"."""
    return f"{day_words(moment.date(), pattern, locale)} {clock(moment, locale)}"


def date_text(day: date, locale: QLocale | None = None) -> str:
    locale = locale or QLocale()
    return locale.toString(QDate(day), date_format(locale))


def parse_date(text: str, locale: QLocale | None = None, *, base_year: int | None = None) -> date | None:
    """The date `text` names in the locale's way (or as ISO), or None. `base_year` reads a two-digit year as the
    first year from it on that ends so (for birth dates: this year minus 99)."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    locale = locale or QLocale()
    whole_year = date_format(locale)
    for pattern in (whole_year, whole_year.replace("yyyy", "yy")):
        parsed = locale.toDate(text, pattern, base_year) if base_year is not None else locale.toDate(text, pattern)
        if parsed.isValid():
            return parsed.toPython()
    return None


def date_edit(day: date, name: str) -> QDateEdit:
    """A date field showing `day` as `day_format` writes it, with a calendar to pick from, named for screen readers."""
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setDisplayFormat(day_format())
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    return edit


def add_calendar(edit: QLineEdit, on_picked) -> QCalendarWidget:
    """A calendar button inside `edit`: the day picked is written into it as the locale writes dates, then
    `on_picked()` is called. Returns the calendar (it opens on the date typed, if there is one)."""
    calendar = QCalendarWidget()
    calendar.setGridVisible(False)
    menu = QMenu(edit)
    holder = QWidgetAction(menu)
    holder.setDefaultWidget(calendar)
    menu.addAction(holder)

    def open_calendar() -> None:
        typed = parse_date(edit.text())
        if typed is not None:
            calendar.setSelectedDate(QDate(typed))
        menu.popup(edit.mapToGlobal(QPoint(0, edit.height())))

    def picked(day: QDate) -> None:
        menu.hide()
        edit.setText(date_text(day.toPython()))
        on_picked()

    button = edit.addAction(_calendar_icon(edit), QLineEdit.ActionPosition.TrailingPosition)
    button.setToolTip("Pick the date from a calendar")
    button.triggered.connect(open_calendar)
    calendar.clicked.connect(picked)
    calendar.activated.connect(picked)
    return calendar


def _calendar_icon(edit: QLineEdit) -> QIcon:
    size = 16
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    pen = QPen(QColor(edit.palette().text().color()), 1.2)
    painter.setPen(pen)
    painter.drawRect(2, 3, 12, 11)
    painter.drawLine(2, 6, 14, 6)
    for x in (5, 11):
        painter.drawLine(x, 1, x, 4)
    painter.end()
    return QIcon(pixmap)
