"""The embedded server: data persists across restarts, and two app processes on one machine share it."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HOLD_RUNTIME = textwrap.dedent(
    """
    import sys
    from sqlalchemy import text
    from app.runtime import open_runtime

    runtime = open_runtime()
    def providers():
        with runtime.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM providers")).scalar_one()
    print(runtime.target.embedded_server.pid, providers(), flush=True)
    sys.stdin.readline()  # hold the server until the test says go on
    print(providers(), flush=True)
    runtime.close()
    """
)
SHOW_SERVER = textwrap.dedent(
    """
    from sqlalchemy import text
    from app.runtime import open_runtime

    runtime = open_runtime()
    with runtime.engine.connect() as conn:
        print(runtime.target.embedded_server.pid, conn.execute(text("SELECT count(*) FROM providers")).scalar())
    runtime.close()
    """
)


@pytest.fixture
def embedded_env(tmp_path, embedded_data_dir):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CLINIC_DATA_DIR=str(embedded_data_dir), CLINIC_CONFIG=str(tmp_path / "none.toml"))
    return env


def _cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, timeout=120)


def test_data_persists_across_restarts_and_processes_share_the_server(embedded_env):
    loaded = _cli(embedded_env, "demo-data", "--timezone", "Europe/Berlin")
    assert loaded.returncode == 0, loaded.stderr
    assert "8 providers" in loaded.stdout

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_RUNTIME],
        env=embedded_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        server_pid, providers = holder.stdout.readline().split()
        assert providers == "8", "the first process's data survived its server's restart"

        second = subprocess.run(
            [sys.executable, "-c", SHOW_SERVER], env=embedded_env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 0, second.stderr
        assert second.stdout.split() == [server_pid, "8"], "the second process joined the running server"

        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "8", "the server outlived the second process"
        assert holder.wait(60) == 0, holder.stderr.read()
    finally:
        holder.kill()


def test_doctor_says_the_embedded_server_keeps_its_password_rules(embedded_env):
    Path(embedded_env["CLINIC_CONFIG"]).write_text('clinic_timezone = "Europe/Berlin"\n')  # as the first start left it
    assert _cli(embedded_env, "demo-data").returncode == 0  # the zone is in the config file
    report = _cli(embedded_env, "doctor")
    assert "Traceback" not in report.stderr
    (line,) = [line for line in report.stdout.splitlines() if " staff accounts " in line]
    assert line.startswith("ok") and "the server refuses a login's own password change outside the program" in line


def test_the_demo_is_made_in_the_clinic_s_zone_whatever_the_order_of_the_commands(embedded_env):
    refused = _cli(embedded_env, "demo-data")  # the README's first command, before the first start chose a zone
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "timezone: the clinic's time zone is not set yet" in refused.stderr

    made = _cli(embedded_env, "demo-data", "--timezone", "Europe/Berlin")
    assert made.returncode == 0, made.stderr
    assert 'clinic_timezone = "Europe/Berlin"' in Path(embedded_env["CLINIC_CONFIG"]).read_text()
    assert "demo.frontdesk  receptionist" in made.stdout and "demo.office     manager" in made.stdout
    assert 'password "clinic demo 2026"' in made.stdout

    report = _cli(embedded_env, "doctor").stdout  # it reads the zone the demo saved
    (line,) = [line for line in report.splitlines() if " schedule " in line]
    assert line.startswith("ok") and "read in Europe/Berlin" in line

    again = _cli(embedded_env, "demo-data", "--timezone", "America/New_York")  # not the clinic's zone
    assert again.returncode == 2 and "this desk's clinic time zone is Europe/Berlin" in again.stderr


def test_doctor_names_appointments_read_in_a_zone_their_hours_were_not_set_in(embedded_env):
    assert _cli(embedded_env, "demo-data", "--timezone", "UTC").returncode == 0
    moved = {**embedded_env, "CLINIC_TIMEZONE": "Europe/Berlin"}  # the zone changed afterwards
    report = _cli(moved, "doctor")
    assert report.returncode == 1
    (line,) = [line for line in report.stdout.splitlines() if " schedule " in line]
    assert line.startswith("FAIL") and "upcoming appointments lie outside their providers' working hours" in line
