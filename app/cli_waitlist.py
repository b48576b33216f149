"""`clinic-scheduler waitlist`: add, list and remove entries, and list the matches a free time now fits.

waitlist add --patient ID (--provider ID | --specialty TEXT) [--type CODE] --earliest DATE --latest DATE
             [--weekdays mon,thu] [--part morning|afternoon] [--priority urgent|normal|low] [--note TEXT]
waitlist list [--all]
waitlist remove ENTRY_ID
waitlist matches          one line per entry a free time fits: entry, patient, start, provider
"""

from app.cli_input import TYPE_HELP, CliInputError, iso_date, type_id_of, weekday_numbers
from app.services.waitlist import PRIORITY_WORDS

PRIORITIES = {word: priority for priority, word in PRIORITY_WORDS.items()}


def add_waitlist_parser(sub) -> None:
    waitlist = sub.add_parser("waitlist", help="patients waiting for an earlier time, and the free times that fit them")
    waitlist_sub = waitlist.add_subparsers(dest="waitlist_command", required=True)
    add = waitlist_sub.add_parser("add", help="put a patient on the waitlist; prints the entry's id")
    add.add_argument("--patient", type=int, required=True, metavar="ID")
    whom = add.add_mutually_exclusive_group()
    whom.add_argument("--provider", type=int, metavar="ID", help="this provider only")
    whom.add_argument("--specialty", help="any provider of this specialty (neither: any provider)")
    add.add_argument("--type", metavar="CODE", help=TYPE_HELP)
    add.add_argument("--earliest", required=True, metavar="YYYY-MM-DD", help="the earliest day they could come")
    add.add_argument("--latest", required=True, metavar="YYYY-MM-DD", help="the latest day they wait for")
    add.add_argument("--weekdays", metavar="mon,thu", help="only on these days (default: any)")
    add.add_argument("--part", choices=["morning", "afternoon"], help="only then (default: any time)")
    add.add_argument("--priority", choices=list(PRIORITIES), default="normal")
    add.add_argument("--note", default="")
    listing = waitlist_sub.add_parser("list", help="the open entries, the most urgent and longest waiting first")
    listing.add_argument("--all", action="store_true", help="closed ones too")
    waitlist_sub.add_parser("remove", help="take an entry off the waitlist").add_argument("entry_id", type=int)
    waitlist_sub.add_parser("matches", help="the entries a free time now fits, one per line")


def run_waitlist(args, clinic) -> int:
    from app.services import waitlist

    zone = clinic.zone
    match args.waitlist_command:
        case "add":
            print(
                waitlist.add_entry(
                    clinic,
                    patient_id=args.patient,
                    provider_id=args.provider,
                    specialty=args.specialty,
                    type_id=type_id_of(clinic, args.type) or _default_type(clinic),
                    earliest=iso_date("earliest", args.earliest),
                    latest=iso_date("latest", args.latest),
                    weekdays=weekday_numbers(args.weekdays) if args.weekdays else (),
                    part_of_day=args.part,
                    priority=PRIORITIES[args.priority],
                    note=args.note,
                )
            )
        case "list":
            now = clinic.now()
            for entry in waitlist.list_entries(clinic, include_closed=args.all):
                state = f"booked {entry.appointment_id}" if entry.closed_at else f"{entry.waiting_days(now)} days"
                print(
                    f"{entry.id} {PRIORITY_WORDS[entry.priority]} {entry.patient_id} {entry.patient_name!r}"
                    f" {entry.who!r} {entry.type_name!r} {entry.earliest}..{entry.latest} {state}"
                )
        case "remove":
            if not waitlist.remove_entry(clinic, args.entry_id):
                raise CliInputError(f"entry_id: no waitlist entry {args.entry_id}")
            print(f"waitlist entry {args.entry_id} removed")
        case "matches":
            for found in waitlist.matches(clinic):
                start = found.start.astimezone(zone).isoformat()
                print(f"{found.entry.id} {found.entry.patient_id} {start} {found.provider_id}")
    return 0


def _default_type(clinic) -> int:
    from app.services import schedule

    default = next((kind.id for kind in schedule.appointment_types(clinic) if kind.is_default), None)
    if default is None:
        raise CliInputError("type: the clinic has no default appointment type; give --type")
    return default
