"""The aggregate report (báo cáo tổng hợp) of a unit for a period, as an official document.

Every figure comes from :func:`dantoc.analytics.query.analytics_run`, the engine behind the
API, the pivot table and the dashboards, so the report cannot disagree with any screen. This
module only decides the document's shape: which figures go into which table, and the issuer,
number, place, recipients and signer that Decree 30/2020/NĐ-CP asks for.

The document is always Vietnamese (it is the legal form of a report in any UI language), so it
is built under ``translation.override("vi")``.

Who issues it:

- the country: the ministry in charge of the programme since 1 March 2025, *Bộ Dân tộc và Tôn
  giáo* (founded on the former Ủy ban Dân tộc; its documents carry the symbol "BDTTG", as in
  Thông tư 01/2026/TT-BDTTG). A ministry is run by its minister: the signer block is
  "KT. BỘ TRƯỞNG / THỨ TRƯỞNG";
- any other unit: its People's Committee, "ỦY BAN NHÂN DÂN" and the unit's name, number
  symbol "/BC-UBND", signed "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH".

The period is one of the form's own kind (a quarter for BM01-VON, whose capital figures are
cumulative from January: adding its quarters into a year would count them several times), and
not one that has not begun.

Neither has a governing-body line (cơ quan chủ quản): people's committees and ministries head
their documents with their own name. The number is left blank for the clerk to write in, as is
the signer's name.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dantoc.analytics.coverage import Coverage, coverage, level_noun
from dantoc.analytics.documents import AdminDocument, DocRow, DocTable, HeaderCell
from dantoc.analytics.permissions import can_include_unapproved, can_view_analytics
from dantoc.analytics.query import AnalyticsRequest, AnalyticsResult, analytics_run
from dantoc.core.templatetags.vn import format_number_vi
from dantoc.geo.models import REFORM_DATE, Unit, UnitLevel
from dantoc.geo.selectors import valid_on_q
from dantoc.reporting import selectors as reporting_selectors
from dantoc.reporting.models import ReportForm
from dantoc.reporting.periods import Period as PeriodWindow
from dantoc.reporting.periods import PeriodError, parse_period

MINISTRY = "Bộ Dân tộc và Tôn giáo"
MINISTRY_SYMBOL = "BDTTG"
CAPITAL = "Hà Nội"  # where the ministry sits: the place of its documents
UNAPPROVED_MARK = "*"
TOTAL_LABEL = "TỔNG CỘNG"
PARTIAL_NOTE_LIMIT = 10  # old units named in the note before "và N đơn vị khác"

CAPITAL_FORM = "BM01-VON"
HOUSEHOLD_FORM = "BM02-DA1"
KH, GN, RATE, RATE_TW = "VON_KH", "VON_GN", "TL_GN", "TL_GN_TW"
SOURCES = ["TW", "DP"]
HOUSEHOLDS = ["DA1_HO_DAT_O", "DA1_HO_NHA_O", "DA1_HO_DAT_SX", "DA1_HO_NUOC"]
HOUSEHOLDS_TOTAL = "DA1_HO_DUOC_HT"


class ReportError(ValueError):
    """A report that cannot be made as asked; the message says what to change."""


# --- the pieces of the document -----------------------------------------------------------


@dataclass
class _Figures:
    """What the tables were computed from: newest change, unapproved data, split old units."""

    include_unapproved: bool
    data_as_of: datetime.datetime | None = None
    any_unapproved: bool = False
    partial: dict[str, list[str]] = field(default_factory=dict)

    def run(self, request: AnalyticsRequest) -> _Result:
        request.include_unapproved = self.include_unapproved
        result = analytics_run(request)
        if result.data_as_of and (self.data_as_of is None or result.data_as_of > self.data_as_of):
            self.data_as_of = result.data_as_of
        self.any_unapproved = self.any_unapproved or any(r.unapproved for r in result.rows)
        for code, old in result.partial_predecessors.items():
            self.partial.setdefault(code, [])
            self.partial[code] += [c for c in old if c not in self.partial[code]]
        return _Result(result)


class _Result:
    """An engine answer for one period, its rows indexed by their other dimension items."""

    def __init__(self, result: AnalyticsResult) -> None:
        self.items = result.items
        self.dimension_items = result.dimension_items
        self._rows = {
            frozenset((k, v) for k, v in row.keys.items() if k != "pe"): row for row in result.rows
        }

    def get(self, **keys: str) -> tuple[Decimal | None, bool]:
        """(value, contains unapproved data) of the row with these items (all but pe)."""
        row = self._rows.get(frozenset(keys.items()))
        return (row.value, row.unapproved) if row is not None else (None, False)


def _label(text: str, unapproved: bool) -> str:
    return f"{text} {UNAPPROVED_MARK}" if unapproved else text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _unit_body(unit: Unit) -> str:
    """The issuing body in running text: "Ủy ban nhân dân tỉnh Tuyên Quang"."""
    if unit.level == UnitLevel.COUNTRY:
        return MINISTRY
    return f"Ủy ban nhân dân {_lower_first(unit.name)}"


def _issuer(unit: Unit) -> str:
    if unit.level == UnitLevel.COUNTRY:
        return MINISTRY.upper()
    return f"ỦY BAN NHÂN DÂN {unit.name.upper()}"


def _place(unit: Unit) -> str:
    """Decree 30/2020, Appendix I, II.4: the proper name of the unit where the issuer sits
    (the province for its committee, the commune for a commune's); the full name when the
    proper name is a person's name or a number ("Thành phố Hồ Chí Minh", "Phường 1")."""
    if unit.level == UnitLevel.COUNTRY:
        return CAPITAL
    short = unit.short_name or unit.name
    if short.isdigit() or short == "Hồ Chí Minh":
        return unit.name
    return short


def _recipients(unit: Unit) -> list[str]:
    if unit.level == UnitLevel.COUNTRY:
        return ["Thủ tướng Chính phủ (để báo cáo)", "Bộ Tài chính", "Lưu: VT"]
    parent = unit.parent
    if parent is None or parent.level == UnitLevel.COUNTRY:
        return [f"{MINISTRY} (để báo cáo)", "Lưu: VT"]
    return [f"UBND {_lower_first(parent.name)} (để báo cáo)", "Lưu: VT"]


def _signer(unit: Unit) -> tuple[str, str]:
    if unit.level == UnitLevel.COUNTRY:
        return "KT. BỘ TRƯỞNG", "THỨ TRƯỞNG"
    return "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"


def _unit_of_measure(form: ReportForm, default: str) -> str:
    """The unit the form's description names ("Đơn vị tính: triệu đồng.")."""
    found = re.search(r"Đơn vị tính:\s*([^.;\n]+)", form.description or "")
    return found.group(1).strip() if found else default


def _other_sentences(form: ReportForm) -> list[str]:
    """The description's sentences other than the unit of measure."""
    parts = re.split(r"(?<=\.)\s+", (form.description or "").strip())
    return [p for p in parts if p and not p.startswith("Đơn vị tính")]


def _project_label(code: str, name: str) -> str:
    # Options are named "DA1: Giải quyết …"; a report writes "Dự án 1: Giải quyết …".
    return re.sub(r"^DA(\d+):\s*", r"Dự án \1: ", name) if name else code


def _project_number(code: str) -> str:
    return code[2:] if code.startswith("DA") else code


# --- BM01-VON: capital allocated and disbursed ------------------------------------------------


def _capital_header(first: str, covered: str = "") -> list[list[HeaderCell | str]]:
    return [
        [
            HeaderCell("TT", rowspan=2),
            HeaderCell(first, rowspan=2),
            HeaderCell("Kế hoạch vốn được giao", colspan=3),
            HeaderCell("Vốn đã giải ngân", colspan=3),
            HeaderCell("Tỷ lệ giải ngân (%)", colspan=2),
            *([HeaderCell(covered, rowspan=2)] if covered else []),
        ],
        ["Tổng số", "NS trung ương", "NS địa phương"] * 2 + ["Tổng số", "NS trung ương"],
    ]


def _capital_cells(totals: _Result, sources: _Result, **keys):
    """The eight figures of one row and whether any is unapproved."""
    cells: list[Decimal | None] = []
    unapproved = False
    for dx in (KH, GN):
        value, u = totals.get(dx=dx, **keys)
        cells.append(value)
        unapproved = unapproved or u
        for source in SOURCES:
            value, u = sources.get(dx=dx, NGUON_VON=source, **keys)
            cells.append(value)
            unapproved = unapproved or u
    for dx in (RATE, RATE_TW):
        value, u = totals.get(dx=dx, **keys)
        cells.append(value)
        unapproved = unapproved or u
    return cells, unapproved


def _capital_tables(ctx: _Context) -> tuple[list[DocTable], list[str]]:
    ou = ctx.unit.code
    run = ctx.figures.run
    dx_all = [KH, GN, RATE, RATE_TW]
    req = ctx.request
    total = run(req(dx=dx_all, ou=[ou]))
    total_src = run(req(dx=[KH, GN], ou=[ou], categories={"NGUON_VON": SOURCES}))
    by_project = run(req(dx=dx_all, ou=[ou], categories={"DU_AN": []}))
    by_project_src = run(req(dx=[KH, GN], ou=[ou], categories={"DU_AN": [], "NGUON_VON": SOURCES}))
    # The total counts every source; only the two budgets have columns of their own.
    unit_note = (
        f"Đơn vị tính: {_unit_of_measure(ctx.form, 'triệu đồng')}. Cột “Tổng số” gồm cả vốn "
        "lồng ghép và vốn huy động hợp pháp khác."
    )

    total_cells, total_u = _capital_cells(total, total_src, ou=ou)
    rows = [DocRow(["", _label(TOTAL_LABEL, total_u), *total_cells], total=True)]
    for project in by_project.dimension_items["DU_AN"]:
        cells, unapproved = _capital_cells(by_project, by_project_src, ou=ou, DU_AN=project)
        name = _project_label(project, by_project.items.get(project, ""))
        rows.append(DocRow([_project_number(project), _label(name, unapproved), *cells]))
    tables = [
        DocTable(
            caption="Biểu 1. Kế hoạch vốn và giải ngân theo dự án thành phần",
            header=_capital_header("Dự án thành phần"),
            rows=rows,
            unit_note=unit_note,
            label_column=1,
        )
    ]

    if ctx.has_children:
        children = run(req(dx=dx_all, ou=[ou, "CHILDREN"]))
        children_src = run(req(dx=[KH, GN], ou=[ou, "CHILDREN"], categories={"NGUON_VON": SOURCES}))
        rows = [
            DocRow(["", _label(TOTAL_LABEL, total_u), *total_cells, ctx.covered(ou)], total=True)
        ]
        for number, code in enumerate(_sorted_units(children), start=1):
            cells, unapproved = _capital_cells(children, children_src, ou=code)
            name = _label(children.items.get(code, code), unapproved)
            rows.append(DocRow([str(number), name, *cells, ctx.covered(code)]))
        tables.append(
            DocTable(
                caption=f"Biểu 2. Kế hoạch vốn và giải ngân theo {ctx.children_word}",
                header=_capital_header(
                    ctx.children_word[:1].upper() + ctx.children_word[1:], ctx.covered_heading
                ),
                rows=rows,
                unit_note=unit_note,
                label_column=1,
            )
        )

    summary = []
    kh, gn, rate = total_cells[0], total_cells[3], total_cells[6]
    if kh is not None:
        unit = _unit_of_measure(ctx.form, "triệu đồng")
        text = f"Tổng kế hoạch vốn được giao là {format_number_vi(kh)} {unit}"
        if gn is not None:
            text += f"; đã giải ngân {format_number_vi(gn)} {unit}"
            if rate is not None:
                text += f", đạt {format_number_vi(rate)}% kế hoạch"
        summary.append(text + ".")
    return tables, summary


# --- BM02-DA1: households supported by Project 1 -------------------------------------------


def _household_header(first: str, covered: str = "") -> list[list[HeaderCell | str]]:
    return [
        [
            HeaderCell("TT", rowspan=2),
            HeaderCell(first, rowspan=2),
            HeaderCell("Số hộ được hỗ trợ", colspan=4),
            HeaderCell("Tổng số lượt hộ được hỗ trợ", rowspan=2),
            *([HeaderCell(covered, rowspan=2)] if covered else []),
        ],
        ["Đất ở", "Nhà ở", "Đất sản xuất", "Nước sinh hoạt"],
    ]


def _household_cells(result: _Result, **keys):
    cells: list[Decimal | None] = []
    unapproved = False
    for dx in [*HOUSEHOLDS, HOUSEHOLDS_TOTAL]:
        value, u = result.get(dx=dx, **keys)
        cells.append(value)
        unapproved = unapproved or u
    return cells, unapproved


def _household_tables(ctx: _Context) -> tuple[list[DocTable], list[str]]:
    ou = ctx.unit.code
    dx = [*HOUSEHOLDS, HOUSEHOLDS_TOTAL]
    run, req = ctx.figures.run, ctx.request
    total = run(req(dx=dx, ou=[ou]))
    by_group = run(req(dx=dx, ou=[ou], categories={"DAN_TOC": []}))
    unit_note = f"Đơn vị tính: {_unit_of_measure(ctx.form, 'hộ')}"

    total_cells, total_u = _household_cells(total, ou=ou)
    rows = [DocRow(["", _label(TOTAL_LABEL, total_u), *total_cells], total=True)]
    number = 0
    for group in by_group.dimension_items["DAN_TOC"]:
        cells, unapproved = _household_cells(by_group, ou=ou, DAN_TOC=group)
        if all(c is None for c in cells):
            continue  # only the ethnic groups with households supported
        number += 1
        # An option code equal to a unit code ("08") is named under "DAN_TOC=08".
        name = by_group.items.get(f"DAN_TOC={group}") or by_group.items.get(group, group)
        rows.append(DocRow([str(number), _label(name, unapproved), *cells]))
    tables = [
        DocTable(
            caption="Biểu 1. Số hộ được hỗ trợ theo dân tộc của chủ hộ",
            header=_household_header("Dân tộc"),
            rows=rows,
            unit_note=unit_note,
            label_column=1,
        )
    ]
    if ctx.has_children:
        children = run(req(dx=dx, ou=[ou, "CHILDREN"]))
        rows = [
            DocRow(["", _label(TOTAL_LABEL, total_u), *total_cells, ctx.covered(ou)], total=True)
        ]
        for number, code in enumerate(_sorted_units(children), start=1):
            cells, unapproved = _household_cells(children, ou=code)
            name = _label(children.items.get(code, code), unapproved)
            rows.append(DocRow([str(number), name, *cells, ctx.covered(code)]))
        tables.append(
            DocTable(
                caption=f"Biểu 2. Số hộ được hỗ trợ theo {ctx.children_word}",
                header=_household_header(
                    ctx.children_word[:1].upper() + ctx.children_word[1:], ctx.covered_heading
                ),
                rows=rows,
                unit_note=unit_note,
                label_column=1,
            )
        )
    summary = []
    if total_cells[-1] is not None:
        summary.append(
            f"Tổng số lượt hộ được hỗ trợ trong kỳ là {format_number_vi(total_cells[-1])} lượt hộ."
        )
    return tables, summary


# --- any other form: each indicator in one column -------------------------------------------


def _generic_tables(ctx: _Context) -> tuple[list[DocTable], list[str]]:
    layout = reporting_selectors.form_layout(ctx.form)
    indicators = []
    for section in layout.sections:
        for row in section.rows:
            for cell in row.cells:
                if cell is not None and cell.indicator not in indicators:
                    indicators.append(cell.indicator)
    if not indicators:
        return [], []
    ou = ctx.unit.code
    result = ctx.figures.run(ctx.request(dx=[i.code for i in indicators], ou=[ou]))
    rows = []
    for number, indicator in enumerate(indicators, start=1):
        value, unapproved = result.get(dx=indicator.code, ou=ou)
        name = _label(indicator.name, unapproved)
        rows.append(DocRow([str(number), name, indicator.unit_of_measure or "", value]))
    table = DocTable(
        caption=f"Biểu 1. Kết quả thực hiện theo biểu {ctx.form.code}",
        header=[["TT", "Chỉ tiêu", "Đơn vị tính", ctx.window.label]],
        rows=rows,
        label_column=1,
    )
    return [table], []


# --- the report -------------------------------------------------------------------------------


@dataclass
class _Context:
    form: ReportForm
    window: PeriodWindow
    unit: Unit
    hierarchy_date: datetime.date
    figures: _Figures
    has_children: bool
    children_word: str
    coverage: dict[str, Coverage] = field(default_factory=dict)  # unit code → coverage
    child_level: str | None = None

    def request(self, **kwargs) -> AnalyticsRequest:
        return AnalyticsRequest(pe=[self.window.code], hierarchy_date=self.hierarchy_date, **kwargs)

    @property
    def covered_heading(self) -> str:
        """The per-unit coverage column: "Số xã đã báo cáo", or "Đã báo cáo" where the rows
        are the reporting units themselves."""
        if self.form.reporting_level == self.child_level:
            return "Đã báo cáo"
        return f"Số {level_noun(self.form.reporting_level)} đã báo cáo"

    def covered(self, code: str) -> str:
        found = self.coverage.get(code)
        if found is None or not found.expected:
            return "—"
        if self.form.reporting_level == self.child_level and code != self.unit.code:
            return "Đã báo cáo" if found.reported else "Chưa báo cáo"
        return found.short


def _sorted_units(result: _Result) -> list[str]:
    return sorted(result.dimension_items["ou"])


def _children_word(unit: Unit, children: list[Unit]) -> str:
    if unit.level == UnitLevel.COUNTRY:
        return "tỉnh, thành phố"
    levels = {c.level for c in children}
    if levels == {UnitLevel.DISTRICT}:
        return "huyện, quận, thị xã, thành phố"
    return "xã, phường"


def report_form(code: str) -> ReportForm:
    form = reporting_selectors.form_get(code=(code or "").strip())
    if form is None:
        raise ReportError(_("Không có biểu mẫu mã “%(code)s”.") % {"code": code})
    return form


def report_period(form: ReportForm, code: str, today: datetime.date) -> PeriodWindow:
    """The period of the form's kind with this id; not one that has not begun."""
    try:
        window = parse_period((code or "").strip(), form.period_type.rule())
    except PeriodError as exc:
        raise ReportError(
            _("Kỳ báo cáo không hợp lệ cho biểu %(form)s: %(reason)s")
            % {"form": form.code, "reason": exc}
        ) from exc
    if window.start > today:
        raise ReportError(
            _("Kỳ %(period)s chưa bắt đầu, chưa có số liệu để tổng hợp.") % {"period": window.label}
        )
    return window


def hierarchy_date_for(unit: Unit, window: PeriodWindow, today: datetime.date) -> datetime.date:
    """The units in force today; for a unit abolished since, those of its last day."""
    if unit.is_valid_on(today):
        return today
    return min(window.end, unit.valid_to) if unit.valid_to else window.end


def aggregate_report(
    *,
    form_code: str,
    unit: Unit,
    period_code: str,
    actor,
    include_unapproved: bool = False,
    today: datetime.date | None = None,
) -> AdminDocument:
    """The aggregate report of ``unit`` for a period of a form, from approved figures (and the
    others too, each row marked, when ``include_unapproved``).

    Raises PermissionDenied when the actor may not read analytics or, asking for unapproved
    figures, the unit is outside their scope; ReportError for a form, period or unit the
    report cannot be made for."""
    if not can_view_analytics(actor):
        raise PermissionDenied(_("Tài khoản này không được xem số liệu tổng hợp."))
    if include_unapproved and not can_include_unapproved(actor, [unit]):
        raise PermissionDenied(_("Số liệu chưa duyệt của đơn vị này ngoài phạm vi của bạn."))
    today = today or timezone.localdate()
    form = report_form(form_code)
    window = report_period(form, period_code, today)
    # The document itself is Vietnamese in any UI language (names of indicators, options).
    with translation.override("vi"):
        return _build(
            form=form,
            unit=unit,
            window=window,
            include_unapproved=include_unapproved,
            today=today,
        )


def _build(*, form, unit, window, include_unapproved, today) -> AdminDocument:
    as_of = hierarchy_date_for(unit, window, today)
    children = list(unit.children.filter(valid_on_q(as_of)).order_by("code"))
    ctx = _Context(
        form=form,
        window=window,
        unit=unit,
        hierarchy_date=as_of,
        figures=_Figures(include_unapproved=include_unapproved),
        has_children=bool(children),
        children_word=_children_word(unit, children),
        coverage={
            unit_code: found
            for (_form, unit_code, _pe), found in coverage(
                forms=[form],
                units=[unit, *children],
                period_codes=[window.code],
                include_unapproved=include_unapproved,
                hierarchy_date=as_of,
            ).items()
        },
        child_level=children[0].level if children else None,
    )
    if form.code == CAPITAL_FORM:
        tables, summary = _capital_tables(ctx)
        subject = " (kế hoạch vốn và giải ngân vốn)"
    elif form.code == HOUSEHOLD_FORM:
        tables, summary = _household_tables(ctx)
        subject = " (Dự án 1: hỗ trợ đất ở, nhà ở, đất sản xuất, nước sinh hoạt)"
    else:
        tables, summary = _generic_tables(ctx)
        subject = f" (biểu {form.code})"

    programme = form.programme
    programme_short = (programme.short_name or programme.name) if programme else "Chương trình"
    period_text = _lower_first(window.label)
    abstract = f"Tổng hợp kết quả thực hiện {programme_short}{subject} kỳ {period_text}"

    basis = (form.legal_basis or "").strip().rstrip(".")
    intro = (
        f"Thực hiện chế độ báo cáo {programme_short}"
        + (f" (căn cứ: {basis})" if basis else "")
        + f", {_unit_body(unit)} tổng hợp kết quả thực hiện kỳ {period_text} theo "
        f"{_lower_first(form.name)} (mã biểu {form.code}) như sau:"
    )
    intro_paragraphs = [intro, *summary]
    own = ctx.coverage.get(unit.code)
    if own is not None and own.expected:
        # How much data is behind the figures, before any figure is read.
        intro_paragraphs.append(f"Số liệu tổng hợp từ {own.text}.")
    if include_unapproved:
        intro_paragraphs.append(
            "Báo cáo này gồm cả số liệu chưa duyệt, chỉ dùng để theo dõi; các dòng có số liệu "
            f"chưa duyệt được đánh dấu {UNAPPROVED_MARK}."
        )

    authority, title = _signer(unit)
    return AdminDocument(
        issuer=_issuer(unit),
        number_symbol=f"/BC-{MINISTRY_SYMBOL if unit.level == UnitLevel.COUNTRY else 'UBND'}",
        place=_place(unit),
        date=today,
        title="BÁO CÁO",
        abstract=abstract,
        intro_paragraphs=intro_paragraphs,
        tables=tables,
        notes=_notes(ctx),
        recipients=_recipients(unit),
        signer_authority=authority,
        signer_title=title,
        signer_name="",
    )


def _stamp(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return local.strftime("%H:%M ngày %d/%m/%Y")


def _notes(ctx: _Context) -> list[str]:
    figures = ctx.figures
    notes = []
    if figures.include_unapproved:
        text = "Số liệu tổng hợp gồm cả số liệu chưa duyệt"
        if figures.data_as_of:
            text += f", cập nhật đến {_stamp(figures.data_as_of)}"
        text += (
            f"; dòng đánh dấu {UNAPPROVED_MARK} có số liệu chưa duyệt."
            if figures.any_unapproved
            else "; trong kỳ này không có số liệu chưa duyệt."
        )
        notes.append(text)
    elif figures.data_as_of:
        notes.append(
            "Số liệu tổng hợp từ các báo cáo đã được duyệt, cập nhật đến "
            f"{_stamp(figures.data_as_of)}."
        )
    else:
        notes.append("Chưa có báo cáo nào đã được duyệt có số liệu cho kỳ này.")
    if ctx.form.code == CAPITAL_FORM:
        notes += _other_sentences(ctx.form)  # "Số liệu luỹ kế từ đầu năm đến hết kỳ báo cáo."
    notes += _partial_notes(ctx)
    return notes


def _partial_notes(ctx: _Context) -> list[str]:
    """Old units split between several new ones in the 2025 reform: their figures cannot be
    given to any one new unit, so they are left out. Only periods before the reform can hold
    figures of old units."""
    if ctx.window.start >= REFORM_DATE or not ctx.figures.partial:
        return []
    old_codes = sorted({c for codes in ctx.figures.partial.values() for c in codes})
    names = dict(
        Unit.objects.filter(code__in=old_codes, valid_to__isnull=False)
        .order_by("code", "-valid_to")
        .values_list("code", "name")
    )
    shown = [f"{names.get(c, c)} (mã {c})" for c in old_codes[:PARTIAL_NOTE_LIMIT]]
    more = len(old_codes) - len(shown)
    text = ", ".join(shown) + (f" và {more} đơn vị khác" if more > 0 else "")
    return [
        "Không gồm số liệu trước ngày 01/7/2025 của các đơn vị cũ được chia tách cho nhiều "
        f"đơn vị mới khi sắp xếp đơn vị hành chính: {text}."
    ]


def report_filename(form_code: str, period_code: str, unit_code: str, extension: str) -> str:
    """ASCII: "bao-cao-tong-hop-BM01-VON-2026Q3-08.pdf"."""
    parts = [re.sub(r"[^A-Za-z0-9-]", "", p) for p in (form_code, period_code, unit_code)]
    return f"bao-cao-tong-hop-{'-'.join(parts)}.{extension}"
