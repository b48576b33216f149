"""A SQLSTATE psycopg has no class for arrives as its plain OperationalError, with the code: that is the server
refusing, not a lost connection, so nothing retries it as one (app/db/errors.py)."""

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.errors import Fault, classify


def test_an_unknown_code_of_a_connection_class_is_not_a_lost_connection(engine):
    with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
        conn.execute(text("DO $$ BEGIN RAISE EXCEPTION 'odd' USING ERRCODE = '58999'; END $$"))
    assert type(raised.value.orig) is psycopg.OperationalError and raised.value.orig.sqlstate == "58999"
    assert classify(raised.value) is Fault.OTHER
