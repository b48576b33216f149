"""Settings: environment first, then the config files, then defaults.

Two TOML files are read, the site-wide one first, then the per-user one; the user's values win key by
key (inside the `[database]` table too)::

    site:  platformdirs.site_config_path("clinic-scheduler") / "config.toml"  (/etc/xdg/... on Linux)
    user:  platformdirs.user_config_path("clinic-scheduler") / "config.toml"  (~/.config/... on Linux)

`CLINIC_CONFIG`, when set, names the only file read (and the one written). `shared_workstation` and
`idle_lock_minutes` are IT's: where the site-wide file sets them, a user's file cannot change them. For example::

    clinic_timezone = "Europe/Berlin"
    booking_horizon_days = 180
    shared_workstation = true   # staff share this computer: the sign-in never offers the last person's name
    idle_lock_minutes = 5       # the desk locks after this long without input (10 by default, 0: never)

    [database]
    host = "db.clinic.lan"
    port = 5432
    name = "clinic"
    user = "clinic_desk"
    sslmode = "verify-full"
    sslrootcert = "/etc/ssl/certs/clinic-ca.pem"

or `database_url = "postgresql://clinic_desk@db.clinic.lan/clinic"` instead of the table (not both).
Passwords are never kept in a config file: libpq's pgpass file holds them, or the desk asks at start.

The clinic's name and address (printed sheets, reminders) and the e-mail reminders' mail server::

    clinic_name = "Praxis Dr. Weber"
    clinic_address = '''Hauptstraße 1
    10115 Berlin'''

    [reminders]
    host = "mail.clinic.lan"
    port = 587                 # 587 for starttls, 465 for ssl, 25 for none by default
    security = "starttls"      # starttls, ssl or none
    sender = "Praxis Dr. Weber <termine@praxis-weber.de>"
    user = "termine"           # optional: sign in to the mail server (the password is in the credential store)
    subject = "Your appointment at {clinic_name} on {date} at {time}"
    body = '''Dear {patient}, ...'''

The `[reminders]` table is taken whole from the last file that has one. Its password is never kept in a config
file either: the system's credential store holds it (`clinic-scheduler remind --store-password`), or it is asked.
"""

import os
import string
import tomllib
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app import APP_NAME
from app.windows_site import WHERE, installer_settings

DEFAULT_TIMEZONE = "UTC"
DEFAULT_HORIZON_DAYS = 365
MAX_HORIZON_DAYS = 3650
DEFAULT_IDLE_LOCK_MINUTES = 10
MAX_IDLE_LOCK_MINUTES = 24 * 60


class ConfigError(Exception):
    """The configuration cannot be used; the message says which setting and why, `origin` where it was set."""

    origin: str | None = None


DEFAULT_ORIGIN = "the default"


REMINDER_PLACEHOLDERS = (
    "clinic_name", "clinic_address", "patient", "first_name", "last_name", "date", "weekday", "time", "provider",
    "type",
)  # fmt: skip
DEFAULT_REMINDER_SUBJECT = "Your appointment at {clinic_name} on {date} at {time}"
DEFAULT_REMINDER_BODY = """Dear {patient},

this is a reminder of your appointment ({type}) with {provider} on {weekday}, {date} at {time}.

If you cannot come, please let us know as soon as you can.

{clinic_name}
{clinic_address}
"""
SECURITIES = ("starttls", "ssl", "none")
DEFAULT_SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# The mail server's answer is awaited this long per step; under the database's 30 s limit for a transaction left
# idle, since a reminder's row stays locked while its message is sent.
DEFAULT_SMTP_TIMEOUT_SECONDS = 10
MAX_SMTP_TIMEOUT_SECONDS = 20


class ReminderSettings(BaseModel):
    """The `[reminders]` table: the clinic's mail server and the message's template (never the password)."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int
    security: Literal["starttls", "ssl", "none"] = "starttls"
    sender: str
    user: str | None = None  # None: the server takes the clinic's messages without signing in
    subject: str = DEFAULT_REMINDER_SUBJECT
    body: str = DEFAULT_REMINDER_BODY
    timeout_seconds: int = DEFAULT_SMTP_TIMEOUT_SECONDS


class Settings(BaseModel):
    """The settings this desk runs with, checked, and where each came from (`origins`: for people, e.g.
    "CLINIC_TIMEZONE in the environment", "clinic_timezone in /etc/xdg/clinic-scheduler/config.toml", "the
    default"). `load_settings` makes them; the command line, the desktop and `doctor` all read them so."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    database_url: str | None  # None: use the embedded server
    clinic_timezone: ZoneInfo
    booking_horizon_days: int
    data_dir: Path
    shared_workstation: bool = False  # several people use this desk: the sign-in does not offer the last one's name
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES  # the desk locks after this long without input; 0: never
    clinic_name: str = ""  # on printed sheets and in reminders
    clinic_address: str = ""  # may hold several lines
    reminders: ReminderSettings | None = None  # None: e-mail reminders are not set up on this desk
    origins: dict[str, str] = {}

    @property
    def uses_embedded_server(self) -> bool:
        return self.database_url is None

    def origin(self, key: str) -> str:
        return self.origins.get(key, DEFAULT_ORIGIN)


CONFIG_FILE_NAME = "config.toml"
# The keys a config file may hold, and those of its `[database]` table (a password is refused, not unknown).
CONFIG_KEYS = (
    "database_url",
    "database",
    "clinic_timezone",
    "booking_horizon_days",
    "shared_workstation",
    "idle_lock_minutes",
    "clinic_name",
    "clinic_address",
    "reminders",
)
# IT's settings for the workstation: the site-wide file's value stands over a user's.
SITE_KEYS = ("shared_workstation", "idle_lock_minutes")
DATABASE_KEYS = ("host", "port", "name", "user", "sslmode", "sslrootcert", "target_session_attrs")
# What a desk asks of the server it connects to, among several hosts (libpq's target_session_attrs): a desk that
# writes wants the primary ("read-write", the default with several hosts); a manager's desk may read from a standby.
SESSION_ATTRS = ("read-write", "primary", "prefer-standby", "standby", "read-only", "any")
REMINDER_KEYS = ("host", "port", "security", "sender", "user", "subject", "body", "timeout_seconds")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
PASSWORD_ADVICE = (
    "passwords are never kept in the config file: take it out and put it in this user's pgpass file"
    r" (~/.pgpass, or %APPDATA%\postgresql\pgpass.conf on Windows), or leave it out and be asked at start"
)
SMTP_PASSWORD_ADVICE = (
    "the mail server's password is never kept in the config file: take it out and store it in the system's"
    " credential store with `clinic-scheduler remind --store-password`, or leave it out and be asked"
)


def password_advice(key: str) -> str:
    """What to do with a password found in a config file at `key` (what `find_password` returned)."""
    return SMTP_PASSWORD_ADVICE if key.startswith("reminders.") else PASSWORD_ADVICE


def site_config_file() -> Path:
    """The site-wide config file (IT's, for every user of this machine), read first."""
    return platformdirs.site_config_path(APP_NAME, appauthor=False) / CONFIG_FILE_NAME


def user_config_file() -> Path:
    """This user's config file, read after the site-wide one; its values win."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / CONFIG_FILE_NAME


def config_file_path() -> Path:
    """The per-user config file, the one the program writes: `CLINIC_CONFIG` when set."""
    return Path(os.environ.get("CLINIC_CONFIG") or user_config_file())


def config_file_paths() -> list[Path]:
    """The config files in reading order (later ones win): only `CLINIC_CONFIG` when it is set."""
    if os.environ.get("CLINIC_CONFIG"):
        return [config_file_path()]
    return [site_config_file(), user_config_file()]


_DATABASE_KEYS = {"database", "database_url"}  # the two ways to name the database; one per file


# Run as root, the embedded server runs as a system account that may not enter root's home (app.db.server_account):
# root's embedded data lives here instead.
ROOT_DATA_DIR = Path("/var/lib") / APP_NAME


def user_data_dir() -> Path:
    if os.environ.get("CLINIC_DATA_DIR"):
        return Path(os.environ["CLINIC_DATA_DIR"])
    if os.name != "nt" and os.geteuid() == 0:
        return ROOT_DATA_DIR
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def is_configured() -> bool:
    """True when this desk's database has been chosen: DATABASE_URL, a database in a config file or given to the
    Windows installer, or a per-user file (the first-run dialog writes one even for the embedded database). A
    site-wide file that only sets the time zone does not choose for the desk: the first-run dialog still asks."""
    if os.environ.get("DATABASE_URL") or config_file_path().exists():
        return True
    return any(_DATABASE_KEYS & set(file.data) for file in read_config_files())


def normalize_database_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` as well as the SQLAlchemy form; return the psycopg 3 form."""
    if not isinstance(url, str):
        raise ConfigError(f"database_url: expected a postgresql:// URL, got {url!r}")
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            normalized = _hosts_in_query("postgresql+psycopg://" + url[len(prefix) :])
            try:
                make_url(normalized)  # parsing it is the check: a port like "abc" fails here
            except (ValueError, ArgumentError) as exc:
                raise ConfigError(f"database_url: not a valid URL ({exc})") from exc
            return normalized
    raise ConfigError(f"database_url: expected a postgresql:// URL, got {url.split(':', 1)[0]}://")


def _hosts_in_query(url: str) -> str:
    """libpq's URL with several hosts (`postgresql://desk@db1:5432,db2/clinic`) as SQLAlchemy takes it: the hosts in
    the query, and a desk that writes asking for the primary unless the URL says otherwise."""
    parts = urlsplit(url)
    user, at, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return url
    query = [("host", host) for host in hosts.split(",") if host] + parse_qsl(parts.query)
    if "target_session_attrs" not in dict(query):
        query.append(("target_session_attrs", "read-write"))
    return urlunsplit((parts.scheme, user + at, parts.path, urlencode(query), parts.fragment))


def find_password(data: dict) -> str | None:
    """The key of a config file's contents that holds a password (`database.password`, `database_url`), if any."""
    table = data.get("database")
    if isinstance(table, dict) and "password" in table:
        return "database.password"
    reminders = data.get("reminders")
    if isinstance(reminders, dict) and "password" in reminders:
        return "reminders.password"
    url = data.get("database_url")
    if isinstance(url, str):
        try:
            parsed = make_url(url)
        except Exception:  # not a URL at all: load_settings says so
            return None
        if parsed.password or {"password", "sslpassword"} & set(parsed.query):
            return "database_url"
    return None


def parse_config_file(path: Path) -> dict:
    """A config file's TOML as it is (OSError if it cannot be read, ValueError if it is not TOML or not UTF-8)."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def read_config_file(path: Path) -> dict:
    """One config file's contents, {} when there is none; a password in it is a ConfigError."""
    if not path.exists():
        return {}
    try:
        data = parse_config_file(path)
    except (OSError, ValueError) as exc:  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        raise ConfigError(f"config file {path}: {exc}") from exc
    key = find_password(data)
    if key is not None:
        raise ConfigError(f"{key} in {path}: {password_advice(key)}")
    return data


def merge_config(files: list[dict]) -> dict:
    """The files' contents merged key by key, later files winning (inside the `[database]` table too)."""
    merged: dict = {}
    for data in files:
        for key, value in data.items():
            if key == "database" and isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def _text(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty text, got {value!r}")
    return value


def _port(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ConfigError(f"database.port: expected a port number from 1 to 65535, got {value!r}")
    return value


def _hosts(value: object) -> list[str]:
    """One host, or several (a primary and its standbys): `host = "db1"` or `host = ["db1", "db2:5433"]`."""
    if isinstance(value, list):
        if not value:
            raise ConfigError("database.host: expected a host or a list of hosts, got an empty list")
        return [_text(f"database.host[{index}]", name).strip() for index, name in enumerate(value)]
    return [_text("database.host", value).strip()]


def _session_attrs(value: object) -> str:
    if value not in SESSION_ATTRS:
        raise ConfigError(f"database.target_session_attrs: expected one of {', '.join(SESSION_ATTRS)}, got {value!r}")
    return value


def _sslmode(value: object) -> str:
    if value not in SSLMODES:
        raise ConfigError(f"database.sslmode: expected one of {', '.join(SSLMODES)}, got {value!r}")
    return value


def database_url_from_table(table: object) -> str:
    """The psycopg URL of a `[database]` table (host, port, name, user, sslmode, sslrootcert)."""
    if not isinstance(table, dict):
        raise ConfigError(f"database: expected a table ([database] with {', '.join(DATABASE_KEYS)}), got {table!r}")
    if "password" in table:
        raise ConfigError(f"database.password: {PASSWORD_ADVICE}")
    for key in ("host", "name"):
        if key not in table:
            raise ConfigError(f"database.{key}: missing; [database] needs at least host and name")
    hosts = _hosts(table["host"])
    port = _port(table["port"]) if "port" in table else None
    query: dict[str, str | list[str]] = {}
    host = hosts[0]
    if len(hosts) > 1:  # libpq tries them in order, and takes the one that is what the desk asks for
        query["host"] = [f"{name}:{port}" if port and ":" not in name else name for name in hosts]
        query["target_session_attrs"] = "read-write"
        host, port = None, None
    elif host.startswith("/"):  # a unix socket's folder: libpq takes it from the query
        query["host"], host = host, None
    if "target_session_attrs" in table:
        query["target_session_attrs"] = _session_attrs(table["target_session_attrs"])
    if "sslmode" in table:
        query["sslmode"] = _sslmode(table["sslmode"])
    if "sslrootcert" in table:
        query["sslrootcert"] = os.path.expanduser(_text("database.sslrootcert", table["sslrootcert"]))
    url = URL.create(
        "postgresql+psycopg",
        username=_text("database.user", table["user"]) if "user" in table else None,
        host=host,
        port=port,
        database=_text("database.name", table["name"]),
        query=query,
    )
    return url.render_as_string(hide_password=False)


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ConfigError(f"clinic_timezone: {name!r} is not an IANA time zone name (e.g. Europe/Berlin)") from exc


def configured_timezone(settings: Settings | None = None) -> ZoneInfo | None:
    """The clinic's zone as the environment or a config file sets it; None where nothing does (UTC then applies)."""
    settings = settings or load_settings()
    return settings.clinic_timezone if settings.origin("clinic_timezone") != DEFAULT_ORIGIN else None


def save_user_timezone(zone: ZoneInfo) -> Path:
    """Set the clinic's zone in the per-user config file, which is created if missing (and keeps what else it says)."""
    path = config_file_path()
    rest = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"clinic_timezone = {_toml_value(zone.key)}\n{rest}", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be written: {exc.strerror or exc}") from exc
    return path


def _horizon(value: object) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"booking_horizon_days: expected a whole number of days, got {value!r}") from exc
    if not 1 <= days <= MAX_HORIZON_DAYS:
        raise ConfigError(f"booking_horizon_days: must be 1 to {MAX_HORIZON_DAYS} (ten years), got {days}")
    return days


def _shared_workstation(value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"shared_workstation: expected true or false, got {value!r}")
    return value


def _idle_lock_minutes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_IDLE_LOCK_MINUTES:
        raise ConfigError(
            f"idle_lock_minutes: expected a whole number of minutes from 0 (never lock) to {MAX_IDLE_LOCK_MINUTES},"
            f" got {value!r}"
        )
    return value


def _clinic_text(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a text, got {value!r}")
    return value.strip()


def _template(key: str, value: object) -> str:
    """A subject or body: text whose {placeholders} are the known ones (a literal brace is doubled: {{ }})."""
    text = _text(key, value)
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc} (write a literal brace twice: {{{{ or }}}})") from None
    unknown = sorted(names - set(REMINDER_PLACEHOLDERS))
    if unknown:
        raise ConfigError(
            f"{key}: unknown placeholder {', '.join('{' + name + '}' for name in unknown)};"
            f" the placeholders are {', '.join('{' + name + '}' for name in REMINDER_PLACEHOLDERS)}"
        )
    return text


def _smtp_port(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ConfigError(f"reminders.port: expected a port number from 1 to 65535, got {value!r}")
    return value


def _sender(value: object) -> str:
    text = _text("reminders.sender", value)
    if "@" not in parseaddr(text)[1] or "\n" in text or "\r" in text:
        raise ConfigError(f"reminders.sender: expected an e-mail address (Name <address@domain>), got {value!r}")
    return text


def _smtp_timeout(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SMTP_TIMEOUT_SECONDS:
        raise ConfigError(
            f"reminders.timeout_seconds: expected a whole number of seconds from 1 to {MAX_SMTP_TIMEOUT_SECONDS},"
            f" got {value!r}"
        )
    return value


def _reminders(values: dict) -> ReminderSettings | None:
    return reminder_settings(values["reminders"], values.get("clinic_name")) if "reminders" in values else None


def reminder_settings(table: object, clinic_name: object = None) -> ReminderSettings:
    """The checked `[reminders]` table; a ConfigError names the key (`reminders.host`, ...) and what is wrong."""
    if not isinstance(table, dict):
        raise ConfigError(f"reminders: expected a table ([reminders] with {', '.join(REMINDER_KEYS)}), got {table!r}")
    if "password" in table:
        raise ConfigError(f"reminders.password: {SMTP_PASSWORD_ADVICE}")
    unknown = sorted(set(table) - set(REMINDER_KEYS))
    if unknown:
        raise ConfigError(f"reminders.{unknown[0]}: unknown key; the keys are {', '.join(REMINDER_KEYS)}")
    for key in ("host", "sender"):
        if key not in table:
            raise ConfigError(f"reminders.{key}: missing; [reminders] needs at least host and sender")
    if not isinstance(clinic_name, str) or not clinic_name.strip():
        raise ConfigError('clinic_name: missing; the reminders name the clinic (clinic_name = "..." at the top)')
    security = table.get("security", "starttls")
    if security not in SECURITIES:
        raise ConfigError(f"reminders.security: expected one of {', '.join(SECURITIES)}, got {security!r}")
    return ReminderSettings(
        host=_text("reminders.host", table["host"]).strip(),
        port=_smtp_port(table["port"]) if "port" in table else DEFAULT_SMTP_PORTS[security],
        security=security,
        sender=_sender(table["sender"]),
        user=_text("reminders.user", table["user"]) if "user" in table else None,
        subject=_template("reminders.subject", table.get("subject", DEFAULT_REMINDER_SUBJECT)),
        body=_template("reminders.body", table.get("body", DEFAULT_REMINDER_BODY)),
        timeout_seconds=_smtp_timeout(table.get("timeout_seconds", DEFAULT_SMTP_TIMEOUT_SECONDS)),
    )


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    data: dict
    site: bool  # IT's site-wide file: its SITE_KEYS stand over the user's


def read_config_files() -> list[ConfigFile]:
    """The config files there are, in reading order (site-wide, then this user's); each read once. On Windows, what
    the installer set for the machine comes first, as IT's too (`CLINIC_CONFIG` replaces it as well)."""
    site = site_config_file()
    files = [ConfigFile(path, read_config_file(path), path == site) for path in config_file_paths()]
    installer = {} if os.environ.get("CLINIC_CONFIG") else installer_settings()
    if (key := find_password(installer)) is not None:  # as in a file: never a password
        raise ConfigError(f"{key} in {WHERE}: {password_advice(key)}")
    return [ConfigFile(Path(str(WHERE)), installer, True), *files] if installer else files


class _Gathered:
    """Each setting's raw value and where it came from: the environment over the user's file over the site-wide
    file over the default; IT's keys (SITE_KEYS) from the site-wide file over the user's."""

    def __init__(self, files: list[ConfigFile]):
        self.values: dict = {}
        self.origins: dict[str, str] = {}
        for file in files:
            if "database_url" in file.data and "database" in file.data:
                raise ConfigError(f"database_url and [database] are both set in {file.path}: keep one of them")
        for key in ("clinic_timezone", "booking_horizon_days", "clinic_name", "clinic_address", "reminders"):
            self._take_from_files(key, files)
        for key in SITE_KEYS:
            self._take_from_files(key, sorted(files, key=lambda file: file.site))  # the site-wide file last: it wins
        for env, key in (
            ("CLINIC_TIMEZONE", "clinic_timezone"),
            ("CLINIC_BOOKING_HORIZON_DAYS", "booking_horizon_days"),
        ):
            if os.environ.get(env):
                self._set(key, os.environ[env], f"{env} in the environment")
        self._take_database(files)

    def _set(self, key: str, value: object, origin: str) -> None:
        self.values[key] = value
        self.origins[key] = origin

    def _take_from_files(self, key: str, files: list[ConfigFile]) -> None:
        for file in files:
            if key in file.data:
                self._set(key, file.data[key], f"{key} in {file.path}")

    def _take_database(self, files: list[ConfigFile]) -> None:
        """How the files name the database, the user's over the site's: a database_url replaces whatever came
        before; [database] tables merge key by key (IT sets the server, a user's file may set only the user)."""
        if os.environ.get("DATABASE_URL"):  # the environment may carry a password: the admin's choice
            self._set("database_url", os.environ["DATABASE_URL"], "DATABASE_URL in the environment")
            return
        for file in files:
            if "database_url" in file.data:
                self.values.pop("database", None)
                self._set("database_url", file.data["database_url"], f"database_url in {file.path}")
            elif "database" in file.data:
                self.values.pop("database_url", None)
                table, earlier = file.data["database"], self.values.get("database")
                if isinstance(table, dict) and isinstance(earlier, dict):
                    table = {**earlier, **table}
                self._set("database", table, f"[database] in {file.path}")
                self.origins["database_url"] = self.origins["database"]
                for key in file.data["database"] if isinstance(file.data["database"], dict) else ():
                    self.origins[f"database.{key}"] = f"database.{key} in {file.path}"

    def database_url(self) -> str | None:
        if "database" in self.values:
            return database_url_from_table(self.values["database"])
        if self.values.get("database_url"):
            return normalize_database_url(self.values["database_url"])
        return None

    def origin_of(self, error: ConfigError) -> str:
        """Where the setting an error names ("booking_horizon_days: ...") was set."""
        key = str(error).split(":", 1)[0]
        return self.origins.get(key) or self.origins.get(key.partition(".")[0]) or DEFAULT_ORIGIN


def load_settings() -> Settings:
    """The settings, checked; a ConfigError names the setting, says what is wrong and (`origin`) where it was set."""
    gathered = _Gathered(read_config_files())
    values = gathered.values
    try:
        return Settings(
            database_url=gathered.database_url(),
            clinic_timezone=time_zone(values.get("clinic_timezone", DEFAULT_TIMEZONE)),
            booking_horizon_days=_horizon(values.get("booking_horizon_days", DEFAULT_HORIZON_DAYS)),
            data_dir=user_data_dir(),
            shared_workstation=_shared_workstation(values.get("shared_workstation", False)),
            idle_lock_minutes=_idle_lock_minutes(values.get("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES)),
            clinic_name=_clinic_text("clinic_name", values.get("clinic_name", "")),
            clinic_address=_clinic_text("clinic_address", values.get("clinic_address", "")),
            reminders=_reminders(values),
            origins=gathered.origins,
        )
    except ConfigError as exc:
        exc.origin = gathered.origin_of(exc)
        raise


# --- writing the per-user file (the first-run dialog) ------------------------------------------------

WRITTEN_DATABASE_KEYS = ("host", "port", "name", "user", "sslmode", "sslrootcert")
REMINDER_KEYS = ("host", "port", "security", "sender", "user", "subject", "body", "timeout_seconds")


def _toml_value(value: str | int) -> str:
    """A TOML integer or basic string: quotes, backslashes and control characters escaped."""
    if isinstance(value, int):
        return str(value)
    escaped = []
    for char in value:
        if char in ('"', "\\"):
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def write_user_config(*, database: dict | None, clinic_timezone: str) -> Path:
    """Write the per-user config file (folders created, any earlier file replaced) and return its path.

    `database`: the server's host, port, name, user, sslmode (and sslrootcert), or None for the embedded
    server (nothing about the database is written). A password is refused: it is never written. A bad
    value, or a file that cannot be written, is a ConfigError.
    """
    lines = [f"clinic_timezone = {_toml_value(time_zone(clinic_timezone).key)}"]
    if database is not None:
        if "password" in database:
            raise ConfigError(f"database.password: {PASSWORD_ADVICE}")
        unknown = sorted(set(database) - set(WRITTEN_DATABASE_KEYS))
        if unknown:
            raise ConfigError(f"database: unknown keys {', '.join(unknown)}; the keys are {', '.join(DATABASE_KEYS)}")
        table = {key: database[key] for key in WRITTEN_DATABASE_KEYS if database.get(key) not in (None, "")}
        database_url_from_table(table)  # the same checks as when it is read back
        lines += ["", "[database]", *(f"{key} = {_toml_value(value)}" for key, value in table.items())]
    path = config_file_path()
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be written: {exc.strerror or exc}") from exc
    return path
