"""What the commands make of their arguments: dates, times in the clinic's zone, appointment types by code; an
argument that cannot be used is a CliInputError naming it (exit code 2)."""

import sys
from datetime import date, datetime

from app.domain.models import repeated_by_clock_change


class CliInputError(Exception):
    """An argument that cannot be parsed; the message names it."""


def iso_date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliInputError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


def iso_datetime(field: str, value: str, zone) -> datetime:
    """A time; without an offset, the clinic's wall-clock time (a time the clocks pass twice is taken as the first,
    and a note says so; one they skip is refused by the service, naming the change)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliInputError(f"{field}: {value!r} is not an ISO 8601 time (e.g. 2030-01-08T09:00)") from None
    if moment.tzinfo is not None:
        return moment
    moment = moment.replace(tzinfo=zone)
    note = repeated_by_clock_change(moment)
    if note:
        print(f"note: {field}: {note}", file=sys.stderr)
    return moment


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_numbers(text: str) -> list[int]:
    """Weekdays as typed ("mon,thu", "Monday, Thursday") as numbers, 1 = Monday."""
    numbers = []
    for name in text.split(","):
        short = name.strip().lower()[:3]
        if short not in WEEKDAYS:
            raise CliInputError(f"weekdays: {name.strip()!r} is not a weekday ({', '.join(WEEKDAYS)})")
        numbers.append(WEEKDAYS.index(short) + 1)
    return numbers


TYPE_HELP = "appointment type code, as in Admin > Appointment types (default: the clinic's default type)"


def type_id_of(clinic, code: str | None) -> int | None:
    """The id of the appointment type with this code (None: the default type's, chosen by the service)."""
    from app.services import schedule

    if code is None:
        return None
    types = schedule.appointment_types(clinic)
    found = next((kind.id for kind in types if kind.code == code), None)
    if found is None:
        raise CliInputError(f"type: no appointment type {code!r}; the types are {', '.join(k.code for k in types)}")
    return found
