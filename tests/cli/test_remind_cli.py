"""`clinic-scheduler remind`: a day's reminders sent to a mail server on loopback and summed up; the list as CSV; a
failed send exits 4, a wrong date 2; a mail server user without a stored password and no terminal is named."""

import csv
import subprocess
import sys

import pytest

from app.domain.models import BookingRequest, PatientIn
from app.services import booking
from app.services.patients import create_patient
from tests.cli.runner import ROOT, run_one
from tests.cli.test_cli import DAY, at
from tests.mail_server import mail_server, reminders_config


@pytest.fixture
def booked(real_clinic, desk) -> list[int]:
    """DAY: Ada (no e-mail address) at 9:00, Eve (with one) at 10:00."""
    eve = create_patient(
        real_clinic,
        PatientIn(first_name="Eve", last_name="Ng", date_of_birth="1990-01-02", phone="+4930999", email="eve@ex.org"),
    )
    return [
        booking.book(real_clinic, BookingRequest(provider_id=desk["provider"], patient_id=who, start=at(DAY, hour)))
        for who, hour in ((desk["ada"], 9), (eve, 10))
    ]


@pytest.fixture
def remind_env(cli_env, tmp_path) -> dict[str, str]:
    return {
        **cli_env,
        "CLINIC_CONFIG": str(tmp_path / "config.toml"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }


def test_remind_sends_once_and_sums_up(remind_env, booked, tmp_path):
    with mail_server() as (inbox, port):
        (tmp_path / "config.toml").write_text(reminders_config(port), encoding="utf-8")
        sent = run_one(remind_env, "remind", "--date", DAY.isoformat())
        assert sent.code == 0, sent.err
        assert sent.out.splitlines()[0] == f"{DAY.isoformat()}: sent 1, failed 0, no e-mail 1, already sent 0"
        assert "no e-mail, call: 09:00 Ada" in sent.out and "phone +49 30 1234567" in sent.out
        assert inbox.recipients() == ["eve@ex.org"] and "Praxis Dr. Weber" in inbox.messages[0]["Subject"]

        again = run_one(remind_env, "remind", "--date", DAY.isoformat())
        assert again.out.splitlines()[0] == f"{DAY.isoformat()}: sent 0, failed 0, no e-mail 1, already sent 1"
        assert len(inbox.messages) == 1

        listed = tmp_path / "list.csv"
        written = run_one(remind_env, "remind", "--date", DAY.isoformat(), "--list", str(listed))
        assert written.code == 0, written.err
        assert listed.read_bytes().startswith(b"\xef\xbb\xbf")
        with listed.open(encoding="utf-8-sig", newline="") as file:
            assert [(int(r["appointment_id"]), r["reminder"]) for r in csv.DictReader(file)] == [
                (booked[0], "no_email"),
                (booked[1], "sent"),
            ]


def test_a_refused_send_exits_4_and_a_wrong_date_2(remind_env, booked, tmp_path):
    with mail_server() as (inbox, port):
        (tmp_path / "config.toml").write_text(reminders_config(port), encoding="utf-8")
        inbox.refuse = "550 5.1.1 No such mailbox"
        failed = run_one(remind_env, "remind", "--date", DAY.isoformat())
        assert failed.code == 4, failed.err
        assert "failed: 10:00 Eve Ng" in failed.out and "<eve@ex.org>: 550 5.1.1 No such mailbox" in failed.out
    wrong = run_one(remind_env, "remind", "--date", "tomorrow")
    assert (wrong.code, wrong.err.strip()) == (2, "error: date: 'tomorrow' is not a date (YYYY-MM-DD)")


def test_a_mail_server_user_without_a_stored_password_is_named(remind_env, booked, tmp_path):
    (tmp_path / "config.toml").write_text(reminders_config(1, user="termine"), encoding="utf-8")
    process = subprocess.run(
        [sys.executable, "-m", "app", "remind", "--date", DAY.isoformat()],
        env=remind_env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,  # no terminal to ask at
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 1
    assert process.stderr.strip() == (
        "error: reminders.user: no password for 'termine' in the system's credential store, and no terminal to ask"
        " for it; store it with `clinic-scheduler remind --store-password`"
    )
    failing = {**remind_env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    stored = subprocess.run(
        [sys.executable, "-m", "app", "remind", "--store-password", "--password-stdin"],
        env=failing,
        cwd=ROOT,
        input="secret\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        stored.returncode == 1
        and "reminders.user: the password cannot be kept in the credential store" in stored.stderr
    )


def test_a_password_in_the_config_file_is_refused(remind_env, tmp_path):
    (tmp_path / "config.toml").write_text(reminders_config(25, password="secret"), encoding="utf-8")
    refused = run_one(remind_env, "remind", "--date", DAY.isoformat())
    assert refused.code == 1
    assert "reminders.password in" in refused.err and "never kept in the config file" in refused.err
