"""The tests' own SCRAM-SHA-256 verifiers (tests/scram.py) follow RFC 7677. Real logins with such passwords are in
tests/integration/test_hostile_input.py."""

import base64
import hashlib
import hmac
import re

import pytest

from tests.scram import ITERATIONS, saslprep, scram_verifier

VERIFIER = re.compile(r"^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$")


def parts(verifier: str) -> tuple[int, bytes, bytes, bytes]:
    """(iterations, salt, stored key, server key)."""
    match = VERIFIER.match(verifier)
    assert match, verifier
    iterations, *encoded = match.groups()
    return int(iterations), *(base64.b64decode(part, validate=True) for part in encoded)


def test_the_verifier_has_postgresqls_format():
    iterations, salt, stored_key, server_key = parts(scram_verifier("correct horse battery"))
    assert iterations == ITERATIONS == 4096
    assert len(salt) == 16
    assert len(stored_key) == len(server_key) == 32  # SHA-256 digests


def test_each_verifier_gets_a_new_salt():
    first, second = (parts(scram_verifier("same password")) for _ in range(2))
    assert first[1] != second[1]
    assert first[2] != second[2]


def test_a_fixed_salt_gives_a_fixed_verifier():
    salt = bytes(range(16))
    verifier = scram_verifier("same password", salt=salt)
    assert verifier == scram_verifier("same password", salt=salt)
    assert verifier != scram_verifier("same passwore", salt=salt)
    assert parts(verifier)[1] == salt
    assert parts(scram_verifier("same password", salt=salt, iterations=10))[0] == 10


def test_the_verifier_accepts_the_rfc_7677_exchange():
    """RFC 7677's SCRAM-SHA-256 example (user "user", password "pencil"): a server holding our verifier checks
    the client's proof and answers with the signature the RFC shows."""
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    _, _, stored_key, server_key = parts(scram_verifier("pencil", salt=salt, iterations=4096))
    client_first = "n=user,r=rOprNGfwEbeRWgbNEkqO"
    server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    client_final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    auth_message = f"{client_first},{server_first},{client_final}".encode()
    proof = base64.b64decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")

    client_signature = hmac.new(stored_key, auth_message, "sha256").digest()
    client_key = bytes(a ^ b for a, b in zip(proof, client_signature, strict=True))
    assert hashlib.sha256(client_key).digest() == stored_key
    server_signature = hmac.new(server_key, auth_message, "sha256").digest()
    assert base64.b64encode(server_signature).decode() == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


@pytest.mark.parametrize(
    ("password", "prepared"),
    [
        pytest.param("pencil", "pencil", id="ascii"),
        pytest.param("a\x07b \t\\'\"", "a\x07b \t\\'\"", id="ascii-with-controls-unchanged"),
        pytest.param("pass\u00a0w\u2003rd", "pass w rd", id="non-ascii-spaces-become-spaces"),
        pytest.param("I\u00adX", "IX", id="soft-hyphen-removed"),  # RFC 4013 section 3, example 1
        pytest.param("pass\u200bword\u2060é", "passwordé", id="zero-width-removed"),
        pytest.param("\u00aa", "a", id="nfkc-ordinal"),  # RFC 4013 example 3
        pytest.param("\u2168", "IX", id="nfkc-roman-numeral"),  # RFC 4013 example 5
        pytest.param("\ufb01le", "file", id="nfkc-ligature"),
        pytest.param("e\u0301t\u00e9", "\u00e9t\u00e9", id="nfkc-composes"),
        pytest.param("\u05e9\u05dc\u05d5\u05dd", "\u05e9\u05dc\u05d5\u05dd", id="rtl-only"),
        pytest.param("\u05e9\u00ad\u05dc", "\u05e9\u05dc", id="rtl-mapped"),
        pytest.param("\u0627123\u0628", "\u0627123\u0628", id="rtl-ends-with-rtl"),
    ],
)
def test_saslprep_prepares(password, prepared):
    assert saslprep(password) == prepared.encode("utf-8")


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("pässword\u0007", id="ascii-control-among-non-ascii"),  # RFC 4013 example 6, with company
        pytest.param("pässword\u0085", id="non-ascii-control"),
        pytest.param("secret\ue000é", id="private-use"),
        pytest.param("é\U000e0001", id="tagging-character"),
        pytest.param("abc\u202eé", id="bidi-override"),
        pytest.param("\u06271", id="rtl-then-digit"),  # RFC 4013 example 7
        pytest.param("abc \u05e9\u05dc\u05d5\u05dd", id="ltr-then-rtl"),
        pytest.param("a\u00ad\u05e9", id="bidi-invalid-is-not-mapped"),
        pytest.param("\u00ad", id="empty-after-mapping"),
    ],
)
def test_saslprep_falls_back_to_the_raw_bytes(password):
    """As PostgreSQL and libpq do when SASLprep refuses a password."""
    assert saslprep(password) == password.encode("utf-8")


def test_equivalent_passwords_share_a_verifier():
    salt = b"0123456789abcdef"
    assert scram_verifier("I\u00adX pass", salt=salt) == scram_verifier("IX pass", salt=salt)
    assert scram_verifier("\ufb01ne\u00a0day", salt=salt) == scram_verifier("fine day", salt=salt)
    assert scram_verifier("e\u0301t\u00e9", salt=salt) != scram_verifier("ete", salt=salt)
