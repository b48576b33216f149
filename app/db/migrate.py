"""Alembic, driven from code: the migrations folder ships inside the package."""

from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


# The clinic's zone, for the database's own check of working hours (migration 0008); the first one recorded stays.
_RECORD_ZONE = text("INSERT INTO clinic_settings (time_zone) VALUES (:zone) ON CONFLICT (only_row) DO NOTHING")


def upgrade(engine: Engine, revision: str = "head", *, zone: ZoneInfo | None = None) -> None:
    """Migrate to `revision`; at the head, also record `zone` as the clinic's if none is recorded yet."""
    with engine.begin() as conn:
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        if zone is not None and revision == "head":
            conn.execute(_RECORD_ZONE, {"zone": zone.key})


def recorded_zone(conn: Connection) -> str | None:
    """The clinic's zone as the database knows it (None before migration 0008 records one)."""
    return conn.execute(text("SELECT time_zone FROM clinic_settings")).scalar_one_or_none()


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        config = _config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


class SchemaState(Enum):
    CURRENT = "current"  # this program's revision
    OLDER = "older"  # behind this program (or empty): `db upgrade` brings it up
    NEWER = "newer"  # a revision this program does not know: a newer program upgraded it


def schema_state(current: str | None) -> SchemaState:
    """Where the database's revision stands against this program's."""
    if current == head_revision():
        return SchemaState.CURRENT
    return SchemaState.NEWER if current is not None and not is_known(current) else SchemaState.OLDER


def is_known(revision: str) -> bool:
    """Whether this program's migrations include `revision` (a database ahead of the program has others)."""
    return revision in {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return revision_of(conn)


def revision_of(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()
