"""Hostile text in every field a desk can type into: each value is stored exactly as typed (read back byte for
byte) or refused with InvalidInput naming the field, and nothing else in the database changes.

What each field does with what, and why:
- first_name, last_name: single-line names, at most 100 characters. SQL fragments, quotes and backslashes are
  data (every statement binds its values), so they are stored; so are right-to-left text, U+202E, emoji and
  combining marks (real names use all of them; nothing is normalised). Control characters (NUL, BEL, CR LF,
  TAB) are refused: a name is one line, and NUL cannot be stored in PostgreSQL text at all.
- phone: digits, spaces, + - ( ) . / only, at most 40 characters: everything here is refused.
- email (tested as "<value>@example.org"): anything without whitespace around one @ and a dot, at most 254
  characters. Whitespace (spaces, CR LF, TAB) and other control characters (NUL, BEL) are refused; quotes,
  backslashes, RTL text and emoji are stored.
- notes: free multi-line text up to 2000 characters: stored as typed, line breaks, tabs and BEL included;
  only NUL must be refused (it cannot be stored).
- staff name: becomes a PostgreSQL role name, so the database allows only 1 to 63 of a-z 0-9 . _ - starting
  with a letter: everything here is refused.
- staff password: never stored (only its SCRAM verifier is): any password of 8 characters or more must work
  for signing in, exactly as typed; one with NUL must be refused (libpq cannot send it, so no one could sign in).
"""

import uuid
from collections import Counter
from datetime import datetime

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db.engine import conninfo, make_engine, with_login
from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest, PatientIn, validate
from app.services import booking, staff
from app.services.patients import create_patient, update_patient
from tests.conftest import ZONE, drop_roles
from tests.integration.db_state import refused

TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
GRACE = {"first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1906-12-09", "phone": "+1 555 123 4567"}

HOSTILE = {
    "sql-drop": "'; DROP TABLE patients; --",
    "sql-delete": "Robert'); DELETE FROM appointments;--",
    "quotes": "d'Artagnan\"`x`",
    "backslashes": "back\\slash\\\\n\\'",
    "10000-chars": "x" * 10_000,
    "nul": "a\x00b",
    "bell": "a\x07b",
    "crlf": "a\r\nb",
    "tab": "a\tb",
    "arabic": "محمد",
    "hebrew": "דוד",
    "rtl-override": "abc\u202etxt.exe",
    "emoji": "👩🏽\u200d⚕️😀",
    "combining": "Zoe\u0308\u0301\u0327",
}

STORED = None
CONTROL = "must not contain control characters"
NOT_A_PHONE = "must be a phone number of 6 to 15 digits (spaces, +, -, ( ) allowed)"
NOT_AN_EMAIL = "must look like name@example.org"
REFUSED = ...  # must be refused naming the field (the message is not pinned)

NAME_OUTCOMES = {
    **dict.fromkeys(HOSTILE, STORED),
    "10000-chars": "String should have at most 100 characters",
    **dict.fromkeys(["nul", "bell", "crlf", "tab"], CONTROL),
}
OUTCOMES = {
    "first_name": NAME_OUTCOMES,
    "last_name": NAME_OUTCOMES,
    "phone": {**dict.fromkeys(HOSTILE, NOT_A_PHONE), "10000-chars": "String should have at most 40 characters"},
    "email": {
        **dict.fromkeys(HOSTILE, STORED),
        **dict.fromkeys(["sql-drop", "sql-delete", "crlf", "tab", "nul", "bell"], NOT_AN_EMAIL),
        "10000-chars": "String should have at most 254 characters",
    },
    "notes": {
        **dict.fromkeys(HOSTILE, STORED),
        "10000-chars": "String should have at most 2000 characters",
        "nul": REFUSED,
    },
}
STAFF_NAME = "use 1 to 63 lower-case letters, digits, dots, dashes or underscores, starting with a letter"


def typed(field: str, value: str) -> str:
    return f"{value}@example.org" if field == "email" else value


def cases(fields):
    return [
        pytest.param(field, typed(field, HOSTILE[key]), outcome, id=f"{field}-{key}")
        for field in fields
        for key, outcome in OUTCOMES[field].items()
    ]


def snapshot(engine) -> dict[str, Counter]:
    """Every row of every table, as text."""
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        return {name: Counter(conn.execute(text(f"SELECT t::text FROM {name} t")).scalars()) for name in tables}


def changes(before: dict[str, Counter], after: dict[str, Counter]) -> dict[str, tuple[int, int]]:
    """{table: (rows gone, rows new)} for the tables that changed (an updated row is one gone, one new)."""
    assert before.keys() == after.keys()
    return {
        name: (sum((before[name] - after[name]).values()), sum((after[name] - before[name]).values()))
        for name in before
        if before[name] != after[name]
    }


def stored_bytes(engine, table: str, column: str, row_id: int) -> bytes:
    with engine.connect() as conn:
        sql = text(f"SELECT convert_to({column}, 'UTF8') FROM {table} WHERE id = :id")
        return bytes(conn.execute(sql, {"id": row_id}).scalar_one())


def check_refusal(engine, field: str, outcome, call, *args, **kwargs) -> None:
    error = refused(engine, InvalidInput, call, *args, **kwargs)
    assert [e.field for e in error.errors] == [field]
    if outcome is not REFUSED:
        assert error.errors[0].message == outcome


# --- patients ---


@pytest.mark.parametrize(("field", "value", "outcome"), cases(["first_name", "last_name", "phone", "email"]))
def test_create_patient(clinic, engine, field, value, outcome):
    details = {**GRACE, field: value}
    if outcome is not STORED:
        check_refusal(engine, field, outcome, lambda: create_patient(clinic, validate(PatientIn, **details)))
        return
    before = snapshot(engine)
    patient = create_patient(clinic, validate(PatientIn, **details))
    assert changes(before, snapshot(engine)) == {"patients": (0, 1), "audit_log": (0, 1), "write_requests": (0, 1)}
    assert stored_bytes(engine, "patients", field, patient) == value.encode("utf-8")


@pytest.mark.parametrize(("field", "value", "outcome"), cases(["first_name", "last_name", "phone", "email"]))
def test_update_patient(clinic, engine, patient_id, field, value, outcome):
    details = {**GRACE, field: value}
    if outcome is not STORED:
        check_refusal(
            engine, field, outcome, lambda: update_patient(clinic, patient_id, validate(PatientIn, **details))
        )
        return
    before = snapshot(engine)
    update_patient(clinic, patient_id, validate(PatientIn, **details))
    assert changes(before, snapshot(engine)) == {"patients": (1, 1), "audit_log": (0, 1)}
    assert stored_bytes(engine, "patients", field, patient_id) == value.encode("utf-8")


@pytest.mark.parametrize(
    ("patient", "message"),
    [
        (999_999, "no patient with id 999999"),
        (0, "Input should be greater than 0"),
        ("1; DELETE FROM patients", "Input should be a valid integer"),
    ],
)
def test_update_patient_refuses_a_bad_patient_id(clinic, engine, patient_id, patient, message):
    check_refusal(engine, "patient_id", message, update_patient, clinic, patient, PatientIn(**GRACE))


# --- appointments ---


@pytest.mark.parametrize(("field", "value", "outcome"), cases(["notes"]))
def test_book_with_notes(clinic, engine, provider_id, patient_id, field, value, outcome):
    request = {"provider_id": provider_id, "patient_id": patient_id, "start": TUESDAY_9, field: value}
    if outcome is not STORED:
        check_refusal(engine, field, outcome, lambda: booking.book(clinic, validate(BookingRequest, **request)))
        return
    before = snapshot(engine)
    appointment = booking.book(clinic, validate(BookingRequest, **request))
    assert changes(before, snapshot(engine)) == {"appointments": (0, 1), "time_slots": (0, 1), "audit_log": (0, 1)}
    assert stored_bytes(engine, "appointments", field, appointment) == value.encode("utf-8")


# --- staff ---


@pytest.fixture
def new_staff(clinic, admin_url):
    """A factory: `new_staff(name, password)` adds a receptionist; every role it made is dropped afterwards."""
    made: list[str] = []

    def make(name: str, password: str) -> str:
        staff.add_staff(clinic, name, "receptionist", password)
        made.append(name)
        return name

    yield make
    drop_roles(admin_url, made)


@pytest.mark.parametrize("name", [pytest.param(value, id=key) for key, value in HOSTILE.items()])
def test_staff_name(clinic, engine, new_staff, name):
    # NUL is refused before the database sees it (it cannot be sent), with its own message.
    outcome = "must not contain a NUL character" if "\x00" in name else STAFF_NAME
    check_refusal(engine, "name", outcome, new_staff, name, "a long enough password")


# Well-formed names the database keeps for itself (pg_*, PUBLIC, NONE and the SQL keywords for the current role
# cannot be role names) or for the clinic's groups.
RESERVED_STAFF_NAMES = ["pg_abc", "public", "none", "current_user", "session_user", "current_role", "clinic_admin"]


@pytest.mark.parametrize("name", RESERVED_STAFF_NAMES)
def test_staff_names_reserved_by_the_database_are_refused(clinic, engine, new_staff, name):
    def role():  # (may log in, member of) of a role by that name; None if there is none
        with engine.connect() as conn:
            sql = text(
                "SELECT rolcanlogin, ARRAY(SELECT roleid::regrole::text FROM pg_auth_members WHERE member = r.oid)"
                " FROM pg_roles r WHERE rolname = :n"
            )
            found = conn.execute(sql, {"n": name}).one_or_none()
            return None if found is None else tuple(found)

    before = role()
    check_refusal(engine, "name", f'"{name}" is reserved by the database', new_staff, name, "a long enough password")
    assert role() == before, "a role was created or changed"


def desk_login(db_url: str, name: str, password: str) -> str:
    """Sign in as a desk does (its engine); return who the server says we are."""
    engine = make_engine(with_login(db_url, name, password))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT session_user")).scalar_one()
    finally:
        engine.dispose()


def listener_login(db_url: str, name: str, password: str) -> str:
    """Sign in as a desk's live listener does (a plain psycopg connection on conninfo)."""
    with psycopg.connect(conninfo(with_login(db_url, name, password))) as conn:
        return conn.execute("SELECT session_user").fetchone()[0]


# (password, another password that must work too because SASLprep makes it the same)
PASSWORDS = [
    pytest.param("كلمة-السر-سرية", None, id="arabic"),
    pytest.param("סיסמה-סודית", None, id="hebrew"),
    pytest.param("secret\u202eterces", None, id="rtl-override"),
    pytest.param("🔐 pässwörd 🔑", None, id="emoji-and-spaces"),
    pytest.param("  spaces around  ", None, id="leading-trailing-spaces"),
    pytest.param('it\'s "quoted" `x`', None, id="quotes"),
    pytest.param("back\\slash\\\\", None, id="backslashes"),
    pytest.param("p@ss:w/rd#?&=%20+", None, id="url-characters"),
    pytest.param("'; DROP ROLE postgres; --", None, id="sql"),
    pytest.param("x" * 10_000, None, id="10000-chars"),
    pytest.param("tab\tand\r\nnewline", None, id="ascii-controls"),
    pytest.param("I\u00adX-and-more", "IX-and-more", id="soft-hyphen"),
    pytest.param("no\u00a0break\u2003space", "no break space", id="non-ascii-spaces"),
    pytest.param("\ufb01ne-\u2168-day", "fine-IX-day", id="nfkc"),
    pytest.param("pässword\u0007", None, id="prohibited-raw-bytes"),
    pytest.param("abc \u05e9\u05dc\u05d5\u05dd", None, id="bidi-invalid-raw-bytes"),
]


@pytest.mark.parametrize("login", [desk_login, listener_login], ids=["desk", "listener"])
@pytest.mark.parametrize(("password", "equivalent"), PASSWORDS)
def test_staff_sign_in_with_exactly_their_password(db_url, new_staff, login, password, equivalent):
    name = new_staff(f"pw_{uuid.uuid4().hex[:8]}", password)
    assert login(db_url, name, password) == name
    if equivalent:
        assert login(db_url, name, equivalent) == name
    with pytest.raises((OperationalError, psycopg.OperationalError)):
        login(db_url, name, password + "x")


def test_a_password_with_nul_is_refused(clinic, engine, new_staff):
    check_refusal(engine, "password", REFUSED, new_staff, f"nul_{uuid.uuid4().hex[:8]}", "before\x00after")
