"""Book, reschedule, cancel and change the status of appointments.

An appointment is a span: its type's length for the provider from a start on their grid, and the provider busy
through the type's buffer after it. Every write follows one pattern: validate (a booking arrives as the
BookingRequest its caller built and checked; a move or a status change is checked here), then in one transaction
share-lock the provider's schedule, create and lock every grid position the span covers in time order (two spans
that overlap share a position, so they queue there), and check and write in one statement of its own: under READ
COMMITTED each statement sees what was committed before it began, so it sees the booking of a desk we waited for.
The database's unique index, exclusion constraints and schedule trigger stay the last word; their violations
become SlotTaken, PatientBusy or the refusal they mean.

A booking reads the provider's rules and the type's length first, outside the transaction, and in the same
statement whether a live appointment is in the way: a time booked before we looked is refused at once, without
queueing for a lock. The booking transaction then travels in one round trip on the same connection: BEGIN, its
statements and COMMIT, pipelined. A booking waits for the server twice in all (tests/integration/test_round_trips.py
counts).
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.exc import IntegrityError

from app.db.errors import missing_value, violated_constraint
from app.db.pipeline import execute_pipelined, run_transaction
from app.domain.errors import InvalidInput, NotFound, PatientBusy, SlotTaken
from app.domain.models import (
    ALLOWED_TRANSITIONS,
    ON_ITS_DAY,
    AppointmentStatus,
    BookingDetails,
    BookingRequest,
    DetailsChange,
    PatientIn,
    RescheduleRequest,
    StatusChange,
    transitions_on,
    validate,
)
from app.domain.slots import Span
from app.services import patients
from app.services.context import Clinic
from app.services.rules import ProviderDay, check_bookable_time, load_provider_day

# What the schedule's rules come from, share-locked first: an admin's change to the provider (activity, hours, time
# off) locks the same row exclusively, so a booking and such a change can no longer commit past each other
# (through a function of migration 0006: staff may not lock the providers' rows themselves).
LOCK_PROVIDER = text("SELECT lock_provider_schedule(:provider_id)")
# The grid positions the span covers, locked in time order: created if new (a row this transaction inserts is
# locked until it ends), and the existing ones locked by the conflict action (which locks every conflicting row,
# updates none: WHERE false). Any two spans that overlap cover a common position, so they queue here whichever
# positions they start at; in time order, two desks' locks cannot cross (nor can their inserts of new rows).
LOCK_CELLS = text(
    "INSERT INTO time_slots (provider_id, start_time, end_time)"
    " SELECT :provider_id, c.starts, c.ends"
    " FROM unnest(CAST(:cell_starts AS timestamptz[]), CAST(:cell_ends AS timestamptz[])) AS c(starts, ends)"
    " ORDER BY c.starts ON CONFLICT (provider_id, start_time) DO UPDATE SET end_time = time_slots.end_time WHERE false"
)
# A type that needs a room: the lock rows of that day of every room of its kind the booking may take (or of the
# one picked), in room order, after the provider's positions; no rows (and no locks) for a type that needs none.
LOCK_ROOMS = text(
    "INSERT INTO room_days (room_id, day) SELECT r.id, CAST(:local_day AS date) FROM rooms r"
    " WHERE r.active AND r.kind = CAST(:room_kind AS text) AND (CAST(:room_id AS integer) IS NULL OR r.id = :room_id)"
    " ORDER BY r.id ON CONFLICT (room_id, day) DO UPDATE SET day = room_days.day WHERE false"
)
# The rules, read again under the locks: the provider active; the busy span inside one block of their hours,
# starting on its grid; no time off over it; the type's length for them as the desk computed it. Then what is in
# the way (a live appointment of the provider overlapping the busy span; this request's own first); then the
# insert if nothing is, and the rules still allow it.
_RULES_AND_HOLDER = (
    "WITH rules AS (SELECT p.active,"
    " EXISTS (SELECT 1 FROM working_hours h WHERE h.provider_id = p.id AND h.weekday = :weekday"
    " AND h.start_time <= :local_start AND h.end_time >= :local_busy_until"
    " AND CAST(EXTRACT(EPOCH FROM :local_start - h.start_time) AS integer) % (h.slot_minutes * 60) = 0)"
    " AND NOT EXISTS (SELECT 1 FROM time_off o WHERE o.provider_id = p.id AND o.starts_at < :busy_until"
    " AND o.ends_at > :start)"
    " AND NOT EXISTS (SELECT 1 FROM closures c WHERE c.starts_at < :busy_until AND c.ends_at > :start) AS fits,"
    " EXISTS (SELECT 1 FROM appointment_types t"
    " LEFT JOIN provider_type_lengths l ON l.type_id = t.id AND l.provider_id = p.id"
    " WHERE t.id = :type_id AND COALESCE(l.minutes, t.minutes) = :minutes AND t.buffer_minutes = :buffer_minutes"
    " AND t.room_kind IS NOT DISTINCT FROM CAST(:room_kind AS text)) AS same_length"
    " FROM providers p WHERE p.id = :provider_id),"
    " holder AS (SELECT a.id, a.request_id FROM appointments a WHERE a.provider_id = :provider_id"
    " AND a.status <> 'cancelled' AND a.id IS DISTINCT FROM CAST(:moving_id AS bigint)"
    " AND a.starts_at > CAST(:start AS timestamptz) - interval '1 day'"
    " AND a.starts_at < :busy_until AND a.busy_until > :start"
    " ORDER BY a.request_id = CAST(:request_id AS uuid) DESC LIMIT 1),"
    " cell AS (SELECT id FROM time_slots WHERE provider_id = :provider_id AND start_time = :start),"
    # The first room of the kind (or the one picked) that no live appointment holds over the span and its buffer.
    " room AS (SELECT r.id FROM rooms r WHERE r.active AND r.kind = CAST(:room_kind AS text)"
    " AND (CAST(:room_id AS integer) IS NULL OR r.id = :room_id) AND NOT EXISTS (SELECT 1 FROM appointments a"
    " WHERE a.room_id = r.id AND a.status <> 'cancelled' AND a.id IS DISTINCT FROM CAST(:moving_id AS bigint)"
    " AND a.starts_at > CAST(:start AS timestamptz) - interval '1 day'"
    " AND a.starts_at < :busy_until AND a.busy_until > :start)"
    # A moving appointment keeps its room where it can.
    " ORDER BY r.id = CAST(:keep_room AS integer) DESC, r.id LIMIT 1),"
)
_ROOM_FREE = "(CAST(:room_kind AS text) IS NULL OR EXISTS (SELECT 1 FROM room))"
_OUTCOME = (
    " SELECT (SELECT id FROM written) AS written_id, holder.request_id AS holder_request,"
    " (SELECT active FROM rules) AS provider_active, (SELECT fits FROM rules) AS fits,"
    f" (SELECT same_length FROM rules) AS same_length, {_ROOM_FREE} AS room_free"
    " FROM (SELECT 1) AS one LEFT JOIN holder ON true"
)
_ALLOWED = f"NOT EXISTS (SELECT 1 FROM holder) AND (SELECT active AND fits AND same_length FROM rules) AND {_ROOM_FREE}"


def _book_if_free(columns: str = "", values: str = "") -> TextClause:
    """The check and insert of a booking; `columns` and `values` add to the row (a series' occurrence's place)."""
    return text(
        _RULES_AND_HOLDER + " written AS (INSERT INTO appointments"
        " (slot_id, provider_id, starts_at, ends_at, busy_until, patient_id, type_id, notes, request_id,"
        f" room_id{columns})"
        " SELECT cell.id, :provider_id, :start, :end, :busy_until, :patient_id, :type_id, :notes, :request_id,"
        f" (SELECT id FROM room){values}"
        f" FROM cell WHERE {_ALLOWED} RETURNING id)" + _OUTCOME
    )


BOOK_IF_FREE = _book_if_free()
BOOK_OCCURRENCE_IF_FREE = _book_if_free(", series_id, series_index", ", :series_id, :series_index")
MOVE_IF_FREE = text(
    _RULES_AND_HOLDER
    + " written AS (UPDATE appointments SET slot_id = cell.id, provider_id = :provider_id, starts_at = :start,"
    " ends_at = :end, busy_until = :busy_until, type_id = :type_id, room_id = (SELECT id FROM room)"
    f" FROM cell WHERE appointments.id = :moving_id AND {_ALLOWED}"
    " RETURNING appointments.id)" + _OUTCOME
)
FIND_BY_REQUEST = text(
    "SELECT id, provider_id, patient_id, starts_at, status FROM appointments WHERE request_id = :request_id"
)
LOCK_APPOINTMENT = text(
    "SELECT id, provider_id, patient_id, type_id, room_id, starts_at, status FROM appointments WHERE id = :id"
    " FOR UPDATE"
)
SET_STATUS = text("UPDATE appointments SET status = :status WHERE id = :id")


NO_ROOM_FREE = "no {kind} is free at that time; pick another time"
SCHEDULE_CHANGED = (
    "the provider's hours or time off, or the clinic's closures, changed meanwhile, and this time is no longer free"
)
LENGTH_CHANGED = "the appointment type's length changed meanwhile; look at the free times again"


class _RequestAlreadyBooked(Exception):
    """The request id is already in the table: a retry of a booking whose commit went through."""


def integrity_to_domain(exc: IntegrityError) -> Exception:
    match violated_constraint(exc):
        case "appointments_one_live_per_slot" | "appointments_no_provider_overlap":
            return SlotTaken()
        case "appointments_no_room_overlap":
            return SlotTaken("the room is taken at that time; pick another time")
        case "appointments_no_patient_overlap":
            return PatientBusy()
        case "appointments_request_id_key":
            return _RequestAlreadyBooked()
        # The database's own schedule rules (migration 0008): the checks above them came to the same answer first,
        # unless the rules changed in between.
        case "appointments_provider_active":
            return InvalidInput.single("provider_id", "the provider is no longer active")
        case "appointments_outside_time_off" | "appointments_inside_working_hours" | "appointments_outside_closures":
            return InvalidInput.single("start", SCHEDULE_CHANGED)
        case "appointments_room_of_its_kind":
            return InvalidInput.single("room_id", "the room is not in use, or not of the kind this type needs")
        case "appointments_status_transition":
            return InvalidInput.single("status", "another desk changed this appointment's status meanwhile")
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
        raise integrity_to_domain(exc) from exc


def _holder_or_taken(clinic: Clinic, holder_request: UUID, request: BookingRequest) -> int:
    """The holder's id if it is this very booking (a retry after a lost commit), else SlotTaken."""
    if holder_request == request.request_id:
        return _find_by_request(clinic, request, request.patient_id).id
    raise SlotTaken()


def book(clinic: Clinic, request: BookingRequest) -> int:
    """Book an appointment of the request's type (its length for the provider, and its buffer); return its id.
    Raises InvalidInput, SlotTaken, SlotBusy or DatabaseUnavailable.

    Booking twice with the same request_id returns the first booking's id instead of booking again.
    """

    def attempt(conn: Connection):
        """The rules read and the booking transaction, on one connection; no transaction when the time was
        already booked when we looked (refused without taking a lock)."""
        day, span = _span_before_locking(clinic, conn, request)
        if day.holder_request:
            return day, None
        _check_room(day, span, request.room_id)
        with _constraints_as_domain_errors():
            return day, run_transaction(conn, _booking_statements(clinic, request, day, span))

    try:
        day, outcome = clinic.uow.run_autocommit(attempt)
    except _RequestAlreadyBooked:
        return _find_by_request(clinic, request, request.patient_id).id
    if outcome is None:
        return _holder_or_taken(clinic, day.holder_request, request)
    return _booked_or_taken(clinic, outcome, request, day.room_kind)


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
    day, span = prepare_booking(clinic, details)

    def work(conn: Connection) -> NewPatientBooked:
        done = conn.execute(FIND_BY_REQUEST, {"request_id": details.request_id}).one_or_none()
        if done is not None:  # a retry whose first COMMIT went through
            return NewPatientBooked(done.patient_id, _same_booking(done, details, None).id)
        patient_id = patients.insert_patient(conn, patient, allow_duplicate=allow_duplicate)
        request = BookingRequest(patient_id=patient_id, **details.model_dump())
        return NewPatientBooked(patient_id, book_prepared(clinic, conn, request, day, span))

    try:
        return clinic.uow.run(work)
    except _RequestAlreadyBooked:  # another attempt with this request id committed meanwhile
        done = _find_by_request(clinic, details, None)
        return NewPatientBooked(done.patient_id, done.id)


def prepare_booking(clinic: Clinic, details: BookingDetails) -> tuple[ProviderDay, Span]:
    """What a booking inside a larger transaction reads first, outside it: the provider's day and the span; SlotTaken
    if another request's appointment is in the way, or no room of the kind needed is free."""
    day, span = clinic.uow.read(lambda conn: _span_before_locking(clinic, conn, details))
    if day.holder_request and day.holder_request != details.request_id:
        raise SlotTaken()
    if not day.holder_request:
        _check_room(day, span, details.room_id)
    return day, span


def book_prepared(clinic: Clinic, conn: Connection, request: BookingRequest, day: ProviderDay, span: Span) -> int:
    """In the caller's transaction: the booking's locks, its check and its insert, in one round trip; its id."""
    with _constraints_as_domain_errors():
        outcome = execute_pipelined(conn, _booking_statements(clinic, request, day, span))
    return _booked_or_taken(clinic, outcome, request, day.room_kind)


def _span_before_locking(clinic: Clinic, conn: Connection, request: BookingDetails) -> tuple[ProviderDay, Span]:
    """The provider's rules and the type's length, read outside the transaction with what is in the way of the
    span at the request's start (the request id of a live appointment there), and that span (InvalidInput if
    the rules do not allow it)."""
    check_bookable_time(clinic, request.start)
    day = load_provider_day(
        clinic,
        conn,
        request.provider_id,
        clinic.local(request.start).date(),
        type_id=request.type_id,
        holder_at=request.start,
        request_id=request.request_id,
    )
    return day, day.span_at(request.start)


def _check_room_choice(day: ProviderDay, room_id: int | None) -> None:
    """Refuse a room for a type that needs none, or one not of its kind, or a type whose kind has no room in use."""
    if room_id is not None and day.room_kind is None:
        raise InvalidInput.single("room_id", "this appointment type needs no room")
    if room_id is not None and room_id not in day.rooms:
        raise InvalidInput.single("room_id", f"room {room_id} is not a {day.room_kind} in use")
    if day.room_kind is not None and not day.rooms:
        raise InvalidInput.single("type_id", f"this type needs a {day.room_kind}, and none is in use")


def _check_room(day: ProviderDay, span: Span, room_id: int | None) -> None:
    """As _check_room_choice, and SlotTaken when no room of the kind is free then (as read outside the transaction:
    the locks decide)."""
    _check_room_choice(day, room_id)
    if day.room_kind is not None and day.free_room(span, room_id) is None:
        raise SlotTaken(NO_ROOM_FREE.format(kind=day.room_kind))


def span_params(clinic: Clinic, provider_id: int, day: ProviderDay, span: Span, room_id: int | None = None) -> dict:
    """What the locking statements and the re-check under the locks need to know about a span."""
    local_start, local_busy_until = clinic.local(span.start), clinic.local(span.busy_until)
    cells = day.cells(span)
    return {
        "provider_id": provider_id,
        "weekday": local_start.isoweekday(),
        "local_start": local_start.time(),
        "local_busy_until": local_busy_until.time(),
        "start": span.start,
        "end": span.end,
        "busy_until": span.busy_until,
        "cell_starts": [cell.start for cell in cells],
        "cell_ends": [cell.end for cell in cells],
        "type_id": day.type_id,
        "minutes": day.length.minutes,
        "buffer_minutes": day.length.buffer_minutes,
        "room_kind": day.room_kind,
        "room_id": room_id,
        "keep_room": None,
        "local_day": local_start.date(),
    }


def span_locks(params: dict) -> list[TextClause]:
    """The span's grid positions, then (for a type that needs one) the rooms it may take."""
    return [LOCK_CELLS, LOCK_ROOMS] if params["room_kind"] is not None else [LOCK_CELLS]


def _booking_statements(
    clinic: Clinic, request: BookingRequest, day: ProviderDay, span: Span
) -> list[tuple[TextClause, dict]]:
    """Share-lock the provider, create and lock the span's grid positions, then check-and-insert: the server runs
    them in this order (one global order: provider, then positions in time order)."""
    params = span_params(clinic, request.provider_id, day, span, request.room_id)
    params |= {"patient_id": request.patient_id, "notes": request.notes, "request_id": request.request_id}
    params["moving_id"] = None
    statements = [LOCK_PROVIDER, *span_locks(params), BOOK_IF_FREE]
    return [(statement, params) for statement in statements]


def refusal_under_locks(outcome, provider_id: int, room_kind: str | None) -> InvalidInput | SlotTaken | None:
    """Why the rules, read again under the locks, refused a write nothing else was in the way of."""
    if outcome.holder_request is not None:
        return None
    if outcome.room_free is False:
        return SlotTaken(NO_ROOM_FREE.format(kind=room_kind))
    if outcome.provider_active is False:
        return InvalidInput.single("provider_id", f"provider {provider_id} is no longer active")
    if outcome.fits is False:
        return InvalidInput.single("start", SCHEDULE_CHANGED)
    if outcome.same_length is False:
        return InvalidInput.single("type_id", LENGTH_CHANGED)
    return None


def _booked_or_taken(clinic: Clinic, outcome, request: BookingRequest, room_kind: str | None) -> int:
    if outcome.written_id is not None:
        return outcome.written_id
    if refusal := refusal_under_locks(outcome, request.provider_id, room_kind):
        raise refusal
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


def reschedule(
    clinic: Clinic, appointment_id: int, start: datetime, provider_id: int | None = None, room_id: int | None = None
) -> None:
    """Move a booked appointment to another free time, of the same provider or of `provider_id`, atomically, in
    `room_id` if given (else its own room where it is free, or another of the kind). Its length is its type's for
    the provider it moves to; the patient's other appointments still may not overlap.

    Moving an appointment to where it already is succeeds (a retry after a lost commit does that).
    """
    request = validate(
        RescheduleRequest, appointment_id=appointment_id, start=start, provider_id=provider_id, room_id=room_id
    )
    check_bookable_time(clinic, request.start)

    def work(conn: Connection) -> None:
        appointment = _lock_appointment(conn, request.appointment_id)
        if appointment.status != AppointmentStatus.BOOKED:
            raise InvalidInput.single("appointment_id", f"a {appointment.status} appointment cannot be moved")
        target = request.provider_id or appointment.provider_id
        room = request.room_id or appointment.room_id
        if (appointment.starts_at, appointment.provider_id, appointment.room_id) == (request.start, target, room):
            return
        _take_span(clinic, conn, appointment, target, request.start, appointment.type_id, request.room_id)

    clinic.uow.run(work)


def _take_span(
    clinic: Clinic,
    conn: Connection,
    appointment,
    provider_id: int,
    start: datetime,
    type_id: int,
    room_id: int | None = None,
):
    """Give the locked appointment the span of `type_id` for `provider_id` from `start`, if it is free, in `room_id`
    (None: keeping its room if that is free too): the provider's schedule share-locked first (an admin's change
    waits, or has committed), then the rules read, then the span's grid positions locked, then checked and written
    in one statement."""
    conn.execute(LOCK_PROVIDER, {"provider_id": provider_id})
    day = load_provider_day(clinic, conn, provider_id, clinic.local(start).date(), type_id=type_id)
    _check_room_choice(day, room_id)
    params = span_params(clinic, provider_id, day, day.span_at(start), room_id)
    params |= {"moving_id": appointment.id, "request_id": None, "keep_room": appointment.room_id}
    for lock in span_locks(params):
        conn.execute(lock, params)
    with _constraints_as_domain_errors():
        outcome = conn.execute(MOVE_IF_FREE, params).one()
    if outcome.written_id is None:
        raise refusal_under_locks(outcome, provider_id, day.room_kind) or SlotTaken()


SET_NOTES = text("UPDATE appointments SET notes = :notes WHERE id = :id AND notes <> :notes")


def change_details(
    clinic: Clinic, appointment_id: int, *, type_id: int | None = None, notes: str | None = None
) -> None:
    """Change an appointment's notes, or the type of a booked one (None keeps either). The new type's span, from
    the same start, must fit and be free, as for a booking; a shorter one frees the rest. Audited like every
    change; the same change twice is harmless."""
    request = validate(DetailsChange, appointment_id=appointment_id, type_id=type_id, notes=notes)

    def work(conn: Connection) -> None:
        appointment = _lock_appointment(conn, request.appointment_id)
        if request.type_id is not None and request.type_id != appointment.type_id:
            if appointment.status != AppointmentStatus.BOOKED:
                raise InvalidInput.single("type_id", f"a {appointment.status} appointment keeps its type")
            _take_span(clinic, conn, appointment, appointment.provider_id, appointment.starts_at, request.type_id)
        if request.notes is not None:
            conn.execute(SET_NOTES, {"id": appointment.id, "notes": request.notes})

    clinic.uow.run(work)


def change_status(clinic: Clinic, appointment_id: int, status: str) -> None:
    """Set an appointment's status if the move is allowed (see ALLOWED_TRANSITIONS); same status is a no-op."""
    request = validate(StatusChange, appointment_id=appointment_id, status=status)

    clinic.uow.run(lambda conn: set_status_locked(clinic, conn, request.appointment_id, request.status))


def set_status_locked(clinic: Clinic, conn: Connection, appointment_id: int, status: AppointmentStatus) -> None:
    """`change_status` inside the caller's transaction: lock the appointment, check the move, make it."""
    appointment = _lock_appointment(conn, appointment_id)
    current = AppointmentStatus(appointment.status)
    if current == status:
        return
    if status not in ALLOWED_TRANSITIONS[current]:
        raise InvalidInput.single("status", f"a {current} appointment cannot become {status}")
    day, today = clinic.local(appointment.starts_at).date(), clinic.local(clinic.now()).date()
    if status not in transitions_on(current, day, today):
        raise InvalidInput.single(
            "status", f"an appointment can be {ON_ITS_DAY[status]} from its day on ({day:%a %d %b %Y})"
        )
    with _constraints_as_domain_errors():
        conn.execute(SET_STATUS, {"id": appointment_id, "status": status.value})


def cancel(clinic: Clinic, appointment_id: int) -> None:
    """Cancel an appointment, freeing its slot. Cancelling a cancelled appointment is a no-op."""
    change_status(clinic, appointment_id, AppointmentStatus.CANCELLED)
