"""File → Change my password…: any member of staff sets their own password, under the same rules as an admin's
reset, audited; the desk goes on working with the new one (new connections and the live-update listener)."""

from sqlalchemy import text

from app.db.engine import terminate_backend
from app.ui.admin.staff_dialog import AccountDialog
from tests.conftest import STAFF_PASSWORD
from tests.gui.desks import click
from tests.logins import can_sign_in

NEW_PASSWORD = "a new password of my own"


def fill(dialog: AccountDialog, current: str, new: str, again: str | None = None) -> None:
    form = dialog.form
    form.current_password.setText(current)
    form.password.setText(new)
    form.confirmation.setText(new if again is None else again)


def test_a_receptionist_changes_their_password_and_the_desk_goes_on_with_it(qtbot, open_as, db_url, engine, admin_url):
    name, window = open_as("receptionist")
    assert window.change_password_action.isVisible()
    window.change_password_action.trigger()
    dialog = window.findChild(AccountDialog)
    assert dialog.windowTitle() == "Change my password"

    fill(dialog, "not my password", NEW_PASSWORD)
    click(qtbot, dialog.action_button)
    qtbot.waitUntil(lambda: dialog.form.errors.message("current_password") != "")
    assert dialog.form.errors.message("current_password") == (
        "Current password: is not the password you signed in with"
    )
    assert dialog.isVisible() and dialog.form.password.text() == NEW_PASSWORD, "what was typed stays"

    fill(dialog, STAFF_PASSWORD, f"{name}-2027")
    click(qtbot, dialog.action_button)
    qtbot.waitUntil(lambda: dialog.form.errors.message("password") != "")
    assert dialog.form.errors.message("password") == "New password: must not contain your user name"

    fill(dialog, STAFF_PASSWORD, NEW_PASSWORD)
    with qtbot.waitSignal(dialog.done, timeout=10_000):
        click(qtbot, dialog.action_button)
    assert "Your password is changed" in window.statusBar().currentMessage()
    assert can_sign_in(db_url, name, NEW_PASSWORD) and not can_sign_in(db_url, name, STAFF_PASSWORD)
    with engine.connect() as conn:
        trail = conn.execute(
            text(
                "SELECT db_user, after ->> 'password_set' FROM audit_log WHERE table_name = 'staff'"
                " AND after ->> 'name' = :name AND after ? 'password_set'"
            ),
            {"name": name},
        ).all()
    assert trail == [(name, "true")]

    # The desk's next connections sign in with the new password: a fresh pool, and a listener cut off.
    window.runtime.engine.dispose()
    window.refresh()
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert window.desk.online and window.desk.write_block is None
    listener_pid = window.desk.live.backend_pid
    terminate_backend(admin_url, listener_pid)
    qtbot.waitUntil(lambda: window.desk.live.backend_pid not in (None, listener_pid), timeout=15_000)
    assert window.desk.online


def test_it_s_own_superuser_login_has_no_such_entry(open_as):
    _, window = open_as("superuser")
    assert not window.change_password_action.isVisible()
