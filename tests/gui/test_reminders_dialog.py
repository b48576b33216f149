"""File → Reminders…: tomorrow's list with who has no e-mail to call; Send e-mails sends each reminder once through
a mail server on loopback, also when a second desk presses Send too; the list saved as CSV; a manager reads the list
without a Send button; a desk without a mail server set up says so."""

import csv
from datetime import timedelta

import pytest

from app.domain.models import BookingRequest, PatientIn
from app.services import booking
from app.services.patients import create_patient
from app.ui.dialogs.reminders_dialog import PAST_DAY, RemindersDialog
from tests.gui.desks import TUESDAY, at, click
from tests.gui.test_live import LIVE_WAIT_MS
from tests.mail_server import mail_server, reminders_config

WEDNESDAY = TUESDAY + timedelta(days=1)  # tomorrow, by the desks' clock


@pytest.fixture
def tomorrow(clinic, provider_id) -> list[int]:
    ada = PatientIn(
        first_name="Ada", last_name="Lovelace", date_of_birth="1980-05-17", phone="+49 30 5551", email="ada@example.org"
    )
    bob = PatientIn(first_name="Bob", last_name="Nomail", date_of_birth="1980-05-17", phone="+49 30 5552")
    booked = []
    for person, hour in ((ada, 9), (bob, 10)):
        request = BookingRequest(
            provider_id=provider_id, patient_id=create_patient(clinic, person), start=at(WEDNESDAY, hour)
        )
        booked.append(booking.book(clinic, request))
    return booked


def reminders_of(window) -> RemindersDialog:
    window.reminders_action.trigger()
    dialog = next(d for d in window.dialogs.open_dialogs() if isinstance(d, RemindersDialog))
    return dialog


def test_send_reminds_each_patient_once_and_lists_whom_to_call(qtbot, desks, db_url, tomorrow, tmp_path, monkeypatch):
    with mail_server() as (inbox, port):
        config = tmp_path / "site.toml"
        config.write_text(reminders_config(port))
        monkeypatch.setenv("CLINIC_CONFIG", str(config))
        (_, here), (_, there) = desks(db_url), desks(db_url)
        mine, theirs = reminders_of(here), reminders_of(there)
        for dialog in (mine, theirs):
            qtbot.waitUntil(lambda dialog=dialog: dialog.model.rowCount() == 2, timeout=LIVE_WAIT_MS)
        assert mine.day() == WEDNESDAY and mine.model.item(1, 5).text() == "call: no e-mail"
        assert mine.summary.text() == "2 appointments: 0 reminded by e-mail, 1 without e-mail to call."

        click(qtbot, mine.send_button)
        qtbot.waitUntil(lambda: mine.outcome.text().startswith("Sent"), timeout=LIVE_WAIT_MS)
        assert mine.outcome.text() == "Sent 1, 1 to call (no e-mail)."
        qtbot.waitUntil(lambda: mine.model.item(0, 5).text().startswith("sent "), timeout=LIVE_WAIT_MS)
        click(qtbot, theirs.send_button)  # the other desk too: nothing goes twice
        qtbot.waitUntil(lambda: theirs.outcome.text().startswith("Sent"), timeout=LIVE_WAIT_MS)
        assert theirs.outcome.text() == "Sent 0, 1 to call (no e-mail), 1 sent before."
        assert inbox.recipients() == ["ada@example.org"]
        assert "Praxis Dr. Weber" in inbox.messages[0].get_content()

    target = tmp_path / "list.csv"
    mine.ask_csv_path = lambda _suggested: str(target)
    click(qtbot, mine.csv_button)
    with target.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(row["patient"], row["reminder"]) for row in rows] == [("Ada Lovelace", "sent"), ("Bob Nomail", "no_email")]

    mine.day_edit.setDate(TUESDAY - timedelta(days=1))  # a past day: nothing to send, and the button says why
    assert not mine.send_button.isEnabled() and mine.send_button.toolTip() == PAST_DAY
    mine.day_edit.setDate(TUESDAY)  # today
    assert mine.send_button.isEnabled()


def test_a_manager_reads_the_list_and_an_unset_mail_server_is_named(qtbot, open_as, tomorrow):
    _name, window = open_as("manager")
    dialog = reminders_of(window)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=LIVE_WAIT_MS)
    assert not dialog.send_button.isVisible()
    dialog.set_can_book(True)  # as a receptionist's desk would show it, with no mail server set up
    assert not dialog.send_button.isEnabled() and "not set up" in dialog.send_button.toolTip()
