"""Units and periods chosen by name in the analytics forms (issue 17, defect 7): the unit by
its name typed with or without diacritics (without JavaScript too), the period among
suggestions named "Quý III/2026"; the submitted value keeps its format (codes)."""

from __future__ import annotations

import re

import pytest

from dantoc.reporting.tests.conftest import today  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

PAGE = "/analytics/report/"


def test_the_report_takes_the_unit_by_its_name_without_diacritics(people, login, today):  # noqa: F811
    client = login(people.province)
    for typed in ("tinh tuyen quang", "Tỉnh Tuyên Quang (08)", "08"):
        page = client.get(PAGE, {"form": "BM01-VON", "period": "2026Q3", "unit": typed})
        html = page.content.decode()
        assert page.status_code == 200, (typed, html[:3000])
        assert '<input type="hidden" name="unit" value="08">' in html, typed
        assert 'value="Tỉnh Tuyên Quang (08)"' in html


def test_a_name_of_several_units_offers_them_to_choose_without_javascript(
    people,
    login,
    today,  # noqa: F811
):
    client = login(people.ministry)
    html = client.get(
        PAGE, {"form": "BM01-VON", "period": "2026Q3", "unit": "tuyen quang"}
    ).content.decode()
    # The province and the commune of that name are both offered.
    assert re.findall(r'name="unit__pick" value="([0-9]+)"', html) == ["22963", "08"]
    html = client.get(
        PAGE, {"form": "BM01-VON", "period": "2026Q3", "unit": "xa tan"}
    ).content.decode()
    picks = re.findall(r'name="unit__pick" value="([0-9]+)"', html)
    assert len(picks) >= 2
    chosen = client.get(
        PAGE, {"form": "BM01-VON", "period": "2026Q3", "unit": "xa tan", "unit__pick": picks[0]}
    )
    assert chosen.status_code == 200
    # The report is made for the chosen unit: its PDF/XLSX requests carry its code.
    assert f'name="unit" value="{picks[0]}"' in chosen.content.decode()


def test_the_period_field_suggests_periods_by_name(people, login, today):  # noqa: F811
    html = login(people.province).get(PAGE).content.decode()
    assert 'list="report-periods"' in html
    assert '<option value="2026Q3" label="Quý III/2026">' in html
    assert '<option value="2026Q2" label="Quý II/2026">' in html


def test_the_pivot_takes_the_unit_by_name_and_suggests_periods(people, login, today):  # noqa: F811
    client = login(people.ministry)
    html = client.get(
        "/analytics/pivot/", {"dx": "VON_KH", "pe": "2026Q3", "unit": "tinh tuyen quang"}
    ).content.decode()
    assert 'value="Tỉnh Tuyên Quang (08)"' in html
    assert "Xã Lũng Cú" in html  # the province's communes are the rows
    assert '<option value="2026Q3" label="Quý III/2026">' in html
    assert '<option value="2026" label="Năm 2026">' in html


def test_the_unit_suggestions_answer_a_name_without_diacritics(client):
    results = client.get("/units/pick/", {"q": "lung cu"}).json()["results"]
    assert {"code": "00715", "label": "Xã Lũng Cú — Tỉnh Tuyên Quang (00715)"} in results
    provinces = client.get("/units/pick/", {"q": "tuyen", "level": "province"}).json()["results"]
    assert [r["code"] for r in provinces] == ["08"]
