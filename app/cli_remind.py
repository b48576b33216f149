"""`clinic-scheduler remind`: a day's e-mail reminders through the clinic's mail server, or the day's list.

remind [--date DATE]                 send the day's reminders (tomorrow by default) and print what happened
remind [--date DATE] --list FILE     write the day's reminder list as CSV instead (for calls, SMS or a mail merge)
remind --store-password [--password-stdin]
                                     keep the mail server's password in the system's credential store

Exit codes: 0 nothing failed; 4 some reminders could not be sent, or the mail server could not be reached (the next
run tries them again); 1 a configuration or database problem; 2 invalid input.
"""

import getpass
import sys
from datetime import timedelta
from pathlib import Path

from app.cli_input import CliInputError, iso_date
from app.config import ConfigError, Settings, load_settings

EXIT_SOME_FAILED = 4


def add_remind_parser(sub) -> None:
    remind = sub.add_parser(
        "remind",
        help="send a day's e-mail reminders through the clinic's mail server (each once), or write the day's list",
    )
    remind.add_argument("--date", metavar="YYYY-MM-DD", help="the appointments' day (default: tomorrow)")
    remind.add_argument(
        "--list", metavar="FILE", help="write the day's reminder list as CSV (UTF-8 with a byte-order mark); send none"
    )
    remind.add_argument(
        "--store-password",
        action="store_true",
        help="keep the mail server's password (for [reminders] user) in the system's credential store",
    )
    remind.add_argument(
        "--password-stdin", action="store_true", help="with --store-password: read it from standard input"
    )


def store_remind_password(args) -> int:
    """`remind --store-password`: no database needed."""
    from app.services.reminder_mail import reminder_settings_of, store_password

    reminders = reminder_settings_of(load_settings())
    if not reminders.user:
        raise ConfigError("reminders.user: not set; the mail server takes messages without a password")
    if args.password_stdin:
        password = sys.stdin.buffer.readline().decode("utf-8", "surrogateescape").rstrip("\r\n")
    else:
        try:
            password = getpass.getpass(f"Password of {reminders.user} on {reminders.host}: ")
            again = getpass.getpass("The same password again: ")
        except EOFError:
            raise CliInputError("password: none was typed; scripts pass it with --password-stdin") from None
        if again != password:
            raise CliInputError("password: the two passwords differ; nothing was stored")
    if not password:
        raise CliInputError("password: empty; nothing was stored")
    where = store_password(reminders.user, password)
    print(f"stored the password of {reminders.user} on {reminders.host} in {where}")
    return 0


def smtp_password(settings: Settings) -> str | None:
    """The mail server's password: None when no user signs in; else from the credential store, or asked at a
    terminal. A ConfigError when there is neither."""
    from app.services.reminder_mail import reminder_settings_of, stored_password

    reminders = reminder_settings_of(settings)
    if not reminders.user:
        return None
    password = stored_password(reminders.user)
    if password:
        return password
    if not sys.stdin.isatty():
        raise ConfigError(
            f"reminders.user: no password for {reminders.user!r} in the system's credential store, and no terminal to"
            " ask for it; store it with `clinic-scheduler remind --store-password`"
        )
    return getpass.getpass(f"Password of {reminders.user} on {reminders.host}: ")


def run_remind_command(args) -> int:
    """The `remind` command: the password stored (no database needed), or the day's reminders sent or listed."""
    if args.store_password:
        return store_remind_password(args)
    from app.runtime import open_runtime

    runtime = open_runtime()
    try:
        return run_remind(args, runtime.clinic, runtime.settings)
    finally:
        runtime.close()


def run_remind(args, clinic, settings: Settings) -> int:
    from app.services import reminders
    from app.services.reminder_mail import mailer_from_settings

    tomorrow = clinic.local(clinic.now()).date() + timedelta(days=1)
    day = iso_date("date", args.date) if args.date else tomorrow
    if args.list:
        output = Path(args.list)
        output.write_text(reminders.reminder_list_csv(clinic, day), encoding="utf-8-sig", newline="")
        print(f"wrote {output}")
        return 0
    with mailer_from_settings(settings, smtp_password(settings)) as mailer:
        run = reminders.send_reminders(clinic, day, mailer)
    print(run.summary())
    for line, error in run.failed:
        print(f"failed: {_who(line)} <{line.email}>: {error}")
    for line in run.no_email:
        print(f"no e-mail, call: {_who(line)}, phone {line.phone}")
    for line in run.gave_up:
        print(f"given up: {_who(line)} <{line.email}>: {line.last_error}")
    for line in run.unknown:
        print(
            f"may have been sent (a run stopped before recording it), call to check: {_who(line)}, phone {line.phone}"
        )
    return 0 if run.ok else EXIT_SOME_FAILED


def _who(line) -> str:
    return f"{line.starts_at:%H:%M} {line.patient_name} ({line.provider_name}, appointment {line.appointment_id})"
