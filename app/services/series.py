"""Series: a rule's occurrences for one patient, type and provider, previewed, then booked in one transaction.

The preview reads each occurrence's day as a single booking does and says, for each, whether it is free, or why not
(the provider's hours, time off, a closure, taken, the patient busy, no room) and the nearest free time instead.
Booking then takes every occurrence or none (`SeriesPolicy.ALL`), or the free ones (`SeriesPolicy.FREE`), in one
transaction, through the same statements as a single booking: the provider's schedule share-locked once, then day
by day in time order the occurrence's grid positions and (for a type that needs one) that day's rooms, then its
check and insert. Every writer takes these locks in that one order, so two desks booking overlapping series, or a
series and single bookings, queue instead of deadlocking. An occurrence another desk took since the preview is
reported; under ALL it undoes the whole series.

Each occurrence is an ordinary appointment with its place in the series: moving or cancelling it leaves the others
alone, and `cancel_series` cancels the ones from a day on.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator
from sqlalchemy import Connection, TextClause, text
from sqlalchemy.exc import IntegrityError

from app.db.errors import violated_constraint
from app.domain.errors import DomainError, InvalidInput, NotFound
from app.domain.models import AwareDatetime, Id, InputModel, Notes, single_line_name, validate
from app.domain.recurrence import Recurrence
from app.domain.slots import Interval, Span
from app.services.booking import (
    BOOK_OCCURRENCE_IF_FREE,
    LOCK_PROVIDER,
    integrity_to_domain,
    refusal_under_locks,
    span_locks,
    span_params,
)
from app.services.context import Clinic
from app.services.finding import next_free
from app.services.rules import ProviderDay, check_bookable_time, load_provider_day

TAKEN = "taken by another appointment of the provider"
PATIENT_BUSY = "the patient has another appointment then"


class SeriesPolicy(StrEnum):
    ALL = "all"  # every occurrence, or nothing
    FREE = "free"  # the free ones; the others are listed


class SeriesRequest(InputModel):
    patient_id: Id
    provider_id: Id | None = None  # None: any provider of `specialty`, for each occurrence the first one free
    specialty: Annotated[str, Field(max_length=200), AfterValidator(single_line_name)] | None = None
    type_id: Id | None = None  # None: the clinic's default type
    rule: Recurrence
    notes: Notes = ""
    request_id: uuid.UUID = Field(default_factory=uuid.uuid4)

    @model_validator(mode="after")
    def _one_provider_or_a_specialty(self) -> Self:
        if (self.provider_id is None) == (self.specialty is None):
            raise InvalidInput.single("provider_id", "give a provider, or a specialty for any of its providers")
        return self


@dataclass(frozen=True)
class Candidate:
    """A provider an occurrence may be with: the one asked for, or one of the specialty's."""

    id: int
    name: str


@dataclass(frozen=True)
class Occurrence:
    index: int  # its place in the series, from 1
    start: datetime  # UTC
    end: datetime
    conflict: str | None = None  # why it cannot be booked; None: free
    alternative: datetime | None = None  # the nearest free time instead, for a conflict (UTC)
    appointment_id: int | None = None  # once booked
    provider: Candidate | None = None  # whom it is (or would be) with, when free


@dataclass(frozen=True)
class SeriesPreview:
    occurrences: list[Occurrence]
    # What the booking needs of each free occurrence: its provider's day and its span.
    spans: dict[int, tuple[ProviderDay, Span]] = field(repr=False)

    @property
    def free(self) -> list[Occurrence]:
        return [occurrence for occurrence in self.occurrences if occurrence.conflict is None]

    @property
    def conflicts(self) -> list[Occurrence]:
        return [occurrence for occurrence in self.occurrences if occurrence.conflict is not None]


@dataclass(frozen=True)
class SeriesBooked:
    series_id: int
    booked: list[Occurrence]
    not_booked: list[Occurrence]  # the conflicts, and any occurrence another desk took meanwhile


class SeriesConflict(DomainError):
    """Occurrences that are not free stopped a series' booking (or move): none was booked (or moved)."""

    def __init__(self, conflicts: list[Occurrence], clinic: Clinic, done: str = "booked"):
        self.conflicts = conflicts
        listed = "; ".join(f"{clinic.local(o.start):%a %d %b %Y %H:%M}: {o.conflict}" for o in conflicts)
        super().__init__(f"{len(conflicts)} occurrence(s) cannot be {done}, so none was: {listed}")


_PATIENT_BUSY = text(
    "SELECT starts_at, ends_at FROM appointments WHERE patient_id = :patient_id AND status <> 'cancelled'"
    " AND starts_at < :end AND ends_at > :start"
)
_FIND_SERIES = text("SELECT id FROM appointment_series WHERE request_id = :request_id")
_INSERT_SERIES = text(
    "INSERT INTO appointment_series (patient_id, provider_id, specialty, type_id, rule, description, occurrences,"
    " request_id) VALUES (:patient_id, :provider_id, :specialty, :type_id, CAST(:rule AS jsonb), :description,"
    " :occurrences, :request_id) ON CONFLICT (request_id) DO NOTHING RETURNING id"
)
_SERIES_APPOINTMENTS = text(
    "SELECT a.id, a.series_index, a.starts_at, a.ends_at, p.id AS provider_id, p.name AS provider_name"
    " FROM appointments a JOIN providers p ON p.id = a.provider_id WHERE a.series_id = :series_id"
    " ORDER BY a.series_index"
)


def request_series(**values) -> SeriesRequest:
    """A SeriesRequest from plain values (the rule's too), or InvalidInput naming each wrong field."""
    rule = values.pop("rule")
    return validate(
        SeriesRequest, rule=rule if isinstance(rule, Recurrence) else validate(Recurrence, **rule), **values
    )


_CANDIDATES = text(
    "SELECT id, name FROM providers WHERE active AND (id = :provider_id OR specialty = :specialty) ORDER BY name, id"
)


def preview_series(clinic: Clinic, request: SeriesRequest) -> SeriesPreview:
    """Each occurrence of the rule, free (with whom) or in conflict (with why, and the nearest free time instead)."""
    starts = request.rule.starts(clinic.zone)

    def read(conn: Connection):
        candidates = _candidates(conn, request)
        days = [[_day_of(clinic, conn, request, c.id, start) for c in candidates] for start in starts]
        window = {"patient_id": request.patient_id, "start": starts[0], "end": starts[-1] + timedelta(days=1)}
        patient = [Interval(row.starts_at, row.ends_at) for row in conn.execute(_PATIENT_BUSY, window)]
        return candidates, days, patient

    candidates, days, patient_busy = clinic.uow.read(read)
    occurrences, spans = [], {}
    for index, (start, their_days) in enumerate(zip(starts, days, strict=True), start=1):
        found = [_span_or_conflict(clinic, day, start, patient_busy) for day in their_days]
        free = next((n for n, (_span, conflict) in enumerate(found) if conflict is None), None)
        if free is not None:
            spans[index] = (their_days[free], found[free][0])
            occurrences.append(Occurrence(index, start, found[free][0].end, provider=candidates[free]))
            continue
        span, conflict = found[0]
        if len(candidates) > 1:
            conflict = f"no {request.specialty} provider is free then"
        alternative = _nearest_free(clinic, request, their_days, start, patient_busy)
        occurrences.append(Occurrence(index, start, span.end if span else start, conflict, alternative))
    return SeriesPreview(occurrences, spans)


def _candidates(conn: Connection, request: SeriesRequest) -> list[Candidate]:
    """The provider asked for, or the specialty's active providers by name."""
    rows = conn.execute(_CANDIDATES, {"provider_id": request.provider_id, "specialty": request.specialty}).all()
    if not rows and request.specialty is not None:
        raise InvalidInput.single("specialty", f"no active provider has the specialty {request.specialty!r}")
    if not rows:
        raise NotFound("provider_id", "active provider", request.provider_id)
    return [Candidate(row.id, row.name) for row in rows]


def _day_of(
    clinic: Clinic, conn: Connection, request: SeriesRequest, provider_id: int, start: datetime
) -> ProviderDay | str:
    """The provider's rules on the occurrence's day with their appointments, or why none can be booked then."""
    try:
        check_bookable_time(clinic, start)
        return load_provider_day(
            clinic, conn, provider_id, clinic.local(start).date(), type_id=request.type_id, with_busy=True
        )
    except NotFound:
        raise
    except InvalidInput as refused:
        if any(error.field in ("provider_id", "type_id") for error in refused.errors):
            raise  # the same for every occurrence: the request itself is wrong
        return refused.errors[0].message


def _span_or_conflict(
    clinic: Clinic, day: ProviderDay | str, start: datetime, patient_busy: list[Interval]
) -> tuple[Span | None, str | None]:
    if isinstance(day, str):
        return None, day
    try:
        span = day.span_at(start)
    except InvalidInput as refused:
        return None, refused.errors[0].message
    if any(span.busy.overlaps(busy) for busy in day.busy):
        return span, TAKEN
    if any(Interval(span.start, span.end).overlaps(busy) for busy in patient_busy):
        return span, PATIENT_BUSY
    if day.room_kind is not None and day.free_room(span) is None:
        return span, f"no {day.room_kind} is free then"
    return span, None


def _nearest_free(
    clinic: Clinic, request: SeriesRequest, days: list[ProviderDay | str], start: datetime, patient_busy: list[Interval]
) -> datetime | None:
    """The free time nearest to `start` that day (of any of the candidates), else the first one after that day."""
    free = [
        span.start
        for day in days
        if not isinstance(day, str)
        for span in day.free_spans(clinic.now(), clinic.horizon_end())
        if not any(Interval(span.start, span.end).overlaps(busy) for busy in patient_busy)
    ]
    if free:
        return min(free, key=lambda moment: abs(moment - start))
    later = next_free(
        clinic,
        request.type_id,
        provider_id=request.provider_id,
        specialty=request.specialty,
        from_day=clinic.local(start).date() + timedelta(days=1),
        patient_id=request.patient_id,
        count=1,
    )
    return later[0].start if later else None


def book_series(clinic: Clinic, request: SeriesRequest, policy: SeriesPolicy = SeriesPolicy.ALL) -> SeriesBooked:
    """Book the series in one transaction: every occurrence or none (ALL: SeriesConflict lists the conflicts), or
    the free ones (FREE: SeriesConflict if none is). An occurrence another desk took since the preview counts as a
    conflict. Repeating it with the same request id after a lost answer returns what the first attempt booked."""
    done = clinic.uow.read(lambda conn: _booked_before(clinic, conn, request))
    if done is not None:
        return done
    preview = preview_series(clinic, request)
    if not preview.free or (policy is SeriesPolicy.ALL and preview.conflicts):
        raise SeriesConflict(preview.conflicts, clinic)

    def work(conn: Connection) -> SeriesBooked:
        done = _booked_before(clinic, conn, request)
        if done is not None:  # a retry whose first COMMIT went through
            return done
        series_id = conn.execute(_INSERT_SERIES, _series_row(request, preview)).scalar()
        if series_id is None:  # the same request at another desk committed while this one waited for it
            return _booked_before(clinic, conn, request)
        for provider_id in sorted({occurrence.provider.id for occurrence in preview.free}):
            conn.execute(LOCK_PROVIDER, {"provider_id": provider_id})
        lost = []
        for occurrence in preview.free:
            if reason := _book_occurrence(clinic, conn, request, preview, series_id, occurrence):
                lost.append(_with_conflict(occurrence, reason))
        if lost and (policy is SeriesPolicy.ALL or len(lost) == len(preview.free)):
            raise SeriesConflict(lost, clinic)  # undoes the series: nothing half-written
        return _booked(conn, series_id, sorted(preview.conflicts + lost, key=lambda o: o.index))

    return clinic.uow.run(work)


def _booked_before(clinic: Clinic, conn: Connection, request: SeriesRequest) -> SeriesBooked | None:
    """What this request booked already, if it did: the occurrences it did not book are listed as such."""
    series_id = conn.execute(_FIND_SERIES, {"request_id": request.request_id}).scalar()
    if series_id is None:
        return None
    starts = request.rule.starts(clinic.zone)
    booked = _booked(conn, series_id, [])
    taken = {occurrence.index for occurrence in booked.booked}
    skipped = [
        Occurrence(index, start, start, "not booked with the series")
        for index, start in enumerate(starts, start=1)
        if index not in taken
    ]
    return SeriesBooked(series_id, booked.booked, skipped)


def _series_row(request: SeriesRequest, preview: SeriesPreview) -> dict:
    return {
        "patient_id": request.patient_id,
        "provider_id": request.provider_id,
        "specialty": request.specialty,
        "type_id": next(iter(preview.spans.values()))[0].type_id,
        "rule": request.rule.model_dump_json(),
        "description": request.rule.describe(),
        "occurrences": len(preview.occurrences),
        "request_id": request.request_id,
    }


def _with_conflict(occurrence: Occurrence, reason: str) -> Occurrence:
    return Occurrence(occurrence.index, occurrence.start, occurrence.end, reason, provider=occurrence.provider)


def _book_occurrence(
    clinic: Clinic,
    conn: Connection,
    request: SeriesRequest,
    preview: SeriesPreview,
    series_id: int,
    occurrence: Occurrence,
) -> str | None:
    """Lock the occurrence's grid positions (and rooms), then check and insert it, as a single booking does; None
    if booked, else why not."""
    day, span = preview.spans[occurrence.index]
    params = span_params(clinic, occurrence.provider.id, day, span)
    params |= {"patient_id": request.patient_id, "notes": request.notes, "moving_id": None}
    params |= {"series_id": series_id, "series_index": occurrence.index}
    params["request_id"] = uuid.uuid5(request.request_id, str(occurrence.index))
    for lock in span_locks(params):
        conn.execute(lock, params)
    return write_if_free(conn, BOOK_OCCURRENCE_IF_FREE, params, day.room_kind)


def write_if_free(conn: Connection, statement: TextClause, params: dict, room_kind: str | None) -> str | None:
    """Run a booking's or a move's check-and-write for one occurrence, its locks held; None if written, else why
    not. In a savepoint: the patient's own overlap is the database's to refuse, and only this occurrence is undone."""
    try:
        with conn.begin_nested():
            outcome = conn.execute(statement, params).one()
    except IntegrityError as exc:
        if violated_constraint(exc) == "appointments_no_patient_overlap":
            return PATIENT_BUSY
        raise integrity_to_domain(exc) from exc  # the database's own rules: what they mean, for the whole series
    if outcome.written_id is not None:
        return None
    refusal = refusal_under_locks(outcome, params["provider_id"], room_kind)
    return str(refusal) if refusal is not None else TAKEN


def _booked_occurrence(row) -> Occurrence:
    provider = Candidate(row.provider_id, row.provider_name)
    return Occurrence(row.series_index, row.starts_at, row.ends_at, appointment_id=row.id, provider=provider)


def _booked(conn: Connection, series_id: int, not_booked: list[Occurrence]) -> SeriesBooked:
    rows = conn.execute(_SERIES_APPOINTMENTS, {"series_id": series_id}).all()
    booked = [_booked_occurrence(row) for row in rows]
    return SeriesBooked(series_id, booked, not_booked)


_CANCEL_FOLLOWING = text(
    "WITH locked AS (SELECT id FROM appointments WHERE series_id = :series_id AND status = 'booked'"
    " AND starts_at >= :from_start ORDER BY id FOR UPDATE)"
    " UPDATE appointments a SET status = 'cancelled' FROM locked WHERE a.id = locked.id RETURNING a.id"
)
_SERIES_EXISTS = text("SELECT EXISTS (SELECT 1 FROM appointment_series WHERE id = :series_id)")


def cancel_series(clinic: Clinic, series_id: int, from_start: datetime | None = None) -> list[int]:
    """Cancel the series' booked occurrences from `from_start` on (an occurrence under way or past included, as a
    single cancellation may; None: from now), in one transaction; the ids cancelled, in id order. Cancelling them
    again cancels nothing more."""
    values = validate(_CancelFollowing, series_id=series_id, from_start=from_start or clinic.now())

    def work(conn: Connection) -> list[int]:
        if not conn.execute(_SERIES_EXISTS, {"series_id": values.series_id}).scalar():
            raise NotFound("series_id", "series", values.series_id)
        params = {"series_id": values.series_id, "from_start": values.from_start}
        return sorted(conn.execute(_CANCEL_FOLLOWING, params).scalars())

    return clinic.uow.run(work)


class _CancelFollowing(InputModel):
    series_id: Id
    from_start: AwareDatetime
