"""SCRAM-SHA-256 password verifiers, computed on this computer so a plain password never travels to the server.

libpq computes them (PQencryptPasswordConn): it prepares the password with SASLprep as the server does, and uses
the server's `scram_iterations`. `CREATE ROLE ... PASSWORD 'SCRAM-SHA-256$...'` stores the verifier as given.
"""

from sqlalchemy import Connection


def scram_verifier(conn: Connection, password: str) -> str:
    """The verifier the server stores for `password`, computed by libpq for this connection's server."""
    pgconn = conn.connection.driver_connection.pgconn
    # The user name only salts MD5; SCRAM draws a random salt of its own.
    return pgconn.encrypt_password(password.encode(), b"", b"scram-sha-256").decode("ascii")
