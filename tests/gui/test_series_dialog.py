"""Booking a series from the booking dialog: the preview lists every occurrence, free or why not, and books all of
them or the free ones; an occurrence another desk takes meanwhile stops Book all and writes nothing."""

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.services import booking, patients
from app.services.providers import add_provider
from app.ui.dialogs.booking_dialog import BookingDialog
from app.ui.dialogs.series_dialog import SeriesDialog
from tests.conftest import WEEKDAY_HOURS, new_patient
from tests.gui.test_booking_dialog import SLOT, choose_existing
from tests.integration.db_state import table_state


def week(n: int) -> datetime:
    return SLOT + timedelta(weeks=n)


def series_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT series_index, starts_at FROM appointments WHERE series_id IS NOT NULL ORDER BY series_index")
        ).all()


@pytest.fixture
def ada(clinic):
    return patients.get_patient(clinic, new_patient(clinic, "Ada", "Lovelace"))


@pytest.fixture
def open_series(qtbot, runner, clinic, provider, ada):
    def open_it(**values) -> SeriesDialog:
        dialog = SeriesDialog(runner, clinic, provider, ada, SLOT, **values)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.occurrences.rowCount() > 0)
        return dialog

    return open_it


def cells(dialog: SeriesDialog, column: int) -> list[str]:
    model = dialog.occurrences
    return [model.item(row, column).text() for row in range(model.rowCount())]


def test_the_booking_dialog_hands_its_patient_time_type_and_notes_to_a_series(qtbot, runner, clinic, ada, provider):
    dialog = BookingDialog(runner, clinic, provider, SLOT)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled() and dialog.type_combo.count() > 0)
    assert not dialog.series_button.isEnabled()  # no patient yet
    choose_existing(qtbot, dialog, "Lovelace")
    qtbot.keyClicks(dialog.notes_edit, "knee physio")
    qtbot.waitUntil(dialog.series_button.isEnabled)
    with qtbot.waitSignal(dialog.series_requested) as requested:
        qtbot.mouseClick(dialog.series_button, Qt.MouseButton.LeftButton)
    chosen_provider, patient, start, type_id, notes = requested.args
    assert (chosen_provider.id, patient.id, start, notes) == (provider.id, ada.id, SLOT, "knee physio")
    assert type_id == dialog.type_combo.currentData()
    assert dialog.isVisible()  # kept until the series is booked


def test_the_preview_lists_each_occurrence_and_books_the_free_ones(qtbot, engine, clinic, provider, open_series):
    booking.book(clinic, BookingRequest(provider_id=provider.id, patient_id=new_patient(clinic), start=week(2)))
    dialog = open_series()

    assert cells(dialog, 0) == [str(n) for n in range(1, 11)]  # weekly, ten times, by default
    free = cells(dialog, 2)
    assert free[2] == "Taken by another appointment of the provider" and free.count("Free") == 9
    assert cells(dialog, 3)[2] != "" and "9 of 10 are free" in dialog.state_label.text()
    assert not dialog.all_button.isEnabled() and dialog.free_button.text() == "Book the 9 free ones"

    dialog.count_spin.setValue(2)  # the preview follows the rule
    qtbot.waitUntil(lambda: dialog.occurrences.rowCount() == 2)
    qtbot.waitUntil(lambda: dialog.all_button.isEnabled() and dialog.all_button.text() == "Book all 2")

    dialog.count_spin.setValue(4)
    qtbot.waitUntil(lambda: dialog.occurrences.rowCount() == 4 and dialog.free_button.isEnabled())
    with qtbot.waitSignal(dialog.booked) as done:
        qtbot.mouseClick(dialog.free_button, Qt.MouseButton.LeftButton)
    assert [o.index for o in done.args[0].booked] == [1, 2, 4]
    assert series_rows(engine) == [(1, week(0)), (2, week(1)), (4, week(3))]
    assert not dialog.isVisible()


def test_book_all_stops_when_another_desk_took_an_occurrence_since_the_preview(
    qtbot,
    engine,
    clinic,
    provider,
    open_series,
):
    dialog = open_series()
    dialog.count_spin.setValue(3)
    qtbot.waitUntil(lambda: dialog.all_button.isEnabled() and dialog.all_button.text() == "Book all 3")
    booking.book(clinic, BookingRequest(provider_id=provider.id, patient_id=new_patient(clinic), start=week(1)))
    before = table_state(engine)

    qtbot.mouseClick(dialog.all_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: "cannot be booked, so none was" in dialog.state_label.text())
    assert table_state(engine) == before and dialog.isVisible()
    qtbot.waitUntil(lambda: cells(dialog, 2)[1:2] == ["Taken by another appointment of the provider"])
    assert not dialog.all_button.isEnabled()


def test_monthly_and_daily_rules_show_their_own_choices(qtbot, open_series):
    dialog = open_series()
    assert dialog.weekday_row.isVisible() and not dialog.monthly_combo.isVisible()
    dialog.unit_combo.setCurrentIndex(2)  # months
    assert dialog.monthly_combo.isVisible() and not dialog.weekday_row.isVisible()
    assert dialog.monthly_combo.itemText(1) == "the 2nd Tue"  # 2030-01-08
    dialog.count_spin.setValue(3)
    qtbot.waitUntil(lambda: "every month on day 8 at 09:00, 3 times" in dialog.state_label.text())
    assert [when.split()[-1] for when in cells(dialog, 1)] == ["09:00"] * 3  # the clinic's wall-clock time


def test_a_series_may_be_with_any_provider_of_the_specialty(qtbot, clinic, provider, open_series):
    colleague = add_provider(clinic, "Dr. Colleague", WEEKDAY_HOURS, provider.specialty)  # first by name
    booking.book(clinic, BookingRequest(provider_id=colleague, patient_id=new_patient(clinic), start=week(1)))
    dialog = open_series()
    assert dialog.whom_combo.itemText(1) == f"any {provider.specialty} provider"
    dialog.count_spin.setValue(3)
    dialog.whom_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: dialog.occurrences.rowCount() == 3 and cells(dialog, 2)[0].startswith("Free ·"))
    assert cells(dialog, 2) == ["Free · Dr. Colleague", f"Free · {provider.name}", "Free · Dr. Colleague"]
    assert dialog.all_button.isEnabled()
