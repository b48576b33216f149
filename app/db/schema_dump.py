"""The schema of a migrated database as SQL text: what schema.sql at the project root holds."""

import os
import re
import subprocess

from sqlalchemy import make_url

from app.db.connect import DatabaseTarget
from app.db.engine import conninfo


def _pg_dump_path() -> str:
    # The embedded server's wheel ships pg_dump; it can dump any server version it is not older than.
    from app.db.embedded import client_binary

    return str(client_binary("pg_dump"))


_NOISE = re.compile(r"^(--.*|SET .*|SELECT pg_catalog\.set_config.*|\\(un)?restrict .*)$")


def normalize(dump: str) -> str:
    """Drop comments, session settings and pg_dump's per-run restrict keys; squeeze blank lines."""
    lines = [line for line in dump.splitlines() if not _NOISE.match(line)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text + "\n"


def pg_dump_command(target: DatabaseTarget) -> tuple[list[str], dict[str, str]]:
    """pg_dump's arguments and environment: the password goes in the environment, where `ps` does not show it."""
    env = dict(os.environ)
    password = make_url(target.url).password
    if password is not None:
        env["PGPASSWORD"] = password
    return [_pg_dump_path(), "--schema-only", "--no-owner", conninfo(target.url, password=None)], env


def dump_schema(target: DatabaseTarget) -> str:
    command, env = pg_dump_command(target)
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return normalize(result.stdout)
