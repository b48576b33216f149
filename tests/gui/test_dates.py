"""Dates typed and shown the way this computer's locale writes them, ISO understood everywhere."""

from datetime import date, datetime

import pytest
from PySide6.QtCore import QDate, QDateTime, QLocale, QTime
from PySide6.QtWidgets import QDateEdit

from app.ui.admin.time_off_editor import datetime_field
from app.ui.dates import (
    WEEKDAY_AND_DAY,
    clock,
    date_format,
    date_text,
    day_format,
    day_words,
    moment_format,
    parse_date,
)
from app.ui.dialogs.field_errors import FieldErrors
from app.ui.dialogs.patient_form import PatientForm
from app.ui.navigation import ViewMode, title


@pytest.fixture
def locale(request):
    """The desk's locale for the test (QLocale's default), the usual one again afterwards."""
    before = QLocale()
    QLocale.setDefault(QLocale(request.param))
    yield QLocale()
    QLocale.setDefault(before)


@pytest.mark.parametrize(
    ("locale", "written", "typed"),
    [
        ("en_GB", "31/12/1990", ["31/12/1990", "31/12/90", "1990-12-31"]),
        ("en_US", "12/31/1990", ["12/31/1990", "12/31/90", "1990-12-31"]),
        ("de_DE", "31.12.1990", ["31.12.1990", "31.12.90", "1990-12-31"]),
        ("C", "1990-12-31", ["1990-12-31"]),
    ],
    indirect=["locale"],
)
def test_a_date_is_written_and_read_the_locale_s_way(locale, written, typed):
    assert date_text(date(1990, 12, 31)) == written
    assert "yyyy" in date_format()
    for text in typed:
        assert parse_date(text, base_year=1927) == date(1990, 12, 31), text
    assert parse_date("31/02/1990") is None and parse_date("tomorrow") is None


@pytest.mark.parametrize("locale", ["en_GB"], indirect=True)
def test_a_birth_date_typed_day_first_is_understood_and_a_wrong_one_gets_a_sentence(qtbot, locale):
    form = PatientForm(FieldErrors())
    qtbot.addWidget(form)
    form.edits["date_of_birth"].setText("31/12/1990")
    assert form.values()["date_of_birth"] == date(1990, 12, 31)
    assert "date_of_birth" not in form.validation_errors()
    assert form.edits["date_of_birth"].placeholderText() == "31/12/1990"

    form.edits["date_of_birth"].setText("31/13/1990")
    message = form.validation_errors()["date_of_birth"]
    assert message.startswith("type the date of birth as 31/12/1990")
    assert "Input should be" not in message


@pytest.mark.parametrize("locale", ["de_DE"], indirect=True)
def test_the_calendar_writes_the_picked_day_as_the_locale_does(qtbot, locale):
    form = PatientForm(FieldErrors())
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.left) as left:
        form.birth_calendar.clicked.emit(QDate(1975, 4, 9))  # a day clicked in the calendar
    assert left.args == ["date_of_birth"]
    assert form.edits["date_of_birth"].text() == "09.04.1975"
    assert form.values()["date_of_birth"] == date(1975, 4, 9)


@pytest.mark.parametrize(
    ("locale", "day", "moment"),
    [
        ("en_US", "Tue 1/8/2030", "Tue 1/8/2030 9:30 AM"),
        ("de_DE", "Di. 08.01.2030", "Di. 08.01.2030 09:30"),
        ("C", "Tue 2030-01-08", "Tue 2030-01-08 09:30"),
    ],
    indirect=["locale"],
)
def test_every_date_field_writes_the_day_the_locale_s_way(qtbot, locale, open_as, day, moment):
    assert QLocale().toString(QDate(2030, 1, 8), day_format()) == day
    written = QLocale().toString(QDateTime(QDate(2030, 1, 8), QTime(9, 30)), moment_format())
    assert written.replace("\u202f", " ") == moment  # newer CLDR puts a narrow space before AM
    _user, window = open_as("manager")
    audit = window.dialogs.open_audit_log()
    time_off = datetime_field("Starts")
    qtbot.addWidget(time_off)
    fields = [window.navigation.date_edit, *audit.findChildren(QDateEdit)]
    assert len(fields) == 3 and all(field.displayFormat() == day_format() for field in fields)
    assert all(field.calendarPopup() for field in [*fields, time_off])
    assert time_off.displayFormat() == moment_format()
    audit.reject()


@pytest.mark.parametrize(
    ("locale", "month", "day", "time_of_day", "column"),
    [
        ("C", "January 2030", "Tuesday 8 January 2030", "14:05", "Tue 8"),
        ("en_US", "January 2030", "Tuesday 8 January 2030", "2:05\u202fPM", "Tue 8"),
        ("de_DE", "Januar 2030", "Dienstag 8 Januar 2030", "14:05", "Di. 8"),
    ],
    indirect=["locale"],
)
def test_views_write_days_in_the_desks_language_and_times_on_its_clock(locale, month, day, time_of_day, column):
    tuesday = date(2030, 1, 8)
    assert title(ViewMode.MONTH, tuesday) == month
    assert title(ViewMode.DAY, tuesday) == day
    assert clock(datetime(2030, 1, 8, 14, 5)).replace(" ", "\u202f") == time_of_day.replace(" ", "\u202f")
    assert day_words(tuesday, WEEKDAY_AND_DAY) == column
