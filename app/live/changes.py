"""What a schedule notification says: which table changed, for which provider, and which times it touches.

The payload is built by the `announce_schedule_change` trigger (migrations 0002 and 0004). It is a hint to
re-read, never the data itself, so it carries ids and times only: nothing about patients.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CHANNEL = "clinic_schedule"

Span = tuple[datetime, datetime]
# Tables whose rows change how appointments are shown (a patient's name, a type's colour) or who waits for a
# time (the waitlist), never which times are free.
SHOWN_ONLY = frozenset({"patients", "appointment_types", "waitlist"})


@dataclass(frozen=True)
class Change:
    table: str  # one of TABLES
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


class NotAChange(ValueError):
    """A notification on the channel that is not one of ours: any login may NOTIFY, so it may be forged."""


# What the trigger sends, and nothing else: any login can NOTIFY on the channel, so a payload is checked as hostile.
TABLES = frozenset(
    {
        "appointments",
        "time_slots",
        "time_off",
        "working_hours",
        "providers",
        "appointment_types",
        "patients",
        "provider_type_lengths",
        "closures",
        "rooms",
        "waitlist",
    }
)
OPERATIONS = frozenset({"INSERT", "UPDATE", "DELETE"})
KEYS = frozenset({"table", "op", "id", "provider_id", "spans"})
MAX_PAYLOAD = 1000  # the trigger's longest is about 300 characters
MAX_ID = 2**63 - 1  # bigint
# Times outside these bounds are held at them: a day either side keeps every conversion to a clinic's zone (and a
# day's arithmetic) inside what datetime can hold, and no clinic's view lies beyond them.
EARLIEST = datetime(1, 1, 3, tzinfo=UTC)
LATEST = datetime(9999, 12, 29, tzinfo=UTC)


def parse(payload: str) -> Change:
    """The change a notification announces; NotAChange (saying why) if the payload is not one of ours."""
    try:
        if len(payload) > MAX_PAYLOAD:
            raise ValueError(f"{len(payload)} characters")
        data = json.loads(payload)
        if not isinstance(data, dict) or not KEYS.issuperset(data) or not {"table", "op"}.issubset(data):
            raise ValueError("not an object with the trigger's keys")
        if data["table"] not in TABLES or data["op"] not in OPERATIONS:
            raise ValueError(f"no such table or operation: {data['table']!r} {data['op']!r}")
        spans = data.get("spans")
        if spans is not None and (not isinstance(spans, list) or len(spans) > 2):
            raise ValueError("spans must be a list of at most two")
        return Change(
            table=data["table"],
            op=data["op"],
            row_id=_optional_id(data.get("id")),
            provider_id=_optional_id(data.get("provider_id")),
            spans=None if spans is None else tuple(_span(span) for span in spans),
        )
    except (ValueError, TypeError, RecursionError) as exc:
        raise NotAChange(f"{exc}: {payload[:200]}") from None


def _optional_id(value: object) -> int | None:
    # bool is an int in Python; a provider id of "3" or true would silently match no view.
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID):
        return value
    raise TypeError(f"an id must be a positive integer, not {value!r}")


def _span(span: object) -> Span:
    if not isinstance(span, list) or len(span) != 2 or not all(isinstance(moment, str) for moment in span):
        raise TypeError(f"a span must be two times, not {span!r}")
    start, end = _moment(span[0]), _moment(span[1])
    if end < start:
        raise ValueError(f"a span must not end before it starts: {span!r}")
    return start, end


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:  # astimezone() would read it in this machine's zone: a guess, not the time
        raise ValueError(f"a time without an offset: {text!r}")
    try:
        return min(max(moment, EARLIEST), LATEST)
    except OverflowError:  # within a day of the year 1 or 10000, beyond what a comparison in UTC can hold
        return LATEST if moment.year > 1 else EARLIEST
