"""A desk's session settings: on every new connection, before anything else runs on it, and a connection lost while
they are set is a lost connection like any other (retried), not an error of its own."""

import psycopg
from sqlalchemy import event, text

from app.db.engine import conninfo, make_engine, session_settings
from tests.conftest import make_clinic


def settings_of(conn) -> dict[str, str]:
    names = list(session_settings())
    return dict(conn.execute(text("SELECT name, setting FROM pg_settings WHERE name = ANY(:n)"), {"n": names}).all())


def test_every_new_connection_has_the_desks_session_settings(db_url):
    engine = make_engine(db_url)
    try:
        with engine.connect() as first, engine.connect() as second:  # two sessions of the pool
            assert settings_of(first) == settings_of(second) == session_settings()
    finally:
        engine.dispose()


def test_a_connection_lost_while_its_settings_are_set_is_retried(db_url):
    engine = make_engine(db_url)
    ended: list[int] = []

    def end_the_first_session(dbapi_connection, _record) -> None:
        # Runs before the settings are set (inserted ahead of them): another session ends this one, as a failover
        # or a restarted server would, right after it signed in.
        if not ended:
            ended.append(dbapi_connection.info.backend_pid)
            with psycopg.connect(conninfo(db_url), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [ended[0]])

    event.listen(engine, "connect", end_the_first_session, insert=True)
    try:
        clinic = make_clinic(engine)
        pid, settings = clinic.uow.read(
            lambda conn: (conn.execute(text("SELECT pg_backend_pid()")).scalar_one(), settings_of(conn))
        )
    finally:
        engine.dispose()
    assert ended and pid != ended[0], "the read ran on a new connection after the first one was ended"
    assert settings == session_settings()
