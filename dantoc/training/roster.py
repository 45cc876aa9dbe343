"""Rosters of the officials who must be trained, uploaded by units as XLSX.

Many officials who manage or carry out the programme (village heads, commune staff without a
role on the platform) have no account, so the 100 % goal cannot be counted from accounts
alone. A unit downloads the template, fills one row per official and uploads it; the file is
read and checked whole (:func:`roster_xlsx_read`, nothing written) and then replaces the
roster of every unit it names (:func:`dantoc.training.services.roster_replace`), so uploading
the same file again changes nothing and a corrected file replaces the wrong one. Any problem
rejects the whole file, each named by row and column as a spreadsheet user looks for it.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.accounts.permissions import unit_in_scope
from dantoc.core.csvfiles import xlsx_row
from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.text import nfc
from dantoc.geo.models import Unit
from dantoc.geo.selectors import units_valid_on

MAX_BYTES = 5 * 2**20
MAX_ROWS = 20_000
SHEET = "Danh sách cán bộ"
COLUMNS = [
    ("unit", "Mã đơn vị"),
    ("full_name", "Họ và tên"),
    ("position", "Chức vụ"),
    ("email", "Thư điện tử"),
    ("phone", "Điện thoại"),
    ("trained_on", "Ngày hoàn thành tập huấn (dd/mm/yyyy)"),
    ("trained_where", "Lớp tập huấn"),
]
_PHONE = re.compile(r"\+?[0-9 .]{8,15}")


@dataclass(frozen=True)
class RosterRow:
    row: int
    unit: Unit
    full_name: str
    position: str
    email: str
    phone: str
    trained_on: datetime.date | None
    trained_where: str


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def units_for(actor) -> list[Unit]:
    """The units whose roster ``actor`` may upload: theirs and those under it, valid today."""
    return [
        u
        for u in units_valid_on().filter(path__startswith=actor.unit.path).order_by("path")
        if unit_in_scope(actor, u)
    ]


def template_xlsx(*, actor) -> bytes:
    """The file to fill: the header, one example row, and a sheet of the unit codes."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([header for _key, header in COLUMNS])
    sheet.append(
        xlsx_row(
            sheet,
            [actor.unit.code, "Nguyễn Văn A", "Trưởng thôn", "", "0912345678", "", ""],
        )
    )
    for letter, width in zip("ABCDEFG", (12, 28, 22, 28, 14, 22, 36), strict=True):
        sheet.column_dimensions[letter].width = width
    codes = book.create_sheet("Mã đơn vị")
    codes.append([_("Mã đơn vị"), _("Tên đơn vị")])
    for unit in units_for(actor)[:5000]:
        codes.append(xlsx_row(codes, [unit.code, unit.name]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def _date(value, today: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.datetime.strptime(_text(value), "%d/%m/%Y").date()
        except ValueError:
            raise ValueError(
                _("Ngày “%(v)s” không đúng dạng dd/mm/yyyy.") % {"v": _text(value)}
            ) from None
    if day > today:
        raise ValueError(_("Ngày hoàn thành tập huấn không thể ở tương lai."))
    return day


def roster_xlsx_read(data: bytes, *, actor) -> list[RosterRow]:
    """Parse and check a whole roster; every problem at once in ImportRejected (row, column),
    or the rows. Nothing is written here."""
    if len(data) > MAX_BYTES:
        raise ImportRejected(
            [RowError(0, "", _("Tệp lớn hơn %(mb)s MB.") % {"mb": MAX_BYTES // 2**20})]
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRejected([RowError(0, "", _("Tệp tải lên không phải là tệp Excel .xlsx."))])
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportRejected(
            [RowError(0, "", _("Không đọc được tệp Excel: %(reason)s") % {"reason": exc})]
        ) from exc
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    book.close()
    if not rows:
        raise ImportRejected([RowError(1, "", _("Trang tính trống."))])
    header = [_text(c) for c in rows[0]]
    errors: list[RowError] = []
    for i, (_key, name) in enumerate(COLUMNS):
        if i >= len(header) or header[i] != name:
            errors.append(
                RowError(1, _letter(i), _("Cần tiêu đề cột “%(name)s”.") % {"name": name})
            )
    if errors:
        raise ImportRejected(errors)
    if len(rows) > MAX_ROWS + 1:
        raise ImportRejected(
            [RowError(0, "", _("Tối đa %(n)d dòng mỗi lần tải lên.") % {"n": MAX_ROWS})]
        )
    units = {u.code: u for u in units_valid_on()}
    allowed = {u.pk for u in units_for(actor)}
    col = {key: i for i, (key, _h) in enumerate(COLUMNS)}
    today = timezone.localdate()
    seen: dict[tuple, int] = {}
    result = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = list(raw) + [None] * len(COLUMNS)
        if not any(_text(c) for c in cells[: len(COLUMNS)]):
            continue

        def bad(key, message, number=number):
            errors.append(RowError(number, _letter(col[key]), message))

        def cell(key, cells=cells):
            return cells[col[key]]

        code = _text(cell("unit"))
        unit = units.get(code) or units.get(code.zfill(2)) or units.get(code.zfill(5))
        if not code:
            bad("unit", _("Thiếu mã đơn vị."))
        elif unit is None:
            bad("unit", _("Không có đơn vị mã “%(code)s”.") % {"code": code})
        elif unit.pk not in allowed:
            bad(
                "unit",
                _("Đơn vị “%(name)s” không thuộc phạm vi của anh/chị.") % {"name": unit.name},
            )
        name = _text(cell("full_name"))
        if not name:
            bad("full_name", _("Thiếu họ và tên."))
        elif len(name) > 200:
            bad("full_name", _("Họ và tên dài quá 200 ký tự."))
        position = _text(cell("position"))
        if len(position) > 200:
            bad("position", _("Chức vụ dài quá 200 ký tự."))
        email = _text(cell("email")).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                bad("email", _("Thư điện tử “%(v)s” không hợp lệ.") % {"v": email})
        phone = _text(cell("phone"))
        if phone and not _PHONE.fullmatch(phone):
            bad("phone", _("Số điện thoại “%(v)s” không hợp lệ.") % {"v": phone})
        trained_on = None
        if _text(cell("trained_on")):
            try:
                trained_on = _date(cell("trained_on"), today)
            except ValueError as exc:
                bad("trained_on", str(exc))
        where = _text(cell("trained_where"))
        if len(where) > 300:
            bad("trained_where", _("Tên lớp tập huấn dài quá 300 ký tự."))
        if unit is not None and name:
            key = (unit.pk, name.casefold(), email or phone)
            if key in seen:
                bad(
                    "full_name",
                    _("Trùng với dòng %(row)d (cùng đơn vị, họ tên và liên hệ).")
                    % {"row": seen[key]},
                )
            seen.setdefault(key, number)
        if unit is not None:
            result.append(RosterRow(number, unit, name, position, email, phone, trained_on, where))
    if errors:
        raise ImportRejected(errors)
    if not result:
        raise ImportRejected([RowError(2, "", _("Không có dòng nào để nhập."))])
    return result
