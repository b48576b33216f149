"""The waitlist: patients waiting for a time sooner than the first free one (a provider's, or any provider's of a
specialty), and the free times that now fit them.

An entry names the patient, the provider or the specialty, the type, the earliest and latest day, the weekdays and
the part of the day they prefer, a priority and a note; it stays open until a booking from it closes it (in the same
transaction as the booking) or it is removed. Every change is audited by the database.

A match is an open entry and the first free time that fits it: the provider's (or a provider's of the specialty)
span for the entry's type, clear of the patient's own appointments, on a preferred weekday and part of the day,
between the entry's days. The desks look for matches when the database announces a change that may free time.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum
from statistics import median
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator
from sqlalchemy import Connection, TextClause, text
from sqlalchemy.exc import IntegrityError

from app.db.errors import violated_constraint
from app.domain.errors import DomainError, InvalidInput, NotFound, SlotTaken
from app.domain.models import BookingRequest, Day, Id, InputModel, NotesText, single_line_name, validate
from app.domain.recurrence import Weekday
from app.domain.schedule_setup import check_id
from app.domain.slots import Interval, local_day_bounds
from app.services import booking
from app.services.context import Clinic
from app.services.finding import FreeTime, free_times, wanted


class Priority(IntEnum):
    URGENT = 1
    NORMAL = 2
    LOW = 3


PRIORITY_WORDS = {Priority.URGENT: "urgent", Priority.NORMAL: "normal", Priority.LOW: "low"}


class WaitlistEntryIn(InputModel):
    patient_id: Id
    provider_id: Id | None = None  # None: any provider (of `specialty`, if given)
    specialty: Annotated[str, Field(max_length=200), AfterValidator(single_line_name)] | None = None
    type_id: Id
    earliest: Day
    latest: Day
    weekdays: Annotated[tuple[Weekday, ...], Field(max_length=7)] = ()  # none: any
    part_of_day: Literal["morning", "afternoon"] | None = None
    priority: Priority = Priority.NORMAL
    note: NotesText = ""

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.latest < self.earliest:
            raise InvalidInput.single("latest", "must not be before the earliest day")
        if self.provider_id is not None and self.specialty is not None:
            raise InvalidInput.single("specialty", "give a provider or a specialty, not both")
        return self


class EntryGone(DomainError):
    """The entry was booked (or removed) at another desk meanwhile."""


@dataclass(frozen=True)
class WaitlistEntry:
    id: int
    patient_id: int
    patient_name: str
    provider_id: int | None
    provider_name: str | None
    specialty: str | None
    type_id: int
    type_name: str
    earliest: date
    latest: date
    weekdays: tuple[int, ...]
    part_of_day: str | None
    priority: Priority
    note: str
    added_by: str
    added_at: datetime
    closed_at: datetime | None = None
    appointment_id: int | None = None

    def waiting_days(self, now: datetime) -> int:
        return max(0, (now - self.added_at).days)

    @property
    def who(self) -> str:
        """Whom the patient waits for: a provider, any of a specialty, or anyone."""
        return self.provider_name or (f"any {self.specialty} provider" if self.specialty else "any provider")


@dataclass(frozen=True)
class Match:
    entry: WaitlistEntry
    provider_id: int
    provider_name: str
    start: datetime  # UTC
    end: datetime


@dataclass(frozen=True)
class WaitlistSummary:
    waiting: int
    longest_days: int
    median_days: float


_COLUMNS = (
    "w.id, w.patient_id, pt.first_name || ' ' || pt.last_name AS patient_name, w.provider_id,"
    " p.name AS provider_name, w.specialty, w.type_id, t.name AS type_name, w.earliest, w.latest, w.weekdays,"
    " w.part_of_day, w.priority, w.note, w.added_by, w.added_at, w.closed_at, w.appointment_id"
)
_FROM = (
    " FROM waitlist w JOIN patients pt ON pt.id = w.patient_id JOIN appointment_types t ON t.id = w.type_id"
    " LEFT JOIN providers p ON p.id = w.provider_id"
)
_LIST = text(
    f"SELECT {_COLUMNS}{_FROM} WHERE (:include_closed OR w.closed_at IS NULL) ORDER BY w.priority, w.added_at, w.id"
)
_ONE = text(f"SELECT {_COLUMNS}{_FROM} WHERE w.id = :id")
# The open entries a free time of this provider (None: any) on these days (None: any) may fit.
_CANDIDATES = text(
    f"SELECT {_COLUMNS}{_FROM} WHERE w.closed_at IS NULL AND w.latest >= :today"
    " AND (CAST(:provider_id AS integer) IS NULL OR w.provider_id = :provider_id OR (w.provider_id IS NULL"
    " AND (w.specialty IS NULL OR w.specialty = (SELECT specialty FROM providers WHERE id = :provider_id))))"
    " AND (CAST(:first_day AS date) IS NULL OR (w.earliest <= :last_day AND w.latest >= :first_day))"
    " ORDER BY w.priority, w.added_at, w.id"
)
_PATIENTS_BUSY = text(
    "SELECT patient_id, starts_at, ends_at FROM appointments WHERE patient_id = ANY(:ids) AND status <> 'cancelled'"
    " AND starts_at < :end AND ends_at > :start"
)
_INSERT = text(
    "INSERT INTO waitlist (patient_id, provider_id, specialty, type_id, earliest, latest, weekdays, part_of_day,"
    " priority, note) VALUES (:patient_id, :provider_id, :specialty, :type_id, :earliest, :latest,"
    " CAST(:weekdays AS smallint[]), :part_of_day, :priority, :note) RETURNING id"
)
_UPDATE = text(
    "UPDATE waitlist SET patient_id = :patient_id, provider_id = :provider_id, specialty = :specialty,"
    " type_id = :type_id, earliest = :earliest, latest = :latest, weekdays = CAST(:weekdays AS smallint[]),"
    " part_of_day = :part_of_day, priority = :priority, note = :note WHERE id = :id AND closed_at IS NULL"
    " RETURNING id"
)
_DELETE = text("DELETE FROM waitlist WHERE id = :id RETURNING id")
_LOCK_OPEN = text("SELECT closed_at FROM waitlist WHERE id = :id FOR UPDATE")
_CLOSE = text("UPDATE waitlist SET closed_at = now(), appointment_id = :appointment_id WHERE id = :id")


def _entry(row) -> WaitlistEntry:
    values = dict(row._mapping)
    values["weekdays"] = tuple(values["weekdays"])
    values["priority"] = Priority(values["priority"])
    return WaitlistEntry(**values)


def _row(entry: WaitlistEntryIn) -> dict:
    values = entry.model_dump()
    values["weekdays"] = list(entry.weekdays)
    values["priority"] = int(entry.priority)
    return values


def add_entry(clinic: Clinic, **values) -> int:
    """Put a patient on the waitlist; the entry's id. InvalidInput names a wrong field."""
    entry = validate(WaitlistEntryIn, **values)
    return clinic.uow.run(lambda conn: _refused_by_keys(conn, _INSERT, _row(entry)))


# A specialty some active provider has, or the one the entry has already (kept when nobody has it any more).
_SPECIALTY_KNOWN = text(
    "SELECT EXISTS (SELECT 1 FROM providers WHERE active AND specialty = :specialty)"
    " OR EXISTS (SELECT 1 FROM waitlist WHERE id = CAST(:id AS integer) AND specialty = :specialty)"
)


def update_entry(clinic: Clinic, entry_id: int, **values) -> None:
    """Change an open entry; EntryGone if it was closed or removed meanwhile."""
    entry_id, entry = check_id("entry_id", entry_id), validate(WaitlistEntryIn, **values)
    if clinic.uow.run(lambda conn: _refused_by_keys(conn, _UPDATE, _row(entry) | {"id": entry_id})) is None:
        raise EntryGone("this waitlist entry was booked or removed at another desk meanwhile")


def remove_entry(clinic: Clinic, entry_id: int) -> bool:
    """Take an entry off the waitlist (the audit trail keeps it); False if there was none (removed already)."""
    entry_id = check_id("entry_id", entry_id)
    return clinic.uow.run(lambda conn: conn.execute(_DELETE, {"id": entry_id}).scalar()) is not None


# A foreign key an entry names that does not exist: the field, and what it should name.
_MISSING = {
    "waitlist_patient_id_fkey": ("patient_id", "patient"),
    "waitlist_provider_id_fkey": ("provider_id", "provider"),
    "waitlist_type_id_fkey": ("type_id", "appointment type"),
}


def _refused_by_keys(conn: Connection, statement: TextClause, params: dict) -> int | None:
    """Run an insert or update; a patient, provider or type that does not exist is named, and a specialty no active
    provider has (a typo would never match)."""
    if params["specialty"] is not None and not conn.execute(_SPECIALTY_KNOWN, {"id": None} | params).scalar():
        raise InvalidInput.single("specialty", f"no active provider has the specialty {params['specialty']!r}")
    try:
        with conn.begin_nested():
            return conn.execute(statement, params).scalar()
    except IntegrityError as exc:
        field = _MISSING.get(violated_constraint(exc))
        if field is None:
            raise
        raise NotFound(field[0], field[1], params[field[0]]) from exc


def list_entries(clinic: Clinic, *, include_closed: bool = False) -> list[WaitlistEntry]:
    """The entries, the most urgent and the longest waiting first."""
    rows = clinic.uow.read(lambda conn: conn.execute(_LIST, {"include_closed": include_closed}).all())
    return [_entry(row) for row in rows]


def entry(clinic: Clinic, entry_id: int) -> WaitlistEntry | None:
    entry_id = check_id("entry_id", entry_id)
    row = clinic.uow.read(lambda conn: conn.execute(_ONE, {"id": entry_id}).one_or_none())
    return _entry(row) if row is not None else None


def summary(entries: list[WaitlistEntry], now: datetime) -> WaitlistSummary:
    """How many of the open `entries` wait, and how long (whole days since they were added), at `now`."""
    days = [entry.waiting_days(now) for entry in entries if entry.closed_at is None]
    return WaitlistSummary(len(days), max(days, default=0), median(days) if days else 0.0)


def matches(
    clinic: Clinic,
    *,
    provider_id: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    limit: int | None = None,
) -> list[Match]:
    """The open entries a free time now fits, each with the first such time (of `provider_id`, and between
    `first_day` and `last_day`, where given), the most urgent and longest waiting first; the first `limit` only, if
    given. The free times are read once for all the entries that wait for the same type of the same providers."""
    today = clinic.local(clinic.now()).date()
    params = {"today": today, "provider_id": provider_id, "first_day": first_day, "last_day": last_day or first_day}
    rows = clinic.uow.read(lambda conn: conn.execute(_CANDIDATES, params).all())
    candidates = []
    for candidate in map(_entry, rows):
        days = (max(candidate.earliest, first_day or today, today), min(candidate.latest, last_day or date.max))
        if days[0] <= days[1]:
            candidates.append((candidate, *days))
    if not candidates:
        return []
    first, last = min(c[1] for c in candidates), max(c[2] for c in candidates)
    busy = _patients_busy(clinic, {c[0].patient_id for c in candidates}, first, last)
    searched: dict[tuple, list[FreeTime]] = {}
    found = []
    for candidate, from_day, to_day in candidates:
        whom = (candidate.provider_id or provider_id, candidate.specialty if candidate.provider_id is None else None)
        key = (candidate.type_id, *whom)
        if key not in searched:
            searched[key] = free_times(
                clinic, candidate.type_id, provider_id=whom[0], specialty=whom[1], first_day=first, last_day=last
            )
        fit = _first_fit(clinic, candidate, searched[key], from_day, to_day, busy.get(candidate.patient_id, []))
        if fit is not None:
            found.append(Match(candidate, fit.provider_id, fit.provider_name, fit.start, fit.end))
            if len(found) == limit:
                break
    return found


def _patients_busy(clinic: Clinic, patient_ids: set[int], first: date, last: date) -> dict[int, list[Interval]]:
    """The patients' live appointments over those days, by patient: a free time must not clash with their own."""
    params = {
        "ids": sorted(patient_ids),
        "start": local_day_bounds(first, clinic.zone).start,
        "end": local_day_bounds(last, clinic.zone).end,
    }
    rows = clinic.uow.read(lambda conn: conn.execute(_PATIENTS_BUSY, params).all())
    busy: dict[int, list[Interval]] = {}
    for row in rows:
        busy.setdefault(row.patient_id, []).append(Interval(row.starts_at, row.ends_at))
    return busy


def _first_fit(
    clinic: Clinic, candidate: WaitlistEntry, times: list[FreeTime], from_day: date, to_day: date, busy: list[Interval]
) -> FreeTime | None:
    """The first of `times` between the entry's days, on a weekday and at a time of day it prefers, clear of the
    patient's own appointments."""
    return next(
        (
            option
            for option in times
            if from_day <= clinic.local(option.start).date() <= to_day
            and wanted(clinic, option, candidate.weekdays, candidate.part_of_day, busy)
        ),
        None,
    )


def book_match(clinic: Clinic, entry_id: int, provider_id: int, start: datetime) -> int:
    """Book the entry's patient at `start` with `provider_id` and close the entry, in one transaction; the
    appointment's id. EntryGone if another desk booked the entry (or the time) first."""
    found = entry(clinic, entry_id)
    if found is None or found.closed_at is not None:
        raise EntryGone("this waitlist entry was booked or removed at another desk meanwhile")
    request = validate(
        BookingRequest, provider_id=provider_id, patient_id=found.patient_id, start=start, type_id=found.type_id,
        notes=found.note,
    )  # fmt: skip
    try:
        day, span = booking.prepare_booking(clinic, request)

        def work(conn: Connection) -> int:
            if conn.execute(_LOCK_OPEN, {"id": found.id}).one_or_none() != (None,):  # closed, or gone
                raise EntryGone("this waitlist entry was booked or removed at another desk meanwhile")
            appointment_id = booking.book_prepared(clinic, conn, request, day, span)
            conn.execute(_CLOSE, {"id": found.id, "appointment_id": appointment_id})
            return appointment_id

        return clinic.uow.run(work)
    except SlotTaken as exc:
        raise EntryGone("that time was taken at another desk meanwhile") from exc
