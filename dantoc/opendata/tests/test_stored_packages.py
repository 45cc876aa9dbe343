"""The CKAN packages stored in advance answer exactly what a package built afresh from the
data set would, after every kind of change that shows in a package."""

from __future__ import annotations

import io
import json

import orjson
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone, translation

from dantoc.geo.models import Unit
from dantoc.opendata import ckan, selectors, services
from dantoc.opendata.models import Dataset, StoredPackage
from dantoc.opendata.selectors import SearchQuery
from dantoc.opendata.tests.conftest import definition

pytestmark = pytest.mark.django_db

FACETS = json.dumps(["organization", "groups", "tags", "res_format", "license_id", "province"])


def publish(people, define, **overrides) -> Dataset:
    dataset = define(**overrides)
    services.dataset_publish(actor=people.province, dataset=dataset)
    dataset.refresh_from_db()
    return dataset


def fresh(name: str, language: str = "vi") -> dict:
    """The package built now from the rows, as the answer's JSON holds it."""
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    with translation.override(language):
        dataset = selectors.dataset_get(name)
        return orjson.loads(orjson.dumps(ckan.package_dict(request, dataset)))


def shown(client, name: str) -> dict:
    response = client.get("/api/3/action/package_show", {"id": name})
    assert response.status_code == 200, response.content
    return response.json()["result"]


def searched(client, **params) -> list[dict]:
    cache.clear()
    response = client.get(
        "/api/3/action/package_search", {"rows": 100, "facet.field": FACETS, **params}
    )
    assert response.status_code == 200, response.content
    return response.json()["result"]["results"]


def assert_served_as_built(client, *names: str) -> None:
    by_name = {p["name"]: p for p in searched(client)}
    for name in names:
        expected = fresh(name)
        assert shown(client, name) == expected
        assert by_name[name] == expected


@pytest.fixture
def two(people, define):
    first = publish(people, define, name="mot", keywords=["nhà ở", "hộ nghèo"])
    second = publish(people, define, name="hai", title="Bộ dữ liệu hai", theme="SOCI")
    return first, second


def test_packages_are_stored_when_published_and_served_as_built(two, client):
    assert StoredPackage.objects.filter(dataset=two[0]).count() == 2  # vi and en
    assert_served_as_built(client, "mot", "hai")


def test_changing_keywords_title_and_theme_changes_the_stored_package(
    people, two, client, django_capture_on_commit_callbacks
):
    first = two[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.dataset_save(
            actor=people.province,
            dataset=first,
            data=definition(
                name="mot", title="Tên mới", theme="HEAL", keywords=["nước sạch", "hộ nghèo"]
            ),
        )
    package = shown(client, "mot")
    assert package["title"] == "Tên mới"
    assert [t["name"] for t in package["tags"]] == ["hộ nghèo", "nước sạch"]
    assert package["groups"][0]["name"] == "heal"
    assert package["resources"][0]["name"].startswith("Tên mới")
    assert_served_as_built(client, "mot", "hai")


def test_a_new_release_changes_resources_and_earlier_releases(
    people, capital, two, client, django_capture_on_commit_callbacks
):
    first = two[0]
    with django_capture_on_commit_callbacks(execute=True):
        # One indicator fewer changes the figures: the save's refresh makes release 2.
        services.dataset_save(
            actor=people.province,
            dataset=first,
            data=definition(name="mot", indicators=["VON_KH"], keywords=["nhà ở"]),
        )
    package = shown(client, "mot")
    assert package["version"] == "2"
    assert package["resources"][0]["url"].endswith("/du-lieu-mo/mot/phien-ban/2/mot-v2.csv")
    extras = {e["key"]: e["value"] for e in package["extras"]}
    [earlier] = json.loads(extras["earlier_releases"])
    assert earlier["resources"]["CSV"] == "http://testserver/du-lieu-mo/mot/phien-ban/1/mot-v1.csv"
    assert_served_as_built(client, "mot", "hai")


def test_withdrawing_and_publishing_again_keep_the_stored_package_right(people, two, client):
    first = two[0]
    services.dataset_withdraw(actor=people.province, dataset=first, reason="Sai")
    assert client.get("/api/3/action/package_show", {"id": "mot"}).status_code == 404
    assert [p["name"] for p in searched(client)] == ["hai"]
    services.dataset_publish(actor=people.province, dataset=Dataset.objects.get(name="mot"))
    assert_served_as_built(client, "mot", "hai")


def test_a_renamed_publisher_shows_at_once_without_rewriting_packages(people, two, client):
    before = StoredPackage.objects.get(dataset=two[0], language="vi").body
    Unit.objects.filter(pk=people.province.unit.pk).update(name="Tỉnh Tuyên Quang mới")
    package = shown(client, "mot")
    assert package["author"] == "Tỉnh Tuyên Quang mới"
    assert package["organization"]["title"] == "Tỉnh Tuyên Quang mới"
    assert StoredPackage.objects.get(dataset=two[0], language="vi").body == before
    assert_served_as_built(client, "mot", "hai")


def test_english_visitors_get_the_english_stored_package(two, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    package = shown(client, "hai")
    assert package == fresh("hai", "en")
    assert package["groups"][0]["display_name"] == "Population and society"
    assert package != fresh("hai", "vi")


def test_titles_holding_the_address_mark_are_served_right(people, define, client):
    tricky = publish(
        people,
        define,
        name="ky-tu-la",
        title='Tiêu đề lạ \\u0001 "author":null "url":"/',
        keywords=['"organization":null'],
    )
    stored = StoredPackage.objects.get(dataset=tricky, language="vi")
    assert not stored.spliceable
    assert_served_as_built(client, "ky-tu-la")


def test_fl_picks_fields_of_stored_packages(two, client):
    response = client.get("/api/3/action/package_search", {"fl": "name,url", "sort": "name asc"})
    assert response.json()["result"]["results"] == [
        {"name": "hai", "url": "http://testserver/du-lieu-mo/hai/"},
        {"name": "mot", "url": "http://testserver/du-lieu-mo/mot/"},
    ]


def test_missing_or_outdated_packages_are_built_on_the_fly_and_rewritten_by_the_command(
    two, client
):
    expected = {name: fresh(name) for name in ("mot", "hai")}
    StoredPackage.objects.filter(dataset=two[0]).delete()
    StoredPackage.objects.filter(dataset=two[1]).update(schema=0, body="{}")
    assert shown(client, "mot") == expected["mot"]
    assert {p["name"]: p for p in searched(client)} == expected
    call_command("opendata_packages_write", stdout=io.StringIO())
    assert StoredPackage.objects.filter(schema=0).count() == 0
    assert StoredPackage.objects.count() == 2 * 2
    assert_served_as_built(client, "mot", "hai")


def test_facets_in_one_query_count_as_each_facet_alone_would(people, two, define):
    publish(people, define, name="ba", periods=["2025"], keywords=["nhà ở"], theme="SOCI")
    names = ["organization", "groups", "tags", "res_format", "license_id", "province", "year"]
    together = selectors.datasets_search(SearchQuery(facet_fields=names, rows=0))
    assert together.count == 3
    for name in names:
        alone = selectors.datasets_search(SearchQuery(facet_fields=[name], rows=0))
        assert alone.facets[name] == together.facets[name]
    facets = {n: {i.name: i.count for i in items} for n, items in together.facets.items()}
    assert facets["tags"] == {"nhà ở": 2, "hộ nghèo": 1, "giải ngân": 1, "vốn đầu tư": 1}
    assert facets["groups"] == {"soci": 2, "econ": 1}
    assert facets["res_format"] == {"CSV": 3, "JSON": 3, "XLSX": 3}
    assert facets["year"] == {"2026": 2, "2025": 1}
    assert facets["province"] == {"08": 3}
    nothing = selectors.datasets_search(
        SearchQuery(conditions=[selectors.Condition("id", [])], facet_fields=names)
    )
    assert nothing.count == 0 and all(items == [] for items in nothing.facets.values())


def counted(query: SearchQuery) -> dict:
    """Facets counted directly over the matches, the slow way."""
    qs, _ = selectors._matching(query)
    rows = selectors._facet_rows(qs, query.facet_fields)
    items = selectors._facet_items(rows, query.facet_fields, 50)
    return {name: [(i.name, i.count) for i in facet] for name, facet in items.items()}


def shown_facets(query: SearchQuery) -> dict:
    found = selectors.datasets_search(query)
    return {name: [(i.name, i.count) for i in facet] for name, facet in found.facets.items()}


def test_kept_catalogue_counts_and_counts_less_the_left_out_equal_counting(people, two, define):
    publish(people, define, name="ba", periods=["2025"], keywords=["nhà ở"], theme="SOCI")
    names = ["organization", "groups", "tags", "res_format", "license_id", "province", "year"]
    everything = SearchQuery(facet_fields=names, rows=0)
    assert selectors.catalogue_facet_rows() is not None  # kept by the services
    assert shown_facets(everything) == counted(everything)
    # Two of three match: counted as everything less the one left out.
    most = SearchQuery(
        facet_fields=names, rows=0, conditions=[selectors.Condition("name", ["mot"], negate=True)]
    )
    assert shown_facets(most) == counted(most)
    assert dict(shown_facets(most)["tags"]) == {
        "nhà ở": 1,
        "giải ngân": 1,
        "vốn đầu tư": 1,
    }
    few = SearchQuery(
        facet_fields=names, rows=0, conditions=[selectors.Condition("groups", ["econ"])]
    )
    assert shown_facets(few) == counted(few)


def test_kept_counts_older_than_the_catalogue_are_not_used(people, two, client):
    # A change that did not go through the services (a bulk load, a repair by hand).
    Dataset.objects.filter(name="hai").update(state="withdrawn", updated_at=timezone.now())
    assert selectors.catalogue_facet_rows() is None
    cache.clear()
    response = client.get("/api/3/action/package_search", {"facet.field": '["groups"]'})
    assert response.json()["result"]["facets"] == {"groups": {"econ": 1}}


@pytest.mark.parametrize(
    "params",
    [
        {"q": "von"},
        {"q": "von", "sort": "name asc"},
        {"q": "von", "sort": "name desc", "start": 1, "rows": 2},
        {"fq": "-groups:soci"},
        {"fq": "-groups:soci", "sort": "name asc", "start": 1},
        {"fq": "organization:tinh-tuyen-quang", "sort": "title desc"},
        {"start": 2, "rows": 2},
    ],
)
def test_search_lists_the_catalogue_pages_order_whether_facets_are_counted_or_not(
    people, define, client, params
):
    # Published one after the other: each is newer than the last (the default order).
    for name, theme in (("mot", "ECON"), ("hai", "SOCI"), ("ba", "ECON"), ("bon", "HEAL")):
        publish(people, define, name=name, title=f"Vốn {name}", theme=theme)
    query, _ = ckan.search_query(params, now=timezone.now())
    expected = [d.name for d in selectors.datasets_search(query).datasets]
    assert expected  # the page is not empty
    cache.clear()
    names = {
        "counted": [p["name"] for p in searched_page(client, params)],
        "remembered": [p["name"] for p in searched_page(client, params)],
        "no facets": [p["name"] for p in searched_page(client, {**params, "facet": "false"})],
    }
    assert names == {"counted": expected, "remembered": expected, "no facets": expected}


def searched_page(client, params: dict) -> list[dict]:
    response = client.get(
        "/api/3/action/package_search", {"rows": 10, "facet.field": FACETS, **params}
    )
    assert response.status_code == 200, response.content
    return response.json()["result"]["results"]
