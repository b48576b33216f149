"""The sign-in dialog against the real test server: staff logins, wrong passwords, disabled accounts, a server out
of reach, a login in no clinic group."""

import os
import uuid

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import create_engine, make_url, text

from app import runtime
from app.db.connect import DatabaseTarget, describe_url
from app.services import staff
from app.ui.login_dialog import LAST_USER_KEY, LoginDialog
from tests.conftest import STAFF_PASSWORD, drop_roles
from tests.gui.desks import sign_in

UNREACHABLE = "postgresql+psycopg://desk@127.0.0.1:1/clinic"


@pytest.fixture
def ui_settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def target(db_url) -> DatabaseTarget:
    return DatabaseTarget(db_url, describe_url(db_url))


def login_dialog(qtbot, runner, target, ui_settings, **kwargs) -> LoginDialog:
    dialog = LoginDialog(target, ui_settings, runner=runner, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_staff_member_signs_in_and_is_remembered_without_the_password(
    qtbot, runner, target, ui_settings, staff_login, tmp_path
):
    name, _url = staff_login("receptionist")
    dialog = login_dialog(qtbot, runner, target, ui_settings)
    assert dialog.user.text() == "postgres"  # nobody signed in here yet: the configured URL's user
    assert "the clinic's server" in dialog.where.text().lower() and target.description in dialog.where.text()

    sign_in(qtbot, dialog, name, STAFF_PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert (dialog.login.user, dialog.login.password) == (name, STAFF_PASSWORD)
    assert STAFF_PASSWORD not in repr(dialog.login)
    ui_settings.sync()
    assert ui_settings.value(LAST_USER_KEY) == name
    assert STAFF_PASSWORD not in (tmp_path / "ui.ini").read_text(encoding="utf-8")
    assert STAFF_PASSWORD not in os.environ.values()

    again = login_dialog(qtbot, runner, target, ui_settings)
    assert again.user.text() == name and again.password.text() == ""


def test_a_shared_workstation_neither_offers_nor_remembers_the_last_name(
    qtbot, runner, target, ui_settings, staff_login
):
    name, _url = staff_login("receptionist")
    ui_settings.setValue(LAST_USER_KEY, "someone_before")
    dialog = login_dialog(qtbot, runner, target, ui_settings, shared=True)
    assert dialog.user.text() == "" and dialog.focusWidget() is dialog.user
    sign_in(qtbot, dialog, name, STAFF_PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    ui_settings.sync()
    assert ui_settings.value(LAST_USER_KEY) is None  # the one remembered before the desk was shared is gone too
    assert login_dialog(qtbot, runner, target, ui_settings, shared=True).user.text() == ""


def test_a_wrong_password_is_told_and_the_user_name_kept(qtbot, runner, target, ui_settings, staff_login):
    name, _url = staff_login("receptionist")
    dialog = login_dialog(qtbot, runner, target, ui_settings)
    sign_in(qtbot, dialog, name, "not the password")
    assert dialog.isVisible() and dialog.login is None
    assert dialog.banner.text() == "The user name or the password is wrong: check both and try again."
    assert dialog.user.text() == name and dialog.password.text() == ""
    assert dialog.sign_in_button.isEnabled()

    sign_in(qtbot, dialog, "nobody_by_that_name", STAFF_PASSWORD)  # an unknown name: the same words
    assert dialog.banner.text() == "The user name or the password is wrong: check both and try again."

    sign_in(qtbot, dialog, name, STAFF_PASSWORD)  # the dialog stayed open for the next try
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.login.user == name


def test_a_disabled_account_is_told_to_ask_an_administrator(qtbot, runner, target, ui_settings, staff_login, clinic):
    name, _url = staff_login("manager")
    staff.set_enabled(clinic, name, False)
    dialog = login_dialog(qtbot, runner, target, ui_settings)
    sign_in(qtbot, dialog, name, STAFF_PASSWORD)
    assert dialog.isVisible() and dialog.login is None
    assert dialog.banner.text() == f'The account "{name}" is disabled: ask a clinic administrator to enable it.'
    assert dialog.user.text() == name and dialog.password.text() == STAFF_PASSWORD


def test_a_server_out_of_reach_is_named_and_the_dialog_stays_open(qtbot, runner, ui_settings):
    target = DatabaseTarget(UNREACHABLE, describe_url(UNREACHABLE))
    dialog = login_dialog(qtbot, runner, target, ui_settings)
    assert dialog.user.text() == "desk"
    sign_in(qtbot, dialog, "desk", "typed password")
    message = dialog.banner.text()
    assert message.startswith("Cannot reach the clinic's server 127.0.0.1:1/clinic (")
    assert "Connection refused" in message and message.endswith("check the network, then try again.")
    assert dialog.isVisible() and dialog.login is None
    assert dialog.user.text() == "desk" and dialog.password.text() == "typed password"
    assert dialog.sign_in_button.isEnabled() and dialog.progress.text() == ""


@pytest.fixture
def login_in_no_group(admin_url, db_url):
    """A login role that may connect to the test database but belongs to no clinic group."""
    name = f"nogroup_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{STAFF_PASSWORD}'"))
    engine.dispose()
    yield name
    drop_roles(admin_url, [name])


def no_clinic_role(user: str) -> str:
    return (
        f'This account ("{user}") has no clinic role: ask a clinic administrator to make it a receptionist,'
        " a manager or an admin."
    )


def test_a_login_in_no_clinic_group_is_refused(qtbot, runner, target, ui_settings, login_in_no_group):
    dialog = login_dialog(qtbot, runner, target, ui_settings)
    sign_in(qtbot, dialog, login_in_no_group, STAFF_PASSWORD)
    assert dialog.isVisible() and dialog.login is None
    assert dialog.banner.text() == no_clinic_role(login_in_no_group)
    assert ui_settings.value(LAST_USER_KEY) is None


def test_the_embedded_servers_own_superuser_is_refused(qtbot, runner, db_url, ui_settings):
    # The test server stands in for the embedded one: a target is embedded when it holds the server's handle,
    # and its URL's user (the superuser, whom the server trusts without a password) is the maintenance login.
    target = DatabaseTarget(db_url, "embedded (test server)", embedded_server="the test server")
    superuser = runtime.maintenance_user(target)
    assert superuser == make_url(db_url).username
    dialog = login_dialog(qtbot, runner, target, ui_settings)
    assert dialog.user.text() == "", "the maintenance login is not offered"
    sign_in(qtbot, dialog, superuser, "any password")
    assert dialog.isVisible() and dialog.login is None
    assert dialog.banner.text() == no_clinic_role(superuser)
    assert ui_settings.value(LAST_USER_KEY) is None


def test_empty_fields_are_named_and_nothing_is_tried(qtbot, runner, target, ui_settings):
    dialog = login_dialog(qtbot, runner, target, ui_settings, user=" ")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert not runner.busy and dialog.isVisible()
    assert dialog.errors.message("user") == "User name is required"
    assert dialog.errors.message("password") == "Password is required"
    qtbot.keyClicks(dialog.password, "x")  # typing takes that field's message away, not the other's
    assert dialog.errors.message("password") == "" and dialog.errors.message("user") == "User name is required"


def test_an_explicit_user_wins_and_cancel_gives_no_login(qtbot, runner, target, ui_settings):
    ui_settings.setValue(LAST_USER_KEY, "someone")
    dialog = login_dialog(qtbot, runner, target, ui_settings, user="new_admin")
    assert dialog.user.text() == "new_admin"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.login is None


def test_every_control_has_an_accessible_name(qtbot, runner, target, ui_settings):
    dialog = login_dialog(qtbot, runner, target, ui_settings)
    controls = [dialog.user, dialog.password, dialog.sign_in_button, dialog.cancel_button, dialog.where]
    assert all(control.accessibleName() for control in controls)
