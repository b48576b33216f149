"""What a schedule notification says: which table changed, for which provider, and which times it touches.

The payload is built by the `announce_schedule_change` trigger (migrations 0002 and 0004). It is a hint to
re-read, never the data itself, so it carries ids and times only: nothing about patients.
"""

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

CHANNEL = "clinic_schedule"

Span = tuple[datetime, datetime]
# Tables whose rows change how appointments are shown (a patient's name, a type's colour), never which times
# are free.
SHOWN_ONLY = frozenset({"patients", "appointment_types"})


@dataclass(frozen=True)
class Change:
    table: str  # appointments, time_slots, time_off, working_hours, providers, appointment_types, patients
    op: str  # INSERT, UPDATE, DELETE
    row_id: int | None
    provider_id: int | None
    spans: tuple[Span, ...] | None  # the times the old and new row cover; None: not tied to a time

    def touches(self, provider_id: int | None, first_day: date, last_day: date, zone: ZoneInfo) -> bool:
        """Whether this change may have taken or freed times of `provider_id` (None: every provider) on these local
        days. A patient or an appointment type changes what a view shows, not when."""
        if self.table in SHOWN_ONLY:
            return False
        if provider_id is not None and self.provider_id is not None and provider_id != self.provider_id:
            return False
        if self.spans is None:
            return True
        return any(_local_days_overlap(span, first_day, last_day, zone) for span in self.spans)


def _local_days_overlap(span: Span, first_day: date, last_day: date, zone: ZoneInfo) -> bool:
    start_day = span[0].astimezone(zone).date()
    # An end at midnight belongs to the day before: the span is half-open.
    end_day = (span[1].astimezone(zone) - timedelta(microseconds=1)).date()
    return start_day <= last_day and end_day >= first_day


def parse(payload: str) -> Change | None:
    """The change a notification announces, or None (logged) if the payload is not one of ours."""
    try:
        data = json.loads(payload)
        spans = data.get("spans")
        return Change(
            table=str(data["table"]),
            op=str(data["op"]),
            row_id=_optional_id(data.get("id")),
            provider_id=_optional_id(data.get("provider_id")),
            spans=None if spans is None else tuple((_moment(start), _moment(end)) for start, end in spans),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("ignoring a notification that is not a schedule change (%s): %.200s", exc, payload)
        return None


def _optional_id(value: object) -> int | None:
    # bool is an int in Python; a provider id of "3" or true would silently match no view.
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"an id must be an integer, not {value!r}")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:  # astimezone() would read it in this machine's zone: a guess, not the time
        raise ValueError(f"a time without an offset: {text!r}")
    return moment
