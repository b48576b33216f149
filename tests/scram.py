"""SCRAM-SHA-256 password verifiers in plain Python, for tests that need one with no connection at hand (a role
made in one statement, a verifier to corrupt on purpose). The product asks libpq (app.db.passwords).

The verifier is what PostgreSQL stores for a SCRAM password (`rolpassword`); `CREATE ROLE ... PASSWORD
'SCRAM-SHA-256$...'` stores it as given. The password is prepared with SASLprep (RFC 4013) as PostgreSQL and
libpq do, and used as raw bytes where SASLprep refuses it, as they do too.
"""

import base64
import hashlib
import hmac
import os
import stringprep
import unicodedata

ITERATIONS = 4096  # PostgreSQL's default scram_iterations


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _prohibited(char: str) -> bool:
    return any(
        check(char)
        for check in (
            stringprep.in_table_a1,  # unassigned in Unicode 3.2
            stringprep.in_table_c12,
            stringprep.in_table_c21_c22,
            stringprep.in_table_c3,
            stringprep.in_table_c4,
            stringprep.in_table_c5,
            stringprep.in_table_c6,
            stringprep.in_table_c7,
            stringprep.in_table_c8,
            stringprep.in_table_c9,
        )
    )


def saslprep(password: str) -> bytes:
    """The bytes PostgreSQL hashes for `password`."""
    if password.isascii():
        return password.encode("ascii")  # ASCII goes through unchanged (PostgreSQL's fast path too)
    mapped = "".join(
        " " if stringprep.in_table_c12(char) else char for char in password if not stringprep.in_table_b1(char)
    )
    prepared = unicodedata.normalize("NFKC", mapped)
    right_to_left = [stringprep.in_table_d1(char) for char in prepared]
    bidi_ok = not any(right_to_left) or (
        right_to_left[0] and right_to_left[-1] and not any(stringprep.in_table_d2(char) for char in prepared)
    )
    if not prepared or any(_prohibited(char) for char in prepared) or not bidi_ok:
        return password.encode("utf-8")
    return prepared.encode("utf-8")


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"
