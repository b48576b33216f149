import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.db.pipeline import execute_pipelined, run_transaction


def test_pipelined_statements_share_the_transaction_and_return_the_last_row(engine):
    with engine.begin() as conn:
        row = execute_pipelined(
            conn,
            [
                (text("CREATE TEMP TABLE scratch (n int) ON COMMIT DROP"), {}),
                (text("INSERT INTO scratch VALUES (:n)"), {"n": 7}),
                (text("SELECT n, txid_current_if_assigned() IS NOT NULL AS in_transaction FROM scratch"), {}),
            ],
        )
    assert (row.n, row.in_transaction) == (7, True)


def test_a_failing_statement_comes_back_as_sqlalchemy_error_and_rolls_back(engine):
    with pytest.raises(IntegrityError), engine.begin() as conn:
        execute_pipelined(
            conn,
            [
                (text("INSERT INTO providers (name) VALUES ('Dr. Pipeline')"), {}),
                (text("INSERT INTO providers (name) VALUES ('Dr. Pipeline')"), {}),
            ],
        )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM providers")).scalar_one() == 0


def test_an_autocommit_connection_is_refused(engine):
    with engine.connect() as conn, pytest.raises(RuntimeError, match="needs a connection in a transaction"):
        execute_pipelined(conn.execution_options(isolation_level="AUTOCOMMIT"), [(text("SELECT 1"), {})])


def autocommit(conn):
    return conn.execution_options(isolation_level="AUTOCOMMIT")


def test_a_whole_transaction_commits_with_its_statements(engine):
    with engine.connect() as conn:
        row = run_transaction(
            autocommit(conn),
            [
                (text("INSERT INTO providers (name) VALUES ('Dr. Trip')"), {}),
                (
                    text(
                        "SELECT count(*) AS n, txid_current_if_assigned() IS NOT NULL AS in_transaction FROM providers"
                    ),
                    {},
                ),
            ],
        )
    assert (row.n, row.in_transaction) == (1, True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM providers")).scalar_one() == 1  # committed


def test_a_whole_transaction_that_fails_midway_writes_nothing_and_leaves_the_connection_idle(engine):
    with engine.connect() as conn:
        with pytest.raises(IntegrityError):
            run_transaction(
                autocommit(conn),
                [
                    (text("INSERT INTO providers (name) VALUES ('Dr. Twice')"), {}),
                    (text("INSERT INTO providers (name) VALUES ('Dr. Twice')"), {}),
                    (text("SELECT 1"), {}),
                ],
            )
        assert conn.connection.driver_connection.info.transaction_status.name == "IDLE"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM providers")).scalar_one() == 0


def test_a_whole_transaction_needs_an_autocommit_connection(engine):
    with engine.begin() as conn, pytest.raises(RuntimeError, match="needs a connection in autocommit mode"):
        run_transaction(conn, [(text("SELECT 1"), {})])
