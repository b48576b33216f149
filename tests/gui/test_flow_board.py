"""Today's flow board at the desks: one click at one desk moves a patient on and the other desk's board follows
through the database's announcements; a wait over the threshold stands out; a click on a patient another desk moved
first is refused by name; a manager watches without buttons."""

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.services import booking
from app.services.providers import add_provider
from app.ui.dialogs.flow_board_dialog import BUTTON_COLUMN, FOR_COLUMN, STAGE_COLUMN, FlowBoardDialog
from tests.conftest import WEEKDAY_HOURS, new_patient
from tests.gui.desks import TUESDAY, at, click
from tests.gui.test_live import LIVE_WAIT_MS


@pytest.fixture
def day(clinic, provider_id) -> list[int]:
    people = [new_patient(clinic, "Ada", "Lovelace"), new_patient(clinic, "Grace", "Hopper")]
    return [
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=person, start=at(TUESDAY, hour)))
        for person, hour in zip(people, (8, 9), strict=True)
    ]


def board(window) -> FlowBoardDialog:
    window.flow_action.trigger()
    return next(d for d in window.dialogs.open_dialogs() if isinstance(d, FlowBoardDialog))


def stage(dialog: FlowBoardDialog, row: int) -> str:
    return dialog.model.index(row, STAGE_COLUMN).data()


def shown(dialog: FlowBoardDialog, row: int) -> tuple[str, str]:
    """The row's stage and how long it has been at it."""
    return stage(dialog, row), dialog.model.index(row, FOR_COLUMN).data()


def buttons(dialog: FlowBoardDialog, row: int) -> list:
    holder = dialog.table.indexWidget(dialog.model.index(row, BUTTON_COLUMN))
    return [] if holder is None else [b for b in holder.children() if hasattr(b, "click")]


def test_a_click_at_one_desk_moves_the_patient_on_at_every_desk(qtbot, desks, db_url, engine, day):
    (_, here), (_, there) = desks(db_url), desks(db_url)
    mine, theirs = board(here), board(there)
    for dialog in (mine, theirs):
        qtbot.waitUntil(lambda dialog=dialog: dialog.model.rowCount() == 2, timeout=LIVE_WAIT_MS)
        assert stage(dialog, 0) == "Expected" and dialog.isVisible() and not dialog.isModal()
    stale = theirs.entries[0]  # what the other desk shows before it follows
    assert [b.text() for b in buttons(mine, 0)] == ["Arrived", "Did not come"]

    click(qtbot, buttons(mine, 0)[0])
    for dialog in (mine, theirs):
        qtbot.waitUntil(lambda dialog=dialog: "Waiting" in stage(dialog, 0), timeout=LIVE_WAIT_MS)
    assert "1 expected · 1 waiting" in theirs.summary_label.text()

    def arrived(minutes_before: int) -> None:  # as if checked in that long ago, by the database's clock
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE appointments SET checked_in_at = now() - :waited WHERE id = :id"),
                {"waited": timedelta(minutes=minutes_before, seconds=10), "id": day[0]},
            )

    arrived(5)
    qtbot.waitUntil(lambda: shown(theirs, 0) == ("Waiting", "5 min"), timeout=LIVE_WAIT_MS)
    assert not theirs.model.item(0, 1).font().bold()
    arrived(30)  # past the 15 minutes the board starts with
    qtbot.waitUntil(lambda: shown(theirs, 0) == ("⚠ Waiting", "30 min"), timeout=LIVE_WAIT_MS)
    assert theirs.model.item(0, 1).font().bold() and not theirs.model.item(1, 1).font().bold()
    theirs.threshold.setValue(45)
    assert shown(theirs, 0) == ("Waiting", "30 min")

    theirs.move_on(stale)  # "Arrived" again, as that desk first showed it: done already, nothing changes
    assert not buttons(theirs, 0)[0].isEnabled()  # the row waits for the answer
    qtbot.waitUntil(lambda: buttons(theirs, 0)[0].isEnabled(), timeout=LIVE_WAIT_MS)
    assert shown(theirs, 0) == ("Waiting", "30 min") and theirs.notice.text() == ""
    click(qtbot, buttons(theirs, 0)[0])  # "Call in"
    qtbot.waitUntil(lambda: stage(mine, 0) == "With the provider", timeout=LIVE_WAIT_MS)
    theirs.move_on(stale)  # and once more: the patient is further on now, so it is refused and says where
    qtbot.waitUntil(lambda: "another desk moved this patient on meanwhile: with" in theirs.notice.text())
    assert stage(theirs, 0) == "With the provider"
    click(qtbot, buttons(mine, 0)[0])  # "Done"
    qtbot.waitUntil(lambda: stage(theirs, 0) == "Done", timeout=LIVE_WAIT_MS)
    assert buttons(theirs, 0) == []
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT status FROM appointments WHERE id = :id"), {"id": day[0]}).scalar() == "completed"
        )


def test_a_manager_watches_the_flow_without_moving_anyone(qtbot, open_as, day):
    _name, window = open_as("manager")
    dialog = board(window)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=LIVE_WAIT_MS)
    assert buttons(dialog, 0) == [] and buttons(dialog, 1) == []


def test_a_desk_follows_its_own_provider_and_keeps_to_them(qtbot, desks, db_url, clinic, day):
    other = add_provider(clinic, "Dr. Zeta Other", WEEKDAY_HOURS)
    booking.book(
        clinic,
        BookingRequest(provider_id=other, patient_id=new_patient(clinic, "Alan", "Turing"), start=at(TUESDAY, 10)),
    )
    _desk, window = desks(db_url)
    dialog = board(window)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=LIVE_WAIT_MS)
    box = dialog.provider_box
    names = [box.itemText(i) for i in range(box.count())]
    assert len(names) == 3 and names[0] == "All providers" and names[2] == "Dr. Zeta Other"  # by name, today's

    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_End)  # the last provider, Dr. Zeta Other, as a receptionist picks them
    assert [dialog.model.index(row, 1).data() for row in range(dialog.model.rowCount())] == ["Alan Turing"]
    assert dialog.summary_label.text().startswith("1 expected")

    with qtbot.assertNotEmitted(box.model().rowsRemoved):  # the same providers: the list is left as it is
        booking.book(
            clinic,
            BookingRequest(provider_id=other, patient_id=new_patient(clinic, "Kurt", "Goedel"), start=at(TUESDAY, 11)),
        )
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=LIVE_WAIT_MS)  # theirs follows, others' not
    dialog.close()
    window.flow_action.trigger()  # opened again, the board keeps to the desk's provider
    again = [d for d in window.dialogs.open_dialogs() if isinstance(d, FlowBoardDialog)][-1]
    assert again is not dialog
    qtbot.waitUntil(lambda: again.model.rowCount() == 2, timeout=LIVE_WAIT_MS)
    assert again.provider_box.currentText() == "Dr. Zeta Other"
    qtbot.keyClick(again.provider_box, Qt.Key.Key_Home)
    assert again.model.rowCount() == 4
