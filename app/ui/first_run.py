"""The first start of a desk with nothing configured: the database on this computer, or the clinic's server.

The database on this computer gets its first admin account here (created once its server is up), and a
database there without one asks for it at start the same way. A server's password typed here only tests the
connection; nothing typed here is put in the environment, and no password is written anywhere.
"""

import zoneinfo
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import config, runtime
from app.domain.errors import InvalidInput
from app.machine_zone import machine_timezone
from app.runtime import Login
from app.ui.admin.staff_dialog import AccountDialog, AccountForm, AccountValues
from app.ui.dialogs.field_errors import InlineError, make_room, mark_invalid, stacked
from app.ui.theme import in_use
from app.ui.workers import TaskRunner, user_message

DEFAULT_PORT = 5432
DEFAULT_DATABASE = "clinic"
# sslmode values, strictest first, in plain words.
TLS_MODES = [
    ("verify-full", "Encrypted, server identity checked (verify-full)"),
    ("verify-ca", "Encrypted, server certificate checked (verify-ca)"),
    ("require", "Encrypted, server identity not checked (require)"),
    ("prefer", "Encrypted if the server offers it (prefer)"),
    ("disable", "Not encrypted (disable)"),
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
ADMIN_NAME_CAPTION = "Admin user name"


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS or host.startswith("/")


def default_zone() -> str:
    """The zone to offer: the one the environment or IT's site-wide file already sets, else the machine's."""
    configured = config.configured_timezone()
    return configured.key if configured is not None else machine_timezone()


def zone_matching(text: str) -> str | None:
    """The IANA zone `text` names: itself, or the only zone whose name contains it ("berlin": Europe/Berlin)."""
    wanted = text.strip().lower()
    if not wanted:
        return None
    zones = zoneinfo.available_timezones()
    exact = [zone for zone in zones if zone.lower() == wanted]
    matches = exact or [zone for zone in zones if wanted in zone.lower()]
    return matches[0] if len(matches) == 1 else None


class FirstRunDialog(QDialog):
    """Where this desk's appointment book lives, and the clinic's time zone. OK writes the user config."""

    def __init__(
        self,
        runner: TaskRunner | None = None,
        write_config: Callable[..., Path] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Welcome to Clinic Scheduler")
        self.setAccessibleName("First start")
        self.runner = runner or TaskRunner(self, max_threads=1)
        self._write_config = write_config
        self._touched: set[str] = set()
        self._tls_chosen = False
        self.written_to: Path | None = None

        intro = QLabel("Where is the clinic's appointment book kept? You can change this later in the config file.")
        intro.setWordWrap(True)
        intro.setProperty("role", "heading")
        embedded_note, server_note = self._build_choices()
        self._build_server_form()
        zone_form = self._build_zone_form()
        bottom = self._build_bottom()

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.embedded_choice)
        layout.addWidget(embedded_note)
        layout.addWidget(self.admin_box)
        layout.addWidget(self.server_choice)
        layout.addWidget(server_note)
        layout.addWidget(self.server_box)
        layout.addLayout(zone_form)
        layout.addLayout(bottom)
        self._follow_fields()
        self.set_theme_from_app()
        self._default_tls()
        self._refresh()
        self.resize(560, self.sizeHint().height())

    # --- building ---

    def _build_choices(self) -> tuple[QLabel, QLabel]:
        """This computer's database (with its first admin account) or the clinic's server; their notes."""
        self.embedded_choice = QRadioButton("&Use the database on this computer")
        self.embedded_choice.setAccessibleName("Use the database on this computer")
        embedded_note = self._muted("For a single-desk clinic: the appointment book is kept on this computer.")
        self.admin_box = QWidget()
        admin_layout = QVBoxLayout(self.admin_box)
        admin_layout.setContentsMargins(24, 0, 0, 0)
        admin_layout.addWidget(self._muted("Its first staff account: an admin, who signs in and adds everyone else."))
        self.admin_form = AccountForm(name_caption=ADMIN_NAME_CAPTION)
        admin_layout.addWidget(self.admin_form)
        self.server_choice = QRadioButton("&Connect to the clinic's server")
        self.server_choice.setAccessibleName("Connect to the clinic's server")
        server_note = self._muted("For several desks sharing one schedule: IT gives you these details.")
        choices = QButtonGroup(self)
        choices.addButton(self.embedded_choice)
        choices.addButton(self.server_choice)
        self.embedded_choice.setChecked(True)

        return embedded_note, server_note

    def _build_server_form(self) -> None:
        self.server_box = QWidget()
        form = QFormLayout(self.server_box)
        form.setContentsMargins(24, 0, 0, 0)
        self.host = self._line("Host", "e.g. db.clinic.lan")
        self.port = self._line("Port", str(DEFAULT_PORT))
        self.port.setText(str(DEFAULT_PORT))
        self.database = self._line("Database", DEFAULT_DATABASE)
        self.database.setText(DEFAULT_DATABASE)
        self.user = self._line("User", "your database user name")
        self.tls = QComboBox()
        self.tls.setAccessibleName("TLS mode")
        for mode, words in TLS_MODES:
            self.tls.addItem(words, mode)
        self.tls.activated.connect(self._tls_picked)
        self.password = self._line("Password", "only if the server asks for one")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        password_note = self._muted("Used only to test the connection; never saved. Everyone signs in next.")
        self.test_button = QPushButton("&Test connection")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setAccessibleName("Connection test result")
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors: dict[str, InlineError] = {}
        self._fields: dict[str, QWidget] = {
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": self.user,
        }
        for field, caption, widget in (
            ("host", "&Host", self.host),
            ("port", "&Port", self.port),
            ("database", "&Database", self.database),
            ("user", "U&ser", self.user),
        ):
            form.addRow(self._buddy(caption, widget), self._with_error(field, caption, widget))
        form.addRow(self._buddy("T&LS", self.tls), self.tls)
        password_column = QVBoxLayout()
        password_column.addWidget(self.password)
        password_column.addWidget(password_note)
        form.addRow(self._buddy("Pass&word", self.password), password_column)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form.addRow("", test_row)

    def _build_zone_form(self) -> QFormLayout:
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone.setAccessibleName("Clinic time zone")
        self.timezone.addItems(sorted(zoneinfo.available_timezones()))
        self.timezone.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.timezone.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.timezone.setCurrentText(default_zone())
        self._fields["timezone"] = self.timezone
        zone_form = QFormLayout()
        zone_form.addRow(
            self._buddy("Clinic &time zone", self.timezone), self._with_error("timezone", "Time zone", self.timezone)
        )
        return zone_form

    def _build_bottom(self) -> QHBoxLayout:
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Start")
        self.ok_button.setAccessibleName("Start")
        self.ok_button.setProperty("role", "primary")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.hint = self._muted("")
        self.hint.setAccessibleName("What is missing")
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        bottom.addWidget(self.buttons)
        return bottom

    def _follow_fields(self) -> None:
        for field in ("host", "port", "database", "user"):
            self._fields[field].textEdited.connect(lambda _text, f=field: self._touch(f))
            self._fields[field].textChanged.connect(self._refresh)
        self.host.textChanged.connect(self._default_tls)
        self.timezone.editTextChanged.connect(lambda _text: self._touch("timezone"))
        self.timezone.lineEdit().editingFinished.connect(self._complete_zone)
        self.server_choice.toggled.connect(self._refresh)
        self.admin_form.changed.connect(self._refresh)

    def _muted(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setProperty("role", "muted")
        label.setWordWrap(True)
        return label

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        line = QLineEdit()
        line.setAccessibleName(name)
        line.setPlaceholderText(placeholder)
        return line

    def _buddy(self, caption: str, widget: QWidget) -> QLabel:
        label = QLabel(caption)
        label.setBuddy(widget)
        return label

    def _with_error(self, field: str, caption: str, widget: QWidget) -> QWidget:
        error = InlineError(caption.replace("&", ""))
        self.errors[field] = error
        return stacked(widget, error, spacing=2)

    def set_theme_from_app(self) -> None:
        t = in_use().tokens
        self.test_result.setStyleSheet(f"QLabel {{ color: {t['text']}; }}")

    # --- state ---

    def _touch(self, field: str) -> None:
        self._touched.add(field)
        self._refresh()

    def _tls_picked(self, _index: int) -> None:
        self._tls_chosen = True

    def _default_tls(self) -> None:
        """Strict for a remote host, relaxed for this computer, until the user picks a mode."""
        if not self._tls_chosen:
            mode = "prefer" if is_local(self.host.text().strip()) else "verify-full"
            self.tls.setCurrentIndex(self.tls.findData(mode))
        self._refresh()

    def uses_server(self) -> bool:
        return self.server_choice.isChecked()

    def port_number(self) -> int | None:
        text = self.port.text().strip()
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            return None
        return int(text)

    def validation_errors(self) -> dict[str, str]:
        """Each wrong field's message, naming the field."""
        errors: dict[str, str] = {}
        if self.uses_server():
            if not self.host.text().strip():
                errors["host"] = "Host is required"
            if self.port_number() is None:
                errors["port"] = "Port must be a whole number from 1 to 65535"
            if not self.database.text().strip():
                errors["database"] = "Database is required"
            if not self.user.text().strip():
                errors["user"] = "User is required"
        zone = self.timezone.currentText().strip()
        if not zone:
            errors["timezone"] = "Time zone is required: choose the clinic's, e.g. Europe/Berlin"
        elif zone_matching(zone) is None:
            errors["timezone"] = f"Time zone {zone!r} is unknown: choose one from the list, e.g. Europe/Berlin"
        return errors

    def _complete_zone(self) -> None:
        """A name only one zone matches ("Berlin") becomes that zone's full name when the field is left."""
        zone = zone_matching(self.timezone.currentText())
        if zone is not None and zone != self.timezone.currentText():
            self.timezone.setEditText(zone)

    def _admin_errors(self) -> dict[str, str]:
        return {} if self.uses_server() else self.admin_form.validation_errors()

    def _refresh(self) -> None:
        self.server_box.setEnabled(self.uses_server())
        self.admin_box.setEnabled(not self.uses_server())
        errors = self.validation_errors()
        for field, label in self.errors.items():
            shown = errors.get(field, "") if field in self._touched else ""
            label.set_message(shown)
            mark_invalid(self._fields[field], bool(shown))
        problems = [*errors.values(), *self._admin_errors().values()]
        self.ok_button.setEnabled(not problems)
        self.hint.setText(f"{problems[0]}." if problems else "")
        self.test_button.setEnabled(self.uses_server() and not ({"host", "port", "database", "user"} & errors.keys()))
        make_room(self)

    def url(self) -> str:
        """The server's URL, built as the saved settings will be (ConfigError if they cannot be)."""
        settings = {key: value for key, value in (self.database_settings() or {}).items() if value not in (None, "")}
        return config.database_url_from_table(settings)

    def database_settings(self) -> dict | None:
        """What goes into the config's [database] table (never a password); None for this computer's database."""
        if not self.uses_server():
            return None
        return {
            "host": self.host.text().strip(),
            "port": self.port_number(),
            "name": self.database.text().strip(),
            "user": self.user.text().strip(),
            "sslmode": self.tls.currentData(),
        }

    # --- actions ---

    def test_connection(self) -> None:
        """Try the server on a worker thread; the dialog stays usable meanwhile."""
        try:
            url, password = self.url(), self.password.text() or None
        except config.ConfigError as exc:
            self.test_result.setText(f"Cannot test yet: {exc}.")
            return
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing…")
        self.runner.submit(
            lambda: runtime.probe_connection(url, password),
            self._tested,
            self._test_failed,
            context=self,
            key="test connection",
        )

    def _tested(self, description: str) -> None:
        self.test_result.setText(f"Connected: {description}.")
        self._refresh()

    def _test_failed(self, error: BaseException) -> None:
        message = user_message(error)
        self.test_result.setText(f"Could not connect: {message[:1].lower()}{message[1:]}.")
        self._refresh()

    def first_admin(self) -> Login | None:
        """The admin account to create once the database on this computer is up; None for a server."""
        if self.uses_server():
            return None
        account = self.admin_form.values()
        return Login(account.name, account.password)

    def accept(self) -> None:
        if self.validation_errors() or self._admin_errors():
            self._touched.update(self.errors)
            if not self.uses_server():
                self.admin_form.reveal()
            self._refresh()
            return
        write = self._write_config or config.write_user_config
        try:
            self.written_to = write(
                database=self.database_settings(), clinic_timezone=zone_matching(self.timezone.currentText())
            )
        except config.ConfigError as exc:  # e.g. the config folder cannot be written
            self.hint.setProperty("role", "error")
            self.hint.setText(f"Could not save the settings: {exc}.")
            return
        super().accept()


def first_admin_dialog(
    create: Callable[[str, str], None],
    account: Login | None = None,
    refusal: InvalidInput | None = None,
    runner: TaskRunner | None = None,
) -> AccountDialog:
    """Asks for the admin account a database on this computer lacks; Create runs `create(name, password)` on a
    worker. `account` and `refusal`: what the first start asked for, and why the database would not take it."""

    def work(account: AccountValues) -> str:
        create(account.name, account.password)
        return account.name

    form = AccountForm(name_caption=ADMIN_NAME_CAPTION)
    dialog = AccountDialog(
        runner or TaskRunner(max_threads=1),
        form,
        work,
        title="Create the admin account",
        action="&Create",
        intro="The appointment book on this computer has no admin account yet. Choose the user name and password"
        " of its admin, who signs in and adds everyone else.",
    )
    if runner is None:
        dialog.runner.setParent(dialog)  # its own: it goes with the dialog
    if account is not None:
        form.fill(account.user, account.password)
    if refusal is not None:
        dialog.show_failure(refusal)
    return dialog
