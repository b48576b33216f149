"""The day's flow board: who is expected, who has arrived and waits (since when), who is with the provider, who is
done and who did not come; and moving a patient on, one stage at a time.

The stage comes from the appointment's status and the times the database keeps (migration 0015): `checked_in_at`
is stamped by the database on checking in, `seen_at` when the provider takes the patient. Every move names the stage
the desk saw: if another desk moved the patient meanwhile, nothing changes and the desk is told (a patient already
where the move would take them is a move done: a retry after a lost answer, or a second click, succeeds).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.domain.errors import InvalidInput, NotFound
from app.domain.models import AppointmentStatus
from app.domain.slots import local_day_bounds
from app.services.booking import set_status_locked
from app.services.context import Clinic


class Stage(StrEnum):
    EXPECTED = "expected"
    ARRIVED = "arrived"
    WITH_PROVIDER = "with_provider"
    DONE = "done"
    NO_SHOW = "no_show"


# Where one click takes a patient from each stage (done and no-show are where the day ends for them).
NEXT_STAGE = {Stage.EXPECTED: Stage.ARRIVED, Stage.ARRIVED: Stage.WITH_PROVIDER, Stage.WITH_PROVIDER: Stage.DONE}


@dataclass(frozen=True)
class FlowEntry:
    appointment_id: int
    starts_at: datetime
    ends_at: datetime
    stage: Stage
    patient_name: str
    provider_id: int
    provider_name: str
    type_name: str
    room_name: str | None
    checked_in_at: datetime | None
    seen_at: datetime | None
    read_at: datetime  # the database's clock when the board was read: waits are counted on it, not a desk's

    def minutes_in_stage(self, since_read: timedelta = timedelta(0)) -> int | None:
        """How long the patient has been waiting, or with the provider, `since_read` after the board was read (None
        for the other stages)."""
        since = {Stage.ARRIVED: self.checked_in_at, Stage.WITH_PROVIDER: self.seen_at}.get(self.stage)
        if since is None:
            return None
        return max(0, int((self.read_at + since_read - since).total_seconds() // 60))

    def waiting_minutes(self, since_read: timedelta = timedelta(0)) -> int | None:
        """How long an arrived patient has waited so far (None for the other stages)."""
        return self.minutes_in_stage(since_read) if self.stage == Stage.ARRIVED else None


_BOARD = text(
    "SELECT a.id AS appointment_id, a.starts_at, a.ends_at, a.status, a.seen_at, a.checked_in_at, a.provider_id,"
    " p.name AS provider_name, pt.first_name || ' ' || pt.last_name AS patient_name, t.name AS type_name,"
    " r.name AS room_name, now() AS read_at"
    " FROM appointments a JOIN providers p ON p.id = a.provider_id JOIN patients pt ON pt.id = a.patient_id"
    " JOIN appointment_types t ON t.id = a.type_id LEFT JOIN rooms r ON r.id = a.room_id"
    " WHERE a.starts_at >= :start AND a.starts_at < :end AND a.status <> 'cancelled'"
    " ORDER BY a.starts_at, p.name, a.id"
)
_LOCK = text("SELECT status, seen_at FROM appointments WHERE id = :id FOR UPDATE")
_SEEN = text("UPDATE appointments SET seen_at = now() WHERE id = :id")


def stage_of(status: str, seen_at: datetime | None) -> Stage:
    match status:
        case AppointmentStatus.CHECKED_IN:
            return Stage.WITH_PROVIDER if seen_at is not None else Stage.ARRIVED
        case AppointmentStatus.COMPLETED:
            return Stage.DONE
        case AppointmentStatus.NO_SHOW:
            return Stage.NO_SHOW
        case _:
            return Stage.EXPECTED


def flow_board(clinic: Clinic, day: date) -> list[FlowEntry]:
    """The day's live appointments in time order, each at its stage."""
    bounds = local_day_bounds(day, clinic.zone)
    rows = clinic.uow.read(lambda conn: conn.execute(_BOARD, {"start": bounds.start, "end": bounds.end}).all())
    return [
        FlowEntry(
            **{key: value for key, value in row._mapping.items() if key != "status"},
            stage=stage_of(row.status, row.seen_at),
        )
        for row in rows
    ]


def move_on(clinic: Clinic, appointment_id: int, seen_stage: Stage | str, to: Stage | str | None = None) -> Stage:
    """Move a patient from the stage the desk saw to the next one (or to `to`: a no-show, from expected); the new
    stage. Another desk's move in between leaves it as it is and says where the patient is now."""
    seen_stage = _stage("seen_stage", seen_stage)
    target = NEXT_STAGE.get(seen_stage) if to is None else _stage("to", to)
    if target is None or (target != NEXT_STAGE.get(seen_stage) and (seen_stage, target) != _MISSED):
        raise InvalidInput.single("to", f"a patient who is {STAGE_WORDS[seen_stage]} cannot be moved on to {target}")

    def work(conn: Connection) -> Stage:
        row = conn.execute(_LOCK, {"id": appointment_id}).one_or_none()
        if row is None:
            raise NotFound("appointment_id", "appointment", appointment_id)
        now_at = stage_of(row.status, row.seen_at)
        if now_at == target:  # done already: this desk's own move, whose answer a lost connection took
            return target
        if now_at != seen_stage:
            raise InvalidInput.single("stage", f"another desk moved this patient on meanwhile: {STAGE_WORDS[now_at]}")
        if target == Stage.WITH_PROVIDER:
            conn.execute(_SEEN, {"id": appointment_id})
        else:
            set_status_locked(clinic, conn, appointment_id, _STATUS_OF[target])
        return target

    return clinic.uow.run(work)


_MISSED = (Stage.EXPECTED, Stage.NO_SHOW)
_STATUS_OF = {
    Stage.ARRIVED: AppointmentStatus.CHECKED_IN,
    Stage.DONE: AppointmentStatus.COMPLETED,
    Stage.NO_SHOW: AppointmentStatus.NO_SHOW,
}
STAGE_WORDS = {
    Stage.EXPECTED: "expected",
    Stage.ARRIVED: "waiting",
    Stage.WITH_PROVIDER: "with the provider",
    Stage.DONE: "done",
    Stage.NO_SHOW: "did not come",
}


def _stage(field: str, value: Stage | str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise InvalidInput.single(field, f"no such stage {value!r}; the stages: {', '.join(Stage)}") from None
