"""Reminders of a day's appointments: the list (for calls, an SMS service or a mail merge) and the e-mail, sent
once per appointment.

A run first records a reminder row for each of the day's live (booked) appointments that has none, and connects to
the mail server (if it cannot, it claims nothing: the reminders stay pending and keep their tries). Then, one
appointment at a time, it claims the reminder (one UPDATE, committed at once: 'sending', while it is pending, failed
fewer than MAX_ATTEMPTS times, or sent for a time the appointment has since been moved from), sends the message with
no transaction open, and records it as sent (to whom, when, for which start) or failed. Another run at the same time
finds the row 'sending' or 'sent' and leaves it, so each reminder goes out once. A refused message is recorded as
failed with the server's reason, and the next run tries it again (this one does not). A patient without an e-mail
address is recorded for a call (no_email); once an address is added, a later run sends the reminder.

A run that ends between claiming and recording (a crash, the database gone for longer than the unit of work's
retries) leaves the reminder 'sending': it may have gone out. Later runs list it as such (for a call) and never send
it again: at most once, rather than twice. Appointments of the day that have begun are not reminded.
Reading the list is open to every clinic role; sending needs a desk's write access (admins and receptionists).
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import text

from app.domain.errors import InvalidInput
from app.domain.slots import local_day_bounds
from app.services.context import Clinic
from app.services.reminder_mail import MailServerFailed, SendFailed

MAX_ATTEMPTS = 5  # a reminder that failed this often is left alone (and listed as failed)
STATES = ("pending", "sending", "sent", "failed", "no_email")
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
    unknown: list[ReminderLine] = field(default_factory=list)  # claimed by a run that did not record the outcome
    server_failure: str | None = None  # the mail server could not be reached (or failed): the rest wait for a run

    @property
    def ok(self) -> bool:
        return not self.failed and self.server_failure is None

    def summary(self) -> str:
        return (
            f"{self.day.isoformat()}: sent {len(self.sent)}, failed {len(self.failed)},"
            f" no e-mail {len(self.no_email)}, already sent {self.already_sent}"
            + (f", given up after {MAX_ATTEMPTS} tries {len(self.gave_up)}" if self.gave_up else "")
            + (f", may have been sent (check) {len(self.unknown)}" if self.unknown else "")
            + (f"; the mail server failed: {self.server_failure}" if self.server_failure else "")
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
# A reminder to send: pending, for a call until an address came, failed fewer than MAX_ATTEMPTS times, or sent for a
# start the appointment has been moved from.
_DUE = (
    "(r.state IN ('pending', 'no_email') OR (r.state = 'failed' AND r.attempts < :max_attempts)"
    " OR (r.state = 'sent' AND r.reminded_for IS DISTINCT FROM a.starts_at))"
)
_CLAIMABLE = text(
    "SELECT r.appointment_id FROM appointment_reminders r JOIN appointments a ON a.id = r.appointment_id"
    " WHERE a.starts_at >= :start AND a.starts_at < :end AND a.starts_at > :now AND a.status = 'booked'"
    f" AND {_DUE} ORDER BY a.starts_at, r.appointment_id"
)
_CLAIM = text(
    "UPDATE appointment_reminders r SET state = 'sending', claimed_at = now(), sent_at = NULL, updated_at = now(),"
    " attempts = CASE WHEN r.state = 'sent' THEN 1 ELSE r.attempts + 1 END"
    " FROM appointments a WHERE r.appointment_id = :id AND a.id = r.appointment_id AND a.status = 'booked'"
    f" AND a.starts_at > :now AND {_DUE} RETURNING a.starts_at"
)
_ONE = text(_LINES.text.replace("WHERE d.starts_at >= :start AND d.starts_at < :end", "WHERE d.appointment_id = :id"))
_MARK_SENT = text(
    "UPDATE appointment_reminders SET state = 'sent', sent_to = :to, sent_at = now(), reminded_for = :starts_at,"
    " last_error = '', updated_at = now() WHERE appointment_id = :id AND state = 'sending'"
)
_MARK_FAILED = text(
    "UPDATE appointment_reminders SET state = 'failed', last_error = :error, updated_at = now()"
    " WHERE appointment_id = :id AND state = 'sending'"
)
# The mail server failed, not the message: back to pending, the try not counted.
_GIVE_BACK = text(
    "UPDATE appointment_reminders SET state = 'pending', attempts = attempts - 1, last_error = :error,"
    " updated_at = now() WHERE appointment_id = :id AND state = 'sending'"
)
_MARK_NO_EMAIL = text(
    "UPDATE appointment_reminders SET state = 'no_email', updated_at = now() WHERE appointment_id = :id"
    " AND state IN ('pending', 'no_email', 'failed')"
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
    """Send the e-mail reminders of the day's live appointments still to begin that have not been sent: each once,
    however many runs start together. `progress` (if given) is called after each reminder, with the run so far.
    Raises NotAllowed for an account that may not write (a manager); InvalidInput for a day already past."""
    params = _bounds(clinic, day)
    if day < clinic.local(clinic.now()).date():
        raise InvalidInput.single("date", f"{day.isoformat()} is past; reminders are for today or a later day")
    clinic.uow.run(lambda conn: conn.execute(_RECORD_DAY, params))
    due = {**params, "now": clinic.now(), "max_attempts": MAX_ATTEMPTS}
    claimable = clinic.uow.read(lambda conn: list(conn.execute(_CLAIMABLE, due).scalars()))
    run = ReminderRun(day)
    try:
        sender.connect()  # before anything is claimed: a mail server out of reach uses up nobody's tries
    except MailServerFailed as exc:
        run.server_failure = str(exc)
    mine: set[int] = set()
    for appointment_id in claimable if run.server_failure is None else []:
        _remind_one(clinic, sender, appointment_id, run, mine)
        if progress is not None:
            progress(run)
        if run.server_failure is not None:
            break
    for line in reminder_list(clinic, day):
        if line.state == "sent" and line.appointment_id not in mine:
            run.already_sent += 1
        elif line.gave_up:
            run.gave_up.append(line)
        elif line.state == "sending":
            run.unknown.append(line)
    return run


def _remind_one(clinic: Clinic, sender: Sender, appointment_id: int, run: ReminderRun, mine: set[int]) -> None:
    """Claim (committed at once), send with no transaction open, record. A reminder another run holds is left."""
    line = _line(clinic, clinic.uow.read(lambda conn: conn.execute(_ONE, {"id": appointment_id}).one()))
    if not line.email:
        clinic.uow.run(lambda conn: conn.execute(_MARK_NO_EMAIL, {"id": appointment_id}))
        run.no_email.append(line)
        return
    claim = {"id": appointment_id, "now": clinic.now(), "max_attempts": MAX_ATTEMPTS}
    starts_at = clinic.uow.run(lambda conn: conn.execute(_CLAIM, claim).scalar_one_or_none())
    if starts_at is None:
        return  # sent, being sent, or cancelled meanwhile
    try:
        sender.send(line.email, details(line))
    except MailServerFailed as exc:
        run.server_failure = error = str(exc)
        clinic.uow.run(lambda conn: conn.execute(_GIVE_BACK, {"id": appointment_id, "error": error}))
        return
    except SendFailed as exc:
        refused = str(exc)
        clinic.uow.run(lambda conn: conn.execute(_MARK_FAILED, {"id": appointment_id, "error": refused}))
        run.failed.append((line, refused))
        return
    sent = {"id": appointment_id, "to": line.email, "starts_at": starts_at}
    clinic.uow.run(lambda conn: conn.execute(_MARK_SENT, sent))
    mine.add(appointment_id)
    run.sent.append(line)
