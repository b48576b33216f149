"""The first-run dialog, the embedded database's first admin, and the first start end to end, with real widgets,
the real test database and a real embedded server of the test's own."""

import os
import tomllib
import uuid

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog
from sqlalchemy import make_url
from sqlalchemy import text as sql

from app import config
from app.db.embedded import server_url, start_embedded_server
from app.db.engine import make_engine
from app.runtime import Login
from app.services import staff
from app.services.staff import StaffMember
from app.ui import app as gui
from app.ui import first_run
from app.ui.admin.staff_dialog import AccountDialog
from app.ui.first_run import FirstRunDialog, first_admin_dialog
from app.ui.login_dialog import LoginDialog
from app.ui.main_window import MainWindow
from tests.conftest import STAFF_PASSWORD, ZONE, drop_roles, make_clinic
from tests.gui.test_start import answering, type_login, ui_settings, watching_main_window  # noqa: F401
from tests.restartable_server import restartable_server_fixture  # noqa: F401

SERVER_WAIT_MS = 20_000
ADMIN_PASSWORD = "the admin's own secret"


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
    assert dialog.errors["host"].text() == "" and dialog.errors["port"].text() == ""
    assert dialog.ok_button.isEnabled()


def test_the_zone_a_config_file_already_sets_is_offered_over_the_machines(qtbot, runner, config_file, monkeypatch):
    monkeypatch.setenv("TZ", "America/Chicago")
    config_file.parent.mkdir(parents=True)
    config_file.write_text('clinic_timezone = "Europe/Vienna"\n', encoding="utf-8")  # as IT's file may
    dialog = FirstRunDialog(runner)
    qtbot.addWidget(dialog)
    assert dialog.timezone.currentText() == "Europe/Vienna"


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
    dialog.password.setText(url.password or "")  # the test server asks everyone, its superuser too
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


def fill_admin(qtbot, dialog: FirstRunDialog, name="boss", password=ADMIN_PASSWORD, confirmation=None) -> None:
    form = dialog.admin_form
    for line, text in ((form.name, name), (form.password, password), (form.confirmation, confirmation or password)):
        line.clear()
        qtbot.keyClicks(line, text)


def test_this_computer_asks_for_an_admin_and_names_each_wrong_field(qtbot, dialog, config_file):
    assert dialog.admin_box.isEnabled() and not dialog.ok_button.isEnabled()
    assert dialog.hint.text() == "Admin user name is required."
    dialog.accept()  # refused, and every field's problem shown
    assert dialog.result() != QDialog.DialogCode.Accepted and not config_file.exists()
    errors = dialog.admin_form.errors
    assert errors.message("name") == "Admin user name is required"
    assert errors.message("password") == "Password must be at least 8 characters"
    fill_admin(qtbot, dialog, "boss", ADMIN_PASSWORD, "another one altogether")
    assert errors.message("name") == "" and errors.message("password") == ""
    assert errors.message("confirmation") == "Confirm password: type the same password again"
    assert not dialog.ok_button.isEnabled()
    dialog.server_choice.setChecked(True)  # a server's staff sign in with their own logins: no admin asked
    assert not dialog.admin_box.isEnabled() and dialog.first_admin() is None


def test_this_computer_writes_a_config_without_a_database(qtbot, dialog, config_file):
    fill_admin(qtbot, dialog)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    written = tomllib.loads(config_file.read_text(encoding="utf-8"))
    assert written == {"clinic_timezone": "Europe/Berlin"}
    assert config.is_configured()
    settings = config.load_settings()
    assert settings.uses_embedded_server and settings.clinic_timezone.key == "Europe/Berlin"
    assert dialog.first_admin() == Login("boss", ADMIN_PASSWORD)
    assert ADMIN_PASSWORD not in config_file.read_text(encoding="utf-8")


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
    assert "PGPASSWORD" not in os.environ and "s3cret-Pa55" not in os.environ.values()  # it only tested
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
        dialog.admin_form.name,
        dialog.admin_form.password,
        dialog.admin_form.confirmation,
    ]
    assert all(control.accessibleName() for control in controls)


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


def test_a_servers_password_tests_the_connection_and_goes_nowhere(qtbot, dialog, server_with_a_password):
    url = make_url(server_with_a_password)
    fill_server(qtbot, dialog, host=url.query["host"], port=str(url.port or 5432), database=url.database)
    dialog.user.setText("frontdesk")
    qtbot.keyClicks(dialog.password, "right horse battery")
    with qtbot.waitSignal(dialog.runner.busy_changed, timeout=SERVER_WAIT_MS, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_result.text().startswith("Connected: PostgreSQL ")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert "right horse battery" not in os.environ.values()


@pytest.fixture
def admin_names(admin_url):
    made: list[str] = []
    yield made
    drop_roles(admin_url, made)


def test_the_first_admin_dialog_shows_the_databases_refusal_and_creates_the_admin(qtbot, runner, clinic, admin_names):
    name = f"boss_{uuid.uuid4().hex[:8]}"
    admin_names.append(name)

    def create(user: str, password: str) -> None:
        staff.add_staff(clinic, user, "admin", password)

    dialog = first_admin_dialog(create, Login("Dr Boss", ADMIN_PASSWORD), runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not runner.busy, timeout=SERVER_WAIT_MS)
    assert dialog.isVisible()
    assert dialog.form.errors.message("name").startswith("Admin user name: use 1 to 63 lower-case letters")
    assert dialog.form.password.text() == ADMIN_PASSWORD  # kept: only the name needs changing

    dialog.form.name.setText(name)
    with qtbot.waitSignal(dialog.done, timeout=SERVER_WAIT_MS) as done:
        qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    assert done.args == [name]
    assert StaffMember(name, "admin", True) in staff.list_staff(clinic)


@pytest.fixture
def embedded(embedded_data_dir, monkeypatch, config_file, ui_settings):  # noqa: F811 (the fixture imported above)
    """A data folder of the test's own: run_gui starts a new embedded server there; it is stopped afterwards."""
    data = embedded_data_dir
    monkeypatch.setenv("CLINIC_DATA_DIR", str(data))
    monkeypatch.delenv("CLINIC_TIMEZONE", raising=False)
    yield data
    if (data / "pgdata").exists():
        start_embedded_server(data).cleanup()  # the same server's handle: its last user stops it


def embedded_staff(data) -> list[StaffMember]:
    engine = make_engine(server_url(start_embedded_server(data)), pool_size=1)  # as its superuser
    try:
        return staff.list_staff(make_clinic(engine))
    finally:
        engine.dispose()


def test_the_first_start_on_this_computer_creates_one_admin_who_then_signs_in(qapp, qtbot, embedded):
    def choose_this_computer(dialog: FirstRunDialog) -> None:
        dialog.timezone.setCurrentText(ZONE.key)
        fill_admin(qtbot, dialog, "Boss")  # the database's rule for names is told once it runs
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    refusals = []

    def correct_the_name(dialog: AccountDialog) -> None:
        refusals.append(dialog.form.errors.message("name"))
        dialog.form.name.setText("boss")
        with qtbot.waitSignal(dialog.accepted, timeout=SERVER_WAIT_MS):
            qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)

    told = []

    def sign_in(dialog: LoginDialog) -> None:
        told.append((dialog.where.text(), dialog.user.text()))
        type_login(qtbot, dialog, "postgres", "anything")  # the program's own login: no one signs in as it
        told.append(dialog.banner.text())
        type_login(qtbot, dialog, "boss", "not the password")
        told.append(dialog.banner.text())
        type_login(qtbot, dialog, "boss", ADMIN_PASSWORD)

    def signed_in_as(window: MainWindow):
        return window.runtime.engine.url.username if window.desk.online else None

    with (
        answering(qapp, FirstRunDialog, choose_this_computer),
        answering(qapp, AccountDialog, correct_the_name),
        answering(qapp, LoginDialog, sign_in),
        watching_main_window(qapp, signed_in_as) as seen,
    ):
        assert gui.run_gui() == 0
    assert refusals and refusals[0].startswith("Admin user name: use 1 to 63 lower-case letters")
    assert told[0] == ("The appointment book on this computer", "boss")
    assert told[1].startswith('This account ("postgres") has no clinic role')
    assert told[2].startswith("The user name or the password is wrong")
    assert seen["result"] == "boss"
    assert embedded_staff(embedded) == [StaffMember("boss", "admin", True)]


def test_a_database_on_this_computer_without_an_admin_asks_for_one_at_start(qapp, qtbot, embedded, config_file):
    config.write_user_config(database=None, clinic_timezone=ZONE.key)  # configured, e.g. by an older version

    def create_admin(dialog: AccountDialog) -> None:
        assert dialog.windowTitle() == "Create the admin account"
        dialog.form.fill("chief", STAFF_PASSWORD)
        with qtbot.waitSignal(dialog.accepted, timeout=SERVER_WAIT_MS):
            qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)

    prefilled = []

    def cancel_sign_in(dialog: LoginDialog) -> None:
        prefilled.append(dialog.user.text())
        dialog.reject()

    with answering(qapp, AccountDialog, create_admin), answering(qapp, LoginDialog, cancel_sign_in):
        assert gui.run_gui() == 1  # cancelling the sign-in quits
    assert prefilled == ["chief"]
    assert embedded_staff(embedded) == [StaffMember("chief", "admin", True)]


def test_a_time_zone_typed_as_its_city_is_taken_and_completed(qtbot):
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    dialog.timezone.setFocus()
    qtbot.waitUntil(dialog.timezone.hasFocus)
    dialog.timezone.lineEdit().selectAll()
    qtbot.keyClicks(dialog.timezone.lineEdit(), "berlin")
    assert dialog.errors["timezone"].text() == "", "one zone matches: no error while typing"
    leave(qtbot, dialog.timezone)
    assert dialog.timezone.currentText() == "Europe/Berlin"

    dialog.timezone.setFocus()
    qtbot.waitUntil(dialog.timezone.hasFocus)
    dialog.timezone.lineEdit().selectAll()
    qtbot.keyClicks(dialog.timezone.lineEdit(), "Indiana")  # eight zones of Indiana
    leave(qtbot, dialog.timezone)
    assert dialog.timezone.currentText() == "Indiana"
    assert "Time zone 'Indiana' is unknown" in dialog.errors["timezone"].text()


def leave(qtbot, combo) -> None:
    """Close the completion list (Escape) and go on to the next field (Tab), as with the keyboard."""
    if combo.completer().popup().isVisible():
        qtbot.keyClick(combo.completer().popup(), Qt.Key.Key_Escape)
    qtbot.keyClick(combo, Qt.Key.Key_Tab)
