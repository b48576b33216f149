"""A sheet on paper: Qt's printer or a PDF file, A4 or Letter, pages that never split an appointment's row.

Every page carries the sheet's heading (the clinic, what and when), "Page N of M" and the column titles, and ends with
when it was printed. Black text and rules only, so it reads the same from a black-and-white printer. The rows are laid
out once to count the pages, then painted.
"""

from dataclasses import dataclass

from PySide6.QtCore import QLineF, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPagedPaintDevice, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from app.ui.sheets import Sheet, SheetRow

PAPER = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
MARGINS_MM = QMarginsF(15, 15, 15, 15)
BODY_PT, TITLE_PT, SMALL_PT = 9.0, 13.0, 7.5
PADDING_PT = 2.5
PICTURE_SHARE = 0.45  # of the page's height, at most, for a chart
WRAP = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)


def set_up_page(device: QPagedPaintDevice, sheet: Sheet, paper: str | None = None) -> None:
    """The sheet's orientation (side by side for many providers: landscape), the margins, and a paper size if named
    (else the device's own: the printer's, or the locale's default)."""
    if paper is not None:
        device.setPageSize(QPageSize(PAPER[paper]))
    device.setPageMargins(MARGINS_MM, QPageLayout.Unit.Millimeter)
    orientation = QPageLayout.Orientation.Landscape if sheet.landscape else QPageLayout.Orientation.Portrait
    device.setPageOrientation(orientation)


def write_pdf(sheet: Sheet, path: str, printed: str, paper: str = "a4") -> int:
    """The sheet as a PDF file; the number of pages. OSError if the file cannot be written."""
    with open(path, "wb"):  # a folder that is not there, or not ours, is said as such (Qt would only warn)
        pass
    writer = QPdfWriter(path)
    writer.setResolution(300)
    writer.setTitle(" · ".join(line for line in sheet.heading[1:] if line))
    writer.setCreator("Clinic Scheduler")
    set_up_page(writer, sheet, paper)
    return paint_sheet(sheet, writer, printed)


def paint_sheet(sheet: Sheet, device: QPagedPaintDevice, printed: str) -> int:
    """Paint the sheet on the device (a QPrinter or a QPdfWriter, its page set up) page by page; the pages' count."""
    layout = _Layout(sheet, device)
    pages = layout.pages()
    painter = QPainter(device)
    try:
        for number, page in enumerate(pages, 1):
            if number > 1:
                device.newPage()
            layout.paint_page(painter, page, f"Page {number} of {len(pages)}", printed, number == 1)
    finally:
        painter.end()
    return len(pages)


@dataclass(frozen=True)
class _Placed:
    row: SheetRow
    height: float


class _Layout:
    """Where everything goes on a page of this device: fonts at their point sizes, the columns' edges, the rows'
    heights, which rows go on which page."""

    def __init__(self, sheet: Sheet, device: QPagedPaintDevice):
        self.sheet = sheet
        self.device = device
        self.width, self.height = float(device.width()), float(device.height())
        self.point = device.logicalDpiY() / 72.0
        self.padding = PADDING_PT * self.point
        self.body, self.bold = _font(BODY_PT), _font(BODY_PT, bold=True)
        self.title, self.small = _font(TITLE_PT, bold=True), _font(SMALL_PT)
        total = sum(weight for _title, weight in sheet.columns)
        edges, x = [], 0.0
        for _title, weight in sheet.columns:
            edges.append((x, self.width * weight / total))
            x += self.width * weight / total
        self.edges = edges
        self.picture_size = self._picture_size()

    def _picture_size(self) -> QSizeF:
        """The chart as wide as the page, its shape kept, at most PICTURE_SHARE of the page high."""
        picture = self.sheet.picture
        if picture is None or picture.isNull():
            return QSizeF(0, 0)
        size = QSizeF(picture.size()).scaled(
            QSizeF(self.width, self.height * PICTURE_SHARE), Qt.AspectRatioMode.KeepAspectRatio
        )
        return QSizeF(size.width(), size.height() + 2 * self.padding)

    def _text_height(self, font: QFont, text: str, width: float) -> float:
        metrics = QFontMetricsF(font, self.device)
        return metrics.boundingRect(QRectF(0, 0, max(width - 2 * self.padding, 1), 1e9), WRAP, text).height()

    def _row_height(self, row: SheetRow, font: QFont | None = None) -> float:
        if row.heading:
            return self._text_height(self.bold, row.cells[0], self.width) + 2 * self.padding
        cells = zip(row.cells, self.edges, strict=True)
        return max(self._text_height(font or self.body, cell, width) for cell, (_x, width) in cells)

    def _header_height(self) -> float:
        heading = enumerate(self.sheet.heading)
        lines = sum(self._text_height(self._heading_font(index), line, self.width) for index, line in heading)
        titles = SheetRow(tuple(title for title, _weight in self.sheet.columns))
        return lines + self.padding * 3 + self._row_height(titles, self.bold) + 2 * self.padding

    def _footer_height(self) -> float:
        return self._text_height(self.small, "Printed", self.width) + 2 * self.padding

    def _heading_font(self, index: int) -> QFont:
        return self.title if index == 0 else self.bold

    def pages(self) -> list[list[_Placed]]:
        """The rows page by page: a row that does not fit goes whole to the next page, a day's heading with it; a row
        taller than a whole page has its longest texts cut to fit, marked with an ellipsis."""
        room = self.height - self._header_height() - self._footer_height()
        pages: list[list[_Placed]] = [[]]
        used = self.picture_size.height()  # the first page's chart takes its share
        for row in self.sheet.rows:
            height = self._placed_height(row)
            page_holds_more = any(not placed.row.heading for placed in pages[-1]) or (
                len(pages) == 1 and self.picture_size.height() > 0
            )
            if used + height > room and page_holds_more:  # else a new page would be no roomier
                carried = [pages[-1].pop()] if pages[-1] and pages[-1][-1].row.heading else []
                pages.append(carried)
                used = sum(placed.height for placed in carried)
            if used + height > room:
                row = self._cut_to(row, room - used)
                height = self._placed_height(row)
            pages[-1].append(_Placed(row, height))
            used += height
        return pages

    def _placed_height(self, row: SheetRow) -> float:
        return self._row_height(row) + (0 if row.heading else 2 * self.padding)

    def _cut_to(self, row: SheetRow, room: float) -> SheetRow:
        """The row with each text that is taller than `room` cut short (the longest part that fits, then "…")."""
        if row.heading:
            return row
        limit = room - 2 * self.padding
        cells = []
        for cell, (_x, width) in zip(row.cells, self.edges, strict=True):
            if self._text_height(self.body, cell, width) > limit:
                fits, too_long = 0, len(cell)
                while too_long - fits > 1:  # the longest start of the text that, with "…", still fits
                    middle = (fits + too_long) // 2
                    if self._text_height(self.body, cell[:middle] + "…", width) <= limit:
                        fits = middle
                    else:
                        too_long = middle
                cell = cell[:fits].rstrip() + "…"
            cells.append(cell)
        return SheetRow(tuple(cells))

    def paint_page(self, painter: QPainter, page: list[_Placed], page_words: str, printed: str, first: bool) -> None:
        painter.setPen(QPen(Qt.GlobalColor.black, 0.5 * self.point))
        y = self._paint_heading(painter, page_words, with_picture=first)
        if not page:
            self._text(painter, self.body, self.sheet.empty, 0, y + self.padding, self.width)
        for placed in page:
            if placed.row.heading:
                self._text(painter, self.bold, placed.row.cells[0], 0, y + self.padding, self.width)
            else:
                for cell, (x, width) in zip(placed.row.cells, self.edges, strict=True):
                    self._text(painter, self.body, cell, x, y + self.padding, width)
            y += placed.height
            painter.drawLine(QLineF(0, y, self.width, y))
        foot = self.height - self._footer_height() + self.padding
        self._text(painter, self.small, printed, 0, foot, self.width)

    def _paint_heading(self, painter: QPainter, page_words: str, *, with_picture: bool) -> float:
        y = 0.0
        for index, line in enumerate(self.sheet.heading):
            font = self._heading_font(index)
            if index == 0:
                painter.setFont(self.body)
                painter.drawText(QRectF(0, 0, self.width, 1e6), int(Qt.AlignmentFlag.AlignRight), page_words)
            y += self._text(painter, font, line, -self.padding, y, self.width)
        y += self.padding * 2
        if with_picture and self.picture_size.height() > 0:
            size = self.picture_size
            painter.drawImage(QRectF(0, y, size.width(), size.height() - 2 * self.padding), self.sheet.picture)
            y += size.height()
        for (title, _weight), (x, width) in zip(self.sheet.columns, self.edges, strict=True):
            self._text(painter, self.bold, title, x, y + self.padding, width)
        titles = SheetRow(tuple(title for title, _weight in self.sheet.columns))
        y += self._row_height(titles, self.bold) + 2 * self.padding
        painter.drawLine(QLineF(0, y, self.width, y))
        return y

    def _text(self, painter: QPainter, font: QFont, text: str, x: float, y: float, width: float) -> float:
        """Draw wrapped text in a column (inside its padding); the height it took."""
        painter.setFont(font)
        box = QRectF(x + self.padding, y, max(width - 2 * self.padding, 1), 1e6)
        return painter.drawText(box, WRAP, text).height()


def _font(points: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font
