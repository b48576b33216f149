"""The month grid: its geometry, how days are shaded, the pills, and mouse and keyboard selection."""

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt

from app.domain.models import BookingRequest
from app.services import booking, calendar, schedule
from app.services.providers import add_provider, add_time_off
from app.services.schedule import AppointmentType
from app.ui import theme
from app.ui.views.month_view import DayKind, MonthView, Pill, day_kinds, day_pills, fit_pills, grid_days
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient

TODAY = date(2030, 1, 7)  # a Monday, taken as today here
TYPES = [
    AppointmentType(1, "consultation", "Consultation", "#3b82f6", 30, 0),
    AppointmentType(2, "follow_up", "Follow-up", "#10b981", 15, 0),
    AppointmentType(3, "procedure", "Procedure", "#f59e0b", 60, 10),
]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def view(qtbot) -> MonthView:
    widget = MonthView(theme.theme("light"))
    qtbot.addWidget(widget)
    widget.resize(980, 700)
    widget.set_month(2030, 1, TODAY)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def center(view: MonthView, day: date) -> QPoint:
    return view.cell_rect(day).center()


# --- the grid ---


@pytest.mark.parametrize(("year", "month"), [(2030, 1), (2030, 2), (2030, 4), (2030, 9), (2031, 12)])
def test_grid_is_six_weeks_from_the_monday_on_or_before_the_first(year, month):
    days = grid_days(year, month)
    first = date(year, month, 1)
    assert len(days) == 42
    assert days[0].weekday() == 0 and days[0] <= first < days[0] + timedelta(days=7)
    assert days == [days[0] + timedelta(days=n) for n in range(42)]
    assert all(d in days for d in (first + timedelta(days=n) for n in range(28)))


def test_visible_range_is_the_grids_first_and_last_day(view):
    assert view.visible_range() == (date(2029, 12, 31), date(2030, 2, 10))


def test_cells_tile_the_area_below_the_weekday_header(view):
    days = grid_days(2030, 1)
    rects = [view.cell_rect(d) for d in days]
    for index, rect in enumerate(rects):
        row, column = divmod(index, 7)
        assert rect.height() > 0 and rect.width() > 0
        assert view.day_at(rect.center()) == days[index]
        if column:
            assert rect.left() == rects[index - 1].right() + 1 and rect.top() == rects[index - 1].top()
        if row:
            assert rect.top() == rects[index - 7].bottom() + 1
    assert rects[-1].right() == view.width() - 1 and rects[-1].bottom() == view.height() - 1
    assert view.day_at(QPoint(10, rects[0].top() - 5)) is None, "the weekday header is no day"
    assert view.cell_rect(date(2030, 3, 1)) is None


# --- kinds of days, from the real working calendar ---


def test_day_kinds_from_the_working_calendar(clinic, provider_id):
    second = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS, "Paediatrics")
    add_time_off(clinic, provider_id, at(date(2030, 1, 8), 9), at(date(2030, 1, 8), 10))  # Tuesday morning hour
    for someone in (provider_id, second):  # Wednesday: everyone off
        add_time_off(clinic, someone, at(date(2030, 1, 9), 0), at(date(2030, 1, 10), 0))
    add_time_off(clinic, provider_id, at(date(2030, 1, 10), 0), at(date(2030, 1, 11), 0))  # Thursday: one is off
    add_time_off(clinic, provider_id, at(date(2030, 1, 11), 18), at(date(2030, 1, 11), 20))  # Friday, after hours

    kinds = day_kinds(calendar.working_calendar(clinic, date(2030, 1, 7), date(2030, 1, 13)))

    assert kinds == {
        date(2030, 1, 7): DayKind.WORKING,
        date(2030, 1, 8): DayKind.PARTLY_OFF,
        date(2030, 1, 9): DayKind.OFF,
        date(2030, 1, 10): DayKind.PARTLY_OFF,
        date(2030, 1, 11): DayKind.WORKING,
        date(2030, 1, 12): DayKind.CLOSED,
        date(2030, 1, 13): DayKind.CLOSED,
    }


def test_without_data_weekends_look_closed(view):
    assert view.kind(date(2030, 1, 12)) is DayKind.CLOSED
    assert view.kind(date(2030, 1, 11)) is DayKind.WORKING
    view.set_data({}, TYPES, {date(2030, 1, 12): DayKind.WORKING, date(2030, 1, 11): DayKind.OFF})
    assert view.kind(date(2030, 1, 12)) is DayKind.WORKING
    assert view.kind(date(2030, 1, 11)) is DayKind.OFF


# --- pills ---


@pytest.mark.parametrize(
    ("pills", "rows", "expected"),
    [
        (0, 3, (0, 0)),
        (2, 3, (2, 0)),
        (3, 3, (3, 0)),
        (4, 3, (2, 2)),  # the last row says "+2 more"
        (5, 1, (0, 5)),
        (3, 0, (0, 3)),
    ],
)
def test_fit_pills_leaves_the_last_row_to_more(pills, rows, expected):
    assert fit_pills(pills, rows) == expected


def test_day_pills_follow_the_types_order_and_skip_empty_counts():
    pills = day_pills({"procedure": 2, "consultation": 5, "follow_up": 0, "legacy": 1}, TYPES)
    assert pills == [
        Pill("Consultation", "#3b82f6", 5),
        Pill("Procedure", "#f59e0b", 2),
        Pill("legacy", "", 1),  # a type the view does not know still counts
    ]


def test_pills_from_real_counts_and_the_cell_tooltip(view, clinic, provider_id):
    types = schedule.appointment_types(clinic)
    patient = new_patient(clinic)
    tuesday = date(2030, 1, 8)
    for hour in (9, 10):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=at(tuesday, hour)))
    booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=at(tuesday, 11), type_id=types[-1].id)
    )
    first, last = view.visible_range()
    counts = schedule.day_type_counts(clinic, first, last)
    view.set_data(counts, types, day_kinds(calendar.working_calendar(clinic, first, last)))

    names = {t.code: t.name for t in types}
    assert sorted(counts[tuesday].values()) == [1, 2]  # two of the default type, one of the last
    summary = view.day_summary(tuesday)
    assert summary.splitlines()[0] == "Tuesday 8 January 2030"
    for code, count in counts[tuesday].items():
        assert f"{names[code]}: {count}" in summary
    assert "Total: 3" in summary
    assert view.day_summary(date(2030, 1, 9)).endswith("No appointments")


def test_painting_in_both_themes(view, qtbot):
    counts = {TODAY + timedelta(days=n): {"consultation": 3 + n, "follow_up": n, "procedure": 1} for n in range(30)}
    view.set_data(counts, TYPES, {date(2030, 1, 9): DayKind.OFF, date(2030, 1, 10): DayKind.PARTLY_OFF})
    view.select_day(date(2030, 1, 15))
    for name in ("light", "dark"):
        view.set_theme(theme.theme(name))
        assert not view.grab().isNull()
    view.resize(600, 420)  # cells too small for every pill: "+N more"
    assert not view.grab().isNull()


# --- selection ---


def test_click_selects_and_double_click_activates(view, qtbot):
    day = date(2030, 1, 16)
    with qtbot.waitSignal(view.day_selected) as selected:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=center(view, day))
    assert selected.args == [day]
    assert view.selected_day == day
    assert view.accessibleDescription().startswith("Wednesday 16 January 2030")
    with qtbot.waitSignal(view.day_activated) as activated:
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=center(view, day))
    assert activated.args == [day]


def test_clicking_a_day_of_the_next_month_selects_it(view, qtbot):
    with qtbot.waitSignal(view.day_selected) as selected:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=center(view, date(2030, 2, 3)))
    assert selected.args == [date(2030, 2, 3)]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (Qt.Key.Key_Right, date(2030, 1, 17)),
        (Qt.Key.Key_Left, date(2030, 1, 15)),
        (Qt.Key.Key_Down, date(2030, 1, 23)),
        (Qt.Key.Key_Up, date(2030, 1, 9)),
    ],
)
def test_arrows_move_the_selection(view, qtbot, key, expected):
    view.select_day(date(2030, 1, 16))
    with qtbot.waitSignal(view.day_selected) as selected:
        qtbot.keyClick(view, key)
    assert selected.args == [expected]
    assert view.selected_day == expected


def test_arrows_past_the_grids_edge_announce_the_new_date(view, qtbot):
    view.select_day(date(2030, 1, 2))  # the grid's first row
    with qtbot.waitSignal(view.day_selected) as selected:
        qtbot.keyClick(view, Qt.Key.Key_Up)
    assert selected.args == [date(2029, 12, 26)]
    assert view.cell_rect(date(2029, 12, 26)) is None
    # The caller then shows that month; the selection is where it asked.
    view.set_month(2029, 12, TODAY)
    view.select_day(date(2029, 12, 26))
    assert view.cell_rect(view.selected_day) is not None


def test_first_arrow_without_a_selection_selects_today(view, qtbot):
    assert view.selected_day is None
    with qtbot.waitSignal(view.day_selected) as selected:
        qtbot.keyClick(view, Qt.Key.Key_Right)
    assert selected.args == [TODAY]


def test_enter_opens_the_selected_day(view, qtbot):
    view.select_day(date(2030, 1, 21))
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        with qtbot.waitSignal(view.day_activated) as activated:
            qtbot.keyClick(view, key)
        assert activated.args == [date(2030, 1, 21)]


def test_the_view_has_an_accessible_name_and_takes_focus(view):
    assert view.accessibleName()
    assert view.focusPolicy() == Qt.FocusPolicy.StrongFocus
