"""Errors the user can act on. Anything else that escapes a service is a bug."""

from dataclasses import dataclass
from datetime import datetime


def first_line(error: BaseException) -> str:
    """An error's first line, for a status bar or a log line (a server's message can run to several)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class DomainError(Exception):
    """An expected refusal, shown to the user as it is."""


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidInput(DomainError):
    """One or more fields are wrong; nothing was written."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))

    @classmethod
    def single(cls, field: str, message: str) -> "InvalidInput":
        return cls([FieldError(field, message)])


class NotFound(InvalidInput):
    """An id names no row: a kind of invalid input, reported against the field that carried it."""

    def __init__(self, field: str, what: str, ident: object):
        super().__init__([FieldError(field, f"no {what} with id {ident}")])


@dataclass(frozen=True)
class AffectedAppointment:
    """A live appointment in the way of a change, as the desk would recognise it."""

    id: int
    starts_at: datetime  # in the clinic's zone
    patient_name: str

    def __str__(self) -> str:
        return f"{self.starts_at:%a %d %b %Y %H:%M} {self.patient_name} (appointment {self.id})"


class WouldOrphan(InvalidInput):
    """A change to the schedule's rules would leave live appointments behind; nothing was written. Carries the
    field the change was made in and the appointments (the first LISTED of `total`)."""

    LISTED = 10

    def __init__(self, field: str, reason: str, appointments: list[AffectedAppointment], total: int):
        self.field, self.reason = field, reason
        self.appointments, self.total = appointments[: self.LISTED], total
        super().__init__([FieldError(field, f"{reason}: {'; '.join(self.lines())}")])

    def lines(self) -> list[str]:
        """One line per listed appointment, and one saying how many more there are."""
        more = self.total - len(self.appointments)
        return [str(a) for a in self.appointments] + ([f"and {more} more"] if more > 0 else [])


class PatientBusy(InvalidInput):
    """The patient has another live appointment at that time: the time is taken for them, reported against the
    patient (the command line exits as for a taken time)."""

    def __init__(self):
        super().__init__([FieldError("patient_id", "the patient already has an appointment at that time")])


class SlotTaken(DomainError):
    def __init__(self, message: str = "that time is already booked; pick another slot"):
        super().__init__(message)


class Busy(DomainError):
    """Another desk or session held a record this change needs for longer than the lock timeout; nothing was
    written. `what` names the record ("this patient's record")."""

    def __init__(self, what: str = "a record this change needs", message: str | None = None):
        self.what = what
        super().__init__(message or f"another desk or session is holding {what}; nothing was saved, try again")


class SlotBusy(Busy):
    """Another desk holds the lock on the slot longer than the lock timeout."""

    def __init__(self) -> None:
        super().__init__("this slot", "another desk is booking this slot, try again")


class ChangeConflict(DomainError):
    """The change kept colliding with other desks' changes to the same records (a deadlock or a serialization
    failure, each retried a few times); nothing was written."""

    def __init__(self, detail: str):
        super().__init__(
            f"this change kept colliding with other desks' changes to the same records ({detail}); nothing was"
            " saved, try again"
        )


class LikelyDuplicatePatient(DomainError):
    def __init__(self, patient_ids: list[int]):
        self.patient_ids = patient_ids
        ids = ", ".join(str(i) for i in patient_ids)
        super().__init__(f"a patient with the same name and date of birth already exists (id {ids})")


class NotAllowed(DomainError):
    """The database refused because the signed-in account's role does not allow this."""

    def __init__(self, detail: str):
        super().__init__(f"your account may not do this ({detail}); ask a clinic administrator")


class DatabaseUnavailable(DomainError):
    """The database could not be reached or kept failing. Nothing was written, unless the connection went during
    a commit and no later attempt could find out (`outcome_unknown`): then repeating the same request settles it
    (bookings carry a request id, status changes and moves are idempotent); anything else is checked first."""

    def __init__(self, detail: str, *, outcome_unknown: bool = False):
        self.outcome_unknown = outcome_unknown
        if outcome_unknown:
            message = (
                f"the connection to the database was lost while saving ({detail}): the change may have been saved;"
                " check before making it again"
            )
        else:
            message = f"the database is not available right now ({detail}); try again when it is back"
        super().__init__(message)
