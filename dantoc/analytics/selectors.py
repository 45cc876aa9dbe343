"""Reads for the analytics pages: the dashboard of a unit and the pivot table, both built on
``query.analytics_run`` so that they show exactly what the API and the exports give."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import BooleanField, Exists, OuterRef, Q, Value
from django.urls import reverse
from django.utils.translation import gettext as _

from dantoc.analytics import charts
from dantoc.analytics.coverage import (
    Coverage,
    coverage,
    coverage_for_request,
    coverage_of_result,
    forms_behind,
)
from dantoc.analytics.models import ComputedIndicator, Target
from dantoc.analytics.query import AnalyticsRequest, AnalyticsResult, analytics_run
from dantoc.core import registry
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.selectors import valid_on_q
from dantoc.indicators.models import Indicator
from dantoc.reporting.models import (
    DataValue,
    FormColumn,
    FormRow,
    Submission,
    SubmissionStatus,
)

# The figures a dashboard leads with: capital allocated and disbursed, the disbursement
# rate, the households Project 1 supported; then those other apps declare (``key_figures``
# on their AppConfig: the share of meetings held online, of festivals digitised), left out
# where they are not loaded.
PROGRAMME_KEY_FIGURES = ["VON_KH", "VON_GN", "TL_GN", "DA1_HO_DUOC_HT"]


def key_figure_codes() -> list[str]:
    return list(dict.fromkeys([*PROGRAMME_KEY_FIGURES, *registry.key_figures()]))


RATE = "TL_GN"


@dataclass
class KeyFigure:
    code: str
    name: str
    value: Decimal | None
    unit_of_measure: str
    decimals: int
    target: Decimal | None
    progress: str = ""
    href: str = ""


@dataclass
class Dashboard:
    unit: Unit
    year: int
    include_unapproved: bool
    key_figures: list[KeyFigure]
    series_chart: str
    project_chart: str
    ranking_chart: str
    tile_grid: str
    # (unit, disbursement rate, disbursed, coverage of the rate's form)
    children: list[tuple[Unit, Decimal | None, Decimal | None, Coverage | None]]
    data_as_of: datetime.datetime | None
    unapproved_in: bool
    partial_predecessors: list[str] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)  # the unit's, one per form
    unranked: list[tuple[Unit, Coverage]] = field(default_factory=list)  # below the threshold


def item_names(codes: list[str]) -> dict[str, tuple[str, str, int]]:
    """code → (name, unit of measure, decimals) for indicators and computed indicators."""
    names = {}
    for i in Indicator.objects.filter(code__in=codes):
        names[i.code] = (i.localized_name, i.unit_of_measure, 0 if i.value_type == "integer" else 1)
    for c in ComputedIndicator.objects.filter(code__in=codes):
        names[c.code] = (c.localized_name, c.unit_of_measure, c.decimals)
    return names


def _latest(results: list[AnalyticsResult]) -> datetime.datetime | None:
    stamps = [r.data_as_of for r in results if r.data_as_of]
    return max(stamps) if stamps else None


def dashboard(
    *, unit: Unit, year: int, include_unapproved: bool, today: datetime.date
) -> Dashboard:
    as_of = min(today, datetime.date(year, 12, 31)) if unit.valid_to is None else unit.valid_to
    codes = key_figure_codes()
    names = item_names([*codes, "VON_KH", "VON_GN"])
    codes = [c for c in codes if c in names]
    year_id = str(year)
    quarters = [f"{year}Q{q}" for q in range(1, 5)]

    def run(**kwargs) -> AnalyticsResult:
        return analytics_run(
            AnalyticsRequest(include_unapproved=include_unapproved, hierarchy_date=as_of, **kwargs)
        )

    # One call for the key figures, the quarters and the children's ranking: the unit and
    # its children named one by one (``CHILDREN`` would answer the children only).
    child_units = (
        sorted(Unit.objects.filter(valid_on_q(as_of), parent=unit), key=lambda u: u.code)
        if unit.level != UnitLevel.COMMUNE
        else []
    )
    key = run(
        dx=list(dict.fromkeys([*codes, "VON_KH", "VON_GN", RATE])),
        pe=[year_id, *quarters],
        ou=[unit.code, *(c.code for c in child_units)],
    )
    # (dx, pe, ou) → value: one look-up per figure instead of a scan of the answer's rows.
    cell = {(r.keys["dx"], r.keys["pe"], r.keys["ou"]): r.value for r in key.rows}
    projects = run(dx=["VON_GN"], pe=[year_id], ou=[unit.code], categories={"DU_AN": []})
    results = [key, projects]
    children_result = key if child_units else None

    forms = forms_behind(codes)
    covered = coverage(
        forms=forms,
        units=[unit, *child_units],
        period_codes=[year_id],
        include_unapproved=include_unapproved,
        hierarchy_date=as_of,
    )
    rate_forms = [f.code for f in forms_behind([RATE])]
    rate_form = rate_forms[0] if rate_forms else None

    targets = {t.code: t.value for t in Target.objects.filter(unit=unit, year=year, code__in=codes)}
    figures = []
    pages = registry.key_figure_pages()
    for code in codes:
        name, uom, decimals = names[code]
        value = cell.get((code, year_id, unit.code))
        target = targets.get(code)
        progress = ""
        if target is not None:
            progress = charts.progress_bar(
                label=name, actual=value, target=target, unit_label=uom, decimals=decimals
            )
        href = ""
        if code in pages:
            href = f"{reverse(pages[code])}?unit={unit.code}&year={year}"
        figures.append(KeyFigure(code, name, value, uom, decimals, target, progress, href))

    series_chart = charts.bar_chart(
        title=_("Kế hoạch vốn và vốn giải ngân theo quý, năm %(year)s") % {"year": year},
        categories=[f"Q{q}" for q in range(1, 5)],
        series=[
            charts.Series(names[c][0], [cell.get((c, q, unit.code)) for q in quarters])
            for c in ("VON_KH", "VON_GN")
        ],
        unit_label=names["VON_KH"][1],
        id_prefix="quy",
    )
    # Projects in their own order (DA1, DA2 … DA10), named as the catalogue names them.
    project_items = sorted(
        ((row.keys["DU_AN"], row.value) for row in projects.rows),
        key=lambda item: (len(item[0]), item[0]),
    )
    project_chart = charts.ranking_bars(
        title=_("Vốn đã giải ngân theo dự án thành phần, năm %(year)s") % {"year": year},
        items=[
            charts.RankItem(projects.items.get(code) or code, value)
            for code, value in project_items
        ],
        unit_label=names["VON_GN"][1],
        id_prefix="duan",
    )
    ranking_chart = tile_grid = ""
    children: list = []
    unranked: list = []
    if children_result is not None:
        for child in child_units:
            children.append(
                (
                    child,
                    cell.get((RATE, year_id, child.code)),
                    cell.get(("VON_GN", year_id, child.code)),
                    covered.get((rate_form, child.code, year_id)),
                )
            )
        # Units whose rate rests on too few reports are left out of the ranking, and named.
        rankable = [c for c in children if c[3] is None or c[3].rankable]
        unranked = [(c[0], c[3]) for c in children if c[3] is not None and not c[3].rankable]
        ranked = sorted(rankable, key=lambda c: (c[1] is None, -(c[1] or 0), c[0].code))
        url = reverse("analytics:dashboard")
        ranking_chart = charts.ranking_bars(
            title=_("Xếp hạng tỷ lệ giải ngân của các đơn vị trực thuộc, năm %(year)s")
            % {"year": year},
            items=[
                charts.RankItem(c.short_name, rate, href=f"{url}?unit={c.code}&year={year}")
                for c, rate, _gn, _cov in ranked
            ],
            unit_label="%",
            max_items=15,
            id_prefix="xephang",
        )
        if unit.level == UnitLevel.COUNTRY and len(children) == len(charts.PROVINCE_TILES):
            tile_grid = charts.province_tile_grid(
                title=_("Tỷ lệ giải ngân theo tỉnh, thành phố, năm %(year)s") % {"year": year},
                values={c.code: rate for c, rate, _gn, _cov in children},
                names={c.code: c.name for c, _r, _g, _cov in children},
                hrefs={c.code: f"{url}?unit={c.code}&year={year}" for c, _r, _g, _cov in children},
                legend_label=_("Tỷ lệ giải ngân (%)"),
                id_prefix="bando",
            )
    return Dashboard(
        unit=unit,
        year=year,
        include_unapproved=include_unapproved,
        key_figures=figures,
        series_chart=series_chart,
        project_chart=project_chart,
        ranking_chart=ranking_chart,
        tile_grid=tile_grid,
        children=children,
        data_as_of=_latest(results),
        unapproved_in=any(row.unapproved for r in results for row in r.rows),
        partial_predecessors=key.partial_predecessors.get(unit.code, []),
        coverage=[covered[k] for k in covered if k[1] == unit.code],
        unranked=unranked,
    )


# --- pivot ---------------------------------------------------------------------------------


@dataclass
class PivotTable:
    result: AnalyticsResult
    columns: list[tuple[str, str]]  # (dx, pe)
    rows: list[tuple[str, tuple[str, ...]]]  # (ou, category options)
    cells: dict[tuple, Decimal]
    flags: dict[tuple, bool]
    category: str | None
    # Column headings by name: ("Vốn đã giải ngân", "Quý I/2026") for ("VON_GN", "2026Q1").
    column_labels: list[tuple[str, str]] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)  # of the unit the table is about
    row_coverage: dict[str, list[Coverage]] = field(default_factory=dict)  # per unit row

    def row_coverage_text(self, ou: str) -> str:
        """ "12/45" with one form and period; named by form and period with several."""
        found = self.row_coverage.get(ou, [])
        if len(found) == 1:
            return found[0].short
        items = self.result.items
        return "; ".join(
            f"{c.form_code} {items.get(c.period_code, c.period_code)}: {c.short}" for c in found
        )


def pivot(
    result: AnalyticsResult, *, category: str | None, about: Unit | None = None
) -> PivotTable:
    """The engine's answer as a table, with the coverage of each unit row and of ``about``
    (the unit the table is about: the units shown lie under it)."""
    dx = result.dimension_items["dx"]
    pe = result.dimension_items["pe"]
    ou = result.dimension_items["ou"]
    options = result.dimension_items.get(category, []) if category else []
    columns = [(d, p) for d in dx for p in pe]
    rows = [(o, (opt,) if category else ()) for o in ou for opt in (options or [None])]
    cells, flags = {}, {}
    for row in result.rows:
        opt = (row.keys[category],) if category else ()
        key = (row.keys["ou"], opt, row.keys["dx"], row.keys["pe"])
        cells[key] = row.value
        flags[key] = row.unapproved
    items = result.items
    labels = [(items.get(d, d), items.get(p, p)) for d, p in columns]
    row_coverage: dict[str, list[Coverage]] = {}
    for found in coverage_of_result(result):
        row_coverage.setdefault(found.unit_code, []).append(found)
    headline = []
    if about is not None:
        headline = list(
            coverage_for_request(
                dx=dx,
                units=[about],
                period_codes=pe,
                include_unapproved=result.request.include_unapproved,
                hierarchy_date=result.request.hierarchy_date,
            ).values()
        )
    return PivotTable(result, columns, rows, cells, flags, category, labels, headline, row_coverage)


def pivot_lines(table: PivotTable) -> list[list]:
    """The pivot as lines of plain values (header first), for CSV and XLSX."""
    items = table.result.items
    head = [_("Mã đơn vị"), _("Đơn vị")]
    if table.category:
        head += [_("Mã phân tổ"), items.get(table.category, table.category)]
    head += [f"{items.get(d, d)} – {items.get(p, p)}" for d, p in table.columns]
    head.append(_("Đã báo cáo"))
    lines: list[list] = [head]
    for ou, opts in table.rows:
        line = [ou, items.get(ou, ou)]
        if table.category:
            opt = opts[0]
            line += [opt, items.get(opt) or items.get(f"{table.category}={opt}", opt)]
        line += [table.cells.get((ou, opts, d, p)) for d, p in table.columns]
        line.append(table.row_coverage_text(ou))
        lines.append(line)
    return lines


def coverage_lines(table: PivotTable) -> list[str]:
    """The table's coverage as sentences: "Biểu BM01-VON, Quý III/2026: 319/3.321 xã đã báo
    cáo — 9,6 %"."""
    items = table.result.items
    return [
        _("Biểu %(form)s, %(period)s: %(text)s")
        % {"form": c.form_code, "period": items.get(c.period_code, c.period_code), "text": c.text}
        for c in table.coverage
    ]


# --- raw stored values (``/api/analytics/rawData``) -----------------------------------------


def forms_holding(indicator_ids: list[int]) -> dict[int, set[int]]:
    """indicator id → the ids of the forms (every version) that have a cell for it: a value
    counts as approved when its unit's report on one of them is approved (as in the
    roll-ups, ``rollups._FORM_INDICATORS``)."""
    found: dict[int, set[int]] = {i: set() for i in indicator_ids}
    for model in (FormRow, FormColumn):
        for indicator_id, form_id in (
            model.objects.filter(indicator_id__in=indicator_ids)
            .order_by()
            .values_list("indicator_id", "section__form_id")
            .distinct()
        ):
            found[indicator_id].add(form_id)
    return found


def units_under(paths: list[str]) -> list[int]:
    """The ids of the units whose path lies under one of ``paths`` (the units themselves
    included), whatever their dates: a value stays with the unit that reported it."""
    kept = sorted(set(paths))
    # A path under another one adds nothing.
    prefixes = [p for n, p in enumerate(kept) if not any(p.startswith(q) for q in kept[:n])]
    if len(prefixes) <= 50:
        condition = Q()
        for prefix in prefixes:
            condition |= Q(path__startswith=prefix)
        return list(Unit.objects.filter(condition).values_list("pk", flat=True))
    # Many subtrees (every commune of a province): one pass over the unit table rather than
    # a statement of thousands of LIKEs.
    roots = {int(p.strip("/").split("/")[-1]) for p in prefixes}
    return [
        pk
        for pk, path in Unit.objects.values_list("pk", "path").iterator(chunk_size=5000)
        if any(int(part) in roots for part in path.strip("/").split("/"))
    ]


def raw_values(
    *,
    indicator_id: int,
    form_ids: set[int],
    period_ids: list[int],
    unit_ids: list[int] | None,
    approved_only: bool,
) -> Iterator[tuple[str, int, str, str, Decimal, bool]]:
    """Each stored numeric value of one indicator in these periods and units (``None``: every
    unit) as ``(unit code, period id, period code, options key, number, approved)``, read
    from the values table (not the roll-ups, which only keep sums) as a stream, in the order
    of the values' unique index (unit, period, options)."""
    values = DataValue.objects.filter(
        indicator_id=indicator_id, period_id__in=period_ids, deleted=False, numeric__isnull=False
    )
    if unit_ids is not None:
        values = values.filter(unit_id__in=unit_ids)
    if form_ids:
        approved = Exists(
            Submission.objects.filter(
                status=SubmissionStatus.APPROVED,
                unit_id=OuterRef("unit_id"),
                period_id=OuterRef("period_id"),
                form_id__in=form_ids,
            )
        )
    else:  # no form holds the indicator (any longer): nothing of it is approved
        approved = Value(False, output_field=BooleanField())
    values = values.annotate(approved=approved)
    if approved_only:
        if not form_ids:
            return
        values = values.filter(approved=True)
    values = values.order_by("unit_id", "period_id", "options_key").values_list(
        "unit__code", "period_id", "period__code", "options_key", "numeric", "approved"
    )
    # Read in a transaction: PostgreSQL then streams through a plain server-side cursor.
    # Outside one, Django declares it WITH HOLD, which computes the whole result before the
    # first row, with a plan made for a fast first row (``cursor_tuple_fraction``): 7 to 20
    # times slower than the plain query on the benchmark's national data set.
    with transaction.atomic(using=values.db):
        if connections[values.db].vendor == "postgresql":
            with connections[values.db].cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield from values.iterator(chunk_size=5000)
