"""Reminders of a day's appointments: the list (for calls, an SMS service or a mail merge) and the e-mail, sent
once per appointment.

A run first records a reminder row for each of the day's live (booked) appointments that has none. Then, one
appointment at a time and each in a transaction of its own, it claims the row (`FOR UPDATE SKIP LOCKED`, while it is
pending or failed fewer than MAX_ATTEMPTS times, and its appointment still booked), sends the message while holding
the row, and records it as sent (to whom, when) before committing. Another run at the same time skips a row that
is held and finds a sent one no longer claimable, so each reminder goes out once. A refused message is recorded as
failed with the server's reason, and the next run tries it again (this one does not). A patient without an e-mail
address is recorded for a call (no_email); once an address is added, a later run sends the reminder.

The one case of a second message: the mail server took the message and the commit of "sent" never reached the
database (a crash or a lost connection in between); the row is still pending, and the next run sends it again.
Reading the list is open to every clinic role; sending needs a desk's write access (admins and receptionists).
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import Connection, text

from app.domain.errors import InvalidInput
from app.domain.slots import local_day_bounds
from app.services.context import Clinic
from app.services.reminder_mail import MailServerFailed, SendFailed

MAX_ATTEMPTS = 5  # a reminder that failed this often is left alone (and listed as failed)
STATES = ("pending", "sent", "failed", "no_email")
CSV_COLUMNS = (
    "appointment_id", "starts_at", "time_zone", "patient", "patient_phone", "patient_email", "provider", "type",
    "reminder", "sent_to", "sent_at", "attempts", "last_error",
)  # fmt: skip


class Sender(Protocol):
    """What sends one reminder (reminder_mail.Mailer; a test may pass its own)."""

    def connect(self) -> None: ...

    def send(self, to: str, details: dict[str, str]) -> None: ...


@dataclass(frozen=True)
class ReminderLine:
    """One live appointment of the day with its reminder's state ("" when no run has recorded it yet)."""

    appointment_id: int
    starts_at: datetime  # in the clinic's zone
    patient_name: str
    first_name: str
    last_name: str
    phone: str
    email: str  # "" when the patient has none
    provider_name: str
    type_name: str
    state: str  # pending, sent, failed, no_email, or ""
    sent_to: str
    sent_at: datetime | None
    attempts: int
    last_error: str

    @property
    def gave_up(self) -> bool:
        return self.state == "failed" and self.attempts >= MAX_ATTEMPTS


@dataclass
class ReminderRun:
    """What one run did: the reminders it sent, the ones that failed (with the server's reason), the patients to
    call (no e-mail address), and how many had been sent before (by an earlier or a parallel run)."""

    day: date
    sent: list[ReminderLine] = field(default_factory=list)
    failed: list[tuple[ReminderLine, str]] = field(default_factory=list)
    no_email: list[ReminderLine] = field(default_factory=list)
    already_sent: int = 0
    gave_up: list[ReminderLine] = field(default_factory=list)  # failed MAX_ATTEMPTS times: no run tries them again

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{self.day.isoformat()}: sent {len(self.sent)}, failed {len(self.failed)},"
            f" no e-mail {len(self.no_email)}, already sent {self.already_sent}"
            + (f", given up after {MAX_ATTEMPTS} tries {len(self.gave_up)}" if self.gave_up else "")
        )


_LINES = text(
    "SELECT d.appointment_id, d.starts_at, d.patient_first_name, d.patient_last_name, d.patient_phone,"
    " coalesce(d.patient_email, '') AS patient_email, d.provider_name, d.type_name,"
    " coalesce(r.state, '') AS state, coalesce(r.sent_to, '') AS sent_to, r.sent_at,"
    " coalesce(r.attempts, 0) AS attempts, coalesce(r.last_error, '') AS last_error"
    " FROM appointment_details d LEFT JOIN appointment_reminders r ON r.appointment_id = d.appointment_id"
    " WHERE d.starts_at >= :start AND d.starts_at < :end AND d.status = 'booked'"
    " ORDER BY d.starts_at, d.provider_name, d.appointment_id"
)
_RECORD_DAY = text(
    "INSERT INTO appointment_reminders (appointment_id)"
    " SELECT id FROM appointments WHERE starts_at >= :start AND starts_at < :end AND status = 'booked'"
    " ORDER BY id ON CONFLICT DO NOTHING"
)
_CLAIMABLE = text(
    "SELECT r.appointment_id FROM appointment_reminders r JOIN appointments a ON a.id = r.appointment_id"
    " WHERE a.starts_at >= :start AND a.starts_at < :end AND a.status = 'booked'"
    " AND (r.state IN ('pending', 'no_email') OR (r.state = 'failed' AND r.attempts < :max_attempts))"
    " ORDER BY a.starts_at, r.appointment_id"
)
_CLAIM = text(
    "SELECT r.appointment_id FROM appointment_reminders r JOIN appointments a ON a.id = r.appointment_id"
    " WHERE r.appointment_id = :id AND a.status = 'booked'"
    " AND (r.state IN ('pending', 'no_email') OR (r.state = 'failed' AND r.attempts < :max_attempts))"
    " FOR UPDATE OF r SKIP LOCKED"
)
_ONE = text(_LINES.text.replace("WHERE d.starts_at >= :start AND d.starts_at < :end", "WHERE d.appointment_id = :id"))
_MARK_SENT = text(
    "UPDATE appointment_reminders SET state = 'sent', sent_to = :to, sent_at = now(), attempts = attempts + 1,"
    " last_error = '', updated_at = now() WHERE appointment_id = :id"
)
_MARK_FAILED = text(
    "UPDATE appointment_reminders SET state = 'failed', attempts = attempts + 1, last_error = :error,"
    " updated_at = now() WHERE appointment_id = :id"
)
_MARK_NO_EMAIL = text(
    "UPDATE appointment_reminders SET state = 'no_email', updated_at = now() WHERE appointment_id = :id"
    " AND state <> 'no_email'"
)


def _bounds(clinic: Clinic, day: date) -> dict:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidInput.single("date", f"expected a date, got {day!r}")
    bounds = local_day_bounds(day, clinic.zone)
    return {"start": bounds.start, "end": bounds.end}


def _line(clinic: Clinic, row) -> ReminderLine:
    return ReminderLine(
        appointment_id=row.appointment_id,
        starts_at=clinic.local(row.starts_at),
        patient_name=f"{row.patient_first_name} {row.patient_last_name}",
        first_name=row.patient_first_name,
        last_name=row.patient_last_name,
        phone=row.patient_phone,
        email=row.patient_email.strip(),
        provider_name=row.provider_name,
        type_name=row.type_name,
        state=row.state,
        sent_to=row.sent_to,
        sent_at=clinic.local(row.sent_at) if row.sent_at is not None else None,
        attempts=row.attempts,
        last_error=row.last_error,
    )


def reminder_list(clinic: Clinic, day: date) -> list[ReminderLine]:
    """The day's live appointments (clinic day) in time order, each with its patient's phone and e-mail and its
    reminder's state; readable by every clinic role."""
    params = _bounds(clinic, day)
    rows = clinic.uow.read(lambda conn: conn.execute(_LINES, params).all())
    return [_line(clinic, row) for row in rows]


def reminder_list_csv(clinic: Clinic, day: date, lines: list[ReminderLine] | None = None) -> str:
    """The day's reminder list as CSV text (a header, then a row per appointment, times in ISO 8601 with their
    offset); the caller writes it as UTF-8 with a byte-order mark (`encoding="utf-8-sig"`)."""
    lines = reminder_list(clinic, day) if lines is None else lines
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(_csv_row(clinic, line))
    return out.getvalue()


def _csv_row(clinic: Clinic, line: ReminderLine) -> list:
    sent_at = line.sent_at.isoformat() if line.sent_at else ""
    return [
        line.appointment_id, line.starts_at.isoformat(), clinic.zone.key, line.patient_name, line.phone, line.email,
        line.provider_name, line.type_name, line.state, line.sent_to, sent_at, line.attempts, line.last_error,
    ]  # fmt: skip


def details(line: ReminderLine) -> dict[str, str]:
    """The appointment's details as the message's template names them."""
    moment = line.starts_at
    return {
        "patient": line.patient_name,
        "first_name": line.first_name,
        "last_name": line.last_name,
        "date": moment.date().isoformat(),
        "weekday": moment.strftime("%A"),
        "time": moment.strftime("%H:%M"),
        "provider": line.provider_name,
        "type": line.type_name,
    }


def send_reminders(
    clinic: Clinic, day: date, sender: Sender, *, progress: Callable[[ReminderRun], None] | None = None
) -> ReminderRun:
    """Send the e-mail reminders of the day's live appointments that have not been sent: each once, however many
    runs start together. `progress` (if given) is called after each reminder, with the run so far. Raises
    NotAllowed for an account that may not write (a manager); InvalidInput for a day already past."""
    params = _bounds(clinic, day)
    if day < clinic.local(clinic.now()).date():
        raise InvalidInput.single("date", f"{day.isoformat()} is past; reminders are for today or a later day")
    clinic.uow.run(lambda conn: conn.execute(_RECORD_DAY, params))
    claimable = clinic.uow.read(
        lambda conn: list(conn.execute(_CLAIMABLE, {**params, "max_attempts": MAX_ATTEMPTS}).scalars())
    )
    run = ReminderRun(day)
    mine: set[int] = set()
    server_down: list[str] = []  # the mail server's failure, once seen: the rest of this run is not tried on it
    for appointment_id in claimable:
        _remind_one(clinic, sender, appointment_id, run, mine, server_down)
        if progress is not None:
            progress(run)
    for line in reminder_list(clinic, day):
        if line.state == "sent" and line.appointment_id not in mine:
            run.already_sent += 1
        elif line.gave_up:
            run.gave_up.append(line)
    return run


def _remind_one(
    clinic: Clinic, sender: Sender, appointment_id: int, run: ReminderRun, mine: set[int], server_down: list[str]
) -> None:
    """Claim, send and record one reminder, in one transaction. A retry of that transaction (a lost connection)
    does not send again: it records the outcome this run already had."""
    outcome: dict[str, object] = {}

    def work(conn: Connection) -> tuple[str, ReminderLine] | None:
        if conn.execute(_CLAIM, {"id": appointment_id, "max_attempts": MAX_ATTEMPTS}).first() is None:
            return None  # sent, cancelled, or being sent by another run right now
        line = _line(clinic, conn.execute(_ONE, {"id": appointment_id}).one())
        if not line.email:
            conn.execute(_MARK_NO_EMAIL, {"id": appointment_id})
            return "no_email", line
        if "error" not in outcome:
            outcome["error"] = _send(sender, line, server_down)
        error = outcome["error"]
        if error is None:
            conn.execute(_MARK_SENT, {"id": appointment_id, "to": line.email})
            return "sent", line
        conn.execute(_MARK_FAILED, {"id": appointment_id, "error": error})
        return "failed", line

    if not server_down:
        try:
            sender.connect()  # before the row is held: a slow server holds no lock while it answers
        except MailServerFailed as exc:
            server_down.append(str(exc))
    result = clinic.uow.run(work)
    if result is None:
        return
    state, line = result
    if state == "sent":
        mine.add(appointment_id)
        run.sent.append(line)
    elif state == "failed":
        run.failed.append((line, str(outcome["error"])))
    else:
        run.no_email.append(line)


def _send(sender: Sender, line: ReminderLine, server_down: list[str]) -> str | None:
    """None when the server took the message, else the reason it did not."""
    if server_down:
        return server_down[0]
    try:
        sender.send(line.email, details(line))
    except MailServerFailed as exc:
        server_down.append(str(exc))
        return str(exc)
    except SendFailed as exc:
        return str(exc)
    return None
