"""The audit trail in words: what each entry did ("booked Tue 8 Jan 14:30 with Dr. X", "staff disabled: jdoe"),
and its fields' names and values. Times are told in the clinic's zone."""

from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from app import APP_NAME
from app.domain.models import AppointmentStatus
from app.domain.schedule_setup import WEEKDAY_NAMES
from app.services.access import GROUPS
from app.services.audit import AuditEntry
from app.ui.dates import DAY_IN_MONTH, clock, moment_words
from app.ui.labels import status_label

# The fields a desk edits, in the order their forms show them, as an "edited (…)" line names them.
PATIENT_FIELDS = {
    "first_name": "first name",
    "last_name": "last name",
    "date_of_birth": "date of birth",
    "phone": "phone",
    "email": "email",
}
PROVIDER_FIELDS = {"name": "name", "specialty": "specialty"}
TYPE_FIELDS = {"code": "code", "name": "name", "color": "colour", "is_default": "default"}
# Columns whose values are moments, shown in the clinic's zone.
MOMENTS = {"starts_at", "ends_at", "start_time", "end_time", "created_at", "updated_at"}
ACTION_WORDS = {"INSERT": "added", "UPDATE": "changed", "DELETE": "removed"}


# --- values ---


def moment_text(moment: datetime, zone: ZoneInfo) -> str:
    return moment_words(moment.astimezone(zone))


def _slot_text(value: Any, zone: ZoneInfo, same_day_as: Any = None) -> str:
    """A start as "Tue 8 Jan 14:30", or only "14:30" on the same day as `same_day_as`."""
    local = datetime.fromisoformat(value).astimezone(zone)
    if same_day_as is not None and datetime.fromisoformat(same_day_as).astimezone(zone).date() == local.date():
        return clock(local)
    return moment_words(local, DAY_IN_MONTH)


def _clock(value: str) -> str:
    """A wall-clock time of the weekly hours ("08:00:00") as "08:00"."""
    return clock(time.fromisoformat(value))


def changed_fields(entry: AuditEntry) -> list[str]:
    """The columns whose values differ between before and after (all of them for an insert or a delete)."""
    before, after = entry.before or {}, entry.after or {}
    return [key for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)]


def _edited(entry: AuditEntry, labels: dict[str, str]) -> str:
    """The edited fields a form shows, in its order, as " (name, specialty)"; "" if none of them changed."""
    changed = changed_fields(entry)
    fields = [label for key, label in labels.items() if key in changed]
    return f" ({', '.join(fields)})" if fields else ""


def _for_provider(entry: AuditEntry) -> str:
    return f" for {entry.provider}" if entry.provider else ""


# --- one describer a table ---


def _moved(before: dict, after: dict, zone: ZoneInfo, key: str) -> str:
    return f"moved from {_slot_text(before[key], zone)} to {_slot_text(after[key], zone, same_day_as=before[key])}"


def _describe_appointment(entry: AuditEntry, zone: ZoneInfo) -> str:
    with_provider = f" with {entry.provider}" if entry.provider else ""
    if entry.action == "INSERT":
        return f"booked {_slot_text(entry.row['starts_at'], zone)}{with_provider}"
    if entry.action == "DELETE":
        return "deleted"
    before, after, changed = entry.before or {}, entry.after or {}, set(changed_fields(entry))
    parts = []
    if "starts_at" in changed:
        parts.append(_moved(before, after, zone, "starts_at"))
    if "status" in changed:
        if after["status"] == AppointmentStatus.CANCELLED:
            parts.append("cancelled")
        else:
            parts.append(f"status: {status_label(before['status']).lower()} → {status_label(after['status']).lower()}")
    if "notes" in changed:
        parts.append("notes changed")
    if "type_id" in changed:
        parts.append("type changed")
    return "; ".join(parts) or "details changed"


def _describe_patient(entry: AuditEntry, _zone: ZoneInfo) -> str:
    if entry.action == "INSERT":
        return "patient created"
    if entry.action == "DELETE":
        return "patient deleted"
    return f"patient edited{_edited(entry, PATIENT_FIELDS)}"


def _describe_slot(entry: AuditEntry, zone: ZoneInfo) -> str:
    if entry.action == "DELETE":
        return "time slot removed"
    if "start_time" in changed_fields(entry):
        return "time slot " + _moved(entry.before or {}, entry.after or {}, zone, "start_time")
    return "time slot changed"


def _describe_provider(entry: AuditEntry, _zone: ZoneInfo) -> str:
    name = entry.row.get("name", "")
    if entry.action == "INSERT":
        return f"provider added: {name}"
    if entry.action == "DELETE":
        return f"provider removed: {name}"
    parts = []
    if edited := _edited(entry, PROVIDER_FIELDS):
        parts.append(f"provider edited{edited}: {name}")
    if "active" in changed_fields(entry):
        parts.append(f"provider {'reactivated' if entry.row.get('active') else 'deactivated'}: {name}")
    return "; ".join(parts) or f"provider changed: {name}"


def _describe_hours(entry: AuditEntry, _zone: ZoneInfo) -> str:
    # Saving a week replaces its blocks: the old ones are removed, the new ones added.
    block = entry.row
    words = "removed" if entry.action == "DELETE" else "changed"
    day = WEEKDAY_NAMES.get(block.get("weekday"), f"day {block.get('weekday')}")
    span = f"{_clock(block['start_time'])}–{_clock(block['end_time'])}, {block['slot_minutes']} min"
    return f"weekly hours {words}{_for_provider(entry)}: {day} {span}"


def _describe_time_off(entry: AuditEntry, zone: ZoneInfo) -> str:
    off = entry.row
    span = f"{_slot_text(off['starts_at'], zone)} – {_slot_text(off['ends_at'], zone, same_day_as=off['starts_at'])}"
    reason = f" ({off['reason']})" if off.get("reason") else ""
    return f"time off {ACTION_WORDS[entry.action]}{_for_provider(entry)}: {span}{reason}"


def _describe_type(entry: AuditEntry, _zone: ZoneInfo) -> str:
    name = entry.row.get("name", "")
    if entry.action == "UPDATE":
        return f"appointment type edited{_edited(entry, TYPE_FIELDS)}: {name}"
    return f"appointment type {ACTION_WORDS[entry.action]}: {name}"


def _role_words(group: Any) -> str:
    return GROUPS.get(group, str(group))


def _describe_staff(entry: AuditEntry, _zone: ZoneInfo) -> str:
    before, after = entry.before or {}, entry.after or {}
    name = entry.row.get("name", "")
    if entry.action == "INSERT":
        return f"staff added: {name} ({_role_words(after.get('role'))})"
    if entry.action == "DELETE":
        return f"staff removed: {name}"
    changed = changed_fields(entry)
    parts = []
    if "enabled" in changed:
        parts.append(f"staff {'enabled' if after.get('enabled') else 'disabled'}: {name}")
    if "role" in changed:
        parts.append(f"staff role changed: {name} ({_role_words(before.get('role'))} → {_role_words(after['role'])})")
    if after.get("password_set"):
        parts.append("changed their own password" if name == entry.user else f"password set: {name}")
    return "; ".join(parts) or f"staff changed: {name}"


DESCRIBERS: dict[str, Callable[[AuditEntry, ZoneInfo], str]] = {
    "appointments": _describe_appointment,
    "patients": _describe_patient,
    "time_slots": _describe_slot,
    "providers": _describe_provider,
    "working_hours": _describe_hours,
    "time_off": _describe_time_off,
    "appointment_types": _describe_type,
    "staff": _describe_staff,
}


def describe(entry: AuditEntry, zone: ZoneInfo) -> str:
    """What happened, in words ("booked Tue 8 Jan 14:30 with Dr. X", "status: booked → checked in")."""
    describer = DESCRIBERS.get(entry.table)
    if describer is None:  # a table this version does not know yet: say at least what kind of change
        return f"{entry.table.replace('_', ' ')}: row {ACTION_WORDS.get(entry.action, entry.action.lower())}"
    return describer(entry, zone)


# --- an entry's fields ---


def workstation_text(entry: AuditEntry) -> str:
    """The desk's computer as it named itself ("frontdesk-2", without the program's name every desk's connection
    starts with), and the address the server saw it connect from (which the desk cannot choose)."""
    named = entry.workstation.removeprefix(f"{APP_NAME}@") or "unknown"
    return f"{named} ({entry.address})" if entry.address else named


def field_label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def value_text(key: str, value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return "—"
    if key in MOMENTS and isinstance(value, str):
        try:
            return moment_text(datetime.fromisoformat(value), zone)
        except ValueError:
            pass  # a wall-clock time of the weekly hours ("08:00:00") has the same column names
    if key == "status":
        return status_label(value)
    return str(value)
