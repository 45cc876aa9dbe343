"""The aggregate report (báo cáo tổng hợp) as an official administrative document: PDF and XLSX.

The layout follows Decree 30/2020/NĐ-CP, Appendix I (thể thức văn bản hành chính): A4, margins
20 mm top and bottom, 30 mm left, 15 mm right; the issuer block top left (governing body upper
case, issuer upper case bold, a short rule under it, "Số: …" centred below); the national title
top right ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" bold upper case 12–13 pt, the motto bold 13–14 pt
with a rule as long as the motto), then place and date in italics; the document type and
abstract centred bold with a short rule; body text 13–14 pt; "Nơi nhận:" bold italic 12 pt with
recipients in 11 pt bottom left; the signer block bottom right; page numbers from page 2, top
centre. Tables may turn their pages to landscape (the decree allows it for documents with tables).

Times New Roman is not free, so the PDF embeds Liberation Serif (Debian ``fonts-liberation2``,
installed by ``scripts/ensure-system-packages.sh``): it has Times New Roman's metrics, so lines
break where they would in Word, and it covers every Vietnamese letter in all four styles. The XLSX
names Times New Roman, which every office machine has.

The fixed words of the form ("Số:", "Nơi nhận:", the national title, the date line) are not
marked for translation: they are the legal form of a Vietnamese document in any UI language.
"""

from __future__ import annotations

import datetime
import io
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.util import Padding
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from dantoc.core.csvfiles import xlsx_guard_workbook
from dantoc.core.templatetags.vn import format_number_vi

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SHEET_NAME = "Báo cáo tổng hợp"

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
FONT_FILES = {
    "": "LiberationSerif-Regular.ttf",
    "B": "LiberationSerif-Bold.ttf",
    "I": "LiberationSerif-Italic.ttf",
    "BI": "LiberationSerif-BoldItalic.ttf",
}
PDF_FONT = "LiberationSerif"
XLSX_FONT = "Times New Roman"

# Millimetres; Decree 30 allows 20–25 / 30–35 / 15–20, the smallest leave most room for tables.
MARGIN_TOP = 20
MARGIN_BOTTOM = 20
MARGIN_LEFT = 30
MARGIN_RIGHT = 15
LEFT_BLOCK_WIDTH = 65  # issuer / recipients column; the national title takes the rest

# Points, within the ranges of Appendix I, section II and the table in section IV.
SIZE_NATIONAL_TITLE = 13  # 12–13 (12 when 13 does not fit the column)
SIZE_MOTTO = 14  # 13–14
SIZE_AGENCY = 13  # 12–13, as the national title
SIZE_NUMBER = 13  # 13
SIZE_DATE = 14  # 13–14
SIZE_TITLE = 14  # 13–14
SIZE_BODY = 14  # 13–14
SIZE_TABLE = 12
SIZE_TABLE_MIN = 9
SIZE_NOTES = 12
SIZE_RECIPIENTS_HEADING = 12  # 12
SIZE_RECIPIENTS = 11  # 11
SIZE_SIGNER = 14  # 13–14
SIZE_PAGE_NUMBER = 13  # 13–14

PT = 25.4 / 72  # mm in a point
RULE_WIDTH = 0.3
SIGNATURE_SPACE = 28  # mm left blank for the hand signature and the seal
# The signer never stands alone on the last page: this many of the last table's rows go over
# with the closing part when it does not fit below the table.
KEEP_WITH_SIGNATURE_ROWS = 2
# A column shows all its figures with as many decimals as its most precise figure, up to this.
MAX_DECIMALS = 2

Value = str | Decimal | int | None


class FontMissingError(RuntimeError):
    """The TrueType files the PDF embeds are not installed."""


@dataclass
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass
class DocRow:
    cells: list[Value]  # text, a number (Decimal or int) or None for an empty cell
    total: bool = False  # bold, as total and subtotal rows are
    indent: int = 0  # sub-rows: indent level of the label column


@dataclass
class DocTable:
    caption: str
    header: list[list[HeaderCell | str]]  # one or two rows; a group header spans with colspan
    rows: list[DocRow]
    unit_note: str = ""  # "Đơn vị tính: triệu đồng", right-aligned above the table
    label_column: int = 0  # the column that holds row names (left-aligned, indented)

    @property
    def column_count(self) -> int:
        return sum(_header_cell(c).colspan for c in self.header[0]) if self.header else 0


@dataclass
class AdminDocument:
    issuer: str  # "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG"; a "\n" forces a line break
    number_symbol: str  # "125/BC-UBND", or "/BC-UBND" when the number is written by hand
    place: str
    date: datetime.date
    title: str  # "BÁO CÁO"
    abstract: str
    governing_body: str = ""  # cơ quan chủ quản; empty for bodies without one
    intro_paragraphs: list[str] = field(default_factory=list)
    tables: list[DocTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # "- …;" lines; "Lưu: VT." is added
    signer_authority: str = ""  # "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH"
    signer_title: str = ""  # "PHÓ CHỦ TỊCH"
    signer_name: str = ""  # blank when the name is written by hand


# --- text helpers ---------------------------------------------------------------------------


def vn_date_line(place: str, date: datetime.date) -> str:
    """The place and date line: "Tuyên Quang, ngày 05 tháng 02 năm 2026".

    Decree 30/2020, Appendix I: days below 10 and the months 1 and 2 take a leading zero (so no
    digit can be added in front by hand); the other months do not.
    """
    month = f"{date.month:02d}" if date.month <= 2 else str(date.month)
    return f"{_nfc(place)}, ngày {date.day:02d} tháng {month} năm {date.year}"


def number_line(number_symbol: str) -> str:
    """The number line, "Số: 125/BC-UBND"; a number the clerk writes by hand keeps a blank."""
    text = _nfc(number_symbol)
    if text.lower().startswith("số"):
        text = text[2:].lstrip(": ")
    if text.startswith("/"):
        return f"Số:{' ' * 8}{text}"
    return f"Số: {text}"


def recipient_lines(recipients: list[str]) -> list[str]:
    """Recipients as "- name;" lines, the archive copy ("Lưu: VT") last, with a full stop."""
    names = [_nfc(r).lstrip("-– ").rstrip(";.") for r in recipients]
    names = [n for n in names if n]
    if not any(n.lower().startswith("lưu") for n in names):
        names.append("Lưu: VT")
    archive = [n for n in names if n.lower().startswith("lưu")]
    names = [n for n in names if not n.lower().startswith("lưu")] + archive
    return [f"- {n};" for n in names[:-1]] + [f"- {names[-1]}."]


def cell_text(value: Value, decimals: int | None = None) -> str:
    """A cell as printed; a figure with ``decimals`` places when given (the column's)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _nfc(value)
    if decimals is None:
        return format_number_vi(Decimal(value))
    return fixed_number_vi(Decimal(value), decimals)


def fixed_number_vi(number: Decimal, decimals: int) -> str:
    """1234567.5 with 2 places → "1.234.567,50"; rounded half up, as officials round by hand."""
    rounded = Decimal(number).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"-{text}" if rounded < 0 else text


def _decimals(value: Value) -> int:
    exponent = Decimal(value).normalize().as_tuple().exponent
    return min(MAX_DECIMALS, max(0, -exponent)) if isinstance(exponent, int) else 0


def column_decimals(table: DocTable) -> list[int]:
    """Decimals of each column: one number for the whole column, so that figures line up and
    read alike ("69.035,0" above "66.626,5", not "69.035")."""
    decimals = [0] * table.column_count
    for row in table.rows:
        for j, value in enumerate(row.cells):
            if _is_number(value):
                decimals[j] = max(decimals[j], _decimals(value))
    return decimals


def wrap_balanced(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Lines no wider than ``width``, as even as possible.

    Headings break like "ỦY BAN NHÂN DÂN / TỈNH TUYÊN QUANG" in real documents, not a full
    line and a stray word: with as few lines as greedy filling needs, find the narrowest limit
    that still gives that many. A "\\n" in the text forces a break.
    """
    lines: list[str] = []
    for part in _nfc(text).split("\n"):
        words = part.split()
        if not words:
            lines.append("")
            continue
        count = len(_greedy(words, width, measure))
        if count == 1:
            lines.append(" ".join(words))
            continue
        low = max(measure(w) for w in words)
        high = max(width, low)
        for _ in range(24):
            middle = (low + high) / 2
            if len(_greedy(words, middle, measure)) <= count:
                high = middle
            else:
                low = middle
        lines.extend(_greedy(words, high, measure))
    return lines


def _greedy(words: list[str], width: float, measure: Callable[[str], float]) -> list[str]:
    lines = [words[0]]
    for word in words[1:]:
        candidate = f"{lines[-1]} {word}"
        if measure(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def _upper(text: str) -> str:
    return _nfc(text).upper()


def _header_cell(cell: HeaderCell | str) -> HeaderCell:
    return cell if isinstance(cell, HeaderCell) else HeaderCell(cell)


def _is_number(value: Value) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def _check(doc: AdminDocument) -> None:
    for table in doc.tables:
        if not 1 <= len(table.header) <= 2:
            raise ValueError(f"{table.caption!r}: a table has one or two header rows")
        columns = table.column_count
        for row in table.rows:
            if len(row.cells) != columns:
                raise ValueError(
                    f"{table.caption!r}: row {row.cells[:1]} has {len(row.cells)} cells, "
                    f"the header {columns} columns"
                )


# --- PDF ------------------------------------------------------------------------------------


def font_files() -> dict[str, Path]:
    """The four TrueType files of the PDF font, by fpdf2 style ("", "B", "I", "BI")."""
    paths = {style: FONT_DIR / name for style, name in FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise FontMissingError(
            "The PDF report font is not installed (missing "
            + ", ".join(missing)
            + "). Install Debian's fonts-liberation2: scripts/ensure-system-packages.sh"
        )
    return paths


def _line_height(size: float, factor: float = 1.2) -> float:
    return size * PT * factor


class _DocumentPdf(FPDF):
    def header(self) -> None:
        # Decree 30: numbered from 1, centred in the top margin, page 1 shows no number.
        if self.page_no() > 1:
            self.set_font(PDF_FONT, "", SIZE_PAGE_NUMBER)
            self.set_xy(self.l_margin, MARGIN_TOP / 2 - _line_height(SIZE_PAGE_NUMBER) / 2)
            self.cell(self.epw, _line_height(SIZE_PAGE_NUMBER), str(self.page_no()), align="C")
            self.set_xy(self.l_margin, self.t_margin)

    def measure(self, style: str, size: float) -> Callable[[str], float]:
        def width(text: str) -> float:
            self.set_font(PDF_FONT, style, size)
            return self.get_string_width(text)

        return width

    def centred_lines(
        self, x: float, width: float, y: float, lines: list[str], style: str, size: float
    ) -> float:
        """Draw lines centred in [x, x + width] from y; return the y below them."""
        self.set_font(PDF_FONT, style, size)
        height = _line_height(size)
        for line in lines:
            self.set_xy(x, y)
            self.cell(width, height, line, align="C")
            y += height
        return y

    def rule(self, centre: float, y: float, length: float) -> None:
        self.set_line_width(RULE_WIDTH)
        self.line(centre - length / 2, y, centre + length / 2, y)

    def new_page(self, landscape: bool) -> None:
        self.add_page(orientation="L" if landscape else "P")


def render_pdf(doc: AdminDocument) -> bytes:
    _check(doc)
    pdf = _DocumentPdf(orientation="P", unit="mm", format="A4")
    for style, path in font_files().items():
        pdf.add_font(PDF_FONT, style, str(path))
    pdf.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
    pdf.set_auto_page_break(True, margin=MARGIN_BOTTOM)
    pdf.set_title(f"{_nfc(doc.title)} {_nfc(doc.abstract)}")
    pdf.set_author(_nfc(doc.issuer).replace("\n", " "))
    pdf.set_lang("vi")
    pdf.set_creator("dantoc")
    pdf.new_page(landscape=False)

    _pdf_heading(pdf, doc)
    _pdf_body(pdf, doc)
    landscape = False
    for table in doc.tables[:-1]:
        landscape = _pdf_table(pdf, table, landscape)
    if doc.tables:
        _pdf_last_table_and_closing(pdf, doc, doc.tables[-1], landscape)
    else:
        _pdf_closing(pdf, doc)
    return bytes(pdf.output())


def _pdf_closing(pdf: _DocumentPdf, doc: AdminDocument) -> None:
    _pdf_notes(pdf, doc)
    _pdf_signature(pdf, doc)


def _pdf_last_table_and_closing(
    pdf: _DocumentPdf, doc: AdminDocument, table: DocTable, landscape: bool
) -> None:
    """The last table, then the notes and the signer, which never stand alone on a page: when
    they do not fit below the table, its last rows go over with them (the header repeated),
    as a clerk would arrange a typed report. The closing part stays on the table's page, in
    landscape too."""
    layout = _table_layout(pdf, table)
    keep = min(KEEP_WITH_SIGNATURE_ROWS, len(table.rows))
    head, tail = table.rows[: len(table.rows) - keep], table.rows[len(table.rows) - keep :]
    if head:
        _pdf_table_start(pdf, table, layout, landscape)
        _pdf_table_rows(pdf, table, layout, head, headings=True)

    def rest(headings: bool) -> None:
        if not head:
            _pdf_table_start(pdf, table, layout, landscape)
        _pdf_table_rows(pdf, table, layout, tail, headings=headings)
        pdf.ln(4)
        _pdf_closing(pdf, doc)

    # Try it on a copy of the document first: offset_rendering rewinds everything drawn.
    with pdf.offset_rendering() as trial:
        rest(headings=not head)
    if trial.page_break_triggered and head:
        pdf.new_page(landscape=layout.landscape)
        rest(headings=True)
    elif trial.page_break_triggered:
        # The whole table goes over with the closing part when it is short enough to.
        pdf.new_page(landscape=layout.landscape)
        landscape = layout.landscape
        rest(headings=True)
    else:
        rest(headings=not head)


def _pdf_heading(pdf: _DocumentPdf, doc: AdminDocument) -> None:
    top = pdf.t_margin
    left_x, left_w = pdf.l_margin, LEFT_BLOCK_WIDTH
    right_x, right_w = pdf.l_margin + LEFT_BLOCK_WIDTH, pdf.epw - LEFT_BLOCK_WIDTH

    # Top right: national title and motto, a rule as long as the motto.
    title_size = SIZE_NATIONAL_TITLE
    if pdf.measure("B", title_size)(NATIONAL_TITLE) > right_w:
        title_size -= 1
    y = pdf.centred_lines(right_x, right_w, top, [NATIONAL_TITLE], "B", title_size)
    y = pdf.centred_lines(right_x, right_w, y, [MOTTO], "B", SIZE_MOTTO)
    right_bottom = y + 0.8
    pdf.rule(right_x + right_w / 2, right_bottom, pdf.measure("B", SIZE_MOTTO)(MOTTO))

    # Top left: governing body, issuer in bold, a rule 1/3–1/2 of the issuer line.
    y = top
    if _nfc(doc.governing_body):
        lines = wrap_balanced(_upper(doc.governing_body), left_w, pdf.measure("", SIZE_AGENCY))
        y = pdf.centred_lines(left_x, left_w, y, lines, "", SIZE_AGENCY)
    issuer = wrap_balanced(_upper(doc.issuer), left_w, pdf.measure("B", SIZE_AGENCY))
    y = pdf.centred_lines(left_x, left_w, y, issuer, "B", SIZE_AGENCY)
    left_bottom = y + 0.8
    longest = max(pdf.measure("B", SIZE_AGENCY)(line) for line in issuer)
    pdf.rule(left_x + left_w / 2, left_bottom, longest * 0.4)

    # "Số: …" under the issuer and the date line under the motto, on one line.
    y = max(left_bottom, right_bottom) + 2.5
    pdf.centred_lines(left_x, left_w, y, [number_line(doc.number_symbol)], "", SIZE_NUMBER)
    pdf.centred_lines(right_x, right_w, y, [vn_date_line(doc.place, doc.date)], "I", SIZE_DATE)
    y += _line_height(SIZE_DATE) + 8

    # Document type and abstract, centred bold, a short rule under them.
    y = pdf.centred_lines(pdf.l_margin, pdf.epw, y, [_upper(doc.title)], "B", SIZE_TITLE)
    abstract = wrap_balanced(doc.abstract, pdf.epw * 0.85, pdf.measure("B", SIZE_TITLE))
    y = pdf.centred_lines(pdf.l_margin, pdf.epw, y, abstract, "B", SIZE_TITLE)
    longest = max(pdf.measure("B", SIZE_TITLE)(line) for line in abstract)
    pdf.rule(pdf.l_margin + pdf.epw / 2, y + 1.5, min(longest * 0.4, 60))
    pdf.set_xy(pdf.l_margin, y + 7)


def _pdf_body(pdf: _DocumentPdf, doc: AdminDocument) -> None:
    paragraphs = [_nfc(p) for p in doc.intro_paragraphs if _nfc(p)]
    if not paragraphs:
        return
    pdf.set_font(PDF_FONT, "", SIZE_BODY)
    # First line indented 1–1.27 cm, at least 6 pt between paragraphs (Appendix I, II.6).
    with pdf.text_columns(text_align="J", line_height=1.2) as columns:
        for text in paragraphs:
            with columns.paragraph(first_line_indent=12.7, bottom_margin=6 * PT) as paragraph:
                paragraph.write(text)
    pdf.ln(2)


@dataclass
class _TableLayout:
    landscape: bool
    size: float
    widths: list[float]


_CELL_PADDING_X = 1.2
_CELL_PADDING_Y = 0.8
_INDENT_STEP = 3.5


def _table_layout(pdf: _DocumentPdf, table: DocTable) -> _TableLayout:
    """Portrait if the columns fit, else landscape, shrinking the font as far as 9 pt."""
    portrait = 210 - MARGIN_LEFT - MARGIN_RIGHT
    landscape = 297 - MARGIN_LEFT - MARGIN_RIGHT
    options = [(False, 12), (False, 11), (True, 12), (True, 11), (True, 10), (True, 9)]
    for is_landscape, size in options:
        available = landscape if is_landscape else portrait
        minimum, natural = _column_widths(pdf, table, size)
        if sum(minimum) <= available:
            widths = _fill(minimum, natural, available, table.label_column)
            return _TableLayout(is_landscape, size, widths)
    minimum, _natural = _column_widths(pdf, table, SIZE_TABLE_MIN)
    scale = landscape / sum(minimum)  # cells wrap; better than running off the page
    return _TableLayout(True, SIZE_TABLE_MIN, [w * scale for w in minimum])


def _column_widths(
    pdf: _DocumentPdf, table: DocTable, size: float
) -> tuple[list[float], list[float]]:
    """Narrowest sensible and natural (unwrapped) width of each column, in mm."""
    columns = table.column_count
    pad = 2 * _CELL_PADDING_X + RULE_WIDTH
    regular, bold = pdf.measure("", size), pdf.measure("B", size)
    natural = [pad] * columns
    minimum = [pad] * columns
    decimals = column_decimals(table)
    for row in table.rows:
        measure = bold if row.total else regular
        for j, value in enumerate(row.cells):
            text = cell_text(value, decimals[j])
            if not text:
                continue
            full = measure(text) + pad
            if j == table.label_column:
                full += row.indent * _INDENT_STEP
            natural[j] = max(natural[j], full)
            if _is_number(value):
                minimum[j] = max(minimum[j], full)  # numbers never wrap
            else:
                longest_word = max(measure(w) for w in text.split()) + pad
                cap = 50 if j == table.label_column else 28
                minimum[j] = max(minimum[j], longest_word, min(full, cap))
    # Header words must fit; naturally a header takes at most two lines. A group header's
    # width spreads over the columns it spans.
    for cells in _header_grid(table):
        for _row, column, cell in cells:
            words = _nfc(cell.text).split() or [""]
            need = max(bold(w) for w in words) + pad
            wish = max(need, bold(" ".join(words)) / 2 + pad)
            span = range(column, column + cell.colspan)
            for widths, wanted in ((minimum, need), (natural, wish)):
                short = wanted - sum(widths[j] for j in span)
                if short > 0:
                    for j in span:
                        widths[j] += short / cell.colspan
    natural = [max(n, m) for n, m in zip(natural, minimum, strict=True)]
    return minimum, natural


def _fill(minimum: list[float], natural: list[float], available: float, label: int) -> list[float]:
    """Widths that fill the text width: natural widths if they fit; else the row names wrap
    first, as they do in typed reports, then every text column as much as needed."""
    if sum(natural) <= available:
        extra = available - sum(natural)
        return [n + extra * n / sum(natural) for n in natural]
    others = sum(natural) - natural[label]
    if others + minimum[label] <= available:
        widths = list(natural)
        widths[label] = available - others
        return widths
    room = available - sum(minimum)
    wants = [n - m for n, m in zip(natural, minimum, strict=True)]
    return [m + room * w / sum(wants) for m, w in zip(minimum, wants, strict=True)]


def _header_grid(table: DocTable) -> list[list[tuple[int, int, HeaderCell]]]:
    """(row, column, cell) of each header cell, skipping columns held by a rowspan above."""
    taken: set[tuple[int, int]] = set()
    grid = []
    for r, row in enumerate(table.header):
        placed = []
        column = 0
        for raw in row:
            cell = _header_cell(raw)
            while (r, column) in taken:
                column += 1
            placed.append((r, column, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, column + dc))
            column += cell.colspan
        grid.append(placed)
    return grid


def _pdf_table(pdf: _DocumentPdf, table: DocTable, landscape: bool) -> bool:
    """Draw one table; return whether the page is now landscape."""
    layout = _table_layout(pdf, table)
    _pdf_table_start(pdf, table, layout, landscape)
    _pdf_table_rows(pdf, table, layout, table.rows, headings=True)
    pdf.ln(4)
    return layout.landscape


def _pdf_table_start(
    pdf: _DocumentPdf, table: DocTable, layout: _TableLayout, landscape: bool
) -> None:
    """The page turned as the table needs, its caption and unit note."""
    if layout.landscape != landscape:
        pdf.new_page(landscape=layout.landscape)
    size = layout.size
    line = _line_height(size, 1.15)
    # Keep the caption with the header and first rows.
    if pdf.will_page_break(_line_height(SIZE_NOTES) * 3 + line * 2 * (len(table.header) + 2)):
        pdf.new_page(landscape=layout.landscape)

    if _nfc(table.caption):
        caption = wrap_balanced(table.caption, pdf.epw * 0.9, pdf.measure("B", SIZE_BODY - 1))
        y = pdf.centred_lines(pdf.l_margin, pdf.epw, pdf.get_y(), caption, "B", SIZE_BODY - 1)
        pdf.set_xy(pdf.l_margin, y)
    if _nfc(table.unit_note):
        pdf.set_font(PDF_FONT, "I", SIZE_NOTES)
        pdf.cell(pdf.epw, _line_height(SIZE_NOTES), _nfc(table.unit_note), align="R")
        pdf.ln(_line_height(SIZE_NOTES))
    pdf.ln(1)


def _pdf_table_rows(
    pdf: _DocumentPdf, table: DocTable, layout: _TableLayout, rows: list[DocRow], headings: bool
) -> None:
    """Rows of a table from the current position, under its header when ``headings`` (a
    table's rows drawn in two goes continue the first without repeating it)."""
    size = layout.size
    line = _line_height(size, 1.15)
    decimals = column_decimals(table)
    pdf.set_font(PDF_FONT, "", size)
    pdf.set_line_width(0.2)
    padding = Padding(
        top=_CELL_PADDING_Y, right=_CELL_PADDING_X, bottom=_CELL_PADDING_Y, left=_CELL_PADDING_X
    )
    with pdf.table(
        width=sum(layout.widths),
        col_widths=layout.widths,
        num_heading_rows=len(table.header) if headings else 0,
        first_row_as_headings=headings,
        repeat_headings=1,  # on every page the table reaches
        headings_style=FontFace(family=PDF_FONT, emphasis="BOLD", size_pt=size),
        line_height=line,
        padding=padding,
        align="LEFT",  # from the left margin, not centred on the paper
        text_align="LEFT",
        v_align="MIDDLE",
    ) as grid:
        for cells in _header_grid(table) if headings else []:
            row = grid.row()
            for _r, _column, cell in cells:
                row.cell(
                    _nfc(cell.text),
                    align="C",
                    colspan=cell.colspan,
                    rowspan=cell.rowspan,
                )
        for doc_row in rows:
            style = FontFace(
                family=PDF_FONT, emphasis="BOLD" if doc_row.total else "", size_pt=size
            )
            row = grid.row(style=style)
            for j, value in enumerate(doc_row.cells):
                if _is_number(value):
                    row.cell(cell_text(value, decimals[j]), align="R")
                elif j == table.label_column:
                    indent = _CELL_PADDING_X + doc_row.indent * _INDENT_STEP
                    cell_padding = (_CELL_PADDING_Y, _CELL_PADDING_X, _CELL_PADDING_Y, indent)
                    row.cell(cell_text(value), align="L", padding=cell_padding)
                else:
                    row.cell(cell_text(value), align="C")


def _pdf_notes(pdf: _DocumentPdf, doc: AdminDocument) -> None:
    notes = [_nfc(n) for n in doc.notes if _nfc(n)]
    if not notes:
        return
    height = _line_height(SIZE_NOTES)
    pdf.set_font(PDF_FONT, "BI", SIZE_NOTES)
    pdf.cell(pdf.epw, height, "Ghi chú:")
    pdf.ln(height)
    pdf.set_font(PDF_FONT, "I", SIZE_NOTES)
    for note in notes:
        pdf.multi_cell(pdf.epw, height, f"- {note}", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _pdf_signature(pdf: _DocumentPdf, doc: AdminDocument) -> None:
    left_x, left_w = pdf.l_margin, LEFT_BLOCK_WIDTH
    right_x = pdf.l_margin + LEFT_BLOCK_WIDTH
    right_w = pdf.epw - LEFT_BLOCK_WIDTH

    recipients = recipient_lines(doc.recipients)
    recipient_height = _line_height(SIZE_RECIPIENTS, 1.15)
    pdf.set_font(PDF_FONT, "", SIZE_RECIPIENTS)
    wrapped = sum(
        len(wrap_balanced(r, left_w, pdf.measure("", SIZE_RECIPIENTS))) for r in recipients
    )
    left_height = _line_height(SIZE_RECIPIENTS_HEADING) + wrapped * recipient_height

    measure = pdf.measure("B", SIZE_SIGNER)
    authority = [
        line
        for part in _upper(doc.signer_authority).split("\n")
        for line in wrap_balanced(part, right_w, measure)
        if line
    ]
    title = wrap_balanced(_upper(doc.signer_title), right_w, measure) if doc.signer_title else []
    signer_height = _line_height(SIZE_SIGNER) * (len(authority) + len(title) + 1)
    signer_height += SIGNATURE_SPACE

    pdf.ln(4)
    if pdf.will_page_break(max(left_height, signer_height)):
        pdf.new_page(landscape=pdf.cur_orientation == "L")
    top = pdf.get_y()

    y = pdf.centred_lines(right_x, right_w, top, authority + title, "B", SIZE_SIGNER)
    y += SIGNATURE_SPACE
    pdf.centred_lines(right_x, right_w, y, [_nfc(doc.signer_name)], "B", SIZE_SIGNER)

    pdf.set_xy(left_x, top)
    pdf.set_font(PDF_FONT, "BI", SIZE_RECIPIENTS_HEADING)
    pdf.cell(left_w, _line_height(SIZE_RECIPIENTS_HEADING), "Nơi nhận:")
    y = top + _line_height(SIZE_RECIPIENTS_HEADING)
    pdf.set_font(PDF_FONT, "", SIZE_RECIPIENTS)
    for recipient in recipients:
        for line in wrap_balanced(recipient, left_w, pdf.measure("", SIZE_RECIPIENTS)):
            pdf.set_font(PDF_FONT, "", SIZE_RECIPIENTS)
            pdf.set_xy(left_x, y)
            pdf.cell(left_w, recipient_height, line)
            y += recipient_height


# --- XLSX -----------------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# Excel column width unit in mm (one "0" of the default font), for estimating wrapped lines.
_UNIT_MM = 1.9
# Average glyph width of Times New Roman as a share of the font size (lower / upper case).
_EM_LOWER = 0.47
_EM_UPPER = 0.68


def _font(size: float, bold: bool = False, italic: bool = False, **extra: str) -> Font:
    return Font(name=XLSX_FONT, size=size, bold=bold, italic=italic, **extra)


def _chars_per_line(width_units: float, size: float, upper: bool = False) -> float:
    em = _EM_UPPER if upper else _EM_LOWER
    return max(1.0, width_units * _UNIT_MM / (size * PT * em))


def _line_count(text: str, width_units: float, size: float, upper: bool = False) -> int:
    per_line = _chars_per_line(width_units, size, upper)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _row_height(lines: int, size: float) -> float:
    return lines * size * 1.3 + 2


def _xlsx_column_widths(doc: AdminDocument, columns: int) -> list[float]:
    widths = [6.0] * columns
    for table in doc.tables:
        for cells in _header_grid(table):
            for _r, j, cell in cells:
                if cell.colspan == 1:
                    longest = max((len(w) for w in cell.text.split()), default=0)
                    widths[j] = max(widths[j], longest * 1.3 + 2)
        for row in table.rows:
            for j, value in enumerate(row.cells):
                text = cell_text(value)
                if j == table.label_column:
                    wanted = min(len(text) * 1.1 + 2 + row.indent * 2, 45)
                    widths[j] = max(widths[j], wanted, 24)
                elif _is_number(value):
                    widths[j] = max(widths[j], len(text) * 1.15 + 3, 11)
                else:
                    widths[j] = max(widths[j], min(len(text) * 1.1 + 2, 30))
    return widths


def _split_blocks(widths: list[float]) -> int:
    """How many columns the issuer block (top left) takes: about 40 % of the width."""
    total = sum(widths)
    best, best_gap = 1, math.inf
    for n in range(1, len(widths)):
        gap = abs(sum(widths[:n]) - 0.4 * total)
        if gap < best_gap:
            best, best_gap = n, gap
    return best


class _Sheet:
    """Writes rows top to bottom, merging across the left block, the right block or all."""

    def __init__(self, ws, widths: list[float], left_columns: int) -> None:
        self.ws = ws
        self.widths = widths
        self.columns = len(widths)
        self.left = left_columns
        self.row = 1

    def width(self, first: int, last: int) -> float:
        return sum(self.widths[first - 1 : last])

    def put(
        self,
        first: int,
        last: int,
        value,
        font: Font,
        horizontal: str = "center",
        wrap: bool = True,
        row: int | None = None,
        rows: int = 1,
    ):
        row = row or self.row
        cell = self.ws.cell(row=row, column=first, value=value)
        cell.font = font
        cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap)
        if last > first or rows > 1:
            self.ws.merge_cells(
                start_row=row, start_column=first, end_row=row + rows - 1, end_column=last
            )
        return cell

    def height(self, points: float, row: int | None = None) -> None:
        dimension = self.ws.row_dimensions[row or self.row]
        dimension.height = max(dimension.height or 0, points)

    def next(self, count: int = 1) -> None:
        self.row += count


def render_xlsx(doc: AdminDocument) -> bytes:
    _check(doc)
    columns = max([t.column_count for t in doc.tables] + [4])
    widths = _xlsx_column_widths(doc, columns)
    left = _split_blocks(widths)
    # The national title must stay on one line, the issuer block readable.
    for first, last, wanted in ((1, left, 36), (left + 1, columns, 56)):
        have = sum(widths[first - 1 : last])
        if have < wanted:
            for j in range(first - 1, last):
                widths[j] *= wanted / have

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.sheet_view.showGridLines = False
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = round(width, 1)
    sheet = _Sheet(ws, widths, left)

    _xlsx_heading(sheet, doc)
    for text in doc.intro_paragraphs:
        if _nfc(text):
            sheet.put(1, columns, _nfc(text), _font(SIZE_BODY), horizontal="justify")
            lines = _line_count(_nfc(text), sheet.width(1, columns), SIZE_BODY)
            sheet.height(_row_height(lines, SIZE_BODY))
            sheet.next()
    sheet.next()

    title_rows = None
    longest = max((len(t.rows) for t in doc.tables), default=0)
    for table in doc.tables:
        header_rows = _xlsx_table(sheet, table)
        if title_rows is None and len(table.rows) == longest:
            title_rows = header_rows
    _xlsx_closing(sheet, doc)

    # Print: A4, one page wide, table header repeated, margins and page numbers of Decree 30.
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(widths) > 130 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(
        left=MARGIN_LEFT / 25.4,
        right=MARGIN_RIGHT / 25.4,
        top=MARGIN_TOP / 25.4,
        bottom=MARGIN_BOTTOM / 25.4,
        header=8 / 25.4,
        footer=8 / 25.4,
    )
    if title_rows:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    ws.print_area = f"A1:{get_column_letter(columns)}{sheet.row}"
    ws.HeaderFooter.differentFirst = True
    ws.oddHeader.center.text = "&P"
    ws.oddHeader.center.size = SIZE_PAGE_NUMBER
    ws.oddHeader.center.font = XLSX_FONT
    ws.evenHeader.center.text = "&P"
    ws.evenHeader.center.size = SIZE_PAGE_NUMBER
    ws.evenHeader.center.font = XLSX_FONT

    xlsx_guard_workbook(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _xlsx_heading(sheet: _Sheet, doc: AdminDocument) -> None:
    left, columns = sheet.left, sheet.columns
    left_width = sheet.width(1, left)
    per_line = _chars_per_line(left_width, SIZE_AGENCY, upper=True) * 0.9

    governing = (
        wrap_balanced(_upper(doc.governing_body), per_line, len) if _nfc(doc.governing_body) else []
    )
    issuer = wrap_balanced(_upper(doc.issuer), per_line, len)
    # One merged cell, governing body regular and issuer bold, beside the two title lines.
    regular = InlineFont(rFont=XLSX_FONT, sz=SIZE_AGENCY)
    bold = InlineFont(rFont=XLSX_FONT, sz=SIZE_AGENCY, b=True)
    parts = []
    if governing:
        parts.append(TextBlock(regular, "\n".join(governing) + "\n"))
    parts.append(TextBlock(bold, "\n".join(issuer)))
    sheet.put(1, left, CellRichText(parts), _font(SIZE_AGENCY, bold=True), rows=2)
    sheet.put(left + 1, columns, NATIONAL_TITLE, _font(SIZE_NATIONAL_TITLE, bold=True), wrap=False)
    sheet.put(
        left + 1,
        columns,
        MOTTO,
        # A single underline is exactly as long as the motto, as Decree 30 draws the rule.
        _font(SIZE_MOTTO, bold=True, underline="single"),
        wrap=False,
        row=sheet.row + 1,
    )
    left_lines = len(governing) + len(issuer)
    first = _row_height(1, SIZE_NATIONAL_TITLE)
    sheet.height(first)
    sheet.height(
        max(_row_height(1, SIZE_MOTTO), _row_height(left_lines, SIZE_AGENCY) - first), sheet.row + 1
    )
    sheet.next(2)
    # The short rule under the issuer (1/3–1/2 of its line).
    rule = "_" * max(5, round(max(len(line) for line in issuer) * 0.55))
    sheet.put(1, left, rule, _font(8), wrap=False)
    sheet.height(9)
    sheet.next()
    sheet.put(1, left, number_line(doc.number_symbol), _font(SIZE_NUMBER), wrap=False)
    sheet.put(
        left + 1,
        columns,
        vn_date_line(doc.place, doc.date),
        _font(SIZE_DATE, italic=True),
        wrap=False,
    )
    sheet.height(_row_height(1, SIZE_DATE) + 4)
    sheet.next(2)

    sheet.put(1, columns, _upper(doc.title), _font(SIZE_TITLE, bold=True))
    sheet.height(_row_height(1, SIZE_TITLE))
    sheet.next()
    abstract = _nfc(doc.abstract)
    sheet.put(1, columns, abstract, _font(SIZE_TITLE, bold=True))
    sheet.height(
        _row_height(_line_count(abstract, sheet.width(1, columns), SIZE_TITLE), SIZE_TITLE)
    )
    sheet.next()
    sheet.put(1, columns, "_" * 12, _font(8), wrap=False)
    sheet.height(9)
    sheet.next(2)


def _xlsx_table(sheet: _Sheet, table: DocTable) -> tuple[int, int]:
    """Write one table from the current row; return its first and last header row."""
    ws, last = sheet.ws, table.column_count
    if _nfc(table.caption):
        sheet.put(1, last, _nfc(table.caption), _font(SIZE_BODY - 1, bold=True))
        lines = _line_count(_nfc(table.caption), sheet.width(1, last), SIZE_BODY - 1)
        sheet.height(_row_height(lines, SIZE_BODY - 1))
        sheet.next()
    if _nfc(table.unit_note):
        sheet.put(1, last, _nfc(table.unit_note), _font(SIZE_NOTES, italic=True), "right")
        sheet.next()

    first_header = sheet.row
    for r in range(len(table.header)):  # every cell of the header carries the border
        for j in range(1, last + 1):
            ws.cell(row=first_header + r, column=j).border = _BORDER
    for cells in _header_grid(table):
        for r, j, cell in cells:
            row = first_header + r
            sheet.put(
                j + 1,
                j + cell.colspan,
                _nfc(cell.text),
                _font(SIZE_TABLE, bold=True),
                row=row,
                rows=cell.rowspan,
            )
            width = sheet.width(j + 1, j + cell.colspan)
            lines = _line_count(_nfc(cell.text), width, SIZE_TABLE)
            sheet.height(_row_height(math.ceil(lines / cell.rowspan), SIZE_TABLE), row)
    sheet.next(len(table.header))
    last_header = sheet.row - 1

    decimals = column_decimals(table)
    for doc_row in table.rows:
        lines = 1
        for j, value in enumerate(doc_row.cells, start=1):
            font = _font(SIZE_TABLE, bold=doc_row.total)
            cell = ws.cell(row=sheet.row, column=j)
            cell.border = _BORDER
            cell.font = font
            if _is_number(value):
                places = decimals[j - 1]
                number = Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
                cell.value = float(number) if places else int(number)
                # Excel shows the grouping and decimal marks of the reader's locale:
                # 1.234.567,5 in Vietnamese; one number of decimals in a column.
                cell.number_format = "#,##0" + ("." + "0" * places if places else "")
                cell.alignment = Alignment(horizontal="right", vertical="center")
            elif j - 1 == table.label_column:
                cell.value = cell_text(value) or None
                cell.alignment = Alignment(
                    horizontal="left", vertical="center", wrap_text=True, indent=doc_row.indent
                )
                width = sheet.widths[j - 1] - doc_row.indent * 1.5
                lines = max(lines, _line_count(cell_text(value), width, SIZE_TABLE))
            else:
                cell.value = cell_text(value) or None
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if lines > 1:
            sheet.height(_row_height(lines, SIZE_TABLE))
        sheet.next()
    sheet.next()
    return first_header, last_header


def _xlsx_closing(sheet: _Sheet, doc: AdminDocument) -> None:
    columns, left = sheet.columns, sheet.left
    notes = [_nfc(n) for n in doc.notes if _nfc(n)]
    if notes:
        sheet.put(1, columns, "Ghi chú:", _font(SIZE_NOTES, bold=True, italic=True), "left")
        sheet.next()
        for note in notes:
            sheet.put(1, columns, f"- {note}", _font(SIZE_NOTES, italic=True), "left")
            sheet.height(
                _row_height(_line_count(note, sheet.width(1, columns), SIZE_NOTES), SIZE_NOTES)
            )
            sheet.next()
        sheet.next()

    top = sheet.row
    sheet.put(1, left, "Nơi nhận:", _font(SIZE_RECIPIENTS_HEADING, bold=True, italic=True), "left")
    for i, line in enumerate(recipient_lines(doc.recipients), start=1):
        sheet.put(1, left, line, _font(SIZE_RECIPIENTS), "left", row=top + i)
        lines = _line_count(line, sheet.width(1, left), SIZE_RECIPIENTS)
        sheet.height(_row_height(lines, SIZE_RECIPIENTS), top + i)
    signer = [line for line in _upper(doc.signer_authority).split("\n") if line.strip()] + (
        [_upper(doc.signer_title)] if _nfc(doc.signer_title) else []
    )
    for i, line in enumerate(signer):
        sheet.put(left + 1, columns, line.strip(), _font(SIZE_SIGNER, bold=True), row=top + i)
        sheet.height(_row_height(1, SIZE_SIGNER), top + i)
    name_row = top + len(signer) + 5  # rows left blank for the signature and the seal
    sheet.put(
        left + 1,
        columns,
        _nfc(doc.signer_name) or None,
        _font(SIZE_SIGNER, bold=True),
        row=name_row,
    )
    sheet.height(_row_height(1, SIZE_SIGNER), name_row)
    sheet.row = max(name_row, top + len(recipient_lines(doc.recipients))) + 1
