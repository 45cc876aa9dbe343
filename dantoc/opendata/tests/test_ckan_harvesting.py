"""What CKAN harvesters and CKAN client libraries send, answered over HTTP to the real
``ckanapi`` client: every sort field (``id asc`` is ckanext-harvest's), stable pages, and the
read actions beyond the search (licences, autocomplete, resources, a caller's publishers)."""

from __future__ import annotations

import ckanapi
import pytest

from dantoc.opendata.models import Dataset
from dantoc.opendata.tests import test_ckan_api
from dantoc.opendata.tests.test_ckan_api import PROVINCE_ORG, publish, publish_many

# The live server, the ckanapi client over it and the catalogue, shared with test_ckan_api.
site = test_ckan_api.site
ck = test_ckan_api.ck
catalogue = test_ckan_api.catalogue

pytestmark = pytest.mark.django_db


def _page_through(ck, *, sort: str, rows: int, **params) -> list[str]:
    seen: list[str] = []
    start = 0
    while True:
        page = ck.action.package_search(sort=sort, rows=rows, start=start, **params)
        seen += [p["id"] for p in page["results"]]
        if len(page["results"]) < rows:
            return seen
        start += rows


def test_harvester_pages_by_id_asc_and_gets_every_data_set_once_in_id_order(people, define, ck):
    made = publish_many(people, define, 7)
    # ckanext-harvest's CKAN harvester: fq on metadata_modified, sort "id asc", rows/start.
    seen = _page_through(ck, sort="id asc", rows=3, fq="metadata_modified:[* TO NOW]")
    assert seen == sorted(str(d.uuid) for d in made)
    assert _page_through(ck, sort="id desc", rows=3) == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    "sort",
    [
        "id asc",
        "name asc",
        "name desc",
        "title asc",
        "title_string desc",
        "metadata_modified desc",
        "metadata_created asc",
        "score desc, metadata_modified desc",
        "views_recent desc",
        "metadata_modified desc, id asc",
        "title asc,name desc",
        "id",
    ],
)
def test_every_sort_a_ckan_client_sends_is_answered_and_stable_under_paging(
    people, define, ck, sort
):
    # Same titles and keywords: the only order among them is the tie-break.
    made = [
        publish(people, define, name=f"trung-ten-{n}", title="Cùng một tiêu đề") for n in range(5)
    ]
    found = ck.action.package_search(sort=sort, rows=10)
    assert found["sort"] == sort
    whole = [p["id"] for p in found["results"]]
    assert sorted(whole) == sorted(str(d.uuid) for d in made)
    # Paging two at a time gives the same order: nothing repeated, nothing skipped.
    assert _page_through(ck, sort=sort, rows=2) == whole


def test_metadata_modified_sort_orders_newest_first(people, define, ck):
    made = publish_many(people, define, 3)
    Dataset.objects.filter(pk=made[0].pk).update(updated_at=made[2].updated_at.replace(year=2030))
    found = ck.action.package_search(sort="metadata_modified desc", rows=3)
    assert found["results"][0]["name"] == made[0].name


def test_current_package_list_with_resources_pages_newest_first_with_resources(people, define, ck):
    made = publish_many(people, define, 5)
    newest_first = sorted(made, key=lambda d: (-d.updated_at.timestamp(), d.name))
    listed = ck.action.current_package_list_with_resources(limit=2, offset=1)
    assert [p["name"] for p in listed] == [d.name for d in newest_first[1:3]]
    assert [r["format"] for r in listed[0]["resources"]] == ["CSV", "JSON", "XLSX"]
    # CKAN's deprecated "page" (from 1, in pages of "limit").
    by_page = ck.action.current_package_list_with_resources(limit=2, page=2)
    assert [p["name"] for p in by_page] == [d.name for d in newest_first[2:4]]
    assert len(ck.action.current_package_list_with_resources()) == 5


def test_license_list_names_every_licence_a_data_set_can_carry(catalogue, ck):
    licences = {item["id"]: item for item in ck.action.license_list()}
    assert set(licences) == {"cc-by", "cc-zero", "odc-by"}
    assert licences["cc-by"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert licences["cc-by"]["od_conformance"] == "approved"
    package = ck.action.package_show(id="ho-dong-bao-nha-o")
    assert package["license_id"] in licences


def test_package_autocomplete_matches_names_and_titles_without_diacritics(catalogue, ck):
    by_name = ck.action.package_autocomplete(q="von-")
    assert [s["name"] for s in by_name] == ["von-toan-quoc-2025", "von-tuyen-quang-2026"]
    assert by_name[0]["match_field"] == "name"
    assert by_name[0]["match_displayed"] == "von-toan-quoc-2025"
    by_title = ck.action.package_autocomplete(q="nha o")
    assert by_title == [
        {
            "name": "ho-dong-bao-nha-o",
            "title": "Hộ đồng bào dân tộc thiểu số được hỗ trợ nhà ở",
            "match_field": "title",
            "match_displayed": "Hộ đồng bào dân tộc thiểu số được hỗ trợ nhà ở (ho-dong-bao-nha-o)",
        }
    ]
    assert len(ck.action.package_autocomplete(q="1719", limit=1)) == 1
    # Drafts and withdrawn data sets are never suggested.
    assert ck.action.package_autocomplete(q="ngung") == []
    with pytest.raises(ckanapi.ValidationError):
        ck.action.package_autocomplete()


def test_resource_search_finds_current_files_by_field_terms(catalogue, ck):
    csvs = ck.action.resource_search(query="format:csv")
    assert csvs["count"] == 3
    assert {r["format"] for r in csvs["results"]} == {"CSV"}
    package = ck.action.package_show(id="ho-dong-bao-nha-o")
    wanted = package["resources"][1]
    both = ck.action.resource_search(query=["name:nha o", "format:JSON"])
    assert both["results"] == [wanted]
    digest = wanted["hash"].removeprefix("sha256:")
    assert ck.action.resource_search(query=f"hash:{digest[:12]}")["results"] == [wanted]
    # hash matches the beginning only, as in CKAN.
    assert ck.action.resource_search(query=f"hash:{digest[5:20]}")["count"] == 0
    ordered = ck.action.resource_search(query="format:xlsx", order_by="name", limit=2, offset=1)
    assert ordered["count"] == 3 and len(ordered["results"]) == 2
    with pytest.raises(ckanapi.ValidationError) as unknown:
        ck.action.resource_search(query="colour:red")
    assert "colour" in str(unknown.value.error_dict["query"])


def test_organization_list_for_user_is_empty_for_an_anonymous_caller(catalogue, ck):
    assert ck.action.organization_list(all_fields=False) != []
    assert ck.action.organization_list_for_user() == []
    assert ck.action.organization_list_for_user(permission="read") == []
    assert PROVINCE_ORG in ck.action.organization_list()
