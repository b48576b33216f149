"""`clinic-scheduler doctor`: is this desk set up to work? Checks in order, one report line each.

Each check is a small function that gets what the earlier checks found (`Findings`) and returns a
`Result`: ok, warn or FAIL, a short finding and, for a problem, what to do. A check that needs something
an earlier check could not provide (readable settings, a database, a connection) is skipped rather than
failed, so one cause shows as one failure. The runner prints the report as it goes and returns the exit
code: 0 when nothing failed (warnings allowed), 1 otherwise. Nothing here writes to the schedule.
"""

import contextlib
import ipaddress
import logging
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from importlib import metadata
from typing import TextIO

import psycopg
from psycopg import sql
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import DBAPIError

from app import APP_NAME
from app.config import (
    CONFIG_KEYS,
    DATABASE_KEYS,
    DEFAULT_ORIGIN,
    ConfigError,
    Settings,
    config_file_paths,
    find_password,
    is_configured,
    load_settings,
    merge_config,
    parse_config_file,
    password_advice,
)
from app.db import migrate
from app.db.cluster import cluster_state
from app.db.connect import DatabaseTarget, resolve_database
from app.db.embedded import PASSWORD_RULES
from app.db.engine import TCP_FAILURE_DETECTION, conninfo, make_engine, workstation_name
from app.db.errors import not_allowed
from app.db.server_account import ACCOUNT_NAME, running_as_root
from app.desktop_libraries import missing_desktop_packages
from app.domain.errors import first_line
from app.logs import log_file_path
from app.machine_zone import machine_timezone
from app.runtime import database_error_message
from app.services.access import GROUPS, signed_in
from app.services.context import Clinic
from app.services.reminder_mail import SendFailed, mailer_from_settings, stored_password
from app.services.schedule_check import appointments_off_schedule
from app.services.uow import UnitOfWork

log = logging.getLogger(__name__)

# The migrations need PostgreSQL 11 (identity columns: 10; `CREATE TRIGGER ... EXECUTE FUNCTION`: 11);
# the throwaway databases of `db dump-schema`, `stress` and the benchmarks are dropped with
# `DROP DATABASE ... WITH (FORCE)`, new in 13. Nothing else the program sends needs more.
MIN_SERVER_VERSION = 130000
MIN_SERVER_REASON = (
    "the schema's triggers need 11; `db dump-schema` and the benchmarks drop their throwaway databases"
    " WITH (FORCE), new in 13"
)
OWNER_MANAGES_STAFF_FROM = 160000  # PostgreSQL 16 restricted CREATEROLE (migration 0005)
PASSWORD_RULES_MODULE = "clinic_passwords"  # the embedded server's (app/db/server_module)
LIMITS = {"idle_in_transaction_session_timeout": "30s", "statement_timeout": "60s"}  # as migration 0005 sets them
SLOW_CONNECT_MS = 1000
NOTIFY_WAIT_S = 2.0
CLOCK_WARN_S, CLOCK_FAIL_S = 5.0, 60.0
CONNECT_TIMEOUT_S = 5


class Status(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    SKIP = "skip"


@dataclass(frozen=True)
class Result:
    status: Status
    finding: str
    advice: str = ""  # what to do, for a warning or a failure


def ok(finding: str) -> Result:
    return Result(Status.OK, finding)


def warn(finding: str, advice: str = "") -> Result:
    return Result(Status.WARN, finding, advice)


def fail(finding: str, advice: str = "") -> Result:
    return Result(Status.FAIL, finding, advice)


@dataclass
class Findings:
    """What the checks found so far, for the checks after them."""

    config_file: dict | None = None  # the config file's keys and values, {} when there is none
    settings: Settings | None = None
    target: DatabaseTarget | None = None
    engine: Engine | None = None
    conn: Connection | None = None  # a desk's kind of connection (same session settings), open

    def driver(self) -> psycopg.Connection:
        return self.conn.connection.driver_connection

    def drop_connection(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(DBAPIError):
                self.conn.close()
            self.conn = None

    def close(self) -> None:
        self.drop_connection()
        if self.engine is not None:
            self.engine.dispose()


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Findings], Result]
    needs: str | None = None  # a Findings field an earlier check must have filled in


SKIP_REASONS = {
    "config_file": "the config file cannot be read",
    "settings": "the settings cannot be read",
    "target": "no database to check",
    "conn": "not connected to the database",
}


def _plain_connection(findings: Findings, name: str) -> psycopg.Connection:
    """A connection of its own, as the desk's live-update listener opens it (no session options)."""
    return psycopg.connect(
        conninfo(findings.target.url),
        autocommit=True,
        application_name=f"{workstation_name()} {name}"[:63],
        connect_timeout=CONNECT_TIMEOUT_S,
        **TCP_FAILURE_DETECTION,
    )


def _quoted_role(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- configuration ---------------------------------------------------------------------------------


def _what_it_sets(data: dict) -> str:
    names = [
        f"[database] {', '.join(value)}" if key == "database" and isinstance(value, dict) else key
        for key, value in data.items()
    ]
    return ", ".join(names) if names else "nothing"


def _unknown_keys(data: dict) -> list[str]:
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    table = data.get("database")
    if isinstance(table, dict):
        unknown += sorted(f"database.{key}" for key in set(table) - set(DATABASE_KEYS))
    return unknown


def check_config_file(findings: Findings) -> Result:
    """Every config file in reading order (site-wide, then this user's): there or not, and what it sets."""
    parts, problems, contents = [], [], []
    worst = Status.OK
    for path in config_file_paths():
        if not path.exists():
            parts.append(f"{path}: none there")
            continue
        try:
            data = parse_config_file(path)
        except (OSError, ValueError) as exc:  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
            parts.append(f"{path}: cannot be read: {first_line(exc)}")
            problems.append("correct the file (TOML) or remove it")
            worst = Status.FAIL
            continue
        password = find_password(data)
        if password is not None:
            parts.append(f"{path}: {password} holds a password")
            problems.append(password_advice(password))
            worst = Status.FAIL
            continue
        contents.append(data)
        parts.append(f"{path}: found and read (sets {_what_it_sets(data)})")
        unknown = _unknown_keys(data)
        if unknown:
            parts[-1] += f", but these keys mean nothing to this program: {', '.join(unknown)}"
            problems.append(
                f"check their spelling; the keys are {', '.join(CONFIG_KEYS)},"
                f" and in [database] {', '.join(DATABASE_KEYS)}"
            )
            worst = Status.FAIL if worst is Status.FAIL else Status.WARN
    finding = "; ".join(parts)
    if worst is Status.FAIL:
        return fail(finding, "; ".join(dict.fromkeys(problems)))
    findings.config_file = merge_config(contents)
    if not contents:
        return ok(f"{finding}; settings come from the environment and defaults")
    if worst is Status.WARN:
        return warn(finding, "; ".join(dict.fromkeys(problems)))
    return ok(finding)


def check_settings(findings: Findings) -> Result:
    try:
        findings.settings = load_settings()
    except ConfigError as exc:
        if exc.origin not in (None, DEFAULT_ORIGIN):
            return fail(f"{exc}; set by {exc.origin}", f"correct {exc.origin}")
        return fail(str(exc), "correct the config file or remove it")
    settings = findings.settings
    minutes = settings.idle_lock_minutes
    lock = f"locks after {minutes} min idle" if minutes else "never locks by itself"
    desk = "a shared workstation" if settings.shared_workstation else "a personal workstation"
    return ok(f"read; bookings up to {settings.booking_horizon_days} days ahead; {desk} that {lock}")


def check_reminders(findings: Findings) -> Result:
    """The mail server of the e-mail reminders, if IT set one up: its password at hand, and whether it answers."""
    settings = findings.settings
    server = settings.reminders
    if server is None:
        return ok("e-mail reminders are not set up (no [reminders] table): the desks list whom to call")
    where = f"through {server.host}:{server.port} ({server.security}) from {server.sender}"
    password = None
    if server.user:
        where += f" as {server.user}"
        password = stored_password(server.user)
        if password is None:
            return warn(
                f"{where}; the credential store of this user has no password for it",
                "store it as the account that sends (a scheduled task's too): `clinic-scheduler remind"
                " --store-password`; or the desk asks for it at each sending",
            )
    try:
        with mailer_from_settings(settings, password) as mailer:
            mailer.connect()
    except SendFailed as exc:
        return fail(f"{where}: {exc}", "check host, port, security and sign-in with the mail server's administrator")
    return ok(f"{where}: the mail server answered" + (" and took the sign-in" if server.user else ""))


def check_database(findings: Findings) -> Result:
    settings = findings.settings
    if not is_configured():
        return fail(
            "nothing chooses this desk's database yet: the program's first start will ask",
            "start the program once, or place a config file with [database] (see docs/deploying.md)",
        )
    if settings.database_url is None:
        try:
            findings.target = resolve_database(settings)
        except Exception as exc:  # the embedded server fails in many ways: a busy port, a full disk...
            log.warning("the embedded server did not start", exc_info=True)
            return fail(
                f"the embedded server did not start: {first_line(exc)}",
                f"the log file {log_file_path()} has the details; its data is in {settings.data_dir / 'pgdata'}",
            )
        finding = f"{findings.target.description}: no DATABASE_URL, [database] or database_url is set"
        if running_as_root():
            finding += f"; run as root, the server runs as the system account {ACCOUNT_NAME}"
        return ok(finding)
    try:
        target = resolve_database(settings)
        user = make_url(target.url).username or "this login's user name"
    except Exception as exc:  # a URL with the right prefix but not parsable, e.g. a bad port
        return fail(f"{settings.origin('database_url')}: not a usable URL: {first_line(exc)}", "correct it")
    findings.target = target
    return ok(f"{target.description} as {user}, from {settings.origin('database_url')}")


def check_time_zone(findings: Findings) -> Result:
    zone = findings.settings.clinic_timezone
    offset = time.strftime("%z", time.localtime())  # this machine's, for comparison
    machine = machine_timezone() or "a zone without an IANA name"
    finding = f"{zone.key} (this machine: {machine}, UTC{offset[:3]}:{offset[3:]})"
    if findings.settings.origin("clinic_timezone") == DEFAULT_ORIGIN:
        return warn(
            f"{finding}: the default; appointments and working hours would be in UTC",
            "set CLINIC_TIMEZONE, or clinic_timezone in the config file, to the clinic's zone, e.g. Europe/Berlin",
        )
    return ok(finding)


def check_desktop(_findings: Findings) -> Result:
    """Whether this machine has the system libraries the desktop window needs (Linux; Qt bundles the rest)."""
    missing = missing_desktop_packages()
    if missing:
        return warn(
            f"the desktop window cannot open here: missing {', '.join(missing)} (the commands work without them)",
            f"on Debian or Ubuntu: sudo apt-get install {' '.join(missing)}",
        )
    return ok("the system libraries the desktop window needs are there")


def check_log_file(findings: Findings) -> Result:
    path = log_file_path()
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        return warn(
            f"{path}: cannot be written ({first_line(exc)}); the log goes to the screen only",
            "set CLINIC_LOG_DIR to a folder this user may write to",
        )
    return ok(str(path))


# --- the server ------------------------------------------------------------------------------------


def check_connect(findings: Findings) -> Result:
    findings.engine = make_engine(findings.target.url, pool_size=1)
    started = time.perf_counter()
    try:
        findings.conn = findings.engine.connect()
    except DBAPIError as exc:
        if findings.target.is_embedded:
            advice = f"the embedded server did not answer; the log file {log_file_path()} may say why"
        else:
            advice = (
                f"check that the server at {findings.target.description} is running and that this machine can"
                " reach it (firewall, VPN), and the user name, password and database name"
            )
        return fail(database_error_message(exc), advice)
    elapsed_ms = (time.perf_counter() - started) * 1000
    finding = f"connected in {elapsed_ms:.0f} ms (timeout {CONNECT_TIMEOUT_S} s)"
    if elapsed_ms > SLOW_CONNECT_MS:
        return warn(f"{finding}: slow", "a slow network or a busy server: desks will feel it at every reconnect")
    return ok(finding)


def _is_local(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_tls(findings: Findings) -> Result:
    driver = findings.driver()
    host = driver.info.host
    if driver.pgconn.ssl_in_use:
        version, cipher = findings.conn.execute(
            text("SELECT version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        ).one()
        return ok(f"encrypted ({version}, {cipher})")
    if host.startswith(("/", "@")):
        return ok(f"unix socket {host}: not encrypted, and need not be (nothing leaves this machine)")
    if _is_local(host) or _is_local(driver.info.hostaddr):
        return ok(f"{host}: this machine, not encrypted, and need not be")
    return warn(
        f"{host}: not encrypted: passwords and patient details cross the network in plain text",
        'set sslmode = "verify-full" (or at least "require") in [database] or the database URL, with ssl turned'
        " on at the server",
    )


def check_servers(findings: Findings) -> Result:
    """Each server the desk names: which is the primary now, how its standbys replicate, whether commits wait."""
    state = cluster_state(findings.target.url, CONNECT_TIMEOUT_S)
    if len(state.servers) == 1 and not state.standbys:
        return ok(f"one server, the {state.servers[0].role}; no standby")
    parts = [
        f"{server.address} {server.role}" + (f" ({server.problem})" if server.problem else "")
        for server in state.servers
    ]
    parts += [
        f"standby {standby.name} {standby.state}, {standby.sync_state}"
        + ("" if standby.replay_lag_s is None else f", {standby.replay_lag_s:.1f} s behind")
        for standby in state.standbys
    ]
    names = state.synchronous_standby_names
    parts.append(f"commits wait for a synchronous standby ({names})" if names else "commits wait for no standby")
    finding = "; ".join(parts)
    if len(state.primaries) != 1:
        return fail(
            finding,
            "one server must be the primary: a failover may be under way (the desks write again once it is done);"
            " if it lasts, ask the cluster manager (patronictl list)",
        )
    if not names:
        return warn(finding, "a booking a desk saw saved can be lost in a failover: turn on Patroni's synchronous_mode")
    if any(server.role == "out of reach" for server in state.servers):
        return warn(finding, "a server is out of reach: the cluster has fewer standbys to fail over to")
    return ok(finding)


def check_server_version(findings: Findings) -> Result:
    info = findings.driver().info
    version = info.parameter_status("server_version") or str(info.server_version)
    if info.server_version < MIN_SERVER_VERSION:
        return fail(
            f"PostgreSQL {version}: too old; 13 or newer is needed ({MIN_SERVER_REASON})",
            "upgrade the server to a supported PostgreSQL release",
        )
    return ok(f"PostgreSQL {version}")


def check_schema(findings: Findings) -> Result:
    current, head = migrate.revision_of(findings.conn), migrate.head_revision()
    state = migrate.schema_state(current)
    if state is migrate.SchemaState.CURRENT:
        return ok(f"at revision {head}, as this program")
    if state is migrate.SchemaState.NEWER:
        return fail(
            f"at revision {current}, which this program (revision {head}) does not know:"
            " this program is older than the database",
            "install the newer version of clinic-scheduler on this desk",
        )
    state = "empty (no schema yet)" if current is None else f"at revision {current}, this program needs {head}"
    if findings.target.is_embedded:
        return warn(f"{state}: the embedded database is upgraded when the app starts")
    return fail(state, "ask IT to run `clinic-scheduler db upgrade`")


def check_permissions(findings: Findings) -> Result:
    role = signed_in(findings.conn)
    if role.superuser:
        return ok(f"{role.user} is a superuser: every privilege (desks sign in as staff); LISTEN needs no grant")
    if not role.groups:
        return fail(
            f"{role.user} belongs to no clinic group ({', '.join(GROUPS)}): it may connect, but reads and changes"
            " nothing",
            f"ask IT to run: GRANT clinic_receptionist TO {_quoted_role(role.user)}; (or clinic_manager,"
            " clinic_admin), or have an admin give this person a login of their own:"
            " clinic-scheduler staff add NAME --role receptionist",
        )
    return ok(f"{role.user} is in {', '.join(role.groups)}: the database allows what that role may do")


_SCHEMA_OWNER = text(
    "SELECT r.rolname, r.rolcreaterole, r.rolsuper FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
    " WHERE c.oid = to_regclass('public.appointments')"
)


def check_staff_management(findings: Findings) -> Result:
    """Who may create staff logins: admins through the schema's owner (PostgreSQL 16+), or IT (13 to 15, where a
    role that may create roles may also make itself superuser)."""
    owner = findings.conn.execute(_SCHEMA_OWNER).one_or_none()
    info = findings.driver().info
    version = info.parameter_status("server_version") or str(info.server_version)
    if owner is None:
        return ok("no schema yet: nothing to manage")
    if info.server_version >= OWNER_MANAGES_STAFF_FROM:
        finding = f"admins add and disable staff through the schema's owner {owner.rolname} (PostgreSQL {version})"
        if not findings.target.is_embedded:
            return ok(finding)
        if PASSWORD_RULES_MODULE not in findings.conn.execute(text("SHOW shared_preload_libraries")).scalar_one():
            return warn(
                f"{finding}; but the embedded server runs without its password rules: a login could set its own"
                " password outside the program, unchecked and unaudited",
                f"install a build of the program that has them ({PASSWORD_RULES} is built by setup.py where a C"
                " compiler is at hand)",
            )
        return ok(f"{finding}; the server refuses a login's own password change outside the program")
    if owner.rolcreaterole and not owner.rolsuper:
        return fail(
            f"PostgreSQL {version}: the schema's owner {owner.rolname} may create roles, and on 15 and older that"
            " lets it grant itself any role, pg_execute_server_program included (programs run on the server as its"
            " operating system user)",
            f"as a superuser: ALTER ROLE {_quoted_role(owner.rolname)} NOCREATEROLE; IT then adds staff logins"
            " itself (docs/deploying.md, PostgreSQL 13 to 15), or upgrade the server to PostgreSQL 16 or later",
        )
    return ok(f"PostgreSQL {version}: IT adds and disables staff logins (admins can from PostgreSQL 16 on)")


SESSION_LIMITS = ("idle_in_transaction_session_timeout", "statement_timeout")
_DATABASE_SETTINGS = text(
    "SELECT unnest(setconfig) FROM pg_db_role_setting"
    " WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def check_session_limits(findings: Findings) -> Result:
    """Whether the database itself ends idle transactions and long statements, for any client (psql too)."""
    settings = dict(entry.split("=", 1) for entry in findings.conn.execute(_DATABASE_SETTINGS).scalars())
    missing = [name for name in SESSION_LIMITS if settings.get(name, "0") == "0"]  # 0: no limit
    if missing:
        database = _quoted_role(findings.conn.execute(text("SELECT current_database()")).scalar_one())
        return warn(
            f"the database sets no {' and no '.join(missing)}: a session left open in a transaction (a psql window,"
            " say) can hold the clinic's rows, and every booking that needs them fails, until someone ends it",
            "as the database's owner: "
            + " ".join(f"ALTER DATABASE {database} SET {name} = '{LIMITS[name]}';" for name in missing)
            + " (or run `clinic-scheduler db upgrade` as the owner)",
        )
    return ok(", ".join(f"{name} = {settings[name]}" for name in SESSION_LIMITS) + ", for every session")


def check_schedule_fits(findings: Findings) -> Result:
    """Whether every upcoming appointment lies inside its provider's hours, read in this desk's zone."""
    if findings.conn.execute(text("SELECT to_regclass('public.appointments')")).scalar_one() is None:
        return ok("no schema yet: nothing to check")
    zone = findings.settings.clinic_timezone
    misfits = appointments_off_schedule(Clinic(UnitOfWork(findings.engine), zone))
    if misfits.total:
        return fail(
            misfits.describe(zone.key),
            "set clinic_timezone (or CLINIC_TIMEZONE) to the zone the working hours were set in, or move or"
            " cancel those appointments",
        )
    return ok(f"every upcoming appointment lies inside its provider's hours, read in {zone.key}")


def check_clinic_zone(findings: Findings) -> Result:
    """Whether the database knows the clinic's zone (it checks working hours in it) and it is this desk's."""
    if findings.conn.execute(text("SELECT to_regclass('public.clinic_settings')")).scalar_one() is None:
        return ok("no schema with the clinic's zone yet: nothing to check")
    recorded, zone = migrate.recorded_zone(findings.conn), findings.settings.clinic_timezone.key
    if recorded is None:
        return warn(
            "the database does not know the clinic's time zone, so it leaves the working hours to the desks",
            "as the database's owner, with clinic_timezone set: `clinic-scheduler db upgrade`",
        )
    if recorded != zone:
        return fail(
            f"the database checks working hours in {recorded}, this desk reads them in {zone}: it refuses bookings"
            " this desk offers",
            f"set clinic_timezone (or CLINIC_TIMEZONE) to {recorded} on this desk",
        )
    return ok(f"the database checks working hours in {zone}, as this desk reads them")


def check_live_updates(findings: Findings) -> Result:
    channel, payload = f"clinic_doctor_{uuid.uuid4().hex[:12]}", uuid.uuid4().hex
    with _plain_connection(findings, "doctor listen") as listener:
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        started = time.perf_counter()
        findings.conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})
        findings.conn.commit()
        heard = [n.payload for n in listener.notifies(timeout=NOTIFY_WAIT_S, stop_after=1)]
    elapsed_ms = (time.perf_counter() - started) * 1000
    if payload not in heard:
        return fail(
            f"a NOTIFY did not reach a LISTENing connection within {NOTIFY_WAIT_S:g} s: other desks' changes"
            " would show only at the periodic re-read, every 60 s",
            "connect desks to PostgreSQL directly, or through a pooler in session mode"
            " (PgBouncer pool_mode = session): transaction pooling loses LISTEN",
        )
    return ok(f"LISTEN/NOTIFY between two connections in {elapsed_ms:.0f} ms")


def check_clock(findings: Findings) -> Result:
    with _plain_connection(findings, "doctor clock") as conn:
        before = time.time()
        server_time, server_zone = conn.execute(
            "SELECT extract(epoch FROM clock_timestamp())::float8, current_setting('TimeZone')"
        ).fetchone()
        after = time.time()
    skew = server_time - (before + after) / 2
    direction = "ahead of" if skew >= 0 else "behind"
    # The server's own zone is for information: the program stores times with their offset and reads them in UTC.
    finding = f"the server's clock is {abs(skew):.2f} s {direction} this machine's; server time zone {server_zone}"
    advice = (
        "turn on automatic time (NTP) on this machine and on the server: a desk refuses bookings in the past by"
        " its own clock, the server stamps every change with its own"
    )
    if abs(skew) > CLOCK_FAIL_S:
        return fail(finding, advice)
    if abs(skew) > CLOCK_WARN_S:
        return warn(finding, advice)
    return ok(finding)


CHECKS = [
    Check("config file", check_config_file),
    Check("settings", check_settings, needs="config_file"),
    Check("database", check_database, needs="settings"),
    Check("reminders", check_reminders, needs="settings"),
    Check("time zone", check_time_zone, needs="settings"),
    Check("log file", check_log_file),
    Check("desktop", check_desktop),
    Check("connect", check_connect, needs="target"),
    Check("TLS", check_tls, needs="conn"),
    Check("servers", check_servers, needs="conn"),
    Check("server version", check_server_version, needs="conn"),
    Check("schema", check_schema, needs="conn"),
    Check("permissions", check_permissions, needs="conn"),
    Check("staff accounts", check_staff_management, needs="conn"),
    Check("session limits", check_session_limits, needs="conn"),
    Check("schedule", check_schedule_fits, needs="conn"),
    Check("clinic zone", check_clinic_zone, needs="conn"),
    Check("live updates", check_live_updates, needs="conn"),
    Check("clock", check_clock, needs="conn"),
]


# --- the runner ------------------------------------------------------------------------------------


def _database_failure(exc: DBAPIError) -> Result:
    if not_allowed(exc):
        return fail(database_error_message(exc), "see the permissions check below")
    return fail(database_error_message(exc))


def run_check(check: Check, findings: Findings) -> Result:
    if check.needs is not None and getattr(findings, check.needs) is None:
        return Result(Status.SKIP, f"skipped: {SKIP_REASONS[check.needs]}")
    try:
        return check.run(findings)
    except DBAPIError as exc:
        if exc.connection_invalidated:  # lost: the later checks are skipped, not failed again
            findings.drop_connection()
        return _database_failure(exc)
    except psycopg.Error as exc:  # the extra connections of the live update and clock checks
        return fail(f"the database: {first_line(exc)}")
    except Exception as exc:
        log.warning("doctor: the %s check failed unexpectedly", check.name, exc_info=True)
        return fail(f"unexpected error: {first_line(exc)}", f"a bug: the log file {log_file_path()} has the details")
    finally:
        if findings.conn is not None:  # each check starts outside a transaction
            try:
                findings.conn.rollback()
            except DBAPIError:
                findings.drop_connection()


def _program_version() -> str:
    try:
        return metadata.version(APP_NAME)
    except metadata.PackageNotFoundError:  # a build without package metadata
        return "(version unknown)"


def run_doctor(out: TextIO = sys.stdout) -> int:
    """Run every check, print the report to `out`; 0 if nothing failed, else 1."""
    width = max(len(check.name) for check in CHECKS) + 2
    print(f"{APP_NAME} {_program_version()} doctor (schema revision {migrate.head_revision()})", file=out)
    counts = dict.fromkeys(Status, 0)
    findings = Findings()
    try:
        for check in CHECKS:
            result = run_check(check, findings)
            counts[result.status] += 1
            print(f"{result.status.value:<6}{check.name:<{width}}{result.finding}", file=out, flush=True)
            if result.advice:
                print(f"{'':<6}{'':<{width}}what to do: {result.advice}", file=out, flush=True)
    finally:
        findings.close()
    words = {Status.OK: "ok", Status.WARN: "warned", Status.FAIL: "failed", Status.SKIP: "skipped"}
    summary = ", ".join(f"{counts[status]} {words[status]}" for status in Status if counts[status])
    verdict = "something is wrong" if counts[Status.FAIL] else "this desk is ready"
    print(f"\n{len(CHECKS)} checks: {summary}: {verdict}", file=out)
    return 1 if counts[Status.FAIL] else 0
