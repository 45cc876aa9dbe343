"""Reporting periods: DHIS2-style period ids mapped to date windows.

Ids: year ``2025``, semester ``2025S1``/``2025S2``, quarter ``2025Q1``..``2025Q4``, month
``202509`` and the cumulative "N months from the start of the year" report ``2025C9``
("báo cáo 9 tháng").

A :class:`PeriodRule` says which kind of id a report uses and where its months are cut. With
``cutoff_day=1`` periods are calendar periods. With any other cut-off day D, statistical month
M runs from day D of month M-1 to day D-1 of month M (the cut-off of Decree 09/2019/NĐ-CP,
art. 12), and every longer period is the union of its months: with D=15, quarter ``2025Q1``
is 15/12/2024 to 14/03/2025 and year ``2025`` is 15/12/2024 to 14/12/2025. D is 1..28 so that
day D exists in every month.

This module is plain Python (stdlib only, Django's translation used when it is importable) so
that the reporting models and the browser-side code can share it. It takes dates, never
datetimes: the caller decides which calendar day an instant falls on in Vietnam.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Period",
    "PeriodError",
    "PeriodKind",
    "PeriodRule",
    "kind_of",
    "next_period",
    "parse_period",
    "period_containing",
    "period_label",
    "periods_between",
    "previous_period",
]


def gettext_noop(message: str) -> str:
    """Marks a message for makemessages; :func:`_translate` translates it when shown."""
    return message


def _translate(message: str) -> str:
    # Django is optional here (the browser side has none) and may be installed but not set up
    # (a standalone script): an error message must still print, in Vietnamese.
    try:
        from django.conf import settings
        from django.utils.translation import gettext
    except ImportError:
        return message
    return gettext(message) if settings.configured else message


def _english() -> bool:
    try:
        from django.conf import settings
        from django.utils.translation import get_language
    except ImportError:
        return False
    return settings.configured and (get_language() or "vi").startswith("en")


def period_label(period) -> str:
    """How a period is named to a person, in the language being shown: "Quý IV/2026",
    "Tháng 3/2026", "Năm 2026" ("Q4 2026", "March 2026", "2026" in English). ``period`` is a
    :class:`Period` or anything with ``label`` and ``label_en`` (the reporting model). The one
    place that turns a period into words: codes such as ``2026Q4`` are for machines."""
    return period.label_en if _english() else period.label


MIN_YEAR = 2000
MAX_YEAR = 2100


class PeriodKind(StrEnum):
    YEAR = "year"
    SEMESTER = "semester"
    QUARTER = "quarter"
    MONTH = "month"
    CUMULATIVE = "cumulative"


# How many periods of each kind a year holds (a period then spans 12 // n months). There is
# one cumulative period a year; its length comes from the rule.
_PER_YEAR = {
    PeriodKind.YEAR: 1,
    PeriodKind.SEMESTER: 2,
    PeriodKind.QUARTER: 4,
    PeriodKind.MONTH: 12,
    PeriodKind.CUMULATIVE: 1,
}

# [0-9] rather than \d, which also matches other scripts' digits.
_SHAPE = re.compile(
    r"(?P<year>[0-9]{4})(?:(?P<letter>[SQC])(?P<index>[0-9]{1,2})|(?P<month>[0-9]{2}))?"
)
_LETTER_KIND = {"S": PeriodKind.SEMESTER, "Q": PeriodKind.QUARTER, "C": PeriodKind.CUMULATIVE}


class PeriodError(ValueError):
    """A period id that is malformed, of the wrong kind for the rule, or out of range.

    ``code`` is the offending id. The message is built when it is shown, so it follows the
    language active at that moment rather than the one active when the id was parsed.
    """

    def __init__(self, code: str, reason: str, params: dict[str, object] | None = None) -> None:
        super().__init__(code, reason, params)
        self.code = code
        self.reason = reason
        self.params = params or {}

    def __str__(self) -> str:
        reason = _translate(self.reason) % self.params
        return _translate(gettext_noop("Kỳ báo cáo '%(code)s' không hợp lệ: %(reason)s")) % {
            "code": self.code,
            "reason": reason,
        }


@dataclass(frozen=True)
class PeriodRule:
    """How a report's period ids map to dates.

    ``cumulative_months`` is required for, and only allowed with, kind ``cumulative``: a rule
    for the 9-month report accepts ``2025C9`` and refuses ``2025C6``.
    """

    kind: PeriodKind
    cutoff_day: int = 1
    cumulative_months: int | None = None

    def __post_init__(self) -> None:
        # Accept the plain string a model field or a settings file holds.
        object.__setattr__(self, "kind", PeriodKind(self.kind))
        if not _is_int(self.cutoff_day) or not 1 <= self.cutoff_day <= 28:
            raise ValueError(f"cutoff_day must be an integer from 1 to 28, not {self.cutoff_day!r}")
        if self.kind is PeriodKind.CUMULATIVE:
            n = self.cumulative_months
            if n is None or not _is_int(n) or not 1 <= n <= 12:
                raise ValueError(
                    f"a cumulative rule needs cumulative_months from 1 to 12, not {n!r}"
                )
        elif self.cumulative_months is not None:
            raise ValueError(f"cumulative_months is only for cumulative rules, not {self.kind}")


@dataclass(frozen=True)
class Period:
    code: str
    kind: PeriodKind
    start: date
    end: date  # inclusive

    def __contains__(self, day: date) -> bool:
        return self.start <= _as_day(day) <= self.end

    @property
    def year(self) -> int:
        return int(self.code[:4])

    @property
    def index(self) -> int:
        """Semester, quarter or month number; N of a cumulative id; 1 for a year."""
        return int(self.code[4:].lstrip("SQC") or 1)

    # Labels name the nominal period whatever the cut-off: with cut-off day 15, month 9 is
    # still "Tháng 9/2025". Each label has a fixed language (bilingual exports show both), so
    # they are not run through gettext.
    @property
    def label(self) -> str:
        y, i = self.year, self.index
        match self.kind:
            case PeriodKind.YEAR:
                return f"Năm {y}"
            case PeriodKind.SEMESTER:
                return f"6 tháng {'đầu' if i == 1 else 'cuối'} năm {y}"
            case PeriodKind.QUARTER:
                return f"Quý {_ROMAN[i]}/{y}"
            case PeriodKind.MONTH:
                return f"Tháng {i}/{y}"
            case PeriodKind.CUMULATIVE:
                return f"{i} tháng năm {y}"

    @property
    def label_en(self) -> str:
        y, i = self.year, self.index
        match self.kind:
            case PeriodKind.YEAR:
                return str(y)
            case PeriodKind.SEMESTER:
                return f"{'First' if i == 1 else 'Second'} half of {y}"
            case PeriodKind.QUARTER:
                return f"Q{i} {y}"
            case PeriodKind.MONTH:
                return f"{_MONTHS_EN[i]} {y}"
            case PeriodKind.CUMULATIVE:
                if i == 1:
                    return f"January {y}"
                return f"January\N{EN DASH}{_MONTHS_EN[i]} {y}"


_ROMAN = ("", "I", "II", "III", "IV")
# Not calendar.month_name: that follows the process locale.
_MONTHS_EN = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def kind_of(code: str) -> PeriodKind:
    """The kind of period an id has the shape of, without checking its numbers.

    ``kind_of("2025Q5")`` is a quarter; :func:`parse_period` then refuses it.
    """
    match = _SHAPE.fullmatch(code) if isinstance(code, str) else None
    if match is None:
        raise PeriodError(
            str(code),
            gettext_noop("mã kỳ phải có dạng 2025, 2025S1, 2025Q3, 202509 hoặc 2025C9"),
        )
    if match["letter"]:
        return _LETTER_KIND[match["letter"]]
    if match["month"]:
        return PeriodKind.MONTH
    return PeriodKind.YEAR


def parse_period(code: str, rule: PeriodRule) -> Period:
    """The period an id names under ``rule``; :class:`PeriodError` if the id does not fit it."""
    match = _SHAPE.fullmatch(code) if isinstance(code, str) else None
    if match is None or kind_of(code) is not rule.kind:
        raise _wrong_kind(str(code), rule)
    year = int(match["year"])
    digits = match["month"] or match["index"] or "1"
    # Compared as text so that non-canonical ids ("2025Q03") are refused too: one period,
    # one id.
    if rule.kind is PeriodKind.CUMULATIVE:
        if digits != str(rule.cumulative_months):
            raise _wrong_kind(code, rule)
    elif rule.kind is PeriodKind.MONTH:
        if digits not in {f"{m:02d}" for m in range(1, 13)}:
            raise PeriodError(code, gettext_noop("tháng phải từ 01 đến 12 (dạng 202509)"))
    elif digits not in {str(i) for i in range(1, _PER_YEAR[rule.kind] + 1)}:
        if rule.kind is PeriodKind.SEMESTER:
            raise PeriodError(code, gettext_noop("nửa năm phải là 1 hoặc 2 (dạng 2025S1)"))
        raise PeriodError(code, gettext_noop("quý phải từ 1 đến 4 (dạng 2025Q3)"))
    return _build(year, int(digits), rule)


def period_containing(day: date, rule: PeriodRule) -> Period:
    """The period of the rule's kind whose window contains ``day``.

    For a cumulative rule this is the ``C<N>`` period of the reporting year ``day`` falls in,
    even when ``day`` is after that period's end: on 01/11/2025 it is still ``2025C9``, this
    year's 9-month report, not next year's. Test ``day in period`` when that matters. With a cut-off day the reporting year can start in the previous December, so on
    20/12/2025 with cut-off 15 it is ``2026C9``.
    """
    year, month = _statistical_month(_as_day(day), rule.cutoff_day)
    kind = rule.kind
    if kind is PeriodKind.CUMULATIVE:
        index = rule.cumulative_months
    else:
        index = (month - 1) // (12 // _PER_YEAR[kind]) + 1
    return _build(year, index, rule)


def periods_between(start: date, end: date, rule: PeriodRule) -> list[Period]:
    """Every period of the rule's kind overlapping ``start``..``end`` (inclusive), in order.

    An empty interval (``end`` before ``start``) overlaps nothing. Cumulative periods leave
    gaps between them, so an interval can fall between two and get no period.
    """
    start, end = _as_day(start), _as_day(end)
    periods: list[Period] = []
    if end < start:
        return periods
    period = period_containing(start, rule)  # starts on or before ``start``
    while True:
        if period.end >= start:
            periods.append(period)
        # Checked before building the next period, which may be past the supported years.
        if _next_start(period, rule) > end:
            return periods
        period = next_period(period, rule)


def next_period(period: Period, rule: PeriodRule) -> Period:
    """The period after ``period`` (for cumulative: the same report a year later).

    Dates come from ``rule``, so the id is what matters.
    """
    return _step(period, rule, 1)


def previous_period(period: Period, rule: PeriodRule) -> Period:
    """The period before ``period`` (for cumulative: the same report a year earlier)."""
    return _step(period, rule, -1)


def _step(period: Period, rule: PeriodRule, delta: int) -> Period:
    current = parse_period(period.code, rule)
    per_year = _PER_YEAR[rule.kind]
    if rule.kind is PeriodKind.CUMULATIVE:
        return _build(current.year + delta, current.index, rule)
    ordinal = current.year * per_year + current.index - 1 + delta
    return _build(ordinal // per_year, ordinal % per_year + 1, rule)


def _next_start(period: Period, rule: PeriodRule) -> date:
    if rule.kind is PeriodKind.CUMULATIVE:
        return _month_start(period.year + 1, 1, rule.cutoff_day)
    return period.end + timedelta(days=1)


def _build(year: int, index: int, rule: PeriodRule) -> Period:
    kind = rule.kind
    code = _code(kind, year, index)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            code,
            gettext_noop("năm phải từ %(min)s đến %(max)s"),
            {"min": MIN_YEAR, "max": MAX_YEAR},
        )
    if kind is PeriodKind.CUMULATIVE:
        first, last = 1, index
    else:
        span = 12 // _PER_YEAR[kind]
        first = (index - 1) * span + 1
        last = first + span - 1
    start = _month_start(year, first, rule.cutoff_day)
    end = _month_start(year, last + 1, rule.cutoff_day) - timedelta(days=1)
    return Period(code=code, kind=kind, start=start, end=end)


def _code(kind: PeriodKind, year: int, index: int) -> str:
    match kind:
        case PeriodKind.YEAR:
            return f"{year}"
        case PeriodKind.SEMESTER:
            return f"{year}S{index}"
        case PeriodKind.QUARTER:
            return f"{year}Q{index}"
        case PeriodKind.MONTH:
            return f"{year}{index:02d}"
        case PeriodKind.CUMULATIVE:
            return f"{year}C{index}"


def _month_start(year: int, month: int, cutoff_day: int) -> date:
    """First day of statistical month ``month`` of ``year``; ``month`` may be 13."""
    # With a cut-off, month M starts on the cut-off day of month M-1.
    months = year * 12 + month - 1 - (0 if cutoff_day == 1 else 1)
    return date(months // 12, months % 12 + 1, cutoff_day)


def _statistical_month(day: date, cutoff_day: int) -> tuple[int, int]:
    """(year, month) of the statistical month ``day`` falls in."""
    if cutoff_day == 1 or day.day < cutoff_day:
        return day.year, day.month
    if day.month == 12:
        return day.year + 1, 1
    return day.year, day.month + 1


def _wrong_kind(code: str, rule: PeriodRule) -> PeriodError:
    match rule.kind:
        case PeriodKind.YEAR:
            return PeriodError(code, gettext_noop("cần mã năm (dạng 2025)"))
        case PeriodKind.SEMESTER:
            return PeriodError(code, gettext_noop("cần mã 6 tháng (dạng 2025S1 hoặc 2025S2)"))
        case PeriodKind.QUARTER:
            return PeriodError(code, gettext_noop("cần mã quý (dạng 2025Q3)"))
        case PeriodKind.MONTH:
            return PeriodError(code, gettext_noop("cần mã tháng (dạng 202509)"))
        case PeriodKind.CUMULATIVE:
            return PeriodError(
                code,
                gettext_noop("cần mã báo cáo %(n)s tháng (dạng 2025C%(n)s)"),
                {"n": rule.cumulative_months},
            )


def _as_day(day: date) -> date:
    # datetime is a date subclass, and .date() of an aware datetime gives the day in its own
    # zone, not necessarily Vietnam's: make the caller choose.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(
            f"expected a date, not {type(day).__name__}; convert to the local day first"
        )
    return day


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def recent_periods(rule: PeriodRule, today: date, *, back: int = 8, ahead: int = 1) -> list[Period]:
    """The period containing ``today`` with ``ahead`` after it and ``back`` before, latest
    first: the choices a period picker offers."""
    current = period_containing(today, rule)
    later = []
    p = current
    for _i in range(ahead):
        p = next_period(p, rule)
        later.append(p)
    earlier = []
    p = current
    for _i in range(back):
        p = previous_period(p, rule)
        earlier.append(p)
    return [*reversed(later), current, *earlier]
