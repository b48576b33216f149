"""A real constraint violation logged with its traceback keeps the constraint and drops the patient's details."""

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app import logs
from tests.unit.test_logs import log_dir  # noqa: F401 (a fixture)

SECRETS = ("Zebulon", "Quackenbush", "Yılmaz", "zq@example.org", "0171 5550199")
# Values travel as parameters, as in the services. A line break in one makes PostgreSQL's DETAIL run over lines.
BAD_BIRTH_DATE = (
    "INSERT INTO patients (first_name, last_name, date_of_birth, phone, email)"
    " VALUES (:first, :last, :born, :phone, :email)",
    {
        "first": "Zebulon",
        "last": "Quackenbush\n\nYılmaz",
        "born": "1850-01-01",
        "phone": "0171 5550199",
        "email": "zq@example.org",
    },
)
SAME_NAME_TWICE = ("INSERT INTO providers (name) VALUES (:name)", {"name": "Dr. Zebulon Quackenbush"})


@pytest.mark.parametrize(
    ("statements", "constraint", "error_class"),
    [
        ([BAD_BIRTH_DATE], "patients_date_of_birth_range", "CheckViolation"),
        ([SAME_NAME_TWICE, SAME_NAME_TWICE], "providers_name_key", "UniqueViolation"),
    ],
)
@pytest.mark.usefixtures("log_dir")
def test_a_logged_integrity_error_names_the_constraint_but_not_the_row(
    engine, capsys, statements, constraint, error_class
):
    path = logs.configure_logging(verbose=False)
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        for statement, values in statements:
            conn.execute(text(statement), values)
    assert "DETAIL:" in str(caught.value) and "Zebulon" in str(caught.value)  # what there is to hide

    try:
        raise caught.value
    except IntegrityError:
        logging.getLogger("app.services").exception("saving failed: %s", caught.value)

    written = path.read_text(encoding="utf-8")
    shown = capsys.readouterr().err
    for out in (written, shown):
        assert not [secret for secret in SECRETS if secret in out]
        assert f'constraint "{constraint}"' in out
        assert f"psycopg.errors.{error_class}" in out
        assert "[SQL: INSERT INTO " in out and "[SQL parameters hidden due to hide_parameters=True]" in out
        assert "Traceback (most recent call last):" in out
        assert logs.REDACTED in out
    assert written.count(logs.REDACTED) == 3  # the message, the wrapped psycopg error and SQLAlchemy's
