"""The status bar: where the data lives, whether the desk is connected, the clinic's zone, and a busy sign."""

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from app.ui.theme import set_style_property


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
        self.addPermanentWidget(self.loading)
        for label in (self.database, self.connection, self.zone):
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

    def summary(self) -> str:
        """The permanent texts, for tests and the accessible description."""
        return " | ".join(label.text() for label in (self.database, self.connection, self.zone))
