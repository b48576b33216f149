"""`clinic-scheduler --self-test` from source, as a separate process: what the packaged application runs in CI."""

import os
import re
from pathlib import Path

import pytest

from app.tools.selftest import CheckFailed, SelfTestFailed, check
from tests.cli.runner import run_one

CHECKS = [
    "embedded PostgreSQL server started",
    "database created and migrated",
    "receptionist login created; it signs in with its SCRAM password",
    "main window open, online and loaded, signed in as the receptionist",
    "provider and patient added; the window lists the provider",
    "booked; the database has it and the slot is taken",
    "the window heard of the booking and shows it",
    "rescheduled; the database has the new time and the old one is free",
    "the window shows the new time",
    "cancelled; the database says so and the time is free again",
    "the window no longer shows the appointment",
    "a day sheet written as PDF, the reports drawn with their charts",
    "the database refuses the receptionist an admin's change; the audit trail has the desk's changes",
    "the server's password rules refuse the receptionist's own password change outside the program",
    "closed the window, dropped the database, stopped the server, removed its files",
]


def test_self_test_books_moves_and_cancels_and_cleans_up(tmp_path):
    # No database, platform or config of the caller's: the self-test brings its own server and goes offscreen.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_") and k != "DATABASE_URL"}
    env.pop("QT_QPA_PLATFORM", None)
    env.update(CLINIC_CONFIG=str(tmp_path / "no-config.toml"), CLINIC_LOG_DIR=str(tmp_path / "logs"))

    result = run_one(env, "--self-test")

    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    assert [line.split(" (")[0] for line in lines[:-1]] == [f"ok   {name}" for name in CHECKS]
    assert re.fullmatch(r"self-test passed in \d+\.\d s", lines[-1])
    assert "Qt platform offscreen" in lines[3]
    assert "Traceback" not in result.err
    pgdata = Path(re.search(r"server started \((.+?), \d", lines[0]).group(1))
    assert pgdata.name == "pgdata" and not pgdata.parent.exists()  # the throwaway server's files are gone


def test_a_failed_check_prints_one_line_and_stops(capsys):
    with pytest.raises(SelfTestFailed), check("the thing holds"):
        raise CheckFailed("found another thing")
    assert capsys.readouterr().out == "FAIL the thing holds: found another thing\n"


def test_a_passed_check_prints_its_details_and_time(capsys):
    with check("the thing holds") as note:
        note("detail")
    assert re.fullmatch(r"ok   the thing holds \(detail, \d+\.\d\d s\)\n", capsys.readouterr().out)
