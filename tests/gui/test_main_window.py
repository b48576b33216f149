"""The main window over a real database: navigation, views, the booking flow, details, persistence."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QContextMenuEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QMenu,
    QToolBar,
    QWidget,
)
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.domain.slots import Interval
from app.services import appointment_types, booking, rooms
from app.services.context import Clinic
from app.services.demo import load_demo_data
from app.services.patients import get_patient
from app.services.uow import UnitOfWork
from app.ui import theme
from app.ui.dialogs.appointment_dialog import AppointmentDialog
from app.ui.dialogs.booking_dialog import BookingDialog
from app.ui.dialogs.find_patient_dialog import FindPatientDialog
from app.ui.dialogs.next_free_dialog import NextFreeDialog
from app.ui.dialogs.reschedule_dialog import RescheduleDialog
from app.ui.models.slot_model import SlotRole
from app.ui.navigation import ViewMode
from app.ui.views.month_view import MonthView
from app.ui.views.time_grid import TimeGridView
from tests.conftest import NOW, ZONE, new_patient
from tests.gui.desks import TUESDAY, Desk, at, live_appointments, settle, show


@pytest.fixture
def ui_settings(tmp_path):
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def open_window(qtbot, db_url, runner, ui_settings, monkeypatch):
    """Opens main windows over the test database, loaded, listening and ready. The windows share an engine
    of their own, and the test fails if any of its connections was taken on the UI thread."""
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    desk = Desk(db_url)
    yield lambda: desk.open(qtbot, ui_settings, runner)
    desk.close()
    assert desk.threads_that_queried, "the window never read the database"


@pytest.fixture
def window(open_window, provider_id):
    return open_window()


def test_status_bar_shows_database_connection_and_time_zone(window):
    summary = window.status.summary()
    assert "db.example:5432/clinic" in summary
    assert "Connected" in summary
    assert ZONE.key in summary


CONTROLS = (QAbstractButton, QComboBox, QLineEdit, QDateEdit, QAbstractItemView, TimeGridView, MonthView)


def test_every_control_has_an_accessible_name(window):
    assert len([w for w in window.findChildren(QWidget) if isinstance(w, CONTROLS)]) > 10
    assert unnamed_controls(window) == []


def test_mode_shortcuts_previous_next_and_today(qtbot, window):
    window.go_to(TUESDAY, ViewMode.WEEK)
    settle(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.mode is ViewMode.MONTH and window.stack.currentWidget() is window.month_view
    assert window.navigation.title_label.text() == "January 2030"
    window.navigation.next_action.trigger()
    assert window.navigation.title_label.text() == "February 2030"
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.day_view
    window.navigation.previous_action.trigger()
    assert window.anchor == date(2030, 2, 7)
    qtbot.keyClick(window.day_view, Qt.Key.Key_T)
    assert window.anchor == NOW.date()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.navigation.title_label.text() == "7 – 13 Jan 2030"
    qtbot.keyClick(window.week_view, Qt.Key.Key_PageDown)
    assert window.navigation.title_label.text() == "14 – 20 Jan 2030"
    settle(qtbot, window)
    assert window.data.request.anchor == date(2030, 1, 15)
    with qtbot.waitSignal(window.view_loaded):
        qtbot.keyClick(window.week_view, Qt.Key.Key_F5)


def test_date_jump_moves_the_view(qtbot, window):
    window.set_mode(ViewMode.DAY)
    window.navigation.date_edit.setDate(date(2030, 3, 14))
    settle(qtbot, window)
    assert window.anchor == date(2030, 3, 14)
    assert window.data.request.anchor == date(2030, 3, 14)


def test_month_double_click_opens_that_days_view(qtbot, window, provider_id, patient_id, clinic):
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9)))
    show(qtbot, window, TUESDAY, ViewMode.MONTH, None)
    assert window.data.counts[TUESDAY] == {"consultation": 1}
    window.month_view.day_activated.emit(TUESDAY)
    settle(qtbot, window)
    assert window.mode is ViewMode.DAY and window.anchor == TUESDAY
    assert len(window.data.appointments) == 1


def test_booking_flow_from_picker_to_the_views(qtbot, window, provider_id, patient_id, engine):
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    assert window.picker.provider.id == provider_id and window.picker.day == TUESDAY
    window.picker.select_start(at(TUESDAY, 10))
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(BookingDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: not window.runner.busy)
    dialog.search.set_query("Ada")
    qtbot.waitUntil(lambda: dialog.search.result_count() == 1)
    dialog.search.choose_row(0)
    qtbot.waitUntil(dialog.book_button.isEnabled)
    with qtbot.waitSignal(window.view_loaded, timeout=10_000):
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    rows = live_appointments(engine)
    assert [(r.patient_id, r.starts_at) for r in rows] == [(patient_id, at(TUESDAY, 10))]
    settle(qtbot, window)
    assert rows[0].id in window.data.appointments
    tuesday = next(c for c in window.week_view.columns if c.day == TUESDAY)
    assert [a.id for a in tuesday.appointments] == [rows[0].id]
    assert at(TUESDAY, 10) not in window.picker.free_times()


def test_new_booking_without_a_chosen_time_searches_the_next_free_times_and_books_one(
    qtbot, window, engine, provider_id, patient_id
):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    search = window.findChild(NextFreeDialog)
    assert search is not None and window.findChild(BookingDialog) is None
    qtbot.waitUntil(lambda: search.results.count() == 10)
    assert search.results.currentRow() == 0 and "08:00" in search.results.item(0).text()

    search.provider_combo.setCurrentIndex(search.provider_combo.findData(provider_id))
    search.part_combo.setCurrentIndex(search.part_combo.findData("afternoon"))
    search.part_combo.activated.emit(search.part_combo.currentIndex())
    qtbot.waitUntil(lambda: search.results.count() > 0 and "13:00" in search.results.item(0).text())
    qtbot.mouseClick(search.book_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(BookingDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled())
    assert dialog.time_combo.currentData(SlotRole) == at(TUESDAY, 13)


def test_a_slot_taken_at_another_desk_refreshes_the_picker(qtbot, window, provider_id, patient_id, clinic, engine):
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    window.picker.select_start(at(TUESDAY, 11))
    dialog = window.dialogs.open_booking(window.picker.provider, window.picker.selected_start)
    qtbot.waitUntil(lambda: not window.runner.busy)
    dialog.search.set_query("Ada")
    qtbot.waitUntil(lambda: dialog.search.result_count() == 1)
    dialog.search.choose_row(0)
    other_desk = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 11))
    )
    with qtbot.waitSignal(dialog.slot_taken, timeout=10_000):
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.busy and not window.picker.is_loading)
    assert at(TUESDAY, 11) not in window.picker.free_times()
    assert dialog.isVisible() and dialog.search.chosen is not None
    assert [r.id for r in live_appointments(engine)] == [other_desk]


def test_details_cancel_and_reschedule(qtbot, window, provider_id, patient_id, clinic, engine, monkeypatch):
    first = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9)))
    second = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 14)))
    show(qtbot, window, TUESDAY, ViewMode.DAY, None)

    window.day_view.select_appointment(second)
    qtbot.keyClick(window.day_view, Qt.Key.Key_Return)
    details = window.findChild(AppointmentDialog)
    assert details is not None and details.appointment.id == second
    monkeypatch.setattr("app.ui.dialogs.questions.confirm", lambda *_args, **_kw: True)
    with qtbot.waitSignal(details.changed, timeout=10_000):
        qtbot.mouseClick(details.cancel_button, Qt.MouseButton.LeftButton)
    assert [r.id for r in live_appointments(engine)] == [first]
    qtbot.waitUntil(lambda: second not in window.data.appointments)

    details = window.open_appointment(first)
    with qtbot.waitSignal(details.reschedule_requested):
        qtbot.mouseClick(details.reschedule_button, Qt.MouseButton.LeftButton)
    mover = window.findChild(RescheduleDialog)
    assert mover is not None
    qtbot.waitUntil(lambda: not mover.picker.is_loading)
    mover.picker.select_start(at(TUESDAY, 15, 30))
    with qtbot.waitSignal(mover.rescheduled, timeout=10_000):
        qtbot.mouseClick(mover.picker.book_button, Qt.MouseButton.LeftButton)
    assert [(r.id, r.starts_at) for r in live_appointments(engine)] == [(first, at(TUESDAY, 15, 30))]
    qtbot.waitUntil(lambda: window.data.appointments[first].starts_at == at(TUESDAY, 15, 30))


def test_find_patient_opens_an_appointment_on_its_day(qtbot, window, provider_id, patient_id, clinic):
    appointment = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY + timedelta(1), 8))
    )
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    finder = window.findChild(FindPatientDialog)
    assert finder is not None
    finder.search.set_query("Ada")
    qtbot.waitUntil(lambda: finder.search.result_count() == 1)
    finder.search.choose_row(0)
    qtbot.waitUntil(lambda: finder.model.rowCount() == 1)
    qtbot.keyClick(finder.table, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert window.mode is ViewMode.DAY and window.anchor == TUESDAY + timedelta(1)
    details = window.findChild(AppointmentDialog)
    assert details is not None and details.appointment.id == appointment


def test_theme_view_and_size_persist_across_a_restart(qtbot, open_window, provider_id):
    first = open_window()
    first.themes.choose("dark")
    first.set_mode(ViewMode.MONTH)
    first.show_provider(provider_id)
    first.resize(900, 700)  # the offscreen screen is 800x800: restoring fits the width to it
    settle(qtbot, first)
    first.close()

    second = open_window()
    assert second.themes.choice == "dark" and second.themes.theme.is_dark
    assert QApplication.instance().palette().window().color() == theme.theme("dark").color("window")
    assert second.mode is ViewMode.MONTH and second.stack.currentWidget() is second.month_view
    assert second.provider_id == provider_id and second.navigation.provider_combo.currentData() == provider_id
    assert second.height() == 700
    second.themes.choose("light")


def unnamed_controls(widget: QWidget) -> list[QWidget]:
    """Visible controls without an accessible name (Qt's own inner widgets, named qt_*, speak through their
    parents)."""
    return [
        w
        for w in widget.findChildren(QWidget)
        if isinstance(w, CONTROLS)
        and w.isVisibleTo(widget)
        and not w.objectName().startswith("qt_")
        and not w.accessibleName()
    ]


def test_every_dialog_control_has_an_accessible_name(qtbot, window, provider_id, patient_id, clinic):
    appointment = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9))
    )
    show(qtbot, window, TUESDAY, ViewMode.DAY, provider_id)
    details = window.open_appointment(appointment)
    mover = window.dialogs.open_reschedule(details.appointment)
    dialogs = [
        details,
        mover,
        window.dialogs.open_booking(window.desk.provider(provider_id), at(TUESDAY, 10)),
        window.dialogs.open_series(
            window.desk.provider(provider_id), get_patient(clinic, patient_id), at(TUESDAY, 11), None, ""
        ),
        window.dialogs.find_patient(),
        window.dialogs.open_waitlist_entry(None, window.dialogs.open_waitlist()),
        window.dialogs.open_waitlist(),
        window.dialogs.open_audit_log(),
        window.dialogs.open_print(TUESDAY, provider_id),
        window.dialogs.open_flow_board(window.settings),
        window.dialogs.open_reminders(),
        window.dialogs.open_export(TUESDAY, TUESDAY, provider_id),
        window.dialogs.open_reports(),
    ]
    qtbot.waitUntil(lambda: not window.runner.busy)
    for dialog in dialogs:
        assert unnamed_controls(dialog) == [], type(dialog).__name__


def test_double_click_on_a_greyed_day_of_the_next_month_opens_that_day(qtbot, window):
    show(qtbot, window, TUESDAY, ViewMode.MONTH, None)
    february_third = date(2030, 2, 3)
    cell = window.month_view.cell_rect(february_third)
    assert cell is not None
    # What Qt delivers for a double click: press, release, then a double-click event instead of a second press.
    qtbot.mouseClick(window.month_view, Qt.MouseButton.LeftButton, pos=cell.center())
    assert window.anchor == february_third  # the grid has turned to February under the mouse
    point = QPointF(cell.center())
    double_click = QMouseEvent(
        QEvent.Type.MouseButtonDblClick,
        point,
        window.month_view.mapToGlobal(point),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window.month_view, double_click)
    settle(qtbot, window)
    assert window.mode is ViewMode.DAY and window.anchor == february_third


def test_enter_on_a_patient_result_chooses_the_patient_and_books_nothing(
    qtbot, window, provider_id, patient_id, engine
):
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    dialog = window.dialogs.open_booking(window.desk.provider(provider_id), at(TUESDAY, 10))
    qtbot.waitUntil(lambda: not window.runner.busy)
    dialog.search.set_query("Ada")
    qtbot.waitUntil(lambda: dialog.search.result_count() == 1)
    dialog.search.choose_row(0)
    qtbot.waitUntil(dialog.book_button.isEnabled)
    dialog.search.results.setFocus()
    qtbot.keyClick(dialog.search.results, Qt.Key.Key_Return)
    qtbot.wait(50)
    assert not window.runner.busy and dialog.isVisible()
    assert dialog.type_combo.hasFocus()
    assert live_appointments(engine) == []


def test_the_booking_dialog_opens_ready_for_the_patient_s_name(qtbot, window, provider_id, patient_id):
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    assert window.picker.select_start(at(TUESDAY, 10))
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(BookingDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.search.query_edit)
    qtbot.keyClicks(QApplication.focusWidget(), "Ada")
    qtbot.waitUntil(lambda: dialog.search.result_count() == 1)
    assert dialog.search.query_edit.text() == "Ada"


def test_the_date_box_follows_the_day_chosen_in_the_views(qtbot, window, clinic, provider_id, patient_id):
    friday = TUESDAY + timedelta(days=3)
    on_friday = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(friday, 9))
    )
    show(qtbot, window, TUESDAY, ViewMode.MONTH, provider_id)
    qtbot.keyClick(window.month_view, Qt.Key.Key_Right)  # Wednesday, in the same month
    assert window.navigation.date_edit.date().toPython() == TUESDAY + timedelta(days=1)

    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    block = window.week_view.block_rect(on_friday)
    qtbot.mouseClick(window.week_view.viewport(), Qt.MouseButton.LeftButton, pos=block.center())
    assert window.navigation.date_edit.date().toPython() == friday


def test_a_desk_reading_the_schedule_in_another_zone_than_its_hours_says_so_at_the_start(qtbot, open_window, engine):
    made_in_utc = Clinic(UnitOfWork(engine), ZoneInfo("UTC"), clock=lambda: NOW)  # before the zone was chosen
    load_demo_data(made_in_utc)
    window = open_window()  # in Berlin
    qtbot.waitUntil(lambda: window.desk.schedule_misfit_message is not None, timeout=10_000)
    assert "upcoming appointments lie outside their providers' working hours" in window.desk.schedule_misfit_message
    assert "read in Europe/Berlin" in window.desk.schedule_misfit_message


def test_a_desk_whose_schedule_fits_says_nothing_of_it(qtbot, open_window, clinic, provider_id, patient_id):
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 10)))
    window = open_window()
    qtbot.waitUntil(lambda: not window.runner.busy)  # the check has run
    assert window.desk.schedule_misfit_message is None


def test_at_1024_by_768_the_toolbar_s_actions_show_and_the_week_fits(qtbot, window, clinic, provider_id):
    window.resize(1024, 768)
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    bar = window.findChild(QToolBar, "navigation_toolbar")
    qtbot.waitUntil(lambda: bar.widgetForAction(window.new_action).isVisible())
    for action in (window.find_action, window.new_action, *window.navigation.mode_actions.values()):
        assert bar.widgetForAction(action).isVisible(), action.text()  # none in the overflow menu
    assert window.picker.isVisible(), "a provider's free times beside the week"
    assert window.week_view.horizontalScrollBar().maximum() == 0, "the working week fits"

    show(qtbot, window, TUESDAY, ViewMode.WEEK, None)  # every provider: no free times to show
    assert not window.picker.isVisible()
    assert window.week_view.horizontalScrollBar().maximum() == 0


def test_find_patient_books_for_the_chosen_patient_at_the_next_free_time(
    qtbot, window, engine, provider_id, patient_id
):
    finder = window.dialogs.find_patient()
    assert not finder.book_button.isEnabled()
    finder.search.set_query("Ada")
    qtbot.waitUntil(lambda: finder.search.result_count() == 1)
    finder.search.choose_row(0)
    assert finder.book_button.isVisible() and finder.book_button.isEnabled()
    qtbot.mouseClick(finder.book_button, Qt.MouseButton.LeftButton)
    search = window.findChild(NextFreeDialog)
    assert search is not None and "for Ada" in search.windowTitle()
    qtbot.waitUntil(lambda: search.results.count() == 10)
    qtbot.mouseClick(search.book_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(BookingDialog)
    qtbot.waitUntil(lambda: dialog.book_button.isEnabled())  # the patient is chosen already
    assert dialog.search.chosen.id == patient_id
    with qtbot.waitSignal(dialog.booked):
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    assert [(r.patient_id, r.starts_at) for r in live_appointments(engine)] == [(patient_id, at(TUESDAY, 8))]


def grid_point(grid: TimeGridView, day: date, hour: int, minute: int) -> QPoint:
    """Where a time of a day's column is in the grid's viewport."""
    index = next(i for i, column in enumerate(grid._geometry.columns) if column.day == day)
    x = grid._geometry.column_left(index) + 8 - grid.horizontalScrollBar().value()
    y = grid._geometry.y(hour * 60 + minute) - grid.verticalScrollBar().value()
    return QPoint(int(x), int(y))


def test_a_double_click_on_a_free_time_books_there_and_on_a_taken_one_says_so(
    qtbot, window, provider_id, patient_id, clinic
):
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 11)))
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    grid = window.week_view
    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid_point(grid, TUESDAY, 10, 10))
    qtbot.waitUntil(lambda: window.findChild(BookingDialog) is not None)
    dialog = window.findChild(BookingDialog)
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled())
    assert dialog.time_combo.currentData(SlotRole) == at(TUESDAY, 10)
    dialog.reject()

    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid_point(grid, TUESDAY, 12, 30))  # lunch
    qtbot.waitUntil(lambda: "not free" in window.statusBar().currentMessage())


def right_click(grid: TimeGridView, pos: QPoint) -> None:
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, grid.viewport().mapToGlobal(pos))
    QApplication.sendEvent(grid.viewport(), event)


def menu_action(window, text: str):
    menus = [menu for menu in window.findChildren(QMenu) if menu.isVisible()]
    return next(action for menu in menus for action in menu.actions() if action.text() == text)


def test_right_click_menus_check_in_an_appointment_and_book_an_empty_time(
    qtbot, window, engine, clinic, provider_id, patient_id
):
    booked = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9)))
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    grid = window.week_view
    right_click(grid, grid_point(grid, TUESDAY, 9, 10))
    texts = [a.text() for m in window.findChildren(QMenu) if m.isVisible() for a in m.actions()]
    assert texts == ["Details…", "Check in", "Reschedule…", "Type and notes…", "Cancel appointment…"]
    menu_action(window, "Check in").trigger()
    qtbot.waitUntil(lambda: booking_status(engine, booked) == "checked_in")
    for menu in window.findChildren(QMenu):
        menu.close()

    right_click(grid, grid_point(grid, TUESDAY, 14, 5))
    menu_action(window, "Book here…").trigger()
    qtbot.waitUntil(lambda: window.findChild(BookingDialog) is not None)
    dialog = window.findChild(BookingDialog)
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled())
    assert dialog.time_combo.currentData(SlotRole) == at(TUESDAY, 14)


def booking_status(engine, appointment_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT status FROM appointments WHERE id = :id"), {"id": appointment_id}).scalar_one()


def drag(qtbot, grid: TimeGridView, start: QPoint, end: QPoint) -> None:
    """Press on `start`, move to `end` in steps, release there, as a hand on the mouse does."""
    viewport = grid.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        at = start + (end - start) * step / 5
        move = QMouseEvent(
            QEvent.Type.MouseMove,
            QPointF(at),
            QPointF(viewport.mapToGlobal(at)),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, move)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def test_dragging_an_appointment_moves_it_and_a_refused_drop_says_why(
    qtbot, window, engine, clinic, provider_id, patient_id
):
    moved = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9)))
    booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Bea"), start=at(TUESDAY, 14))
    )
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    grid = window.week_view
    drag(qtbot, grid, grid_point(grid, TUESDAY, 9, 10), grid_point(grid, TUESDAY, 11, 10))  # grabbed 10 minutes in
    qtbot.waitUntil(lambda: booking_start(engine, moved) == at(TUESDAY, 11))
    qtbot.waitUntil(lambda: "moved" in window.statusBar().currentMessage())

    qtbot.waitUntil(lambda: grid.appointment_at(grid_point(grid, TUESDAY, 11, 10)) == moved)  # the view follows
    drag(qtbot, grid, grid_point(grid, TUESDAY, 11, 10), grid_point(grid, TUESDAY, 14, 10))  # onto Bea
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Not moved:"))
    assert booking_start(engine, moved) == at(TUESDAY, 11)


def booking_start(engine, appointment_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT starts_at FROM appointments WHERE id = :id"), {"id": appointment_id}
        ).scalar_one()


def test_enter_on_an_empty_time_books_there(qtbot, window, provider_id):
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    grid = window.week_view
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid_point(grid, TUESDAY, 10, 40))
    assert grid.time_cursor[1] == at(TUESDAY, 10, 30)
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.findChild(BookingDialog) is not None)
    dialog = window.findChild(BookingDialog)
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled())
    assert dialog.time_combo.currentData(SlotRole) == at(TUESDAY, 10, 30)
    dialog.reject()


def test_an_appointment_cut_with_ctrl_x_moves_to_the_time_cursor_with_ctrl_v_even_in_another_view(
    qtbot, window, engine, clinic, provider_id, patient_id
):
    moved = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9)))
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    week = window.week_view
    qtbot.mouseClick(week.viewport(), Qt.MouseButton.LeftButton, pos=grid_point(week, TUESDAY, 9, 10))
    qtbot.keyClick(week, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert window.keyboard_move.cut is not None and window.keyboard_move.cut.id == moved
    assert window.statusBar().currentMessage().startswith("Moving")

    show(qtbot, window, TUESDAY, ViewMode.DAY, provider_id)  # the cut holds across views
    day = window.day_view
    qtbot.mouseClick(day.viewport(), Qt.MouseButton.LeftButton, pos=grid_point(day, TUESDAY, 10, 5))
    for _ in range(4):
        qtbot.keyClick(day, Qt.Key.Key_Down)
    assert day.time_cursor[1] == at(TUESDAY, 11)
    qtbot.keyClick(day, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: booking_start(engine, moved) == at(TUESDAY, 11))
    assert window.keyboard_move.cut is None

    qtbot.keyClick(day, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)  # nothing cut any more
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Nothing to move"))


def test_the_day_view_shows_rooms_as_columns_and_a_drop_in_another_room_s_column_moves_the_room(
    qtbot, window, engine, clinic, provider_id, patient_id
):
    surgery = appointment_types.add_type(
        clinic, "surgery", "Minor surgery", "#aa3300", minutes=60, room_kind="procedure room"
    )
    first, second = (rooms.add_room(clinic, f"Procedure {n}", "procedure room") for n in (1, 2))
    request = BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 9), type_id=surgery)
    surgery_id = booking.book(clinic, request)
    window.rooms_action.trigger()
    show(qtbot, window, TUESDAY, ViewMode.DAY, None)
    grid = window.day_view
    qtbot.waitUntil(lambda: [c.title for c in grid.columns] == ["Procedure 1", "Procedure 2"])
    assert [a.id for a in grid.columns[0].appointments] == [surgery_id]

    def in_column(index: int, hour: int, minute: int) -> QPoint:
        x = grid._geometry.column_left(index) + 8 - grid.horizontalScrollBar().value()
        return QPoint(int(x), int(grid._geometry.y(hour * 60 + minute) - grid.verticalScrollBar().value()))

    drag(qtbot, grid, in_column(0, 9, 10), in_column(1, 9, 10))
    qtbot.waitUntil(lambda: room_of(engine, surgery_id) == second)
    assert booking_start(engine, surgery_id) == at(TUESDAY, 9) and first != second
    window.rooms_action.trigger()  # back to the providers
    qtbot.waitUntil(lambda: bool(grid.columns) and all(c.room_id is None for c in grid.columns))


def room_of(engine, appointment_id: int) -> int | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT room_id FROM appointments WHERE id = :id"), {"id": appointment_id}).scalar()


def test_right_click_blocks_an_empty_time_of_the_column_s_provider(qtbot, window, engine, provider_id):
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    grid = window.week_view
    right_click(grid, grid_point(grid, TUESDAY, 15, 10))
    menu_action(window, "Block this time").trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "That time is blocked.")
    with engine.connect() as conn:
        blocked = conn.execute(text("SELECT provider_id, starts_at, ends_at, reason FROM time_off")).all()
    half_hour = (at(TUESDAY, 15), at(TUESDAY, 15, 30))
    assert [tuple(row) for row in blocked] == [(provider_id, *half_hour, "Blocked at the desk")]
    qtbot.waitUntil(lambda: grid.columns[1].time_off == [Interval(*half_hour)])
