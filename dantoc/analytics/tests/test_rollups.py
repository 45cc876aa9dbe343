"""Roll-ups stay equal to a computation from scratch after any sequence of entries,
corrections, deletions, approvals, reopenings and imports, for every aggregation type, and
the analytics engine answers what the approved values say at every level, including units
merged in the 2025 reform (property-based, with hypothesis; runs on SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import orjson
import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dantoc.accounts.models import RoleCode
from dantoc.accounts.services import user_create
from dantoc.analytics.query import AnalyticsRequest, analytics_run, nominal_window
from dantoc.analytics.rollups import rollups_differences, rollups_rebuild
from dantoc.geo.models import Unit, UnitSuccession
from dantoc.geo.selectors import unit_get
from dantoc.indicators.models import Category, Indicator
from dantoc.reporting import dhis2, selectors, services
from dantoc.reporting.models import DataValue, Submission, SubmissionStatus
from dantoc.reporting.services import CellInput, ReportClosed, SubmissionBlocked, bulk

pytestmark = pytest.mark.django_db

AGGREGATIONS = {"T_SUM": "sum", "T_AVG": "average", "T_LAST": "last", "T_NONE": "none"}
SEXES = ["NAM", "NU"]
# (unit code, as-of date that picks the unit version, periods it reports)
PLACES = [
    ("00715", datetime.date(2026, 10, 1), ["2026Q2", "2026Q3"]),  # Lũng Cú, Tuyên Quang (new)
    ("00700", datetime.date(2026, 10, 1), ["2026Q2", "2026Q3"]),  # Ngọc Đường, Tuyên Quang
    ("02680", datetime.date(2026, 10, 1), ["2026Q3"]),  # Hợp Thành, Lào Cai (new)
    ("00715", datetime.date(2025, 3, 1), ["2025Q1"]),  # the old Lũng Cú, Hà Giang
    # Phan Thiết, old Tuyên Quang: with the old Lũng Cú, two old provinces' figures make the
    # new Tuyên Quang's 2025Q1 (cells of a plain table added up from several rows).
    ("02200", datetime.date(2025, 3, 1), ["2025Q1"]),
]
# A day each period is open for entry.
ENTRY_DAY = {
    "2025Q1": datetime.date(2025, 4, 10),
    "2026Q2": datetime.date(2026, 7, 5),
    "2026Q3": datetime.date(2026, 10, 5),
}


def _define_test_form():
    sex = Category.objects.get(code="GIOI_TINH")
    for code, aggregation in AGGREGATIONS.items():
        indicator = Indicator.objects.create(
            code=code, name=f"Chỉ tiêu thử {aggregation}", value_type="number",
            aggregation=aggregation,
        )  # fmt: skip
        indicator.categories.set([sex])
    definition = {
        "code": "T-AGG",
        "name": "Biểu thử các cách tổng hợp",
        "period_type": "quy",
        "reporting_level": "commune",
        "opens_days_before_end": 15,
        "locks_days_after_end": 60,
        "deadlines": {"commune": 10, "district": 15, "province": 20},
        "sections": [
            {
                "code": "S",
                "title": "Thử",
                "columns": [
                    {"code": c, "label": c, "indicator": c, "options": {}} for c in AGGREGATIONS
                ],
                "rows": [{"code": s, "label": s, "options": {"GIOI_TINH": s}} for s in SEXES],
            }
        ],
        "rules": [],
    }
    form, _created = services.form_define(definition=definition, actor=None, publish=True)
    return form


@pytest.fixture
def world(people):
    form = _define_test_form()
    layout = selectors.form_layout(form)
    ministry = people.ministry
    units, reporters, approvers = [], [], []
    for index, (code, as_of, _periods) in enumerate(PLACES):
        unit = unit_get(code=code, as_of=as_of)
        units.append(unit)
        reporters.append(
            user_create(
                actor=None, username=f"thu.{index}", password="x", unit=unit,
                roles=[RoleCode.COMMUNE_REPORTER], check_password=False,
            )
        )  # fmt: skip
        approvers.append(people.other_province if code == "02680" else people.province)
    cells = {
        (cell.indicator.code, cell.options["GIOI_TINH"]): cell.key for cell in layout.cells.values()
    }
    periods = {
        code: services.period_resolve(period_type=form.period_type, code=code) for code in ENTRY_DAY
    }
    return {
        "form": form, "units": units, "reporters": reporters, "approvers": approvers,
        "cells": cells, "periods": periods, "ministry": ministry,
    }  # fmt: skip


# --- operations ---------------------------------------------------------------------------

place_index = st.integers(0, len(PLACES) - 1)
value = st.one_of(st.none(), st.integers(0, 500), st.decimals("0", "99.5", places=1))
operation = st.one_of(
    st.tuples(st.just("save"), place_index, st.integers(0, 1), st.sampled_from(list(AGGREGATIONS)),
              st.sampled_from(SEXES), value),
    st.tuples(st.just("approve"), place_index, st.integers(0, 1)),
    st.tuples(st.just("reopen"), place_index, st.integers(0, 1)),
    st.tuples(st.just("import"), place_index, st.integers(0, 1),
              st.lists(st.tuples(st.sampled_from(list(AGGREGATIONS)), st.sampled_from(SEXES),
                                 st.integers(0, 300)), min_size=1, max_size=4)),
)  # fmt: skip


def _period_of(world, place: int, which: int):
    codes = PLACES[place][2]
    return world["periods"][codes[which % len(codes)]]


def _apply(world, op) -> None:
    kind, place = op[0], op[1]
    unit = world["units"][place]
    period = _period_of(world, place, op[2])
    day = ENTRY_DAY[period.code]
    form = world["form"]
    reporter = world["reporters"][place]
    try:
        if kind == "save":
            _k, _p, _w, code, sex, number = op
            services.datavalues_save(
                actor=reporter, form=form, unit=unit, period=period,
                inputs=[CellInput(world["cells"][(code, sex)], "" if number is None else str(number))],
                source="web", decimal_comma=False, today=day,
            )  # fmt: skip
        elif kind == "approve":
            services.submission_submit(
                actor=reporter, form=form, unit=unit, period=period, today=day
            )
            submission = Submission.objects.get(form_code=form.code, unit=unit, period=period)
            services.submission_approve(actor=world["approvers"][place], submission=submission)
        elif kind == "reopen":
            submission = Submission.objects.filter(
                form_code=form.code, unit=unit, period=period, status=SubmissionStatus.APPROVED
            ).first()
            if submission is not None:
                services.submission_return(
                    actor=world["approvers"][place], submission=submission, reason="Sửa số liệu"
                )
        else:
            document = {
                "dataSet": form.code, "period": period.code, "orgUnit": unit.code,
                "dataValues": [
                    {"dataElement": c, "categoryOptionCombo": f"GIOI_TINH={s}", "value": str(n)}
                    for c, s, n in op[3]
                ],
            }  # fmt: skip
            payload = dhis2.parse_json(orjson.dumps(document))
            bulk.datavalues_import(
                actor=reporter, rows=payload.rows, dataset_code=form.code, today=day
            )
    except (ReportClosed, SubmissionBlocked):
        pass  # refused (a locked report): the figures must still be right


# --- the oracle for the analytics engine --------------------------------------------------


def _expected(code: str, pe: str, ou: Unit) -> Decimal | None:
    """What the approved values say, computed directly from the value rows."""
    indicator = Indicator.objects.get(code=code)
    window = nominal_window(pe)
    roots = [ou.path] + [
        s.predecessor.path
        for s in UnitSuccession.objects.filter(successor=ou, partial=False).select_related(
            "predecessor"
        )
    ]
    approved = {
        (s.unit_id, s.period_id)
        for s in Submission.objects.filter(form_code="T-AGG", status=SubmissionStatus.APPROVED)
    }
    by_period: dict = {}
    by_unit: dict = {}
    for v in DataValue.objects.filter(
        indicator=indicator, deleted=False, numeric__isnull=False
    ).select_related("unit", "period"):
        if (v.unit_id, v.period_id) not in approved:
            continue
        if not any(v.unit.path.startswith(root) for root in roots):
            continue
        w = nominal_window(v.period.code)
        if not (window.start <= w.start and w.end <= window.end):
            continue
        if indicator.aggregation == "none" and (v.period.code != pe or v.unit.path not in roots):
            continue
        by_period.setdefault(w.end, []).append(v.numeric)
        by_unit.setdefault(v.unit_id, {}).setdefault(w.end, []).append(v.numeric)
    if not by_period:
        return None
    if indicator.aggregation == "last":
        # Each commune's latest value in the window, added up.
        return sum(sum(periods[max(periods)]) for periods in by_unit.values())
    numbers = [n for group in by_period.values() for n in group]
    if indicator.aggregation == "average":
        return sum(numbers) / len(numbers)
    return sum(numbers)


def _check_engine(world) -> None:
    today = datetime.date(2026, 10, 5)
    new_units = ["VN", "08", "15", "00715"]
    for pe in ["2026", "2026Q3", "2026S1", "2025Q1", "2025"]:
        result = analytics_run(
            AnalyticsRequest(dx=list(AGGREGATIONS), pe=[pe], ou=new_units, hierarchy_date=today)
        )
        for code in AGGREGATIONS:
            for ou in new_units:
                want = _expected(code, pe, unit_get(code=ou, as_of=today))
                got = result.value(dx=code, pe=pe, ou=ou)
                if want is None:
                    assert got is None, (code, pe, ou, got)
                else:
                    assert got is not None, (code, pe, ou, want)
                    assert abs(got - want) < Decimal("0.000001"), (code, pe, ou, got, want)
    # A plain table of single periods is answered straight from the roll-up rows; adding up
    # in cells gives the same rows, marks and time (08 has predecessors merged into it).
    for include in (False, True):
        for pe in (["2026Q3", "2025Q1"], ["2026Q3", "2026"]):
            request = AnalyticsRequest(
                dx=list(AGGREGATIONS), pe=pe, ou=new_units, hierarchy_date=today,
                include_unapproved=include,
            )  # fmt: skip
            fast, summed = analytics_run(request), analytics_run(request, direct=False)
            assert [tuple(r) for r in fast.rows] == [tuple(r) for r in summed.rows], (include, pe)
            assert fast.data_as_of == summed.data_as_of, (include, pe)
    # "last" over several periods from the maintained rows equals the live computation over
    # every commune's roll-ups: figures, unapproved marks, disaggregations and "data as of".
    for include in (False, True):
        for categories in ({}, {"GIOI_TINH": []}):
            request = AnalyticsRequest(
                dx=["T_LAST"], pe=["2026", "2026S2"], ou=new_units, hierarchy_date=today,
                include_unapproved=include, categories=categories,
            )  # fmt: skip
            kept = analytics_run(request)
            live = analytics_run(request, latest_table=False)
            assert _answer(kept) == _answer(live), (include, categories)
            assert kept.data_as_of == live.data_as_of, (include, categories)


def _answer(result) -> list:
    return sorted((sorted(r.keys.items()), r.value, r.unapproved) for r in result.rows)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=8))
# Always tried: the new Tuyên Quang's 2025Q1 average made of two old provinces' rows, one
# counting two values and the other one (and one unapproved, for the marks).
@example(
    ops=[
        ("save", 3, 0, "T_AVG", "NAM", 4), ("save", 3, 0, "T_AVG", "NU", 10),
        ("save", 4, 0, "T_AVG", "NAM", 1), ("save", 4, 0, "T_SUM", "NU", 2),
        ("approve", 3, 0), ("approve", 4, 0), ("save", 0, 1, "T_AVG", "NAM", 3),
    ]
)  # fmt: skip
def test_rollups_equal_a_computation_from_scratch_after_any_sequence_of_changes(world, ops):
    with transaction.atomic():
        for op in ops:
            _apply(world, op)
            assert rollups_differences() == []
        _check_engine(world)
        transaction.set_rollback(True)


def test_a_rebuild_gives_the_same_rollups_and_check_finds_a_tampered_row(world):
    for op in [
        ("save", 0, 1, "T_SUM", "NAM", 7), ("save", 1, 1, "T_SUM", "NU", 5),
        ("approve", 0, 1), ("save", 3, 0, "T_AVG", "NAM", 4), ("approve", 3, 0),
    ]:  # fmt: skip
        _apply(world, op)
    assert rollups_differences() == []
    from dantoc.analytics.models import Rollup

    Rollup.objects.filter(unit__code="VN").update(total_sum=Decimal(999))
    problems = rollups_differences()
    assert problems and all("stored" in p for p in problems)
    rollups_rebuild()
    assert rollups_differences() == []


def test_commune_rows_by_disaggregation_are_read_from_the_values_not_stored(world):
    """Issue 15: a commune's ``Rollup`` rows (a copy of its values) are not stored; its
    totals are, and ``rollups check`` reports a commune row found stored."""
    from dantoc.analytics.models import Rollup, RollupTotal

    for op in [
        ("save", 0, 1, "T_SUM", "NAM", 7), ("save", 0, 1, "T_SUM", "NU", 5),
        ("approve", 0, 1), ("save", 1, 1, "T_LAST", "NU", 8),
    ]:  # fmt: skip
        _apply(world, op)
    assert rollups_differences() == []
    assert not Rollup.objects.filter(unit__level="commune").exists()
    assert Rollup.objects.filter(unit__level="province").exists()
    assert RollupTotal.objects.filter(unit__level="commune").count() == 2
    total = RollupTotal.objects.get(unit=world["units"][0], indicator__code="T_SUM")
    Rollup.objects.create(
        unit=total.unit, period=total.period, indicator=total.indicator, options_key="x",
        approved_sum=1, approved_count=1, total_sum=1, total_count=1, updated_at=total.updated_at,
    )  # fmt: skip
    [problem] = rollups_differences()
    assert "options='x': stored" in problem and "expected none (a commune)" in problem
    Rollup.objects.filter(options_key="x").delete()
    assert rollups_differences() == []


def test_the_migration_deletes_commune_rows_and_its_reverse_puts_them_back(world):
    """0006 forwards deletes the communes' stored rows; backwards stores them again as the
    values give them (what the code before issue 15 stored), and forwards once more leaves
    the roll-ups exact."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from dantoc.analytics.models import Rollup
    from dantoc.analytics.rollups import _commune_rows_read

    migration = importlib.import_module(
        "dantoc.analytics.migrations.0006_commune_rollup_rows_not_stored"
    )
    for op in [
        ("save", 0, 1, "T_SUM", "NAM", 7), ("approve", 0, 1), ("save", 1, 1, "T_AVG", "NU", 3),
        ("save", 2, 0, "T_SUM", "NAM", 30), ("approve", 2, 0), ("reopen", 2, 0),
    ]:  # fmt: skip
        _apply(world, op)
    editor = SimpleNamespace(connection=connection)
    migration.restore_commune_rows(apps, editor)
    quantum = Decimal("0.000001")
    stored = {
        (r.unit_id, r.period_id, r.indicator_id, r.options_key): (
            r.approved_sum.quantize(quantum), r.approved_count, r.total_sum.quantize(quantum),
            r.total_count,
        )
        for r in Rollup.objects.filter(unit__level="commune")
    }  # fmt: skip
    computed = {
        key: (f[0].quantize(quantum), f[1], f[2].quantize(quantum), f[3])
        for key, f in _commune_rows_read(None)
    }
    assert len(stored) == 3
    assert stored == computed
    assert any("expected none (a commune)" in p for p in rollups_differences())
    migration.delete_commune_rows(apps, editor)
    assert rollups_differences() == []


def _held_for_the_others(compute, hold, *, saves: int):
    """``compute``, which after a call that ``hold`` picks waits until each of the ``saves``
    concurrent saves has either made that call too (without a lock, they then all store
    figures computed before the others committed: the race happens every time) or waits for
    a lock (the lock works): a condition, rather than a pause of a guessed length. After 30 s
    it goes on, and the test's assertion says what happened."""
    import threading
    import time

    reached = []
    poll = threading.Event()  # never set: its wait() is the polling interval

    def held(cursor, targets, *args):
        compute(cursor, targets, *args)
        if not hold(targets, *args):
            return
        reached.append(targets)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if len(reached) + cursor.fetchone()[0] >= saves:
                return
            poll.wait(0.01)

    return held


def _save_at_once(form, key, jobs) -> None:
    """Each job's (reporter, unit, period, day, value) saved in a thread of its own, all
    released at the same moment, each on its own connection (which commits)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(jobs))
    failures = []

    def save(reporter, unit, period, day, value):
        try:
            barrier.wait()
            services.datavalues_save(
                actor=reporter, form=form, unit=unit, period=period,
                inputs=[CellInput(key, value)], source="web", today=day,
            )  # fmt: skip
        except Exception as exc:  # reported below, with the thread's failure
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.fixture
def shared_world():
    """The reference data and personas, put back if an earlier transactional test flushed
    them (pytest-django runs those last, each flushing every table)."""
    from conftest import restore_shared_world, shared_world_present

    if not shared_world_present():
        restore_shared_world()


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_in_two_provinces_leave_the_national_total_right(
    shared_world, people, monkeypatch
):
    """Without the per-period lock two reporters saving at once in different provinces
    would each recompute the country from the other's stale province figures, and one
    change would be lost (PostgreSQL only: SQLite lets one transaction write at a time).
    Approvals are serialised earlier (they lock the report's form and period rows)."""

    from django.db import connection

    from dantoc.analytics import rollups

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    form = _define_test_form()
    layout = selectors.form_layout(form)
    key = next(c.key for c in layout.cells.values() if c.indicator.code == "T_SUM")
    period = services.period_resolve(period_type=form.period_type, code="2026Q3")
    day = ENTRY_DAY["2026Q3"]
    codes = ["00715"] + [
        u.code
        for u in Unit.objects.filter(
            parent__code="15", valid_to__isnull=True, level="commune"
        ).order_by("code")[:3]
    ]
    jobs = []
    for index, code in enumerate(codes):
        unit = unit_get(code=code)
        reporter = user_create(
            actor=None, username=f"dong.{index}", password="x", unit=unit,
            roles=[RoleCode.COMMUNE_REPORTER], check_password=False,
        )  # fmt: skip
        jobs.append((reporter, unit, str(10 + index)))
    # Hold each save between computing the country's figures and storing them until the
    # others are there too, so that without the lock the saves overlap there every time.
    country = unit_get(code="VN").pk
    monkeypatch.setattr(
        rollups,
        "_compute_level",
        _held_for_the_others(rollups._compute_level, lambda targets, *_: targets == [country],
                             saves=len(codes)),
    )  # fmt: skip
    _save_at_once(
        form, key, [(reporter, unit, period, day, value) for reporter, unit, value in jobs]
    )
    # Only this test's indicator: rows of other tests may share the period in this database.
    t_sum = Indicator.objects.get(code="T_SUM").pk
    mine = [p for p in rollups_differences(period_ids=[period.pk]) if f"indicator={t_sum} " in p]
    assert mine == []
    total = analytics_run(
        AnalyticsRequest(dx=["T_SUM"], pe=["2026Q3"], ou=["VN"], include_unapproved=True)
    )
    assert total.value(dx="T_SUM", pe="2026Q3", ou="VN") == sum(10 + i for i in range(len(jobs)))


def test_last_over_a_year_is_read_from_maintained_rows_that_follow_every_change(world, monkeypatch):
    from dantoc.analytics import query
    from dantoc.analytics.models import RollupLatest, RollupLatestPlan

    for op in [
        ("save", 0, 0, "T_LAST", "NAM", 4), ("save", 0, 1, "T_LAST", "NAM", 9),
        ("save", 0, 1, "T_LAST", "NU", 2), ("approve", 0, 0), ("approve", 0, 1),
        ("save", 1, 0, "T_LAST", "NU", 6), ("approve", 1, 0),
    ]:  # fmt: skip
        _apply(world, op)
    t_last = Indicator.objects.get(code="T_LAST")
    plan = RollupLatestPlan.objects.get(window_code="2026", indicator=t_last)
    periods = world["periods"]
    assert plan.sources == f"{periods['2026Q2'].pk},{periods['2026Q3'].pk}"
    vn = unit_get(code="VN")
    rows = {
        r.options_key: (r.approved_sum, r.approved_count)
        for r in RollupLatest.objects.filter(unit=vn, window_code="2026", indicator=t_last)
    }
    # Lũng Cú's latest is Q3 (NAM 9, NU 2: its Q2 figure of 4 is not carried over);
    # Ngọc Đường's is Q2 (NU 6).
    assert rows == {"GIOI_TINH=NAM": (Decimal(9), 1), "GIOI_TINH=NU": (Decimal(8), 2)}

    # The engine answers from these rows: the live computation is not run.
    def refuse(*args, **kwargs):
        raise AssertionError("computed live")

    monkeypatch.setattr(query, "_fetch_latest", refuse)
    request = AnalyticsRequest(
        dx=["T_LAST"], pe=["2026"], ou=["VN", "08"], hierarchy_date=datetime.date(2026, 10, 5)
    )
    result = analytics_run(request)
    assert result.value(dx="T_LAST", ou="VN") == Decimal(17)
    assert result.value(dx="T_LAST", ou="08") == Decimal(17)

    # Reopening Lũng Cú's Q3 report makes its approved Q2 figure the latest approved one.
    _apply(world, ("reopen", 0, 1))
    assert analytics_run(request).value(dx="T_LAST", ou="VN") == Decimal(10)
    assert rollups_differences() == []
    monkeypatch.undo()

    # A plan that no longer matches (rows made of other periods) is not read.
    RollupLatestPlan.objects.filter(pk=plan.pk).update(sources=str(periods["2026Q3"].pk))
    RollupLatest.objects.filter(window_code="2026").update(approved_sum=Decimal(999))
    assert analytics_run(request).value(dx="T_LAST", ou="VN") == Decimal(10)
    # The next change to the window makes it again, for every unit.
    _apply(world, ("save", 1, 1, "T_LAST", "NU", 7))
    assert RollupLatestPlan.objects.get(pk=plan.pk).sources == plan.sources
    assert not RollupLatest.objects.filter(approved_sum=Decimal(999)).exists()
    assert rollups_differences() == []


def test_rollups_check_finds_a_tampered_latest_row_and_latest_rebuild_repairs_it(world):
    from dantoc.analytics.models import RollupLatest
    from dantoc.analytics.rollups import rollups_latest_rebuild

    for op in [("save", 0, 0, "T_LAST", "NAM", 4), ("save", 0, 1, "T_LAST", "NU", 3),
               ("approve", 0, 1)]:  # fmt: skip
        _apply(world, op)
    assert rollups_differences() == []
    RollupLatest.objects.filter(unit__code="08", window_code="2026").update(total_count=42)
    problems = rollups_differences()
    assert problems and all(p.startswith("latest unit=") for p in problems)
    rollups_latest_rebuild()
    assert rollups_differences() == []


def test_an_indicator_that_stops_and_starts_being_last_gets_its_latest_rows_remade(world):
    from dantoc.analytics.models import RollupLatest, RollupLatestPlan
    from dantoc.indicators.services import indicator_save

    for op in [("save", 0, 0, "T_LAST", "NAM", 4), ("save", 0, 1, "T_LAST", "NAM", 9),
               ("approve", 0, 0), ("approve", 0, 1)]:  # fmt: skip
        _apply(world, op)
    indicator = Indicator.objects.get(code="T_LAST")
    categories = list(indicator.categories.all())
    request = AnalyticsRequest(
        dx=["T_LAST"], pe=["2026"], ou=["VN"], hierarchy_date=datetime.date(2026, 10, 5)
    )
    assert analytics_run(request).value(dx="T_LAST", ou="VN") == Decimal(9)

    indicator.aggregation = "sum"
    indicator_save(actor=None, indicator=indicator, categories=categories)
    assert not RollupLatest.objects.filter(indicator=indicator).exists()
    assert not RollupLatestPlan.objects.filter(indicator=indicator).exists()
    assert analytics_run(request).value(dx="T_LAST", ou="VN") == Decimal(13)

    # Meanwhile a later figure: a stale "latest" row would still say 9.
    _apply(world, ("reopen", 0, 1))
    _apply(world, ("save", 0, 1, "T_LAST", "NAM", 11))
    _apply(world, ("approve", 0, 1))
    indicator.aggregation = "last"
    indicator_save(actor=None, indicator=indicator, categories=categories)
    assert RollupLatestPlan.objects.filter(indicator=indicator, window_code="2026").exists()
    assert analytics_run(request).value(dx="T_LAST", ou="VN") == Decimal(11)
    assert rollups_differences() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_in_two_quarters_leave_the_years_latest_figures_right(
    shared_world, people, monkeypatch
):
    """Saves of different quarters take different period locks but remake the same year's
    "latest" rows: without the window's lock the second would store a country row summed
    before the first committed (PostgreSQL only)."""

    from django.db import connection

    from dantoc.analytics import rollups
    from dantoc.analytics.models import RollupLatest

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    form = _define_test_form()
    layout = selectors.form_layout(form)
    key = next(c.key for c in layout.cells.values() if c.indicator.code == "T_LAST")
    jobs = []
    for index, (code, pe) in enumerate([("00715", "2026Q2"), ("02680", "2026Q3")]):
        unit = unit_get(code=code)
        reporter = user_create(
            actor=None, username=f"quy.{index}", password="x", unit=unit,
            roles=[RoleCode.COMMUNE_REPORTER], check_password=False,
        )  # fmt: skip
        period = services.period_resolve(period_type=form.period_type, code=pe)
        jobs.append((reporter, unit, period, ENTRY_DAY[pe], str(20 + index)))
    # A first save, alone, makes the year's rows and stores their plan (both periods exist),
    # so the two saves below each remake only their own units and the country.
    first = unit_get(code="00700")
    reporter = user_create(
        actor=None, username="quy.dau", password="x", unit=first,
        roles=[RoleCode.COMMUNE_REPORTER], check_password=False,
    )  # fmt: skip
    services.datavalues_save(
        actor=reporter, form=form, unit=first, period=jobs[0][2],
        inputs=[CellInput(key, "5")], source="web", today=ENTRY_DAY["2026Q2"],
    )  # fmt: skip
    country = unit_get(code="VN").pk
    monkeypatch.setattr(
        rollups,
        "_latest_compute",
        _held_for_the_others(
            rollups._latest_compute,
            lambda targets, _indicator, window, _ranked: targets == [country] and window == "2026",
            saves=len(jobs),
        ),
    )
    _save_at_once(form, key, jobs)
    t_last = Indicator.objects.get(code="T_LAST")
    row = RollupLatest.objects.get(unit__code="VN", window_code="2026", indicator=t_last)
    assert (row.total_sum, row.total_count) == (Decimal(46), 3)


@pytest.mark.django_db
def test_change_times_come_back_to_the_microsecond():
    """The engine reads change times as microseconds since 1970 (``POSTGRES_MICROSECONDS``,
    through a float on PostgreSQL): every microsecond of a day, of a day in 2038 and of one in
    2099 comes back exact."""
    from django.db import connection

    from dantoc.analytics.query import POSTGRES_MICROSECONDS, _as_datetime

    if connection.vendor != "postgresql":
        pytest.skip("SQLite gives the timestamps as text")
    utc = datetime.UTC
    starts = [
        datetime.datetime(2026, 11, 23, 1, 2, 3, tzinfo=utc),
        datetime.datetime(2038, 1, 19, 3, 14, 7, tzinfo=utc),  # 2³¹ s
        datetime.datetime(2099, 12, 31, 23, 59, 58, tzinfo=utc),
    ]
    expression = POSTGRES_MICROSECONDS % "t"
    with connection.cursor() as cursor:
        for start in starts:
            # Two seconds of microseconds, each one (2 × 10⁶ timestamps a start).
            cursor.execute(
                f"SELECT count(*) FROM (SELECT %s::timestamptz + n * interval '1 microsecond'"
                f" AS t, n FROM generate_series(0, 1999999) AS n) s"
                f" WHERE {expression} <> (EXTRACT(EPOCH FROM %s::timestamptz) * 1000000)::bigint"
                " + n",
                [start, start],
            )
            assert cursor.fetchone()[0] == 0, start
            cursor.execute(f"SELECT {expression} FROM (SELECT %s::timestamptz AS t) s", [start])
            assert _as_datetime(cursor.fetchone()[0]) == start
