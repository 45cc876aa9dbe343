import calendar
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dantoc.reporting.periods import (
    Period,
    PeriodError,
    PeriodKind,
    PeriodRule,
    kind_of,
    next_period,
    parse_period,
    period_containing,
    periods_between,
    previous_period,
)

YEAR = PeriodRule(PeriodKind.YEAR)
SEMESTER = PeriodRule(PeriodKind.SEMESTER)
QUARTER = PeriodRule(PeriodKind.QUARTER)
MONTH = PeriodRule(PeriodKind.MONTH)
NINE_MONTHS = PeriodRule(PeriodKind.CUMULATIVE, cumulative_months=9)
ALL_CALENDAR_RULES = [YEAR, SEMESTER, QUARTER, MONTH, NINE_MONTHS]


def rule(kind, cutoff_day=1, n=None):
    return PeriodRule(kind, cutoff_day=cutoff_day, cumulative_months=n)


def error_text(code, a_rule):
    with pytest.raises(PeriodError) as caught:
        parse_period(code, a_rule)
    return str(caught.value)


# Decree 09/2019/NĐ-CP statistical cut-off on the 15th.


@pytest.mark.parametrize(
    ("code", "a_rule", "start", "end"),
    [
        ("202509", rule("month", 15), date(2025, 8, 15), date(2025, 9, 14)),
        ("2025Q1", rule("quarter", 15), date(2024, 12, 15), date(2025, 3, 14)),
        ("2025", rule("year", 15), date(2024, 12, 15), date(2025, 12, 14)),
        ("2025C9", rule("cumulative", 15, 9), date(2024, 12, 15), date(2025, 9, 14)),
        ("2025S2", rule("semester", 15), date(2025, 6, 15), date(2025, 12, 14)),
    ],
)
def test_cutoff_day_15_shifts_every_window_back_to_the_15th(code, a_rule, start, end):
    period = parse_period(code, a_rule)

    assert (period.start, period.end) == (start, end)
    assert period.code == code
    assert period.kind is a_rule.kind


@pytest.mark.parametrize(
    ("code", "a_rule", "start", "end"),
    [
        ("2025", YEAR, date(2025, 1, 1), date(2025, 12, 31)),
        ("2025S1", SEMESTER, date(2025, 1, 1), date(2025, 6, 30)),
        ("2025S2", SEMESTER, date(2025, 7, 1), date(2025, 12, 31)),
        ("2025Q3", QUARTER, date(2025, 7, 1), date(2025, 9, 30)),
        ("2025Q4", QUARTER, date(2025, 10, 1), date(2025, 12, 31)),
        ("202509", MONTH, date(2025, 9, 1), date(2025, 9, 30)),
        ("202512", MONTH, date(2025, 12, 1), date(2025, 12, 31)),
        ("2025C9", NINE_MONTHS, date(2025, 1, 1), date(2025, 9, 30)),
        ("2025C6", rule("cumulative", n=6), date(2025, 1, 1), date(2025, 6, 30)),
        ("2025C12", rule("cumulative", n=12), date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_cutoff_day_1_gives_calendar_periods(code, a_rule, start, end):
    period = parse_period(code, a_rule)

    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("code", "a_rule", "end"),
    [
        ("202402", MONTH, date(2024, 2, 29)),
        ("202302", MONTH, date(2023, 2, 28)),
        ("200002", MONTH, date(2000, 2, 29)),  # divisible by 400: leap
        ("210002", MONTH, date(2100, 2, 28)),  # divisible by 100 only: not leap
        ("2024Q1", QUARTER, date(2024, 3, 31)),
        ("202402", rule("month", 28), date(2024, 2, 27)),
        ("202403", rule("month", 28), date(2024, 3, 27)),
    ],
)
def test_february_ends_on_the_right_day_in_leap_and_common_years(code, a_rule, end):
    assert parse_period(code, a_rule).end == end


def test_leap_day_belongs_to_march_when_cut_off_on_the_15th():
    march = parse_period("202403", rule("month", 15))

    assert (march.start, march.end) == (date(2024, 2, 15), date(2024, 3, 14))
    assert date(2024, 2, 29) in march
    assert period_containing(date(2024, 2, 29), rule("month", 15)) == march


# Malformed ids and ids of the wrong kind.

MALFORMED = ["2025Q0", "2025Q5", "202513", "2025S3", "25", "2025-09", "2025C13", "", "abcd"]
MORE_MALFORMED = ["202500", "2025Q03", "2025q3", " 2025", "2025\n", "2025S0", "2025C0", "٢٠٢٥"]
EVERY_KIND_OF_RULE = [*ALL_CALENDAR_RULES, rule("cumulative", n=12), rule("quarter", 15)]


@pytest.mark.parametrize("a_rule", EVERY_KIND_OF_RULE, ids=lambda r: f"{r.kind}-{r.cutoff_day}")
@pytest.mark.parametrize("code", MALFORMED + MORE_MALFORMED)
def test_malformed_id_is_refused_by_every_rule_naming_the_id(code, a_rule):
    assert f"Kỳ báo cáo '{code}' không hợp lệ: " in error_text(code, a_rule)


@pytest.mark.parametrize(
    ("code", "a_rule", "reason"),
    [
        ("2025Q5", QUARTER, "quý phải từ 1 đến 4 (dạng 2025Q3)"),
        ("2025Q0", QUARTER, "quý phải từ 1 đến 4 (dạng 2025Q3)"),
        ("202513", MONTH, "tháng phải từ 01 đến 12 (dạng 202509)"),
        ("2025S3", SEMESTER, "nửa năm phải là 1 hoặc 2 (dạng 2025S1)"),
        ("2025C13", NINE_MONTHS, "cần mã báo cáo 9 tháng (dạng 2025C9)"),
        ("2025C6", NINE_MONTHS, "cần mã báo cáo 9 tháng (dạng 2025C9)"),
        ("202509", QUARTER, "cần mã quý (dạng 2025Q3)"),
        ("2025-09", QUARTER, "cần mã quý (dạng 2025Q3)"),
        ("2025Q3", MONTH, "cần mã tháng (dạng 202509)"),
        ("2025", MONTH, "cần mã tháng (dạng 202509)"),
        ("202509", YEAR, "cần mã năm (dạng 2025)"),
        ("2025Q1", SEMESTER, "cần mã 6 tháng (dạng 2025S1 hoặc 2025S2)"),
        ("1999", YEAR, "năm phải từ 2000 đến 2100"),
        ("2101Q1", QUARTER, "năm phải từ 2000 đến 2100"),
    ],
)
def test_error_message_says_what_form_the_id_should_take(code, a_rule, reason):
    assert error_text(code, a_rule) == f"Kỳ báo cáo '{code}' không hợp lệ: {reason}"


def test_period_error_is_a_value_error_carrying_the_id():
    with pytest.raises(ValueError) as caught:
        parse_period("2025Q5", QUARTER)

    assert isinstance(caught.value, PeriodError)
    assert caught.value.code == "2025Q5"


def test_non_string_id_is_a_period_error_not_a_crash():
    with pytest.raises(PeriodError, match="'2025'"):
        parse_period(2025, YEAR)


def test_error_message_is_built_in_the_language_active_when_shown():
    # No English catalogue entry yet: the Vietnamese source text is what any language shows,
    # and showing it under English must not fail.
    with pytest.raises(PeriodError) as caught:
        parse_period("2025Q5", QUARTER)
    with translation.override("en"):
        assert "'2025Q5'" in str(caught.value)


def test_first_and_last_supported_years_parse():
    assert parse_period("2000", rule("year", 15)).start == date(1999, 12, 15)
    assert parse_period("210012", MONTH).end == date(2100, 12, 31)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("2025", PeriodKind.YEAR),
        ("2025S1", PeriodKind.SEMESTER),
        ("2025Q3", PeriodKind.QUARTER),
        ("202509", PeriodKind.MONTH),
        ("2025C9", PeriodKind.CUMULATIVE),
        # The shape alone: parse_period is what refuses these.
        ("2025Q5", PeriodKind.QUARTER),
        ("202513", PeriodKind.MONTH),
        ("1850", PeriodKind.YEAR),
    ],
)
def test_kind_of_reads_the_kind_from_the_shape_of_the_id(code, kind):
    assert kind_of(code) is kind


@pytest.mark.parametrize("code", ["25", "2025-09", "", "abcd", "2025Q", "2025Q100", "20250901"])
def test_kind_of_refuses_an_id_of_no_known_shape(code):
    with pytest.raises(PeriodError) as caught:
        kind_of(code)

    assert str(caught.value) == (
        f"Kỳ báo cáo '{code}' không hợp lệ: "
        "mã kỳ phải có dạng 2025, 2025S1, 2025Q3, 202509 hoặc 2025C9"
    )


# Labels.


@pytest.mark.parametrize(
    ("code", "a_rule", "label", "label_en"),
    [
        ("2025", YEAR, "Năm 2025", "2025"),
        ("2025S1", SEMESTER, "6 tháng đầu năm 2025", "First half of 2025"),
        ("2025S2", SEMESTER, "6 tháng cuối năm 2025", "Second half of 2025"),
        ("2025Q1", QUARTER, "Quý I/2025", "Q1 2025"),
        ("2025Q3", QUARTER, "Quý III/2025", "Q3 2025"),
        ("2025Q4", QUARTER, "Quý IV/2025", "Q4 2025"),
        ("202509", MONTH, "Tháng 9/2025", "September 2025"),
        ("202501", MONTH, "Tháng 1/2025", "January 2025"),
        ("2025C9", NINE_MONTHS, "9 tháng năm 2025", "January\N{EN DASH}September 2025"),
        ("2025C6", rule("cumulative", n=6), "6 tháng năm 2025", "January\N{EN DASH}June 2025"),
        ("2025C1", rule("cumulative", n=1), "1 tháng năm 2025", "January 2025"),
        # A cut-off moves the dates, not the name.
        ("202509", rule("month", 15), "Tháng 9/2025", "September 2025"),
    ],
)
def test_labels_in_vietnamese_and_english(code, a_rule, label, label_en):
    period = parse_period(code, a_rule)

    assert (period.label, period.label_en) == (label, label_en)


# Finding, listing and stepping through periods.


@pytest.mark.parametrize(
    ("day", "a_rule", "code"),
    [
        (date(2025, 9, 14), rule("month", 15), "202509"),
        (date(2025, 9, 15), rule("month", 15), "202510"),
        (date(2025, 12, 15), rule("quarter", 15), "2026Q1"),
        (date(2025, 12, 14), rule("year", 15), "2025"),
        (date(2025, 12, 15), rule("year", 15), "2026"),
        (date(2025, 6, 30), SEMESTER, "2025S1"),
        (date(2025, 7, 1), SEMESTER, "2025S2"),
        (date(2025, 12, 31), MONTH, "202512"),
    ],
)
def test_period_containing_a_day(day, a_rule, code):
    period = period_containing(day, a_rule)

    assert period.code == code
    assert day in period


def test_cumulative_period_containing_is_this_years_report_even_after_it_ends():
    period = period_containing(date(2025, 11, 1), NINE_MONTHS)

    assert period.code == "2025C9"
    assert date(2025, 11, 1) not in period


def test_cumulative_report_year_starts_at_the_cutoff_in_december():
    period = period_containing(date(2025, 12, 20), rule("cumulative", 15, 9))

    assert period.code == "2026C9"
    assert date(2025, 12, 20) in period


@pytest.mark.parametrize(
    ("day", "a_rule", "bad_code"),
    [
        (date(1999, 6, 1), YEAR, "1999"),
        (date(1999, 12, 14), rule("month", 15), "199912"),
        (date(2100, 12, 20), rule("quarter", 15), "2101Q1"),
    ],
)
def test_day_outside_the_supported_years_is_refused(day, a_rule, bad_code):
    with pytest.raises(PeriodError, match=f"'{bad_code}'.*2000 đến 2100"):
        period_containing(day, a_rule)


@pytest.mark.parametrize("a_rule", ALL_CALENDAR_RULES)
def test_next_period_after_the_last_supported_year_is_refused(a_rule):
    last = period_containing(date(2100, 12, 31), a_rule)

    with pytest.raises(PeriodError, match="2101"):
        next_period(last, a_rule)


def test_a_day_is_a_date_not_a_datetime():
    # Which day an aware datetime falls on depends on the zone: the caller must decide.
    moment = datetime(2025, 9, 1, 12, 0)
    with pytest.raises(TypeError):
        period_containing(moment, MONTH)
    with pytest.raises(TypeError):
        moment in parse_period("202509", MONTH)  # noqa: B015


def test_periods_between_lists_every_overlapping_period_in_order():
    codes = [p.code for p in periods_between(date(2025, 1, 31), date(2025, 4, 1), MONTH)]

    assert codes == ["202501", "202502", "202503", "202504"]


def test_periods_between_crosses_a_year_with_a_cutoff():
    periods = periods_between(date(2025, 12, 14), date(2025, 12, 15), rule("quarter", 15))

    assert [p.code for p in periods] == ["2025Q4", "2026Q1"]


def test_periods_between_a_single_day_is_its_period():
    assert periods_between(date(2025, 9, 9), date(2025, 9, 9), QUARTER) == [
        parse_period("2025Q3", QUARTER)
    ]


def test_periods_between_skips_cumulative_periods_that_end_before_the_interval():
    periods = periods_between(date(2025, 10, 1), date(2027, 3, 1), NINE_MONTHS)

    assert [p.code for p in periods] == ["2026C9", "2027C9"]
    assert periods_between(date(2025, 10, 1), date(2025, 12, 31), NINE_MONTHS) == []


@pytest.mark.parametrize(
    ("a_rule", "codes"),
    [
        (YEAR, ["2100"]),
        (SEMESTER, ["2100S2"]),
        (QUARTER, ["2100Q4"]),
        (MONTH, ["210012"]),
        (NINE_MONTHS, []),
        (rule("cumulative", n=12), ["2100C12"]),
    ],
)
def test_periods_between_reaches_the_last_supported_day(a_rule, codes):
    periods = periods_between(date(2100, 12, 1), date(2100, 12, 31), a_rule)

    assert [p.code for p in periods] == codes


def test_periods_between_an_empty_interval_is_empty():
    assert periods_between(date(2025, 9, 2), date(2025, 9, 1), MONTH) == []


@pytest.mark.parametrize(
    ("code", "a_rule", "previous", "following"),
    [
        ("202501", MONTH, "202412", "202502"),
        ("2025Q1", QUARTER, "2024Q4", "2025Q2"),
        ("2025Q4", QUARTER, "2025Q3", "2026Q1"),
        ("2025S1", SEMESTER, "2024S2", "2025S2"),
        ("2025", YEAR, "2024", "2026"),
        ("2025C9", NINE_MONTHS, "2024C9", "2026C9"),
    ],
)
def test_previous_and_next_period(code, a_rule, previous, following):
    period = parse_period(code, a_rule)

    assert previous_period(period, a_rule).code == previous
    assert next_period(period, a_rule).code == following


def test_stepping_refuses_a_period_of_another_kind():
    with pytest.raises(PeriodError, match="cần mã quý"):
        next_period(parse_period("202509", MONTH), QUARTER)


# Rules.


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "month", "cutoff_day": 0},
        {"kind": "month", "cutoff_day": 29},
        {"kind": "month", "cutoff_day": True},
        {"kind": "month", "cutoff_day": "15"},
        {"kind": "cumulative"},
        {"kind": "cumulative", "cumulative_months": 0},
        {"kind": "cumulative", "cumulative_months": 13},
        {"kind": "quarter", "cumulative_months": 9},
        {"kind": "week"},
    ],
)
def test_rule_refuses_impossible_configuration(kwargs):
    with pytest.raises(ValueError):
        PeriodRule(**kwargs)


def test_rule_accepts_the_kind_as_a_plain_string():
    assert PeriodRule("quarter", cutoff_day=15) == PeriodRule(PeriodKind.QUARTER, cutoff_day=15)


def test_periods_and_rules_are_immutable_and_hashable():
    period = parse_period("202509", MONTH)

    assert len({period, parse_period("202509", MONTH), MONTH, PeriodRule("month")}) == 2


@pytest.mark.parametrize(
    "setup",
    [
        "import sys; sys.modules['django'] = None",  # the browser side: no Django at all
        "import django",  # a standalone script: Django installed, settings not configured
    ],
)
def test_module_works_without_django_settings(setup):
    script = (
        f"{setup}\n"
        "from dantoc.reporting.periods import PeriodError, PeriodRule, parse_period\n"
        "print(parse_period('2025C9', PeriodRule('cumulative', 15, 9)).start)\n"
        "try: parse_period('2025Q5', PeriodRule('quarter'))\n"
        "except PeriodError as e: print(e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2024-12-15",
        "Kỳ báo cáo '2025Q5' không hợp lệ: quý phải từ 1 đến 4 (dạng 2025Q3)",
    ]


# Properties over random days, cut-off days and kinds.

# Inside 2000..2100 so that the period containing a day and both its neighbours exist (from
# December 2099 a cut-off can put a day in 2100, whose successor is out of range).
days = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 11, 30))
cutoffs = st.integers(min_value=1, max_value=28)
tiling_rules = st.builds(
    PeriodRule,
    kind=st.sampled_from([k for k in PeriodKind if k is not PeriodKind.CUMULATIVE]),
    cutoff_day=cutoffs,
)
cumulative_rules = st.builds(
    PeriodRule,
    kind=st.just(PeriodKind.CUMULATIVE),
    cutoff_day=cutoffs,
    cumulative_months=st.integers(min_value=1, max_value=12),
)
any_rules = st.one_of(tiling_rules, cumulative_rules)


@given(day=days, a_rule=tiling_rules)
def test_property_periods_tile_time_with_no_gap_and_no_overlap(day, a_rule):
    period = period_containing(day, a_rule)
    following = next_period(period, a_rule)
    preceding = previous_period(period, a_rule)

    assert period.start <= day <= period.end
    assert day in period
    assert following.start == period.end + timedelta(days=1)
    assert preceding.end == period.start - timedelta(days=1)
    assert previous_period(following, a_rule) == period
    assert period_containing(period.start, a_rule) == period
    assert period_containing(period.end, a_rule) == period


@given(day=days, a_rule=any_rules)
def test_property_an_id_parses_back_to_its_period(day, a_rule):
    period = period_containing(day, a_rule)

    assert parse_period(period.code, a_rule) == period
    assert kind_of(period.code) is a_rule.kind
    assert period.kind is a_rule.kind


@given(day=days, cutoff_day=cutoffs)
def test_property_months_nest_in_quarters_in_semesters_in_years(day, cutoff_day):
    nested = [
        period_containing(day, rule(kind, cutoff_day))
        for kind in ("month", "quarter", "semester", "year")
    ]

    for inner, outer in pairwise(nested):
        assert outer.start <= inner.start <= inner.end <= outer.end
        assert inner.code[:4] == outer.code[:4]
    month, quarter, semester, year = nested
    assert month.index in range(quarter.index * 3 - 2, quarter.index * 3 + 1)
    assert quarter.index in ((1, 2) if semester.index == 1 else (3, 4))
    assert (year.end - year.start).days + 1 in (365, 366)


@given(day=days, a_rule=cumulative_rules)
def test_property_cumulative_period_runs_from_year_start_to_month_n(day, a_rule):
    period = period_containing(day, a_rule)
    year = period_containing(day, rule("year", a_rule.cutoff_day))
    month_n = parse_period(
        f"{year.code}{a_rule.cumulative_months:02d}", rule("month", a_rule.cutoff_day)
    )
    following = next_period(period, a_rule)

    assert period.code == f"{year.code}C{a_rule.cumulative_months}"
    assert (period.start, period.end) == (year.start, month_n.end)
    assert (day in period) == (day <= month_n.end)
    assert following.start == year.end + timedelta(days=1)
    assert previous_period(following, a_rule) == period


@given(day=days)
def test_property_calendar_months_match_the_calendar_module(day):
    period = period_containing(day, MONTH)

    last_day = calendar.monthrange(day.year, day.month)[1]
    assert (period.start, period.end) == (day.replace(day=1), day.replace(day=last_day))


@given(
    start=st.dates(min_value=date(2001, 1, 1), max_value=date(2097, 1, 1)),
    length=st.integers(min_value=0, max_value=800),
    a_rule=any_rules,
)
def test_property_periods_between_are_exactly_those_overlapping(start, length, a_rule):
    end = start + timedelta(days=length)
    found = periods_between(start, end, a_rule)

    for period in found:
        assert period.start <= end and period.end >= start
    for earlier, later in pairwise(found):
        assert later == next_period(earlier, a_rule)
    if a_rule.kind is not PeriodKind.CUMULATIVE:
        assert found[0].start <= start and found[-1].end >= end
    else:
        # Every overlapping cumulative period is found: check one year either side too.
        around = period_containing(start, a_rule)
        candidates = [previous_period(around, a_rule), around]
        while candidates[-1].start <= end:
            candidates.append(next_period(candidates[-1], a_rule))
        overlapping = [p for p in candidates if p.start <= end and p.end >= start]
        assert found == overlapping


def test_period_fields_are_the_documented_ones():
    period = Period(
        code="202509", kind=PeriodKind.MONTH, start=date(2025, 9, 1), end=date(2025, 9, 30)
    )

    assert period == parse_period("202509", MONTH)
