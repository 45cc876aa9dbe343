"""The catalogue through CKAN's Action API, read with the real ``ckanapi`` client over HTTP.

The server is a real threaded HTTP server (Django's, as ``live_server`` uses) answering on
this test's own database connection, so that the test's data (made through the real
services, inside the test's transaction) are what it serves and are rolled back after it.
pytest-django's ``live_server`` would need a flushed, transactional database, which throws
away the reference data every other test relies on.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import ckanapi
import pytest
import requests
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import in_process_server
from dantoc.opendata import services
from dantoc.opendata.models import Dataset
from dantoc.opendata.tests.conftest import definition

pytestmark = pytest.mark.django_db

MINISTRY_ORG = "bo-dan-toc-va-ton-giao"
PROVINCE_ORG = "tinh-tuyen-quang"


@dataclass
class Site:
    url: str


@pytest.fixture
def site(db):
    """A real HTTP server on a free port, sharing the test's database connection."""
    with in_process_server() as url:
        yield Site(url)


@pytest.fixture(params=["post", "get_only"])
def ck(request, site):
    """``ckanapi.RemoteCKAN`` as people use it: POST (its default) and ``get_only``."""
    with ckanapi.RemoteCKAN(site.url, get_only=request.param == "get_only") as remote:
        yield remote


def publish(people, define, actor=None, **overrides) -> Dataset:
    dataset = define(actor=actor, **overrides)
    services.dataset_publish(actor=actor or people.province, dataset=dataset)
    dataset.refresh_from_db()
    return dataset


def publish_many(people, define, count: int) -> list[Dataset]:
    return [
        publish(
            people,
            define,
            name=f"bo-du-lieu-{n:02d}",
            title=f"Bộ dữ liệu số {n:02d}",
            keywords=[f"nhóm {n % 3}"],
        )
        for n in range(count)
    ]


@pytest.fixture
def catalogue(people, define):
    """Three published data sets (two of Tuyên Quang, one of the ministry), a draft and a
    withdrawn one."""
    housing = publish(
        people,
        define,
        name="ho-dong-bao-nha-o",
        title="Hộ đồng bào dân tộc thiểu số được hỗ trợ nhà ở",
        title_en="Ethnic-minority households given housing support",
        theme="SOCI",
        keywords=["nhà ở", "hộ nghèo"],
    )
    capital = publish(people, define)  # "Vốn Chương trình 1719 …", ECON, 2026Q3
    national = publish(
        people,
        define,
        actor=people.ministry,
        name="von-toan-quoc-2025",
        title="Vốn Chương trình 1719 toàn quốc năm 2025",
        title_en="NTP 1719 capital, whole country, 2025",
        periods=["2025"],
        units=["VN"],
        keywords=["vốn đầu tư"],
    )
    define(name="ban-nhap", title="Bản nháp chưa công bố")
    withdrawn = publish(people, define, name="da-ngung", title="Bộ dữ liệu đã ngừng")
    services.dataset_withdraw(actor=people.province, dataset=withdrawn, reason="Số liệu sai")
    return {"housing": housing, "capital": capital, "national": national}


def test_ckanapi_pages_through_every_published_data_set_with_rows_and_start(people, define, ck):
    made = publish_many(people, define, 25)
    seen = []
    start = 0
    while True:
        page = ck.action.package_search(rows=10, start=start, sort="name asc")
        assert page["count"] == 25
        seen += [p["name"] for p in page["results"]]
        if len(page["results"]) < 10:
            break
        start += 10
    assert seen == sorted(d.name for d in made)
    assert ck.action.package_list() == sorted(d.name for d in made)
    assert ck.action.package_list(limit=5, offset=20) == [d.name for d in made[20:]]


def test_package_search_without_diacritics_finds_titles_written_with_them(catalogue, ck):
    found = ck.action.package_search(q="dong bao")
    assert [p["name"] for p in found["results"]] == ["ho-dong-bao-nha-o"]
    assert found["count"] == 1
    assert ck.action.package_search(q="Đồng Bào")["count"] == 1
    assert ck.action.package_search(q="dong bao toan quoc")["count"] == 0


def test_withdrawn_and_draft_data_sets_are_neither_listed_nor_found(catalogue, ck):
    assert ck.action.package_list() == [
        "ho-dong-bao-nha-o",
        "von-toan-quoc-2025",
        "von-tuyen-quang-2026",
    ]
    assert ck.action.package_search()["count"] == 3
    for name in ("ban-nhap", "da-ngung"):
        with pytest.raises(ckanapi.NotFound):
            ck.action.package_show(id=name)


def test_writes_raise_ckanapi_not_authorized_and_change_nothing(catalogue, ck):
    before = ck.action.package_show(id="ho-dong-bao-nha-o")
    with pytest.raises(ckanapi.NotAuthorized):
        ck.action.package_patch(id="ho-dong-bao-nha-o", title="Đổi tên")
    with pytest.raises(ckanapi.NotAuthorized):
        ck.action.package_create(name="moi", title="Mới")
    assert ck.action.package_show(id="ho-dong-bao-nha-o") == before
    assert ck.action.package_search()["count"] == 3


def test_package_show_of_a_missing_id_raises_ckanapi_not_found(catalogue, ck):
    with pytest.raises(ckanapi.NotFound):
        ck.action.package_show(id="missing")
    with pytest.raises(ckanapi.NotFound):
        ck.action.resource_show(id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(ckanapi.NotFound):
        ck.action.organization_show(id="missing")


def test_missing_or_malformed_parameters_raise_ckanapi_validation_error(catalogue, ck):
    with pytest.raises(ckanapi.ValidationError) as missing:
        ck.action.package_show()
    assert missing.value.error_dict["id"] == ["Missing value"]
    with pytest.raises(ckanapi.ValidationError) as bad_rows:
        ck.action.package_search(rows="nhiều")
    assert bad_rows.value.error_dict["rows"] == ["Invalid integer"]
    with pytest.raises(ckanapi.ValidationError) as negative:
        ck.action.package_list(offset=-1)
    assert negative.value.error_dict["offset"] == ["Must be a natural number"]


def test_package_show_by_name_or_id_gives_ckan_package_dict(catalogue, ck, site):
    dataset = catalogue["capital"]
    by_name = ck.action.package_show(id=dataset.name)
    assert ck.action.package_show(id=str(dataset.uuid)) == by_name
    assert by_name["id"] == str(dataset.uuid)
    assert by_name["title"] == "Vốn Chương trình 1719 tỉnh Tuyên Quang năm 2026"
    assert by_name["license_id"] == "cc-by"
    assert by_name["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert by_name["maintainer_email"] == "sdttg@tuyenquang.gov.vn"
    assert by_name["organization"]["name"] == PROVINCE_ORG
    assert by_name["owner_org"] == by_name["organization"]["id"]
    assert by_name["groups"][0]["name"] == "econ"
    assert sorted(t["name"] for t in by_name["tags"]) == ["giải ngân", "vốn đầu tư"]
    assert by_name["num_tags"] == 2
    assert (by_name["state"], by_name["type"], by_name["private"]) == ("active", "dataset", False)
    # ISO 8601 in UTC without a zone, as CKAN writes its timestamps.
    modified = datetime.datetime.fromisoformat(by_name["metadata_modified"])
    assert modified.tzinfo is None
    expected = dataset.updated_at.astimezone(datetime.UTC).replace(tzinfo=None)
    assert modified == expected
    assert [r["format"] for r in by_name["resources"]] == ["CSV", "JSON", "XLSX"]
    assert by_name["num_resources"] == 3
    csv = by_name["resources"][0]
    assert csv["url"] == (f"{site.url}/du-lieu-mo/{dataset.name}/phien-ban/1/{dataset.name}-v1.csv")
    assert csv["hash"].startswith("sha256:") and len(csv["hash"]) == 7 + 64
    assert csv["package_id"] == by_name["id"]
    assert csv["mimetype"] == "text/csv"
    extras = {e["key"]: e["value"] for e in by_name["extras"]}
    assert extras["title_en"] == "NTP 1719 capital, Tuyên Quang province, 2026"
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2026-07-01", "2026-09-30")
    assert extras["frequency"] == "QUARTERLY"


def test_resources_are_the_newest_release_and_earlier_releases_stay_in_extras(
    people, capital, define, ck, site, django_capture_on_commit_callbacks
):
    dataset = publish(people, define)
    data = definition(indicators=["VON_KH"])
    with django_capture_on_commit_callbacks(execute=True):
        services.dataset_save(actor=people.province, data=data, dataset=dataset)
    package = ck.action.package_show(id=dataset.name)
    assert package["version"] == "2"
    assert all("/phien-ban/2/" in r["url"] for r in package["resources"])
    earlier = json.loads({e["key"]: e["value"] for e in package["extras"]}["earlier_releases"])
    assert [r["version"] for r in earlier] == [1]
    old_csv = earlier[0]["resources"]["CSV"]
    assert old_csv.endswith(f"/du-lieu-mo/{dataset.name}/phien-ban/1/{dataset.name}-v1.csv")
    # Both releases download from the addresses the API gives.
    for url in (package["resources"][0]["url"], old_csv):
        response = requests.get(url, timeout=10)
        assert response.status_code == 200
        assert response.content.startswith(b"indicator,")
    new_resource = ck.action.resource_show(id=package["resources"][2]["id"])
    assert new_resource["format"] == "XLSX" and new_resource["position"] == 2


def test_fq_filters_by_field_with_negation_quotes_and_groups(catalogue, ck):
    def names(**params):
        return sorted(p["name"] for p in ck.action.package_search(**params)["results"])

    assert names(fq=f"organization:{MINISTRY_ORG}") == ["von-toan-quoc-2025"]
    assert names(fq=f"-organization:{MINISTRY_ORG}") == [
        "ho-dong-bao-nha-o",
        "von-tuyen-quang-2026",
    ]
    assert names(fq='tags:"vốn đầu tư"') == ["von-toan-quoc-2025", "von-tuyen-quang-2026"]
    assert names(fq='tags:"vốn đầu tư" AND -groups:soci +res_format:CSV') == [
        "von-toan-quoc-2025",
        "von-tuyen-quang-2026",
    ]
    assert names(fq="groups:(soci OR gove)") == ["ho-dong-bao-nha-o"]
    assert names(fq_list=["groups:econ", f"organization:{PROVINCE_ORG}"]) == [
        "von-tuyen-quang-2026"
    ]
    # CKAN's field terms inside q, mixed with free text.
    assert names(q=f"2026 organization:{PROVINCE_ORG}") == ["von-tuyen-quang-2026"]
    assert names(q="nam -2025") == ["von-tuyen-quang-2026"]
    owner = ck.action.organization_show(id=MINISTRY_ORG)["id"]
    assert names(fq=f"owner_org:{owner}") == ["von-toan-quoc-2025"]
    assert names(fq="organization:khong-co") == []


def test_date_ranges_filter_on_modification_time_and_temporal_coverage(catalogue, ck):
    Dataset.objects.filter(name="ho-dong-bao-nha-o").update(
        updated_at=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC)
    )

    def names(fq):
        return sorted(p["name"] for p in ck.action.package_search(fq=fq)["results"])

    assert names("metadata_modified:[2025-01-01T00:00:00Z TO *]") == [
        "von-toan-quoc-2025",
        "von-tuyen-quang-2026",
    ]
    assert names("metadata_modified:[* TO 2024-03-01T00:00:00Z]") == ["ho-dong-bao-nha-o"]
    assert names("metadata_modified:[* TO 2024-03-01T00:00:00Z}") == []
    assert names("metadata_modified:[NOW-1DAY TO NOW]") == [
        "von-toan-quoc-2025",
        "von-tuyen-quang-2026",
    ]
    # 2025 (the ministry's) against 2026Q3 (Tuyên Quang's two).
    assert names("temporal_end:[* TO 2025-12-31T00:00:00Z]") == ["von-toan-quoc-2025"]
    assert names("temporal_start:{2026-07-01T00:00:00Z TO *]") == []
    assert names("temporal_start:[2026-07-01T00:00:00Z TO *]") == [
        "ho-dong-bao-nha-o",
        "von-tuyen-quang-2026",
    ]


def test_facets_count_data_sets_in_ckan_shape(catalogue, ck):
    found = ck.action.package_search(
        **{"facet.field": json.dumps(["organization", "groups", "tags", "res_format"])}
    )
    assert found["facets"]["organization"] == {PROVINCE_ORG: 2, MINISTRY_ORG: 1}
    assert found["facets"]["groups"] == {"econ": 2, "soci": 1}
    assert found["facets"]["res_format"] == {"CSV": 3, "JSON": 3, "XLSX": 3}
    assert found["facets"]["tags"]["vốn đầu tư"] == 2
    org_items = found["search_facets"]["organization"]
    assert org_items["title"] == "organization"
    # CKAN lists each facet's items by display name, last first.
    assert org_items["items"] == [
        {"name": PROVINCE_ORG, "display_name": "Tỉnh Tuyên Quang", "count": 2},
        {"name": MINISTRY_ORG, "display_name": "Bộ Dân tộc và Tôn giáo", "count": 1},
    ]
    # facet_field (a keyword argument Python can write) and a facet limit; counts follow q.
    narrowed = ck.action.package_search(q="dong bao", facet_field=["groups"], **{"facet.limit": 1})
    assert narrowed["facets"] == {"groups": {"soci": 1}}
    assert ck.action.package_search(facet="false", facet_field=["groups"])["facets"] == {}


def test_sort_orders_results_and_a_bad_sort_is_a_search_query_error(catalogue, ck):
    found = ck.action.package_search(sort="title desc, name asc")
    assert [p["name"] for p in found["results"]] == [
        "von-tuyen-quang-2026",
        "von-toan-quoc-2025",
        "ho-dong-bao-nha-o",
    ]
    assert found["sort"] == "title desc, name asc"
    with pytest.raises(ckanapi.SearchQueryError):
        ck.action.package_search(sort="popularity desc")
    with pytest.raises(ckanapi.SearchError):
        ck.action.package_search(fq="no_such_field:x")


def test_organization_group_tag_and_resource_actions_answer_like_ckan(catalogue, ck):
    assert ck.action.organization_list() == [MINISTRY_ORG, PROVINCE_ORG]
    orgs = {o["name"]: o for o in ck.action.organization_list(all_fields=True)}
    assert orgs[PROVINCE_ORG]["package_count"] == 2
    assert orgs[PROVINCE_ORG]["is_organization"] is True
    shown = ck.action.organization_show(id=PROVINCE_ORG, include_datasets=True)
    assert sorted(p["name"] for p in shown["packages"]) == [
        "ho-dong-bao-nha-o",
        "von-tuyen-quang-2026",
    ]
    assert ck.action.organization_show(id=shown["id"])["name"] == PROVINCE_ORG
    assert ck.action.organization_show(id=PROVINCE_ORG)["packages"] == []

    groups = ck.action.group_list(all_fields=True)
    assert len(groups) == 7
    counts = {g["name"]: g["package_count"] for g in groups}
    assert counts["econ"] == 2 and counts["soci"] == 1 and counts["heal"] == 0
    econ = ck.action.group_show(id="econ", include_datasets=True)
    assert econ["title"] == "Kinh tế và tài chính"
    assert sorted(p["name"] for p in econ["packages"]) == [
        "von-toan-quoc-2025",
        "von-tuyen-quang-2026",
    ]
    with pytest.raises(ckanapi.NotFound):
        ck.action.group_show(id="khong-co")

    assert ck.action.tag_list() == ["giải ngân", "hộ nghèo", "nhà ở", "vốn đầu tư"]
    assert ck.action.tag_list(query="vốn") == ["vốn đầu tư"]

    package = ck.action.package_show(id="ho-dong-bao-nha-o")
    resource = ck.action.resource_show(id=package["resources"][1]["id"])
    assert resource == package["resources"][1]
    assert resource["format"] == "JSON"


def test_status_show_and_both_api_addresses_answer_with_ckans_envelope(catalogue, client):
    for prefix in ("/api/3/action/", "/api/action/"):
        response = client.get(prefix + "status_show")
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert body["help"] == "http://testserver/api/3/action/help_show?name=status_show"
        assert body["result"]["ckan_version"].startswith("2.")
    help_text = client.get("/api/3/action/help_show", {"name": "package_search"}).json()
    assert "fq" in help_text["result"]


def test_unknown_action_and_unreadable_json_are_bad_requests_as_in_ckan(catalogue, client):
    unknown = client.get("/api/3/action/datastore_search")
    assert unknown.status_code == 400
    assert unknown.json() == "Bad request - Action name not known: datastore_search"
    broken = client.post(
        "/api/3/action/package_show", data="{not json", content_type="application/json"
    )
    assert broken.status_code == 400
    assert broken.json().startswith("Bad request - JSON Error:")
    not_object = client.post(
        "/api/3/action/package_show", data="[1, 2]", content_type="application/json"
    )
    assert not_object.status_code == 400
    no_boundary = client.post(
        "/api/3/action/tag_list", data="x", content_type="multipart/form-data"
    )
    assert no_boundary.status_code == 400
    assert no_boundary.json().startswith("Bad request - JSON Error:")


def test_post_needs_no_csrf_token_and_reads_form_bodies_as_ckan_does(catalogue, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    # An ordinary form …
    response = strict.post("/api/3/action/package_show", {"id": "ho-dong-bao-nha-o"})
    assert response.status_code == 200, response.content
    assert response.json()["result"]["name"] == "ho-dong-bao-nha-o"
    # … and the old clients' form whose only key is the JSON document.
    response = strict.post(
        "/api/3/action/package_search",
        data=json.dumps({"q": "dong bao"}) + "=",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    assert response.json()["result"]["count"] == 1
    not_found = strict.post("/api/3/action/package_show", data={"id": "missing"})
    assert not_found.status_code == 404
    assert not_found.json()["error"]["__type"] == "Not Found Error"
    assert not_found.json()["success"] is False


def test_package_search_makes_the_same_number_of_queries_whatever_the_page_size(
    people, define, client
):
    publish_many(people, define, 12)
    facets = json.dumps(["organization", "groups", "tags", "res_format", "license_id"])

    def queries(rows: int) -> int:
        cache.clear()  # the facets are computed, not remembered from the previous search
        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                "/api/3/action/package_search", {"rows": rows, "facet.field": facets}
            )
        assert response.status_code == 200
        assert len(response.json()["result"]["results"]) == rows
        return len(captured)

    one, twelve = queries(1), queries(12)
    assert one == twelve
    assert twelve <= 15


@pytest.mark.parametrize(
    ("params", "status", "error_type"),
    [
        ({"q": '"chưa đóng ngoặc'}, 409, "Search Error"),
        ({"q": "groups:(econ"}, 409, "Search Error"),
        ({"fq": "groups:econ OR groups:soci"}, 409, "Search Error"),
        ({"fq": "num_resources:[1 TO *]"}, 409, "Search Error"),
        ({"fq": "metadata_modified:[NOW+99999YEARS TO *]"}, 409, "Search Error"),
        ({"fq": "metadata_modified:[2024-13-45T00:00:00Z TO *]"}, 409, "Search Error"),
        ({"fq": "year:99999999"}, 409, "Search Error"),
        ({"facet.field": '["khong-co"]'}, 409, "Search Error"),
        ({"facet.field": "{"}, 409, "Validation Error"),
        ({"start": str(10**12)}, 409, "Validation Error"),
        ({"rows": "-1"}, 409, "Validation Error"),
        ({"bogus": "1"}, 400, "Search Query Error"),
    ],
)
def test_malformed_searches_are_client_errors_in_ckans_types(
    catalogue, client, params, status, error_type
):
    response = client.get("/api/3/action/package_search", params)
    assert response.status_code == status, response.content
    assert response.json()["success"] is False
    assert response.json()["error"]["__type"] == error_type


def test_json_bodies_with_values_of_the_wrong_type_are_validation_errors(catalogue, client):
    for body in ({"q": 5}, {"fq_list": "groups:econ"}, {"facet.field": [1]}, {"id": "a\x00b"}):
        response = client.post(
            "/api/3/action/package_search" if "id" not in body else "/api/3/action/package_show",
            data=json.dumps(body),
            content_type="application/json",
        )
        if body == {"fq_list": "groups:econ"}:
            # One filter given as a string is read as a list of one.
            assert response.status_code == 200
            assert response.json()["result"]["count"] == 2
            continue
        assert response.status_code == 409, (body, response.content)
        assert response.json()["error"]["__type"] == "Validation Error"
    sorted_badly = client.get("/api/3/action/organization_list", {"sort": "ngay desc"})
    assert sorted_badly.status_code == 409


def test_facet_counts_follow_publishing_and_withdrawal_at_once(people, define, client):
    cache.clear()
    publish(people, define, name="mot")

    def counts() -> dict:
        response = client.get(
            "/api/3/action/package_search", {"facet.field": '["organization", "tags"]'}
        )
        return response.json()["result"]["facets"]

    assert counts()["organization"] == {PROVINCE_ORG: 1}
    assert counts()["organization"] == {PROVINCE_ORG: 1}  # the same, remembered
    second = publish(people, define, name="hai", keywords=["nước sạch"])
    assert counts() == {
        "organization": {PROVINCE_ORG: 2},
        "tags": {"giải ngân": 1, "vốn đầu tư": 1, "nước sạch": 1},
    }
    services.dataset_withdraw(actor=people.province, dataset=second, reason="Nhầm")
    assert counts()["organization"] == {PROVINCE_ORG: 1}
