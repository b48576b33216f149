"""`clinic-scheduler report`: the managers' reports as a table on the terminal, or as a CSV file.

report utilisation|no-shows|lead-time|types --from DATE --to DATE [--provider ID ...] [--type ID ...] [--by day|week]
       [--csv FILE]
report waitlist [--csv FILE]
"""

from pathlib import Path

from app.cli_input import iso_date

REPORTS = {
    "utilisation": "booked minutes over open minutes, per provider per day or week",
    "no-shows": "no-shows and late cancellations per provider, over the appointments due",
    "lead-time": "days from booking to the appointment per provider: median and 90th percentile",
    "types": "appointments, booked minutes, no-shows and cancellations per appointment type",
    "waitlist": "the open waitlist entries by priority, and how long they have waited",
}


def add_report_parser(sub) -> None:
    report = sub.add_parser("report", help="the managers' reports: utilisation, no-shows, lead times, types, waitlist")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    for name, help_text in REPORTS.items():
        command = report_sub.add_parser(name, help=help_text)
        if name != "waitlist":
            command.add_argument("--from", dest="first_day", required=True, metavar="YYYY-MM-DD")
            command.add_argument("--to", dest="last_day", required=True, metavar="YYYY-MM-DD")
            command.add_argument("--provider", type=int, action="append", metavar="ID", help="(again for more)")
            command.add_argument("--type", type=int, action="append", metavar="ID", help="appointment type id")
        command.add_argument("--csv", metavar="FILE", help="write the rows as CSV (UTF-8 with a byte-order mark)")
    report_sub.choices["utilisation"].add_argument("--by", choices=("day", "week"), default="day")


def run_report(args, clinic) -> int:
    from app.services import reports

    if args.report_command == "waitlist":
        rows, kind = reports.waitlist_report(clinic), reports.WaitlistRow
    else:
        chosen = reports.ReportFilter(
            iso_date("from", args.first_day), iso_date("to", args.last_day), args.provider, args.type
        )
        run, kind = {
            "utilisation": (lambda: reports.utilisation(clinic, chosen, by=args.by), reports.UtilisationRow),
            "no-shows": (lambda: reports.attendance(clinic, chosen), reports.AttendanceRow),
            "lead-time": (lambda: reports.lead_times(clinic, chosen), reports.LeadTimeRow),
            "types": (lambda: reports.by_type(clinic, chosen), reports.TypeRow),
        }[args.report_command]
        rows = run()
    if args.csv:
        output = Path(args.csv)
        output.write_text(reports.rows_csv(rows, kind), encoding="utf-8-sig", newline="")
        print(f"wrote {output}")
    else:
        print(table(rows, kind))
    return 0


def table(rows, kind) -> str:
    """The rows as an aligned table: a header of the fields, numbers to the right, rates as percentages."""
    from dataclasses import fields

    names = [field.name for field in fields(kind)]
    cells = [[_shown(name, getattr(row, name)) for name in names] for row in rows]
    widths = [max([len(name), *(len(line[n]) for line in cells)]) for n, name in enumerate(names)]
    numeric = [all(_is_number(getattr(row, name)) for row in rows) and bool(rows) for name in names]

    def line(values) -> str:
        return "  ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(names), *(line(values) for values in cells)])


def _shown(name: str, value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1%}" if name == "ratio" or name.endswith("_rate") else f"{value:.1f}"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _is_number(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))
