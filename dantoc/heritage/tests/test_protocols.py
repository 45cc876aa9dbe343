"""Cultural protocols, per persona AND per channel: what a community keeps to itself reaches
nobody outside it through the list, the search, the item page, the files (thumbnails and
originals), IIIF (info.json, images, manifests) or the feed. (OAI-PMH: test_oai.py.)"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from dantoc.heritage import selectors, services
from dantoc.heritage.models import Membership

# Who sees which item: the commune officer is a member (steward) of the community protocol,
# the administrator a steward of the elders' protocol; nobody else belongs to either.
SEES = {
    None: {"open_item"},
    "commune": {"open_item", "community_item", "any_item"},
    "admin": {"open_item", "any_item"},
    "other_commune": {"open_item"},
    "province": {"open_item"},
    "other_province": {"open_item"},
    "ministry": {"open_item"},
    "editor": {"open_item"},
}
ITEMS = ("open_item", "community_item", "all_item", "any_item", "draft_item")
PERSONAS = list(SEES)


def _client(persona, client, login, people):
    return client if persona is None else login(getattr(people, persona))


def _user(persona, people):
    return AnonymousUser() if persona is None else getattr(people, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_selector_gives_each_persona_exactly_the_items_of_its_protocols(
    persona, archive, people
):
    user = _user(persona, people)
    seen = set(selectors.items_visible(user).values_list("uuid", flat=True))
    assert seen == {getattr(archive, name).uuid for name in SEES[persona]}
    files = set(selectors.media_visible(user).values_list("uuid", flat=True))
    expected = {archive.open_picture.uuid}
    if persona == "commune":
        expected |= {archive.hidden_picture.uuid, archive.community_picture.uuid}
    assert files == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_search_and_item_pages_show_only_what_the_persona_may_see(
    persona, archive, client, login, people
):
    browser = _client(persona, client, login, people)
    listing = browser.get("/di-san/").content.decode()
    found = browser.get("/di-san/", {"q": "Mong"}).content.decode()  # folded search
    for name in ITEMS:
        item = getattr(archive, name)
        visible = name in SEES[persona]
        assert (item.title in listing) is visible, (name, "list")
        assert browser.get(f"/di-san/{item.uuid}/").status_code == (200 if visible else 404)
        assert browser.get(f"/di-san/{item.uuid}/manifest.json").status_code == (
            200 if visible else 404
        )
        if name in ("community_item", "all_item", "draft_item") and not visible:
            assert item.title not in found
    # The open item's page and its manifest never name the community-only file to outsiders.
    page = browser.get(f"/di-san/{archive.open_item.uuid}/").content.decode()
    manifest = browser.get(f"/di-san/{archive.open_item.uuid}/manifest.json").content.decode()
    member = persona == "commune"
    assert (str(archive.hidden_picture.uuid) in page) is member
    assert (str(archive.hidden_picture.uuid) in manifest) is member
    assert (str(archive.hidden_picture.uuid) in listing) is False or member


@pytest.mark.parametrize("persona", PERSONAS)
def test_files_and_iiif_images_answer_only_to_those_who_may_see_them(
    persona, archive, client, login, people
):
    browser = _client(persona, client, login, people)
    member = persona == "commune"
    for media, visible in (
        (archive.open_picture, True),
        (archive.hidden_picture, member),
        (archive.community_picture, member),
    ):
        expected = 200 if visible else 404
        assert (
            browser.get(f"/di-san/tep/{media.uuid}", {"v": "image-360.webp"}).status_code
            == expected
        )
        assert browser.get(f"/di-san/tep/{media.uuid}", {"v": "goc"}).status_code == expected
        assert browser.get(f"/iiif/3/{media.uuid}/info.json").status_code == expected
        assert browser.get(f"/iiif/3/{media.uuid}/full/max/0/default.jpg").status_code == expected
        # The media pipeline's own addresses are for the uploader and administrators only.
        if persona not in ("commune", "admin"):
            assert browser.get(f"/tep-da-phuong-tien/{media.asset.uuid}/goc").status_code in (
                302,
                404,
            )


def test_restricted_files_are_not_cached_by_shared_caches_and_open_ones_are_cors_enabled(
    archive, login, client, people
):
    open_info = client.get(f"/iiif/3/{archive.open_picture.uuid}/info.json")
    assert open_info["Access-Control-Allow-Origin"] == "*"
    member = login(people.commune)
    closed = member.get(f"/iiif/3/{archive.community_picture.uuid}/info.json")
    assert closed.status_code == 200
    assert "Access-Control-Allow-Origin" not in closed
    assert closed["Cache-Control"].startswith("private")
    thumb = member.get(f"/di-san/tep/{archive.community_picture.uuid}", {"v": "image-360.webp"})
    assert thumb["Cache-Control"].startswith("private")


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_lists_and_shows_only_what_the_persona_may_see(
    persona, archive, client, login, people
):
    browser = _client(persona, client, login, people)
    listed = {row["uuid"] for row in browser.get("/api/v1/heritage/items/").json()["results"]}
    assert listed == {str(getattr(archive, name).uuid) for name in SEES[persona]}
    for name in ITEMS:
        item = getattr(archive, name)
        status = browser.get(f"/api/v1/heritage/items/{item.uuid}/").status_code
        assert status == (200 if name in SEES[persona] else 404)


@pytest.mark.parametrize("persona", [None, "commune", "province"])
def test_the_feed_carries_only_open_items_whoever_asks(persona, archive, client, login, people):
    browser = _client(persona, client, login, people)
    feed = browser.get("/di-san/ban-tin.rss").content.decode()
    assert archive.open_item.title in feed
    for name in ("community_item", "all_item", "any_item", "draft_item"):
        assert getattr(archive, name).title not in feed


def test_notices_of_the_protocols_show_on_the_item(archive, login, people):
    member = login(people.commune)
    page = member.get(f"/di-san/{archive.community_item.uuid}/").content.decode()
    assert "Chỉ dùng trong cộng đồng" in page
    assert "chỉ thành viên cộng đồng được xem" in page


def test_a_steward_adds_a_member_who_then_sees_the_community_items(archive, people, login):
    assert (
        not selectors.items_visible(people.province).filter(pk=archive.community_item.pk).exists()
    )
    steward = login(people.commune)
    response = steward.post(
        f"/di-san/giao-thuc/{archive.community.uuid}/", {"username": people.province.username}
    )
    assert response.status_code == 302
    assert selectors.items_visible(people.province).filter(pk=archive.community_item.pk).exists()
    # Adding again keeps one membership.
    steward.post(
        f"/di-san/giao-thuc/{archive.community.uuid}/", {"username": people.province.username}
    )
    assert Membership.objects.filter(protocol=archive.community, user=people.province).count() == 1
    steward.post(
        f"/di-san/giao-thuc/{archive.community.uuid}/", {"remove": people.province.username}
    )
    assert (
        not selectors.items_visible(people.province).filter(pk=archive.community_item.pk).exists()
    )


@pytest.mark.parametrize("persona", ["other_commune", "province", "ministry", "editor"])
def test_only_stewards_manage_members_and_a_refusal_changes_nothing(
    persona, archive, people, login
):
    before = list(Membership.objects.values_list("protocol", "user", "is_steward"))
    outsider = getattr(people, persona)
    with pytest.raises(PermissionDenied):
        services.member_add(actor=outsider, protocol=archive.community, user=outsider)
    browser = login(outsider)
    response = browser.post(
        f"/di-san/giao-thuc/{archive.community.uuid}/", {"username": outsider.username}
    )
    assert response.status_code == 404
    assert list(Membership.objects.values_list("protocol", "user", "is_steward")) == before


def test_an_item_withdrawn_or_moved_under_a_community_protocol_disappears_for_the_public(
    archive, people, client
):
    from dantoc.editorial import services as editorial

    from .conftest import item_data

    url = f"/di-san/{archive.open_item.uuid}/"
    assert client.get(url).status_code == 200
    services.item_update(
        actor=people.commune, item=archive.open_item, data=item_data(protocols=[archive.community])
    )
    # A published item edited: the change waits for a second person; then the public no
    # longer sees it.
    assert client.get(url).status_code == 200
    from dantoc.editorial import revisions

    revision = revisions.revision_open(archive.open_item)
    revisions.revision_submit(actor=people.commune, revision=revision)
    revisions.revision_approve(actor=people.province, revision=revision)
    assert client.get(url).status_code == 404
    assert client.get(f"/iiif/3/{archive.open_picture.uuid}/info.json").status_code == 404
    editorial.content_withdraw(actor=people.province, item=archive.open_item)
    assert not selectors.items_visible(people.commune).filter(pk=archive.open_item.pk).exists()


def test_a_seasonal_protocol_shows_its_items_only_in_its_months(archive, people, client):
    from django.utils import timezone

    from .conftest import item_data, publish

    month = timezone.localdate().month
    other = month % 12 + 1
    out_of_season = services.protocol_create(
        actor=None, slug="mua-le", name="Mùa lễ", kind="open", months=[other]
    )
    in_season = services.protocol_create(
        actor=None, slug="mua-nay", name="Mùa này", kind="open", months=[month, other]
    )
    hidden = publish(
        services.item_create(
            actor=people.commune,
            unit=people.commune.unit,
            data=item_data(title="Bài cúng mùa lễ", protocols=[out_of_season]),
        ),
        people,
    )
    shown = publish(
        services.item_create(
            actor=people.commune,
            unit=people.commune.unit,
            data=item_data(title="Bài hát mùa này", protocols=[in_season]),
        ),
        people,
    )
    assert client.get(f"/di-san/{hidden.uuid}/").status_code == 404
    assert client.get(f"/di-san/{shown.uuid}/").status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_rule_on_the_items_row_agrees_with_the_rule_on_the_protocol_table(
    persona, archive, people, monkeypatch
):
    """Visibility read from the item's ``protocol_ids`` (what searches use) is the same as
    the rule written on the protocol relation (used beyond eight protocols passed)."""
    from dantoc.heritage.models import HeritageItem

    user = _user(persona, people)
    on_row = set(selectors.items_visible(user).values_list("pk", flat=True))
    monkeypatch.setattr(selectors, "SIGNATURE_MAX_PROTOCOLS", -1)
    on_relation = set(selectors.items_visible(user).values_list("pk", flat=True))
    assert on_row == on_relation == {getattr(archive, n).pk for n in SEES[persona]}
    for item in HeritageItem.objects.prefetch_related("protocols"):
        ids = sorted(p.pk for p in item.protocols.all())
        assert item.protocol_ids == ("," + ",".join(map(str, ids)) + "," if ids else "")
