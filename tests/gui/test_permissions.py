"""The main window offers each staff role what the database lets it do, and follows a role IT changes."""

import pytest
from PySide6.QtCore import QPoint, QSettings
from sqlalchemy import text

from app.domain.models import AppointmentStatus, BookingRequest
from app.services import booking, schedule
from app.ui.admin.audit_dialog import AuditDialog
from app.ui.admin.closures_dialog import ClosuresDialog
from app.ui.admin.providers_dialog import ProvidersDialog
from app.ui.admin.rooms_dialog import RoomsDialog
from app.ui.admin.staff_dialog import StaffDialog
from app.ui.admin.types_dialog import AppointmentTypesDialog
from app.ui.dialogs.appointment_dialog import AppointmentDialog
from app.ui.main_window import MainWindow
from app.ui.navigation import ViewMode
from app.ui.workers import TaskRunner
from tests.conftest import ZONE
from tests.gui.desks import TUESDAY, Desk, at, click, show
from tests.logins import signed_in_fixture  # noqa: F401


@pytest.fixture
def appointment_id(clinic, provider_id, patient_id) -> int:
    return booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(TUESDAY, 10)))


def booking_offered(window: MainWindow) -> list[bool]:
    # The button as the role leaves it (the panel around it hides while it has no provider to show).
    return [window.new_action.isVisible(), not window.picker.book_button.isHidden()]


def details_of(qtbot, window: MainWindow, appointment_id: int, provider_id: int) -> AppointmentDialog:
    show(qtbot, window, TUESDAY, ViewMode.DAY, provider_id)
    details = window.open_appointment(appointment_id)
    qtbot.waitUntil(lambda: not window.runner.busy)
    return details


def changes_offered(details: AppointmentDialog) -> list[bool]:
    return [details.status_row.isVisible(), details.cancel_button.isVisible(), details.reschedule_button.isVisible()]


def move_here_offered(window: MainWindow, details: AppointmentDialog) -> bool:
    mover = window.dialogs.open_reschedule(details.appointment)
    visible = mover.picker.book_button.isVisible()
    mover.reject()
    return visible


def patient_edit_offered(window: MainWindow, details: AppointmentDialog) -> list[bool]:
    """Whether Edit patient is offered in the appointment's details and in the Find patient dialog."""
    finder = window.dialogs.find_patient()
    offered = [details.edit_patient_button.isVisible(), finder.edit_button.isVisible()]
    finder.reject()
    return offered


def empty_time_menu(qtbot, window: MainWindow, provider_id: int) -> list[str]:
    """What a right click on an empty time of the provider's day offers."""
    show(qtbot, window, TUESDAY, ViewMode.DAY, provider_id)
    menu = window.calendar_menu.open_for(None, (window.day_view.columns[0], at(TUESDAY, 15)), QPoint(0, 0))
    if menu is None:
        return []
    offered = [action.text() for action in menu.actions()]
    menu.close()
    return offered


def admin_menu(window: MainWindow) -> list[str]:
    """The Admin menu's visible entries; empty if the menu itself is hidden."""
    if not window.admin.menu.menuAction().isVisible():
        return []
    return [action.text() for action in window.admin.menu.actions() if action.isVisible()]


def test_a_manager_reads_everything_books_nothing_and_has_the_audit_log(qtbot, open_as, appointment_id, provider_id):
    name, window = open_as("manager")
    assert f"{name} · manager" in window.status.summary()
    assert booking_offered(window) == [False, False]
    assert admin_menu(window) == ["Audit log…"]
    assert empty_time_menu(qtbot, window, provider_id) == []

    details = details_of(qtbot, window, appointment_id, provider_id)
    assert changes_offered(details) == [False, False, False]
    assert not move_here_offered(window, details)
    assert patient_edit_offered(window, details) == [False, False]
    assert details.history.isVisible() and details.history_model.rowCount() == 1

    window.admin.audit_action.trigger()
    assert window.findChild(AuditDialog) is not None


def test_a_receptionist_books_and_has_no_admin_menu(qtbot, open_as, appointment_id, provider_id):
    name, window = open_as("receptionist")
    assert f"{name} · receptionist" in window.status.summary()
    assert booking_offered(window) == [True, True]
    assert admin_menu(window) == []
    assert empty_time_menu(qtbot, window, provider_id) == ["Book here…", "Next available…"]
    details = details_of(qtbot, window, appointment_id, provider_id)
    assert changes_offered(details) == [True, True, True]
    assert move_here_offered(window, details)
    assert patient_edit_offered(window, details) == [True, True]


@pytest.mark.parametrize("role", ["admin", "superuser"])
def test_admins_and_the_superuser_have_everything(qtbot, open_as, appointment_id, provider_id, role):
    name, window = open_as(role)
    assert f"{name} · {role}" in window.status.summary()
    assert booking_offered(window) == [True, True]
    assert admin_menu(window) == [
        "Providers and hours…",
        "Appointment types…",
        "Rooms and equipment…",
        "Clinic closures…",
        "Staff…",
        "Audit log…",
    ]
    assert changes_offered(details_of(qtbot, window, appointment_id, provider_id)) == [True, True, True]
    assert empty_time_menu(qtbot, window, provider_id) == ["Book here…", "Next available…", "Block this time"]

    window.admin.providers_action.trigger()
    window.admin.types_action.trigger()
    window.admin.rooms_action.trigger()
    window.admin.closures_action.trigger()
    window.admin.staff_action.trigger()
    for screen in (ProvidersDialog, AppointmentTypesDialog, RoomsDialog, ClosuresDialog, StaffDialog):
        assert window.findChild(screen) is not None


def test_nothing_is_offered_before_the_database_says_what_the_login_may_do(qtbot, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    desk = Desk(db_url)
    try:
        settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
        window = desk.open(qtbot, settings, TaskRunner(), wait_online=False)
        assert window.desk.permissions is None and not window.desk.can_book
        assert booking_offered(window) == [False, False]
        assert admin_menu(window) == []
        assert not window.status.account.isVisible()
        qtbot.waitUntil(lambda: window.desk.permissions is not None)
        assert booking_offered(window) == [True, True]
    finally:
        desk.close()


def test_a_role_changed_by_it_shows_at_the_next_re_read(
    qtbot, open_as, engine, appointment_id, provider_id, monkeypatch
):
    monkeypatch.setattr("app.ui.desk.REREAD_INTERVAL_MS", 300)
    name, window = open_as("manager")
    details = details_of(qtbot, window, appointment_id, provider_id)
    assert changes_offered(details) == [False, False, False]

    with engine.begin() as conn:  # IT moves the login from the managers to the receptionists
        conn.execute(text(f'GRANT clinic_receptionist TO "{name}"'))
        conn.execute(text(f'REVOKE clinic_manager FROM "{name}"'))
    qtbot.waitUntil(lambda: window.desk.can_book, timeout=5_000)
    assert patient_edit_offered(window, details) == [True, True]

    assert f"{name} · receptionist" in window.status.summary()
    assert booking_offered(window) == [True, True]
    assert admin_menu(window) == []
    assert empty_time_menu(qtbot, window, provider_id) == ["Book here…", "Next available…"]
    assert changes_offered(details) == [True, True, True]


def test_a_write_the_database_refuses_is_told_plainly(qtbot, runner, signed_in, appointment_id, clinic):
    _, manager = signed_in("manager")
    details = AppointmentDialog(runner, manager, schedule.appointment(clinic, appointment_id))
    qtbot.addWidget(details)
    details.show()  # on its own the dialog offers the changes: the database is the guard

    click(qtbot, details.status_buttons[AppointmentStatus.CHECKED_IN])
    qtbot.waitUntil(lambda: details.banner.text() != "")
    assert "may not do this" in details.banner.text()
    assert schedule.appointment(clinic, appointment_id).status == "booked"
    qtbot.waitUntil(lambda: not runner.busy)  # it reads the appointment again: done before the login is dropped
