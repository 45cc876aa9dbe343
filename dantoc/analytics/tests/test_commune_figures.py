"""A commune's figures are the same through every public reader — the analytics engine and
its API, the dashboard, the pivot table and an open-data release built at commune level —
on a world of approved, submitted, draft, changed and reopened reports. The expected figures
were taken from the roll-up tables (commune rows kept) and must stay the same whatever the
engine reads a commune's figures from."""

from __future__ import annotations

import datetime
import json
import os
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from dantoc.accounts.models import RoleCode
from dantoc.accounts.services import user_create
from dantoc.analytics.query import AnalyticsRequest, analytics_run
from dantoc.analytics.rollups import rollups_differences
from dantoc.analytics.selectors import dashboard, pivot, pivot_lines
from dantoc.analytics.tests.test_rollups import ENTRY_DAY, PLACES, _apply, _define_test_form
from dantoc.geo.selectors import unit_get
from dantoc.opendata.releases import Figures, figure_rows
from dantoc.reporting import selectors, services
from dantoc.reporting.models import Submission
from dantoc.reporting.tests.conftest import cell_keys

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 10, 5)
COMMUNES = ["00715", "00700", "02680"]  # Lũng Cú, Ngọc Đường (Tuyên Quang); Hợp Thành (Lào Cai)


def _enter(user, von, period, values: dict[str, str], day) -> None:
    cells = []
    for spec, value in values.items():
        indicator, project, kind, source = spec.split("/")
        [key] = cell_keys(von, indicator=indicator, DU_AN=project, LOAI_VON=kind, NGUON_VON=source)
        cells.append(services.CellInput(key, value))
    services.datavalues_save(
        actor=user, form=von, unit=user.unit, period=period, inputs=cells, source="web",
        today=day,
    )  # fmt: skip


@pytest.fixture
def world(people):
    """The property tests' form of every aggregation, reported by the three current
    communes of their world (see test_rollups)."""
    form = _define_test_form()
    layout = selectors.form_layout(form)
    units, reporters, approvers = [], [], []
    for index, (code, as_of, _periods) in enumerate(PLACES[:3]):
        unit = unit_get(code=code, as_of=as_of)
        units.append(unit)
        reporters.append(
            user_create(
                actor=None, username=f"xa.{index}", password="x", unit=unit,
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
    return {"form": form, "units": units, "reporters": reporters, "approvers": approvers,
            "cells": cells, "periods": periods}  # fmt: skip


@pytest.fixture
def commune_world(people, world, monkeypatch):
    """Capital (BM01-VON): Lũng Cú Q2 approved, Q3 entered, corrected and approved; Ngọc
    Đường Q3 submitted, not approved. Test form (T-AGG, every aggregation): Lũng Cú Q3
    approved; Ngọc Đường Q3 imported and a draft; Hợp Thành approved, reopened and changed."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    von = selectors.form_get(code="BM01-VON")
    q2 = services.period_resolve(period_type=von.period_type, code="2026Q2")
    q3 = services.period_resolve(period_type=von.period_type, code="2026Q3")
    commune, other = people.commune, people.other_commune
    _enter(commune, von, q2, {"VON_KH/DA1/DTPT/TW": "200", "VON_KH/DA2/SN/DP": "100",
                              "VON_GN/DA1/DTPT/TW": "100", "VON_GN/DA2/SN/DP": "50"},
           datetime.date(2026, 7, 5))  # fmt: skip
    services.submission_submit(
        actor=commune, form=von, unit=commune.unit, period=q2, today=datetime.date(2026, 7, 5)
    )
    services.submission_approve(
        actor=people.province, submission=Submission.objects.get(unit=commune.unit, period=q2)
    )
    _enter(commune, von, q3, {"VON_KH/DA1/DTPT/TW": "500", "VON_KH/DA2/SN/DP": "300",
                              "VON_GN/DA1/DTPT/TW": "400", "VON_GN/DA2/SN/DP": "150"}, TODAY)  # fmt: skip
    _enter(commune, von, q3, {"VON_GN/DA1/DTPT/TW": "420", "VON_KH/DA2/SN/DP": "250"}, TODAY)
    services.submission_submit(actor=commune, form=von, unit=commune.unit, period=q3, today=TODAY)
    services.submission_approve(
        actor=people.province, submission=Submission.objects.get(unit=commune.unit, period=q3)
    )
    _enter(other, von, q3, {"VON_KH/DA1/DTPT/TW": "1000", "VON_GN/DA1/DTPT/TW": "10"}, TODAY)
    services.submission_submit(actor=other, form=von, unit=other.unit, period=q3, today=TODAY)
    for op in [
        # Lũng Cú (place 0): Q2 and Q3, approved, one value changed before approval.
        ("save", 0, 0, "T_LAST", "NAM", 11), ("approve", 0, 0),
        ("save", 0, 1, "T_SUM", "NAM", 7), ("save", 0, 1, "T_SUM", "NU", 5),
        ("save", 0, 1, "T_AVG", "NAM", 4), ("save", 0, 1, "T_AVG", "NU", 9),
        ("save", 0, 1, "T_LAST", "NAM", 9), ("save", 0, 1, "T_NONE", "NU", 3),
        ("save", 0, 1, "T_SUM", "NU", 6), ("approve", 0, 1),
        # Ngọc Đường (place 1): Q3 imported, then a draft change; Q2 a draft.
        ("import", 1, 1, [("T_SUM", "NAM", 20), ("T_LAST", "NU", 8), ("T_AVG", "NAM", 2)]),
        ("save", 1, 1, "T_SUM", "NAM", 21), ("save", 1, 0, "T_LAST", "NU", 2),
        # Hợp Thành (place 2): approved, reopened and changed (approved figures gone).
        ("save", 2, 0, "T_SUM", "NAM", 30), ("save", 2, 0, "T_LAST", "NU", 4),
        ("approve", 2, 0), ("reopen", 2, 0), ("save", 2, 0, "T_SUM", "NAM", 33),
    ]:  # fmt: skip
        _apply(world, op)
    assert rollups_differences() == []
    return SimpleNamespace(von=von, q3=q3)


def _text(value) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def _engine(units: list[str]) -> list:
    answers = []
    for include in (False, True):
        for categories in ({}, {"GIOI_TINH": []}):
            for dx, pe in (
                (["T_SUM", "T_AVG", "T_LAST", "T_NONE"], ["2026Q2", "2026Q3", "2026", "2026S2"]),
            ):
                result = analytics_run(
                    AnalyticsRequest(
                        dx=dx, pe=pe, ou=units, hierarchy_date=TODAY, include_unapproved=include,
                        categories=categories,
                    )
                )  # fmt: skip
                answers += sorted(
                    [include, sorted(r.keys.items()), _text(r.value), bool(r.unapproved)]
                    for r in result.rows
                )
        for categories in ({}, {"DU_AN": []}):
            result = analytics_run(
                AnalyticsRequest(
                    dx=["VON_KH", "VON_GN", "TL_GN"], pe=["2026Q2", "2026Q3", "2026"], ou=units,
                    hierarchy_date=TODAY, include_unapproved=include, categories=categories,
                )
            )  # fmt: skip
            answers += sorted(
                [include, sorted(r.keys.items()), _text(r.value), bool(r.unapproved)]
                for r in result.rows
            )
    return answers


def _snapshot(login, people, world) -> dict:
    snap: dict = {}
    # The engine, commune by commune and for the communes of a province (LEVEL-commune).
    for code in COMMUNES:
        snap[f"engine {code}"] = _engine([code])
    snap["engine 08 communes"] = _engine(["08", "LEVEL-commune"])
    # The API for a commune (figures and unapproved marks).
    client = login(people.ministry)
    body = client.get(
        "/api/analytics",
        {"dimension": ["dx:VON_KH;VON_GN;T_SUM;T_LAST", "pe:2026Q3;2026", "ou:00715;00700;02680"],
         "includeUnapproved": "true"},
    ).json()  # fmt: skip
    snap["api"] = sorted(body["rows"])
    # The dashboard of a commune.
    for include in (False, True):
        board = dashboard(
            unit=unit_get(code="00715", as_of=TODAY), year=2026, include_unapproved=include,
            today=TODAY,
        )  # fmt: skip
        snap[f"dashboard {include}"] = sorted([f.code, _text(f.value)] for f in board.key_figures)
    # The pivot table at commune level.
    for include in (False, True):
        result = analytics_run(
            AnalyticsRequest(
                dx=["VON_KH", "VON_GN", "T_SUM", "T_LAST"], pe=["2026Q3", "2026"],
                ou=["08", "15", "LEVEL-commune"], hierarchy_date=TODAY, include_unapproved=include,
            )
        )  # fmt: skip
        table = pivot(result, category=None)
        snap[f"pivot {include}"] = [
            [_text(c) if isinstance(c, Decimal) else c for c in line] for line in pivot_lines(table)
        ]
    # An open-data release built at commune level.
    dataset = SimpleNamespace(
        units=["00715", "00700", "02680"], indicators=["VON_KH", "VON_GN", "T_SUM"],
        periods=["2026Q3", "2026"],
    )  # fmt: skip
    figures = Figures(columns=[], categories=["DU_AN"])
    snap["release"] = list(figure_rows(dataset, figures))
    return snap


def test_a_communes_figures_are_the_same_through_every_reader(login, people, commune_world, world):
    snap = json.loads(json.dumps(_snapshot(login, people, world)))
    path = os.path.join(os.path.dirname(__file__), "commune_figures.json")
    if os.environ.get("DANTOC_WRITE_COMMUNE_FIGURES"):
        with open(path, "w", encoding="utf-8") as out:
            json.dump(snap, out, ensure_ascii=False, indent=1, sort_keys=True)
    with open(path, encoding="utf-8") as stored:
        expected = json.load(stored)
    assert sorted(snap) == sorted(expected)
    for name in expected:
        assert snap[name] == expected[name], name
