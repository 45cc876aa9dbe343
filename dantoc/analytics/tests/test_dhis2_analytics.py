"""DHIS2 analytics shorthands: relative periods, the caller's own org units, UIDs, and the
answer as a data value set."""

from __future__ import annotations

import datetime

import pytest

from dantoc.analytics.dhis2_params import relative_periods
from dantoc.analytics.tests.test_analytics import figures, rows_of  # noqa: F401
from dantoc.reporting.dhis2_ids import DATA_ELEMENT, ORG_UNIT, uid

pytestmark = pytest.mark.django_db
API = "/api/analytics"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("THIS_YEAR", ["2026"]),
        ("LAST_YEAR", ["2025"]),
        ("THIS_QUARTER", ["2026Q4"]),
        ("LAST_QUARTER", ["2026Q3"]),
        ("LAST_4_QUARTERS", ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]),
        ("THIS_MONTH", ["202610"]),
        ("LAST_MONTH", ["202609"]),
        ("LAST_3_MONTHS", ["202607", "202608", "202609"]),
        ("THIS_SIX_MONTH", ["2026S2"]),
        ("LAST_SIX_MONTH", ["2026S1"]),
    ],
)
def test_relative_periods_count_from_today_as_dhis2_does(name, expected):
    assert relative_periods(name, datetime.date(2026, 10, 5)) == expected


def test_last_12_months_crosses_the_year_and_leaves_out_this_month():
    months = relative_periods("LAST_12_MONTHS", datetime.date(2026, 1, 20))
    assert months[0] == "202501" and months[-1] == "202512" and len(months) == 12


def test_relative_periods_user_org_units_and_uids_answer_as_their_codes(login, people, figures):  # noqa: F811
    client = login(people.province)
    province = people.province.unit.code
    response = client.get(
        API,
        {
            "dimension": [
                f"dx:{uid(DATA_ELEMENT, 'VON_KH')}",
                "pe:LAST_QUARTER;THIS_YEAR",
                "ou:USER_ORGUNIT",
            ]
        },
    )
    assert response.status_code == 200, response.content
    rows = rows_of(response.json())
    assert rows[("VON_KH", "2026Q3", province)] == "800"
    assert rows[("VON_KH", "2026", province)] == "800"
    children = client.get(
        API, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:USER_ORGUNIT_CHILDREN"]}
    ).json()
    assert rows_of(children)[("VON_KH", "2026Q3", "00715")] == "800"
    by_uid = client.get(
        API, {"dimension": ["dx:VON_KH", "pe:2026Q3", f"ou:{uid(ORG_UNIT, '00715')}"]}
    ).json()
    assert rows_of(by_uid)[("VON_KH", "2026Q3", "00715")] == "800"


def test_the_answer_is_given_as_a_data_value_set(login, people, figures):  # noqa: F811
    client = login(people.province)
    response = client.get(
        f"{API}/dataValueSet.json",
        {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:00715", "NGUON_VON"]},
    )
    assert response.status_code == 200, response.content
    values = {
        (v["dataElement"], v["period"], v["orgUnit"], v["categoryOptionCombo"]): v["value"]
        for v in response.json()["dataValues"]
    }
    assert values[("VON_KH", "2026Q3", "00715", "NGUON_VON=TW")] == "500"
    assert values[("VON_KH", "2026Q3", "00715", "NGUON_VON=DP")] == "300"
    refused = client.get(
        f"{API}/dataValueSet.json", {"dimension": ["dx:VON_KH", "pe:2026Q3"], "filter": "ou:08"}
    )
    assert refused.status_code == 409


def test_dimension_co_answers_one_column_of_option_combinations(login, people, figures):  # noqa: F811
    client = login(people.province)
    response = client.get(API, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:00715", "co"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [h["name"] for h in body["headers"]] == ["dx", "pe", "ou", "co", "value"]
    rows = rows_of(body)
    assert rows[("VON_KH", "2026Q3", "00715", "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=TW")] == "500"
    assert rows[("VON_KH", "2026Q3", "00715", "DU_AN=DA2;LOAI_VON=SN;NGUON_VON=DP")] == "300"
    assert "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=TW" in body["metaData"]["dimensions"]["co"]
    assert body["width"] == 5
