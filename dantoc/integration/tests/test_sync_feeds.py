"""The pull sync API: incremental pages with a stable cursor, tombstones, ETag/304, the
province filter, and 400s with clear messages for malformed requests."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dantoc.integration.feeds import Position, cursor_encode
from dantoc.integration.scopes import WEBHOOKS
from dantoc.integration.tests import portal_content
from dantoc.integration.tests.conftest import bearer, fetch_token, make_client
from dantoc.portal import services as portal
from dantoc.portal.models import Article, LegalDocument

pytestmark = pytest.mark.django_db

NEWS = "/api/integration/v1/news"
DOCUMENTS = "/api/integration/v1/documents"


def pull_all(client, token, path, **params) -> tuple[list[dict], str | None, int]:
    """Every page, as a sync client would; (items, last cursor, pages)."""
    items, cursor, pages = [], None, 0
    while True:
        query = dict(params)
        if cursor:
            query["cursor"] = cursor
        response = client.get(path, query, **bearer(token))
        assert response.status_code == 200, response.content
        page = response.json()
        pages += 1
        items += page["items"]
        cursor = page["next_cursor"] or cursor
        if not page["has_more"]:
            return items, cursor, pages


def test_paging_with_the_cursor_sees_every_item_once_even_when_many_share_a_timestamp(
    client, token
):
    made = [portal_content.article(title=f"Tin số {n}") for n in range(7)]
    same = timezone.now() - datetime.timedelta(minutes=5)
    # Five items changed in the same microsecond: ties are broken by the id.
    Article.objects.filter(pk__in=[a.pk for a in made[:5]]).update(updated_at=same)
    items, _, pages = pull_all(client, token, NEWS, limit=2)
    assert pages == 4
    assert sorted(i["id"] for i in items) == sorted(str(a.uuid) for a in made)
    assert len(items) == len({i["id"] for i in items}) == 7
    first = items[0]
    assert first["title"].startswith("Tin số") and first["deleted"] is False
    assert first["unit"] == "08" and first["kind"] == "news"


def test_a_client_resumes_from_its_cursor_and_gets_only_what_changed(client, token):
    old = [portal_content.article(title=f"Tin cũ {n}") for n in range(3)]
    _, cursor, _ = pull_all(client, token, NEWS, limit=100)
    assert client.get(NEWS, {"cursor": cursor}, **bearer(token)).json()["items"] == []
    changed = portal_content.retitle(old[1], "Tin cũ 1 (đính chính)")
    new = portal_content.article(title="Tin mới")
    page = client.get(NEWS, {"cursor": cursor}, **bearer(token)).json()
    assert [i["id"] for i in page["items"]] == [str(changed.uuid), str(new.uuid)]
    assert page["items"][0]["title"] == "Tin cũ 1 (đính chính)"


def test_deleted_and_unpublished_items_come_as_tombstones_and_drafts_never_appear(client, token):
    shown = portal_content.article(title="Giữ nguyên")
    deleted = portal_content.article(title="Sẽ xoá")
    unpublished = portal_content.article(title="Sẽ gỡ")
    portal_content.article(title="Bản nháp", publish=False)
    never_public = portal_content.article(title="Nháp rồi xoá", publish=False)
    portal.article_delete(actor=None, article=deleted)
    portal.article_unpublish(actor=None, article=unpublished)
    portal.article_delete(actor=None, article=never_public)
    items = {i["id"]: i for i in pull_all(client, token, NEWS)[0]}
    assert set(items) == {str(shown.uuid), str(deleted.uuid), str(unpublished.uuid)}
    assert items[str(deleted.uuid)] == {
        "id": str(deleted.uuid),
        "feed": "news",
        "deleted": True,
        "updated_at": items[str(deleted.uuid)]["updated_at"],
    }
    assert items[str(unpublished.uuid)]["deleted"] is True
    assert "title" not in items[str(unpublished.uuid)]


def test_modified_since_returns_items_changed_from_that_moment(client, token):
    before = portal_content.article(title="Trước")
    after = portal_content.article(title="Sau")
    Article.objects.filter(pk=before.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=2)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    items = client.get(NEWS, {"modified_since": since}, **bearer(token)).json()["items"]
    assert [i["id"] for i in items] == [str(after.uuid)]
    zulu = client.get(NEWS, {"modified_since": "2000-01-01T00:00:00Z"}, **bearer(token))
    assert len(zulu.json()["items"]) == 2
    # "+07:00" typed into a query string unescaped arrives as " 07:00": still understood.
    plus = client.get(f"{NEWS}?modified_since=2000-01-01T07:00:00+07:00", **bearer(token))
    assert plus.status_code == 200 and len(plus.json()["items"]) == 2


def test_an_unchanged_page_is_a_304_for_its_etag(client, token):
    portal_content.article()
    first = client.get(NEWS, **bearer(token))
    etag = first["ETag"]
    again = client.get(NEWS, HTTP_IF_NONE_MATCH=etag, **bearer(token))
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    portal_content.article(title="Tin thêm")
    changed = client.get(NEWS, HTTP_IF_NONE_MATCH=etag, **bearer(token))
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_province_filter_gives_what_concerns_the_province(client, token):
    own = portal_content.document(number="01/QĐ-UBND", unit="08")
    national = portal_content.document(number="02/QĐ-UBDT", unit="VN")
    about_it = portal_content.document(number="03/QĐ-UBDT", unit="VN", areas=("08",))
    portal_content.document(number="04/QĐ-UBDT", unit="VN", areas=("15",))
    portal_content.document(number="05/QĐ-UBND", unit="15")
    items = pull_all(client, token, DOCUMENTS, province="08")[0]
    assert sorted(i["id"] for i in items) == sorted(str(d.uuid) for d in (own, national, about_it))
    assert len(pull_all(client, token, DOCUMENTS)[0]) == 5
    document = next(i for i in items if i["id"] == str(national.uuid))
    assert document["number_symbol"] == "02/QĐ-UBDT" and document["doc_type"] == "quyet_dinh"
    assert document["issued_on"] == "2021-06-15"


def test_an_item_that_stops_concerning_the_province_reaches_its_mirror_as_a_tombstone(
    client, token
):
    from dantoc.geo.selectors import unit_get

    about_it = portal_content.document(number="03/QĐ-UBDT", unit="VN", areas=("08",))
    other = portal_content.document(number="04/QĐ-UBDT", unit="VN", areas=("15",))
    items, cursor, _ = pull_all(client, token, DOCUMENTS, province="08")
    assert [i["id"] for i in items] == [str(about_it.uuid)]
    # The document is now about Lào Cai only.
    portal.legal_document_save(
        actor=None, document=about_it, unit=about_it.unit,
        number_symbol=about_it.number_symbol, doc_type=about_it.doc_type,
        issuing_body=about_it.issuing_body, issued_on=about_it.issued_on,
        abstract=about_it.abstract, areas=[unit_get(code="15")],
    )  # fmt: skip
    later = pull_all(client, token, DOCUMENTS, province="08", cursor=cursor)[0]
    # Changes since the cursor that do not concern the province are all tombstones (the
    # Lào Cai document too: a mirror that never had it ignores it); nothing is sent whole.
    assert {i["id"] for i in later} == {str(about_it.uuid), str(other.uuid)}
    assert all(set(i) == {"id", "feed", "deleted", "updated_at"} and i["deleted"] for i in later)
    # A first full sync of the province still leaves it out; Lào Cai gets it whole.
    assert pull_all(client, token, DOCUMENTS, province="08")[0] == []
    for_15 = pull_all(client, token, DOCUMENTS, province="15", cursor=cursor)[0]
    assert {i["id"]: i["deleted"] for i in for_15} == {
        str(other.uuid): False,
        str(about_it.uuid): False,
    }


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"modified_since": "15/13/2025"}, "modified_since", ["ISO 8601", "không hợp lệ"]),
        ({"cursor": "not-a-cursor"}, "cursor", ["Invalid cursor", "không hợp lệ"]),
        # A well-formed cursor whose id no database column can hold.
        ({"cursor": "djE6bmV3czoxOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, "cursor", ["Invalid cursor"]),
        ({"limit": "0"}, "limit", ["limit must be", "từ 1 đến 1000"]),
        ({"limit": "abc"}, "limit", ["limit must be"]),
        ({"limit": "5000"}, "limit", ["limit must be"]),
        # Present but empty is a mistake too, not "the default" (issue 14, the contract).
        ({"limit": ""}, "limit", ["limit must be"]),
        ({"modified_since": ""}, "modified_since", ["Invalid modified_since"]),
        ({"province": "99"}, "province", ["No current province", "Không có tỉnh"]),
    ],
)
def test_a_malformed_request_is_a_400_with_a_message_in_vietnamese_and_english(
    client, token, params, field, words
):
    response = client.get(NEWS, params, **bearer(token))
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    for word in words:
        assert word in body["detail"]


def test_a_cursor_of_another_feed_is_refused(client, token):
    cursor = cursor_encode("documents", Position(timezone.now(), 1))
    response = client.get(NEWS, {"cursor": cursor}, **bearer(token))
    assert response.status_code == 400 and "documents" in response.json()["detail"]


def test_reading_the_feeds_needs_the_content_read_scope(client, people):
    hooks_only = make_client(people, name="Chỉ webhook", scopes=[WEBHOOKS])
    token = fetch_token(client, hooks_only)
    assert client.get(NEWS, **bearer(token)).status_code == 403
    assert client.get(NEWS).status_code == 401


def _page_queries(captured) -> list[str]:
    # The rate limiter's counter (and its once-a-minute clean-up) is not the page's cost.
    return [q["sql"] for q in captured.captured_queries if "ratewindow" not in q["sql"]]


def test_a_page_costs_a_fixed_number_of_queries_whatever_its_size(client, token):
    for n in range(3):
        portal_content.document(number=f"{n}/QĐ-UBDT", areas=("08", "15"))
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(DOCUMENTS, **bearer(token)).json()["items"]) == 3
    for n in range(3, 12):
        portal_content.document(number=f"{n}/QĐ-UBDT", areas=("08",))
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(DOCUMENTS, **bearer(token)).json()["items"]) == 12
    assert len(_page_queries(large)) == len(_page_queries(small)) <= 8
    assert LegalDocument.objects.count() == 12
