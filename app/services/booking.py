"""Book, reschedule, cancel and change the status of appointments.

Every write follows one pattern: validate, then in one transaction get-or-create the slot, lock it
(`SELECT ... FOR UPDATE`), check it is free, write. The database's unique index and exclusion
constraints stay the last word: their violations become SlotTaken, never a crash.
"""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from app.domain.errors import InvalidInput, NotFound, SlotTaken
from app.domain.models import (
    ALLOWED_TRANSITIONS,
    AppointmentStatus,
    BookingRequest,
    RescheduleRequest,
    StatusChange,
    validate,
)
from app.domain.slots import Interval
from app.services.context import Clinic
from app.services.rules import check_bookable_time, load_provider_day

INSERT_SLOT = text(
    "INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:provider_id, :start, :end)"
    " ON CONFLICT (provider_id, start_time) DO NOTHING"
)
LOCK_SLOT = text(
    "SELECT s.id, s.end_time, a.id AS holder_id, a.request_id AS holder_request"
    " FROM time_slots s LEFT JOIN appointments a ON a.slot_id = s.id AND a.status <> 'cancelled'"
    " WHERE s.provider_id = :provider_id AND s.start_time = :start FOR UPDATE OF s"
)
# A slot row outlives a change of the provider's slot length; a free one takes the current length.
RESIZE_SLOT = text("UPDATE time_slots SET end_time = :end WHERE id = :slot_id")
INSERT_APPOINTMENT = text(
    "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, notes, request_id)"
    " VALUES (:slot_id, :provider_id, :start, :end, :patient_id,"
    " COALESCE(:type_id, (SELECT id FROM appointment_types WHERE is_default)), :notes, :request_id)"
    " RETURNING id"
)
FIND_BY_REQUEST = text("SELECT id FROM appointments WHERE request_id = :request_id")
LOCK_APPOINTMENT = text(
    "SELECT id, provider_id, patient_id, slot_id, starts_at, status FROM appointments WHERE id = :id FOR UPDATE"
)
MOVE_APPOINTMENT = text("UPDATE appointments SET slot_id = :slot_id, starts_at = :start, ends_at = :end WHERE id = :id")
SET_STATUS = text("UPDATE appointments SET status = :status WHERE id = :id")


class _RequestAlreadyBooked(Exception):
    """The request id is already in the table: a retry of a booking whose commit went through."""


def _integrity_to_domain(exc: IntegrityError) -> Exception:
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    match constraint:
        case "appointments_one_live_per_slot" | "appointments_no_provider_overlap":
            return SlotTaken()
        case "appointments_no_patient_overlap":
            return InvalidInput.single("patient_id", "the patient already has an appointment at that time")
        case "appointments_request_id_key":
            return _RequestAlreadyBooked()
        case "appointments_patient_id_fkey":
            return InvalidInput.single("patient_id", "no such patient")
        case "appointments_type_id_fkey":
            return InvalidInput.single("type_id", "no such appointment type")
    if getattr(exc.orig, "sqlstate", None) == "23502":  # NOT NULL: no type given and no default type
        return InvalidInput.single("type_id", "choose an appointment type")
    return exc


def _lock_slot(conn: Connection, provider_id: int, slot: Interval):
    """Get-or-create the slot row and lock it; return (id, end_time, holder_id, holder_request)."""
    params = {"provider_id": provider_id, "start": slot.start, "end": slot.end}
    conn.execute(INSERT_SLOT, params)
    return conn.execute(LOCK_SLOT, params).one()


def book(clinic: Clinic, **values) -> int:
    """Book an appointment; return its id. Raises InvalidInput, SlotTaken, SlotBusy or DatabaseUnavailable.

    Values: provider_id, patient_id, start (aware datetime), type_id, notes, request_id. Booking twice
    with the same request_id returns the first booking's id instead of booking again.
    """
    request = validate(BookingRequest, **values)
    check_bookable_time(clinic, request.start)

    def work(conn: Connection) -> int:
        day = load_provider_day(clinic, conn, request.provider_id, clinic.local(request.start).date())
        slot = day.slot_at(request.start)
        locked = _lock_slot(conn, request.provider_id, slot)
        if locked.holder_id is not None:
            if locked.holder_request == request.request_id:  # a retry of this very booking
                return locked.holder_id
            raise SlotTaken()
        if locked.end_time != slot.end:
            conn.execute(RESIZE_SLOT, {"slot_id": locked.id, "end": slot.end})
        try:
            return conn.execute(
                INSERT_APPOINTMENT,
                {
                    "slot_id": locked.id,
                    "provider_id": request.provider_id,
                    "start": slot.start,
                    "end": slot.end,
                    "patient_id": request.patient_id,
                    "type_id": request.type_id,
                    "notes": request.notes,
                    "request_id": request.request_id,
                },
            ).scalar_one()
        except IntegrityError as exc:
            raise _integrity_to_domain(exc) from exc

    try:
        return clinic.uow.run(work)
    except _RequestAlreadyBooked:
        return _find_by_request(clinic, request.request_id)


def _find_by_request(clinic: Clinic, request_id: UUID) -> int:
    return clinic.uow.run(lambda conn: conn.execute(FIND_BY_REQUEST, {"request_id": request_id}).scalar_one())


def _lock_appointment(conn: Connection, appointment_id: int):
    row = conn.execute(LOCK_APPOINTMENT, {"id": appointment_id}).one_or_none()
    if row is None:
        raise NotFound("appointment_id", "appointment", appointment_id)
    return row


def reschedule(clinic: Clinic, appointment_id: int, start: datetime) -> None:
    """Move a booked appointment to another free slot of the same provider, atomically.

    The old and new slot rows are locked in id order, so two desks swapping appointments cannot deadlock.
    Moving an appointment to where it already is succeeds (a retry after a lost commit does that).
    """
    request = validate(RescheduleRequest, appointment_id=appointment_id, start=start)
    check_bookable_time(clinic, request.start)

    def work(conn: Connection) -> None:
        appointment = _lock_appointment(conn, request.appointment_id)
        if appointment.starts_at == request.start:
            return
        if appointment.status != AppointmentStatus.BOOKED:
            raise InvalidInput.single("appointment_id", f"a {appointment.status} appointment cannot be moved")
        day = load_provider_day(clinic, conn, appointment.provider_id, clinic.local(request.start).date())
        slot = day.slot_at(request.start)
        conn.execute(INSERT_SLOT, {"provider_id": appointment.provider_id, "start": slot.start, "end": slot.end})
        new_slot_id = conn.execute(
            text("SELECT id FROM time_slots WHERE provider_id = :p AND start_time = :s"),
            {"p": appointment.provider_id, "s": slot.start},
        ).scalar_one()
        rows = conn.execute(
            text(
                "SELECT s.id, s.end_time, EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = s.id"
                " AND a.status <> 'cancelled' AND a.id <> :appointment_id) AS taken"
                " FROM time_slots s WHERE s.id IN (:old, :new) ORDER BY s.id FOR UPDATE OF s"
            ),
            {"appointment_id": appointment.id, "old": appointment.slot_id, "new": new_slot_id},
        ).all()
        target = next(r for r in rows if r.id == new_slot_id)
        if target.taken:
            raise SlotTaken()
        if target.end_time != slot.end:
            conn.execute(RESIZE_SLOT, {"slot_id": new_slot_id, "end": slot.end})
        try:
            conn.execute(
                MOVE_APPOINTMENT, {"id": appointment.id, "slot_id": new_slot_id, "start": slot.start, "end": slot.end}
            )
        except IntegrityError as exc:
            raise _integrity_to_domain(exc) from exc

    clinic.uow.run(work)


def change_status(clinic: Clinic, appointment_id: int, status: str) -> None:
    """Set an appointment's status if the move is allowed (see ALLOWED_TRANSITIONS); same status is a no-op."""
    request = validate(StatusChange, appointment_id=appointment_id, status=status)

    def work(conn: Connection) -> None:
        current = AppointmentStatus(_lock_appointment(conn, request.appointment_id).status)
        if current == request.status:
            return
        if request.status not in ALLOWED_TRANSITIONS[current]:
            raise InvalidInput.single("status", f"a {current} appointment cannot become {request.status}")
        try:
            conn.execute(SET_STATUS, {"id": request.appointment_id, "status": request.status.value})
        except IntegrityError as exc:  # un-cancelling is refused above; this guards any other revival
            raise _integrity_to_domain(exc) from exc

    clinic.uow.run(work)


def cancel(clinic: Clinic, appointment_id: int) -> None:
    """Cancel an appointment, freeing its slot. Cancelling a cancelled appointment is a no-op."""
    change_status(clinic, appointment_id, AppointmentStatus.CANCELLED)
