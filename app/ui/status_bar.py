"""The status bar: who is signed in, where the data lives, whether the desk is connected, the clinic's zone, and
a busy sign."""

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from app.services.access import Permissions
from app.ui.desk import Connection, Link
from app.ui.theme import set_style_property

ROLE_WORDS = {"none": "no clinic role"}
# What each permission lets the account do, for the tooltip.
ALLOWED = (
    ("can_book", "book, move and cancel appointments"),
    ("can_edit_patients", "register and edit patients"),
    ("can_manage_schedule", "set up providers, hours and appointment types"),
    ("can_manage_staff", "manage staff accounts"),
    ("can_view_audit", "read the audit log"),
)


def account_text(permissions: Permissions) -> str:
    """The account and its role in a few words: "jdoe · receptionist"."""
    return f"{permissions.user} · {ROLE_WORDS.get(permissions.role, permissions.role)}"


def account_tooltip(permissions: Permissions) -> str:
    allowed = [words for name, words in ALLOWED if getattr(permissions, name)]
    may = "; ".join(allowed) if allowed else "only read the schedule"
    return f"Signed in as {permissions.user}. This account may {may}."


class ClinicStatusBar(QStatusBar):
    def __init__(self, database: str, zone: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.loading = QProgressBar()
        self.loading.setRange(0, 0)  # indeterminate: we never know how long a query takes
        self.loading.setMaximumWidth(90)
        self.loading.setMaximumHeight(12)
        self.loading.setTextVisible(False)
        self.loading.setAccessibleName("Loading")
        self.loading.setToolTip("Reading from the database")
        self.loading.hide()
        self.database = self._label(f"Database: {database}", "Database", "Where this desk reads and writes")
        self.connection = self._label("Connecting…", "Connection state", "Whether this desk reaches the database")
        self.zone = self._label(f"Time zone: {zone}", "Clinic time zone", "All times are shown in this zone")
        self.account = self._label("", "Signed in as", "")
        self.account.hide()  # until the database has said who this is
        self.addPermanentWidget(self.loading)
        for label in (self.account, self.database, self.connection, self.zone):
            self.addPermanentWidget(label)

    def _label(self, text: str, name: str, tip: str) -> QLabel:
        label = QLabel(text)
        label.setAccessibleName(name)
        label.setToolTip(tip)
        label.setProperty("role", "muted")
        return label

    def set_loading(self, loading: bool) -> None:
        self.loading.setVisible(loading)

    def set_connecting(self) -> None:
        self.connection.setText("Connecting…")
        self.connection.setToolTip("Opening this desk's connection to the database")
        set_style_property(self.connection, "role", "muted")

    def set_read_only(self, reason: str) -> None:
        """Connected, but this desk must not write (the tooltip says why and what to do)."""
        self.connection.setText("Read-only")
        self.connection.setToolTip(reason)
        set_style_property(self.connection, "role", "error")

    def set_connected(self, connected: bool, detail: str = "") -> None:
        """Connected, or offline while the desk keeps trying (`detail` says why, in the tooltip)."""
        self.connection.setText("Connected" if connected else "Offline, reconnecting…")
        self.connection.setToolTip(
            "This desk reaches the database and sees other desks' changes as they happen"
            if connected
            else f"The database cannot be reached{': ' + detail if detail else ''}. Nothing can be booked or"
            " changed until it is back; this desk reconnects by itself."
        )
        set_style_property(self.connection, "role", "muted" if connected else "error")

    def show_connection(self, connection: Connection) -> None:
        if connection.link is Link.CONNECTING:
            self.set_connecting()
        elif connection.link is Link.READ_ONLY:
            self.set_read_only(connection.detail)
        else:
            self.set_connected(connection.link is Link.CONNECTED, connection.detail)

    def set_account(self, permissions: Permissions | None) -> None:
        """Who is signed in and their role, once known."""
        if permissions is not None:
            self.account.setText(account_text(permissions))
            self.account.setToolTip(account_tooltip(permissions))
        self.account.setVisible(permissions is not None)

    def summary(self) -> str:
        """The permanent texts, for tests and the accessible description."""
        labels = (self.account, self.database, self.connection, self.zone)
        return " | ".join(label.text() for label in labels if label.text())
