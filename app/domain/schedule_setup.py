"""Input rules for setting up the schedule: providers, weekly hours, time off and appointment types.

The admin dialogs check with these same rules on every edit, so a refusal from the service is rare.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator

from app.domain.errors import FieldError, InvalidInput
from app.domain.models import AwareDatetime, Day, Id, InputModel, Name, single_line_name
from app.domain.slots import Interval, WorkingBlock, block_bounds

WEEKDAY_NAMES = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 7: "Sunday"}
MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 5, 480
MIN_TYPE_MINUTES, MAX_TYPE_MINUTES, MAX_BUFFER_MINUTES = 5, 480, 120
DEFAULT_TYPE_MINUTES = 30
_TYPE_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_COLOR = re.compile(r"^#[0-9a-f]{6}$")


def _optional_single_line(value: str) -> str:
    """Like a name, but may be left empty."""
    return single_line_name(value) if value.strip() else ""


def _type_code(value: str) -> str:
    if not _TYPE_CODE.match(value):
        raise ValueError("use 1 to 32 lower-case letters, digits, dashes or underscores, starting with a letter")
    return value


def _color(value: str) -> str:
    value = value.strip().lower()
    if not _COLOR.match(value):
        raise ValueError("must be a colour written #rrggbb, e.g. #2563eb")
    return value


OptionalText = Annotated[str, Field(default="", max_length=200), AfterValidator(_optional_single_line)]


class ProviderIn(InputModel):
    name: Name
    specialty: OptionalText = ""


class RoomIn(InputModel):
    name: Name
    kind: Name  # e.g. "procedure room": the types that need one name the kind


class TimeOffIn(InputModel):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: OptionalText = ""

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError("must be after starts_at")
        return ends_at


TypeMinutes = Annotated[int, Field(strict=True, ge=MIN_TYPE_MINUTES, le=MAX_TYPE_MINUTES)]
BufferMinutes = Annotated[int, Field(strict=True, ge=0, le=MAX_BUFFER_MINUTES)]


class AppointmentTypeIn(InputModel):
    code: Annotated[str, Field(max_length=32), AfterValidator(_type_code)]
    name: Name
    color: Annotated[str, Field(max_length=7), AfterValidator(_color)]
    is_default: Annotated[bool, Field(strict=True)] = False
    minutes: TypeMinutes = DEFAULT_TYPE_MINUTES  # how long an appointment of the type lasts
    buffer_minutes: BufferMinutes = 0  # how long its provider stays busy after it
    room_kind: Annotated[str, AfterValidator(_optional_single_line), Field(max_length=200)] = ""  # "": none


class ProviderLengthIn(InputModel):
    """A provider's own length for a type (a slower specialist); None: the type's own."""

    provider_id: Id
    type_id: Id
    minutes: TypeMinutes | None


# --- weekly hours ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursProblem:
    """What is wrong with one block of the weekly hours (its weekday and its place in that day's list)."""

    weekday: int
    index: int
    message: str


def _minutes(block: WorkingBlock) -> int:
    return (block.end.hour * 60 + block.end.minute) - (block.start.hour * 60 + block.start.minute)


def _block_problem(block: WorkingBlock) -> str | None:
    if block.end <= block.start:
        return "a block must end after it starts"
    if isinstance(block.slot_minutes, bool) or not isinstance(block.slot_minutes, int):
        return "slot length must be a whole number of minutes"
    if not MIN_SLOT_MINUTES <= block.slot_minutes <= MAX_SLOT_MINUTES:
        return f"slot length must be {MIN_SLOT_MINUTES} to {MAX_SLOT_MINUTES} minutes"
    if block.slot_minutes > _minutes(block):
        return f"a {block.slot_minutes}-minute slot does not fit in this {_minutes(block)}-minute block"
    return None


def hours_problems(weekly_hours: Mapping[int, Sequence[WorkingBlock]]) -> list[HoursProblem]:
    """Every problem of the weekly hours, block by block; empty when the service would accept them."""
    problems = []
    for weekday, blocks in weekly_hours.items():
        if weekday not in WEEKDAY_NAMES:
            problems.append(HoursProblem(weekday, 0, "weekday must be 1 (Monday) to 7 (Sunday)"))
            continue
        for index, block in enumerate(blocks):
            problem = _block_problem(block)
            if problem is None and any(
                _block_problem(other) is None and other.start < block.end and block.start < other.end
                for other in blocks[:index]
            ):
                problem = "blocks of one weekday must not overlap"
            if problem:
                problems.append(HoursProblem(weekday, index, problem))
    return problems


def validate_weekly_hours(weekly_hours: Mapping[int, Sequence[WorkingBlock]]) -> dict[int, list[WorkingBlock]]:
    """The hours by weekday with each day's blocks in time order, or InvalidInput at `weekly_hours`."""
    if not isinstance(weekly_hours, Mapping) or not all(
        isinstance(block, WorkingBlock) for blocks in weekly_hours.values() for block in blocks
    ):
        raise InvalidInput.single("weekly_hours", "must map weekdays to lists of working blocks")
    problems = hours_problems(weekly_hours)
    if problems:
        raise InvalidInput([FieldError("weekly_hours", problem.message) for problem in problems])
    return {day: sorted(blocks, key=lambda b: b.start) for day, blocks in sorted(weekly_hours.items()) if blocks}


def fits_hours(day: date, blocks: Sequence[WorkingBlock], zone, busy: Interval) -> bool:
    """Whether an appointment's busy span (to the end of its buffer) lies inside one of the day's blocks and starts
    on its slot grid (its length is its type's, so it may end anywhere)."""
    for block in blocks:
        bounds = block_bounds(day, block, zone)
        step = timedelta(minutes=block.slot_minutes)
        if bounds.start <= busy.start and busy.end <= bounds.end and (busy.start - bounds.start) % step == timedelta(0):
            return True
    return False


_ID, _DAY = TypeAdapter(Id), TypeAdapter(Day)


def check_id(field: str, value: object) -> int:
    """An id passed on its own (not in an input model), or InvalidInput naming its field."""
    return _check(_ID, field, value)


def check_day(field: str, value: object) -> date:
    """A day passed on its own, inside the calendar a schedule may concern, or InvalidInput naming its field."""
    return _check(_DAY, field, value)


def _check(adapter: TypeAdapter, field: str, value: object):
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise InvalidInput.single(field, exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
