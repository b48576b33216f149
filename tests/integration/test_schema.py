"""Alembic migrations are the source of truth; schema.sql is their dump and must not drift."""

from pathlib import Path

from sqlalchemy import text

from app.db import migrate
from app.db.connect import DatabaseTarget
from app.db.engine import make_engine
from app.db.schema_dump import dump_schema

SCHEMA_SQL = Path(__file__).parents[2] / "schema.sql"


def test_schema_sql_matches_migrations(db_url):
    dumped = dump_schema(DatabaseTarget(db_url, "test"))
    assert dumped == SCHEMA_SQL.read_text(encoding="utf-8"), (
        "schema.sql differs from the migrated schema: regenerate it with"
        " `clinic-scheduler db dump-schema --output schema.sql`"
    )


def test_migrations_downgrade_and_upgrade_cleanly(db_url):
    engine = make_engine(db_url, pool_size=1)
    try:
        migrate.downgrade(engine, "base")
        with engine.connect() as conn:
            tables = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one()
        assert tables == 1  # only alembic_version is left
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
    assert dump_schema(DatabaseTarget(db_url, "test")) == SCHEMA_SQL.read_text(encoding="utf-8")
