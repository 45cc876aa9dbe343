"""Every aggregate says how much data is behind it: "1/N xã đã báo cáo — x %", per unit row,
in the API's metadata; rankings leave out units below the coverage threshold."""

from __future__ import annotations

import datetime
import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from dantoc.analytics.coverage import COVERAGE_THRESHOLD, coverage, forms_behind
from dantoc.analytics.selectors import dashboard
from dantoc.analytics.tests import test_analytics
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.selectors import unit_get, valid_on_q
from dantoc.reporting.models import SubmissionStatus

pytestmark = pytest.mark.django_db

API = test_analytics.API
figures = test_analytics.figures  # the fixture: Lũng Cú approved, Ngọc Đường entered

TODAY = datetime.date(2026, 10, 5)


def communes_of(code: str) -> int:
    root = unit_get(code=code)
    return Unit.objects.filter(
        valid_on_q(datetime.date(2026, 9, 30)),
        level=UnitLevel.COMMUNE,
        path__startswith=root.path,
    ).count()


def vn(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_one_selector_counts_the_units_that_reported_approved_or_also_submitted(people, figures):
    province = unit_get(code="08")
    forms = forms_behind(["TL_GN"])  # a computed indicator: the form of its parts
    assert [f.code for f in forms] == ["BM01-VON"]
    expected = communes_of("08")
    found = coverage(forms=forms, units=[province], period_codes=["2026Q3"])
    c = found[("BM01-VON", "08", "2026Q3")]
    assert (c.reported, c.expected) == (1, expected)
    assert c.text == f"1/{vn(expected)} xã đã báo cáo — " + (
        f"{100 / expected:.1f}".replace(".", ",") + " %"
    )
    assert not c.rankable and c.percent < COVERAGE_THRESHOLD
    # Ngọc Đường submits: it counts when unapproved figures are included, not before.
    from dantoc.reporting import services

    services.submission_submit(
        actor=people.other_commune,
        form=forms[0],
        unit=people.other_commune.unit,
        period=figures,
    )
    assert (
        coverage(forms=forms, units=[province], period_codes=["2026Q3"])[
            ("BM01-VON", "08", "2026Q3")
        ].reported
        == 1
    )
    with_unapproved = coverage(
        forms=forms, units=[province], period_codes=["2026Q3"], include_unapproved=True
    )
    assert with_unapproved[("BM01-VON", "08", "2026Q3")].reported == 2
    # The year holds the quarter; a waived report is not expected.
    year = coverage(forms=forms, units=[province, people.commune.unit], period_codes=["2026"])
    assert year[("BM01-VON", "08", "2026")].reported == 1
    assert year[("BM01-VON", "00715", "2026")].short == "1/1"
    from dantoc.reporting.models import Submission

    Submission.objects.filter(unit=people.other_commune.unit).update(status=SubmissionStatus.WAIVED)
    waived = coverage(forms=forms, units=[province], period_codes=["2026Q3"])
    assert waived[("BM01-VON", "08", "2026Q3")].expected == expected - 1


def test_the_analytics_api_carries_coverage_in_its_metadata(login, people, figures):
    body = (
        login(people.province)
        .get(API, {"dimension": ["dx:VON_KH;TL_GN", "pe:2026Q3", "ou:08;00715;00700"]})
        .json()
    )
    found = {(c["form"], c["ou"], c["pe"]): c for c in body["metaData"]["coverage"]}
    assert found[("BM01-VON", "08", "2026Q3")]["reported"] == 1
    assert found[("BM01-VON", "08", "2026Q3")]["expected"] == communes_of("08")
    assert found[("BM01-VON", "00715", "2026Q3")] == {
        "form": "BM01-VON",
        "ou": "00715",
        "pe": "2026Q3",
        "level": "commune",
        "reported": 1,
        "expected": 1,
        "percent": 100.0,
        "rankable": True,
    }
    assert found[("BM01-VON", "00700", "2026Q3")]["reported"] == 0


def test_dashboard_shows_coverage_and_ranks_only_units_above_the_threshold(login, people, figures):
    page = login(people.province).get("/analytics/", {"unit": "08", "year": "2026"})
    html = flat(page.content.decode())
    assert f"Biểu BM01-VON: 1/{vn(communes_of('08'))} xã đã báo cáo" in html
    # Per unit row: Lũng Cú 1/1 is ranked; Ngọc Đường (no approved report) is named apart.
    assert "1/1 (100,0 %)" in html
    assert re.search(r"Không xếp hạng \(dưới 50 % đơn vị báo cáo\):[^<]*Ngọc Đường \(0/1\)", html)
    board = dashboard(unit=unit_get(code="08"), year=2026, include_unapproved=False, today=TODAY)
    ranked_names = re.findall(r"<title>([^<]*)</title>", board.ranking_chart)
    assert not any("Ngọc Đường" in name for name in ranked_names)
    assert any(u.code == "00700" for u, _c in board.unranked)


def test_pivot_headers_name_the_indicator_and_period_and_rows_show_coverage(login, people, figures):
    params = {"dx": ["VON_GN"], "pe": "2026Q3", "unit": "08", "scope": "communes"}
    client = login(people.province)
    page = client.get("/analytics/pivot/", params)
    html = flat(page.content.decode())
    thead = re.search(r"<thead>(.*?)</thead>", html).group(1)
    assert "VON_GN" not in thead and "2026Q3" not in thead
    assert "Quý III/2026" in thead and "Đã báo cáo" in thead
    assert f"Biểu BM01-VON, Quý III/2026: 1/{vn(communes_of('08'))} xã đã báo cáo" in html
    assert re.search(r"Xã Lũng Cú</th><td class=\"num\">550</td><td class=\"num\">1/1</td>", html)
    csv_text = client.get("/analytics/pivot/", {**params, "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    assert "xã đã báo cáo" in csv_text


def test_the_aggregate_report_states_its_coverage_and_per_unit_row(login, people, figures):
    response = login(people.province).get(
        "/analytics/report.pdf", {"form": "BM01-VON", "period": "2026Q3", "unit": "08"}
    )
    text = flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages))
    assert f"Số liệu tổng hợp từ 1/{vn(communes_of('08'))} xã đã báo cáo" in text
    assert "Xã Lũng Cú" in text and "Đã báo cáo" in text and "Chưa báo cáo" in text
