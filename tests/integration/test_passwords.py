"""Password verifiers come from libpq, for the server at hand (app.db.passwords); the sign-ins with them, SASLprep
and all, are in test_hostile_input.py."""

from sqlalchemy import text

from app.db.passwords import scram_verifier


def test_the_verifier_follows_the_servers_scram_iterations(engine):
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version_num")).scalar_one()
        assert scram_verifier(conn, "a password").startswith("SCRAM-SHA-256$4096:")  # the server's default
        if int(version) >= 160000:  # scram_iterations is new in PostgreSQL 16
            conn.execute(text("SET scram_iterations = 10000"))
            assert scram_verifier(conn, "a password").startswith("SCRAM-SHA-256$10000:")


def test_each_verifier_has_a_salt_of_its_own(engine):
    with engine.connect() as conn:
        first, second = (scram_verifier(conn, "the same password") for _ in range(2))
    assert first != second
