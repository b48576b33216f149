"""Code that runs in the racing processes. It lives in an importable module so multiprocessing's spawn can
start it; each process builds its own engine and a Clinic with the tests' fixed clock."""

import logging
import time
from dataclasses import dataclass, field

from app.db.engine import make_engine
from app.domain.errors import InvalidInput, PatientBusy, SlotTaken
from app.domain.models import BookingRequest
from app.services import booking, providers, series, series_moves, waitlist
from tests.conftest import make_clinic


def _book(clinic, **values) -> int:
    return booking.book(clinic, BookingRequest(**values))


def _deactivate(clinic, provider_id: int) -> None:
    providers.set_provider_active(clinic, provider_id, False)


def _book_series(clinic, policy: str, **values) -> None:
    series.book_series(clinic, series.request_series(**values), series.SeriesPolicy(policy))


OPERATIONS = {
    "book": _book,
    "reschedule": booking.reschedule,
    "cancel": booking.cancel,
    "deactivate": _deactivate,
    "series": _book_series,
    "cancel_series": series.cancel_series,
    "move_following": series_moves.move_following,
    "book_match": waitlist.book_match,
}


@dataclass(frozen=True)
class Step:
    op: str  # a key of OPERATIONS
    kwargs: dict
    delay_s: float = 0.0  # pause after the common start, to vary who gets there first
    may_be_refused: bool = False  # an InvalidInput is an answer ("refused: ..."), not an error


@dataclass(frozen=True)
class Job:
    url: str
    steps: list[Step]


@dataclass
class StepResult:
    outcome: str  # "ok", "taken", "refused: ..." or "error: ..."
    started: float  # time.perf_counter(): CLOCK_MONOTONIC on Linux, comparable across processes
    finished: float
    retried_faults: list[str] = field(default_factory=list)  # what the unit of work retried (deadlocks...)


class _FaultLog(logging.Handler):
    """Collects the unit of work's warnings about transient faults it retried."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _run(step: Step, clinic, faults: _FaultLog) -> StepResult:
    seen = len(faults.messages)
    started = time.perf_counter()
    try:
        OPERATIONS[step.op](clinic, **step.kwargs)
        outcome = "ok"
    except SlotTaken as exc:  # refused under the locks, or (told apart) only by the database's constraints
        outcome = "taken" if exc.__cause__ is None else f"taken by the constraint: {exc.__cause__}".splitlines()[0]
    # Taken for the patient (their constraint tells), a series stopped by a conflict, a waitlist match gone.
    except (PatientBusy, series.SeriesConflict, waitlist.EntryGone):
        outcome = "taken"
    except InvalidInput as exc:
        outcome = f"refused: {exc}" if step.may_be_refused else f"error: InvalidInput: {exc}"
    except Exception as exc:  # reported to the test, which fails on it
        outcome = f"error: {type(exc).__name__}: {exc}"
    return StepResult(outcome, started, time.perf_counter(), faults.messages[seen:])


def run_steps(job: Job, ready) -> list[StepResult]:
    """One racing process: before each step wait for all the others (`ready`), pause, run the operation."""
    engine = make_engine(job.url, pool_size=1)
    clinic = make_clinic(engine)
    faults = _FaultLog()
    logging.getLogger("app.services.uow").addHandler(faults)
    try:
        with engine.connect():  # connect before the first start, so the races time the operations only
            pass
        results = []
        for step in job.steps:
            ready()
            time.sleep(step.delay_s)
            results.append(_run(step, clinic, faults))
        return results
    finally:
        engine.dispose()
