"""How much data is behind an aggregate: of the units that should report the forms behind the
figures, how many have (``319/3.321 xã đã báo cáo — 9,6 %``).

One selector for every screen: the dashboard, the pivot table, the aggregate report (PDF and
XLSX), the rankings and the analytics API all call :func:`coverage`, so they cannot disagree.

A reporting unit counts as having reported for a period when it has a report of the form, for
a period of the form's own kind that ends within it, that the figures count: approved, or
also submitted when unapproved figures are included. A waived report (miễn báo cáo) is not
expected. The expected units are those of the form's reporting level, in force at the end of
the period (at the hierarchy date when that is earlier), under the unit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dantoc.analytics.models import ComputedIndicator
from dantoc.analytics.query import AnalyticsResult, nominal_window
from dantoc.core.templatetags.vn import format_number_vi
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.selectors import valid_on_q
from dantoc.reporting import validation
from dantoc.reporting.models import (
    FormColumn,
    FormRow,
    ReportForm,
    Submission,
    SubmissionStatus,
)
from dantoc.reporting.periods import PeriodError

# Units whose figures rest on fewer than this share of their reporting units are not ranked:
# a province with 2 of 120 communes reporting would otherwise top a disbursement ranking.
COVERAGE_THRESHOLD = Decimal("50")

_ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Coverage:
    form_code: str
    unit_code: str
    period_code: str
    level: str  # the form's reporting level: what ``expected`` counts
    reported: int
    expected: int

    @property
    def percent(self) -> Decimal | None:
        if not self.expected:
            return None
        share = Decimal(100 * self.reported) / Decimal(self.expected)
        return share.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)

    @property
    def rankable(self) -> bool:
        """Enough of the unit's reporting units are behind its figures to rank it."""
        return self.percent is not None and self.percent >= COVERAGE_THRESHOLD

    @property
    def text(self) -> str:
        """ "319/3.321 xã đã báo cáo — 9,6 %" """
        if not self.expected:
            return _("không có đơn vị nào phải báo cáo")
        return _("%(reported)s/%(expected)s %(units)s đã báo cáo — %(percent)s %%") % {
            "reported": format_number_vi(Decimal(self.reported)),
            "expected": format_number_vi(Decimal(self.expected)),
            "units": level_noun(self.level),
            "percent": f"{self.percent:.1f}".replace(".", ","),
        }

    @property
    def short(self) -> str:
        """ "319/3.321" for a table cell."""
        return (
            f"{format_number_vi(Decimal(self.reported))}/{format_number_vi(Decimal(self.expected))}"
        )

    def as_dict(self) -> dict:
        return {
            "form": self.form_code,
            "ou": self.unit_code,
            "pe": self.period_code,
            "level": self.level,
            "reported": self.reported,
            "expected": self.expected,
            "percent": float(self.percent) if self.percent is not None else None,
            "rankable": self.rankable,
        }


def level_noun(level: str) -> str:
    """The reporting units counted, as in "319/3.321 xã đã báo cáo"."""
    nouns = {
        UnitLevel.COMMUNE: pgettext("coverage", "xã"),
        UnitLevel.DISTRICT: pgettext("coverage", "huyện"),
        UnitLevel.PROVINCE: pgettext("coverage", "tỉnh"),
        UnitLevel.COUNTRY: pgettext("coverage", "cơ quan trung ương"),
    }
    return nouns.get(level, pgettext("coverage", "đơn vị"))


def forms_behind(dx: list[str]) -> list[ReportForm]:
    """The active forms people report on that collect the indicators (or, for computed
    indicators, the indicators they are computed from), in code order. Forms the platform
    computes (``ReportForm.computed``) have no coverage: nobody is asked for them, and a
    commune that held no meeting has no report to count."""
    codes = set(dx)
    for computed in ComputedIndicator.objects.filter(code__in=dx):
        for expr in (computed.numerator, computed.denominator):
            if expr:
                try:
                    codes |= {ref.indicator for ref in validation.references(expr)}
                except validation.ExpressionError:
                    continue
    form_ids = set(
        FormRow.objects.filter(indicator__code__in=codes).values_list("section__form_id", flat=True)
    ) | set(
        FormColumn.objects.filter(indicator__code__in=codes).values_list(
            "section__form_id", flat=True
        )
    )
    return list(
        ReportForm.objects.filter(pk__in=form_ids, status="active", computed=False).order_by("code")
    )


def coverage(
    *,
    forms: list[ReportForm],
    units: list[Unit],
    period_codes: list[str],
    include_unapproved: bool = False,
    hierarchy_date: datetime.date | None = None,
) -> dict[tuple[str, str, str], Coverage]:
    """(form code, unit code, period code) → Coverage, for every combination asked.

    Per form and period two queries whatever the number of units (the expected units, the
    reports), counted in memory by the units' path prefixes."""
    counted = [SubmissionStatus.APPROVED]
    if include_unapproved:
        counted.append(SubmissionStatus.SUBMITTED)
    answer: dict[tuple[str, str, str], Coverage] = {}
    for form in forms:
        depth = _level_depth(form.reporting_level)
        roots = [u for u in units if u.path and _level_depth(u.level) <= depth]
        if not roots:
            continue
        by_path = {}
        for root in roots:
            by_path.setdefault(root.path, []).append(root)
        # Few units: their subtrees; many (a whole level): every unit, filtered in memory.
        under = _paths_q(_outermost(roots)) if len(roots) <= MAX_PATH_FILTERS else Q()
        for code in dict.fromkeys(period_codes):
            try:
                window = nominal_window(code)
            except (PeriodError, ValueError):
                continue
            as_of = min(window.end, hierarchy_date) if hierarchy_date else window.end
            expected = list(
                Unit.objects.filter(
                    valid_on_q(as_of), under, level=form.reporting_level
                ).values_list("id", "path")
            )
            waived, reported = set(), set()
            for unit_id, status in Submission.objects.filter(
                _paths_q(_outermost(roots), "unit__path")
                if len(roots) <= MAX_PATH_FILTERS
                else Q(),
                form_code=form.code,
                # A form period cut off on the 14th still ends within the calendar window.
                period__end_date__gte=window.start,
                period__end_date__lte=window.end,
                unit__level=form.reporting_level,
            ).values_list("unit_id", "status"):
                if status in counted:
                    reported.add(unit_id)
                elif status == SubmissionStatus.WAIVED:
                    waived.add(unit_id)
            counts = {path: [0, 0] for path in by_path}
            for unit_id, path in expected:
                if unit_id in waived and unit_id not in reported:
                    continue
                parts = path.strip("/").split("/")
                for n in range(1, len(parts) + 1):
                    count = counts.get("/" + "/".join(parts[:n]) + "/")
                    if count is not None:
                        count[0] += unit_id in reported
                        count[1] += 1
            for path, (rep, exp) in counts.items():
                for root in by_path[path]:
                    answer[(form.code, root.code, code)] = Coverage(
                        form.code, root.code, code, form.reporting_level, rep, exp
                    )
    return answer


MAX_PATH_FILTERS = 40


def _outermost(roots: list[Unit]) -> list[Unit]:
    """The roots not under another root."""
    paths = sorted({r.path for r in roots}, key=len)
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return [r for r in roots if r.path in kept and r.path in dict.fromkeys(kept)]


def _paths_q(roots: list[Unit], field: str = "path") -> Q:
    query = Q()
    for path in dict.fromkeys(r.path for r in roots):
        query |= Q(**{f"{field}__startswith": path})
    return query


_DEPTH = {
    UnitLevel.COUNTRY: 0,
    UnitLevel.PROVINCE: 1,
    UnitLevel.DISTRICT: 2,
    UnitLevel.COMMUNE: 3,
}


def _level_depth(level: str) -> int:
    return _DEPTH.get(level, 3)


def coverage_for_request(
    *,
    dx: list[str],
    units: list[Unit],
    period_codes: list[str],
    include_unapproved: bool,
    hierarchy_date: datetime.date | None,
) -> dict[tuple[str, str, str], Coverage]:
    return coverage(
        forms=forms_behind(dx),
        units=units,
        period_codes=period_codes,
        include_unapproved=include_unapproved,
        hierarchy_date=hierarchy_date,
    )


def coverage_of_result(result: AnalyticsResult) -> list[Coverage]:
    """The coverage behind an engine answer: for each form behind its data items, each of its
    units (those filtered on when units are not a dimension; the country when neither) and
    each of its periods."""
    request = result.request
    named = [
        c for c in request.filters.get("ou", []) if not c.startswith("LEVEL-") and c != "CHILDREN"
    ]
    ou_codes = result.dimension_items.get("ou") or named or ["VN"]
    period_codes = result.dimension_items.get("pe") or request.filters.get("pe", [])
    dx = result.dimension_items.get("dx") or request.filters.get("dx", []) or request.dx
    as_of = request.hierarchy_date or timezone.localdate()
    units = list(Unit.objects.filter(valid_on_q(as_of), code__in=ou_codes))
    found = coverage_for_request(
        dx=dx,
        units=units,
        period_codes=period_codes,
        include_unapproved=request.include_unapproved,
        hierarchy_date=request.hierarchy_date,
    )
    order = {code: n for n, code in enumerate(ou_codes)}
    return sorted(
        found.values(), key=lambda c: (c.form_code, c.period_code, order.get(c.unit_code, 0))
    )
