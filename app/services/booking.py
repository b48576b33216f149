"""Book, reschedule, cancel and change the status of appointments.

Every write follows one pattern: validate (a booking arrives as the BookingRequest its caller built and checked;
a move or a status change is checked here), then in one transaction get-or-create the slot
(`INSERT ... ON CONFLICT DO NOTHING`), lock it (`SELECT ... FOR UPDATE`), check it is free, write.
The check runs as a statement of its own after the lock: under READ COMMITTED each statement sees
what was committed before it began, so it sees the booking of a desk we waited for. The database's
unique index and exclusion constraints stay the last word; their violations become SlotTaken.

A booking reads the provider's rules first, outside the transaction, and in the same statement
whether the slot is already held: a slot booked before we looked is refused at once, without
queueing for its lock. The booking transaction then travels in one round trip: BEGIN, its three statements and
COMMIT, pipelined. A booking waits for the server twice in all (tests/integration/test_round_trips.py counts).
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.exc import IntegrityError

from app.db.errors import missing_value, violated_constraint
from app.db.pipeline import execute_pipelined
from app.domain.errors import InvalidInput, NotFound, SlotTaken
from app.domain.models import (
    ALLOWED_TRANSITIONS,
    ON_ITS_DAY,
    AppointmentStatus,
    BookingDetails,
    BookingRequest,
    PatientIn,
    RescheduleRequest,
    StatusChange,
    transitions_on,
    validate,
)
from app.domain.slots import Interval
from app.services import patients
from app.services.context import Clinic
from app.services.rules import check_bookable_time, load_provider_day

# What the schedule's rules come from, share-locked first: an admin's change to the provider (activity, hours, time
# off) locks the same row exclusively, so a booking and such a change can no longer commit past each other
# (through a function of migration 0006: staff may not lock the providers' rows themselves).
LOCK_PROVIDER = text("SELECT lock_provider_schedule(:provider_id)")
INSERT_SLOT = text(
    "INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:provider_id, :start, :end)"
    " ON CONFLICT (provider_id, start_time) DO NOTHING"
)
LOCK_SLOT = text("SELECT id FROM time_slots WHERE provider_id = :provider_id AND start_time = :start FOR UPDATE")
# Check and insert in one statement; it reports the holder when the slot is taken, and whether the rules (read
# again, under the locks) still allow the booking: the provider active, the span inside their hours on their
# grid, and no time off over it.
BOOK_IF_FREE = text(
    "WITH rules AS (SELECT p.active,"
    " EXISTS (SELECT 1 FROM working_hours h WHERE h.provider_id = p.id AND h.weekday = :weekday"
    " AND h.start_time <= :local_start AND h.end_time >= :local_end"
    " AND CAST(EXTRACT(EPOCH FROM :local_start - h.start_time) AS integer) % (h.slot_minutes * 60) = 0)"
    " AND NOT EXISTS (SELECT 1 FROM time_off o WHERE o.provider_id = p.id AND o.starts_at < :end"
    " AND o.ends_at > :start) AS fits"
    " FROM providers p WHERE p.id = :provider_id),"
    " slot AS (SELECT id FROM time_slots WHERE provider_id = :provider_id AND start_time = :start),"
    " holder AS (SELECT a.request_id FROM appointments a JOIN slot ON a.slot_id = slot.id"
    " WHERE a.status <> 'cancelled'),"
    " booked AS (INSERT INTO appointments"
    " (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, notes, request_id)"
    " SELECT slot.id, :provider_id, :start, :end, :patient_id,"
    " COALESCE(:type_id, (SELECT id FROM appointment_types WHERE is_default)), :notes, :request_id"
    " FROM slot WHERE NOT EXISTS (SELECT 1 FROM holder) AND (SELECT active AND fits FROM rules) RETURNING id),"
    # A slot row outlives a change of the provider's slot length: a booked one takes the current length.
    " resized AS (UPDATE time_slots SET end_time = :end WHERE id = (SELECT id FROM slot) AND end_time <> :end"
    " AND EXISTS (SELECT 1 FROM booked))"
    " SELECT (SELECT id FROM booked) AS booked_id, holder.request_id AS holder_request,"
    " (SELECT active FROM rules) AS provider_active, (SELECT fits FROM rules) AS fits"
    " FROM (SELECT 1) AS one LEFT JOIN holder ON true"
)
# The slot row takes the provider's current slot length (it outlives a change of it).
RESIZE_SLOT = text("UPDATE time_slots SET end_time = :end WHERE id = :slot_id AND end_time <> :end")
FIND_BY_REQUEST = text(
    "SELECT id, provider_id, patient_id, starts_at, status FROM appointments WHERE request_id = :request_id"
)
LOCK_APPOINTMENT = text(
    "SELECT id, provider_id, patient_id, slot_id, starts_at, status FROM appointments WHERE id = :id FOR UPDATE"
)
# Both slots of a move, locked in id order: two desks swapping appointments take the locks in the same order.
LOCK_SLOTS_IN_ORDER = text(
    "SELECT id, start_time FROM time_slots WHERE id = :old_slot_id OR (provider_id = :provider_id"
    " AND start_time = :start) ORDER BY id FOR UPDATE"
)
SLOT_HOLDER = text(
    "SELECT id FROM appointments WHERE slot_id = :slot_id AND status <> 'cancelled' AND id <> :appointment_id"
)
MOVE_APPOINTMENT = text("UPDATE appointments SET slot_id = :slot_id, starts_at = :start, ends_at = :end WHERE id = :id")
SET_STATUS = text("UPDATE appointments SET status = :status WHERE id = :id")


SCHEDULE_CHANGED = "the provider's hours or time off changed meanwhile, and this time is no longer free"


class _RequestAlreadyBooked(Exception):
    """The request id is already in the table: a retry of a booking whose commit went through."""


def _integrity_to_domain(exc: IntegrityError) -> Exception:
    match violated_constraint(exc):
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
    if missing_value(exc):  # no type given and no default type
        return InvalidInput.single("type_id", "choose an appointment type")
    return exc


@contextmanager
def _constraints_as_domain_errors():
    """Constraint violations raised inside become the domain errors they mean."""
    try:
        yield
    except IntegrityError as exc:
        raise _integrity_to_domain(exc) from exc


def _holder_or_taken(clinic: Clinic, holder_request: UUID, request: BookingRequest) -> int:
    """The holder's id if it is this very booking (a retry after a lost commit), else SlotTaken."""
    if holder_request == request.request_id:
        return _find_by_request(clinic, request, request.patient_id).id
    raise SlotTaken()


def book(clinic: Clinic, request: BookingRequest) -> int:
    """Book an appointment; return its id. Raises InvalidInput, SlotTaken, SlotBusy or DatabaseUnavailable.

    Booking twice with the same request_id returns the first booking's id instead of booking again.
    """
    slot, holder_request = _slot_before_locking(clinic, request)
    if holder_request:  # already booked when we looked: refused without taking a lock
        return _holder_or_taken(clinic, holder_request, request)
    try:
        with _constraints_as_domain_errors():
            outcome = clinic.uow.run_in_one_trip(_booking_statements(clinic, request, slot))
    except _RequestAlreadyBooked:
        return _find_by_request(clinic, request, request.patient_id).id
    return _booked_or_taken(clinic, outcome, request)


@dataclass(frozen=True)
class NewPatientBooked:
    patient_id: int
    appointment_id: int


def book_new_patient(
    clinic: Clinic, patient: PatientIn, details: BookingDetails, *, allow_duplicate: bool = False
) -> NewPatientBooked:
    """Register `patient` and book `details` for them in one transaction: both happen or neither (a connection
    lost between them leaves no patient without their booking). Raises as `book` does, and
    LikelyDuplicatePatient as `patients.insert_patient` does. Repeating it with the same request id after a lost
    answer returns what the first attempt did; a request id that booked something else is refused."""
    slot, holder_request = _slot_before_locking(clinic, details)
    if holder_request and holder_request != details.request_id:
        raise SlotTaken()

    def work(conn: Connection) -> NewPatientBooked:
        done = conn.execute(FIND_BY_REQUEST, {"request_id": details.request_id}).one_or_none()
        if done is not None:  # a retry whose first COMMIT went through
            return NewPatientBooked(done.patient_id, _same_booking(done, details, None).id)
        patient_id = patients.insert_patient(conn, patient, allow_duplicate=allow_duplicate)
        request = BookingRequest(patient_id=patient_id, **details.model_dump())
        return NewPatientBooked(patient_id, _book_slot(conn, clinic, request, slot))

    try:
        return clinic.uow.run(work)
    except _RequestAlreadyBooked:  # another attempt with this request id committed meanwhile
        done = _find_by_request(clinic, details, None)
        return NewPatientBooked(done.patient_id, done.id)


def _slot_before_locking(clinic: Clinic, request: BookingDetails) -> tuple[Interval, UUID | None]:
    """The provider's slot at the request's start by their rules (InvalidInput if there is none), and the request
    id of the live appointment holding it, read outside the transaction."""
    check_bookable_time(clinic, request.start)

    def rules(conn: Connection):
        local_day = clinic.local(request.start).date()
        return load_provider_day(clinic, conn, request.provider_id, local_day, holder_at=request.start)

    day = clinic.uow.read(rules)
    return day.slot_at(request.start), day.holder_request


def _booking_statements(clinic: Clinic, request: BookingRequest, slot: Interval) -> list[tuple[TextClause, dict]]:
    """Share-lock the provider, get-or-create the slot and lock it, then check-and-insert: the server runs them
    in this order (one global order: provider, then slot)."""
    local_start, local_end = clinic.local(slot.start), clinic.local(slot.end)
    params = {
        "weekday": local_start.isoweekday(),
        "local_start": local_start.time(),
        "local_end": local_end.time(),
        "provider_id": request.provider_id,
        "start": slot.start,
        "end": slot.end,
        "patient_id": request.patient_id,
        "type_id": request.type_id,
        "notes": request.notes,
        "request_id": request.request_id,
    }
    return [(LOCK_PROVIDER, params), (INSERT_SLOT, params), (LOCK_SLOT, params), (BOOK_IF_FREE, params)]


def _book_slot(conn: Connection, clinic: Clinic, request: BookingRequest, slot: Interval) -> int:
    """Book in the caller's transaction (a new patient's, registered first): the statements in one round trip."""
    with _constraints_as_domain_errors():
        outcome = execute_pipelined(conn, _booking_statements(clinic, request, slot))
    return _booked_or_taken(clinic, outcome, request)


def _booked_or_taken(clinic: Clinic, outcome, request: BookingRequest) -> int:
    if outcome.booked_id is not None:
        return outcome.booked_id
    if outcome.holder_request is None and outcome.provider_active is False:
        raise InvalidInput.single("provider_id", f"provider {request.provider_id} is no longer active")
    if outcome.holder_request is None and outcome.fits is False:
        raise InvalidInput.single("start", SCHEDULE_CHANGED)
    return _holder_or_taken(clinic, outcome.holder_request, request)


def _find_by_request(clinic: Clinic, request: BookingDetails, patient_id: int | None):
    """The appointment this request id already booked, if it is the same booking (see _same_booking)."""
    found = clinic.uow.read(lambda conn: conn.execute(FIND_BY_REQUEST, {"request_id": request.request_id}).one())
    return _same_booking(found, request, patient_id)


def _same_booking(found, request: BookingDetails, patient_id: int | None):
    """`found` (what the request id booked), if it is the booking `request` asks for (for `patient_id`, unless
    None: a new patient's) and still live; a request id reused for another provider, time or patient is refused,
    and one whose booking was cancelled since says so."""
    same_patient = patient_id is None or found.patient_id == patient_id
    if (found.provider_id, found.starts_at) != (request.provider_id, request.start) or not same_patient:
        raise InvalidInput.single(
            "request_id", "this request already booked another appointment; start a new booking for this one"
        )
    if found.status == AppointmentStatus.CANCELLED:  # not booked any more: a retry must not say it is
        raise InvalidInput.single(
            "request_id",
            f"this request booked appointment {found.id}, which has been cancelled since; start a new booking to"
            " book the time again",
        )
    return found


def _lock_appointment(conn: Connection, appointment_id: int):
    row = conn.execute(LOCK_APPOINTMENT, {"id": appointment_id}).one_or_none()
    if row is None:
        raise NotFound("appointment_id", "appointment", appointment_id)
    return row


def reschedule(clinic: Clinic, appointment_id: int, start: datetime) -> None:
    """Move a booked appointment to another free slot of the same provider, atomically.

    Moving an appointment to where it already is succeeds (a retry after a lost commit does that).
    """
    request = validate(RescheduleRequest, appointment_id=appointment_id, start=start)
    check_bookable_time(clinic, request.start)

    def work(conn: Connection) -> None:
        appointment = _lock_appointment(conn, request.appointment_id)
        if appointment.status != AppointmentStatus.BOOKED:
            raise InvalidInput.single("appointment_id", f"a {appointment.status} appointment cannot be moved")
        if appointment.starts_at == request.start:
            return
        # The rules are read under a share lock on the provider: an admin's change waits, or has committed.
        conn.execute(LOCK_PROVIDER, {"provider_id": appointment.provider_id})
        day = load_provider_day(clinic, conn, appointment.provider_id, clinic.local(request.start).date())
        slot = day.slot_at(request.start)
        params = {"provider_id": appointment.provider_id, "start": slot.start, "end": slot.end}
        conn.execute(INSERT_SLOT, params)
        locked = conn.execute(LOCK_SLOTS_IN_ORDER, {**params, "old_slot_id": appointment.slot_id}).all()
        new_slot_id = next(row.id for row in locked if row.start_time == slot.start)
        if conn.execute(SLOT_HOLDER, {"slot_id": new_slot_id, "appointment_id": appointment.id}).first():
            raise SlotTaken()
        move = {"id": appointment.id, "slot_id": new_slot_id, "start": slot.start, "end": slot.end}
        with _constraints_as_domain_errors():
            conn.execute(MOVE_APPOINTMENT, move)
        conn.execute(RESIZE_SLOT, {"slot_id": new_slot_id, "end": slot.end})

    clinic.uow.run(work)


def change_status(clinic: Clinic, appointment_id: int, status: str) -> None:
    """Set an appointment's status if the move is allowed (see ALLOWED_TRANSITIONS); same status is a no-op."""
    request = validate(StatusChange, appointment_id=appointment_id, status=status)

    def work(conn: Connection) -> None:
        appointment = _lock_appointment(conn, request.appointment_id)
        current = AppointmentStatus(appointment.status)
        if current == request.status:
            return
        if request.status not in ALLOWED_TRANSITIONS[current]:
            raise InvalidInput.single("status", f"a {current} appointment cannot become {request.status}")
        day, today = clinic.local(appointment.starts_at).date(), clinic.local(clinic.now()).date()
        if request.status not in transitions_on(current, day, today):
            raise InvalidInput.single(
                "status", f"an appointment can be {ON_ITS_DAY[request.status]} from its day on ({day:%a %d %b %Y})"
            )
        with _constraints_as_domain_errors():
            conn.execute(SET_STATUS, {"id": request.appointment_id, "status": request.status.value})

    clinic.uow.run(work)


def cancel(clinic: Clinic, appointment_id: int) -> None:
    """Cancel an appointment, freeing its slot. Cancelling a cancelled appointment is a no-op."""
    change_status(clinic, appointment_id, AppointmentStatus.CANCELLED)
