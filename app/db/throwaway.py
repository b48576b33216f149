"""Throwaway databases on a real server (tests, the stress benchmark, the schema dump): never real data."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url

from app.db import migrate
from app.db.engine import create_database, drop_database, make_engine, with_database


def migrated_database(admin_url: str, prefix: str = "clinic_tmp") -> str:
    """Create a fresh database on the server behind `admin_url`, migrate it, and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create_database(admin_url, name)
    url = with_database(admin_url, name)
    engine = make_engine(url, pool_size=1)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return url


@contextmanager
def throwaway_database(admin_url: str, prefix: str = "clinic_tmp", template: str | None = None) -> Iterator[str]:
    """A database that exists for the `with` block only. With `template`, a fast copy of that database."""
    if template:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        create_database(admin_url, name, template=template)
        url = with_database(admin_url, name)
    else:
        url = migrated_database(admin_url, prefix)
    try:
        yield url
    finally:
        drop_database(admin_url, make_url(url).database)
