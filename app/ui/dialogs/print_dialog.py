"""File → Print… and Export as PDF…: a day sheet (a provider, a room, or every provider side by side) or a provider's
week sheet, for the day and the provider the window shows unless changed; on paper through Qt's print preview, or as
a PDF file. The sheet is read on a worker; painting it is the painter's (`sheet_painter`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QLocale, Qt
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.services import schedule
from app.services.context import Clinic
from app.services.rooms import Room, list_rooms
from app.services.schedule import Provider
from app.ui import sheets
from app.ui.dates import date_edit, moment_words
from app.ui.labels import provider_label
from app.ui.saving import in_documents, write_file
from app.ui.sheet_painter import paint_sheet, set_up_page, write_pdf
from app.ui.sheets import Sheet
from app.ui.workers import TaskRunner, user_message

DAY_SHEET, WEEK_SHEET = "day", "week"


@dataclass(frozen=True)
class ClinicHeading:
    name: str
    address: str


def default_paper(locale: QLocale | None = None) -> str:
    """Letter where the locale measures in inches (the US), A4 elsewhere."""
    us = (locale or QLocale()).measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    return "letter" if us else "a4"


def printed_line(clinic: Clinic) -> str:
    return f"Printed {moment_words(clinic.local(clinic.now()))}"


class SheetPreview(QPrintPreviewDialog):
    """Qt's print preview of a sheet: the printer, its paper and the pages are chosen there. It holds its printer,
    which Qt's dialog only borrows."""

    def __init__(self, parent: QWidget, clinic: Clinic, sheet: Sheet, paper: str):
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        set_up_page(self.printer, sheet, paper)
        super().__init__(self.printer, parent)
        self.setObjectName("print_preview")
        self.setWindowTitle("Print preview")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.paintRequested.connect(lambda device: paint_sheet(sheet, device, printed_line(clinic)))
        self.resize(900, 760)


def preview(parent: QWidget, clinic: Clinic, sheet: Sheet, paper: str) -> SheetPreview:
    """The sheet's print preview, opened over `parent`."""
    dialog = SheetPreview(parent, clinic, sheet, paper)
    dialog.open()
    return dialog


class PrintDialog(QDialog):
    """What to print: the sheet, the day, whom it is for, the paper; then Print… (the preview) or Save as PDF…."""

    def __init__(
        self,
        runner: TaskRunner,
        clinic: Clinic,
        heading: ClinicHeading,
        day: date,
        provider_id: int | None,
        parent: QWidget | None = None,
        *,
        as_pdf: bool = False,
        week: bool = False,
    ):
        super().__init__(parent)
        self.runner, self._clinic, self._heading, self._provider_id = runner, clinic, heading, provider_id
        self.preview_dialog: SheetPreview | None = None
        self.setWindowTitle("Export as PDF" if as_pdf else "Print")
        self.setObjectName("print_dialog")
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("Day sheet", DAY_SHEET)
        self.kind_combo.addItem("Week sheet (seven days from the day)", WEEK_SHEET)
        self.kind_combo.setAccessibleName("Sheet")
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(WEEK_SHEET if week else DAY_SHEET))
        self.day_edit = date_edit(day, "Day")
        self.for_combo = QComboBox()
        self.for_combo.setAccessibleName("For")
        self.for_combo.addItem("All providers, side by side", None)
        self.paper_combo = QComboBox()
        self.paper_combo.addItem("A4", "a4")
        self.paper_combo.addItem("Letter", "letter")
        self.paper_combo.setCurrentIndex(self.paper_combo.findData(default_paper()))
        self.paper_combo.setAccessibleName("Paper")
        form = QFormLayout()
        form.addRow("&Sheet", self.kind_combo)
        form.addRow("&Day", self.day_edit)
        form.addRow("&For", self.for_combo)
        form.addRow("&Paper", self.paper_combo)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Print message")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        self.print_button = buttons.addButton("&Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.pdf_button = buttons.addButton("Save as P&DF…", QDialogButtonBox.ButtonRole.ActionRole)
        for button, name in ((self.print_button, "Print"), (self.pdf_button, "Save as PDF")):
            button.setAccessibleName(name)
        self.print_button.clicked.connect(lambda: self._with_sheet(self._preview))
        self.pdf_button.clicked.connect(lambda: self._with_sheet(self._save_pdf))
        self.kind_combo.currentIndexChanged.connect(lambda _index: self._check())
        self.for_combo.currentIndexChanged.connect(lambda _index: self._check())
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.pdf_button if as_pdf else self.print_button).setDefault(True)  # Enter: what the menu item said
        self.runner.submit(
            lambda: (schedule.providers(clinic), list_rooms(clinic)), self._on_choices, self._failed, context=self
        )

    def _on_choices(self, choices: tuple[list[Provider], list[Room]]) -> None:
        providers, rooms = choices
        for provider in providers:
            self.for_combo.addItem(provider_label(provider), provider)
        for room in rooms:
            if room.active:
                self.for_combo.addItem(f"Room {room.name}", room)
        shown = next(
            (i for i in range(self.for_combo.count()) if _id_of(self.for_combo.itemData(i)) == self._provider_id), 0
        )
        self.for_combo.setCurrentIndex(shown)
        self._check()

    def _check(self) -> bool:
        """A week sheet is one provider's: say so rather than print something else."""
        week = self.kind_combo.currentData() == WEEK_SHEET
        fits = not week or isinstance(self.for_combo.currentData(), Provider)
        self.message.setText("" if fits else "A week sheet is a provider's: choose one under For.")
        for button in (self.print_button, self.pdf_button):
            button.setEnabled(fits)
        return fits

    def build_sheet(self) -> Callable[[], Sheet]:
        """The read that makes the chosen sheet (to run on a worker)."""
        clinic, name, day = self._clinic, self._heading.name, self.day_edit.date().toPython()
        chosen = self.for_combo.currentData()
        if self.kind_combo.currentData() == WEEK_SHEET:
            return lambda: sheets.week_sheet(clinic, day, name, chosen.id)
        if isinstance(chosen, Provider):
            return lambda: sheets.day_sheet(clinic, day, name, provider_id=chosen.id)
        if isinstance(chosen, Room):
            return lambda: sheets.day_sheet(clinic, day, name, room_id=chosen.id)
        return lambda: sheets.day_sheet(clinic, day, name)

    def _with_sheet(self, then: Callable[[Sheet], None]) -> None:
        if not self._check():
            return
        self.message.setText("Reading the appointments…")
        self.runner.submit(self.build_sheet(), then, self._failed, context=self)

    def _preview(self, sheet: Sheet) -> None:
        self.message.setText("")
        self.preview_dialog = preview(self, self._clinic, sheet, self.paper_combo.currentData())

    def ask_pdf_path(self, suggested: str) -> str:
        """Where to save the PDF (empty: nowhere)."""
        return QFileDialog.getSaveFileName(self, "Save as PDF", suggested, "PDF files (*.pdf)")[0]

    def _save_pdf(self, sheet: Sheet) -> None:
        name = f"{self.kind_combo.currentData()}-sheet-{self.day_edit.date().toPython().isoformat()}.pdf"
        path = self.ask_pdf_path(in_documents(name))
        if not path:
            self.message.setText("")
            return
        paper = self.paper_combo.currentData()
        pages, words = write_file(path, lambda: write_pdf(sheet, path, printed_line(self._clinic), paper))
        self.message.setText(words if pages is None else f"Saved {path} ({pages} page{'s' if pages != 1 else ''}).")

    def _failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))


def _id_of(choice: object) -> int | None:
    return choice.id if isinstance(choice, Provider) else None
