"""`clinic-scheduler series`: preview, book and cancel a series from the command line.

    series preview|book (--provider ID | --specialty TEXT) --patient ID --start ISO --every 1w
                        (--count N | --until DATE) [--type CODE] [--weekdays mon,thu] [--monthly-by day|weekday]
                        [--notes TEXT]
    series book ... [--skip-conflicts] [--request-id UUID]
    series cancel SERIES_ID [--from ISO]

Exit codes as the other commands: 0 done (every occurrence free or booked), 2 invalid input, 3 a conflict stopped
it (nothing was booked), and for `preview` 3 when any occurrence is not free.
"""

import re
import sys
from datetime import datetime

from app.cli_input import TYPE_HELP, CliInputError, iso_date, iso_datetime, type_id_of, weekday_numbers
from app.domain.recurrence import Unit

EXIT_OK, EXIT_TAKEN = 0, 3
UNITS = {"d": Unit.DAY, "w": Unit.WEEK, "m": Unit.MONTH}
EVERY = re.compile(r"^([1-9][0-9]*)([dwm])$")


def add_series_parser(sub) -> None:
    series = sub.add_parser("series", help="a series: the same appointment every N days, weeks or months")
    series_sub = series.add_subparsers(dest="series_command", required=True)
    for name, help_text in (
        ("preview", "list each occurrence as free or in conflict (why, and the nearest free time)"),
        ("book", "book a series in one go: every occurrence, or with --skip-conflicts the free ones; prints them"),
    ):
        command = series_sub.add_parser(name, help=help_text)
        whom = command.add_mutually_exclusive_group(required=True)
        whom.add_argument("--provider", type=int, metavar="ID")
        whom.add_argument("--specialty", help="any provider of it: for each occurrence the first one free then")
        command.add_argument("--patient", type=int, required=True, metavar="ID")
        command.add_argument("--type", metavar="CODE", help=TYPE_HELP)
        command.add_argument("--start", required=True, metavar="ISO8601", help="the first occurrence (clinic's zone)")
        command.add_argument("--every", required=True, metavar="N{d,w,m}", help="e.g. 1w weekly, 2w, 10d, 1m")
        ending = command.add_mutually_exclusive_group(required=True)
        ending.add_argument("--count", type=int, metavar="N", help="how many occurrences")
        ending.add_argument("--until", metavar="YYYY-MM-DD", help="the last day one may fall on")
        command.add_argument("--weekdays", metavar="mon,thu", help="weekly: on these days (default: the start's)")
        command.add_argument(
            "--monthly-by", choices=["day", "weekday"], default="day", help="monthly: the 14th, or the 2nd Tuesday"
        )
        command.add_argument("--notes", default="")
    book = series_sub.choices["book"]
    book.add_argument("--skip-conflicts", action="store_true", help="book the free occurrences, list the others")
    book.add_argument("--request-id", metavar="UUID", help="idempotency key: repeating it books only once")
    cancel = series_sub.add_parser("cancel", help="cancel a series' booked occurrences from a time on (default: now)")
    cancel.add_argument("series_id", type=int, metavar="SERIES_ID")
    cancel.add_argument("--from", dest="from_start", metavar="ISO8601", help="from this occurrence on")


def run_series(args, clinic) -> int:
    """Run `args.series_command` against `clinic`."""
    from app.services import series

    zone = clinic.zone
    if args.series_command == "cancel":
        since = iso_datetime("from", args.from_start, zone) if args.from_start else None
        cancelled = series.cancel_series(clinic, args.series_id, since)
        print(f"series {args.series_id}: {len(cancelled)} occurrence(s) cancelled {' '.join(map(str, cancelled))}")
        return EXIT_OK
    start = iso_datetime("start", args.start, zone).astimezone(zone)
    request = series.request_series(
        patient_id=args.patient,
        provider_id=args.provider,
        specialty=args.specialty,
        type_id=type_id_of(clinic, args.type),
        notes=args.notes,
        rule=_rule(args, start),
        **{"request_id": args.request_id} if getattr(args, "request_id", None) else {},
    )
    if args.series_command == "preview":
        preview = series.preview_series(clinic, request)
        for occurrence in preview.occurrences:
            print(_line(occurrence, zone))
        return EXIT_TAKEN if preview.conflicts else EXIT_OK
    policy = series.SeriesPolicy.FREE if args.skip_conflicts else series.SeriesPolicy.ALL
    try:
        booked = series.book_series(clinic, request, policy)
    except series.SeriesConflict as conflict:
        print(f"error: {conflict}", file=sys.stderr)
        return EXIT_TAKEN
    print(f"series {booked.series_id}: {len(booked.booked)} booked, {len(booked.not_booked)} not")
    for occurrence in sorted(booked.booked + booked.not_booked, key=lambda o: o.index):
        print(_line(occurrence, zone))
    return EXIT_OK


def _rule(args, start: datetime) -> dict:
    every = EVERY.match(args.every.strip().lower())
    if every is None:
        raise CliInputError(f"every: {args.every!r} is not a number and d, w or m (e.g. 1w, 2w, 10d, 1m)")
    rule = {"first_day": start.date(), "wall_time": start.time(), "every": int(every[1]), "unit": UNITS[every[2]]}
    if args.weekdays:
        rule["weekdays"] = weekday_numbers(args.weekdays)
    if args.monthly_by != "day":
        rule["monthly_by"] = args.monthly_by
    if args.until:
        return rule | {"until": iso_date("until", args.until)}
    return rule | {"count": args.count}


def _line(occurrence, zone) -> str:
    """One occurrence: its place, its start, and what became of it (an id, free, or why not and what instead)."""
    start = occurrence.start.astimezone(zone).isoformat()
    if occurrence.appointment_id is not None:
        return f"{occurrence.index} {start} booked {occurrence.appointment_id} provider {occurrence.provider.id}"
    if occurrence.conflict is None:
        return f"{occurrence.index} {start} free provider {occurrence.provider.id}"
    alternative = occurrence.alternative
    instead = f" (nearest free: {alternative.astimezone(zone).isoformat()})" if alternative else ""
    return f"{occurrence.index} {start} conflict: {occurrence.conflict}{instead}"
