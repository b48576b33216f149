"""The week and day time grids over real bookings: columns from the services, where blocks land, selection."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QRegion, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.domain.models import BookingRequest
from app.domain.slots import Interval, WorkingBlock
from app.services import appointment_types, booking, calendar, schedule
from app.services.providers import add_provider, add_time_off
from app.services.schedule import AppointmentView
from app.ui import theme
from app.ui.views.columns import GridColumn, day_columns, week_columns
from app.ui.views.time_grid import HOUR_HEIGHT, MIN_COLUMN_WIDTH, TimeGridView, describe, initials
from tests.conftest import NOW, WEEKDAY_HOURS, ZONE, new_patient

MONDAY = date(2030, 1, 7)  # the week's Monday, taken as today here
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
SUNDAY = MONDAY + timedelta(days=6)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


class Book:
    """The fixtures' clinic with two providers and a few bookings: ids by name."""

    def __init__(self, clinic, provider_id: int):
        self.clinic = clinic
        self.first = provider_id
        self.second = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS, "Paediatrics")
        plan = {
            "tue_0900": (self.first, at(TUESDAY, 9)),
            "tue_0930": (self.first, at(TUESDAY, 9, 30)),
            "tue_1400": (self.first, at(TUESDAY, 14)),
            "tue_0900_second": (self.second, at(TUESDAY, 9)),
            "wed_1000": (self.first, at(WEDNESDAY, 10)),
        }
        # A patient has one appointment at a time: one patient each, Ada Smith at 09:30 on Tuesday.
        patients = {
            name: new_patient(clinic, "Ada", "Smith") if name == "tue_0930" else new_patient(clinic) for name in plan
        }
        self.ids = {
            name: booking.book(clinic, BookingRequest(provider_id=provider, patient_id=patients[name], start=start))
            for name, (provider, start) in plan.items()
        }
        booking.change_status(clinic, self.ids["tue_0930"], "checked_in")

    def week(self, provider_id: int | None = None) -> list[GridColumn]:
        appointments = schedule.schedule(self.clinic, MONDAY, SUNDAY, provider_id)
        hours = calendar.working_calendar(self.clinic, MONDAY, SUNDAY, provider_id)
        return week_columns(MONDAY, MONDAY, appointments, hours, zone=ZONE)

    def day(self, day: date = TUESDAY) -> list[GridColumn]:
        providers = schedule.providers(self.clinic)
        appointments = schedule.schedule(self.clinic, day, day)
        return day_columns(day, MONDAY, providers, appointments, calendar.working_calendar(self.clinic, day, day))


@pytest.fixture
def book(clinic, provider_id) -> Book:
    return Book(clinic, provider_id)


@pytest.fixture
def grid(qtbot) -> TimeGridView:
    view = TimeGridView(theme.theme("light"), ZONE)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def click(qtbot, grid: TimeGridView, pos: QPoint) -> None:
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=pos)


# --- columns from the services ---


def test_week_columns_from_the_schedule_and_the_working_calendar(book):
    columns = book.week()
    assert [c.day for c in columns] == [MONDAY + timedelta(days=n) for n in range(5)], "a closed weekend gives way"
    tuesday = columns[1]
    assert tuesday.title == "Tue 8" and tuesday.subtitle == "4 appointments"
    assert {a.id for a in tuesday.appointments} == {
        book.ids[n] for n in ("tue_0900", "tue_0930", "tue_1400", "tue_0900_second")
    }
    assert tuesday.provider_id is None, "two providers share the all-providers week"
    assert tuesday.working == [Interval(at(TUESDAY, 8), at(TUESDAY, 12)), Interval(at(TUESDAY, 13), at(TUESDAY, 17))]
    assert columns[0].is_today and not tuesday.is_today


def test_a_weekend_day_stays_when_someone_works_or_is_booked_then(book, clinic):
    saturday = MONDAY + timedelta(days=5)
    add_provider(clinic, "Dr. Saturday", {6: [WorkingBlock(time(9), time(12), 30)]})
    days = [column.day for column in book.week()]
    assert saturday in days and saturday + timedelta(days=1) not in days


def test_one_providers_week_holds_only_their_appointments_and_time_off(book):
    add_time_off(book.clinic, book.first, at(WEDNESDAY, 13), at(WEDNESDAY, 15), "training")
    columns = book.week(book.first)
    assert all(c.provider_id == book.first for c in columns)
    assert [a.id for a in columns[1].appointments] == [book.ids[n] for n in ("tue_0900", "tue_0930", "tue_1400")]
    assert columns[2].time_off == [Interval(at(WEDNESDAY, 13), at(WEDNESDAY, 15))]


def test_day_columns_put_providers_side_by_side(book):
    first, second = sorted(book.day(), key=lambda c: c.provider_id != book.first)
    assert (first.title, second.title, second.subtitle) == (first.title, "Dr. Second", "Paediatrics")
    assert [a.id for a in second.appointments] == [book.ids["tue_0900_second"]]
    assert len(first.appointments) == 3 and all(c.day == TUESDAY for c in (first, second))


# --- geometry and hit testing ---


def test_blocks_sit_at_their_times(grid, book):
    grid.set_columns(book.week(book.first))
    nine, half_past, two = (grid.block_rect(book.ids[n]) for n in ("tue_0900", "tue_0930", "tue_1400"))
    assert half_past.top() - nine.top() == HOUR_HEIGHT // 2
    assert two.top() - nine.top() == 5 * HOUR_HEIGHT
    assert nine.height() < HOUR_HEIGHT // 2 and nine.bottom() < half_past.top(), "a 30 minute block, with a gap"
    wednesday = grid.block_rect(book.ids["wed_1000"])
    assert wednesday.left() > nine.right(), "Wednesday's column is right of Tuesday's"
    assert grid.visible_hours == (7, 19)


def test_a_click_on_a_block_selects_its_appointment_and_column(grid, book, qtbot):
    grid.set_columns(book.week())
    for name, ident in book.ids.items():
        rect = grid.block_rect(ident)
        with qtbot.waitSignal(grid.appointment_selected) as selected, qtbot.waitSignal(grid.column_selected) as column:
            click(qtbot, grid, rect.center())
        assert grid.selected_appointment_id == ident, name
        assert selected.args == [ident]
        assert any(a.id == ident for a in column.args[0].appointments)


def test_a_click_on_empty_time_selects_the_column_only(grid, book, qtbot):
    grid.set_columns(book.week())
    grid.select_appointment(book.ids["tue_0900"])
    empty = grid.block_rect(book.ids["wed_1000"]).center() + QPoint(0, 3 * HOUR_HEIGHT)
    with qtbot.waitSignal(grid.column_selected) as selected:
        click(qtbot, grid, empty)
    assert selected.args[0].day == WEDNESDAY
    assert grid.selected_appointment_id is None


def test_overlapping_appointments_sit_side_by_side(grid, book):
    grid.set_columns(book.week())  # both providers at 09:00 on Tuesday
    mine, theirs = grid.block_rect(book.ids["tue_0900"]), grid.block_rect(book.ids["tue_0900_second"])
    assert mine.top() == theirs.top()
    assert not mine.intersects(theirs)
    assert grid.appointment_at(mine.center()) == book.ids["tue_0900"]
    assert grid.appointment_at(theirs.center()) == book.ids["tue_0900_second"]


def test_the_hours_grow_to_every_working_interval_and_appointment(grid, clinic, qtbot):
    early = add_provider(clinic, "Dr. Early", {2: [WorkingBlock(time(6), time(20, 30), 30)]})
    patient = new_patient(clinic)
    booking.book(clinic, BookingRequest(provider_id=early, patient_id=patient, start=at(TUESDAY, 20)))
    columns = day_columns(
        TUESDAY,
        MONDAY,
        schedule.providers(clinic),
        schedule.schedule(clinic, TUESDAY, TUESDAY),
        calendar.working_calendar(clinic, TUESDAY, TUESDAY),
    )
    grid.set_columns(columns)
    assert grid.visible_hours == (6, 21)


def appointment_at(ident: int, start: datetime, minutes: int = 30) -> AppointmentView:
    end = start + timedelta(minutes=minutes)
    return AppointmentView(ident, "booked", start, end, "", 1, "Dr. One", ident, "Ada Smith", "c", "Check", "#3b82f6")


def test_blocks_follow_the_clock_on_the_night_the_clocks_go_back(grid):
    monday, sunday = date(2030, 10, 21), date(2030, 10, 27)  # at 03:00 on Sunday Berlin's clocks go back to 02:00
    before = datetime.combine(sunday, time(1, 30), ZONE)
    after = datetime.combine(sunday, time(3), ZONE)  # two and a half hours later: 02:00 to 03:00 came twice
    assert (after - before.astimezone(ZoneInfo("UTC"))).total_seconds() == 2.5 * 3600
    grid.set_columns(week_columns(monday, monday, [appointment_at(1, before), appointment_at(2, after)], {}, zone=ZONE))
    assert grid.visible_hours == (1, 19)
    grid.scroll_to_hour(1)
    first, second = grid.block_rect(1), grid.block_rect(2)
    assert first.top() == HOUR_HEIGHT // 2 + 1
    assert second.top() - first.top() == round(1.5 * HOUR_HEIGHT), "an hour and a half on the clock"


def test_scroll_to_hour_puts_the_hour_at_the_top(grid, book):
    grid.resize(1000, 400)
    grid.set_columns(book.week())
    grid.scroll_to_hour(12)
    assert grid.block_rect(book.ids["tue_1400"]).top() == 2 * HOUR_HEIGHT + 1
    grid.scroll_to_hour(9)
    assert grid.block_rect(book.ids["tue_0900"]).top() == 1


def test_the_mouse_wheel_scrolls_the_hours(grid, book):
    grid.resize(1000, 400)
    grid.set_columns(book.week())
    grid.scroll_to_hour(8)
    before = grid.verticalScrollBar().value()
    inside = QPointF(grid.viewport().rect().center())
    wheel = QWheelEvent(
        inside,
        QPointF(grid.viewport().mapToGlobal(inside.toPoint())),
        QPoint(),
        QPoint(0, -120),  # one notch towards the user: later hours
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(grid.viewport(), wheel)
    assert grid.verticalScrollBar().value() > before


def test_first_data_scrolls_to_the_start_of_the_working_day(qtbot, book):
    view = TimeGridView(theme.theme("light"), ZONE)
    qtbot.addWidget(view)
    view.set_columns(book.week())  # before the view has its size
    view.resize(1000, 400)
    view.show()
    qtbot.waitExposed(view)
    assert view.verticalScrollBar().value() == (8 - 7) * HOUR_HEIGHT


def test_many_providers_scroll_sideways_instead_of_shrinking(grid, clinic, qtbot):
    for n in range(8):
        add_provider(clinic, f"Dr. Number {n}", WEEKDAY_HOURS)
    grid.resize(700, 600)
    columns = day_columns(
        TUESDAY, MONDAY, schedule.providers(clinic), [], calendar.working_calendar(clinic, TUESDAY, TUESDAY)
    )
    grid.set_columns(columns)
    assert len(columns) == 8
    assert grid.horizontalScrollBar().maximum() >= 8 * MIN_COLUMN_WIDTH - grid.viewport().width()


# --- keyboard ---


def press(qtbot, grid: TimeGridView, key: Qt.Key) -> int | None:
    qtbot.keyClick(grid, key)
    return grid.selected_appointment_id


def test_arrows_walk_the_appointments(grid, book, qtbot):
    grid.set_columns(book.week(book.first))
    ids = book.ids
    # Without a selection the first appointment of the week is chosen (today, Monday, has none).
    with qtbot.waitSignal(grid.appointment_selected) as selected:
        qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert selected.args == [ids["tue_0900"]]
    assert press(qtbot, grid, Qt.Key.Key_Down) == ids["tue_0930"]
    assert press(qtbot, grid, Qt.Key.Key_Down) == ids["tue_1400"]
    assert press(qtbot, grid, Qt.Key.Key_Down) == ids["tue_1400"], "the last one stays selected"
    assert press(qtbot, grid, Qt.Key.Key_Up) == ids["tue_0930"]
    with qtbot.waitSignal(grid.column_selected) as column:
        assert press(qtbot, grid, Qt.Key.Key_Right) == ids["wed_1000"]
    assert column.args[0].day == WEDNESDAY
    assert press(qtbot, grid, Qt.Key.Key_Right) == ids["wed_1000"], "no appointments further right"
    # Back left: the nearest in time to 10:00 is 09:30.
    assert press(qtbot, grid, Qt.Key.Key_Left) == ids["tue_0930"]
    assert "Ada Smith" in grid.accessibleDescription()


def test_right_arrow_scrolls_the_chosen_block_into_view(grid, clinic, qtbot):
    providers = [add_provider(clinic, f"Dr. Number {n}", WEEKDAY_HOURS) for n in range(8)]
    ids = [
        booking.book(clinic, BookingRequest(provider_id=p, patient_id=new_patient(clinic), start=at(TUESDAY, 16)))
        for p in providers
    ]
    grid.resize(600, 300)
    columns = day_columns(
        TUESDAY,
        MONDAY,
        [p for p in schedule.providers(clinic) if p.id in providers],
        schedule.schedule(clinic, TUESDAY, TUESDAY),
        calendar.working_calendar(clinic, TUESDAY, TUESDAY),
    )
    grid.set_columns(columns)
    grid.select_appointment(ids[0])
    for _ in range(7):
        qtbot.keyClick(grid, Qt.Key.Key_Right)
    last = grid.selected_appointment_id
    assert last == columns[-1].appointments[0].id
    assert grid.viewport().rect().contains(grid.block_rect(last))


def test_enter_and_double_click_open_the_appointment(grid, book, qtbot):
    grid.set_columns(book.week())
    ident = book.ids["wed_1000"]
    grid.select_appointment(ident)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        with qtbot.waitSignal(grid.appointment_activated) as activated:
            qtbot.keyClick(grid, key)
        assert activated.args == [ident]
    other = book.ids["tue_1400"]
    with qtbot.waitSignal(grid.appointment_activated) as activated:
        qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.block_rect(other).center())
    assert activated.args == [other]


def test_the_buffer_after_an_appointment_shows_under_its_block_and_in_its_tooltip(grid, book, clinic):
    cleaning = appointment_types.add_type(clinic, "clean", "With cleaning", "#0f766e", minutes=30, buffer_minutes=15)
    request = BookingRequest(provider_id=book.first, patient_id=new_patient(clinic), start=at(WEDNESDAY, 14))
    ident = booking.book(clinic, request.model_copy(update={"type_id": cleaning}))
    grid.set_columns(book.week(book.first))
    block = grid._geometry.by_id[ident]
    assert block.buffer is not None and block.buffer.top() == block.bottom
    assert block.buffer.height() == 15 * HOUR_HEIGHT / 60 - 1
    assert grid._geometry.by_id[book.ids["wed_1000"]].buffer is None, "no buffer, no strip"
    assert describe(block.appointment, ZONE).splitlines()[0].endswith("14:00–14:30 (then 15 min buffer)")
    grid.viewport().repaint()  # paints the strip


# --- the time cursor: the keyboard on empty time ---


def test_a_click_on_empty_time_puts_the_time_cursor_on_its_quarter_hour_and_enter_books_there(grid, book, qtbot):
    grid.set_columns(book.week(book.first))
    empty = grid.block_rect(book.ids["wed_1000"]).topLeft() + QPoint(4, 3 * HOUR_HEIGHT + HOUR_HEIGHT // 6)  # 13:10
    click(qtbot, grid, empty)
    column, moment = grid.time_cursor
    assert (column.day, moment) == (WEDNESDAY, at(WEDNESDAY, 13))
    assert grid.selected_appointment_id is None
    assert "13:00: Enter books here" in grid.accessibleDescription()
    with qtbot.waitSignal(grid.time_activated) as activated:
        qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert activated.args[0].day == WEDNESDAY and activated.args[1] == at(WEDNESDAY, 13)


def test_the_arrows_move_the_time_cursor_by_quarter_hours_and_columns_within_the_grid(grid, book, qtbot):
    grid.set_columns(book.week(book.first))
    grid.select_appointment(book.ids["wed_1000"])
    qtbot.keyClick(grid, Qt.Key.Key_Escape)  # from the appointment to the time it starts
    assert grid.selected_appointment_id is None
    assert grid.time_cursor[1] == at(WEDNESDAY, 10)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.time_cursor[1] == at(WEDNESDAY, 10, 15)
    for _ in range(3):
        qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.time_cursor[1] == at(WEDNESDAY, 9, 30), "over an appointment's time too: the cursor is on time"
    with qtbot.waitSignal(grid.column_selected) as column:
        qtbot.keyClick(grid, Qt.Key.Key_Left)
    assert column.args[0].day == TUESDAY and grid.time_cursor[1] == at(TUESDAY, 9, 30)
    for _ in range(5):
        qtbot.keyClick(grid, Qt.Key.Key_Left)
    assert grid.time_cursor[1] == at(MONDAY, 9, 30), "the first column is as far left as it goes"
    for _ in range(4 * 4):
        qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.time_cursor[1] == at(MONDAY, 7), "the first hour shown is as far up as it goes"
    grid.select_appointment(book.ids["tue_0900"])
    assert grid.time_cursor is None, "the keyboard is on the appointment now"
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.selected_appointment_id == book.ids["tue_0930"], "the arrows walk the appointments again"
    qtbot.keyClick(grid, Qt.Key.Key_Escape)
    click(qtbot, grid, grid.block_rect(book.ids["tue_1400"]).center())
    assert grid.time_cursor is None, "a click on an appointment takes the keyboard off the empty times"


def test_ctrl_x_cuts_the_selected_appointment_escape_gives_it_up_and_ctrl_v_pastes_at_the_cursor(grid, book, qtbot):
    grid.set_columns(book.week(book.first))
    ident = book.ids["tue_0900"]
    grid.select_appointment(ident)
    with qtbot.waitSignal(grid.cut_requested) as cut:
        qtbot.keyClick(grid, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert cut.args == [ident]
    grid.set_cut(ident)
    with qtbot.waitSignal(grid.cut_requested) as given_up:
        qtbot.keyClick(grid, Qt.Key.Key_Escape)
    assert given_up.args == [None]
    click(qtbot, grid, grid.block_rect(book.ids["wed_1000"]).topLeft() + QPoint(4, HOUR_HEIGHT + 2))  # Wed 11:02
    with qtbot.waitSignal(grid.paste_requested) as pasted:
        qtbot.keyClick(grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert pasted.args[0].day == WEDNESDAY and pasted.args[1] == at(WEDNESDAY, 11)


# --- refreshes, now line, look ---


class PaintSpy(QObject):
    """Collects what a widget repaints."""

    def __init__(self, widget: QWidget):
        super().__init__(widget)
        self.region = QRegion()
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.region += event.region()
        return False


def test_a_new_selection_repaints_only_the_blocks_it_changes(grid, book, qtbot):
    grid.set_columns(book.week())
    grid.viewport().repaint()
    spy = PaintSpy(grid.viewport())
    nine, wednesday, two = (grid.block_rect(book.ids[n]) for n in ("tue_0900", "wed_1000", "tue_1400"))
    grid.select_appointment(book.ids["tue_0900"])
    qtbot.waitUntil(lambda: not spy.region.isEmpty())
    assert spy.region.contains(nine) and not spy.region.contains(wednesday.center())
    spy.region = QRegion()
    grid.select_appointment(book.ids["wed_1000"])
    qtbot.waitUntil(lambda: spy.region.contains(nine) and spy.region.contains(wednesday))
    assert not spy.region.contains(two.center())


def test_the_selection_survives_a_refresh_while_its_appointment_is_shown(grid, book):
    grid.set_columns(book.week())
    grid.select_appointment(book.ids["tue_1400"])
    grid.set_columns(book.week())
    assert grid.selected_appointment_id == book.ids["tue_1400"]
    booking.cancel(book.clinic, book.ids["tue_1400"])
    grid.set_columns(book.week())
    assert grid.selected_appointment_id is None
    assert grid.block_rect(book.ids["tue_1400"]) is None


def test_tooltip_text_tells_time_patient_provider_type_and_status(book):
    appointment = next(a for c in book.week() for a in c.appointments if a.id == book.ids["tue_0930"])
    lines = describe(appointment, ZONE).splitlines()
    assert lines[0] == "Tue 8 Jan, 09:30–10:00"
    assert lines[1:] == [appointment.patient_name, appointment.provider_name, appointment.type_name, "Checked in"]
    assert appointment.patient_name == "Ada Smith"


def test_painting_every_status_in_both_themes(grid, book):
    booking.change_status(book.clinic, book.ids["tue_0900"], "no_show")
    add_time_off(book.clinic, book.first, at(WEDNESDAY, 13), at(WEDNESDAY, 15))
    grid.set_columns(book.week(book.first))
    grid.set_now(NOW + timedelta(hours=3))
    grid.select_appointment(book.ids["tue_1400"])
    for name in ("light", "dark"):
        grid.set_theme(theme.theme(name))
        assert not grid.grab().isNull()
    grid.set_columns(book.day())
    assert not grid.grab().isNull()


def test_the_view_has_a_default_accessible_name(grid):
    assert grid.accessibleName()
    assert grid.focusPolicy() == Qt.FocusPolicy.StrongFocus


@pytest.mark.parametrize("width", [700, 1920])
def test_a_block_shows_whole_times_whose_appointment_it_is_and_elides_what_does_not_fit(grid, book, width):
    """Every provider's week: on Tuesday at 09:00 two providers' appointments stand side by side."""
    grid.resize(width, 700)
    grid.set_columns(book.week(None))
    for appointment in schedule.schedule(book.clinic, MONDAY, SUNDAY):
        time_shown, name = grid.block_label(appointment.id)
        assert time_shown in ("", appointment.starts_at.astimezone(ZONE).strftime("%H:%M")), "whole or not at all"
        whole = f"{initials(appointment.provider_name)} · {appointment.patient_name}"  # whose, then who
        assert name in ("", whole) or (name.endswith("…") and whole.startswith(name[:-1])), name
        assert name or width < 1920, "at 1920 pixels every block says whose appointment it is"


def test_the_initials_leave_out_titles():
    assert initials("Dr. Amelia Hart") == "AH"
    assert initials("Prof. Dr. Jean-Luc Picard") == "JP"
