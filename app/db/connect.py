"""Which database a process talks to: DATABASE_URL or the config file, else the embedded server."""

from dataclasses import dataclass, field

from sqlalchemy import make_url
from sqlalchemy.exc import ProgrammingError

from app.config import Settings
from app.db.embedded import DATABASE_NAME, server_url, start_embedded_server
from app.db.engine import create_database, database_exists
from app.db.errors import duplicate_database


@dataclass(frozen=True)
class DatabaseTarget:
    url: str = field(repr=False)  # it carries the signed-in password
    description: str  # for people: "embedded (path)" or "host:port/db"
    embedded_server: object | None = None  # held so the embedded server stays up while we use it

    @property
    def is_embedded(self) -> bool:
        return self.embedded_server is not None


def describe_url(url: str) -> str:
    parsed = make_url(url)
    hosts = parsed.query.get("host")
    host = parsed.host or (",".join(hosts) if isinstance(hosts, tuple) else hosts) or "local socket"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{host}{port}/{parsed.database}"


def ensure_database(admin_url: str, name: str) -> None:
    if database_exists(admin_url, name):
        return
    try:
        create_database(admin_url, name)
    except ProgrammingError as exc:
        if not duplicate_database(exc):  # else another process created it a moment ago
            raise


def resolve_database(settings: Settings) -> DatabaseTarget:
    if settings.database_url:
        return DatabaseTarget(settings.database_url, describe_url(settings.database_url))
    server = start_embedded_server(settings.data_dir)
    ensure_database(server_url(server, "postgres"), DATABASE_NAME)
    return DatabaseTarget(server_url(server), f"embedded ({settings.data_dir / 'pgdata'})", server)
