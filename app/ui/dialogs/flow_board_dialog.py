"""Today's flow: who is expected, who waits and for how long, who is with the provider, who is done and who did not
come, for every provider or the one a desk looks after; one click moves a patient on. It follows every desk's changes
as they are announced, counts the waiting minutes as they pass, and makes a wait over the threshold stand out (bold,
marked, tinted: also on grey screens)."""

from datetime import date, timedelta

from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.live.changes import Change
from app.services import flow
from app.services.context import Clinic
from app.services.flow import NEXT_STAGE, STAGE_WORDS, FlowEntry, Stage
from app.ui.dates import LONG_DAY, clock, day_words
from app.ui.read_only_table import read_only_table
from app.ui.throttle import Throttle
from app.ui.workers import TaskRunner, user_message

COLUMNS = ("Time", "Patient", "Provider", "Type", "Stage", "For", "")  # for: how long at this stage
STAGE_COLUMN, FOR_COLUMN, BUTTON_COLUMN = 4, 5, 6
MOVE_WORDS = {Stage.EXPECTED: "Arrived", Stage.ARRIVED: "Call in", Stage.WITH_PROVIDER: "Done"}
DEFAULT_THRESHOLD_MINUTES = 15
THRESHOLD_KEY = "flow/waiting_threshold_minutes"
PROVIDER_KEY = "flow/provider_id"  # the provider this desk looks after (none: every provider)
EVERY_PROVIDER = "All providers"
TICK_MS = 30_000  # the waiting minutes are counted again this often
LONG_WAIT = QColor("#ffd6cc")


class FlowBoardDialog(QDialog):
    def __init__(self, runner: TaskRunner, clinic: Clinic, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self._clinic, self._settings = runner, clinic, settings
        self.entries: list[FlowEntry] = []
        self._since_read = QElapsedTimer()  # the waits count on from the database's clock at the read
        self._shown_once = False
        self._can_book, self._write_block = True, None
        self._reload = Throttle(self, self.load)
        self.setWindowTitle("Today's flow")
        self.setObjectName("flow_board_dialog")
        self.resize(900, 560)
        self.day_label = QLabel()
        self.day_label.setAccessibleName("Day")
        self.summary_label = QLabel("Reading today's appointments…")
        self.summary_label.setAccessibleName("Flow summary")
        self.notice = QLabel()  # why a click changed nothing, or why the board could not be read
        self.notice.setAccessibleName("Flow notice")
        self.notice.setWordWrap(True)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        self.table = read_only_table("Today's appointments", self.model)
        self.threshold = QSpinBox(minimum=1, maximum=240, suffix=" min")
        self.threshold.setAccessibleName("Waiting threshold")
        self.threshold.setValue(int(settings.value(THRESHOLD_KEY, DEFAULT_THRESHOLD_MINUTES)))
        self.threshold.valueChanged.connect(self._threshold_changed)
        self.provider_box = QComboBox()
        self.provider_box.setAccessibleName("Provider")
        self.provider_box.addItem(EVERY_PROVIDER, None)
        self._provider_id = _stored_id(settings.value(PROVIDER_KEY))
        self.provider_box.activated.connect(self._provider_chosen)
        close = QPushButton("Close")
        close.setAccessibleName("Close")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("A wait longer than"))
        bottom.addWidget(self.threshold)
        bottom.addWidget(QLabel("stands out"))
        bottom.addStretch(1)
        bottom.addWidget(close)
        top = QHBoxLayout()
        top.addWidget(self.day_label)
        top.addStretch(1)
        top.addWidget(QLabel("Show"))
        top.addWidget(self.provider_box)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notice)
        layout.addLayout(bottom)
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self._show_entries)
        self._tick.start()
        self.load()

    def today(self) -> date:
        return self._clinic.local(self._clinic.now()).date()

    def set_can_book(self, can: bool) -> None:
        """Managers watch the day; the roles that book move patients on."""
        self._can_book = can
        self._show_entries()

    def set_write_block(self, reason: str | None) -> None:
        lifted, self._write_block = self._write_block is not None and reason is None, reason
        self._show_entries()
        if lifted:
            self.load()

    def on_schedule_change(self, change: Change) -> None:
        if change.table in ("appointments", "patients", "providers"):
            self._reload.request()

    def load(self) -> None:
        clinic, day = self._clinic, self.today()
        self.runner.submit(
            lambda: flow.flow_board(clinic, day), self._loaded, self._failed, context=self, key=f"flow-{id(self)}"
        )

    def _loaded(self, entries: list[FlowEntry]) -> None:
        self._since_read.start()
        first_time = not self._shown_once
        self.entries, self._shown_once = entries, True
        self._list_providers()
        self._show_entries()
        ongoing = next((row for row, entry in enumerate(self.shown_entries()) if entry.stage in NEXT_STAGE), None)
        if first_time and ongoing is not None:  # the day so far is done: start where it goes on
            self.table.scrollTo(self.model.index(ongoing, 0), QAbstractItemView.ScrollHint.PositionAtTop)

    def shown_entries(self) -> list[FlowEntry]:
        """Today's entries of the provider chosen, or all of them."""
        if self._provider_id is None:
            return self.entries
        return [entry for entry in self.entries if entry.provider_id == self._provider_id]

    def _list_providers(self) -> None:
        """The providers with appointments today, the one chosen among them while any is left for them. A desk whose
        provider has none today shows every provider (and still looks after theirs the next day)."""
        shown = [
            (self.provider_box.itemData(i), self.provider_box.itemText(i)) for i in range(1, self.provider_box.count())
        ]
        names = {entry.provider_id: entry.provider_name for entry in self.entries}
        kept = dict(shown).get(self._provider_id)  # a chosen provider whose last patient was cancelled stays listed
        if kept is not None:
            names.setdefault(self._provider_id, kept)
        listed = sorted(names.items(), key=lambda item: item[1])
        if listed != shown:  # rebuilt only when it changed: a list open while another desk books stays open
            self.provider_box.clear()
            self.provider_box.addItem(EVERY_PROVIDER, None)
            for provider_id, name in listed:
                self.provider_box.addItem(name, provider_id)
        chosen = 0 if self._provider_id is None else self.provider_box.findData(self._provider_id)
        if chosen < 0:
            self._provider_id, chosen = None, 0
        self.provider_box.setCurrentIndex(chosen)

    def _provider_chosen(self, index: int) -> None:
        self._provider_id = self.provider_box.itemData(index)
        self._settings.setValue(PROVIDER_KEY, self._provider_id or 0)
        self._show_entries()

    def _show_entries(self) -> None:
        self.day_label.setText(day_words(self.today(), LONG_DAY))
        entries = self.shown_entries()
        counts = {stage: sum(entry.stage == stage for entry in entries) for stage in Stage}
        self.summary_label.setText(" · ".join(f"{counts[stage]} {STAGE_WORDS[stage]}" for stage in Stage))
        scrolled = self.table.verticalScrollBar().value()  # a board read again stays where the desk was looking
        self.model.setRowCount(0)
        for row, entry in enumerate(entries):
            self.model.appendRow(self._cells(entry))
            if entry.stage in NEXT_STAGE and self._can_book and self._write_block is None:
                self.table.setIndexWidget(self.model.index(row, BUTTON_COLUMN), self._move_buttons(entry))
        self.table.verticalScrollBar().setValue(scrolled)

    def _cells(self, entry: FlowEntry) -> list[QStandardItem]:
        since_read = timedelta(milliseconds=self._since_read.elapsed())
        minutes, waited = entry.minutes_in_stage(since_read), entry.waiting_minutes(since_read)
        stage = STAGE_WORDS[entry.stage].capitalize()
        late = waited is not None and waited > self.threshold.value()
        if late:
            stage = f"⚠ {stage}"
        texts = (
            f"{clock(self._clinic.local(entry.starts_at))}",
            entry.patient_name,
            entry.provider_name,
            f"{entry.type_name} · {entry.room_name}" if entry.room_name else entry.type_name,
            stage,
            "" if minutes is None else f"{minutes} min",
            "",
        )
        cells = [QStandardItem(text) for text in texts]
        if late:
            bold = QFont()
            bold.setBold(True)
            for cell in cells:
                cell.setFont(bold)
                cell.setBackground(QBrush(LONG_WAIT))
                cell.setForeground(QBrush(Qt.GlobalColor.black))
        return cells

    def _move_buttons(self, entry: FlowEntry) -> QWidget:
        holder = QWidget()
        layout = QHBoxLayout(holder)
        layout.setContentsMargins(2, 0, 2, 0)
        moves = [(MOVE_WORDS[entry.stage], None)]
        if entry.stage == Stage.EXPECTED:
            moves.append(("Did not come", Stage.NO_SHOW))
        for words, to in moves:
            button = QPushButton(words)
            button.setAccessibleName(f"{words}: {entry.patient_name}")
            button.clicked.connect(lambda _checked=False, e=entry, t=to: self.move_on(e, t))
            layout.addWidget(button)
        return holder

    def move_on(self, entry: FlowEntry, to: Stage | None = None) -> None:
        """One click: the patient to the next stage (or not come), from the stage this desk shows. The row's
        buttons wait for the answer."""
        clinic = self._clinic
        shown = self.shown_entries()
        row = next((n for n, other in enumerate(shown) if other.appointment_id == entry.appointment_id), None)
        holder = None if row is None else self.table.indexWidget(self.model.index(row, BUTTON_COLUMN))
        if holder is not None:
            holder.setEnabled(False)
        self.runner.submit(
            lambda: flow.move_on(clinic, entry.appointment_id, entry.stage, to),
            lambda _stage: (self.notice.clear(), self.load()),
            self._move_failed,
            context=self,
        )

    def _threshold_changed(self, minutes: int) -> None:
        self._settings.setValue(THRESHOLD_KEY, minutes)
        self._show_entries()

    def _failed(self, error: BaseException) -> None:
        self.notice.setText(user_message(error))

    def _move_failed(self, error: BaseException) -> None:
        """Say why (another desk moved the patient first, say) and show where everyone is now."""
        self.load()
        self._failed(error)


def _stored_id(value: object) -> int | None:
    """A provider id as QSettings gives it back (text in an INI file), or None for every provider."""
    try:
        return int(value) or None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
