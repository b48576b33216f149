"""`clinic-scheduler export csv|ics`: a date range's appointments as a file for a spreadsheet or a calendar.

export csv --from DATE --to DATE [--provider ID ...] [--status STATUS ...] -o FILE
export ics --from DATE --to DATE --provider ID [--with-patients] -o FILE
"""

from pathlib import Path

from app.cli_input import iso_date
from app.services.export import STATUSES


def add_export_parser(sub) -> None:
    export = sub.add_parser("export", help="appointments as CSV (a spreadsheet) or iCalendar (a provider's calendar)")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    for name, help_text in (
        ("csv", "one row per appointment, UTF-8 with a byte-order mark, times with their offset"),
        ("ics", "one provider's appointments as iCalendar events, without the patients' names unless asked"),
    ):
        command = export_sub.add_parser(name, help=help_text)
        command.add_argument("--from", dest="first_day", required=True, metavar="YYYY-MM-DD")
        command.add_argument("--to", dest="last_day", required=True, metavar="YYYY-MM-DD")
        command.add_argument("-o", "--output", required=True, metavar="FILE")
    csv = export_sub.choices["csv"]
    csv.add_argument("--provider", type=int, action="append", metavar="ID", help="this provider's (again for more)")
    csv.add_argument("--status", action="append", choices=STATUSES, help="only these statuses (again for more)")
    ics = export_sub.choices["ics"]
    ics.add_argument("--provider", type=int, required=True, metavar="ID")
    ics.add_argument("--with-patients", action="store_true", help="put the patients' names in the events")


def run_export(args, clinic) -> int:
    from app.services import export

    first_day, last_day = iso_date("from", args.first_day), iso_date("to", args.last_day)
    output = Path(args.output)
    if args.export_command == "csv":
        data = export.appointments_csv(clinic, first_day, last_day, provider_ids=args.provider, statuses=args.status)
        output.write_text(data, encoding="utf-8-sig", newline="")
    else:
        output.write_bytes(
            export.appointments_ics(clinic, first_day, last_day, args.provider, with_patients=args.with_patients)
        )
    print(f"wrote {output}")
    return 0
