"""Opening the clinic for a process: settings, database, schema check, services; and signing staff in to it."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError

from app.config import Settings, configured_timezone, load_settings
from app.db import migrate
from app.db.connect import DatabaseTarget, resolve_database
from app.db.engine import (
    TCP_FAILURE_DETECTION,
    conninfo,
    make_engine,
    set_on_connect,
    use_password,
    with_login,
    workstation_name,
)
from app.db.errors import Fault, classify, driver_error
from app.domain.errors import DomainError, first_line
from app.live.changes import Change
from app.live.listener import ListenerState, ScheduleListener
from app.services import staff
from app.services.access import signed_in
from app.services.context import Clinic
from app.services.uow import UnitOfWork


class SchemaMismatch(DomainError):
    """The shared database is at another schema revision than this program."""


@dataclass(frozen=True)
class Login:
    """A staff member's own PostgreSQL login. The password stays in this process's memory."""

    user: str
    password: str = field(repr=False)


@dataclass
class Runtime:
    settings: Settings
    target: DatabaseTarget  # its URL is the one the desk signs in with: the engine's and the listener's
    engine: Engine
    clinic: Clinic

    def close(self) -> None:
        self.engine.dispose()

    def schema_problem(self) -> str | None:
        """What is wrong with the database's schema revision for this program, and what to do; None if it is
        this program's. DatabaseUnavailable if the database cannot be reached."""
        current, head = self.clinic.uow.read(migrate.revision_of), migrate.head_revision()
        state = migrate.schema_state(current)
        if state is migrate.SchemaState.CURRENT:
            return None
        if state is migrate.SchemaState.NEWER:
            return (
                f"the database schema (revision {current}) is newer than this program (revision {head}):"
                " install the clinic's current version of Clinic Scheduler"
            )
        return (
            f"the database schema is at revision {current or 'none'}, this program needs {head}:"
            " ask IT to run `clinic-scheduler db upgrade`"
        )

    def check_schema(self) -> None:
        """SchemaMismatch unless the database is at this program's revision; DatabaseUnavailable if unreachable."""
        problem = self.schema_problem()
        if problem:
            raise SchemaMismatch(problem)

    def use_password(self, password: str) -> None:
        """The signed-in login's password changed: new connections (the engine's, the listener's) sign in with it."""
        user = make_url(self.target.url).username
        self.target = replace(self.target, url=with_login(self.target.url, user, password))
        use_password(self.engine, password)

    def make_listener(
        self, on_change: Callable[[Change], None], on_state: Callable[[ListenerState], None]
    ) -> ScheduleListener:
        """A listener for this database's schedule changes, on a connection of its own (not started)."""
        return ScheduleListener(
            # Read at every connect: the password may have changed. Always the primary: a standby cannot LISTEN,
            # and among several hosts the primary is the one whose announcements every desk hears.
            lambda: conninfo(self.target.url, target_session_attrs="read-write"),
            on_change,
            on_state,
            application_name=f"{workstation_name()} live",
            tcp_options=TCP_FAILURE_DETECTION,
        )


def database_error_message(exc: DBAPIError) -> str:
    """One line for people: whether the server was out of reach or refused, and its first line of why."""
    problem = "cannot reach the database" if classify(exc) is Fault.CONNECTION else "the database refused"
    return f"{problem}: {first_line(driver_error(exc))}"


class DatabaseNotOpened(DomainError):
    """The configured database could not be opened: out of reach, or it refused; the message says which."""


def prepare_database(settings: Settings) -> DatabaseTarget:
    """The configured database. The embedded one is started and migrated on the spot, as its superuser (it has
    no IT); a shared server is not contacted here. DatabaseNotOpened if that fails."""
    try:
        target = resolve_database(settings)
        if target.is_embedded:
            engine = make_engine(target.url, pool_size=1)
            try:
                migrate.upgrade(engine, zone=configured_timezone(settings))
            finally:
                engine.dispose()
    except DBAPIError as exc:
        raise DatabaseNotOpened(database_error_message(exc)) from exc
    return target


def open_runtime(
    *,
    check: bool = True,
    login: Login | None = None,
    settings: Settings | None = None,
    target: DatabaseTarget | None = None,
) -> Runtime:
    """Connect to the configured database (`target`, if it was prepared already), as `login` when a staff member
    signed in, else with the configured URL (on the embedded database, its superuser: commands and checks).
    A shared server must be at this program's schema revision; with `check=False` it is not contacted at all:
    the caller checks the schema later (a desk checks once it connects)."""
    settings = settings or load_settings()
    target = target or prepare_database(settings)
    if login is not None:
        target = replace(target, url=with_login(target.url, login.user, login.password))
    engine = make_engine(target.url)
    clinic = Clinic(uow=UnitOfWork(engine), zone=settings.clinic_timezone, horizon_days=settings.booking_horizon_days)
    runtime = Runtime(settings, target, engine, clinic)
    if check and not target.is_embedded:
        runtime.check_schema()
    return runtime


# --- signing in ------------------------------------------------------------------------------------


class SignInFailed(DomainError):
    """A staff member could not sign in; the message says why and what to do."""


class WrongLogin(SignInFailed):
    def __init__(self) -> None:
        super().__init__("the user name or the password is wrong: check both and try again")


class AccountDisabled(SignInFailed):
    def __init__(self, user: str) -> None:
        super().__init__(f'the account "{user}" is disabled: ask a clinic administrator to enable it')


class NoClinicRole(SignInFailed):
    def __init__(self, user: str) -> None:
        super().__init__(
            f'this account ("{user}") has no clinic role: ask a clinic administrator to make it a receptionist,'
            " a manager or an admin"
        )


class ServerUnreachable(SignInFailed):
    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"cannot reach {where} ({reason}): check the network, then try again")


def place(target: DatabaseTarget) -> str:
    """Where the appointment book is, in words."""
    if target.is_embedded:
        return "the appointment book on this computer"
    return f"the clinic's server {target.description}"


def configured_user(target: DatabaseTarget) -> str | None:
    return make_url(target.url).username


def maintenance_user(target: DatabaseTarget) -> str | None:
    """The embedded server's superuser: the program's own login, which no one signs in as."""
    return configured_user(target) if target.is_embedded else None


def _login_refusal(exc: OperationalError, user: str, where: str) -> SignInFailed:
    """libpq's words (no SQLSTATE for a failed login; servers speak English, lc_messages='C') as a reason."""
    words = str(driver_error(exc))
    if "password authentication failed" in words or f'role "{user}" does not exist' in words:
        return WrongLogin()
    if "is not permitted to log in" in words:
        return AccountDisabled(user)
    if "too many connections for role" in words:
        return SignInFailed(
            f'the account "{user}" is signed in at too many desks at once (each login may hold'
            f" {staff.STAFF_CONNECTION_LIMIT} connections, two desks' worth): close the program at another desk"
        )
    if "FATAL:" in words:  # the server answered, and refused for another reason (e.g. no such database)
        return SignInFailed(f"{where} refused: {words.split('FATAL:', 1)[1].strip().splitlines()[0]}")
    return ServerUnreachable(where, first_line(driver_error(exc)))


def sign_in(target: DatabaseTarget, login: Login) -> None:
    """Check `login` at the target's server: its password, that it may log in, that it holds a clinic role.
    A SignInFailed says what stopped it; no connection is kept."""
    if login.user == maintenance_user(target):
        raise NoClinicRole(login.user)
    engine = make_engine(with_login(target.url, login.user, login.password), pool_size=1)
    try:
        with engine.connect() as conn:
            who = signed_in(conn)
    except OperationalError as exc:
        raise _login_refusal(exc, login.user, place(target)) from exc
    finally:
        engine.dispose()
    if not who.has_clinic_role:
        raise NoClinicRole(login.user)


# --- the embedded database's first admin -----------------------------------------------------------


@contextmanager
def maintenance_clinic(settings: Settings, target: DatabaseTarget) -> Iterator[Clinic]:
    """The clinic as the configured login sees it (on the embedded database, its superuser), for as long as the
    `with` block lasts. A database fault the block did not foresee becomes DatabaseNotOpened: the start says it in
    one line."""
    engine = make_engine(target.url, pool_size=1)
    try:
        yield Clinic(uow=UnitOfWork(engine), zone=settings.clinic_timezone)
    except DBAPIError as exc:
        raise DatabaseNotOpened(database_error_message(exc)) from exc
    finally:
        engine.dispose()


def lacks_admin(clinic: Clinic) -> bool:
    """Whether no enabled admin account exists: then nobody could add staff, so the program asks for one."""
    return not any(member.role == "admin" and member.enabled for member in staff.list_staff(clinic))


def probe_connection(url: str, password: str | None, *, timeout_s: int = 5) -> str:
    """Connect once to `url` (the password, if given, is used for this connection only) and describe the server
    in one line, e.g. "PostgreSQL 18.4, schema 0002". A DomainError says, in one line, why it could not."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from app.config import ConfigError, normalize_database_url

    try:
        engine_url = normalize_database_url(url)
    except ConfigError as exc:
        raise DomainError(str(exc)) from exc
    connect_args: dict[str, object] = {
        "connect_timeout": timeout_s,
        "application_name": workstation_name(),
        **TCP_FAILURE_DETECTION,
    }
    if password:
        connect_args["password"] = password
    engine = create_engine(engine_url, poolclass=NullPool, connect_args=connect_args)
    set_on_connect(engine, {"statement_timeout": str(timeout_s * 1000)})  # a server that answers, then stalls
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one()).split()[0]
            revision = migrate.revision_of(conn)
    except DBAPIError as exc:
        raise DomainError(database_error_message(exc)) from exc
    finally:
        engine.dispose()
    described = f"PostgreSQL {version}, schema {revision or 'none'}"
    head = migrate.head_revision()
    if revision != head:
        described += f" (this program needs {head}: ask IT to run `clinic-scheduler db upgrade`)"
    return described
