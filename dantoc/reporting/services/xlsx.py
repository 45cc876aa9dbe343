"""A report as an Excel workbook: download pre-filled, fill in Excel, upload back.

The workbook has one sheet per form section and a hidden sheet ``_dantoc`` that says which
form version, unit and period it belongs to and where each cell of the form is (sheet and
coordinate), with the value and comment it held when it was downloaded. The parser reads
that map, never the visible labels, and checks hidden row and column codes beside the grid,
so a sheet whose rows or columns were moved is refused rather than misread.

Comments (ghi chú) of a value travel as Excel cell notes on the value's cell.

Only what the reporter changed in the file is sent: a cell equal to what was downloaded is
left alone (a value entered on the web since the download is not overwritten by a stale
file), and an emptied cell deletes the value only if the downloaded file had one.
"""

from __future__ import annotations

import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from dantoc.core.csvfiles import xlsx_guard_workbook
from dantoc.core.errors import ImportRejected, RowError
from dantoc.geo.models import Unit
from dantoc.indicators.models import ValueType
from dantoc.indicators.values import ValueError_, normalise_value
from dantoc.reporting import selectors
from dantoc.reporting.models import DataValue, Period, ReportForm
from dantoc.reporting.permissions import can_enter
from dantoc.reporting.selectors import Cell, FormLayout
from dantoc.reporting.services import CellInput, SaveResult, datavalues_save

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A 5 MB zip can inflate to gigabytes, and openpyxl holds every cell in memory; a real
# report workbook inflates to well under 1 MB.
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
META_SHEET = "_dantoc"
FORMAT_VERSION = 1
COMMENT_AUTHOR = "dantoc"

# Grid position on every section sheet (the header block is above it).
CODE_ROW = 8  # hidden: column codes
HEADER_ROW = 9  # column labels
FIRST_ROW = 10  # first form row

NUMBER_FORMATS = {
    ValueType.INTEGER: "#,##0",
    ValueType.NUMBER: "#,##0.##",
    ValueType.PERCENTAGE: "#,##0.##",
    ValueType.TEXT: "@",
    ValueType.BOOLEAN: "General",
}

_GREY = PatternFill("solid", fgColor="D9D9D9")
_LIGHT_GREY = PatternFill("solid", fgColor="EDEDED")
_DARK_GREY = PatternFill("solid", fgColor="A6A6A6")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_UNLOCKED = Protection(locked=False)
_LOCKED = Protection(locked=True)
_BAD_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class WorkbookIdentity:
    """What the hidden sheet says the workbook is."""

    form_code: str
    form_version: int
    unit_code: str
    unit_name: str
    period_code: str


@dataclass(frozen=True)
class MappedCell:
    key: str
    sheet: str
    coordinate: str
    row_code: str
    column_code: str
    base_value: str  # the stored text of the value when the file was made ("" = none)
    base_comment: str


@dataclass(frozen=True)
class _SheetInfo:
    title: str
    section_code: str
    code_row: int
    code_column: int


@dataclass
class _Opened:
    workbook: Workbook
    data: bytes
    identity: WorkbookIdentity
    sheets: dict[str, _SheetInfo]
    cells: list[MappedCell]


# --- writing --------------------------------------------------------------------------------


def report_xlsx_filename(*, form: ReportForm, unit: Unit, period: Period) -> str:
    return f"{form.code}_{period.code}_{unit.code}.xlsx"


def _sheet_title(code: str, title: str, taken: set[str]) -> str:
    text = _BAD_TITLE_CHARS.sub(" ", f"{code} {title}")
    text = re.sub(r"\s+", " ", text).strip().strip("'")
    base = text[:31].rstrip() or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in taken or candidate == META_SHEET:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


def _excel_value(cell: Cell, value: DataValue | None):
    """The value as Excel should hold it: numbers as numbers, never as text."""
    if value is None or value.deleted:
        return None
    value_type = cell.indicator.value_type
    if value_type == ValueType.BOOLEAN:
        return _("Có") if value.value == "true" else _("Không")
    if value_type == ValueType.TEXT or value.numeric is None:
        return value.value
    number = value.numeric
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def _validation_for(value_type: str) -> DataValidation | None:
    if value_type in (ValueType.INTEGER, ValueType.NUMBER, ValueType.PERCENTAGE):
        integer = value_type == ValueType.INTEGER
        low, high = ("0", "100") if value_type == ValueType.PERCENTAGE else ("-1E+18", "1E+18")
        dv = DataValidation(
            type="whole" if integer else "decimal",
            operator="between",
            formula1=low,
            formula2=high,
            allow_blank=True,
        )
        dv.error = _("Ô này chỉ nhận số nguyên.") if integer else _("Ô này chỉ nhận số.")
    elif value_type == ValueType.BOOLEAN:
        dv = DataValidation(type="list", formula1=f'"{_("Có")},{_("Không")}"', allow_blank=True)
        dv.error = _("Chọn Có hoặc Không.")
    else:
        return None
    # A warning, not a stop: the server reads "1.234,5" typed as text in any Excel locale.
    dv.errorStyle = "warning"
    dv.errorTitle = _("Giá trị không hợp lệ")
    dv.showErrorMessage = True
    return dv


def report_workbook(
    *,
    form: ReportForm,
    unit: Unit,
    period: Period,
    values: dict[str, DataValue],
    layout: FormLayout | None = None,
) -> bytes:
    """The report as an XLSX file, pre-filled with ``values`` (cell key → DataValue)."""
    layout = layout or selectors.form_layout(form)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "dantoc"
    wb.properties.title = f"{form.code} {period.code} {unit.code}"
    meta = wb.create_sheet(META_SHEET)
    taken: set[str] = set()
    sheet_rows: list[tuple] = []
    cell_rows: list[tuple] = []

    for section in layout.sections:
        title = _sheet_title(section.code, section.title, taken)
        ws = wb.create_sheet(title, index=len(wb.sheetnames) - 1)
        columns = section.columns
        last_col = 1 + len(columns)
        code_col = last_col + 1
        header = [
            (
                _("BIỂU %(code)s (phiên bản %(version)s)")
                % {"code": form.code, "version": form.version},
                Font(bold=True, size=13),
            ),
            (form.name, Font(bold=True)),
            (
                _("Đơn vị báo cáo: %(name)s (mã %(code)s)")
                % {"name": unit.name, "code": unit.code},
                None,
            ),
            (
                _("Kỳ báo cáo: %(label)s (mã %(code)s)")
                % {"label": period.label, "code": period.code},
                None,
            ),
            (form.description, Font(italic=True)),
            (
                _(
                    "Không sửa các ô màu xám. Chỉ nhập vào các ô trắng; ghi chú của một ô "
                    "nhập bằng Ghi chú (Note) của Excel. Xoá số trong ô là xoá giá trị đó."
                ),
                Font(bold=True, color="C00000"),
            ),
            (section.title, Font(bold=True, size=12)),
        ]
        for row_index, (text, font) in enumerate(header, start=1):
            cell = ws.cell(row=row_index, column=1, value=text or None)
            if font is not None:
                cell.font = font
        ws.row_dimensions[2].height = 30
        ws.cell(row=2, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)

        # Hidden codes beside the grid: the parser checks them to notice moved rows/columns.
        ws.cell(row=CODE_ROW, column=1, value="#")
        ws.row_dimensions[CODE_ROW].hidden = True
        ws.column_dimensions[get_column_letter(code_col)].hidden = True
        label = ws.cell(row=HEADER_ROW, column=1, value=_("Chỉ tiêu"))
        label.font, label.fill, label.border = Font(bold=True), _GREY, _BORDER
        label.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for c_index, column in enumerate(columns, start=2):
            ws.cell(row=CODE_ROW, column=c_index, value=column.code)
            head = ws.cell(row=HEADER_ROW, column=c_index, value=column.label)
            head.font, head.fill, head.border = Font(bold=True), _GREY, _BORDER
            head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.column_dimensions[get_column_letter(c_index)].width = 16
        ws.row_dimensions[HEADER_ROW].height = 32
        ws.column_dimensions["A"].width = 48

        validations: dict[str, DataValidation] = {}
        for r_index, row in enumerate(section.rows, start=FIRST_ROW):
            ws.cell(row=r_index, column=code_col, value=row.code)
            head = ws.cell(row=r_index, column=1, value=row.label)
            head.fill, head.border = _LIGHT_GREY, _BORDER
            head.alignment = Alignment(wrap_text=True, vertical="center")
            for c_index, cell in enumerate(row.cells, start=2):
                target = ws.cell(row=r_index, column=c_index)
                target.border = _BORDER
                if cell is None:
                    target.fill, target.protection = _DARK_GREY, _LOCKED
                    continue
                value = values.get(cell.key)
                value_type = cell.indicator.value_type
                target.value = _excel_value(cell, value)
                target.number_format = NUMBER_FORMATS.get(value_type, "General")
                target.protection = _UNLOCKED
                if value is not None and value.comment:
                    note = Comment(value.comment, COMMENT_AUTHOR)
                    note.width, note.height = 240, 90
                    target.comment = note
                if value_type not in validations:
                    dv = _validation_for(value_type)
                    if dv is not None:
                        validations[value_type] = dv
                        ws.add_data_validation(dv)
                if value_type in validations:
                    validations[value_type].add(target)
                base_value = "" if value is None or value.deleted else value.value
                cell_rows.append(
                    (
                        "cell",
                        cell.key,
                        title,
                        target.coordinate,
                        row.code,
                        columns[c_index - 2].code,
                        base_value,
                        value.comment if value is not None and base_value else "",
                    )
                )
        ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2)
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        # Light protection: no password, labels and missing cells locked, input cells open;
        # the reporter may still resize rows and columns.
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        sheet_rows.append(("sheet", section.code, title, CODE_ROW, code_col))

    for row in [
        ("dantoc", "report", FORMAT_VERSION),
        ("form_code", form.code),
        ("form_version", form.version),
        ("form_name", form.name),
        ("unit_code", unit.code),
        ("unit_name", unit.name),
        ("period_code", period.code),
        ("period_type", form.period_type.code),
        ("kind", "section code / key", "sheet", "row / coordinate", "column"),
        *sheet_rows,
        *cell_rows,
    ]:
        meta.append(row)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 0
    # Keeps sheets from being renamed, deleted or unhidden (no password: Review → Unprotect
    # lifts it, and the parser still checks everything).
    wb.security = WorkbookProtection(lockStructure=True)
    # Text entered by a reporter stays text, even when it begins with "=".
    xlsx_guard_workbook(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading --------------------------------------------------------------------------------


def _reject(message: str, *, sheet: str = "", row: int = 0, column: str = "") -> ImportRejected:
    return ImportRejected([RowError(row, column, message, sheet)])


def _not_xlsx(extra: str = "") -> ImportRejected:
    message = _("Tệp tải lên không phải là tệp Excel .xlsx.")
    return _reject(f"{message} {extra}".strip())


def _open(data: bytes) -> _Opened:
    """Open an uploaded workbook and read its hidden sheet, or refuse it with a reason."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise _reject(
            _("Tệp lớn hơn %(mb)s MB: hãy tải lên đúng biểu mẫu đã tải về từ hệ thống.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _not_xlsx(
            _("Đây là tệp Excel 97-2003 (.xls): hãy mở bằng Excel và lưu lại dạng .xlsx.")
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise _not_xlsx() from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_xlsx()
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise _reject(_("Nội dung tệp quá lớn so với một biểu báo cáo."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions Excel adds are harmless
            wb = load_workbook(io.BytesIO(data))
    except Exception:  # openpyxl raises many kinds of error for a damaged file
        raise _not_xlsx() from None
    if META_SHEET not in wb.sheetnames:
        raise _reject(
            _(
                "Tệp không phải biểu mẫu tải về từ hệ thống (thiếu sheet ẩn “%(sheet)s”). "
                "Hãy tải biểu mẫu Excel của báo cáo này, điền vào đó rồi tải lên."
            )
            % {"sheet": META_SHEET}
        )
    return _read_meta(wb, data)


def _text(value) -> str:
    return "" if value is None else str(value)


def _read_meta(wb: Workbook, data: bytes) -> _Opened:
    broken = _reject(
        _("Trang tính ẩn “%(sheet)s” bị hỏng: hãy tải lại biểu mẫu từ hệ thống.")
        % {"sheet": META_SHEET},
        sheet=META_SHEET,
    )
    fields: dict[str, str] = {}
    sheets: dict[str, _SheetInfo] = {}
    cells: list[MappedCell] = []
    try:
        for row in wb[META_SHEET].iter_rows(values_only=True):
            row = [*row, *([None] * 8)]
            kind = _text(row[0])
            if kind == "sheet":
                info = _SheetInfo(_text(row[2]), _text(row[1]), int(row[3]), int(row[4]))
                sheets[info.title] = info
            elif kind == "cell":
                cells.append(MappedCell(*(_text(v) for v in row[1:8])))
            elif kind:
                fields[kind] = _text(row[1])
        identity = WorkbookIdentity(
            form_code=fields["form_code"],
            form_version=int(fields["form_version"]),
            unit_code=fields["unit_code"],
            unit_name=fields.get("unit_name", ""),
            period_code=fields["period_code"],
        )
    except (KeyError, TypeError, ValueError):
        raise broken from None
    if fields.get("dantoc") != "report" or any(c.sheet not in sheets for c in cells):
        raise broken
    from openpyxl.utils.cell import coordinate_from_string

    try:
        for cell in cells:
            coordinate_from_string(cell.coordinate)
    except (ValueError, TypeError):
        raise broken from None
    return _Opened(wb, data, identity, sheets, cells)


def _check_identity(
    identity: WorkbookIdentity, *, form: ReportForm, unit: Unit, period: Period
) -> None:
    if (identity.form_code, identity.unit_code, identity.period_code) != (
        form.code,
        unit.code,
        period.code,
    ):
        raise _reject(
            _(
                "Tệp này là biểu %(file_form)s kỳ %(file_period)s của %(file_unit)s, không "
                "phải biểu %(form)s kỳ %(period)s của %(unit)s. Hãy tải lên đúng tệp của báo "
                "cáo này."
            )
            % {
                "file_form": identity.form_code,
                "file_period": identity.period_code,
                "file_unit": identity.unit_name or identity.unit_code,
                "form": form.code,
                "period": period.code,
                "unit": unit.name,
            }
        )
    if identity.form_version != form.version:
        raise _reject(
            _(
                "Tệp được tạo từ phiên bản %(file_version)s của biểu %(form)s, còn báo cáo "
                "này dùng phiên bản %(version)s. Hãy tải lại biểu mẫu Excel và nhập vào đó."
            )
            % {
                "file_version": identity.form_version,
                "form": form.code,
                "version": form.version,
            }
        )


def _check_sheets(opened: _Opened) -> list[RowError]:
    """Sheets present and their grids where the map says (one error per sheet)."""
    errors = []
    wb = opened.workbook
    by_sheet: dict[str, list[MappedCell]] = {}
    for mapped in opened.cells:
        by_sheet.setdefault(mapped.sheet, []).append(mapped)
    for title, info in opened.sheets.items():
        if title not in wb.sheetnames:
            errors.append(
                RowError(
                    0,
                    "",
                    _(
                        "Không tìm thấy trang tính “%(sheet)s” (mục %(section)s): trang tính đã "
                        "bị đổi tên hoặc bị xoá. Hãy giữ nguyên tên các trang tính, hoặc tải lại "
                        "biểu mẫu."
                    )
                    % {"sheet": title, "section": info.section_code},
                    title,
                )
            )
            continue
        ws = wb[title]
        for mapped in by_sheet.get(title, []):
            target = ws[mapped.coordinate]
            row_code = _text(ws.cell(row=target.row, column=info.code_column).value)
            column_code = _text(ws.cell(row=info.code_row, column=target.column).value)
            if (row_code, column_code) != (mapped.row_code, mapped.column_code):
                errors.append(
                    RowError(
                        target.row,
                        target.column_letter,
                        _(
                            "Bố cục sheet đã bị thay đổi (dòng hoặc cột bị thêm, xoá hoặc di "
                            "chuyển) nên không đọc được đúng ô. Hãy hoàn tác thay đổi đó, hoặc "
                            "tải lại biểu mẫu và nhập lại."
                        ),
                        title,
                    )
                )
                break
    return errors


def _comment_text(comment: Comment | None) -> str:
    """The note as the reporter wrote it, without what Excel adds around it."""
    if comment is None:
        return ""
    text = comment.text or ""
    if text.startswith("[Threaded comment]"):
        # Excel 365 stores a threaded comment's legacy copy with an explanation first.
        _head, sep, rest = text.partition("Comment:\n")
        text = rest if sep else ""
    author = (comment.author or "").strip()
    if author and author != COMMENT_AUTHOR and text.startswith(f"{author}:"):
        # A note added in Excel starts with its author's name in bold.
        text = text[len(author) + 1 :]
    return text.strip()


def _raw_value(value):
    """Excel's cell value as datavalues_save takes it (numbers as Decimal, text as str)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() else f"{value:%d/%m/%Y}"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else str(value)
    text = str(value).strip()
    return text or None


def _same_as_downloaded(cell: Cell, raw, base: str) -> bool:
    try:
        text, number = normalise_value(cell.indicator.value_type, raw, decimal_comma=True)
    except ValueError_:
        return False
    if text == base:
        return True
    if number is None or not isinstance(raw, Decimal):
        return False
    try:
        # Excel keeps doubles: a long decimal comes back rounded to ~15 digits.
        return float(number) == float(Decimal(base))
    except ArithmeticError:
        return False


def _cached_values(opened: _Opened, formula_cells: list[tuple[str, str]]) -> dict:
    """The results Excel saved for formula cells (None when the file holds none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values_wb = load_workbook(io.BytesIO(opened.data), data_only=True, read_only=True)
    try:
        result = {}
        for sheet, coordinate in formula_cells:
            result[(sheet, coordinate)] = values_wb[sheet][coordinate].value
        return result
    finally:
        values_wb.close()


def _parse(
    opened: _Opened, *, form: ReportForm, unit: Unit, period: Period
) -> tuple[list[CellInput], dict[str, dict]]:
    _check_identity(opened.identity, form=form, unit=unit, period=period)
    errors = _check_sheets(opened)
    if errors:
        raise ImportRejected(errors)
    layout = selectors.form_layout(form)
    wb = opened.workbook
    locate: dict[str, dict] = {}
    found = []
    for mapped in opened.cells:
        target = wb[mapped.sheet][mapped.coordinate]
        locate[mapped.key] = {
            "row": target.row,
            "column": target.column_letter,
            "sheet": mapped.sheet,
        }
        found.append((mapped, target))
    formulas = [(m.sheet, m.coordinate) for m, t in found if t.data_type == "f"]
    cached = _cached_values(opened, formulas) if formulas else {}

    inputs: list[CellInput] = []
    for mapped, target in found:
        cell = layout.cells.get(mapped.key)
        value = target.value
        if target.data_type == "f":
            value = cached.get((mapped.sheet, mapped.coordinate))
            if value is None:
                errors.append(
                    RowError(
                        target.row,
                        target.column_letter,
                        _(
                            "Ô có công thức nhưng tệp không lưu kết quả tính: hãy mở tệp bằng "
                            "Excel, lưu lại rồi tải lên (hoặc nhập số thay cho công thức)."
                        ),
                        mapped.sheet,
                    )
                )
                continue
        raw = _raw_value(value)
        comment = _comment_text(target.comment)
        comment_changed = comment != mapped.base_comment
        if raw is None:
            if mapped.base_value:
                inputs.append(CellInput(mapped.key, None))
            continue
        if (
            cell is not None
            and not comment_changed
            and _same_as_downloaded(cell, raw, mapped.base_value)
        ):
            continue
        inputs.append(CellInput(mapped.key, raw, comment if comment_changed else None))
    if errors:
        raise ImportRejected(errors)
    return inputs, locate


def report_workbook_parse(
    *, form: ReportForm, unit: Unit, period: Period, data: bytes
) -> tuple[list[CellInput], dict[str, dict]]:
    """The changes an uploaded workbook makes, and where each cell is in it.

    Returns the inputs for ``datavalues_save`` and ``locate``: cell key → {"row", "column"
    (letter), "sheet"}. Raises ImportRejected for a file that is not an XLSX, too large, not
    made for this form version, unit and period, or whose sheets were renamed or rearranged.
    """
    return _parse(_open(data), form=form, unit=unit, period=period)


def _form_for_file(
    identity: WorkbookIdentity, *, form: ReportForm, unit: Unit, period: Period
) -> ReportForm:
    """A file made from an older version is read with that version only if this report
    was started on it (the submission keeps the version it was filed on)."""
    if identity.form_code != form.code or identity.form_version == form.version:
        return form
    submission = selectors.submission_for(form=form, unit=unit, period=period)
    if submission is not None and submission.form.version == identity.form_version:
        return submission.form
    return form


def report_xlsx_import(
    *,
    actor,
    form: ReportForm,
    unit: Unit,
    period: Period,
    data: bytes,
    today: datetime.date | None = None,
    progress: Callable[[int, int, str], object] | None = None,
) -> SaveResult:
    """Save what an uploaded workbook changes, all or nothing.

    Raises ImportRejected (nothing written) naming the sheet, row and column of each bad
    cell, ReportClosed when the report cannot be changed now, PermissionDenied when
    ``actor`` may not enter this unit's values. ``progress(done, total, stage)`` is told
    each step (open the file, read its sheets, save the values) as it starts.
    """
    if not can_enter(actor, unit):
        raise PermissionDenied(_("Bạn không được nhập số liệu cho đơn vị này."))
    tell = progress or (lambda done, total, stage: None)
    tell(0, 3, _("Đang mở tệp Excel"))
    opened = _open(data)
    form = _form_for_file(opened.identity, form=form, unit=unit, period=period)
    tell(1, 3, _("Đang đọc các trang tính"))
    inputs, locate = _parse(opened, form=form, unit=unit, period=period)
    tell(2, 3, _("Đang ghi số liệu"))
    return datavalues_save(
        actor=actor,
        form=form,
        unit=unit,
        period=period,
        inputs=inputs,
        source="xlsx",
        decimal_comma=True,
        all_or_nothing=True,
        today=today,
        locate=lambda key: locate.get(key, {"row": 0, "column": key}),
    )
