"""The clinic-scheduler command: the desktop window by default, subcommands for IT and checks.

Exit codes: 0 done; 1 configuration or database problem; 2 invalid input; 3 slot taken, or a record busy; 4 some
reminders could not be sent (`remind`: the next run tries them again).
"""

import argparse
import getpass
import os
import sys
from dataclasses import replace

from sqlalchemy.exc import DBAPIError

from app.cli_export import add_export_parser, run_export
from app.cli_input import TYPE_HELP, CliInputError, iso_date, iso_datetime, type_id_of
from app.cli_print import add_print_parser, run_print
from app.cli_remind import add_remind_parser, run_remind_command
from app.cli_report import add_report_parser, run_report
from app.cli_series import add_series_parser, run_series
from app.cli_waitlist import add_waitlist_parser, run_waitlist
from app.config import ConfigError
from app.domain.errors import Busy, DomainError, InvalidInput, PatientBusy, SlotTaken
from app.domain.models import BookingRequest, validate
from app.logs import configure_logging
from app.runtime import database_error_message
from app.windowed import collect_errors_for_a_box

EXIT_OK, EXIT_FAILURE, EXIT_INVALID, EXIT_TAKEN = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinic-scheduler", description="Clinic appointment book.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation: book, move and cancel in the window over a throwaway embedded database",
    )
    sub = parser.add_subparsers(dest="command")
    # The order of these calls is the order `--help` lists the sub-commands in.
    _add_db_parser(sub)
    _add_demo_data_parser(sub)
    _add_appointment_parsers(sub)
    add_series_parser(sub)
    add_waitlist_parser(sub)
    add_export_parser(sub)
    add_report_parser(sub)
    add_remind_parser(sub)
    add_print_parser(sub)
    _add_benchmark_parsers(sub)
    shots = sub.add_parser("screenshots", help="render the views and dialogs over demo data, light and dark, as PNG")
    shots.add_argument("--output", default="docs/screenshots", metavar="DIR")
    sub.add_parser("doctor", help="check configuration, connection, server, schema, permissions, live updates, clock")
    _add_staff_parser(sub)
    return parser


def _add_db_parser(sub) -> None:
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate the database to this program's schema")
    dump = db_sub.add_parser(
        "dump-schema", help="print the schema of a freshly migrated throwaway database (what schema.sql holds)"
    )
    dump.add_argument("--output", help="write to this file instead of stdout")


def _add_demo_data_parser(sub) -> None:
    demo = sub.add_parser(
        "demo-data", help="add realistic demo providers, patients, appointments and staff (idempotent)"
    )
    demo.add_argument(
        "--timezone",
        metavar="ZONE",
        help="the clinic's time zone (e.g. Europe/Berlin), the demo's hours are in it; saved for this desk if none is",
    )


def _add_appointment_parsers(sub) -> None:
    """slots, book, cancel and reschedule: a receptionist's work from the command line."""
    slots = sub.add_parser("slots", help="free slot start times of a provider on a day")
    slots.add_argument("--provider", type=int, required=True, metavar="ID")
    slots.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    slots.add_argument("--type", metavar="CODE", help=TYPE_HELP)

    free = sub.add_parser("next-free", help="the first free times for an appointment type: start, provider, room")
    free.add_argument("--type", metavar="CODE", help=TYPE_HELP)
    free.add_argument("--provider", type=int, metavar="ID", help="of this provider only (default: any)")
    free.add_argument("--from", dest="from_day", metavar="YYYY-MM-DD", help="from this day on (default: today)")
    free.add_argument("--count", type=int, default=10, help="how many (default 10)")

    book = sub.add_parser("book", help="book an appointment; prints its id")
    book.add_argument("--provider", type=int, required=True, metavar="ID")
    book.add_argument("--patient", type=int, required=True, metavar="ID")
    book.add_argument("--start", required=True, metavar="ISO8601", help="without offset: the clinic's time zone")
    book.add_argument("--type", metavar="CODE", help=TYPE_HELP)
    book.add_argument(
        "--room", type=int, metavar="ID", help="for a type that needs a room: this one (default: any free)"
    )
    book.add_argument("--notes", default="")
    book.add_argument("--request-id", metavar="UUID", help="idempotency key: repeating it books only once")

    cancel = sub.add_parser("cancel", help="cancel an appointment")
    cancel.add_argument("--appointment", type=int, required=True, metavar="ID")

    move = sub.add_parser("reschedule", help="move an appointment to another free slot")
    move.add_argument("--appointment", type=int, required=True, metavar="ID")
    move.add_argument("--start", required=True, metavar="ISO8601")
    move.add_argument("--provider", type=int, metavar="ID", help="move to this provider (default: the same one)")


def _add_benchmark_parsers(sub) -> None:
    stress = sub.add_parser(
        "stress",
        help="benchmark: processes booking, uncontended and racing for the same slots, in a throwaway database",
    )
    stress.add_argument("--workers", type=int, default=16)
    stress.add_argument("--slots", type=int, default=200, help="slots per worker uncontended; shared when contended")
    only = stress.add_mutually_exclusive_group()
    only.add_argument("--uncontended", action="store_true", help="only the workload where every worker has its own")
    only.add_argument("--contended", action="store_true", help="only the workload where all race for the same")
    stress.add_argument("--json", action="store_true", help="print JSON only")

    live = sub.add_parser("bench-live", help="benchmark: latency from a booking's commit to other desks' live update")
    live.add_argument("--desks", type=int, default=10, help="desk processes")
    live.add_argument("--writers", type=int, default=2, help="booking processes")
    live.add_argument("--bookings", type=int, default=300)
    live.add_argument("--rate", type=float, default=25.0, help="bookings per second, all writers together")
    live.add_argument(
        "--pgbouncer", action="store_true", help="connect through a PgBouncer in session mode started for the run"
    )
    live.add_argument("--listen-only", action="store_true", help="desks only listen: no re-reads as a window does")
    live.add_argument("--json", action="store_true", help="print JSON only")

    next_free = sub.add_parser(
        "bench-next-free", help="benchmark: Next available over the demo data, then with the table filled up"
    )
    next_free.add_argument("--repeat", type=int, default=7, help="searches of each kind (the median is shown)")
    next_free.add_argument("--appointments", type=int, default=1_000_000, help="how many to fill the table to")
    next_free.add_argument("--json", action="store_true", help="print JSON only")
    bench_waitlist = sub.add_parser(
        "bench-waitlist", help="benchmark: finding the waiting patients a freed time fits, by the number waiting"
    )
    bench_waitlist.add_argument("--repeat", type=int, default=7, help="looks of each size (the median is shown)")
    bench_waitlist.add_argument("--entries", default="10,100,500", metavar="N,N,…", help="waitlist sizes to time")
    bench_waitlist.add_argument("--json", action="store_true", help="print JSON only")
    bench_reports = sub.add_parser(
        "bench-reports",
        help="benchmark: the managers' reports over a quarter, with a million appointments in the table",
    )
    bench_reports.add_argument("--repeat", type=int, default=5, help="runs of each report (the median is shown)")
    bench_reports.add_argument("--appointments", type=int, default=1_000_000, help="how many to fill the table with")
    bench_reports.add_argument("--json", action="store_true", help="print JSON only")
    bench_ui = sub.add_parser("bench-ui", help="benchmark: read, layout, paint and refresh times of the calendar views")
    bench_ui.add_argument("--repeat", type=int, default=7, help="samples per measurement (the median is shown)")
    bench_start = sub.add_parser(
        "bench-start", help="benchmark: launch to the week's appointments on screen, cold and warm"
    )
    bench_start.add_argument("--runs", type=int, default=5, help="launches of each kind (the median is shown)")


def _add_staff_parser(sub) -> None:
    staff = sub.add_parser("staff", help="staff accounts (for admins): add, disable, enable, set a password, list")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    password_help = "read the password from one line of standard input instead of asking twice at the terminal"
    add = staff_sub.add_parser("add", help="add a staff member's login; the password is asked twice")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="admin, receptionist or manager")
    add.add_argument("--password-stdin", action="store_true", help=password_help)
    staff_sub.add_parser("disable", help="stop an account from signing in; ends its open sessions").add_argument("name")
    staff_sub.add_parser("enable", help="let a disabled account sign in again").add_argument("name")
    password = staff_sub.add_parser("password", help="set a staff member's new password; asked twice")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", help=password_help)
    staff_sub.add_parser("list", help="every staff account with its role and whether it may sign in")


def _run_gui() -> int:
    from app.ui.app import run_gui  # Qt loads only when a window is wanted

    return run_gui()


def _run_db(args) -> int:
    from app.config import configured_timezone, load_settings
    from app.db import migrate
    from app.db.connect import DatabaseTarget, resolve_database
    from app.db.engine import make_engine
    from app.db.schema_dump import dump_schema
    from app.db.throwaway import throwaway_database

    target = resolve_database(load_settings())
    if args.db_command == "dump-schema":
        # A fresh, fully migrated database of its own: the dump shows the migrations, not this database.
        with throwaway_database(target.url, prefix="clinic_schema") as url:
            schema = dump_schema(DatabaseTarget(url, "schema"))
        if args.output:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(schema)
        else:
            sys.stdout.write(schema)
        return EXIT_OK
    engine = make_engine(target.url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, zone=configured_timezone())
        print(f"{target.description}: schema {before or 'empty'} -> {migrate.current_revision(engine)}")
    finally:
        engine.dispose()
    return EXIT_OK


def _load_demo(clinic, timezone: str | None) -> None:
    """The demo, in the clinic's zone: its hours are wall-clock times there. Without one set, --timezone is asked
    for and saved, so that the first start, and every start after it, reads the demo in that zone."""
    from app.config import configured_timezone, save_user_timezone, time_zone
    from app.services.demo import add_demo_staff, load_demo_data

    configured = configured_timezone()
    if configured is None and not timezone:
        raise CliInputError(
            "timezone: the clinic's time zone is not set yet, and the demo's working hours are in it: give --timezone,"
            " e.g. --timezone Europe/Berlin (it is saved for this desk)"
        )
    try:
        zone = time_zone(timezone) if timezone else configured
    except ConfigError as exc:
        raise CliInputError(f"timezone: {str(exc).partition(': ')[2]}") from None
    if configured is not None and zone.key != configured.key:
        raise CliInputError(
            f"timezone: this desk's clinic time zone is {configured.key}; the demo is made in it (leave out --timezone)"
        )
    if configured is None:
        print(f"clinic time zone {zone.key}, saved in {save_user_timezone(zone)}")
    demo_clinic = replace(clinic, zone=zone)
    print(load_demo_data(demo_clinic).summary())
    print("\n".join(add_demo_staff(demo_clinic)))


def _run_service_command(args) -> int:
    from app.runtime import open_runtime
    from app.services import booking, finding, schedule

    runtime = open_runtime()
    clinic = runtime.clinic
    zone = clinic.zone
    try:
        match args.command:
            case "demo-data":
                _load_demo(clinic, args.timezone)
            case "slots":
                type_id = type_id_of(clinic, args.type)
                for start in schedule.free_slots(clinic, args.provider, iso_date("date", args.date), type_id):
                    print(start.astimezone(zone).isoformat())
            case "next-free":
                from_day = iso_date("from", args.from_day) if args.from_day else None
                type_id = type_id_of(clinic, args.type)
                options = finding.next_free(
                    clinic, type_id, provider_id=args.provider, from_day=from_day, count=args.count
                )
                for option in options:  # start, provider, room ("-": the type needs none)
                    room = "-" if option.room_id is None else option.room_id
                    print(f"{option.start.astimezone(zone).isoformat()} {option.provider_id} {room}")
            case "book":
                print(
                    booking.book(
                        clinic,
                        validate(
                            BookingRequest,
                            provider_id=args.provider,
                            patient_id=args.patient,
                            start=iso_datetime("start", args.start, zone),
                            type_id=type_id_of(clinic, args.type),
                            room_id=args.room,
                            notes=args.notes,
                            **{"request_id": args.request_id} if args.request_id else {},
                        ),
                    )
                )
            case "cancel":
                booking.cancel(clinic, args.appointment)
                print(f"appointment {args.appointment} cancelled")
            case "series":
                return run_series(args, clinic)
            case "waitlist":
                return run_waitlist(args, clinic)
            case "export":
                return run_export(args, clinic)
            case "report":
                return run_report(args, clinic)
            case "print":
                return run_print(args, clinic, runtime.settings)
            case "reschedule":
                start = iso_datetime("start", args.start, zone)
                booking.reschedule(clinic, args.appointment, start, args.provider)
                print(f"appointment {args.appointment} moved to {args.start}")
    finally:
        runtime.close()
    return EXIT_OK


def _read_password(from_stdin: bool) -> str:
    """A new password: one line of standard input for scripts, else typed twice at the terminal (never an
    argument, which other users of the computer could see)."""
    if from_stdin:  # bytes that are not UTF-8 stay visible (as surrogates), for the service to refuse by name
        return sys.stdin.buffer.readline().decode("utf-8", "surrogateescape").rstrip("\r\n")
    try:
        password = getpass.getpass("New password: ")
        again = getpass.getpass("The same password again: ")
    except EOFError:  # no terminal and nothing on standard input
        raise CliInputError("password: none was typed; scripts pass it with --password-stdin") from None
    if again != password:
        raise CliInputError("password: the two passwords differ; nothing was changed")
    return password


def _staff_table(members) -> str:
    if not members:
        return "no staff accounts yet: add one with `clinic-scheduler staff add NAME --role admin`"
    rows = [("NAME", "ROLE", "ENABLED"), *((m.name, m.role, "yes" if m.enabled else "no") for m in members)]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    return "\n".join(f"{name:<{widths[0]}}  {role:<{widths[1]}}  {enabled}" for name, role, enabled in rows)


def _run_staff(args) -> int:
    """Staff accounts, with the configured login (IT's own, or the embedded server's superuser)."""
    from app.runtime import open_runtime
    from app.services import staff

    runtime = open_runtime()
    clinic = runtime.clinic
    try:
        match args.staff_command:
            case "add":
                staff.add_staff(clinic, args.name, args.role, _read_password(args.password_stdin))
                print(f"added {args.name} as {args.role}")
            case "disable":
                ended = staff.set_enabled(clinic, args.name, False)
                print(f"disabled {args.name}; {ended} open session{'' if ended == 1 else 's'} ended")
            case "enable":
                staff.set_enabled(clinic, args.name, True)
                print(f"enabled {args.name}")
            case "password":
                staff.set_password(clinic, args.name, _read_password(args.password_stdin))
                print(f"new password set for {args.name}")
            case "list":
                print(_staff_table(staff.list_staff(clinic)))
    finally:
        runtime.close()
    return EXIT_OK


def _run_offscreen(args) -> int:
    # Rendering for files needs no screen; an explicit QT_QPA_PLATFORM still wins.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.command == "bench-ui":
        from app.tools.bench_ui import main as bench_main

        return bench_main(args.repeat)
    from app.tools.screenshots import main as screenshots_main

    return screenshots_main(args.output)


def _run_self_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt loads; an explicit platform still wins
    from app.tools.selftest import run  # it drives the real window

    return run()


def _run_stress(args) -> int:
    from app.tools.stress import main as stress_main

    only = "uncontended" if args.uncontended else "contended" if args.contended else None
    return stress_main(workers=args.workers, slots=args.slots, as_json=args.json, only=only)


def _run_bench_next_free(args) -> int:
    from app.tools.bench_next_free import main as bench_next_free_main

    return bench_next_free_main(args.repeat, args.appointments, as_json=args.json)


def _run_bench_live(args) -> int:
    from app.tools.bench_live import Load  # its desks run the Qt live bridge
    from app.tools.bench_live import main as bench_live_main

    load = Load(args.desks, args.writers, args.bookings, args.rate, rereads=not args.listen_only)
    return bench_live_main(load, as_json=args.json, through_pgbouncer=args.pgbouncer)


def main(argv: list[str] | None = None) -> int:
    collect_errors_for_a_box()  # the windowed Windows program: argparse's complaints too
    args = _parser().parse_args(argv)
    configure_logging(args.verbose)
    try:
        if args.self_test:
            return _run_self_test()
        if args.command is None:
            return _run_gui()
        if args.command == "db":
            return _run_db(args)
        if args.command == "doctor":
            from app.doctor import run_doctor  # reports every problem itself, with the exit code

            return run_doctor()
        if args.command == "stress":
            return _run_stress(args)
        if args.command == "bench-next-free":
            return _run_bench_next_free(args)
        if args.command == "bench-live":
            return _run_bench_live(args)
        if args.command == "bench-waitlist":
            from app.tools.bench_waitlist import main as bench_waitlist_main

            return bench_waitlist_main(args.repeat, args.entries, as_json=args.json)
        if args.command == "bench-reports":
            from app.tools.bench_reports import main as bench_reports_main

            return bench_reports_main(args.repeat, args.appointments, as_json=args.json)
        if args.command in ("bench-ui", "screenshots"):
            return _run_offscreen(args)
        if args.command == "bench-start":
            from app.tools.bench_start import main as bench_start_main  # it launches the program itself

            return bench_start_main(args.runs)
        if args.command == "staff":
            return _run_staff(args)
        if args.command == "remind":
            return run_remind_command(args)
        return _run_service_command(args)
    except (SlotTaken, PatientBusy, Busy) as exc:  # the time is taken (for the patient too), or held a while
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_TAKEN
    except (CliInputError, InvalidInput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (DomainError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except DBAPIError as exc:
        print(f"error: {database_error_message(exc)}", file=sys.stderr)
        return EXIT_FAILURE
