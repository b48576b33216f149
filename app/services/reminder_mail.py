"""Sending the reminders' e-mail through the clinic's own mail server (SMTP), and its password in the system's
credential store.

A `Mailer` keeps one connection to the server for a run (opened on the first message, again after the server
dropped it). A message the server refuses is a `SendFailed` for that message alone; a server that cannot be reached
or refuses the sign-in is a `MailServerFailed`, and the run tries no further messages on it. Every exchange with the
server waits at most the configured timeout: a reminder's row stays locked in its transaction while it is sent.
"""

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from app.config import ConfigError, ReminderSettings, Settings

KEYRING_SERVICE = "clinic-scheduler-smtp"


class SendFailed(Exception):
    """The mail server did not take this message (the reason is the server's answer)."""


class MailServerFailed(SendFailed):
    """The mail server could not be reached, or refused the connection or the sign-in: no message can go."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {' '.join(str(answer).split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{to}: {_reason(smtplib.SMTPResponseException(*answer))}" for to, answer in exc.recipients.items()
        )
    return " ".join(str(exc).split()) or type(exc).__name__


@dataclass
class Mailer:
    """Messages from the clinic to patients, over the configured server; a context manager that closes the
    connection at the end."""

    settings: ReminderSettings
    password: str | None
    clinic_name: str
    clinic_address: str = ""
    _smtp: smtplib.SMTP | None = field(default=None, repr=False)

    def compose(self, to: str, details: dict[str, str]) -> EmailMessage:
        """The message for one appointment: the template's placeholders filled from `details` (patient, date, time,
        provider, ...) and the clinic's name and address."""
        values = {**details, "clinic_name": self.clinic_name, "clinic_address": self.clinic_address}
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = " ".join(self.settings.subject.format_map(values).split())
        message["Date"] = formatdate()
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or None
        message["Message-ID"] = make_msgid("reminder", domain=domain)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self.settings.body.format_map(values))
        return message

    def send(self, to: str, details: dict[str, str]) -> None:
        """Send one appointment's reminder to `to`; SendFailed (or MailServerFailed) with the server's reason."""
        message = self.compose(to, details)
        smtp = self._connection()
        try:
            smtp.send_message(message)
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            raise SendFailed(f"the mail server closed the connection: {_reason(exc)}") from exc
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise SendFailed(_reason(exc)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise SendFailed(_reason(exc)) from exc

    def connect(self) -> None:
        """Open the connection now (MailServerFailed if it cannot be): before a reminder's row is locked."""
        self._connection()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        settings = self.settings
        where = f"{settings.host}:{settings.port}"
        try:
            if settings.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout_seconds, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
            try:
                self._greet(smtp)
            except BaseException:
                smtp.close()
                raise
        except (smtplib.SMTPException, OSError) as exc:  # a timeout is an OSError
            raise MailServerFailed(f"mail server {where}: {_reason(exc)}") from exc
        self._smtp = smtp
        return smtp

    def _greet(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self.settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if self.settings.user:
            smtp.login(self.settings.user, self.password or "")

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def reminder_settings_of(settings: Settings) -> ReminderSettings:
    """The `[reminders]` table, or a ConfigError saying that e-mail reminders are not set up."""
    if settings.reminders is None:
        raise ConfigError(
            "reminders: e-mail reminders are not set up on this desk; IT sets the mail server in the [reminders]"
            " table of the site config file (see docs/deploying.md, Reminders)"
        )
    return settings.reminders


def mailer_from_settings(settings: Settings, password: str | None) -> Mailer:
    """A Mailer for the configured server; `password` for the configured user (None when there is no user)."""
    reminders = reminder_settings_of(settings)
    if reminders.user and not password:
        raise ConfigError(f"reminders.user: no password for {reminders.user!r} on the mail server")
    return Mailer(reminders, password, settings.clinic_name, settings.clinic_address)


def stored_password(user: str) -> str | None:
    """The mail server's password for `user` from the system's credential store; None when none is stored there
    (or there is no credential store)."""
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, user)
    except KeyringError:
        return None


def store_password(user: str, password: str) -> str:
    """Keep the mail server's password for `user` in the system's credential store; returns the store's name. A
    ConfigError if there is no usable credential store."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, user, password)
    except KeyringError as exc:
        raise ConfigError(f"reminders.user: the password cannot be kept in the credential store: {exc}") from exc
    backend = keyring.get_keyring()
    return getattr(backend, "name", type(backend).__name__)
