"""The waitlist: who waits, for whom and how long, sortable by priority and by time waited; how many wait and for
how long, for managers too; Add, Change and Remove for the roles that book. It follows the other desks' changes."""

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.domain.recurrence import WEEKDAY_NAMES
from app.live.changes import Change
from app.services import waitlist
from app.services.context import Clinic
from app.services.waitlist import PRIORITY_WORDS, WaitlistEntry, WaitlistSummary
from app.ui.dates import day_words
from app.ui.dialogs.questions import ask, question
from app.ui.read_only_table import read_only_table
from app.ui.throttle import Throttle
from app.ui.workers import TaskRunner, user_message

COLUMNS = ("Priority", "Patient", "Waits for", "Type", "Between", "Prefers", "Waiting", "Note", "Added by")
PRIORITY_COLUMN, WAITING_COLUMN = 0, 6
EntryRole = Qt.ItemDataRole.UserRole + 1


def preferences(entry: WaitlistEntry) -> str:
    days = ", ".join(WEEKDAY_NAMES[day - 1] for day in entry.weekdays) or "any day"
    return f"{days}; {entry.part_of_day + 's' if entry.part_of_day else 'any time'}"


def summary_words(summary: WaitlistSummary) -> str:
    if summary.waiting == 0:
        return "Nobody is waiting."
    return (
        f"{summary.waiting} waiting · the longest for {summary.longest_days} days · half of them for"
        f" {summary.median_days:g} days or less"
    )


class WaitlistDialog(QDialog):
    add_requested = Signal()  # the entry dialog opens over this one
    change_requested = Signal(object)  # WaitlistEntry

    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self._clinic = runner, clinic
        self._reload = Throttle(self, self.load)
        self.setWindowTitle("Waitlist")
        self.setObjectName("waitlist_dialog")
        self.resize(980, 560)
        self.summary_label = QLabel("Reading the waitlist…")
        self.summary_label.setAccessibleName("Waitlist summary")
        self.entries = QStandardItemModel(0, len(COLUMNS), self)
        self.entries.setHorizontalHeaderLabels(COLUMNS)
        self.sorted = QSortFilterProxyModel(self)
        self.sorted.setSourceModel(self.entries)
        self.sorted.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = read_only_table("Waitlist entries", self.sorted)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(PRIORITY_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(lambda _index: self._change_chosen())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())

        self.add_button, self.edit_button = QPushButton("&Add…"), QPushButton("&Change…")
        self.remove_button, close = QPushButton("&Remove"), QPushButton("Close")
        self.add_button.clicked.connect(self.add_requested)
        self.edit_button.clicked.connect(self._change_chosen)
        self.remove_button.clicked.connect(self.remove)
        close.clicked.connect(self.reject)
        for button in (self.add_button, self.edit_button, self.remove_button, close):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._can_book, self._write_block = True, None
        self._enable()
        self.load()

    def set_can_book(self, can: bool) -> None:
        """Managers read the waitlist; the roles that book change it."""
        self._can_book = can
        self._enable()

    def set_write_block(self, reason: str | None) -> None:
        """While the desk cannot write (offline, another schema revision), the list shows and nothing changes."""
        lifted, self._write_block = self._write_block is not None and reason is None, reason
        self._enable()
        if lifted:  # it may have changed meanwhile
            self.load()

    def _enable(self) -> None:
        may = self._can_book and self._write_block is None
        chosen = self.chosen() is not None
        self.add_button.setEnabled(may)
        self.edit_button.setEnabled(may and chosen)
        self.remove_button.setEnabled(may and chosen)

    def load(self) -> None:
        clinic = self._clinic
        self.runner.submit(
            lambda: waitlist.list_entries(clinic), self._show, self._on_failed, context=self, key=f"waitlist-{id(self)}"
        )

    def _show(self, entries: list[WaitlistEntry]) -> None:
        now = self._clinic.now()
        self.summary_label.setText(summary_words(waitlist.summary(entries, now)))
        self.entries.setRowCount(0)
        for entry in entries:
            waiting = entry.waiting_days(now)
            cells = (
                (PRIORITY_WORDS[entry.priority].capitalize(), int(entry.priority)),
                (entry.patient_name, entry.patient_name),
                (entry.who, entry.who),
                (entry.type_name, entry.type_name),
                (f"{day_words(entry.earliest)} – {day_words(entry.latest)}", entry.earliest.isoformat()),
                (preferences(entry), preferences(entry)),
                (f"{waiting} days", waiting),
                (entry.note, entry.note),
                (entry.added_by, entry.added_by),
            )
            row = []
            for text, sort_key in cells:
                item = QStandardItem(text)
                item.setData(sort_key, Qt.ItemDataRole.UserRole)
                item.setData(entry, EntryRole)
                row.append(item)
            self.entries.appendRow(row)
        self._enable()

    def chosen(self) -> WaitlistEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(EntryRole) if rows else None

    def _change_chosen(self) -> None:
        entry = self.chosen()
        if entry is not None and self._can_book:
            self.change_requested.emit(entry)

    def removal_question(self, entry: WaitlistEntry) -> QMessageBox:
        """The question asked before taking an entry off (built, not shown)."""
        return question(
            self,
            "Remove from the waitlist",
            f"Take {entry.patient_name} off the waitlist?",
            yes="Remove",
            no="Keep waiting",
        )

    def remove(self) -> None:
        entry = self.chosen()
        if entry is None:
            return
        if not ask(self.removal_question(entry)):
            return
        self.runner.submit(
            lambda: waitlist.remove_entry(self._clinic, entry.id), lambda _: self.load(), self._on_failed, context=self
        )

    def on_schedule_change(self, change: Change) -> None:
        """Another desk changed the waitlist, or a booking may have closed an entry: read it again (once)."""
        if change.table in ("waitlist", "patients", "appointments"):
            self._reload.request()

    def _on_failed(self, error: BaseException) -> None:
        self.summary_label.setText(user_message(error))
