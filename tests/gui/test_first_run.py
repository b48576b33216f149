"""The first-run dialog and the password prompt, with real widgets and the real test database."""

import os
import time
import tomllib

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog
from sqlalchemy import make_url
from sqlalchemy import text as sql

from app import config
from app.db.engine import make_engine
from app.domain.errors import DomainError
from app.ui import app as gui
from app.ui import first_run
from app.ui.first_run import FirstRunDialog, PasswordDialog, ask_password_until_accepted, needs_password
from tests.restartable_server import restartable_server_fixture  # noqa: F401

SERVER_WAIT_MS = 20_000


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    """The config path points into tmp_path: the real user config is never touched."""
    path = tmp_path / "config" / "config.toml"
    monkeypatch.setenv("CLINIC_CONFIG", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return path


@pytest.fixture
def dialog(qtbot, runner, config_file):
    widget = FirstRunDialog(runner)
    qtbot.addWidget(widget)
    widget.timezone.setCurrentText("Europe/Berlin")
    widget.show()
    return widget


def fill_server(qtbot, dialog: FirstRunDialog, host="db.clinic.lan", port="5432", database="clinic", user="desk"):
    dialog.server_choice.setChecked(True)
    for line, text in ((dialog.host, host), (dialog.port, port), (dialog.database, database), (dialog.user, user)):
        line.clear()
        qtbot.keyClicks(line, text)


def test_nothing_configured_until_the_dialog_writes(config_file):
    assert not config.is_configured()


def test_each_wrong_field_is_named_and_start_is_refused(qtbot, dialog, config_file):
    fill_server(qtbot, dialog, host="", port="70000")
    dialog.timezone.setCurrentText("Mars/Olympus_Mons")
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # Enter or a script: refused all the same, and every message shown
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()
    assert dialog.errors["host"].text() == "Host is required"
    assert dialog.errors["port"].text() == "Port must be a whole number from 1 to 65535"
    assert "Time zone 'Mars/Olympus_Mons' is unknown" in dialog.errors["timezone"].text()
    assert not config_file.exists()

    dialog.host.setText("db.clinic.lan")
    qtbot.keyClicks(dialog.host, "x")
    dialog.port.setText("5433")
    dialog.timezone.setCurrentText("Europe/Berlin")
    assert dialog.errors["host"].isHidden() and dialog.errors["port"].isHidden()
    assert dialog.ok_button.isEnabled()


def test_the_machine_zone_or_nothing_is_the_default_time_zone(qtbot, runner, config_file, monkeypatch):
    monkeypatch.setenv("TZ", "America/Chicago")
    chosen = FirstRunDialog(runner)
    qtbot.addWidget(chosen)
    assert chosen.timezone.currentText() == "America/Chicago"
    monkeypatch.setattr(first_run, "machine_timezone", lambda: "")
    empty = FirstRunDialog(runner)
    qtbot.addWidget(empty)
    assert empty.timezone.currentText() == ""
    empty.accept()
    assert "Time zone is required" in empty.errors["timezone"].text()
    assert not empty.ok_button.isEnabled() and not config_file.exists()


def test_tls_is_strict_for_a_remote_host_and_relaxed_for_this_computer(qtbot, dialog):
    fill_server(qtbot, dialog, host="db.clinic.lan")
    assert dialog.tls.currentData() == "verify-full"
    dialog.host.setText("localhost")
    assert dialog.tls.currentData() == "prefer"


def test_test_connection_reports_the_real_server(qtbot, dialog, db_url):
    url = make_url(db_url)
    host = url.host or url.query["host"]  # the embedded test server: a unix socket folder
    fill_server(qtbot, dialog, host=host, port=str(url.port or 5432), database=url.database, user=url.username)
    with qtbot.waitSignal(dialog.runner.busy_changed, timeout=SERVER_WAIT_MS, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_result.text().startswith("Connected: PostgreSQL ")
    assert "schema 0" in dialog.test_result.text()


def test_an_unreachable_server_is_reported_without_freezing(qtbot, dialog):
    fill_server(qtbot, dialog, host="127.0.0.1", port="1")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    # The test runs on the worker: the UI thread goes on handling events and typing meanwhile.
    assert dialog.test_result.text() == "Testing…"
    qtbot.keyClicks(dialog.user, "2")
    assert dialog.user.text() == "desk2"
    qtbot.waitUntil(lambda: dialog.test_result.text() != "Testing…", timeout=SERVER_WAIT_MS)
    text = dialog.test_result.text()
    assert text.startswith("Could not connect: cannot reach the database")
    assert "127.0.0.1" in text and "port 1" in text and "Connection refused" in text


def test_this_computer_writes_a_config_without_a_database(qtbot, dialog, config_file):
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    written = tomllib.loads(config_file.read_text(encoding="utf-8"))
    assert written == {"clinic_timezone": "Europe/Berlin"}
    assert config.is_configured()
    settings = config.load_settings()
    assert settings.uses_embedded_server and settings.clinic_timezone.key == "Europe/Berlin"


def test_the_server_is_written_and_the_password_is_not(qtbot, dialog, config_file):
    fill_server(qtbot, dialog, host="db.clinic.lan", port="5433", database="clinic", user="desk1")
    qtbot.keyClicks(dialog.password, "s3cret-Pa55")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    text = config_file.read_text(encoding="utf-8")
    assert "s3cret-Pa55" not in text and "password" not in text
    assert tomllib.loads(text)["database"] == {
        "host": "db.clinic.lan",
        "port": 5433,
        "name": "clinic",
        "user": "desk1",
        "sslmode": "verify-full",
    }
    assert os.environ["PGPASSWORD"] == "s3cret-Pa55"  # this process only (monkeypatch restores it)
    url = make_url(config.load_settings().database_url)
    assert (url.host, url.port, url.database, url.username) == ("db.clinic.lan", 5433, "clinic", "desk1")
    assert url.password is None


def test_cancel_writes_nothing(qtbot, dialog, config_file):
    fill_server(qtbot, dialog)
    qtbot.keyClicks(dialog.password, "typed")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not config_file.exists() and "PGPASSWORD" not in os.environ


def test_every_control_has_an_accessible_name(dialog):
    controls = [
        dialog.embedded_choice,
        dialog.server_choice,
        dialog.host,
        dialog.port,
        dialog.database,
        dialog.user,
        dialog.tls,
        dialog.password,
        dialog.test_button,
        dialog.timezone,
        dialog.ok_button,
    ]
    assert all(control.accessibleName() for control in controls)


def test_a_password_refusal_is_told_from_other_problems():
    assert needs_password('connection failed: FATAL:  password authentication failed for user "desk1"')
    assert needs_password("the database refused: fe_sendauth: no password supplied")
    assert not needs_password("cannot reach the database: Connection refused")
    assert not needs_password('FATAL:  role "desk1" does not exist')


def test_the_password_dialog_sets_pgpassword_for_this_process(qtbot, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    prompt = PasswordDialog("db.clinic.lan:5432/clinic", "fe_sendauth: no password supplied")
    qtbot.addWidget(prompt)
    prompt.show()
    assert not prompt.ok_button.isEnabled()
    qtbot.keyClicks(prompt.password, "pw")
    qtbot.keyClick(prompt.password, Qt.Key.Key_Return)
    assert prompt.result() == QDialog.DialogCode.Accepted
    assert os.environ["PGPASSWORD"] == "pw"


def probe_wanting(password: str):
    """A server that refuses with libpq's words until PGPASSWORD holds `password`."""
    probes = []

    def probe(_url: str) -> None:
        probes.append(time.monotonic())
        given = os.environ.get("PGPASSWORD")
        if given is None:
            raise DomainError("the database refused: fe_sendauth: no password supplied")
        if given != password:
            raise DomainError('the database refused: FATAL:  password authentication failed for user "desk1"')

    return probe, probes


def test_the_password_is_asked_until_the_server_takes_it(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    probe, probes = probe_wanting("right")
    answers = iter(["wrong", "right"])
    asked = []

    def ask(where, refusal):
        asked.append(refusal)
        first_run.use_password(next(answers))
        return True

    assert ask_password_until_accepted("url", "db", probe, ask)
    assert len(probes) == 3 and len(asked) == 2
    assert "no password supplied" in asked[0] and "password authentication failed" in asked[1]


def test_three_wrong_passwords_or_cancel_stop_the_start(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    probe, _ = probe_wanting("right")
    asked = []

    def ask_wrong(where, refusal):
        asked.append(refusal)
        first_run.use_password("wrong")
        return True

    with pytest.raises(DomainError, match="refused the password 3 times"):
        ask_password_until_accepted("url", "db", probe, ask_wrong)
    assert len(asked) == 3
    monkeypatch.delenv("PGPASSWORD")
    assert not ask_password_until_accepted("url", "db", probe, lambda where, refusal: False)


def test_a_server_out_of_reach_is_not_a_password_question():
    def never(where, refusal):
        raise AssertionError("asked for a password")

    probe = first_run.runtime.probe_connection
    assert ask_password_until_accepted(
        "postgresql://desk1@127.0.0.1:1/clinic", "127.0.0.1:1/clinic", lambda url: probe(url, None), never
    )


def test_a_reachable_server_without_a_password_is_not_asked(db_url):
    def never(where, refusal):
        raise AssertionError("asked for a password")

    probe = first_run.runtime.probe_connection
    assert ask_password_until_accepted(db_url, "test", lambda url: probe(url, None), never)


def test_run_gui_asks_first_and_cancel_quits_with_1_writing_nothing(qapp, config_file, monkeypatch):
    monkeypatch.delenv("CLINIC_TIMEZONE", raising=False)
    seen = []

    def cancel_the_dialog() -> None:
        dialogs = [w for w in qapp.topLevelWidgets() if isinstance(w, FirstRunDialog) and w.isVisible()]
        if dialogs:
            seen.append(dialogs[0])
            dialogs[0].reject()

    poller = QTimer()
    poller.timeout.connect(cancel_the_dialog)
    poller.start(50)
    try:
        assert gui.run_gui() == 1
    finally:
        poller.stop()
    assert len(seen) == 1 and not config_file.exists()


@pytest.fixture
def server_with_a_password(restartable_server):
    """A private server where the role `frontdesk` must give its password (scram-sha-256) over the socket;
    everyone else keeps the test servers' trust. Yields the role's URL, without the password."""
    pg_hba = restartable_server._server.pgdata / "pg_hba.conf"
    pg_hba.write_text("local all frontdesk scram-sha-256\n" + pg_hba.read_text())
    admin = make_engine(restartable_server.admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sql("CREATE ROLE frontdesk LOGIN PASSWORD 'right horse battery'"))
        conn.execute(sql("SELECT pg_reload_conf()"))
    admin.engine.dispose()
    url = make_url(restartable_server.admin_url).set(username="frontdesk", password=None)
    yield url.render_as_string(hide_password=False)


def test_a_server_that_wants_a_password_gets_it_asked_and_used_for_the_session(
    qtbot, monkeypatch, server_with_a_password
):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    probe = first_run.runtime.probe_connection
    with pytest.raises(DomainError, match="no password supplied"):
        probe(server_with_a_password, None)
    typed = iter(["wrong", "right horse battery"])
    refusals = []

    def ask_by_typing(where: str, refusal: str) -> bool:
        refusals.append(refusal)
        dialog = PasswordDialog(where, refusal)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.password, next(typed))
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    assert ask_password_until_accepted(
        server_with_a_password, "the test server", lambda url: probe(url, None), ask_by_typing
    )
    assert len(refusals) == 2 and "password authentication failed" in refusals[1]
    assert os.environ["PGPASSWORD"] == "right horse battery"  # this process only: libpq reads it
    assert probe(server_with_a_password, None).startswith("PostgreSQL ")
