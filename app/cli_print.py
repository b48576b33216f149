"""`clinic-scheduler print day|week|card`: a sheet as a PDF file, for IT and scripts.

print day --date DATE [--provider ID | --room ID] --pdf FILE     (neither: every provider side by side)
print week --date DATE --provider ID --pdf FILE                  (seven days from DATE)
print card --patient ID --pdf FILE                               (the patient's next appointments)
All take --paper a4|letter (A4 unless asked).
"""

import os
import sys

from app.cli_input import iso_date


def add_print_parser(sub) -> None:
    printing = sub.add_parser("print", help="a day sheet, a week sheet or an appointment card as a PDF file")
    kinds = printing.add_subparsers(dest="print_command", required=True)
    day = kinds.add_parser("day", help="one provider's day, one room's, or every provider's side by side")
    day.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    which = day.add_mutually_exclusive_group()
    which.add_argument("--provider", type=int, metavar="ID")
    which.add_argument("--room", type=int, metavar="ID")
    week = kinds.add_parser("week", help="a provider's seven days from --date")
    week.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    week.add_argument("--provider", type=int, required=True, metavar="ID")
    card = kinds.add_parser("card", help="a patient's next appointments with the clinic's name and address")
    card.add_argument("--patient", type=int, required=True, metavar="ID")
    for command in (day, week, card):
        command.add_argument("--pdf", required=True, metavar="FILE")
        command.add_argument("--paper", choices=("a4", "letter"), default="a4")


def run_print(args, clinic, settings) -> int:
    from app.ui import sheets

    application = _painting_app()  # held while painting
    from app.ui.dates import moment_words
    from app.ui.sheet_painter import write_pdf

    name = settings.clinic_name
    match args.print_command:
        case "day":
            sheet = sheets.day_sheet(
                clinic, iso_date("date", args.date), name, provider_id=args.provider, room_id=args.room
            )
        case "week":
            sheet = sheets.week_sheet(clinic, iso_date("date", args.date), name, args.provider)
        case _:
            sheet = sheets.appointment_card(clinic, args.patient, name, settings.clinic_address)
    printed = f"Printed {moment_words(clinic.local(clinic.now()))}"
    pages = write_pdf(sheet, args.pdf, printed, args.paper)
    print(f"wrote {args.pdf} ({pages} page{'s' if pages != 1 else ''})")
    del application
    return 0


def _painting_app():
    """Qt's fonts and painting need an application object; no window is shown, so no screen is needed (on Windows
    the native platform paints without one)."""
    from PySide6.QtGui import QGuiApplication

    if sys.platform != "win32" and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QGuiApplication.instance() or QGuiApplication(["clinic-scheduler"])
