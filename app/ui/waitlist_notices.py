"""Free times that fit waiting patients, as they come: when the database announces a change that may free time (a
cancellation, a move, new hours, time off or a closure taken back), the desk looks for the waitlist entries a free
time now fits and shows each with the patient, the time and Book. Of two desks pressing Book on one match, one books
(and the entry closes in the same transaction) and the other is told it is gone."""

import logging
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.live.changes import Change
from app.services import waitlist
from app.services.waitlist import PRIORITY_WORDS, Match
from app.ui.dates import clock, day_words
from app.ui.desk import Desk
from app.ui.throttle import Throttle
from app.ui.workers import user_message

log = logging.getLogger(__name__)
ALL = frozenset({"INSERT", "UPDATE", "DELETE"})
# What may free a time, by table: an appointment cancelled or moved, time off or a closure shortened or taken back,
# hours or a provider's own lengths changed.
FREEING = {
    "appointments": frozenset({"UPDATE", "DELETE"}),
    "time_off": frozenset({"UPDATE", "DELETE"}),
    "closures": frozenset({"UPDATE", "DELETE"}),
    "working_hours": ALL,
    "provider_type_lengths": ALL,
}
Scope = tuple[int | None, date | None, date | None]  # a provider (None: any) and the days (None: any)
# Any login may NOTIFY: past this many providers and days to look at, one look at everything costs less.
MAX_SCOPES = 8
SHOWN = 5  # the most urgent and longest waiting a freed time fits: more would hide the calendar
ANYWHERE: Scope = (None, None, None)


def scope(change: Change, zone) -> Scope:
    """Whose times, on which days, the change may have freed. An appointment that moved may have left another
    provider (the announcement names the one it went to): anyone's, on those days."""
    if change.spans is None:
        return change.provider_id, None, None
    days = [moment.astimezone(zone).date() for span in change.spans for moment in span]
    moved = change.table == "appointments" and len(set(change.spans)) > 1
    return None if moved else change.provider_id, min(days), max(days)


class NoticeRow(QFrame):
    """One match: the patient, whom and when, and Book; told when it is gone."""

    book_requested = Signal(object)  # Match
    dismissed = Signal(int)  # the entry's id

    def __init__(self, match: Match, words: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("role", "card")
        self.match = match
        self.settled = False
        self.label = QLabel(words)
        self.label.setAccessibleName("Waitlist match")
        self.label.setWordWrap(True)
        self.book_button = QPushButton("Book")
        self.book_button.setAccessibleName("Book this match")
        self.book_button.setProperty("role", "primary")
        self.book_button.clicked.connect(lambda: self.book_requested.emit(self.match))
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss this match")
        self.dismiss_button.clicked.connect(lambda: self.dismissed.emit(self.match.entry.id))
        row = QHBoxLayout(self)
        row.addWidget(self.label, 1)
        row.addWidget(self.book_button)
        row.addWidget(self.dismiss_button)

    def gone(self, why: str) -> None:
        self.label.setText(f"Gone: {why}")
        self.settled = True
        self.book_button.setEnabled(False)

    def booking(self) -> None:
        self.settled = True  # booked, or told it is gone: Book stays off whatever the desk's state
        self.book_button.setEnabled(False)

    def allow_booking(self, allowed: bool) -> None:
        self.book_button.setEnabled(allowed and not self.settled)


class WaitlistNotices(QDockWidget):
    booked = Signal(str)  # what was booked, for the status bar

    def __init__(self, desk: Desk, parent: QWidget | None = None):
        super().__init__("Waitlist: free times that fit", parent)
        self.setObjectName("waitlist_notices")
        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        self._desk = desk
        self._rows: dict[int, NoticeRow] = {}  # by entry id: the newest match of each entry
        # Looks run side by side and may answer out of order: each is numbered, and what an entry's last change or
        # its shown match is newer than is not shown again.
        self._looks = 0
        self._newer: dict[int, int] = {}  # entry id -> the look number its notice must come from at least
        self._pending: set[Scope] = set()
        self._look = Throttle(self, self._look_now)
        body = QWidget()
        self._list = QVBoxLayout(body)
        self._list.addStretch(1)
        self.setWidget(body)
        self.hide()
        desk.schedule_changed.connect(self.on_schedule_change)
        desk.write_block_changed.connect(self._show_write_block)

    def rows(self) -> list[NoticeRow]:
        return list(self._rows.values())

    def on_schedule_change(self, change: Change) -> None:
        if change.table == "waitlist" and change.op in ("UPDATE", "DELETE") and change.row_id is not None:
            self._newer[change.row_id] = self._looks + 1  # booked, changed or removed: a later look shows it again
            self._forget(change.row_id)
        # Offline or at another schema revision (a waitlist it may not have): nothing to look for, nor book.
        writable = self._desk.can_book and self._desk.write_block is None
        if writable and change.op in FREEING.get(change.table, ()):
            self._pending.add(scope(change, self._desk.clinic.zone))
            if len(self._pending) > MAX_SCOPES:
                self._pending = {ANYWHERE}
            self._look.request()

    def _look_now(self) -> None:
        clinic, scopes, self._pending = self._desk.clinic, self._pending, set()
        self._looks += 1
        number = self._looks

        def look() -> list[Match]:
            found = {}
            for provider_id, first_day, last_day in scopes:
                fits = waitlist.matches(
                    clinic, provider_id=provider_id, first_day=first_day, last_day=last_day, limit=SHOWN
                )
                for match in fits:
                    found.setdefault(match.entry.id, match)
            return list(found.values())

        # No key: a look still under way when the next one starts has its own scopes, and its matches count too.
        self._desk.runner.submit(look, lambda found: self.show_matches(found, number), self._look_failed, context=self)

    def _look_failed(self, error: BaseException) -> None:
        log.warning("could not look for waitlist matches: %s", error)  # the next freed time looks again

    def _show_write_block(self, reason: str | None) -> None:
        for row in self._rows.values():
            row.allow_booking(reason is None)

    def show_matches(self, matches: list[Match], look: int) -> None:
        """Show what look number `look` found, but where a later change or look made it stale."""
        for match in matches:
            if look < self._newer.get(match.entry.id, 0):
                continue
            self._newer[match.entry.id] = look
            self._forget(match.entry.id)
            row = NoticeRow(match, self._words(match))
            row.book_requested.connect(self._book)
            row.dismissed.connect(self._forget)
            row.allow_booking(self._desk.write_block is None)
            self._rows[match.entry.id] = row
            self._list.insertWidget(self._list.count() - 1, row)
        self._fit()

    def _words(self, match: Match) -> str:
        start = self._desk.clinic.local(match.start)
        entry = match.entry
        waiting = entry.waiting_days(self._desk.clinic.now())
        return (
            f"{day_words(start.date())} {clock(start)} with {match.provider_name} is free: {entry.patient_name} waits"
            f" for a {entry.type_name} ({PRIORITY_WORDS[entry.priority]} priority, {waiting} days on the waitlist)"
        )

    def _book(self, match: Match) -> None:
        row = self._rows.get(match.entry.id)
        if row is not None:
            row.booking()
        clinic = self._desk.clinic
        self._desk.runner.submit(
            lambda: waitlist.book_match(clinic, match.entry.id, match.provider_id, match.start),
            lambda _appointment_id: self._on_booked(match),
            lambda error: self._on_failed(match, error),
            context=self,
        )

    def _on_booked(self, match: Match) -> None:
        self._forget(match.entry.id)
        start = self._desk.clinic.local(match.start)
        self.booked.emit(
            f"Booked {match.entry.patient_name} on {day_words(start.date())} at {clock(start)} from the waitlist."
        )

    def _on_failed(self, match: Match, error: BaseException) -> None:
        row = self._rows.get(match.entry.id)
        if row is not None:
            row.gone(str(error) if isinstance(error, waitlist.EntryGone) else user_message(error))

    def _forget(self, entry_id: int) -> None:
        row = self._rows.pop(entry_id, None)
        if row is not None:
            self._list.removeWidget(row)
            row.deleteLater()
        self._fit()

    def _fit(self) -> None:
        """As tall as its notices, no taller: the calendar keeps the rest; hidden with none."""
        self.setVisible(bool(self._rows))
        window = self.parentWidget()
        if self._rows and isinstance(window, QMainWindow):
            self._list.activate()
            window.resizeDocks([self], [self.sizeHint().height()], Qt.Orientation.Vertical)
