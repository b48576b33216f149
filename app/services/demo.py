"""Realistic demo data: providers with working hours, types of different lengths (procedures in one of two
procedure rooms), 500 patients, three months of appointments.

Idempotent: providers are keyed by name, patients by name and birth date, appointments by a request id
derived from provider and start time, so a second run on the same day adds nothing.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import text

from app.domain.errors import DomainError
from app.domain.slots import Length, Span, WorkingBlock, slot_grid, spans_in_blocks
from app.services import staff
from app.services.context import Clinic

SEED = 2026
PATIENT_COUNT = 500
DAYS_BEFORE_TODAY = 45
DAYS_AFTER_TODAY = 45
_REQUEST_NAMESPACE = uuid.UUID("0f6f6d49-3c51-4a8e-9a4e-2f1f3d1b7c10")


def _hours(start: int, end: int, minutes: int, lunch: tuple[int, int] | None = (12, 13)) -> list[WorkingBlock]:
    if lunch is None:
        return [WorkingBlock(time(start), time(end), minutes)]
    return [WorkingBlock(time(start), time(lunch[0]), minutes), WorkingBlock(time(lunch[1]), time(end), minutes)]


WEEKDAYS = range(1, 6)
PROVIDERS: list[tuple[str, str, dict[int, list[WorkingBlock]]]] = [
    ("Dr. Amelia Hart", "General practice", {d: _hours(8, 17, 30) for d in WEEKDAYS}),
    ("Dr. Benjamin Okafor", "General practice", {d: _hours(9, 18, 20) for d in WEEKDAYS}),
    ("Dr. Chloé Martin", "Paediatrics", {d: _hours(8, 16, 30) for d in (1, 2, 3, 4)}),
    ("Dr. Daniel Novak", "Cardiology", {d: _hours(10, 18, 45, lunch=(13, 14)) for d in (1, 3, 5)}),
    (
        "Dr. Elif Yılmaz",
        "Dermatology",
        {**{d: _hours(8, 13, 15, lunch=None) for d in WEEKDAYS}, 6: _hours(9, 12, 15, None)},
    ),
    ("Dr. Farid Haddad", "Physiotherapy", {d: _hours(7, 15, 60, lunch=(11, 12)) for d in WEEKDAYS}),
    ("Dr. Grace Lindqvist", "Gynaecology", {d: _hours(9, 17, 30) for d in (2, 3, 4, 5)}),
    ("Dr. Hiroshi Tanaka", "Orthopaedics", {d: _hours(8, 14, 30, lunch=None) for d in (1, 2, 4)}),
]
# Lengths and buffers by type; a physiotherapist's and a cardiologist's own lengths for some of them.
TYPE_LENGTHS = {"consultation": (30, 0), "follow_up": (15, 0), "procedure": (60, 10)}
PROVIDER_LENGTHS = {
    "Dr. Farid Haddad": {"consultation": 60, "follow_up": 30},
    "Dr. Daniel Novak": {"consultation": 45},
}
# Procedures need a procedure room: the clinic has two.
ROOMS = (("Procedure room 1", "procedure room"), ("Procedure room 2", "procedure room"))
ROOM_KINDS = {"procedure": "procedure room"}
TYPE_MIX = ["consultation"] * 5 + ["follow_up"] * 3 + ["procedure"]  # mostly consultations, few procedures
FIRST_NAMES = (
    "Olivia Liam Emma Noah Ava Elijah Sophia Lucas Mia Mateo Isabella Levi Amara Kai Zoe Omar Leila Ivan Nadia "
    "Yusuf Hana Pablo Sofia Aarav Priya Chen Mei Jonas Freya Lars Ingrid Tomás Lucía Ahmed Fatima Kofi Ama "
    "Dmitri Anya Sean Aoife Marco Giulia Jan Zofia Ethan Grace Henry Ruby"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson Anderson Thomas "
    "Moore Jackson Martin Lee Thompson White Harris Clark Lewis Walker Young Allen King Wright Scott Green Baker "
    "Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Müller Schmidt Kowalski Nowak "
    "Rossi Bianchi Dubois Laurent Jensen Nielsen O'Brien Murphy Kim Park Nguyen Tran Singh Patel Khan Ali Sato"
).split()


@dataclass(frozen=True)
class DemoSummary:
    providers: int
    patients: int
    appointments: int

    def summary(self) -> str:
        return (
            f"demo data: {self.providers} providers, {self.patients} patients, {self.appointments} appointments"
            f" ({DAYS_BEFORE_TODAY} days back to {DAYS_AFTER_TODAY} days ahead)"
        )


def _demo_patients(rng: random.Random) -> list[dict]:
    patients = []
    seen = set()
    while len(patients) < PATIENT_COUNT:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        born = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 365 * 88))
        if (first, last, born) in seen:
            continue
        seen.add((first, last, born))
        phone = f"+1 555 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
        email = f"{first}.{last}@example.org".lower().replace("'", "") if rng.random() < 0.7 else None
        patients.append({"f": first, "l": last, "b": born, "p": phone, "e": email})
    return patients


def _status(rng: random.Random, is_past: bool) -> str:
    roll = rng.random()
    if is_past:
        return "completed" if roll < 0.8 else "no_show" if roll < 0.88 else "cancelled"
    return "booked" if roll < 0.93 else "cancelled"


def _upsert_providers(conn) -> dict[str, int]:
    ids = {}
    for name, specialty, hours in PROVIDERS:
        new_id = conn.execute(
            text("INSERT INTO providers (name, specialty) VALUES (:n, :s) ON CONFLICT (name) DO NOTHING RETURNING id"),
            {"n": name, "s": specialty},
        ).scalar_one_or_none()
        if new_id is not None:
            conn.execute(
                text(
                    "INSERT INTO working_hours (provider_id, weekday, start_time, end_time, slot_minutes)"
                    " VALUES (:p, :d, :s, :e, :m)"
                ),
                [
                    {"p": new_id, "d": d, "s": b.start, "e": b.end, "m": b.slot_minutes}
                    for d, blocks in hours.items()
                    for b in blocks
                ],
            )
        ids[name] = conn.execute(text("SELECT id FROM providers WHERE name = :n"), {"n": name}).scalar_one()
    return ids


def _set_lengths(conn, provider_ids: dict[str, int]) -> dict[str, int]:
    """The demo's lengths, buffers and rooms by type, and lengths by provider; returns the types' ids by code."""
    conn.execute(
        text("UPDATE appointment_types SET minutes = :m, buffer_minutes = :b, room_kind = :r WHERE code = :c"),
        [
            {"c": code, "m": minutes, "b": buffer, "r": ROOM_KINDS.get(code)}
            for code, (minutes, buffer) in TYPE_LENGTHS.items()
        ],
    )
    conn.execute(
        text("INSERT INTO rooms (name, kind) VALUES (:n, :k) ON CONFLICT (name) DO NOTHING"),
        [{"n": name, "k": kind} for name, kind in ROOMS],
    )
    type_ids = dict(conn.execute(text("SELECT code, id FROM appointment_types")).all())
    conn.execute(
        text(
            "INSERT INTO provider_type_lengths (provider_id, type_id, minutes) VALUES (:p, :t, :m)"
            " ON CONFLICT (provider_id, type_id) DO NOTHING"
        ),
        [
            {"p": provider_ids[name], "t": type_ids[code], "m": minutes}
            for name, lengths in PROVIDER_LENGTHS.items()
            for code, minutes in lengths.items()
        ],
    )
    return type_ids


def _insert_patients(conn, patients: list[dict]) -> list[int]:
    conn.execute(
        text(
            "INSERT INTO patients (first_name, last_name, date_of_birth, phone, email)"
            " SELECT :f, :l, :b, :p, :e WHERE NOT EXISTS (SELECT 1 FROM patients"
            " WHERE first_name = :f AND last_name = :l AND date_of_birth = :b)"
        ),
        patients,
    )
    return list(
        conn.execute(
            text(
                "SELECT min(p.id) FROM patients p JOIN unnest(CAST(:f AS text[]), CAST(:l AS text[]),"
                " CAST(:b AS date[])) AS d(f, l, b) ON p.first_name = d.f AND p.last_name = d.l"
                " AND p.date_of_birth = d.b GROUP BY d.f, d.l, d.b ORDER BY min(p.id)"
            ),
            {"f": [p["f"] for p in patients], "l": [p["l"] for p in patients], "b": [p["b"] for p in patients]},
        ).scalars()
    )


def _length(name: str, code: str) -> Length:
    minutes, buffer = TYPE_LENGTHS[code]
    return Length(PROVIDER_LENGTHS.get(name, {}).get(code, minutes), buffer)


def _day_plan(rng: random.Random, spans_by_code: dict[str, list[Span]], fill: float):
    """A provider's day: walk the grid, and where the roll says so book a type whose span fits, then go on after
    its busy part; yields (type code, span)."""
    free_from = None
    starts = sorted({span.start for spans in spans_by_code.values() for span in spans})
    for start in starts:
        if free_from is not None and start < free_from:
            continue
        code = rng.choice(TYPE_MIX)
        span = next((s for s in spans_by_code[code] if s.start == start), None)
        if span is None or rng.random() >= fill:
            continue
        free_from = span.busy_until
        yield code, span


def _planned_appointments(
    clinic: Clinic, rng: random.Random, provider_ids: dict[str, int], patient_ids: list[int], type_ids: dict[str, int]
):
    today = clinic.local(clinic.now()).date()
    now = clinic.now()
    for offset in range(-DAYS_BEFORE_TODAY, DAYS_AFTER_TODAY + 1):
        day = today + timedelta(days=offset)
        # The near future is nearly full; further out the book is emptier, as in a real clinic.
        fill = 0.8 if offset <= 7 else max(0.25, 0.8 - 0.015 * (offset - 7))
        for name, _specialty, hours in PROVIDERS:
            blocks = hours.get(day.isoweekday(), [])
            spans = {code: spans_in_blocks(day, blocks, clinic.zone, _length(name, code)) for code in TYPE_LENGTHS}
            cell_ends = {cell.start: cell.end for cell in slot_grid(day, blocks, clinic.zone)}  # the day's grid, once
            for code, span in _day_plan(rng, spans, fill):
                yield {
                    "provider_id": provider_ids[name],
                    "starts_at": span.start,
                    "ends_at": span.end,
                    "busy_until": span.busy_until,
                    "cell_ends": cell_ends[span.start],
                    "patient_id": rng.choice(patient_ids),
                    "type_id": type_ids[code],
                    "room": ROOMS[span.start.hour % len(ROOMS)][0] if code in ROOM_KINDS else None,
                    "status": _status(rng, span.end <= now),
                    "request_id": uuid.uuid5(_REQUEST_NAMESPACE, f"{name}|{span.start.isoformat()}"),
                }


def _insert_appointments(conn, planned: list[dict]) -> None:
    columns = {key: [row[key] for row in planned] for key in planned[0]} if planned else {}
    if not planned:
        return
    conn.execute(
        text(
            "INSERT INTO time_slots (provider_id, start_time, end_time)"
            " SELECT * FROM unnest(CAST(:provider_id AS int[]), CAST(:starts_at AS timestamptz[]),"
            " CAST(:cell_ends AS timestamptz[])) ON CONFLICT DO NOTHING"
        ),
        columns,
    )
    # ON CONFLICT without a target also skips rows refused by the exclusion constraints (a patient
    # drawn twice for the same hour), which keeps the generator simple.
    conn.execute(
        text(
            "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, busy_until, patient_id, type_id,"
            " status, request_id, notes, room_id)"
            " SELECT s.id, d.provider_id, d.starts_at, d.ends_at, d.busy_until, d.patient_id, d.type_id, d.status,"
            " d.request_id, '', (SELECT id FROM rooms WHERE name = d.room)"
            " FROM unnest(CAST(:provider_id AS int[]), CAST(:starts_at AS timestamptz[]),"
            " CAST(:ends_at AS timestamptz[]), CAST(:busy_until AS timestamptz[]), CAST(:patient_id AS int[]),"
            " CAST(:type_id AS int[]), CAST(:status AS text[]), CAST(:request_id AS uuid[]), CAST(:room AS text[]))"
            " AS d(provider_id, starts_at, ends_at, busy_until, patient_id, type_id, status, request_id, room)"
            " JOIN time_slots s ON s.provider_id = d.provider_id AND s.start_time = d.starts_at"
            " ON CONFLICT DO NOTHING"
        ),
        columns,
    )


def load_demo_data(clinic: Clinic) -> DemoSummary:
    rng = random.Random(SEED)

    def work(conn) -> DemoSummary:
        provider_ids = _upsert_providers(conn)
        type_ids = _set_lengths(conn, provider_ids)
        patient_ids = _insert_patients(conn, _demo_patients(rng))
        _insert_appointments(conn, list(_planned_appointments(clinic, rng, provider_ids, patient_ids, type_ids)))
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM providers), (SELECT count(*) FROM patients),"
                " (SELECT count(*) FROM appointments)"
            )
        ).one()
        return DemoSummary(*counts)

    return clinic.uow.run(work)


# A login for each role the clinic's first admin does not cover, to see each role's window.
DEMO_STAFF = (("demo.frontdesk", "receptionist"), ("demo.office", "manager"))
DEMO_STAFF_PASSWORD = "clinic demo 2026"


def add_demo_staff(clinic: Clinic) -> list[str]:
    """Add the demo's staff logins (those missing); lines for people about them, passwords included."""
    try:
        existing = {member.name for member in staff.list_staff(clinic)}
        for name, role in DEMO_STAFF:
            if name not in existing:
                staff.add_staff(clinic, name, role, DEMO_STAFF_PASSWORD)
    except DomainError as exc:  # IT manages staff on this server, or this login may not
        return [f"demo staff: not added ({exc})"]
    lines = [f'demo staff, to see each role\'s window (password "{DEMO_STAFF_PASSWORD}"; disable them for real use):']
    lines += [f"  {name:<16}{role}" for name, role in DEMO_STAFF]
    return lines


def stamp_audit_trail(clinic: Clinic) -> None:
    """Date the audit trail as if it had been written up to the clinic's (fixed) clock, a minute an entry, so
    screenshots of it read the same on every run. Only the trail's owner may: staff cannot rewrite it."""
    clinic.uow.run(
        lambda conn: conn.execute(
            text(
                "UPDATE audit_log SET at = CAST(:now AS timestamptz)"
                " - ((SELECT max(id) FROM audit_log) - id) * interval '1 minute'"
            ),
            {"now": clinic.now()},
        )
    )
