"""Hostile arguments to the command: each is refused with a message naming what is wrong (exit 2 for input, 1 for a
setting), never a traceback; a time the clocks pass twice is taken as the first, and the command says so."""

import subprocess
import sys

from tests.cli.runner import ROOT, run_one


def refused(result, code: int, message: str) -> None:
    assert "Traceback" not in result.err
    assert result.code == code, result.err
    assert message in result.err, result.err


def test_a_time_the_clocks_skip_is_refused_naming_the_change(cli_env, desk):
    result = run_one(
        cli_env,
        "book",
        "--provider",
        str(desk["provider"]),
        "--patient",
        str(desk["ada"]),
        "--start",
        "2027-03-28T02:30",
    )
    refused(
        result,
        2,
        "error: start: 2027-03-28 02:30 does not exist in Europe/Berlin: the clocks go forward that"
        " night (CET to CEST) and skip it",
    )


def test_a_time_the_clocks_pass_twice_is_taken_as_the_first_and_said_so(cli_env):
    result = run_one(cli_env, "reschedule", "--appointment", "999999", "--start", "2027-10-31T02:30")
    assert (
        "note: start: 2027-10-31 02:30 happens twice in Europe/Berlin (the clocks go back that night): taken as"
        " the first, CEST, before the change" in result.err
    )
    refused(result, 2, "no appointment with id 999999")


def test_days_and_ids_at_the_ends_of_their_ranges_are_refused(cli_env, desk):
    refused(
        run_one(cli_env, "slots", "--provider", str(desk["provider"]), "--date", "9999-12-31"),
        2,
        "day: must be between 1900-01-01 and 2999-12-31",
    )
    refused(
        run_one(
            cli_env,
            "book",
            "--provider",
            str(desk["provider"]),
            "--patient",
            "2147483647",
            "--start",
            "2030-01-08T09:00+01:00",
        ),
        2,
        "patient_id: Input should be less than 2147483647",
    )


def test_an_enormous_booking_horizon_is_refused_as_a_setting(cli_env, desk):
    env = {**cli_env, "CLINIC_BOOKING_HORIZON_DAYS": "1000000000000"}
    refused(
        run_one(env, "slots", "--provider", str(desk["provider"]), "--date", "2030-01-08"),
        1,
        "booking_horizon_days: must be 1 to 3650 (ten years), got 1000000000000",
    )


def test_a_password_on_standard_input_that_is_not_utf8_is_refused(cli_env):
    done = subprocess.run(
        [sys.executable, "-m", "app", "staff", "add", "newcomer", "--role", "manager", "--password-stdin"],
        input=b"bad \xff\xfe bytes in it\n",
        env=cli_env,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and done.returncode == 2, err
    assert "password: is not valid text (it holds bytes that are not UTF-8)" in err
