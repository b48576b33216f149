"""What a desk does while the primary dies, in a process of its own: it books time after time through the service
over every host of the cluster, and a booking that the database could not answer (the connection lost, the commit's
answer lost, no primary yet) is sent again with the same request id until it is settled, as the desk does. Every
outcome goes to a file of its own as it happens (JSON lines), so the test follows the run from outside."""

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.db.engine import make_engine
from app.domain.errors import DatabaseUnavailable, DomainError, InvalidInput, PatientBusy, SlotTaken
from app.domain.models import BookingRequest
from app.services import booking
from tests.conftest import make_clinic

PAUSE_S = 0.1  # between two bookings of one desk
RETRY_PAUSE_S = 0.5  # before sending an unsettled booking again


@dataclass(frozen=True)
class FailoverJob:
    url: str  # every host of the cluster, asking for the primary
    provider_ids: list[int]
    patient_ids: list[int]
    starts: list[datetime]
    record: str  # this desk's file of outcomes
    stop: str  # the test creates it when the run is over
    seed: int


def book_through_failover(job: FailoverJob, ready) -> int:
    """Book until told to stop; the number of bookings confirmed."""
    # The faults are this run's point: what each one did goes to the record, not to the test's output.
    logging.getLogger().setLevel(logging.ERROR)
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
    engine = make_engine(job.url)
    clinic = make_clinic(engine)
    chooser = random.Random(job.seed)
    starts = list(job.starts)
    chooser.shuffle(starts)
    confirmed = 0
    ready()
    with open(job.record, "a", encoding="utf-8") as record:
        for start in starts:
            if Path(job.stop).exists():
                break
            request = BookingRequest(
                provider_id=chooser.choice(job.provider_ids),
                patient_id=chooser.choice(job.patient_ids),
                start=start,
                request_id=uuid.uuid4(),
            )
            confirmed += _settle(clinic, request, record, job.stop)
            time.sleep(PAUSE_S)
    engine.dispose()
    return confirmed


def _settle(clinic, request: BookingRequest, record, stop: str) -> int:
    """Send the booking until the database answers it; 1 if it was booked."""
    unknown = 0
    while True:
        sent = time.time()
        try:
            appointment = booking.book(clinic, request)
        except (SlotTaken, PatientBusy, InvalidInput) as exc:
            _write(record, request, "taken", sent, unknown, str(exc).splitlines()[0])
            return 0
        except (DatabaseUnavailable, DomainError) as exc:  # no primary to answer yet: the same request again
            unknown += 1
            _write(record, request, "unanswered", sent, unknown, str(exc).splitlines()[0])
            if Path(stop).exists() and unknown > 120:
                return 0
            time.sleep(RETRY_PAUSE_S)
            continue
        _write(record, request, "booked", sent, unknown, "", appointment)
        return 1


def _write(record, request: BookingRequest, outcome: str, sent: float, unknown: int, why: str, appointment=None):
    line = {
        "request_id": str(request.request_id),
        "outcome": outcome,
        "appointment_id": appointment,
        "sent": sent,
        "answered": time.time(),
        "unanswered_before": unknown,
        "why": why,
    }
    record.write(json.dumps(line) + "\n")
    record.flush()
