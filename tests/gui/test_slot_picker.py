"""The slot picker against a real database: what it lists, how a choice is made and kept, and its states."""

from datetime import date, datetime, time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from app.db.engine import make_engine
from app.domain.models import BookingRequest
from app.services import booking, schedule
from app.services.schedule import Provider
from app.ui.slot_picker import SlotGrid, SlotPicker
from tests.conftest import ZONE, make_clinic, new_patient

TUESDAY = date(2030, 1, 8)
SATURDAY = date(2030, 1, 12)


def at(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def half_hours(first: int, last: int) -> list[str]:
    return [f"{hour:02d}:{minute:02d}" for hour in range(first, last + 1) for minute in (0, 30)]


@pytest.fixture
def other_desk(db_url):
    """Another desk: its own engine, so its bookings come over other connections than the picker's."""
    engine = make_engine(db_url)
    yield make_clinic(engine)
    engine.dispose()


@pytest.fixture
def picker(qtbot, clinic, runner) -> SlotPicker:
    widget = SlotPicker(runner, clinic)
    qtbot.addWidget(widget)
    widget.resize(290, 640)
    widget.show()
    return widget


def show_day(qtbot, picker: SlotPicker, provider: Provider | None, day: date = TUESDAY) -> None:
    with qtbot.waitSignal(picker.loaded):
        picker.show_day(provider, day)


def grid(picker: SlotPicker, name: str) -> SlotGrid:
    return picker.findChild(SlotGrid, f"{name}Slots")


def times(picker: SlotPicker, name: str) -> list[str]:
    model = grid(picker, name).model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def click_time(qtbot, picker: SlotPicker, label: str) -> None:
    for name in ("morning", "afternoon"):
        if label in times(picker, name):
            view = grid(picker, name)
            rect = view.visualRect(view.model().index(times(picker, name).index(label), 0))
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return
    raise AssertionError(f"{label} is not listed")


def action_button(picker: SlotPicker) -> QPushButton:
    return picker.findChild(QPushButton, "slotPickerAction")


def message(picker: SlotPicker) -> str:
    label = picker.findChild(QLabel, "slotPickerMessage")
    return label.text() if label.isVisible() else ""


def test_lists_exactly_the_free_slots_grouped_into_morning_and_afternoon(qtbot, clinic, picker, provider):
    for start in (at(9), at(14, 30)):
        booking.book(clinic, BookingRequest(provider_id=provider.id, patient_id=new_patient(clinic), start=start))
    show_day(qtbot, picker, provider)
    morning = [t for t in half_hours(8, 11) if t != "09:00"]
    afternoon = [t for t in half_hours(13, 16) if t != "14:30"]
    assert times(picker, "morning") == morning
    assert times(picker, "afternoon") == afternoon
    listed = [
        grid(picker, n).model().slot_at(r) for n in ("morning", "afternoon") for r in range(len(times(picker, n)))
    ]
    assert listed == schedule.free_slots(clinic, provider.id, TUESDAY)
    assert message(picker) == ""
    assert not picker.is_loading


def test_shows_loading_until_the_slots_arrive(qtbot, picker, provider):
    picker.show_day(provider, TUESDAY)
    assert picker.is_loading
    assert message(picker) == "Loading free times…"
    qtbot.waitSignal(picker.loaded).wait()
    assert not picker.is_loading
    assert (picker.provider, picker.day) == (provider, TUESDAY)


def test_only_the_newest_day_is_shown(qtbot, runner, picker, provider):
    picker.show_day(provider, SATURDAY)
    show_day(qtbot, picker, provider, date(2030, 1, 9))
    qtbot.waitUntil(lambda: not runner.busy)
    assert picker.day == date(2030, 1, 9)
    assert times(picker, "morning")[0] == "08:00"


def test_refresh_drops_a_time_booked_elsewhere_and_keeps_a_choice_still_free(qtbot, picker, provider, other_desk):
    show_day(qtbot, picker, provider)
    click_time(qtbot, picker, "10:00")
    assert picker.selected_start == at(10)

    booking.book(
        other_desk, BookingRequest(provider_id=provider.id, patient_id=new_patient(other_desk), start=at(8, 30))
    )
    with qtbot.assertNotEmitted(picker.selection_changed):
        show_day(qtbot, picker, provider)  # the same provider and day again: a refresh
    assert "08:30" not in times(picker, "morning")
    assert picker.selected_start == at(10)
    assert grid(picker, "morning").selectionModel().selectedIndexes()[0].data() == "10:00"

    booking.book(other_desk, BookingRequest(provider_id=provider.id, patient_id=new_patient(other_desk), start=at(10)))
    with (
        qtbot.waitSignal(picker.selection_changed, check_params_cb=lambda start: start is None),
        qtbot.waitSignal(picker.loaded),
    ):
        picker.refresh()
    assert "10:00" not in times(picker, "morning")
    assert picker.selected_start is None
    assert not action_button(picker).isEnabled()


def test_book_is_disabled_until_a_time_is_chosen_then_requests_provider_and_time(qtbot, picker, provider):
    show_day(qtbot, picker, provider)
    assert not action_button(picker).isEnabled()
    click_time(qtbot, picker, "13:30")
    assert action_button(picker).isEnabled()
    with qtbot.waitSignal(picker.book_requested) as requested:
        qtbot.mouseClick(action_button(picker), Qt.MouseButton.LeftButton)
    assert requested.args == [provider, at(13, 30)]


def test_one_time_is_chosen_across_morning_and_afternoon(qtbot, picker, provider):
    show_day(qtbot, picker, provider)
    click_time(qtbot, picker, "08:30")
    click_time(qtbot, picker, "16:00")
    assert picker.selected_start == at(16)
    assert not grid(picker, "morning").selectionModel().hasSelection()


def test_arrow_keys_walk_the_times_across_both_groups_and_enter_books(qtbot, picker, provider):
    show_day(qtbot, picker, provider)
    morning, afternoon = grid(picker, "morning"), grid(picker, "afternoon")
    assert morning.columns() == 4  # 08:00 08:30 09:00 09:30 / 10:00 10:30 11:00 11:30
    click_time(qtbot, picker, "08:30")
    qtbot.keyClick(morning, Qt.Key.Key_Right)
    assert picker.selected_start == at(9)
    qtbot.keyClick(morning, Qt.Key.Key_Down)
    assert picker.selected_start == at(11)
    qtbot.keyClick(morning, Qt.Key.Key_Down)  # out of the morning, same column in the afternoon
    assert picker.selected_start == at(14)
    assert not morning.selectionModel().hasSelection()
    qtbot.keyClick(afternoon, Qt.Key.Key_Up)
    assert picker.selected_start == at(11)
    qtbot.keyClick(morning, Qt.Key.Key_Right)
    qtbot.keyClick(morning, Qt.Key.Key_Right)  # past the last morning time: the first afternoon one
    assert picker.selected_start == at(13)
    qtbot.keyClick(afternoon, Qt.Key.Key_Left)
    assert picker.selected_start == at(11, 30)
    with qtbot.waitSignal(picker.book_requested) as requested:
        qtbot.keyClick(morning, Qt.Key.Key_Return)
    assert requested.args == [provider, at(11, 30)]


def test_double_click_books(qtbot, picker, provider):
    show_day(qtbot, picker, provider)
    view = grid(picker, "afternoon")
    centre = view.visualRect(view.model().index(0, 0)).center()
    # A real double click: press and release, then the double-click event.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    with qtbot.waitSignal(picker.book_requested) as requested:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert requested.args == [provider, at(13)]


def test_without_a_provider_it_asks_for_one(qtbot, picker, provider):
    show_day(qtbot, picker, provider)
    click_time(qtbot, picker, "08:00")
    picker.show_day(None, TUESDAY)
    assert message(picker) == "Choose a provider to see free times"
    assert not picker.is_loading
    assert picker.selected_start is None
    assert not action_button(picker).isEnabled()


def test_a_day_off_says_there_are_no_free_times(qtbot, picker, provider):
    show_day(qtbot, picker, provider, SATURDAY)
    assert message(picker) == "No free times on this day"
    assert times(picker, "morning") == times(picker, "afternoon") == []


def test_a_failed_load_shows_the_reason_and_retry_loads_again(qtbot, picker):
    missing = Provider(999_999, "Dr. Gone", "", True)
    show_day(qtbot, picker, missing)
    assert message(picker) == "Could not load the free times"
    texts = [label.text() for label in picker.findChildren(QLabel) if label.isVisible()]
    assert "provider_id: no provider with id 999999" in texts
    retry = next(b for b in picker.findChildren(QPushButton) if b.text() == "Retry")
    assert retry.isVisible()
    with qtbot.waitSignal(picker.loaded):
        qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
        assert picker.is_loading
    assert not picker.is_loading
    assert message(picker) == "Could not load the free times"  # still missing: the same answer again


def test_without_write_access_times_can_be_seen_but_not_booked(qtbot, picker, provider):
    picker.set_write_enabled(False)
    show_day(qtbot, picker, provider)
    click_time(qtbot, picker, "09:30")
    button = action_button(picker)
    assert not button.isEnabled()
    assert "cannot book" in button.toolTip()
    with qtbot.assertNotEmitted(picker.book_requested):
        qtbot.keyClick(grid(picker, "morning"), Qt.Key.Key_Return)
    picker.set_write_enabled(True)
    assert button.isEnabled()
