"""Search through the archive's word index (``HeritageWord``): the same items as the regular
expression scan it replaced, for every persona, query and filter; ranked by title first;
kept current by every write; counted up to a cap; the same through the page and the API."""

from __future__ import annotations

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from dantoc.core.text import words_q
from dantoc.editorial import revisions
from dantoc.heritage import selectors, services
from dantoc.heritage.models import HeritageItem, HeritageWord

from .conftest import item_data, publish

pytestmark = pytest.mark.django_db

PERSONAS = [None, "commune", "admin", "province"]
QUERIES = [
    "mong",
    "Lễ hội",
    "cung",
    "gau tao hmong",
    "rừng nào",
    "khen",
    "khong co tu nay",
    "le  !",
]


def _user(persona, people):
    return AnonymousUser() if persona is None else getattr(people, persona)


def _scan(user, q, **filters):
    """The oracle: the search before the index (a regular expression over the folded text of
    every visible item)."""
    found = selectors.items_visible(user).filter(words_q(q))
    for name, value in filters.items():
        found = found.filter(**{name: value})
    return set(found.values_list("pk", flat=True))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_index_finds_exactly_what_the_scan_found_for_every_persona(persona, archive, people):
    user = _user(persona, people)
    for q in QUERIES:
        result = selectors.items_search(user=user, q=q)
        assert {item.pk for item in result[0:50]} == _scan(user, q), q
        assert result.count() == len(_scan(user, q)), q
    filtered = selectors.items_search(user=user, q="mong", kind="ritual", ethnic_group="08")
    assert {i.pk for i in filtered[0:50]} == _scan(
        user, "mong", kind="ritual", ethnic_groups__code="08"
    )
    assert not selectors.items_search(user=user, q="mong", province="99")[0:50]


def test_title_words_rank_first_and_pages_do_not_overlap(archive, people):
    # "ru" is in one title only; "mong" in every description and in that title.
    ranked = selectors.items_search(user=people.commune, q="mong")
    assert ranked[0:1][0] == archive.any_item
    first, second = ranked[0:2], ranked[2:4]
    assert not {i.pk for i in first} & {i.pk for i in second}
    assert ranked[0] == archive.any_item  # an int index too


def test_every_write_keeps_the_index_current(archive, people, client):
    item = archive.open_item
    assert client.get("/di-san/", {"q": "gau tao"}).content.decode().count(item.title) == 1
    services.item_update(
        actor=people.commune,
        item=item,
        data=item_data(title="Hội xuân Sải Sán", description="Hội mùa xuân."),
    )
    # A published item: the change waits as a revision; the index follows once approved.
    assert [i.pk for i in selectors.items_search(user=AnonymousUser(), q="gau tao")[0:50]] == [
        item.pk
    ]
    revisions.revision_submit(actor=people.commune, revision=revisions.revision_open(item))
    revisions.revision_approve(actor=people.province, revision=revisions.revision_open(item))
    assert item.pk not in {
        i.pk for i in selectors.items_search(user=AnonymousUser(), q="gau tao")[0:50]
    }
    assert [i.pk for i in selectors.items_search(user=people.commune, q="sai san")[0:50]] == [
        item.pk
    ]
    new = services.item_create(
        actor=people.commune, unit=people.commune.unit, data=item_data(title="Múa khèn Pa Dí")
    )
    assert not selectors.items_search(user=AnonymousUser(), q="pa di")[0:50]  # a draft
    publish(new, people)
    assert [i.pk for i in selectors.items_search(user=AnonymousUser(), q="pa di")[0:50]] == [new.pk]
    HeritageItem.objects.filter(pk=new.pk).update(deleted_at=timezone.now())
    assert not selectors.items_search(user=AnonymousUser(), q="pa di")[0:50]


def test_the_page_and_the_api_search_the_same_way_and_a_large_count_is_capped(
    archive, client, monkeypatch
):
    page = client.get("/di-san/", {"q": "Gầu Tào"}).content.decode()
    assert archive.open_item.title in page and archive.community_item.title not in page
    api = client.get("/api/v1/heritage/items/", {"q": "gau tao"}).json()
    assert [row["uuid"] for row in api["results"]] == [str(archive.open_item.uuid)]
    assert client.get("/api/v1/heritage/items/", {"q": "khong co"}).json()["results"] == []
    monkeypatch.setattr(selectors, "COUNT_CAP", 0)
    capped = client.get("/di-san/", {"q": "Gầu Tào"}).content.decode()
    assert "Hơn 0 tư liệu" in capped


def test_the_migration_indexes_items_saved_before_the_index(archive):
    from importlib import import_module

    expected = set(HeritageWord.objects.values_list("word", "item_id", "weight"))
    HeritageWord.objects.all().delete()
    migration = import_module("dantoc.heritage.migrations.0004_word_index")
    migration.index_existing(django_apps, None)
    assert set(HeritageWord.objects.values_list("word", "item_id", "weight")) == expected
