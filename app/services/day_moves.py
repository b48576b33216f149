"""When a provider cannot come: move each of their upcoming appointments in a date range to another provider of the
same specialty who is free at the same time, and list the rest for the desk to call.

Each move is one atomic reschedule (the patient's and the room's constraints still hold); a move refused for any
reason the desk can act on (another desk took the time or holds it, say) is tried with the next provider, so the
result always lists every appointment, moved or to call. Nothing is cancelled: what could not move stays booked
with its provider and is listed with the patient's phone number.
"""

from dataclasses import dataclass
from datetime import date

from app.domain.errors import DomainError, InvalidInput
from app.domain.models import DateRangeQuery, validate
from app.services import booking, schedule
from app.services.context import Clinic
from app.services.schedule import AppointmentView, Provider


@dataclass(frozen=True)
class Moved:
    appointment: AppointmentView  # as it was
    to: Provider


@dataclass(frozen=True)
class DayMoves:
    moved: list[Moved]
    to_call: list[AppointmentView]  # still with their provider: the desk calls the patients (phone in the view)

    def summary(self) -> str:
        return f"{len(self.moved)} moved to another provider, {len(self.to_call)} to call"


def move_days(clinic: Clinic, provider_id: int, first_day: date, last_day: date) -> DayMoves:
    """Move the provider's upcoming booked appointments from `first_day` to `last_day` (clinic days) to the first
    other active provider of the same specialty (by name) free at the same time."""
    validate(DateRangeQuery, first_day=first_day, last_day=last_day, provider_id=provider_id)
    everyone = schedule.providers(clinic)
    absent = next((p for p in everyone if p.id == provider_id), None)
    if absent is None:
        raise InvalidInput.single("provider_id", f"no active provider with id {provider_id}")
    stand_ins = [p for p in everyone if p.id != provider_id and p.specialty == absent.specialty]
    upcoming = [
        a
        for a in schedule.schedule(clinic, first_day, last_day, provider_id)
        if a.status == "booked" and a.starts_at > clinic.now()
    ]
    moved, to_call = [], []
    for appointment in upcoming:
        stand_in = next((p for p in stand_ins if _moved_to(clinic, appointment, p)), None)
        if stand_in is None:
            to_call.append(appointment)
        else:
            moved.append(Moved(appointment, stand_in))
    return DayMoves(moved, to_call)


def _moved_to(clinic: Clinic, appointment: AppointmentView, provider: Provider) -> bool:
    try:
        booking.reschedule(clinic, appointment.id, appointment.starts_at, provider.id)
    except DomainError:  # busy, off, another grid, the patient or no room then, held by a desk: the next one
        return False
    return True
