"""The staff screen with real widgets against the real test database: add, disable, enable, reset a password."""

import uuid

import pytest
from PySide6.QtCore import Qt

from app.db.engine import make_engine, with_login
from app.services import staff
from app.services.staff import StaffMember
from app.ui.admin import staff_dialog
from app.ui.admin.staff_dialog import AccountDialog, StaffDialog
from app.ui.dialogs import questions
from tests.conftest import STAFF_PASSWORD, drop_roles, make_clinic
from tests.logins import can_sign_in

WAIT_MS = 20_000
NEW_PASSWORD = "a brand new secret"


@pytest.fixture
def names(admin_url):
    """Fresh staff names; their roles are dropped after the test (roles are server-wide)."""
    made: list[str] = []

    def new(prefix: str = "staff") -> str:
        made.append(f"{prefix}_{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield new
    drop_roles(admin_url, made)


def idle(qtbot, runner) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)


@pytest.fixture
def dialog(qtbot, runner, clinic):
    widget = StaffDialog(runner, clinic)
    qtbot.addWidget(widget)
    widget.show()
    idle(qtbot, runner)
    return widget


def shown(dialog: StaffDialog) -> list[tuple[str, str, str]]:
    model = dialog.model
    return [tuple(model.index(row, column).data() for column in range(3)) for row in range(model.rowCount())]


def fill(qtbot, account: AccountDialog, name: str | None, password: str, confirmation: str | None = None) -> None:
    form = account.form
    if name is not None:
        form.name.clear()
        qtbot.keyClicks(form.name, name)
    for line, text in ((form.password, password), (form.confirmation, confirmation or password)):
        line.clear()
        qtbot.keyClicks(line, text)


def add(qtbot, dialog: StaffDialog, name: str, role: str = "receptionist") -> None:
    account = dialog.open_add()
    fill(qtbot, account, name, STAFF_PASSWORD)
    account.form.role.setCurrentIndex(account.form.role.findData(role))
    with qtbot.waitSignal(account.accepted, timeout=WAIT_MS):
        qtbot.mouseClick(account.action_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog.runner)


def test_the_table_model_is_a_proper_qt_model(qtmodeltester):
    model = staff_dialog.StaffTableModel()
    model.set_staff([StaffMember("ada", "admin", True), StaffMember("bob", "receptionist", False)])
    qtmodeltester.check(model)
    assert model.index(1, 2).data() == "Disabled" and model.index(0, 1).data() == "Admin"


def test_add_a_staff_member_who_can_then_sign_in(qtbot, dialog, clinic, db_url, names):
    name = names()
    add(qtbot, dialog, name, "manager")
    assert dialog.outcome.text() == f"Added {name} as manager."
    assert (name, "Manager", "Enabled") in shown(dialog)
    assert dialog.selected().name == name
    assert StaffMember(name, "manager", True) in staff.list_staff(clinic)
    assert can_sign_in(db_url, name, STAFF_PASSWORD)


def test_bad_input_is_named_under_its_field_and_nothing_is_written(qtbot, dialog, clinic, names):
    before = staff.list_staff(clinic)
    account = dialog.open_add()
    fill(qtbot, account, "", "short", "other")
    qtbot.mouseClick(account.action_button, Qt.MouseButton.LeftButton)
    assert account.form.errors.message("name") == "User name is required"
    assert account.form.errors.message("password") == "Password must be at least 8 characters"
    assert not dialog.runner.busy  # refused here, before asking the database

    fill(qtbot, account, "maria", STAFF_PASSWORD, "a different one")
    qtbot.mouseClick(account.action_button, Qt.MouseButton.LeftButton)
    assert account.form.errors.message("confirmation") == "Confirm password: type the same password again"

    fill(qtbot, account, "Dr Maria", STAFF_PASSWORD)  # only the database knows its rule for names
    qtbot.mouseClick(account.action_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog.runner)
    assert account.isVisible()
    assert account.form.errors.message("name").startswith("User name: use 1 to 63 lower-case letters")
    assert account.form.name.text() == "Dr Maria" and account.form.password.text() == STAFF_PASSWORD
    assert staff.list_staff(clinic) == before

    taken = names()
    staff.add_staff(clinic, taken, "receptionist", STAFF_PASSWORD)
    fill(qtbot, account, taken, STAFF_PASSWORD)
    qtbot.mouseClick(account.action_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog.runner)
    assert account.form.errors.message("name") == f'User name: "{taken}" is already taken on this server'


def test_disable_asks_first_and_says_how_many_sessions_were_ended(qtbot, dialog, clinic, db_url, names, monkeypatch):
    name = names()
    add(qtbot, dialog, name)
    desk = make_engine(with_login(db_url, name, STAFF_PASSWORD), pool_size=1)
    desk.connect().close()  # a desk signed in as them: its connection waits in the pool
    asked = []
    monkeypatch.setattr(questions, "confirm", lambda box: asked.append(box.text()) or False)
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)
    assert asked == [f"Disable {name}'s account?"] and not dialog.runner.busy
    assert StaffMember(name, "receptionist", True) in staff.list_staff(clinic)

    monkeypatch.setattr(questions, "confirm", lambda box: True)
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog.runner)
    desk.dispose()
    assert dialog.outcome.text() == f"{name}'s account is disabled; 1 open session was ended."
    assert (name, "Receptionist", "Disabled") in shown(dialog)
    assert dialog.toggle_button.text() == "&Enable"
    assert not can_sign_in(db_url, name, STAFF_PASSWORD)

    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)  # enabling asks nothing
    idle(qtbot, dialog.runner)
    assert dialog.outcome.text() == f"{name}'s account is enabled: they can sign in again."
    assert (name, "Receptionist", "Enabled") in shown(dialog)
    assert can_sign_in(db_url, name, STAFF_PASSWORD)


def test_reset_password(qtbot, dialog, db_url, names):
    name = names()
    add(qtbot, dialog, name)
    account = dialog.open_reset_password()
    assert account.windowTitle() == f"New password for {name}"
    fill(qtbot, account, None, "short")
    qtbot.mouseClick(account.action_button, Qt.MouseButton.LeftButton)
    assert account.form.errors.message("password") == "Password must be at least 8 characters"
    fill(qtbot, account, None, NEW_PASSWORD)
    with qtbot.waitSignal(account.accepted, timeout=WAIT_MS):
        qtbot.mouseClick(account.action_button, Qt.MouseButton.LeftButton)
    idle(qtbot, dialog.runner)
    assert dialog.outcome.text() == f"{name}'s password is reset: tell them the new one in person."
    assert can_sign_in(db_url, name, NEW_PASSWORD) and not can_sign_in(db_url, name, STAFF_PASSWORD)


def test_disabling_your_own_account_is_refused_with_the_field_named(qtbot, runner, db_url, names, clinic, monkeypatch):
    me = names("admin")
    staff.add_staff(clinic, me, "admin", STAFF_PASSWORD)
    engine = make_engine(with_login(db_url, me, STAFF_PASSWORD))
    mine = StaffDialog(runner, make_clinic(engine))
    qtbot.addWidget(mine)
    idle(qtbot, runner)
    mine.select(me)
    monkeypatch.setattr(questions, "confirm", lambda box: True)
    qtbot.mouseClick(mine.toggle_button, Qt.MouseButton.LeftButton)
    idle(qtbot, runner)
    assert mine.banner.text() == "Name: you cannot disable your own account"
    assert StaffMember(me, "admin", True) in staff.list_staff(clinic)
    engine.dispose()


def test_a_write_block_disables_changes_and_says_why(qtbot, dialog, names):
    name = names()
    add(qtbot, dialog, name)
    account = dialog.open_add()
    dialog.set_write_block("Offline: the database cannot be reached")
    assert dialog.banner.text() == "Offline: the database cannot be reached"
    assert not dialog.add_button.isEnabled() and not dialog.toggle_button.isEnabled()
    assert not dialog.password_button.isEnabled()
    assert not account.action_button.isEnabled() and account.banner.text() == dialog.banner.text()
    dialog.set_write_block(None)
    idle(qtbot, dialog.runner)
    assert dialog.banner.isHidden() and dialog.add_button.isEnabled() and dialog.toggle_button.isEnabled()
    assert account.action_button.isEnabled()


def test_a_receptionist_is_refused_by_the_database(qtbot, runner, staff_login):
    _name, url = staff_login("receptionist")
    engine = make_engine(url)
    refused = StaffDialog(runner, make_clinic(engine))
    qtbot.addWidget(refused)
    idle(qtbot, runner)
    assert refused.banner.text().startswith("Your account may not do this (")
    assert refused.banner.text().endswith("ask a clinic administrator")
    assert refused.model.rowCount() == 0
    engine.dispose()
