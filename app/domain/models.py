"""Pydantic input models: one source of validation for the service layer and the dialogs."""

import re
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from app.domain.errors import FieldError, InvalidInput

# C0 and C1 control characters (Unicode category Cc) and the Unicode line and paragraph separators.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# The days a clinic's schedule may concern: far enough either way for any real use, and far from the ends of
# datetime's calendar, where converting a day to another zone overflows.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# Which status may follow which: a desk can undo a check-in or a no-show, nothing leaves a final state.
ALLOWED_TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.BOOKED: frozenset(
        {AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}
    ),
    AppointmentStatus.CHECKED_IN: frozenset({AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED}),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.BOOKED}),
    AppointmentStatus.COMPLETED: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
}


# The steps of the visit itself wait for its day: nobody checks in, completes or misses an appointment in advance.
ON_ITS_DAY = {
    AppointmentStatus.CHECKED_IN: "checked in",
    AppointmentStatus.COMPLETED: "completed",
    AppointmentStatus.NO_SHOW: "marked as a no-show",
}


def transitions_on(current: AppointmentStatus, day: date, today: date) -> frozenset[AppointmentStatus]:
    """The statuses an appointment of `day` may move to from `current` when it is `today` (the clinic's days)."""
    allowed = ALLOWED_TRANSITIONS[current]
    return allowed - ON_ITS_DAY.keys() if day > today else allowed


def single_line_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if _CONTROL_CHARS.search(value):
        raise ValueError("must not contain control characters")
    return value


def _phone(value: str) -> str:
    value = value.strip()
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_CHARS.match(value) or not 6 <= digits <= 15:
        raise ValueError("must be a phone number of 6 to 15 digits (spaces, +, -, ( ) allowed)")
    return value


def _email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if _CONTROL_CHARS.search(value) or not _EMAIL.match(value):
        raise ValueError("must look like name@example.org")
    return value


def _storable_text(value: str) -> str:
    # PostgreSQL's text cannot hold NUL; every other character of free text is kept as typed.
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _calendar_day(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a time zone offset")
    _calendar_day(value.date())
    skipped = skipped_by_clock_change(value)
    if skipped:
        raise ValueError(skipped)
    return value


def skipped_by_clock_change(value: datetime) -> str | None:
    """Why a wall-clock time in a zone never happens (the clocks jumped over it), or None if it does."""
    zone = value.tzinfo
    if not isinstance(zone, ZoneInfo):
        return None  # a fixed offset: every time exists
    wall = value.replace(tzinfo=None)
    if value.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return None
    before, after = value.replace(fold=0).tzname(), value.replace(fold=1).tzname()
    return (
        f"{wall:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks go forward that night ({before} to {after})"
        " and skip it; choose a time after the change"
    )


def repeated_by_clock_change(value: datetime) -> str | None:
    """A note when a wall-clock time in a zone happens twice (the clocks went back over it): it is taken as its
    first occurrence, as Python and PostgreSQL read it; None when it happens once."""
    zone = value.tzinfo
    first = value.replace(fold=0)
    if not isinstance(zone, ZoneInfo) or first.utcoffset() == value.replace(fold=1).utcoffset():
        return None
    if skipped_by_clock_change(value):
        return None
    return (
        f"{value:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back that night): taken as the first,"
        f" {first.tzname()}, before the change"
    )


Name = Annotated[str, Field(max_length=100), AfterValidator(single_line_name)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
Email = Annotated[str | None, Field(default=None, max_length=254), AfterValidator(_email)]
NotesText = Annotated[str, Field(max_length=2000), AfterValidator(_storable_text)]
Notes = Annotated[NotesText, Field(default="")]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
# strict: True or 1.5 is no id. The top of integer is none either: the exclusion constraints read an id as the range
# [id, id + 1), which overflows there.
Id = Annotated[int, Field(gt=0, lt=2**31 - 1, strict=True)]
Day = Annotated[date, AfterValidator(_calendar_day)]


class InputModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PatientIn(InputModel):
    first_name: Name
    last_name: Name
    date_of_birth: date
    phone: Phone
    email: Email = None

    @field_validator("date_of_birth")
    @classmethod
    def _birth_date_plausible(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("must not be in the future")
        if value < EARLIEST_BIRTH_DATE:
            raise ValueError(f"must not be before {EARLIEST_BIRTH_DATE.isoformat()}")
        return value


class BookingDetails(InputModel):
    """A booking but for its patient: a new patient's, registered in the same transaction."""

    provider_id: Id
    start: AwareDatetime
    type_id: Id | None = None  # None: the clinic's default appointment type
    notes: Notes = ""
    request_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    room_id: Id | None = None  # for a type that needs a room: this one (None: the first free one of its kind)


class BookingRequest(BookingDetails):
    patient_id: Id


class RescheduleRequest(InputModel):
    appointment_id: Id
    start: AwareDatetime
    provider_id: Id | None = None  # None: the appointment's own provider
    room_id: Id | None = None  # None: its own room where that is free, else another of the kind


class DetailsChange(InputModel):
    appointment_id: Id
    type_id: Id | None = None  # None: keep it
    notes: NotesText | None = None  # None: keep them


class StatusChange(InputModel):
    appointment_id: Id
    status: AppointmentStatus


class SlotQuery(InputModel):
    provider_id: Id
    day: Day
    type_id: Id | None = None  # None: the clinic's default appointment type
    ignoring: Id | None = None  # an appointment being moved: its own time counts as free


MAX_RANGE_DAYS = 100


class NextFreeQuery(InputModel):
    """A search for the first free times: for a type (None: the default), of one provider, of a specialty or of
    anyone, from a day on, on some weekdays, in the morning or the afternoon, clear of a patient's appointments."""

    type_id: Id | None = None
    provider_id: Id | None = None
    specialty: Annotated[str, Field(max_length=200)] | None = None
    from_day: Day
    weekdays: Annotated[list[Annotated[int, Field(ge=1, le=7, strict=True)]], Field(max_length=7)] = []
    part_of_day: Literal["morning", "afternoon"] | None = None
    patient_id: Id | None = None
    count: Annotated[int, Field(ge=1, le=100, strict=True)] = 10


class DateRangeQuery(InputModel):
    """Clinic days `first_day` .. `last_day`, inclusive; optionally one provider's."""

    first_day: Day
    last_day: Day
    provider_id: Id | None = None

    @field_validator("last_day")
    @classmethod
    def _sane_range(cls, last_day: date, info: ValidationInfo) -> date:
        first_day = info.data.get("first_day")
        if first_day is None:  # first_day itself is wrong and reported
            return last_day
        if last_day < first_day:
            raise ValueError("must not be before first_day")
        if (last_day - first_day).days >= MAX_RANGE_DAYS:
            raise ValueError(f"a range may span at most {MAX_RANGE_DAYS} days")
        return last_day


class PatientAppointmentsQuery(InputModel):
    patient_id: Id


class PatientSearch(InputModel):
    query: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_storable_text)]


M = TypeVar("M", bound=BaseModel)


def _error_message(error: dict[str, Any]) -> str:
    message = error["msg"]
    # pydantic prefixes messages of custom validators with "Value error, ": keep only the reason.
    return message.removeprefix("Value error, ")


def validate(model: type[M], **values: Any) -> M:
    """Build `model` from `values` or raise InvalidInput naming each wrong field."""
    try:
        return model(**values)
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(part) for part in error["loc"]) or model.__name__, _error_message(error))
            for error in exc.errors()
        ]
        raise InvalidInput(errors) from None
