"""File → Reports…: utilisation, no-shows and late cancellations, lead times, appointments by type and the waitlist,
for days, a provider and a type; each report's charts beside its table, and the same report saved as CSV or PDF.
The numbers are SQL aggregates read on a worker (`app.services.reports`)."""

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCharts import QChartView
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import reports, schedule
from app.services.context import Clinic
from app.services.reports import ReportFilter
from app.ui.dates import date_edit, day_words
from app.ui.dialogs.print_dialog import ClinicHeading, default_paper, printed_line
from app.ui.labels import provider_label
from app.ui.read_only_table import read_only_table
from app.ui.report_charts import chart_view
from app.ui.report_pages import PAGES, ReportPage
from app.ui.saving import in_documents, write_file
from app.ui.sheet_painter import write_pdf
from app.ui.sheets import Sheet, SheetRow
from app.ui.workers import TaskRunner, user_message

DEFAULT_WEEKS = 13  # a quarter, ending with this week


def read_reports(clinic: Clinic, report_filter: ReportFilter) -> dict[str, list]:
    """Every report's rows for the filter (the waitlist as it stands now)."""
    return {
        "utilisation": reports.utilisation(clinic, report_filter, by="week"),
        "attendance": reports.attendance(clinic, report_filter),
        "lead_times": reports.lead_times(clinic, report_filter),
        "types": reports.by_type(clinic, report_filter),
        "waitlist": reports.waitlist_report(clinic),
    }


class _PageView(QWidget):
    """One report: its charts above, its table below."""

    def __init__(self, page: ReportPage):
        super().__init__()
        self.page = page
        self.rows: list = []
        self.model = QStandardItemModel(0, len(page.columns), self)
        self.model.setHorizontalHeaderLabels([title for title, _cell in page.columns])
        self.table = read_only_table(f"{page.title} numbers", self.model)
        self.charts = QWidget()
        self.charts_layout = QHBoxLayout(self.charts)
        self.charts_layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.charts)
        splitter.addWidget(self.table)
        splitter.setSizes([380, 240])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def show_rows(self, rows: list) -> None:
        self.rows = rows
        self.model.setRowCount(0)
        for row in rows:
            self.model.appendRow([QStandardItem(cell(row)) for _title, cell in self.page.columns])
        while self.charts_layout.count():
            self.charts_layout.takeAt(0).widget().deleteLater()
        for chart in self.page.charts(rows):
            self.charts_layout.addWidget(chart_view(chart, chart.title()))

    def chart_views(self) -> list[QChartView]:
        return self.charts.findChildren(QChartView)

    def table_rows(self) -> tuple[SheetRow, ...]:
        return tuple(SheetRow(tuple(cell(row) for _title, cell in self.page.columns)) for row in self.rows)


class ReportsDialog(QDialog):
    def __init__(self, runner: TaskRunner, clinic: Clinic, heading: ClinicHeading, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self._clinic, self._heading = runner, clinic, heading
        self._shown = ""  # the filter the numbers shown were read with, in words
        self.setWindowTitle("Reports")
        self.setObjectName("reports_dialog")
        self.resize(1000, 700)  # fits a 1024x768 screen
        today = clinic.local(clinic.now()).date()
        first = today - timedelta(days=today.weekday(), weeks=DEFAULT_WEEKS - 1)
        self.from_edit, self.to_edit = date_edit(first, "From"), date_edit(today, "To")
        self.provider_combo, self.type_combo = QComboBox(), QComboBox()
        self.provider_combo.setAccessibleName("Provider")
        self.provider_combo.addItem("All providers", None)
        self.type_combo.setAccessibleName("Appointment type")
        self.type_combo.addItem("All types", None)
        self.show_button = QPushButton("&Show")
        self.show_button.setAccessibleName("Show")
        self.show_button.clicked.connect(self.load)
        filters = QHBoxLayout()
        for label, widget in (("&From", self.from_edit), ("&To", self.to_edit)):
            filters.addWidget(_buddy(label, widget))
            filters.addWidget(widget)
        filters.addWidget(self.provider_combo)
        filters.addWidget(self.type_combo)
        filters.addWidget(self.show_button)
        filters.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Reports")
        self.pages = [_PageView(page) for page in PAGES]
        for view in self.pages:
            self.tabs.addTab(view, view.page.title)
        self.message = QLabel("Reading the reports…")
        self.message.setAccessibleName("Reports message")
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(self._build_buttons())
        self.runner.submit(
            lambda: (schedule.providers(clinic, include_inactive=True), schedule.appointment_types(clinic)),
            self._on_choices,
            self._failed,
            context=self,
        )
        self.load()

    def _build_buttons(self) -> QHBoxLayout:
        self.csv_button, self.pdf_button = QPushButton("Save as &CSV…"), QPushButton("Save as P&DF…")
        close = QPushButton("Close")
        for button, name in ((self.csv_button, "Save as CSV"), (self.pdf_button, "Save as PDF"), (close, "Close")):
            button.setAccessibleName(name)
        self.csv_button.clicked.connect(self.save_csv)
        self.pdf_button.clicked.connect(self.save_pdf)
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.csv_button)
        row.addWidget(self.pdf_button)
        row.addWidget(close)
        return row

    def _on_choices(self, choices) -> None:
        providers, types = choices
        for provider in providers:
            self.provider_combo.addItem(provider_label(provider), provider.id)
        for kind in types:
            self.type_combo.addItem(kind.name, kind.id)

    def report_filter(self) -> ReportFilter:
        provider, kind = self.provider_combo.currentData(), self.type_combo.currentData()
        return ReportFilter(
            self.from_edit.date().toPython(),
            self.to_edit.date().toPython(),
            None if provider is None else [provider],
            None if kind is None else [kind],
        )

    def load(self) -> None:
        clinic, report_filter = self._clinic, self.report_filter()
        shown = self.shown_words()
        self.message.setText("Reading the reports…")
        self.runner.submit(
            lambda: read_reports(clinic, report_filter),
            lambda results: self._loaded(results, shown),
            self._failed,
            context=self,
            key=f"r{id(self)}",
        )

    def shown_words(self) -> str:
        """The filter in words: the days, and the provider and the type when one is chosen."""
        report_filter = self.report_filter()
        words = f"{day_words(report_filter.first_day)} – {day_words(report_filter.last_day)}"
        for combo in (self.provider_combo, self.type_combo):
            if combo.currentData() is not None:
                words += f" · {combo.currentText()}"
        return words

    def _loaded(self, results: dict[str, list], shown: str) -> None:
        self._shown = shown  # what the numbers are of, whatever the fields say by the time they are saved
        for view in self.pages:
            view.show_rows(results[view.page.key])
        self.message.setText(shown)

    def current(self) -> _PageView:
        return self.pages[self.tabs.currentIndex()]

    def ask_path(self, title: str, suggested: str, kinds: str) -> str:
        """Where to save (empty: nowhere)."""
        return QFileDialog.getSaveFileName(self, title, suggested, kinds)[0]

    def _target(self, title: str, suffix: str, kinds: str) -> str:
        name = f"report-{self.current().page.key}-{date.today().isoformat()}.{suffix}"
        return self.ask_path(title, in_documents(name), kinds)

    def save_csv(self) -> None:
        path = self._target("Save as CSV", "csv", "CSV files (*.csv)")
        if path:
            self._saved(path, lambda: Path(path).write_text(reports.rows_csv(self.current().rows), "utf-8-sig"))

    def save_pdf(self) -> None:
        view = self.current()
        path = self._target("Save as PDF", "pdf", "PDF files (*.pdf)")
        if not path:
            return
        when = self._shown if view.page.needs_dates else "as it stands now"
        sheet = Sheet(
            tuple(line for line in (self._heading.name, f"Report: {view.page.title}", when) if line),
            tuple((title, 1.0) for title, _cell in view.page.columns),
            view.table_rows(),
            empty="Nothing in these days.",
            picture=view.charts.grab().toImage(),
        )
        self._saved(path, lambda: write_pdf(sheet, path, printed_line(self._clinic), default_paper()))

    def _saved(self, path: str, write) -> None:
        self.message.setText(write_file(path, write)[1])

    def _failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label
