"""File → Reminders…: a day's reminder list (tomorrow's unless changed): who, their phone and e-mail, when, with whom,
and whether their e-mail went out; the list saved as CSV for an SMS service or a mail merge; and Send e-mails, for the
roles that book, through the clinic's mail server as IT set it up. Each reminder goes once, however many desks press
Send (the database holds the claim); the password comes from the credential store, or is asked and kept in memory
only for this sending."""

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.config import ConfigError, Settings
from app.services import reminders
from app.services.context import Clinic
from app.services.reminder_mail import mailer_from_settings, reminder_settings_of, stored_password
from app.services.reminders import ReminderLine, ReminderRun
from app.ui.dates import clock, date_edit, moment_words
from app.ui.read_only_table import read_only_table
from app.ui.saving import in_documents, write_file
from app.ui.workers import TaskRunner, user_message

COLUMNS = ("Time", "Patient", "Phone", "E-mail", "With", "Reminder")
STATE_WORDS = {
    "": "not sent yet",
    "pending": "not sent yet",
    "sending": "being sent (if it stays so, it may have gone: call to check)",
    "sent": "sent",
    "no_email": "call: no e-mail",
}


def state_words(line: ReminderLine) -> str:
    if not line.email and line.state != "sent":
        return STATE_WORDS["no_email"]
    if line.state == "failed":
        return f"failed {line.attempts}×: {line.last_error}" + (" (given up)" if line.gave_up else "")
    if line.state == "sent" and line.sent_at is not None:
        return f"sent {moment_words(line.sent_at)}"
    return STATE_WORDS.get(line.state, line.state)


def run_words(run: ReminderRun) -> str:
    parts = [f"Sent {len(run.sent)}", f"{len(run.no_email)} to call (no e-mail)"]
    if run.already_sent:
        parts.append(f"{run.already_sent} sent before")
    if run.failed:
        parts.append(f"{len(run.failed)} failed ({run.failed[0][1]}); the next sending tries them again")
    if run.unknown:
        parts.append(f"{len(run.unknown)} may have been sent by a sending that stopped: call to check")
    words = ", ".join(parts) + "."
    if run.server_failure:
        words += f" The mail server failed ({run.server_failure}): the rest wait for the next sending."
    return words


PAST_DAY = "That day is past: reminders go out for today or a later day"


class RemindersDialog(QDialog):
    def __init__(self, runner: TaskRunner, clinic: Clinic, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self._clinic, self._settings = runner, clinic, settings
        self.lines: list[ReminderLine] = []
        self._can_book, self._write_block, self._sending = True, None, False
        self.setWindowTitle("Reminders")
        self.setObjectName("reminders_dialog")
        self.resize(980, 540)
        tomorrow = clinic.local(clinic.now()).date() + timedelta(days=1)
        self.day_edit = date_edit(tomorrow, "Day")
        self.day_edit.dateChanged.connect(lambda _day: self._day_changed())
        self.summary = QLabel("Reading the day's appointments…")
        self.summary.setAccessibleName("Reminders summary")
        self.summary.setWordWrap(True)
        self.outcome = QLabel()  # what the last sending or saving did, or why it could not
        self.outcome.setAccessibleName("Reminders outcome")
        self.outcome.setWordWrap(True)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        self.table = read_only_table("Reminders", self.model)
        top = QHBoxLayout()
        top.addWidget(QLabel("Appointments on"))
        top.addWidget(self.day_edit)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.outcome)
        layout.addLayout(self._build_buttons())
        self.load()

    def _build_buttons(self) -> QHBoxLayout:
        self.csv_button = QPushButton("Save list as &CSV…")
        self.send_button = QPushButton("&Send e-mails")
        close = QPushButton("Close")
        for button, name in (
            (self.csv_button, "Save list as CSV"),
            (self.send_button, "Send e-mails"),
            (close, "Close"),
        ):
            button.setAccessibleName(name)
        self.csv_button.clicked.connect(self.save_csv)
        self.send_button.clicked.connect(self.send)
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.csv_button)
        row.addStretch(1)
        row.addWidget(self.send_button)
        row.addWidget(close)
        return row

    def _mail_server_words(self) -> str:
        try:
            server = reminder_settings_of(self._settings)
        except ConfigError as error:
            return str(error).partition(": ")[2]
        return f"Through {server.host} from {server.sender}, each reminder once"

    def day(self) -> date:
        return self.day_edit.date().toPython()

    def set_can_book(self, can: bool) -> None:
        """Managers read the list; the roles that book send."""
        self._can_book = can
        self._enable()

    def set_write_block(self, reason: str | None) -> None:
        self._write_block = reason
        self._enable()

    def on_schedule_change(self, _change) -> None:
        """Another desk's booking or change: read the list again."""
        self.load()

    def _day_changed(self) -> None:
        self._enable()
        self.load()

    def _is_past(self) -> bool:
        return self.day() < self._clinic.local(self._clinic.now()).date()

    def _enable(self) -> None:
        configured, past = self._settings.reminders is not None, self._is_past()
        self.send_button.setVisible(self._can_book)
        self.send_button.setEnabled(configured and not past and self._write_block is None and not self._sending)
        self.send_button.setToolTip(PAST_DAY if past and configured else self._mail_server_words())

    def load(self) -> None:
        clinic, day = self._clinic, self.day()
        self.runner.submit(
            lambda: reminders.reminder_list(clinic, day), self._show, self._failed, context=self, key=f"rem{id(self)}"
        )

    def _show(self, lines: list[ReminderLine]) -> None:
        self.lines = lines
        self.model.setRowCount(0)
        for line in lines:
            cells = (
                clock(line.starts_at),
                line.patient_name,
                line.phone,
                line.email,
                f"{line.provider_name} · {line.type_name}",
                state_words(line),
            )
            self.model.appendRow([QStandardItem(text) for text in cells])
        calls = sum(not line.email for line in lines)
        sent = sum(line.state == "sent" for line in lines)
        self.summary.setText(f"{len(lines)} appointments: {sent} reminded by e-mail, {calls} without e-mail to call.")
        self._enable()

    def ask_password(self, user: str, host: str) -> str:
        """The mail server's password when the credential store has none (empty: not given)."""
        text, given = QInputDialog.getText(
            self, "Mail server password", f"Password of {user} on {host}:", QLineEdit.EchoMode.Password
        )
        return text if given else ""

    def send(self) -> None:
        """The mail server's password from the credential store (on a worker: a store may take its time to answer),
        else asked; then the sending."""
        try:
            server = reminder_settings_of(self._settings)
        except ConfigError as error:
            self.outcome.setText(str(error).partition(": ")[2])
            return
        self._sending = True
        self._enable()
        if not server.user:
            self._send_with(None)
            return
        self.runner.submit(
            lambda: stored_password(server.user),
            lambda stored: self._send_with(stored or self.ask_password(server.user, server.host)),
            self._failed,
            context=self,
        )

    def _send_with(self, password: str | None) -> None:
        try:
            mailer = mailer_from_settings(self._settings, password)
        except ConfigError as error:
            self._sending = False
            self._enable()
            self.outcome.setText(str(error).partition(": ")[2])
            return
        clinic, day = self._clinic, self.day()
        self.outcome.setText("Sending…")

        def work() -> ReminderRun:
            with mailer:
                return reminders.send_reminders(clinic, day, mailer)

        self.runner.submit(work, self._sent, self._failed, context=self)

    def _sent(self, run: ReminderRun) -> None:
        self._sending = False
        self.outcome.setText(run_words(run))
        self.load()

    def ask_csv_path(self, suggested: str) -> str:
        return QFileDialog.getSaveFileName(self, "Save the reminder list", suggested, "CSV files (*.csv)")[0]

    def save_csv(self) -> None:
        path = self.ask_csv_path(in_documents(f"reminders-{self.day().isoformat()}.csv"))
        if not path:
            return
        data = reminders.reminder_list_csv(self._clinic, self.day(), self.lines)
        self.outcome.setText(write_file(path, lambda: Path(path).write_text(data, "utf-8-sig", newline=""))[1])

    def _failed(self, error: BaseException) -> None:
        self._sending = False
        self.outcome.setText(user_message(error))
        self._enable()
