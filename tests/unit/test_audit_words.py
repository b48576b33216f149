"""The audit trail in words: each table's entries told as a person would say them, in the clinic's zone."""

import pytest

from app.services.audit import AuditEntry
from app.ui.audit_words import changed_fields, describe, value_text
from tests.audit_entries import BOOKED, changed, entry
from tests.conftest import ZONE


@pytest.mark.parametrize(
    ("audited", "words"),
    [
        (entry("appointments", "INSERT", None, BOOKED, provider="Dr. Xu"), "booked Tue 8 Jan 10:00 with Dr. Xu"),
        (changed(starts_at="2030-01-08T13:30:00+00:00"), "moved from Tue 8 Jan 10:00 to 14:30"),
        (changed(starts_at="2030-01-09T08:00:00+00:00"), "moved from Tue 8 Jan 10:00 to Wed 9 Jan 09:00"),
        (changed(status="checked_in"), "status: booked → checked in"),
        (changed(status="no_show"), "status: booked → no-show"),
        (changed(status="cancelled"), "cancelled"),
        (changed(notes="Bring the scans"), "notes changed"),
        (changed(notes="x", type_id=2), "notes changed; type changed"),
        (changed(ends_at="2030-01-08T09:45:00+00:00"), "details changed"),
        (entry("appointments", "DELETE", BOOKED, None), "deleted"),
        (entry("patients", "INSERT", None, {"first_name": "Ada"}), "patient created"),
        (
            entry("patients", "UPDATE", {"phone": "1", "email": None, "id": 3}, {"phone": "2", "email": "a", "id": 3}),
            "patient edited (phone, email)",
        ),
        (
            entry("time_slots", "UPDATE", {"start_time": BOOKED["starts_at"]}, {"start_time": "2030-01-08T10:00:00Z"}),
            "time slot moved from Tue 8 Jan 10:00 to 11:00",
        ),
        (entry("time_slots", "DELETE", {"start_time": BOOKED["starts_at"]}, None), "time slot removed"),
    ],
)
def test_each_change_is_told_in_words_in_the_clinics_zone(audited, words):
    assert describe(audited, ZONE) == words


def test_changed_fields_are_the_ones_that_differ():
    assert changed_fields(changed(status="completed", notes="done")) == ["notes", "status"]
    assert changed_fields(entry("appointments", "INSERT", None, {"a": 1, "b": None})) == ["a"]


# --- the schedule's setup and the staff ---

PROVIDER = {"id": 3, "name": "Dr. Xu", "specialty": "", "active": True, "created_at": "2030-01-02T08:00:00+00:00"}
HOURS = {"id": 9, "provider_id": 3, "weekday": 1, "start_time": "08:00:00", "end_time": "12:00:00", "slot_minutes": 30}
OFF = {"id": 4, "provider_id": 3, "starts_at": "2030-01-08T07:00:00+00:00", "ends_at": "2030-01-08T11:00:00+00:00"}
CHECKUP = {"id": 2, "code": "checkup", "name": "Checkup", "color": "#2a9d8f", "is_default": False}
JDOE = {"name": "jdoe", "role": "clinic_receptionist", "enabled": True}


def edited(table: str, before: dict, **values) -> AuditEntry:
    return entry(table, "UPDATE", before, {**before, **values})


@pytest.mark.parametrize(
    ("audited", "words"),
    [
        (entry("providers", "INSERT", None, PROVIDER), "provider added: Dr. Xu"),
        (edited("providers", PROVIDER, name="Dr. Yu", specialty="Dental"), "provider edited (name, specialty): Dr. Yu"),
        (edited("providers", PROVIDER, active=False), "provider deactivated: Dr. Xu"),
        (edited("providers", {**PROVIDER, "active": False}, active=True), "provider reactivated: Dr. Xu"),
        (entry("providers", "DELETE", PROVIDER, None), "provider removed: Dr. Xu"),
        (entry("working_hours", "INSERT", None, HOURS), "weekly hours changed: Monday 08:00–12:00, 30 min"),
        (
            entry("working_hours", "DELETE", {**HOURS, "weekday": 7}, None, provider="Dr. Xu"),
            "weekly hours removed for Dr. Xu: Sunday 08:00–12:00, 30 min",
        ),
        (
            entry("time_off", "INSERT", None, {**OFF, "reason": "Training"}, provider="Dr. Xu"),
            "time off added for Dr. Xu: Tue 8 Jan 08:00 – 12:00 (Training)",
        ),
        (
            entry("time_off", "DELETE", {**OFF, "ends_at": "2030-01-10T17:00:00+00:00", "reason": ""}, None),
            "time off removed: Tue 8 Jan 08:00 – Thu 10 Jan 18:00",
        ),
        (entry("appointment_types", "INSERT", None, CHECKUP), "appointment type added: Checkup"),
        (
            edited("appointment_types", CHECKUP, color="#e76f51", is_default=True),
            "appointment type edited (colour, default): Checkup",
        ),
        (entry("appointment_types", "DELETE", CHECKUP, None), "appointment type removed: Checkup"),
        (entry("staff", "INSERT", None, {**JDOE, "password_set": True}), "staff added: jdoe (receptionist)"),
        (entry("staff", "INSERT", None, {**JDOE, "role": "clinic_admin"}), "staff added: jdoe (admin)"),
        (edited("staff", JDOE, enabled=False), "staff disabled: jdoe"),
        (edited("staff", {**JDOE, "enabled": False}, enabled=True), "staff enabled: jdoe"),
        (edited("staff", JDOE, password_set=True), "password set: jdoe"),
        (edited("staff", JDOE, role="clinic_manager"), "staff role changed: jdoe (receptionist → manager)"),
        (entry("staff", "UPDATE", JDOE, JDOE), "staff changed: jdoe"),
        (entry("rooms", "INSERT", None, {"id": 1}), "rooms: row added"),
        (entry("lab_results", "DELETE", {"id": 1}, None), "lab results: row removed"),
    ],
)
def test_the_schedules_setup_and_the_staff_are_told_in_words(audited, words):
    assert describe(audited, ZONE) == words


def test_a_weekly_hours_time_is_shown_as_it_is_and_a_moment_in_the_clinics_zone():
    assert value_text("start_time", "08:00:00", ZONE) == "08:00:00"
    assert value_text("starts_at", OFF["starts_at"], ZONE) == "Tue 8 Jan 2030 08:00"
