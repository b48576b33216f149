"""E-mail reminders against a mail server on loopback: each live appointment's reminder goes out once, with the
patient, the time in the clinic's zone, the provider and the clinic's name; a refused or unreachable server leaves
it failed for the next run, which sends it; patients without an address are listed for a call; the list's CSV
round-trips; a slow server holds no transaction open; a moved appointment is reminded again; a reminder a run
claimed but never recorded is listed, not sent twice. Counted in the server's inbox and in SQL."""

import csv
import io
import threading
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.config import ReminderSettings
from app.db.engine import make_engine
from app.domain.errors import InvalidInput, NotAllowed
from app.domain.models import BookingRequest, PatientIn
from app.ports import free_port
from app.services import booking, reminders
from app.services.patients import create_patient
from app.services.reminder_mail import Mailer
from tests.conftest import ZONE, make_clinic
from tests.mail_server import mail_server
from tests.waiting import wait_until

TUESDAY = date(2030, 1, 8)  # the tests' today, 07:00 now


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def mailer(port: int) -> Mailer:
    settings = ReminderSettings(host="127.0.0.1", port=port, security="none", sender="Praxis <termine@praxis.example>")
    return Mailer(settings, None, "Praxis Dr. Weber", "Hauptstraße 1\n10115 Berlin")


def patient(clinic, first: str, last: str, email: str | None) -> int:
    values = PatientIn(first_name=first, last_name=last, date_of_birth="1980-05-17", phone="+49 30 555", email=email)
    return create_patient(clinic, values)


def book(clinic, provider_id: int, patient_id: int, start: datetime) -> int:
    return booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=start))


@pytest.fixture
def day(clinic, provider_id) -> dict:
    """Tuesday: Şule at 9:00 and Berg at 10:30 (both with an address), Kim at 11:00 without one, and a cancelled
    appointment at 14:00; Wednesday: one more (not Tuesday's)."""
    yilmaz = patient(clinic, "Şule", "Yılmaz", "sule@example.org")
    berg = patient(clinic, "Jonas", "Berg", "jonas@example.org")
    kim = patient(clinic, "Min", "Kim", None)
    ids = {
        "yilmaz": book(clinic, provider_id, yilmaz, at(TUESDAY, 9)),
        "berg": book(clinic, provider_id, berg, at(TUESDAY, 10, 30)),
        "kim": book(clinic, provider_id, kim, at(TUESDAY, 11)),
        "cancelled": book(clinic, provider_id, berg, at(TUESDAY, 14)),
        "wednesday": book(clinic, provider_id, yilmaz, at(TUESDAY + timedelta(days=1), 9)),
    }
    booking.cancel(clinic, ids["cancelled"])
    return ids


def states(engine) -> dict[int, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT appointment_id, state, attempts, sent_to FROM appointment_reminders"))
        return {row.appointment_id: (row.state, row.attempts, row.sent_to) for row in rows}


def test_each_reminder_goes_out_once_with_the_patient_time_provider_and_clinic(engine, clinic, day):
    with mail_server() as (inbox, port), mailer(port) as post:
        run = reminders.send_reminders(clinic, TUESDAY, post)
        assert [line.appointment_id for line in run.sent] == [day["yilmaz"], day["berg"]]
        assert [line.appointment_id for line in run.no_email] == [day["kim"]] and run.ok
        assert sorted(inbox.recipients()) == ["jonas@example.org", "sule@example.org"]
        first = next(m for m in inbox.messages if m["To"] == "sule@example.org")
        body = first.get_content().replace("\r\n", "\n")
        assert "Praxis Dr. Weber" in first["Subject"] and "2030-01-08 at 09:00" in first["Subject"]
        assert "Dear Şule Yılmaz" in body and "Tuesday, 2030-01-08 at 09:00" in body  # 08:00 UTC: Berlin's time
        assert "Dr. Test" in body and "Hauptstraße 1\n10115 Berlin" in body

        again = reminders.send_reminders(clinic, TUESDAY, post)
        assert (again.sent, again.failed, again.already_sent) == ([], [], 2)
        assert [line.phone for line in again.no_email] == ["+49 30 555"]  # still to call
        assert len(inbox.messages) == 2
    assert states(engine) == {
        day["yilmaz"]: ("sent", 1, "sule@example.org"),
        day["berg"]: ("sent", 1, "jonas@example.org"),
        day["kim"]: ("no_email", 0, None),
    }  # neither the cancelled appointment nor Wednesday's


def test_a_refused_message_fails_and_the_next_run_sends_it(engine, clinic, day):
    with mail_server() as (inbox, port), mailer(port) as post:
        inbox.refuse = "554 5.7.1 Message rejected"
        run = reminders.send_reminders(clinic, TUESDAY, post)
        assert [(line.appointment_id, error) for line, error in run.failed] == [
            (day["yilmaz"], "554 5.7.1 Message rejected"),
            (day["berg"], "554 5.7.1 Message rejected"),
        ]
        assert not run.ok and not run.sent and inbox.messages == []
        assert states(engine)[day["yilmaz"]] == ("failed", 1, None)

        inbox.refuse = None
        later = reminders.send_reminders(clinic, TUESDAY, post)
        assert [line.appointment_id for line in later.sent] == [day["yilmaz"], day["berg"]] and later.ok
    assert states(engine)[day["berg"]] == ("sent", 2, "jonas@example.org")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM appointment_reminders WHERE last_error <> ''")).scalar() == 0


def test_an_unreachable_server_uses_up_no_tries_and_a_later_run_sends(engine, clinic, day):
    closed = free_port()
    for _ in range(reminders.MAX_ATTEMPTS + 1):  # an outage longer than the tries a reminder has
        with mailer(closed) as post:
            run = reminders.send_reminders(clinic, TUESDAY, post)
        assert f"mail server 127.0.0.1:{closed}" in run.server_failure and not run.ok
        assert run.failed == [] and run.sent == []
    assert {state for state, _attempts, _to in states(engine).values()} == {"pending"}  # nothing claimed
    with mail_server() as (inbox, port), mailer(port) as post:
        assert len(reminders.send_reminders(clinic, TUESDAY, post).sent) == 2
        assert len(inbox.messages) == 2


def test_a_slow_mail_server_holds_no_transaction_and_a_second_run_sends_nothing_twice(engine, clinic, day):
    """While one run waits on the mail server, no transaction of it is open (the database's idle timeout cannot end
    it), and a second run leaves the reminder being sent alone."""
    with engine.begin() as conn:  # a session idle in a transaction this long is ended by the server
        conn.execute(text(f"ALTER DATABASE {engine.url.database} SET idle_in_transaction_session_timeout = '1s'"))
    engine.dispose()
    with mail_server() as (inbox, port):
        inbox.delay_s = 2.5  # each message, past the idle timeout
        with mailer(port) as first_post, mailer(port) as second_post:
            first = threading.Thread(target=reminders.send_reminders, args=(clinic, TUESDAY, first_post))
            first.start()
            wait_until(lambda: "sending" in {state for state, _a, _t in states(engine).values()}, "a claim")
            second = reminders.send_reminders(clinic, TUESDAY, second_post)
            first.join(60)
        assert sorted(inbox.recipients()) == ["jonas@example.org", "sule@example.org"]  # each once
    assert len(second.sent) == 1 and second.unknown == []
    assert {state for state, _a, _t in states(engine).values()} == {"sent", "no_email"}


def test_a_moved_appointment_is_reminded_of_its_new_time(engine, clinic, day):
    with mail_server() as (inbox, port), mailer(port) as post:
        reminders.send_reminders(clinic, TUESDAY, post)
        booking.reschedule(clinic, day["yilmaz"], at(TUESDAY, 15))
        again = reminders.send_reminders(clinic, TUESDAY, post)
        assert [line.appointment_id for line in again.sent] == [day["yilmaz"]]
        assert "at 15:00" in inbox.messages[-1]["Subject"] and len(inbox.messages) == 3
    assert states(engine)[day["yilmaz"]] == ("sent", 1, "sule@example.org")


def test_a_reminder_a_run_claimed_but_never_recorded_is_listed_not_sent_again(engine, clinic, day):
    with engine.begin() as conn:  # a run that ended between its claim and its record
        conn.execute(text("INSERT INTO appointment_reminders (appointment_id) VALUES (:id)"), {"id": day["berg"]})
        conn.execute(
            text("UPDATE appointment_reminders SET state = 'sending', claimed_at = now(), attempts = 1"
                 " WHERE appointment_id = :id"),
            {"id": day["berg"]},
        )  # fmt: skip
    with mail_server() as (inbox, port), mailer(port) as post:
        run = reminders.send_reminders(clinic, TUESDAY, post)
    assert inbox.recipients() == ["sule@example.org"]
    assert [line.appointment_id for line in run.unknown] == [day["berg"]] and "may have been sent" in run.summary()


def test_an_appointment_that_has_begun_is_not_reminded(engine, day):
    at_ten = make_clinic(engine, now=at(TUESDAY, 10))
    with mail_server() as (inbox, port), mailer(port) as post:
        run = reminders.send_reminders(at_ten, TUESDAY, post)
    assert [line.appointment_id for line in run.sent] == [day["berg"]]  # 10:30; the 09:00 one has begun
    assert inbox.recipients() == ["jonas@example.org"]


def test_a_reminder_that_failed_too_often_is_left_alone_and_listed(engine, clinic, day):
    with mail_server() as (inbox, port), mailer(port) as post:
        reminders.send_reminders(clinic, TUESDAY, post)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE appointment_reminders SET state = 'failed', attempts = :n, sent_at = NULL"
                    " WHERE appointment_id = :id"
                ),
                {"n": reminders.MAX_ATTEMPTS, "id": day["berg"]},
            )
        run = reminders.send_reminders(clinic, TUESDAY, post)
        assert run.sent == [] and [line.appointment_id for line in run.gave_up] == [day["berg"]]
        assert len(inbox.messages) == 2


def test_an_address_added_later_gets_its_reminder(engine, clinic, day):
    with mail_server() as (inbox, port), mailer(port) as post:
        reminders.send_reminders(clinic, TUESDAY, post)
        with engine.begin() as conn:
            conn.execute(text("UPDATE patients SET email = 'min@example.org' WHERE first_name = 'Min'"))
        run = reminders.send_reminders(clinic, TUESDAY, post)
        assert [line.appointment_id for line in run.sent] == [day["kim"]] and run.no_email == []
        assert inbox.recipients()[-1] == "min@example.org"


def test_the_list_csv_round_trips(clinic, day):
    data = ("\ufeff" + reminders.reminder_list_csv(clinic, TUESDAY)).encode("utf-8")  # as the command writes it
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(reminders.CSV_COLUMNS)
    assert [int(row["appointment_id"]) for row in rows] == [day["yilmaz"], day["berg"], day["kim"]]
    assert rows[0]["patient"] == "Şule Yılmaz" and rows[0]["patient_email"] == "sule@example.org"
    assert (
        datetime.fromisoformat(rows[1]["starts_at"]) == at(TUESDAY, 10, 30) and rows[1]["time_zone"] == "Europe/Berlin"
    )
    assert rows[2]["patient_email"] == "" and rows[2]["patient_phone"] == "+49 30 555" and rows[2]["reminder"] == ""


def test_a_manager_reads_the_list_but_may_not_send(clinic, day, staff_login):
    _, url = staff_login("manager")
    engine = make_engine(url)
    try:
        manager = make_clinic(engine)
        assert len(reminders.reminder_list(manager, TUESDAY)) == 3
        with pytest.raises(NotAllowed), mailer(free_port()) as post:
            reminders.send_reminders(manager, TUESDAY, post)
    finally:
        engine.dispose()


def test_a_past_day_is_refused(clinic):
    with pytest.raises(InvalidInput, match="date: 2030-01-07 is past"), mailer(free_port()) as post:
        reminders.send_reminders(clinic, TUESDAY - timedelta(days=1), post)
