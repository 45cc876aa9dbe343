"""DHIS2's metadata API and identifier schemes: what a DHIS2 client reads to discover what
to send (data sets, data elements, categories and their combinations, org units, system
info), UIDs beside codes in every direction, and payloads without a data set.

The last tests drive the platform with ``dhis2.py`` (PyPI), a real DHIS2 client, over HTTP.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import orjson
import pytest
from django.conf import settings

from conftest import PASSWORD, in_process_server
from dantoc.audit.models import AuditEntry
from dantoc.core.models import BackgroundJob, JobStatus
from dantoc.reporting import services
from dantoc.reporting.dhis2_ids import (
    CATEGORY_OPTION_COMBO,
    DATA_ELEMENT,
    DATA_SET,
    ORG_UNIT,
    uid,
)
from dantoc.reporting.models import DataValue
from dantoc.reporting.tasks import datavalueset_import_task

pytestmark = pytest.mark.django_db

KH_TW = "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=TW"
KH_DP = "DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=DP"
UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")


def basic(user, password=PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user.username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def get(client, user, url):
    response = client.get(url, **basic(user))
    assert response.status_code == 200, response.content
    return response.json()


def post(client, user, body, url="/api/dataValueSets", content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else orjson.dumps(body)
    return client.post(url, data, content_type=content_type, **basic(user))


# --- UIDs ----------------------------------------------------------------------------------


def test_every_uid_is_eleven_characters_letter_first_and_the_same_each_time():
    seen = set()
    for kind in (DATA_SET, DATA_ELEMENT, ORG_UNIT, CATEGORY_OPTION_COMBO):
        for code in ("BM01-VON", "VON_KH", "00715", KH_TW, "x"):
            value = uid(kind, code)
            assert UID.fullmatch(value), value
            assert uid(kind, code) == value
            seen.add(value)
    assert len(seen) == 20  # kind and code both matter
    # DHIS2's own "default" combination keeps the UID it has in every DHIS2 database.
    assert uid(CATEGORY_OPTION_COMBO, "default") == "HllvX50cXC0"


# --- the metadata API ----------------------------------------------------------------------


def test_data_sets_are_listed_as_dhis2_pages_them_with_id_and_display_name(client, people):
    from dantoc.reporting.models import ReportForm

    body = get(client, people.commune, "/api/dataSets")
    active = ReportForm.objects.filter(status="active").count()  # the platform's computed forms too
    assert active >= 2
    assert body["pager"] == {"page": 1, "pageCount": 1, "total": active, "pageSize": 50}
    assert uid(DATA_SET, "BM01-VON") in {d["id"] for d in body["dataSets"]}
    assert all(set(item) == {"id", "displayName"} for item in body["dataSets"])


def test_a_client_finds_a_form_by_code_and_walks_to_its_data_elements_by_uid(client, people):
    user = people.commune
    found = get(
        client,
        user,
        "/api/dataSets?filter=code:eq:BM01-VON&fields=id,code,periodType,"
        "dataSetElements[dataElement[id,code]]",
    )["dataSets"]
    assert len(found) == 1 and found[0]["code"] == "BM01-VON"
    assert found[0]["periodType"] == "Quarterly"
    elements = {
        e["dataElement"]["code"]: e["dataElement"]["id"] for e in found[0]["dataSetElements"]
    }
    assert elements == {c: uid(DATA_ELEMENT, c) for c in ("VON_GN", "VON_KH")}
    detail = get(client, user, f"/api/dataElements/{elements['VON_KH']}")
    assert detail["code"] == "VON_KH" and detail["valueType"] == "NUMBER"
    assert detail["dataSetElements"][0]["dataSet"]["id"] == found[0]["id"]
    combo = get(client, user, f"/api/categoryCombos/{detail['categoryCombo']['id']}")
    assert combo["code"] == "DU_AN+LOAI_VON+NGUON_VON" and len(combo["categories"]) == 3
    assert uid(CATEGORY_OPTION_COMBO, KH_TW) in {c["id"] for c in detail["categoryOptionCombos"]}


def test_option_combinations_are_named_by_their_options_with_dhis2s_default(client, people):
    body = get(
        client,
        people.commune,
        f"/api/categoryOptionCombos?paging=false&fields=id,code,name,categoryOptions"
        f"&filter=id:in:[{uid(CATEGORY_OPTION_COMBO, KH_TW)},HllvX50cXC0]",
    )
    assert "pager" not in body
    combos = {c["code"]: c for c in body["categoryOptionCombos"]}
    assert set(combos) == {KH_TW, "default"}
    assert combos["default"]["id"] == "HllvX50cXC0"
    assert len(combos[KH_TW]["categoryOptions"]) == 3
    option = get(
        client, people.commune, f"/api/categoryOptions/{combos[KH_TW]['categoryOptions'][0]['id']}"
    )
    assert "=" in option["code"] and option["categories"]


def test_filters_fields_order_and_pages_work_as_in_dhis2(client, people):
    user = people.commune
    ilike = get(client, user, "/api/dataElements?filter=code:ilike:von_&fields=code&paging=false")
    assert sorted(e["code"] for e in ilike["dataElements"]) == ["VON_GN", "VON_KH"]
    both = get(
        client,
        user,
        "/api/dataElements?filter=code:eq:VON_GN&filter=code:eq:VON_KH&rootJunction=OR"
        "&fields=code&order=code:desc&paging=false",
    )
    assert [e["code"] for e in both["dataElements"]] == ["VON_KH", "VON_GN"]
    every = get(client, user, "/api/dataElements?fields=:all,!description&pageSize=2&page=2")
    assert every["pager"]["page"] == 2 and every["pager"]["pageSize"] == 2
    assert "prevPage" in every["pager"] and len(every["dataElements"]) <= 2
    assert "valueType" in every["dataElements"][0]
    assert "description" not in every["dataElements"][0]
    refused = client.get("/api/dataElements?filter=code:near:X", **basic(user))
    assert refused.status_code == 400 and refused.json()["status"] == "ERROR"
    missing = client.get("/api/dataElements/abcdefghijk", **basic(user))
    assert missing.status_code == 404 and missing.json()["httpStatusCode"] == 404


def test_org_units_carry_level_parent_and_a_path_of_uids(client, people):
    body = get(
        client,
        people.commune,
        "/api/organisationUnits?filter=code:eq:00715&fields=id,code,level,parent,path",
    )
    (unit,) = body["organisationUnits"]
    assert unit["id"] == uid(ORG_UNIT, "00715")
    assert unit["path"].endswith("/" + unit["id"]) and unit["path"].count("/") == unit["level"]
    parent = get(client, people.commune, f"/api/organisationUnits/{unit['parent']['id']}")
    assert unit["id"] in {c["id"] for c in parent["children"]}
    assert parent["level"] == unit["level"] - 1


def test_metadata_is_answered_under_an_api_version_and_with_json_suffix(client, people):
    plain = get(client, people.commune, "/api/dataSets?fields=id")
    assert get(client, people.commune, "/api/40/dataSets.json?fields=id") == plain
    info = get(client, people.commune, "/api/system/info")
    assert info["version"].startswith("2.40") and info["calendar"] == "iso8601"
    assert info["serverTimeZoneId"] == settings.TIME_ZONE


def test_metadata_needs_a_signed_in_client(client):
    response = client.get("/api/dataSets")
    assert response.status_code in (401, 403)
    assert response.json()["status"] == "ERROR"


# --- identifier schemes on import and export -----------------------------------------------

UID_EXAMPLE = {
    "dataSet": uid(DATA_SET, "BM01-VON"),
    "period": "2026Q3",
    "orgUnit": uid(ORG_UNIT, "00715"),
    "dataValues": [
        {
            "dataElement": uid(DATA_ELEMENT, "VON_KH"),
            "categoryOptionCombo": uid(CATEGORY_OPTION_COMBO, KH_TW),
            "value": "12",
        },
        {
            "dataElement": uid(DATA_ELEMENT, "VON_KH"),
            "categoryOptionCombo": uid(CATEGORY_OPTION_COMBO, KH_DP),
            "value": "14",
        },
    ],
}


def test_a_payload_of_uids_imports_and_reads_back_in_uids(client, people, today):
    response = post(client, people.commune, UID_EXAMPLE)
    assert response.status_code == 200, response.content
    assert response.json()["response"]["importCount"]["imported"] == 2
    assert set(DataValue.objects.values_list("options_key", flat=True)) == {KH_TW, KH_DP}
    read = get(
        client,
        people.commune,
        f"/api/dataValueSets?dataSet={UID_EXAMPLE['dataSet']}&period=2026Q3"
        f"&orgUnit={UID_EXAMPLE['orgUnit']}&idScheme=UID",
    )
    assert read["dataSet"] == UID_EXAMPLE["dataSet"]
    sent = {
        (v["dataElement"], v["categoryOptionCombo"], v["value"]) for v in UID_EXAMPLE["dataValues"]
    }
    got = {(v["dataElement"], v["categoryOptionCombo"], v["value"]) for v in read["dataValues"]}
    assert got == sent
    assert {v["orgUnit"] for v in read["dataValues"]} == {UID_EXAMPLE["orgUnit"]}
    codes = get(
        client, people.commune, "/api/dataValueSets?dataSet=BM01-VON&period=2026Q3&orgUnit=00715"
    )
    assert {v["dataElement"] for v in codes["dataValues"]} == {"VON_KH"}


def test_names_are_accepted_when_the_client_asks_for_the_name_scheme(client, people, today):
    from dantoc.indicators.models import Indicator

    name = Indicator.objects.get(code="VON_KH").name
    body = {
        "dataSet": "BM01-VON",
        "period": "2026Q3",
        "orgUnit": "00715",
        "dataValues": [{"dataElement": name, "categoryOptionCombo": KH_TW, "value": "5"}],
    }
    refused = post(client, people.commune, body)
    assert refused.status_code == 409 and not DataValue.objects.exists()
    accepted = post(
        client,
        people.commune,
        body,
        url="/api/dataValueSets?dataElementIdScheme=NAME&categoryOptionComboIdScheme=CODE",
    )
    assert accepted.status_code == 200, accepted.content
    assert DataValue.objects.get().indicator.code == "VON_KH"


# --- payloads without a data set -----------------------------------------------------------


def test_a_payload_without_data_set_goes_to_the_form_that_holds_its_data_elements(
    client, people, today
):
    body = {**UID_EXAMPLE}
    del body["dataSet"]
    response = post(client, people.commune, body)
    assert response.status_code == 200, response.content
    assert response.json()["response"]["importCount"]["imported"] == 2


def test_our_own_csv_export_posts_back_unchanged(client, people, today):
    post(client, people.commune, UID_EXAMPLE)
    exported = client.get(
        "/api/dataValueSets.csv?dataSet=BM01-VON&period=2026Q3&orgUnit=00715",
        **basic(people.commune),
    ).content
    assert exported.count(b"\n") == 3  # header and two values
    DataValue.objects.all().delete()
    response = post(client, people.commune, exported, content_type="application/csv")
    assert response.status_code == 200, response.content
    assert response.json()["response"]["importCount"]["imported"] == 2
    assert set(DataValue.objects.values_list("value", flat=True)) == {"12", "14"}


def test_a_data_element_in_two_forms_is_refused_with_a_conflict_naming_both(client, people, today):
    definition = json.loads(
        (Path(settings.BASE_DIR) / "data/forms/bm01_von.json").read_text(encoding="utf-8")
    )
    definition.update(code="BM09-VON", name="Biểu thử có cùng chỉ tiêu vốn")
    services.form_define(definition=definition)
    csv_body = f'VON_KH,2026Q3,00715,"{KH_TW}",,12,,,,false\n'
    response = post(client, people.commune, csv_body, content_type="text/csv")
    assert response.status_code == 409
    (conflict,) = response.json()["response"]["conflicts"]
    assert conflict["errorCode"] == "E7602" and conflict["object"] == "VON_KH"
    assert "BM01-VON" in conflict["value"] and "BM09-VON" in conflict["value"]
    assert not DataValue.objects.exists()
    named = post(
        client, people.commune, csv_body, url="/api/dataValueSets?dataSet=BM01-VON",
        content_type="text/csv",
    )  # fmt: skip
    assert named.status_code == 200, named.content


def test_an_unknown_org_unit_in_the_header_aborts_the_import_with_e7603(client, people, today):
    body = {**UID_EXAMPLE, "orgUnit": "99999"}
    response = post(client, people.commune, body)
    assert response.status_code == 409
    summary = response.json()["response"]
    assert summary["status"] == "ERROR"
    assert [c["errorCode"] for c in summary["conflicts"]] == ["E7603"]
    assert not DataValue.objects.exists()


# --- a real DHIS2 client -------------------------------------------------------------------


@pytest.fixture
def site(db):
    """A real HTTP server on a free port answering on the test's own database connection."""
    with in_process_server() as url:
        yield url


def test_the_dhis2_py_client_discovers_the_metadata_and_posts_in_uids(site, people, today):
    from dhis2 import Api

    api = Api(site, people.commune.username, PASSWORD)
    assert api.version_int == 40
    pages = api.get_paged("dataElements", page_size=3, params={"fields": "id,code"}, merge=True)
    codes = {e["code"]: e["id"] for e in pages["dataElements"]}
    assert {"VON_KH", "VON_GN"} <= set(codes) and len(pages["dataElements"]) > 3
    data_set = api.get("dataSets", params={"filter": "code:eq:BM01-VON", "fields": "id"}).json()
    payload = {
        "dataSet": data_set["dataSets"][0]["id"],
        "period": "2026Q3",
        "orgUnit": api.get(
            "organisationUnits", params={"filter": "code:eq:00715", "fields": "id"}
        ).json()["organisationUnits"][0]["id"],
        "dataValues": [
            {
                "dataElement": codes["VON_KH"],
                "categoryOptionCombo": uid(CATEGORY_OPTION_COMBO, KH_TW),
                "value": "7",
            }
        ],
    }
    answer = api.post("dataValueSets", json=payload).json()
    assert answer["response"]["importCount"]["imported"] == 1
    read = api.get(
        "dataValueSets",
        params={
            "dataSet": payload["dataSet"],
            "period": "2026Q3",
            "orgUnit": payload["orgUnit"],
            "idScheme": "UID",
        },
    ).json()
    assert [v["value"] for v in read["dataValues"]] == ["7"]
    assert read["dataValues"][0]["dataElement"] == codes["VON_KH"]


def test_forms_indicators_and_periods_are_listed_in_the_platforms_own_api(client, people, q3):
    forms = client.get("/api/v1/forms/").json()
    von = next(f for f in forms if f["code"] == "BM01-VON")
    assert von["uid"] == uid(DATA_SET, "BM01-VON") and von["indicators"] == ["VON_GN", "VON_KH"]
    assert client.get("/api/v1/forms/BM01-VON/").json()["period_type"] == von["period_type"]
    indicator = client.get("/api/v1/indicators/VON_KH/").json()
    assert indicator["uid"] == uid(DATA_ELEMENT, "VON_KH")
    assert {c["code"] for c in indicator["categories"]} == {"DU_AN", "LOAI_VON", "NGUON_VON"}
    periods = client.get("/api/v1/periods/?form=BM01-VON").json()["results"]
    assert "2026Q3" in {p["code"] for p in periods}
    assert client.get("/api/v1/forms/NOPE/").status_code == 404


# --- XML (DXF2) ----------------------------------------------------------------------------

XML_BODY = f"""<?xml version="1.0" encoding="UTF-8"?>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" dataSet="BM01-VON"
    completeDate="2026-10-05" period="2026Q3" orgUnit="00715">
  <dataValue dataElement="VON_KH" categoryOptionCombo="{KH_TW}" value="12" comment="c &amp; d"/>
  <dataValue dataElement="{uid(DATA_ELEMENT, "VON_KH")}" categoryOptionCombo="{uid(CATEGORY_OPTION_COMBO, KH_DP)}">
    <value>14</value>
  </dataValue>
  <dataValue dataElement="NOPE" categoryOptionCombo="default" value="1"/>
</dataValueSet>
"""


def test_a_dxf2_xml_payload_imports_and_answers_an_xml_summary_when_asked(client, people, today):
    from defusedxml.ElementTree import fromstring

    response = client.post(
        "/api/dataValueSets", XML_BODY, content_type="application/xml",
        HTTP_ACCEPT="application/xml", **basic(people.commune),
    )  # fmt: skip
    assert response.status_code == 409 and response["Content-Type"].startswith("application/xml")
    ns = {"d": "http://dhis2.org/schema/dxf/2.0"}
    message = fromstring(response.content)
    assert message.get("status") == "WARNING"
    count = message.find("d:response/d:importCount", ns)
    assert count.get("imported") == "2" and count.get("ignored") == "1"
    conflict = message.find("d:response/d:conflicts/d:conflict", ns)
    assert conflict.get("errorCode") == "E7610" and conflict.get("object") == "NOPE"
    assert dict(DataValue.objects.values_list("options_key", "comment")) == {
        KH_TW: "c & d",
        KH_DP: "",
    }
    as_json = post(client, people.commune, XML_BODY, content_type="text/xml")
    assert as_json.json()["response"]["importCount"]["ignored"] == 3  # the same values again


def test_data_values_are_read_as_dxf2_xml_and_post_back_unchanged(client, people, today):
    from defusedxml.ElementTree import fromstring

    post(client, people.commune, UID_EXAMPLE)
    exported = client.get(
        "/api/dataValueSets.xml?dataSet=BM01-VON&period=2026Q3&orgUnit=00715",
        **basic(people.commune),
    )
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/xml")
    body = b"".join(exported.streaming_content)
    root = fromstring(body)
    assert root.tag == "{http://dhis2.org/schema/dxf/2.0}dataValueSet"
    assert root.get("dataSet") == "BM01-VON" and len(root) == 2
    DataValue.objects.all().delete()
    again = post(client, people.commune, body, content_type="application/xml")
    assert again.status_code == 200, again.content
    assert again.json()["response"]["importCount"]["imported"] == 2


def test_an_xml_payload_with_entities_is_refused_and_nothing_is_read_from_disk(
    client, people, today
):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<dataValueSet dataSet="BM01-VON" period="2026Q3" orgUnit="00715">'
        '<dataValue dataElement="VON_KH" categoryOptionCombo="default" value="1" comment="&x;"/>'
        "</dataValueSet>"
    )
    response = post(client, people.commune, bomb, content_type="application/xml")
    assert response.status_code == 409
    summary = response.json()["response"]
    assert summary["status"] == "ERROR" and "DTD" in summary["description"]
    assert "root:" not in response.content.decode()
    broken = post(client, people.commune, "<dataValueSet><dataValue", content_type="text/xml")
    assert broken.status_code == 409 and broken.json()["response"]["status"] == "ERROR"
    assert not DataValue.objects.exists()


# --- completeDate --------------------------------------------------------------------------


def test_complete_date_submits_the_report_and_a_dry_run_or_a_refusal_does_not(
    client, people, today, q3
):
    from dantoc.geo.models import Unit
    from dantoc.reporting.models import Submission, SubmissionStatus

    unit = Unit.objects.get(code="00715", valid_to__isnull=True)
    body = {**UID_EXAMPLE, "completeDate": "2026-10-05"}
    trial = post(client, people.commune, body, url="/api/dataValueSets?dryRun=true")
    assert trial.json()["response"]["dataSetComplete"] == "false"
    assert not Submission.objects.filter(unit=unit, period=q3).exists()
    outsider = post(client, people.other_commune, body).json()["response"]
    assert outsider["dataSetComplete"] == "false" and "completeDate" in outsider["description"]
    assert not Submission.objects.filter(unit=unit, period=q3).exists()
    summary = post(client, people.commune, body).json()["response"]
    assert summary["dataSetComplete"] == "2026-10-05"
    submission = Submission.objects.get(form_code="BM01-VON", unit=unit, period=q3)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.submitted_by == people.commune
    # Submitted values are locked until returned, as on the entry page.
    later = post(
        client, people.commune, {**UID_EXAMPLE, "dataValues": UID_EXAMPLE["dataValues"][:1]}
    )
    assert later.status_code == 409


# --- reading by dates, by last update, with a limit ----------------------------------------


def test_values_are_read_by_date_range_last_update_and_limit(client, people, today):
    import datetime

    from django.utils import timezone

    post(client, people.commune, UID_EXAMPLE)
    base = "/api/dataValueSets?dataSet=BM01-VON&orgUnit=00715"
    ranged = get(client, people.commune, f"{base}&startDate=2026-07-01&endDate=2026-09-30")
    assert len(ranged["dataValues"]) == 2
    outside = get(client, people.commune, f"{base}&startDate=2026-01-01&endDate=2026-06-30")
    assert outside["dataValues"] == []
    recent = get(client, people.commune, f"{base}&lastUpdatedDuration=1d")
    assert len(recent["dataValues"]) == 2
    # ``today`` pins the platform's date, not the clock that stamps lastUpdated; a date is
    # read in the platform's time zone (UTC+7), so "tomorrow" is counted there too.
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).date().isoformat()
    later = get(client, people.commune, f"{base}&period=2026Q3&lastUpdated={tomorrow}")
    assert later["dataValues"] == []
    limited = get(client, people.commune, f"{base}&period=2026Q3&limit=1")
    assert len(limited["dataValues"]) == 1
    wrong = client.get(f"{base}&lastUpdatedDuration=soon", **basic(people.commune))
    assert wrong.status_code == 409


# --- async imports -------------------------------------------------------------------------


def run_queued_task():
    """What ``manage.py db_worker`` does with the queued row (see test_reminders)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.get(task_path="dantoc.reporting.tasks.datavalueset_import_task")
    worker = Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=1, worker_id="test",
    )  # fmt: skip
    queued.claim("test")
    worker.run_task(queued)
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL", queued.traceback


def test_an_async_import_answers_a_job_that_the_worker_runs_and_the_client_polls(
    client, people, today, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from dantoc.reporting import dhis2_jobs

    figures = []
    real_progress = dhis2_jobs.job_progress

    def progress(job, *, done, total=None, stage=""):
        figures.append((done, total, stage))
        real_progress(job, done=done, total=total, stage=stage)

    monkeypatch.setattr(dhis2_jobs, "job_progress", progress)
    monkeypatch.setattr(dhis2_jobs, "BLOCK", 2)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        started = post(client, people.commune, XML_BODY, url="/api/dataValueSets?async=true",
                       content_type="application/xml")  # fmt: skip
    assert started.status_code == 200, started.content
    job = started.json()["response"]
    assert job["jobType"] == "DATAVALUE_IMPORT"
    notifier = job["relativeNotifierEndpoint"]
    assert notifier == f"/api/system/tasks/DATAVALUE_IMPORT/{job['id']}"
    assert not DataValue.objects.exists()
    waiting = get(client, people.commune, notifier)
    assert waiting[0]["completed"] is False
    summary_url = f"/api/system/taskSummaries/DATAVALUE_IMPORT/{job['id']}"
    assert get(client, people.commune, summary_url) is None
    # Another account cannot read the job.
    assert client.get(notifier, **basic(people.other_commune)).status_code == 404
    run_queued_task()
    done = get(client, people.commune, notifier)
    assert done[0]["completed"] is True and done[0]["level"] == "INFO"
    summary = get(client, people.commune, summary_url)
    assert summary["importCount"]["imported"] == 2 and summary["importOptions"]["async"] is True
    assert summary["conflicts"][0]["errorCode"] == "E7610"
    assert DataValue.objects.count() == 2
    # The job is a core.BackgroundJob: the body is not kept once read, the progress is the
    # figure of values read, and the officer sees it on the progress page too.
    background = BackgroundJob.objects.get(pk=job["id"])
    assert background.payload is None and background.owner == people.commune
    assert (background.progress_done, background.progress_total) == (3, 3)
    # Read, then imported, a figure every block (of 2 values here).
    assert figures == [
        (0, None, "Đang đọc dữ liệu"),
        (2, None, "Đang đọc dữ liệu"),
        (0, 3, "Đang nhập số liệu"),
        (2, 3, "Đang nhập số liệu"),
        (3, 3, "Đang nhập số liệu"),
    ]
    client.force_login(people.commune)
    page = client.get(f"/jobs/{job['id']}/").content.decode()
    assert "Nhập xong: 2 giá trị mới" in page and "import-summary.json" in page
    assert client.get(f"/jobs/{job['id']}/download").json() == summary
    client.force_login(people.other_commune)
    assert client.get(f"/jobs/{job['id']}/").status_code == 404
    client.force_login(people.commune)
    # A retried task does not import again; the start and the end are audited once each.
    assert datavalueset_import_task.call(job["id"]) == JobStatus.DONE
    assert DataValue.objects.count() == 2
    audited = AuditEntry.objects.filter(object_id=job["id"]).order_by("pk")
    assert [a.action for a in audited] == ["core.job_start", "core.job_finish"]
    assert audited[0].actor == people.commune and audited[0].after["params"]["media"] == (
        "application/xml"
    )


def test_an_async_import_that_breaks_on_the_worker_is_reported_failed_and_audited(
    client, people, today, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from dantoc.reporting import dhis2_jobs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        started = post(client, people.commune, XML_BODY, url="/api/dataValueSets?async=true",
                       content_type="application/xml")  # fmt: skip
    job_id = started.json()["response"]["id"]

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(dhis2_jobs, "datavalueset_import", broken)
    with pytest.raises(RuntimeError):
        datavalueset_import_task.call(job_id)
    notes = get(client, people.commune, f"/api/system/tasks/DATAVALUE_IMPORT/{job_id}")
    assert notes[0]["level"] == "ERROR" and notes[0]["completed"] is True
    summary = get(client, people.commune, f"/api/system/taskSummaries/DATAVALUE_IMPORT/{job_id}")
    assert summary["status"] == "ERROR" and summary["importOptions"]["async"] is True
    job = BackgroundJob.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED and job.payload is None
    assert not DataValue.objects.exists()
    # Retried after the failure: not run again.
    assert datavalueset_import_task.call(job_id) == JobStatus.FAILED
    finish = AuditEntry.objects.get(object_id=job_id, action="core.job_finish")
    assert finish.after["status"] == JobStatus.FAILED
