"""Alembic migrations are the source of truth; schema.sql is their dump and must not drift."""

import subprocess
from pathlib import Path

from sqlalchemy import make_url, text

from app.db import migrate
from app.db.connect import DatabaseTarget
from app.db.engine import make_engine
from app.db.schema_dump import dump_schema, pg_dump_command

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


def test_pg_dump_gets_the_password_from_its_environment_not_its_command_line(staff_login):
    """`ps` shows every user a program's arguments; the environment is the user's own."""
    _name, url = staff_login("manager")
    password = make_url(url).password
    command, env = pg_dump_command(DatabaseTarget(url, "test"))
    assert password and not any(password in argument for argument in command)
    assert env["PGPASSWORD"] == password
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr  # and pg_dump signs in with it
    assert "CREATE TABLE public.appointments" in result.stdout
