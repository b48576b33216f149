"""Settings: environment first, then the config file, then defaults.

The config file is TOML at `<user config dir>/clinic-scheduler/config.toml`, for example::

    database_url = "postgresql://clinic@db.clinic.lan/clinic"
    clinic_timezone = "Europe/Berlin"
    booking_horizon_days = 180
"""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from app import APP_NAME

DEFAULT_TIMEZONE = "UTC"
DEFAULT_HORIZON_DAYS = 365


class ConfigError(Exception):
    """The configuration cannot be used; the message says which setting and why."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None  # None: use the embedded server
    clinic_timezone: ZoneInfo
    booking_horizon_days: int
    data_dir: Path

    @property
    def uses_embedded_server(self) -> bool:
        return self.database_url is None


def config_file_path() -> Path:
    return Path(os.environ.get("CLINIC_CONFIG") or platformdirs.user_config_path(APP_NAME) / "config.toml")


def user_data_dir() -> Path:
    return Path(os.environ.get("CLINIC_DATA_DIR") or platformdirs.user_data_path(APP_NAME))


def normalize_database_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` as well as the SQLAlchemy form; return the psycopg 3 form."""
    if not isinstance(url, str):
        raise ConfigError(f"database_url: expected a postgresql:// URL, got {url!r}")
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ConfigError(f"database_url: expected a postgresql:// URL, got {url.split(':', 1)[0]}://")


def _read_config_file(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path}: {exc}") from exc


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ConfigError(f"clinic_timezone: {name!r} is not an IANA time zone name (e.g. Europe/Berlin)") from exc


def _horizon(value: object) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"booking_horizon_days: expected a whole number of days, got {value!r}") from exc
    if days < 1:
        raise ConfigError(f"booking_horizon_days: must be at least 1, got {days}")
    return days


def load_settings() -> Settings:
    file = _read_config_file(config_file_path())

    def setting(env_name: str, key: str, default: object = None) -> object:
        value = os.environ.get(env_name)
        return value if value else file.get(key, default)

    url = setting("DATABASE_URL", "database_url")
    return Settings(
        database_url=normalize_database_url(url) if url else None,
        clinic_timezone=_timezone(setting("CLINIC_TIMEZONE", "clinic_timezone", DEFAULT_TIMEZONE)),
        booking_horizon_days=_horizon(
            setting("CLINIC_BOOKING_HORIZON_DAYS", "booking_horizon_days", DEFAULT_HORIZON_DAYS)
        ),
        data_dir=user_data_dir(),
    )
