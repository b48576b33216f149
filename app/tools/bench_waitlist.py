"""Waitlist benchmark: after a freed time is announced, how long a desk takes to find the waiting patients it fits
(`waitlist.matches` for the provider and the day, the few it shows, as its notices look), and how long every fit
takes (`waitlist matches` on the command line), with more and more open entries, against the floor of the same desk
re-reading that day's free times (`schedule.free_slots`, what its free-time list does on the same announcement).
The announcement's own travel is `bench-live`'s to measure.

In a throwaway database, dropped afterwards: real data is never touched.
"""

import json
import sys
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time

from app.domain.models import BookingRequest, PatientIn
from app.domain.slots import WorkingBlock
from app.services import booking, schedule, waitlist
from app.services.appointment_types import list_types
from app.services.patients import create_patient
from app.services.providers import add_provider
from app.tools.stress import open_clinic, throwaway_on_configured_server
from app.tools.timing import median_ms
from app.ui.waitlist_notices import SHOWN

HOURS = {weekday: [WorkingBlock(clock_time(8), clock_time(12), 30)] for weekday in range(1, 8)}


def _patients(clinic, count: int) -> list[int]:
    def one() -> PatientIn:
        name = f"Patient {uuid.uuid4().hex[:8]}"
        return PatientIn(first_name="Waiting", last_name=name, date_of_birth="1980-01-01", phone="+49 30 1234567")

    return [create_patient(clinic, one(), allow_duplicate=True) for _ in range(count)]


def _measure(clinic, size: int, repeat: int) -> dict:
    """A provider whose day is booked but for one freed time, and `size` patients waiting for them (or for anyone)
    over the next fortnight; the look a desk makes for that day, and the day's free times."""
    provider_id = add_provider(clinic, f"Bench {uuid.uuid4().hex[:6]}", HOURS, "General practice")
    default_type = next(kind.id for kind in list_types(clinic) if kind.is_default)
    day = clinic.local(clinic.now()).date() + timedelta(days=2)
    others = _patients(clinic, 8)
    starts = [datetime.combine(day, clock_time(8), tzinfo=clinic.zone) + timedelta(minutes=30 * n) for n in range(8)]
    booked = [
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=start))
        for patient, start in zip(others, starts, strict=True)
    ]
    waiting = _patients(clinic, size)
    booking.cancel(clinic, booked[3])  # the freed time
    scope = {"provider_id": provider_id, "first_day": day, "last_day": day}
    report = {"entries": size}
    for fit, part_of_day in (("fit", None), ("nobody", "afternoon")):  # the provider works mornings only
        _put_on_the_waitlist(clinic, waiting, provider_id, default_type, day, part_of_day)
        report[f"desk_look_{fit}_ms"] = median_ms(lambda: waitlist.matches(clinic, **scope, limit=SHOWN), repeat)
        if fit == "fit":
            report["every_fit_ms"] = median_ms(lambda: waitlist.matches(clinic, **scope), repeat)
            report["matches"] = len(waitlist.matches(clinic, **scope))
        for entry in waitlist.list_entries(clinic):
            waitlist.remove_entry(clinic, entry.id)
    report["free_times_ms"] = median_ms(lambda: schedule.free_slots(clinic, provider_id, day), repeat)
    report["ratio"] = report["desk_look_fit_ms"] / report["free_times_ms"]
    return report


def _put_on_the_waitlist(clinic, patients: list[int], provider_id: int, type_id: int, day, part_of_day) -> None:
    """Each patient waits a fortnight around `day`: every other one for the provider, the rest for anyone."""
    for n, patient_id in enumerate(patients):
        whom = {"provider_id": provider_id} if n % 2 == 0 else {}
        waitlist.add_entry(
            clinic, patient_id=patient_id, type_id=type_id, earliest=day - timedelta(days=1),
            latest=day + timedelta(days=14), part_of_day=part_of_day, **whom,
        )  # fmt: skip


def main(repeat: int, entries: str, as_json: bool = False) -> int:
    sizes = [int(size) for size in entries.split(",") if size.strip().isdigit()]
    if repeat < 1 or not sizes or len(sizes) != len(entries.split(",")) or min(sizes) < 1:
        print("error: --repeat must be at least 1, and --entries whole numbers from 1 (10,100,500)", file=sys.stderr)
        return 2
    with throwaway_on_configured_server("clinic_bench_waitlist") as url:
        engine, clinic = open_clinic(url, "Europe/Berlin")
        try:
            rows = [_measure(clinic, size, repeat) for size in sizes]
        finally:
            engine.dispose()
    if as_json:
        print(json.dumps(rows))
        return 0
    print(f"waitlist look after a freed time (median of {repeat}), against the day's free times re-read")
    print(
        f"{'entries':>8} {'matches':>8} {'desk look ms':>13} {'fits nobody ms':>15} {'every fit ms':>13}"
        f" {'free times ms':>14} {'ratio':>6}"
    )
    for row in rows:
        print(
            f"{row['entries']:>8} {row['matches']:>8} {row['desk_look_fit_ms']:>13.1f}"
            f" {row['desk_look_nobody_ms']:>15.1f} {row['every_fit_ms']:>13.1f} {row['free_times_ms']:>14.1f}"
            f" {row['ratio']:>6.1f}"
        )
    return 0
