"""``/api/analytics/rawData``: each stored value an analytics request selects, in DHIS2's
raw data shape, under the rules of aggregated analytics (who may read, approved only)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from decimal import Decimal

import orjson
import pytest

from conftest import PASSWORD, PERSONAS
from dantoc.analytics import apis_raw
from dantoc.analytics.tests.test_analytics import enter, figures  # noqa: F401
from dantoc.reporting.dhis2_ids import CATEGORY_OPTION_COMBO, DATA_ELEMENT, ORG_UNIT, uid
from dantoc.reporting.models import DataValue, Submission, SubmissionStatus
from dantoc.reporting.tests.test_dhis2_metadata import site  # noqa: F401

pytestmark = pytest.mark.django_db

RAW = "/api/analytics/rawData.json"
AGGREGATED = "/api/analytics"
KH_TW = "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=TW"
KH_DP = "DU_AN=DA2;LOAI_VON=SN;NGUON_VON=DP"


def body_of(response) -> dict:
    """The JSON of a streamed answer (read to its end, as a client does)."""
    assert response.streaming, "raw data are written as a stream"
    return orjson.loads(b"".join(response.streaming_content))


def names_of(body) -> list[str]:
    return [h["name"] for h in body["headers"]]


def stored(*, approved_only: bool, indicators=("VON_KH", "VON_GN")) -> Counter:
    """What the values table holds, read without the API: (dx, pe, ou, options, number) of
    every numeric value whose report is approved (or of every value)."""
    approved = {
        (s.unit_id, s.period_id)
        for s in Submission.objects.filter(status=SubmissionStatus.APPROVED)
    }
    found = Counter()
    for value in DataValue.objects.filter(
        indicator__code__in=indicators, deleted=False, numeric__isnull=False
    ).select_related("indicator", "unit", "period"):
        if approved_only and (value.unit_id, value.period_id) not in approved:
            continue
        key = (value.indicator.code, value.period.code, value.unit.code, value.options_key)
        found[(*key, value.numeric)] += 1
    return found


def test_each_approved_value_is_a_row_with_dhis2s_raw_data_columns(login, people, figures):  # noqa: F811
    client = login(people.province)
    response = client.get(RAW, {"dimension": ["dx:VON_KH;VON_GN", "pe:2026Q3", "ou:08", "co"]})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = body_of(response)
    assert names_of(body) == ["dx", "pe", "ou", "co", "pestartdate", "peenddate", "value"]
    assert body["headers"][4]["valueType"] == "DATETIME"
    assert body["height"] == len(body["rows"]) and body["width"] == 7
    # Value by value, what was stored and approved: Lũng Cú's four values, not added up, and
    # not Ngọc Đường's (entered, not approved); the province stands for the units below it.
    answered = Counter(
        (dx, pe, ou, co, Decimal(value)) for dx, pe, ou, co, _s, _e, value in body["rows"]
    )
    assert answered == stored(approved_only=True)
    assert len(answered) == 4
    assert ["VON_KH", "2026Q3", "00715", KH_TW, "2026-07-01 00:00:00",
            "2026-09-30 00:00:00", "500"] in body["rows"]  # fmt: skip
    meta = body["metaData"]
    assert meta["approvedOnly"] is True
    assert meta["dimensions"]["ou"] == ["08"] and meta["items"]["VON_KH"]["name"]
    assert (meta["startDate"], meta["endDate"]) == ("2026-07-01", "2026-09-30")


def test_unapproved_values_come_only_on_request_marked_and_within_ones_scope(
    login,
    people,
    figures,  # noqa: F811
):
    province = login(people.province)
    response = province.get(
        RAW,
        {"dimension": ["dx:VON_KH;VON_GN", "pe:2026Q3", "ou:08", "co"], "includeUnapproved": "1"},
    )
    body = body_of(response)
    assert names_of(body)[-1] == "unapproved"
    answered = Counter((r[0], r[1], r[2], r[3], Decimal(r[6])) for r in body["rows"])
    assert answered == stored(approved_only=False)
    flags = {(r[2], r[6]): r[7] for r in body["rows"]}
    assert flags[("00700", "1000")] == "true" and flags[("00715", "500")] == "false"
    assert body["metaData"]["approvedOnly"] is False

    other = login(people.other_province)
    refused = other.get(
        RAW, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08"], "includeUnapproved": "true"}
    )
    assert refused.status_code == 403
    # Approved values are the programme's results: readable by every reporting official.
    approved = body_of(other.get(RAW, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08"]}))
    assert sorted(r[-1] for r in approved["rows"]) == ["300", "500"]


@pytest.mark.parametrize("persona", sorted(PERSONAS))
@pytest.mark.parametrize("include", ["false", "true"])
def test_every_persona_is_answered_as_aggregated_analytics_answers_them(
    login,
    people,
    figures,  # noqa: F811
    persona,
    include,
):
    client = login(getattr(people, persona))
    query = {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08"], "includeUnapproved": include}
    before = DataValue.objects.count(), Submission.objects.count()
    raw = client.get(RAW, query)
    aggregated = client.get(AGGREGATED, query)
    assert raw.status_code == aggregated.status_code, (raw.status_code, aggregated.status_code)
    if raw.status_code != 200:
        assert raw.json() == aggregated.json()
    else:
        # The same values: the raw rows add up to the aggregated figure.
        total = sum(Decimal(r[-2 if include == "true" else -1]) for r in body_of(raw)["rows"])
        figure = aggregated.json()["rows"][0][3]
        assert total == Decimal(figure)
    assert (DataValue.objects.count(), Submission.objects.count()) == before


def test_a_visitor_is_asked_to_sign_in(client, figures):  # noqa: F811
    response = client.get(RAW, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:VN"]})
    assert response.status_code in (401, 403)
    assert "rows" not in response.content.decode()


def test_a_year_or_a_date_range_reads_the_values_of_the_periods_inside_it(login, people, figures):  # noqa: F811
    client = login(people.province)
    year = body_of(client.get(RAW, {"dimension": ["dx:VON_KH", "pe:THIS_YEAR", "ou:00715"]}))
    # DHIS2 reads every period inside the range and names each value's own period.
    assert sorted((r[1], r[-1]) for r in year["rows"]) == [("2026Q3", "300"), ("2026Q3", "500")]
    ranged = body_of(
        client.get(
            RAW,
            {
                "dimension": ["dx:VON_KH", "ou:00715"],
                "startDate": "2026-07-01",
                "endDate": "2026-12-31",
            },
        )
    )
    assert names_of(ranged) == ["dx", "ou", "pestartdate", "peenddate", "value"]
    assert sorted(r[-1] for r in ranged["rows"]) == ["300", "500"]
    before = body_of(
        client.get(
            RAW,
            {
                "dimension": ["dx:VON_KH", "ou:00715"],
                "startDate": "2026-01-01",
                "endDate": "2026-08-31",
            },
        )
    )
    assert before["rows"] == [] and before["height"] == 0


def test_category_dimensions_and_filters_keep_each_values_options(login, people, figures):  # noqa: F811
    client = login(people.province)
    body = body_of(
        client.get(RAW, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:00715", "NGUON_VON"]})
    )
    assert names_of(body)[:4] == ["dx", "pe", "ou", "NGUON_VON"]
    assert sorted((r[3], r[-1]) for r in body["rows"]) == [("DP", "300"), ("TW", "500")]
    assert body["metaData"]["items"]["TW"]["name"]
    filtered = body_of(
        client.get(
            RAW, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:00715"], "filter": "NGUON_VON:TW"}
        )
    )
    assert [r[-1] for r in filtered["rows"]] == ["500"]
    assert "NGUON_VON" not in names_of(filtered)


def test_output_id_schemes_write_uids_or_names_and_uids_are_read(login, people, figures):  # noqa: F811
    client = login(people.province)
    query = {
        "dimension": [f"dx:{uid(DATA_ELEMENT, 'VON_KH')}", "pe:2026Q3",
                      f"ou:{uid(ORG_UNIT, '00715')}", "co"],
    }  # fmt: skip
    codes = body_of(client.get(RAW, query))
    assert {(r[0], r[2]) for r in codes["rows"]} == {("VON_KH", "00715")}
    uids = body_of(client.get(RAW, {**query, "outputIdScheme": "UID"}))
    assert {tuple(r[:4]) for r in uids["rows"]} == {
        (uid(DATA_ELEMENT, "VON_KH"), "2026Q3", uid(ORG_UNIT, "00715"), uid(CATEGORY_OPTION_COMBO, key))
        for key in (KH_TW, KH_DP)
    }  # fmt: skip
    assert uid(DATA_ELEMENT, "VON_KH") in uids["metaData"]["items"]
    names = body_of(
        client.get(RAW, {**query, "outputIdScheme": "UID", "outputOrgUnitIdScheme": "NAME"})
    )
    assert {r[2] for r in names["rows"]} == {"Xã Lũng Cú"}
    assert {r[0] for r in names["rows"]} == {uid(DATA_ELEMENT, "VON_KH")}
    refused = client.get(RAW, {**query, "outputIdScheme": "ATTRIBUTE:abc"})
    assert refused.status_code == 409 and "outputIdScheme" in refused.json()["message"]


@pytest.mark.parametrize(
    "query",
    [
        {"dimension": ["dx:KHONG_CO", "pe:2026Q3", "ou:08"]},  # unknown data element
        {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:99999"]},  # unknown org unit
        {"dimension": ["dx:VON_KH", "pe:2026X9", "ou:08"]},  # not a period
        {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08", "NGUON_VON:XX"]},  # unknown option
        {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08", "KHONG_CO"]},  # unknown category
        {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08;LEVEL-9"]},  # unknown level
        {"dimension": ["pe:2026Q3", "ou:08"]},  # no data element
    ],
)
def test_requests_the_sibling_endpoints_refuse_are_refused_with_the_same_message(
    login,
    people,
    figures,  # noqa: F811
    query,
):
    client = login(people.province)
    raw = client.get(RAW, query)
    aggregated = client.get(AGGREGATED, query)
    assert raw.status_code == aggregated.status_code == 409, raw.content
    assert raw.json()["message"] == aggregated.json()["message"]
    assert raw.json()["errorCode"] == "E7100"


def test_raw_data_only_requests_are_refused_with_a_reason(login, people, figures):  # noqa: F811
    client = login(people.province)
    base = {"dimension": ["dx:VON_KH", "ou:08"]}
    cases = [
        {**base, "dimension": ["dx:TL_GN", "pe:2026Q3", "ou:08"]},  # computed: nothing stored
        {**base, "dimension": [*base["dimension"], "pe:2026Q3"], "startDate": "2026-01-01",
         "endDate": "2026-12-31"},  # a range and periods
        {**base, "startDate": "2026-12-31", "endDate": "2026-01-01"},  # the wrong way round
        {**base, "startDate": "2026-01-01"},  # half a range
        {**base, "startDate": "31/02/2026", "endDate": "2026-12-31"},  # not a date
        base,  # neither periods nor a range
    ]  # fmt: skip
    for query in cases:
        response = client.get(RAW, query)
        assert response.status_code == 409, (query, response.content)
        assert response.json()["httpStatus"] == "Conflict" and response.json()["message"]


def test_the_stream_is_one_valid_document_across_chunks_and_as_csv(
    login,
    people,
    figures,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(apis_raw, "CHUNK", 3)
    client = login(people.province)
    query = {
        "dimension": ["dx:VON_KH;VON_GN", "pe:2026Q3", "ou:08", "co"],
        "includeUnapproved": "1",
    }
    response = client.get(RAW, query)
    chunks = list(response.streaming_content)
    assert len(chunks) > 3  # written as it is read, not at the end
    body = orjson.loads(b"".join(chunks))
    assert body["height"] == 6 == len(body["rows"])
    as_csv = client.get("/api/analytics/rawData.csv", query)
    assert as_csv["Content-Type"].startswith("application/csv")
    lines = list(csv.reader(io.StringIO(b"".join(as_csv.streaming_content).decode())))
    assert lines[0] == names_of(body)
    assert sorted(lines[1:]) == sorted(body["rows"])
    meta_only = body_of(client.get(RAW, {**query, "skipData": "true"}))
    assert meta_only["rows"] == [] and meta_only["metaData"]["dimensions"]["dx"]
    data_only = body_of(client.get(RAW, {**query, "skipMeta": "true"}))
    assert "metaData" not in data_only and data_only["height"] == 6


def test_the_number_of_queries_does_not_grow_with_the_values(login, people, figures):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(people.province)
    client.get(RAW, {"dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08"]})  # session, caches
    counts, heights = [], []
    for ou in ("00715", "08"):
        query = {"dimension": ["dx:VON_KH;VON_GN", "pe:2026Q3", f"ou:{ou}", "co"],
                 "includeUnapproved": "1"}  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            heights.append(body_of(client.get(RAW, query))["height"])
        counts.append(len(queries))
    assert heights == [4, 6]
    # Session and account (4 or 5), the request's items, units and periods (8), the forms that
    # hold the indicators (2), then per data element, however many values it has: its
    # query in a transaction of its own (savepoint and release here; on PostgreSQL also the
    # cursor setting): at most 4 each.
    assert counts[0] == counts[1] <= 15 + 4 * 2, counts


def test_the_dhis2_py_client_reads_raw_data_as_json_and_csv(site, people, figures):  # noqa: F811
    from dhis2 import Api

    api = Api(site, people.commune.username, PASSWORD)
    params = [
        ("dimension", f"dx:{uid(DATA_ELEMENT, 'VON_KH')};{uid(DATA_ELEMENT, 'VON_GN')}"),
        ("dimension", "pe:LAST_QUARTER"),
        ("dimension", "ou:USER_ORGUNIT"),
        ("dimension", "co"),
        ("outputIdScheme", "UID"),
    ]
    body = api.get("analytics/rawData", params=params).json()
    assert names_of(body) == ["dx", "pe", "ou", "co", "pestartdate", "peenddate", "value"]
    by_uid = {uid(DATA_ELEMENT, c): c for c in ("VON_KH", "VON_GN")}
    by_ou = {uid(ORG_UNIT, "00715"): "00715"}
    answered = Counter(
        (by_uid[dx], pe, by_ou[ou], Decimal(value))
        for dx, pe, ou, _co, _s, _e, value in body["rows"]
    )
    expected = Counter(
        (dx, pe, ou, number) for dx, pe, ou, _k, number in stored(approved_only=True).elements()
    )
    assert answered == expected
    rows = api.get("analytics/rawData", file_type="csv", params=params).text.splitlines()
    assert rows[0] == "dx,pe,ou,co,pestartdate,peenddate,value"
    assert len(rows) == 1 + len(body["rows"])


def _openapi_schema(name: str) -> dict:
    """A component of docs/openapi.yaml as a JSON Schema (OpenAPI 3.0's ``nullable`` as a
    type that admits null)."""
    from pathlib import Path

    import yaml

    document = yaml.safe_load((Path(__file__).parents[3] / "docs" / "openapi.yaml").read_text())

    def convert(node):
        if isinstance(node, dict):
            node = {k: convert(v) for k, v in node.items()}
            if node.pop("nullable", False) and "type" in node:
                node["type"] = [node["type"], "null"]
            return node
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node

    return {"$ref": f"#/components/schemas/{name}", "components": convert(document["components"])}


def test_answers_keep_the_documented_schema_even_with_empty_category_cells(
    login,
    people,
    figures,  # noqa: F811
):
    import jsonschema

    from dantoc.indicators.models import Category, Indicator

    own = Indicator.objects.get(code="VON_KH").categories.values_list("code", flat=True)
    other = Category.objects.exclude(code__in=list(own)).values_list("code", flat=True).first()
    client = login(people.province)
    body = body_of(
        client.get(
            RAW,
            {
                "dimension": ["dx:VON_KH", "pe:2026Q3", "ou:08", "co", other],
                "includeUnapproved": "true",
            },
        )
    )
    # A value without an option in a category shown has an empty cell there (DHIS2: null).
    assert body["rows"] and {r[4] for r in body["rows"]} == {None}
    schema = _openapi_schema("RawDataResponseSchema")
    jsonschema.validate(body, schema)
    jsonschema.validate(body_of(client.get(RAW, {"dimension": ["dx:VON_KH", "ou:08"],
                                                 "startDate": "2026-01-01", "endDate": "2026-12-31",
                                                 "skipMeta": "true"})), schema)  # fmt: skip
