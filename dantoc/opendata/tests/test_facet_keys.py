"""The facet keys kept in memory (``selectors._facet_keys``: each published data set's
publisher, theme, licence, coverage, keywords and provinces) count a search's facets exactly
as SQL counts them, after every kind of change that moves a data set in or out of a facet."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from dantoc.geo.models import Unit
from dantoc.opendata import selectors, services
from dantoc.opendata.models import Dataset, DatasetState, Keyword
from dantoc.opendata.selectors import Condition, SearchQuery
from dantoc.opendata.tests.conftest import definition

pytestmark = pytest.mark.django_db

NAMES = ["organization", "groups", "tags", "res_format", "license_id", "province", "year"]
# Searches that are not the whole catalogue (whose counts the services keep), so that their
# facets are counted from the keys: most of it, a part of it, a free text, nothing.
QUERIES = [
    SearchQuery(facet_fields=NAMES, rows=0, conditions=[Condition("name", ["x"], negate=True)]),
    SearchQuery(facet_fields=NAMES, rows=0, conditions=[Condition("groups", ["econ"])]),
    SearchQuery(facet_fields=NAMES, rows=0, conditions=[Condition("tags", ["nhà ở"])]),
    SearchQuery(facet_fields=NAMES, rows=0, text="von"),
    SearchQuery(facet_fields=NAMES, rows=0, conditions=[Condition("id", [])]),
]


def publish(people, define, **overrides) -> Dataset:
    dataset = define(**overrides)
    services.dataset_publish(actor=people.province, dataset=dataset)
    dataset.refresh_from_db()
    return dataset


def by_keys(query: SearchQuery) -> dict:
    qs, _ = selectors._matching(query)
    rows = selectors._facet_rows_by_keys(qs, query.facet_fields)
    assert rows is not None, "the keys could not count this search"
    return selectors._facet_items(rows, query.facet_fields, 50)


def by_sql(query: SearchQuery) -> dict:
    qs, _ = selectors._matching(query)
    return selectors._facet_items(selectors._facet_rows(qs, query.facet_fields), NAMES, 50)


def assert_keys_count_as_sql() -> None:
    for query in QUERIES:
        assert by_keys(query) == by_sql(query), query
        # And what a search shows (the facets cache emptied) is what the keys count.
        cache.clear()
        assert selectors.datasets_search(query).facets == by_sql(query)


def tags(query: SearchQuery) -> dict[str, int]:
    return {item.name: item.count for item in by_keys(query)["tags"]}


@pytest.fixture
def two(people, define):
    first = publish(people, define, name="mot", keywords=["nhà ở", "hộ nghèo"])
    second = publish(people, define, name="hai", theme="SOCI", periods=["2025"])
    return first, second


def test_keys_count_the_published_catalogue_as_sql_does(two):
    assert_keys_count_as_sql()
    assert tags(QUERIES[0]) == {"nhà ở": 1, "hộ nghèo": 1, "vốn đầu tư": 1, "giải ngân": 1}


def test_keys_follow_publishing_and_withdrawal(people, define, two):
    selectors._facet_keys()  # read now, before the changes
    third = publish(people, define, name="ba", keywords=["nhà ở"], licence="cc-zero")
    assert_keys_count_as_sql()
    assert tags(QUERIES[0])["nhà ở"] == 2
    services.dataset_withdraw(actor=people.province, dataset=third, reason="Nhầm")
    assert_keys_count_as_sql()
    assert tags(QUERIES[0])["nhà ở"] == 1
    services.dataset_withdraw(actor=people.province, dataset=two[0], reason="Nhầm")
    assert_keys_count_as_sql()
    assert "nhà ở" not in tags(QUERIES[0])


def test_keys_follow_a_saved_definition_and_its_new_release(
    people, capital, two, django_capture_on_commit_callbacks
):
    selectors._facet_keys()
    with django_capture_on_commit_callbacks(execute=True):
        # New keywords, theme and licence; one indicator fewer makes release 2.
        services.dataset_save(
            actor=people.province,
            dataset=two[0],
            data=definition(
                name="mot",
                theme="HEAL",
                licence="odc-by",
                indicators=["VON_KH"],
                keywords=["nước sạch"],
            ),
        )
    assert Dataset.objects.get(name="mot").releases.count() == 2
    assert_keys_count_as_sql()
    assert tags(QUERIES[0]) == {"nước sạch": 1, "vốn đầu tư": 1, "giải ngân": 1}
    groups = {item.name: item.count for item in by_keys(QUERIES[0])["groups"]}
    assert groups == {"heal": 1, "soci": 1}


def test_a_renamed_publisher_shows_its_new_name_in_counted_facets(people, two):
    selectors._facet_keys()
    Unit.objects.filter(pk=people.province.unit.pk).update(name="Tỉnh Tuyên Quang mới")
    assert_keys_count_as_sql()
    [item] = by_keys(QUERIES[0])["organization"]
    assert (item.display_name, item.count) == ("Tỉnh Tuyên Quang mới", 2)


def test_rows_changed_outside_the_services_are_counted_once_the_catalogue_moves(people, two):
    selectors._facet_keys()
    # A repair by hand that moves the data set's modification time: the keys are read again.
    Keyword.objects.create(dataset=two[1], name="sửa tay")
    Dataset.objects.filter(pk=two[1].pk).update(updated_at=timezone.now())
    assert_keys_count_as_sql()
    assert tags(QUERIES[0])["sửa tay"] == 1


def test_keys_lacking_a_match_count_nothing_until_read_again(people, define, two):
    draft = define(name="nhap", keywords=["nhà ở"])
    selectors._facet_keys()
    # Published without moving the catalogue's version: the kept keys lack it, and say so
    # (the search counts in SQL) rather than count without it.
    Dataset.objects.filter(pk=draft.pk).update(state=DatasetState.PUBLISHED)
    qs, _ = selectors._matching(QUERIES[1])
    assert selectors._facet_rows_by_keys(qs, NAMES) is None
    Dataset.objects.filter(pk=draft.pk).update(updated_at=timezone.now())
    assert_keys_count_as_sql()
    assert tags(QUERIES[1])["nhà ở"] == 2
