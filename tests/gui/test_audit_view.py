"""The audit trail on screen: entries in words, the models, an appointment's history in its details, and the
audit log's filters, over rows the database's triggers wrote for real staff logins."""

import dataclasses
import socket
from datetime import date, datetime

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.domain.models import AppointmentStatus
from app.live.changes import Change
from app.services import booking, schedule
from app.ui.admin.audit_dialog import ANYONE, AuditDialog
from app.ui.dialogs.appointment_dialog import AppointmentDialog
from app.ui.models.audit_model import AuditFieldsModel, AuditTableModel, EntryRole
from tests.audit_entries import changed, entry
from tests.conftest import ZONE
from tests.gui.desks import click
from tests.logins import backdate, signed_in_fixture, trail_fixture  # noqa: F401

# --- models ---

MOVED = changed(starts_at="2030-01-08T13:30:00+00:00", ends_at="2030-01-08T14:00:00+00:00")
CREATED = entry("patients", "INSERT", None, {"first_name": "Ada", "phone": "1"}, patient="Ada Lovelace")


def test_the_address_the_server_saw_stands_beside_the_name_the_desk_gave():
    model = AuditTableModel(ZONE)
    model.set_entries([dataclasses.replace(CREATED, workstation="clinic-scheduler@frontdesk-1", address="10.0.0.7")])
    assert model.data(model.index(0, 2)) == "frontdesk-1 (10.0.0.7)"
    assert "connected from 10.0.0.7" in model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole)


def test_the_models_pass_the_qt_model_tester_empty_filled_and_reset(qtmodeltester):
    table, fields = AuditTableModel(ZONE), AuditFieldsModel(ZONE)
    qtmodeltester.check(table)
    qtmodeltester.check(fields)
    table.set_entries([MOVED, CREATED])
    fields.set_entry(MOVED)
    qtmodeltester.check(table)
    qtmodeltester.check(fields)
    table.set_entries([CREATED])
    fields.set_entry(None)
    qtmodeltester.check(table)
    qtmodeltester.check(fields)


def test_a_row_tells_when_who_where_what_and_about_whom():
    model = AuditTableModel(ZONE)
    model.set_entries([MOVED, CREATED])
    row = [model.data(model.index(1, column)) for column in range(model.columnCount())]
    assert row == ["Mon 7 Jan 2030 09:05", "anna", "frontdesk-1", "patient created", "Ada Lovelace"]
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole) == (
        "clinic-scheduler@frontdesk-1 (the name the program gave), connected on the database server's own computer"
        " (as the server saw it)"
    )
    assert model.data(model.index(0, 0), EntryRole) == MOVED and model.entry_at(1) == CREATED
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is None
    assert model.data(QModelIndex()) is None


def test_fields_show_the_changed_ones_first_in_bold_and_moments_in_the_clinics_zone():
    model = AuditFieldsModel(ZONE)
    model.set_entry(MOVED)
    rows = [[model.data(model.index(row, column)) for column in range(3)] for row in range(model.rowCount())]
    assert rows[:2] == [
        ["Ends at", "—", "Tue 8 Jan 2030 15:00"],
        ["Starts at", "Tue 8 Jan 2030 10:00", "Tue 8 Jan 2030 14:30"],
    ]
    assert ["Status", "Booked", "Booked"] in rows
    assert [model.is_changed(row) for row in range(model.rowCount())] == [True, True, False, False, False, False]
    assert model.data(model.index(0, 1), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(2, 1), Qt.ItemDataRole.FontRole) is None


# --- an appointment's history in its details ---


def open_details(qtbot, runner, clinic, appointment_id: int) -> AppointmentDialog:
    dialog = AppointmentDialog(runner, clinic, schedule.appointment(clinic, appointment_id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not runner.busy)
    return dialog


def history_rows(dialog: AppointmentDialog) -> list[list[str]]:
    model = dialog.history_model
    return [[model.data(model.index(row, column)) for column in (1, 2, 3)] for row in range(model.rowCount())]


def test_details_show_who_booked_moved_and_checked_in_from_which_workstation(qtbot, runner, signed_in, trail, clinic):
    _, manager = signed_in("manager")
    dialog = open_details(qtbot, runner, manager, trail.appointment)
    desk = socket.gethostname()
    provider = dialog.appointment.provider_name
    assert history_rows(dialog) == [
        [trail.anna, desk, f"booked Tue 8 Jan 09:00 with {provider}"],
        [trail.ben, desk, "moved from Tue 8 Jan 09:00 to 11:30"],
        [trail.anna, desk, "status: booked → checked in"],
    ]
    assert dialog.history_state.text() == "3 changes"
    assert dialog.history.isColumnHidden(AuditTableModel.PATIENT_COLUMN)


def test_the_history_follows_changes_from_this_desk_and_others(qtbot, runner, signed_in, trail, clinic, provider_id):
    name, receptionist = signed_in("receptionist")
    dialog = open_details(qtbot, runner, receptionist, trail.appointment)
    booking.change_status(clinic, trail.appointment, "booked")  # another desk undoes the check-in
    dialog.on_schedule_change(Change("appointments", "UPDATE", trail.appointment, provider_id, None))
    qtbot.waitUntil(lambda: dialog.history_model.rowCount() == 4)
    assert history_rows(dialog)[-1][2] == "status: checked in → booked"

    with qtbot.waitSignal(dialog.changed):
        click(qtbot, dialog.status_buttons[AppointmentStatus.NO_SHOW])
    qtbot.waitUntil(lambda: dialog.history_model.rowCount() == 5)
    assert history_rows(dialog)[-1] == [name, socket.gethostname(), "status: booked → no-show"]


# --- the audit log ---

ANNAS_DAY, BENS_DAY = date(2029, 12, 20), date(2030, 1, 5)  # within the last 30 days of the clinic's clock


@pytest.fixture
def audit_log(qtbot, runner, signed_in, trail, engine):
    """The audit log of a manager, over Anna's changes on one day and Ben's on another."""
    backdate(engine, trail.anna, datetime(2029, 12, 20, 16, 0, tzinfo=ZONE))
    backdate(engine, trail.ben, datetime(2030, 1, 5, 9, 30, tzinfo=ZONE))
    _, manager = signed_in("manager")
    dialog = AuditDialog(runner, manager)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not runner.busy)
    return dialog


def shown(qtbot, dialog: AuditDialog) -> list[tuple[str, str]]:
    """(who, what) of the listed entries, once the dialog's reads are done."""
    qtbot.waitUntil(lambda: not dialog._runner.busy)
    model = dialog.model
    return [(model.data(model.index(row, 1)), model.data(model.index(row, 3))) for row in range(model.rowCount())]


def test_the_audit_log_opens_on_the_last_month_newest_first(qtbot, audit_log, trail):
    assert shown(qtbot, audit_log) == [
        (trail.ben, "moved from Tue 8 Jan 09:00 to 11:30"),
        (trail.ben, "patient created"),
        (trail.anna, "status: booked → checked in"),
        (trail.anna, f"booked Tue 8 Jan 09:00 with {audit_log.model.entry_at(3).provider}"),
        (trail.anna, "patient created"),
    ]
    assert audit_log.state_label.text() == "5 entries, newest first"
    combo = audit_log.user_combo
    assert [combo.itemText(i) for i in range(combo.count())][:1] == [ANYONE]
    assert {trail.anna, trail.ben} <= {combo.itemText(i) for i in range(combo.count())}


def test_the_audit_log_filters_by_user(qtbot, audit_log, trail):
    audit_log.set_user(trail.anna)
    assert {who for who, _ in shown(qtbot, audit_log)} == {trail.anna}
    assert len(shown(qtbot, audit_log)) == 3
    audit_log.set_user(None)
    assert len(shown(qtbot, audit_log)) == 5


def test_the_audit_log_filters_by_days(qtbot, audit_log, trail):
    audit_log.set_days(BENS_DAY, BENS_DAY)
    assert {who for who, _ in shown(qtbot, audit_log)} == {trail.ben}
    audit_log.to_edit.setDate(date(2030, 1, 4))  # before the first day: nothing is read
    assert shown(qtbot, audit_log) == [] and "before the first" in audit_log.state_label.text()
    audit_log.set_days(ANNAS_DAY, date(2030, 1, 4))
    assert {who for who, _ in shown(qtbot, audit_log)} == {trail.anna}


def test_the_audit_log_filters_by_patient_and_shows_the_chosen_entrys_fields(qtbot, audit_log, trail):
    audit_log.patient_search.set_query("Benedikt")
    qtbot.waitUntil(lambda: audit_log.patient_search.result_count() == 1)
    audit_log.patient_search.choose_row(0)
    assert shown(qtbot, audit_log) == [(trail.ben, "patient created")]
    assert audit_log.patient_hint.text().startswith("Only Benedikt ")

    audit_log.table.selectRow(0)
    fields = audit_log.fields_model
    names = [fields.data(fields.index(row, 0)) for row in range(fields.rowCount())]
    first_name, email = names.index("First name"), names.index("Email")  # no email: nothing changed there
    assert fields.is_changed(first_name) and not fields.is_changed(email)
    assert [fields.data(fields.index(first_name, column)) for column in (1, 2)] == ["", "Benedikt"]
    assert audit_log.entry_label.text().startswith(f"patient created — {trail.ben} at ")

    audit_log.patient_search.set_query("")  # as clearing the search box does
    assert len(shown(qtbot, audit_log)) == 5 and audit_log.patient_hint.text() == "Any patient"
    assert fields.rowCount() == 0
