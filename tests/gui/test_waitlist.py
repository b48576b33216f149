"""The waitlist at the desks: a cancellation at one desk shows the matching entry at the others (through the
database's announcements), Book at one books it and the other is told it is gone; the waitlist window lists, sorts,
adds and removes, and a manager reads it only."""

from datetime import date, time

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import booking, schedule, waitlist
from app.services.providers import add_provider
from app.services.waitlist import Priority
from app.ui.dialogs import questions
from app.ui.dialogs.waitlist_dialog import WaitlistDialog
from app.ui.dialogs.waitlist_entry_dialog import WaitlistEntryDialog
from tests.conftest import new_patient
from tests.gui.desks import at, click
from tests.gui.test_booking_dialog import choose_existing
from tests.gui.test_live import LIVE_WAIT_MS

TUESDAY = date(2030, 1, 8)


@pytest.fixture
def waiting(clinic):
    """A provider with two Tuesday times, both taken, and Ada on the waitlist for that Tuesday."""
    provider_id = add_provider(clinic, "Dr. Tuesday", {2: [WorkingBlock(time(9), time(10), 30)]})
    taken = [
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=start))
        for start in (at(TUESDAY, 9), at(TUESDAY, 9, 30))
    ]
    ada = new_patient(clinic, "Ada", "Lovelace")
    default = next(kind.id for kind in schedule.appointment_types(clinic) if kind.is_default)
    entry_id = waitlist.add_entry(
        clinic, patient_id=ada, provider_id=provider_id, type_id=default, earliest=TUESDAY, latest=TUESDAY
    )
    return {"provider": provider_id, "taken": taken, "ada": ada, "entry": entry_id}


def test_a_cancellation_at_one_desk_shows_the_waiting_patient_at_the_others_and_one_books_it(
    qtbot, desks, db_url, engine, clinic, waiting
):
    (_, there), (_, elsewhere) = desks(db_url), desks(db_url)
    assert not there.waitlist_notices.isVisible()

    booking.cancel(clinic, waiting["taken"][1])  # another desk cancels 09:30

    for desk in (there, elsewhere):
        qtbot.waitUntil(lambda desk=desk: len(desk.waitlist_notices.rows()) == 1, timeout=LIVE_WAIT_MS)
    notice = there.waitlist_notices.rows()[0]
    stale = elsewhere.waitlist_notices.rows()[0].match  # what the other desk's first look found
    assert "09:30 with Dr. Tuesday is free: Ada Lovelace" in notice.label.text()
    assert there.waitlist_notices.isVisible()

    with qtbot.waitSignal(there.waitlist_notices.booked, timeout=LIVE_WAIT_MS) as booked:
        click(qtbot, notice.book_button)
    assert "Booked Ada Lovelace" in booked.args[0]
    assert not there.waitlist_notices.isVisible()  # its only notice is gone with the booking
    # The entry closed with the booking: the other desk hears it and takes its notice away.
    qtbot.waitUntil(lambda: elsewhere.waitlist_notices.rows() == [], timeout=LIVE_WAIT_MS)
    elsewhere.waitlist_notices.show_matches([stale], 1)  # a look that started before the booking answers late
    assert elsewhere.waitlist_notices.rows() == []
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT patient_id, starts_at FROM appointments WHERE status = 'booked' AND provider_id = :p"),
            {"p": waiting["provider"]},
        ).all()
    assert sorted(rows, key=lambda row: row.starts_at)[-1] == (waiting["ada"], at(TUESDAY, 9, 30))
    assert waitlist.entry(clinic, waiting["entry"]).closed_at is not None


def test_the_second_desk_to_press_book_is_told_the_match_is_gone(qtbot, desks, db_url, engine, clinic, waiting):
    (_, there), (_, elsewhere) = desks(db_url), desks(db_url)
    booking.cancel(clinic, waiting["taken"][0])
    for desk in (there, elsewhere):
        qtbot.waitUntil(lambda desk=desk: len(desk.waitlist_notices.rows()) == 1, timeout=LIVE_WAIT_MS)
    first, second = there.waitlist_notices.rows()[0], elsewhere.waitlist_notices.rows()[0]
    # Both press Book on what they were shown: the second has not heard of the first one's booking yet.
    elsewhere.desk.schedule_changed.disconnect(elsewhere.waitlist_notices.on_schedule_change)
    with qtbot.waitSignal(there.waitlist_notices.booked, timeout=LIVE_WAIT_MS):
        click(qtbot, first.book_button)
    click(qtbot, second.book_button)
    qtbot.waitUntil(lambda: second.label.text().startswith("Gone:"), timeout=LIVE_WAIT_MS)
    assert "at another desk" in second.label.text()
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM appointments WHERE patient_id = :p AND status = 'booked'"),
            {"p": waiting["ada"]},
        ).scalar_one()
    assert count == 1


def test_the_waitlist_window_sorts_by_priority_and_waiting_adds_and_removes(
    qtbot, runner, clinic, engine, waiting, monkeypatch
):
    with engine.begin() as conn:  # Ada has waited five days longer
        conn.execute(
            text("UPDATE waitlist SET added_at = added_at - interval '5 days' WHERE id = :id"), {"id": waiting["entry"]}
        )
    urgent = waitlist.add_entry(
        clinic,
        patient_id=new_patient(clinic, "Grace", "Hopper"),
        type_id=waitlist.entry(clinic, waiting["entry"]).type_id,
        earliest=TUESDAY,
        latest=TUESDAY,
        priority=Priority.URGENT,
    )
    dialog = WaitlistDialog(runner, clinic)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.sorted.rowCount() == 2)
    patients = lambda: [dialog.sorted.index(row, 1).data() for row in range(dialog.sorted.rowCount())]  # noqa: E731
    assert patients() == ["Grace Hopper", "Ada Lovelace"]  # urgent first
    assert dialog.summary_label.text().startswith("2 waiting")

    dialog.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)  # the longest waiting first: Ada, days before
    assert patients() == ["Ada Lovelace", "Grace Hopper"]

    dialog.table.selectRow(patients().index("Grace Hopper"))
    asked: list[str] = []
    monkeypatch.setattr(questions, "confirm", lambda box: asked.append(box.text()) or True)
    click(qtbot, dialog.remove_button)
    qtbot.waitUntil(lambda: dialog.sorted.rowCount() == 1)
    assert asked == ["Take Grace Hopper off the waitlist?"]
    assert [entry.id for entry in waitlist.list_entries(clinic)] == [waiting["entry"]]
    assert urgent not in [entry.id for entry in waitlist.list_entries(clinic, include_closed=True)]

    dialog.set_can_book(False)  # a manager reads it only
    assert not dialog.add_button.isEnabled() and not dialog.remove_button.isEnabled()
    dialog.set_can_book(True)
    dialog.set_write_block("The database cannot be reached")  # offline: it reads, and changes nothing
    assert not dialog.add_button.isEnabled()
    dialog.set_write_block(None)
    assert dialog.add_button.isEnabled()


def test_the_entry_dialog_puts_a_patient_on_the_waitlist(qtbot, runner, clinic, waiting):
    dialog = WaitlistEntryDialog(runner, clinic)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.type_combo.count() > 0 and dialog.whom_combo.count() > 1)
    assert not dialog.save_button.isEnabled()
    choose_existing(qtbot, dialog, "Lovelace")
    qtbot.waitUntil(dialog.save_button.isEnabled)
    dialog.whom_combo.setCurrentIndex(dialog.whom_combo.findText("Dr. Tuesday", Qt.MatchFlag.MatchStartsWith))
    dialog.weekday_boxes[2].setChecked(True)
    dialog.priority_combo.setCurrentIndex(dialog.priority_combo.findData(1))
    dialog.note_edit.setText("any Tuesday")
    with qtbot.waitSignal(dialog.saved) as saved:
        click(qtbot, dialog.save_button)
    added = waitlist.entry(clinic, saved.args[0])
    assert (added.patient_id, added.provider_id, added.weekdays, added.priority, added.note) == (
        waiting["ada"], waiting["provider"], (2,), Priority.URGENT, "any Tuesday"
    )  # fmt: skip
