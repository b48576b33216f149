"""Two `clinic-scheduler remind` runs started together against the same database and mail server: each reminder
is sent exactly once, counted in the server's inbox and in SQL, and the two summaries add up."""

import os
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.domain.models import BookingRequest, PatientIn
from app.services import booking
from app.services.context import Clinic
from app.services.patients import create_patient
from app.services.providers import add_provider
from app.services.uow import UnitOfWork
from tests.cli.runner import run
from tests.cli.test_cli import DAY, at
from tests.conftest import WEEKDAY_HOURS
from tests.mail_server import mail_server, reminders_config

pytestmark = pytest.mark.slow

HOURS = [(hour, minute) for hour in (8, 9, 10, 11, 13, 14, 15, 16) for minute in (0, 30)]


def book_day(engine) -> list[str]:
    """Two providers' full day on DAY, each appointment a patient of its own with an address; the addresses."""
    clinic = Clinic(uow=UnitOfWork(engine), zone=ZoneInfo("Europe/Berlin"))  # the command's real clock
    addresses = []
    for provider_number in range(2):
        provider = add_provider(clinic, f"Dr. Race {provider_number}", WEEKDAY_HOURS)
        for hour, minute in HOURS:
            email = f"p{uuid.uuid4().hex[:10]}@example.org"
            patient = create_patient(
                clinic,
                PatientIn(
                    first_name="Pat",
                    last_name=email[:11],
                    date_of_birth="1970-01-01",
                    phone="+49 30 12345",
                    email=email,
                ),
            )
            booking.book(clinic, BookingRequest(provider_id=provider, patient_id=patient, start=at(DAY, hour, minute)))
            addresses.append(email)
    return addresses


def test_two_runs_started_together_send_each_reminder_exactly_once(engine, db_url, tmp_path):
    addresses = book_day(engine)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_")}
    env.update(
        DATABASE_URL=db_url,
        CLINIC_TIMEZONE="Europe/Berlin",
        CLINIC_CONFIG=str(tmp_path / "config.toml"),
        CLINIC_DATA_DIR=str(tmp_path / "data"),
        CLINIC_LOG_DIR=str(tmp_path / "logs"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    with mail_server() as (inbox, port):
        inbox.delay_s = 0.2  # a mail server slow enough that the two runs overlap
        (tmp_path / "config.toml").write_text(reminders_config(port), encoding="utf-8")
        command = ["remind", "--date", DAY.isoformat()]
        results = run(env, command, command)  # both started before either is waited for
        for result in results:
            assert result.code == 0, result.err
        assert sorted(inbox.recipients()) == sorted(addresses)  # each address once: no reminder twice, none missed
    sent = [int(re.search(r"sent (\d+),", result.out).group(1)) for result in results]
    assert sum(sent) == len(addresses) and min(sent) > 0, sent  # both sent: they raced for the same reminders
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT state, attempts, count(*) FROM appointment_reminders GROUP BY 1, 2")).all()
    assert [tuple(row) for row in rows] == [("sent", 1, len(addresses))]
