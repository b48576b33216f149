"""What the printed sheets say: a day sheet (one provider, one room, or every provider side by side), a provider's week
sheet and a patient's appointment card, as rows of text for `sheet_painter` to lay out on paper.

The builders read the database (run them on a worker); the words are the desk's: its locale's days and clock, the
statuses as the views name them. Cancelled appointments are left out: a sheet is what the day holds.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtGui import QImage

from app.services.context import Clinic
from app.services.rooms import list_rooms
from app.services.schedule import AppointmentView, patient_appointments, providers, schedule
from app.ui.dates import LONG_DAY, clock, day_words
from app.ui.labels import status_label

CARD_APPOINTMENTS = 6  # an appointment card lists the patient's next ones, up to this many
SIDE_BY_SIDE_PORTRAIT = 3  # more providers than this side by side turn the page to landscape


@dataclass(frozen=True)
class SheetRow:
    cells: tuple[str, ...]
    heading: bool = False  # a day's heading in a week sheet: one line across the page, kept with the row after it


@dataclass(frozen=True)
class Sheet:
    heading: tuple[str, ...]  # the lines at the top of every page: the clinic first, then what and when
    columns: tuple[tuple[str, float], ...]  # each column's title and its share of the width
    rows: tuple[SheetRow, ...]
    empty: str = "No appointments."
    landscape: bool = False
    picture: QImage | None = None  # a chart, on the first page above the rows


DETAIL_COLUMNS = (("Time", 1.5), ("Patient", 2.0), ("Phone", 1.4), ("Type", 1.7), ("Status", 1.0), ("Notes", 2.2))


def day_sheet(
    clinic: Clinic, day: date, clinic_name: str, *, provider_id: int | None = None, room_id: int | None = None
) -> Sheet:
    """One provider's day, one room's day (with the provider in a column), or every provider's side by side."""
    when = day_words(day, LONG_DAY)
    live = [row for row in schedule(clinic, day, day, provider_id) if row.status != "cancelled"]
    if provider_id is not None:
        name = next((p.name for p in providers(clinic, include_inactive=True) if p.id == provider_id), "")
        return Sheet((clinic_name, name, when), DETAIL_COLUMNS, tuple(_detail_row(clinic, row) for row in live))
    if room_id is not None:
        room = next((room.name for room in list_rooms(clinic) if room.id == room_id), "")
        columns = (*DETAIL_COLUMNS[:4], ("Provider", 1.6), *DETAIL_COLUMNS[4:])
        rows = [_detail_row(clinic, row, with_provider=True) for row in live if row.room_id == room_id]
        return Sheet((clinic_name, f"Room {room}", when), columns, tuple(rows))
    return _side_by_side(clinic, live, (clinic_name, "All providers", when))


def week_sheet(clinic: Clinic, first_day: date, clinic_name: str, provider_id: int) -> Sheet:
    """A provider's seven days from `first_day`, each day under its own heading."""
    last_day = first_day + timedelta(days=6)
    live = [row for row in schedule(clinic, first_day, last_day, provider_id) if row.status != "cancelled"]
    name = next((p.name for p in providers(clinic, include_inactive=True) if p.id == provider_id), "")
    rows: list[SheetRow] = []
    for day in (first_day + timedelta(days=n) for n in range(7)):
        on_day = [row for row in live if clinic.local(row.starts_at).date() == day]
        if on_day:
            rows.append(SheetRow((day_words(day, LONG_DAY),), heading=True))
            rows.extend(_detail_row(clinic, row) for row in on_day)
    weeks = f"{day_words(first_day)} – {day_words(last_day)}"
    return Sheet((clinic_name, f"{name} · week", weeks), DETAIL_COLUMNS, tuple(rows))


def appointment_card(clinic: Clinic, patient_id: int, clinic_name: str, clinic_address: str) -> Sheet:
    """A patient's next appointments under the clinic's name and address, to hand over the desk."""
    now = clinic.now()
    coming = sorted(
        (row for row in patient_appointments(clinic, patient_id) if row.status == "booked" and row.starts_at >= now),
        key=lambda row: row.starts_at,
    )[:CARD_APPOINTMENTS]
    patient = coming[0].patient_name if coming else ""
    address = tuple(line.strip() for line in clinic_address.splitlines() if line.strip())
    columns = (("Day", 2.2), ("Time", 1.0), ("With", 2.0), ("For", 2.0))
    rows = tuple(
        SheetRow((day_words(local.date()), clock(local), row.provider_name, _type_and_room(row)))
        for row in coming
        for local in (clinic.local(row.starts_at),)
    )
    heading = (clinic_name, *address, f"Appointments for {patient}" if patient else "Appointments")
    return Sheet(heading, columns, rows, empty="No appointments to come.")


def _detail_row(clinic: Clinic, row: AppointmentView, *, with_provider: bool = False) -> SheetRow:
    times = f"{clock(clinic.local(row.starts_at))}–{clock(clinic.local(row.ends_at))}"
    cells = [times, row.patient_name, row.patient_phone, _type_and_room(row)]
    if with_provider:
        cells.append(row.provider_name)
    cells += [status_label(row.status), row.notes]
    return SheetRow(tuple(cells))


def _type_and_room(row: AppointmentView) -> str:
    return f"{row.type_name} · {row.room_name}" if row.room_name else row.type_name


def _side_by_side(clinic: Clinic, live: list[AppointmentView], heading: tuple[str, ...]) -> Sheet:
    """A row per start time, a column per provider with appointments that day: who comes, for what, their phone."""
    names = sorted({(row.provider_name, row.provider_id) for row in live})
    column_of = {provider_id: index for index, (_name, provider_id) in enumerate(names)}
    starts = sorted({row.starts_at for row in live})
    cells = {start: [""] * len(names) for start in starts}
    for row in live:
        cells[row.starts_at][column_of[row.provider_id]] = (
            f"{row.patient_name}\n{_type_and_room(row)}\n{row.patient_phone} · {status_label(row.status)}"
        )
    columns = (("Time", 0.8), *((name, 2.0) for name, _id in names))
    rows = tuple(SheetRow((clock(clinic.local(start)), *cells[start])) for start in starts)
    return Sheet(heading, columns, rows, landscape=len(names) > SIDE_BY_SIDE_PORTRAIT)
