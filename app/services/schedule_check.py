"""Upcoming appointments that do not fit their provider's schedule as this desk reads it.

Working hours are wall-clock times in the clinic's zone and appointments are moments: read in another zone than the
one the hours were set in, appointments land over lunch or after closing. The services refuse any change that would
leave an appointment outside the schedule, so finding some means the clinic's zone is not the one the schedule was
made in (or rows were changed behind the program's back): `doctor` says so, and the desk warns at the start.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.domain.errors import AffectedAppointment
from app.domain.schedule_setup import fits_hours
from app.domain.slots import Interval, WorkingBlock
from app.services.context import Clinic

LISTED = 5

_UPCOMING = text(
    "SELECT a.id, a.provider_id, a.starts_at, a.busy_until, p.first_name || ' ' || p.last_name AS patient_name"
    " FROM appointments a JOIN patients p ON p.id = a.patient_id"
    " WHERE a.status <> 'cancelled' AND a.busy_until > :now ORDER BY a.starts_at, a.id"
)
_HOURS = text("SELECT provider_id, weekday, start_time, end_time, slot_minutes FROM working_hours")
_TIME_OFF = text("SELECT provider_id, starts_at, ends_at FROM time_off WHERE ends_at > :now")


@dataclass(frozen=True)
class Misfits:
    """The first few of the upcoming live appointments that fall outside their provider's schedule, and how many."""

    appointments: list[AffectedAppointment]
    total: int

    def describe(self, zone_name: str) -> str:
        first = "; ".join(str(a) for a in self.appointments)
        return (
            f"{self.total} upcoming appointment{'s' if self.total != 1 else ''} lie outside their providers' working"
            f" hours or in their time off, read in {zone_name} (first: {first}): the clinic's time zone is probably"
            " not the one its hours were set in"
        )


def appointments_off_schedule(clinic: Clinic) -> Misfits:
    """The upcoming live appointments that do not fit their provider's hours and time off in the clinic's zone."""

    def read(conn: Connection):
        params = {"now": clinic.now()}
        return conn.execute(_UPCOMING, params).all(), conn.execute(_HOURS).all(), conn.execute(_TIME_OFF, params).all()

    upcoming, hours, time_off = clinic.uow.read(read)
    blocks: dict[tuple[int, int], list[WorkingBlock]] = defaultdict(list)
    for row in hours:
        blocks[(row.provider_id, row.weekday)].append(WorkingBlock(row.start_time, row.end_time, row.slot_minutes))
    off: dict[int, list[Interval]] = defaultdict(list)
    for row in time_off:
        off[row.provider_id].append(Interval(row.starts_at, row.ends_at))
    misfits = [row for row in upcoming if not _fits(clinic, row, blocks, off)]
    listed = [AffectedAppointment(r.id, clinic.local(r.starts_at), r.patient_name) for r in misfits[:LISTED]]
    return Misfits(listed, len(misfits))


def _fits(clinic: Clinic, row, blocks: dict, off: dict) -> bool:
    day = clinic.local(row.starts_at).date()
    busy = Interval(row.starts_at, row.busy_until)
    in_hours = fits_hours(day, blocks[(row.provider_id, day.isoweekday())], clinic.zone, busy)
    return in_hours and not any(busy.overlaps(stretch) for stretch in off[row.provider_id])
