"""`clinic-scheduler doctor`, run for real as a subprocess against a test database."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, make_url, text

from app import config as config_module
from app.db import migrate
from app.db.throwaway import throwaway_database
from app.doctor import Findings, Status, check_config_file
from app.ports import free_port
from app.services.context import Clinic
from app.services.providers import add_provider
from app.services.uow import UnitOfWork
from app.tools.pgbouncer import session_pooler
from tests.cli.runner import Result, run_one
from tests.conftest import WEEKDAY_HOURS, new_patient
from tests.mail_server import mail_server, reminders_config

CHECKS = [
    "config file",
    "settings",
    "database",
    "reminders",
    "time zone",
    "log file",
    "desktop",
    "connect",
    "TLS",
    "servers",
    "server version",
    "schema",
    "permissions",
    "staff accounts",
    "session limits",
    "schedule",
    "clinic zone",
    "live updates",
    "clock",
]
AFTER_CONNECT = CHECKS[CHECKS.index("connect") + 1 :]
UNREACHABLE = "postgresql://clinic@127.0.0.1:1/clinic"


@dataclass
class Line:
    status: str
    finding: str
    advice: str = ""


def report(result: Result) -> dict[str, Line]:
    """The report's check lines by check name (in the order printed), each with its advice if any."""
    lines: dict[str, Line] = {}
    last = None
    for raw in result.out.splitlines():
        status, rest = raw[:6].strip(), raw[6:]
        if status in ("ok", "warn", "FAIL", "skip"):
            name = next(n for n in CHECKS if rest.startswith(n + " "))
            lines[name] = last = Line(status, rest[len(name) :].strip())
        elif raw.strip().startswith("what to do:"):
            last.advice = raw.strip().removeprefix("what to do:").strip()
    return lines


def doctor(env: dict[str, str]) -> tuple[Result, dict[str, Line]]:
    result = run_one(env, "doctor")
    assert "Traceback" not in result.out + result.err
    lines = report(result)
    assert list(lines) == CHECKS, result.out
    return result, lines


def test_a_healthy_database_passes_every_check(cli_env):
    result, lines = doctor(cli_env)
    assert result.code == 0, result.out
    assert result.err == ""
    for name in ("config file", "settings", "database", "log file", "server version", "schema", "permissions"):
        assert lines[name].status == "ok", (name, result.out)
    for name in ("connect", "TLS", "clock"):  # slow on a busy machine; plain text to a remote DATABASE_URL
        assert lines[name].status in ("ok", "warn"), (name, result.out)
    assert lines["time zone"].status == "ok" and lines["time zone"].finding.startswith("Europe/Berlin")
    assert lines["database"].finding.endswith("from DATABASE_URL in the environment")
    assert lines["schema"].finding == f"at revision {migrate.head_revision()}, as this program"
    assert lines["live updates"].status == "ok" and "LISTEN/NOTIFY" in lines["live updates"].finding
    assert "server time zone" in lines["clock"].finding
    assert result.out.rstrip().endswith("this desk is ready")


def test_doctor_through_pgbouncer_in_session_mode_finds_the_desk_ready(cli_env, db_url):
    with session_pooler(db_url, max_clients=20) as pooler:
        result, lines = doctor({**cli_env, "DATABASE_URL": pooler.url})
    assert result.code == 0, result.out
    assert lines["connect"].status in ("ok", "warn"), result.out
    assert lines["schema"].finding == f"at revision {migrate.head_revision()}, as this program"
    assert lines["live updates"].status == "ok" and "LISTEN/NOTIFY" in lines["live updates"].finding


def test_the_time_zone_check_names_this_machine_s_zone_beside_the_clinic_s(cli_env):
    # The first start offers the machine's zone: what doctor reports is the same reading of it.
    result, lines = doctor({**cli_env, "TZ": "America/New_York"})
    assert "(this machine: America/New_York, UTC-0" in lines["time zone"].finding, result.out


def test_the_session_limits_are_the_database_s_own(cli_env, admin_url):
    # A copy of the migrated template: per-database settings are not copied with a database.
    _, lines = doctor(cli_env)
    limits = lines["session limits"]
    assert limits.status == "warn" and "sets no idle_in_transaction_session_timeout" in limits.finding
    database = make_url(cli_env["DATABASE_URL"]).database
    assert f"ALTER DATABASE \"{database}\" SET idle_in_transaction_session_timeout = '30s';" in limits.advice
    assert lines["staff accounts"].status == "ok" and "through the schema's owner" in lines["staff accounts"].finding

    with throwaway_database(admin_url, prefix="clinic_doctor") as migrated:  # migrated here: it sets its limits
        _, lines = doctor({**cli_env, "DATABASE_URL": migrated})
    assert lines["session limits"] == Line(
        "ok", "idle_in_transaction_session_timeout = 30s, statement_timeout = 60s, for every session"
    )


def test_an_unreachable_server_fails_to_connect_and_skips_the_rest(cli_env):
    result, lines = doctor({**cli_env, "DATABASE_URL": UNREACHABLE})
    assert result.code == 1
    assert lines["connect"].status == "FAIL"
    assert lines["connect"].finding.startswith("cannot reach the database")
    assert "127.0.0.1:1/clinic" in lines["connect"].advice
    assert [lines[name].status for name in AFTER_CONNECT] == ["skip"] * len(AFTER_CONNECT)
    assert all(lines[name].status == "ok" for name in ("config file", "settings", "database", "log file"))
    assert result.out.rstrip().endswith("something is wrong")


def test_a_desk_where_nothing_chooses_the_database_is_not_ready(cli_env):
    env = {key: value for key, value in cli_env.items() if key != "DATABASE_URL"}
    result, lines = doctor(env)
    assert result.code == 1
    assert lines["database"].status == "FAIL" and "first start will ask" in lines["database"].finding
    assert [lines[name].status for name in AFTER_CONNECT] == ["skip"] * len(AFTER_CONNECT)


def test_an_older_schema_asks_for_an_upgrade(cli_env, engine):
    migrate.downgrade(engine, "0001")
    result, lines = doctor(cli_env)
    assert result.code == 1
    assert lines["schema"].status == "FAIL"
    assert lines["schema"].finding == f"at revision 0001, this program needs {migrate.head_revision()}"
    assert "clinic-scheduler db upgrade" in lines["schema"].advice
    # One cause, one failure: the checks after it still ran and passed.
    assert [lines[name].status for name in ("permissions", "live updates", "clock")] == ["ok"] * 3


def test_a_newer_schema_asks_for_a_newer_program(cli_env, engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    result, lines = doctor(cli_env)
    assert result.code == 1
    assert lines["schema"].status == "FAIL"
    assert "this program is older than the database" in lines["schema"].finding
    assert "install the newer version" in lines["schema"].advice


def test_a_bad_time_zone_names_the_setting(cli_env):
    result, lines = doctor({**cli_env, "CLINIC_TIMEZONE": "Mars/Olympus_Mons"})
    assert result.code == 1
    assert lines["settings"].status == "FAIL"
    assert lines["settings"].finding.startswith("clinic_timezone: 'Mars/Olympus_Mons' is not an IANA time zone")
    assert "CLINIC_TIMEZONE" in lines["settings"].advice
    skipped = ["database", "time zone", "connect", *AFTER_CONNECT]
    assert [lines[name].status for name in skipped] == ["skip"] * len(skipped)


def write_config(cli_env: dict[str, str], content: str) -> str:
    """The desk's config file (CLINIC_CONFIG) with `content`; returns its path."""
    path = cli_env["CLINIC_CONFIG"]
    with open(path, "w", encoding="utf-8") as out:
        out.write(content)
    return path


def test_a_bad_setting_in_the_config_file_names_the_setting_and_the_file(cli_env):
    config = write_config(cli_env, "booking_horizon_days = 0\nclinic_timezone = 'Europe/Berlin'\n")
    result, lines = doctor(cli_env)
    assert result.code == 1
    assert lines["config file"].status == "ok"
    assert lines["config file"].finding == f"{config}: found and read (sets booking_horizon_days, clinic_timezone)"
    assert lines["settings"].status == "FAIL"
    assert lines["settings"].finding == (
        f"booking_horizon_days: must be 1 to 3650 (ten years), got 0; set by booking_horizon_days in {config}"
    )


def test_a_password_in_the_config_file_fails(cli_env):
    config = write_config(
        cli_env, "[database]\nhost = 'db.clinic.lan'\nname = 'clinic'\nuser = 'desk'\npassword = 'secret'\n"
    )
    result, lines = doctor(cli_env)
    assert result.code == 1
    assert lines["config file"].status == "FAIL"
    assert lines["config file"].finding == f"{config}: database.password holds a password"
    assert "passwords are never kept in the config file" in lines["config file"].advice
    assert "~/.pgpass" in lines["config file"].advice
    assert "secret" not in result.out
    assert lines["settings"].status == "skip"


def test_the_config_file_check_reports_the_site_wide_and_the_users_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CLINIC_CONFIG", raising=False)
    site, user = tmp_path / "site.toml", tmp_path / "user.toml"
    monkeypatch.setattr(config_module, "site_config_file", lambda: site)
    monkeypatch.setattr(config_module, "user_config_file", lambda: user)
    result = check_config_file(Findings())
    assert result.status is Status.OK
    assert result.finding == (
        f"{site}: none there; {user}: none there; settings come from the environment and defaults"
    )
    site.write_text("clinic_timezone = 'Europe/Berlin'\n[database]\nhost = 'db'\nname = 'clinic'\nsslmod = 'require'\n")
    user.write_text("booking_horizon_days = 30\n[database]\nuser = 'desk'\n")
    findings = Findings()
    result = check_config_file(findings)
    assert result.status is Status.WARN
    assert result.finding == (
        f"{site}: found and read (sets clinic_timezone, [database] host, name, sslmod),"
        f" but these keys mean nothing to this program: database.sslmod;"
        f" {user}: found and read (sets booking_horizon_days, [database] user)"
    )
    assert "sslmode" in result.advice
    assert findings.config_file == {
        "clinic_timezone": "Europe/Berlin",
        "booking_horizon_days": 30,
        "database": {"host": "db", "name": "clinic", "sslmod": "require", "user": "desk"},
    }


@pytest.fixture
def role_url(admin_url, db_url):
    """The test database's URL for a new role that may log in and has been granted nothing."""
    role, password = f"clinic_doctor_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
    try:
        yield make_url(db_url).set(username=role, password=password).render_as_string(hide_password=False)
    finally:
        in_db = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with in_db.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))  # the grants a test gave it
        in_db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def tuesday_weeks_ahead(zone: ZoneInfo) -> date:
    day = datetime.now(zone).date() + timedelta(days=21)
    return day + timedelta(days=(2 - day.isoweekday()) % 7)


def test_a_login_in_no_clinic_group_is_told_the_grant_and_the_grant_suffices(cli_env, role_url, engine):
    env = {**cli_env, "DATABASE_URL": role_url}
    role = make_url(role_url).username
    result, lines = doctor(env)
    assert result.code == 1
    assert lines["connect"].status == "ok"
    permissions = lines["permissions"]
    assert permissions.status == "FAIL"
    assert permissions.finding.startswith(f"{role} belongs to no clinic group (clinic_admin, clinic_receptionist,")
    assert permissions.advice.startswith(f'ask IT to run: GRANT clinic_receptionist TO "{role}";')
    assert "clinic-scheduler staff add NAME --role receptionist" in permissions.advice
    assert lines["schema"].status == "FAIL" and "permission denied" in lines["schema"].finding
    assert lines["live updates"].status == "ok"  # LISTEN and NOTIFY need no grant

    # The statement the doctor gives IT is enough: it passes, and the login can book and cancel.
    grant = permissions.advice.removeprefix("ask IT to run: ").split(";")[0]
    with engine.begin() as conn:
        conn.execute(text(grant))
    result, lines = doctor(env)
    assert result.code == 0, result.out
    assert lines["permissions"].status == "ok" and lines["schema"].status == "ok"
    assert (
        lines["permissions"].finding == f"{role} is in clinic_receptionist: the database allows what that role may do"
    )

    clinic = Clinic(uow=UnitOfWork(engine), zone=ZoneInfo("Europe/Berlin"))
    provider, patient = add_provider(clinic, "Dr. Doctor Check", WEEKDAY_HOURS), new_patient(clinic)
    start = f"{tuesday_weeks_ahead(clinic.zone).isoformat()}T09:00"
    booked = run_one(env, "book", "--provider", str(provider), "--patient", str(patient), "--start", start)
    assert booked.code == 0, booked.err
    cancelled = run_one(env, "cancel", "--appointment", booked.out.strip())
    assert cancelled.code == 0, cancelled.err


def test_the_clinic_zone_the_database_checks_hours_in_is_this_desk_s(cli_env, engine):
    _, lines = doctor(cli_env)
    assert (
        lines["clinic zone"].status == "warn" and "does not know the clinic's time zone" in lines["clinic zone"].finding
    )
    migrate.upgrade(engine, zone=ZoneInfo("Europe/Berlin"))  # as `db upgrade` does with a configured zone
    _, lines = doctor(cli_env)
    assert lines["clinic zone"] == Line(
        "ok", "the database checks working hours in Europe/Berlin, as this desk reads them"
    )
    result, lines = doctor({**cli_env, "CLINIC_TIMEZONE": "Asia/Tokyo"})
    assert lines["clinic zone"].status == "FAIL" and "Europe/Berlin, this desk reads them in Asia/Tokyo" in (
        lines["clinic zone"].finding
    )
    assert "set clinic_timezone (or CLINIC_TIMEZONE) to Europe/Berlin" in lines["clinic zone"].advice
    assert result.code == 1


def test_the_reminders_mail_server_answers_or_is_named(cli_env):
    _result, lines = doctor(cli_env)
    assert lines["reminders"].status == "ok" and "not set up" in lines["reminders"].finding
    with mail_server() as (_inbox, port):
        write_config(cli_env, reminders_config(port))
        _result, lines = doctor(cli_env)
    assert lines["reminders"].status == "ok", lines["reminders"]
    assert lines["reminders"].finding.endswith(
        f"through 127.0.0.1:{port} (none) from Praxis Dr. Weber <termine@praxis-weber.example>:"
        " the mail server answered"
    )
    closed = free_port()
    write_config(cli_env, reminders_config(closed))
    result, lines = doctor(cli_env)
    assert result.code == 1 and lines["reminders"].status == "FAIL"
    assert (
        f"mail server 127.0.0.1:{closed}" in lines["reminders"].finding and "administrator" in lines["reminders"].advice
    )


def test_a_mail_server_password_in_the_config_file_is_sent_to_the_credential_store(cli_env):
    write_config(cli_env, reminders_config(free_port(), password="secret"))
    result, lines = doctor(cli_env)
    assert (
        lines["config file"].status == "FAIL" and "reminders.password holds a password" in lines["config file"].finding
    )
    assert "credential store" in lines["config file"].advice and "secret" not in result.out
