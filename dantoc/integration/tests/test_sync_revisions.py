"""An editor's edit to a published article waits for a second editor (issue 14): the sync
feed, the Atom feed and the webhooks keep the published version, and its modification time,
until the revision is approved."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from dantoc.editorial import revisions
from dantoc.integration.models import WebhookMessage
from dantoc.integration.tests import portal_content
from dantoc.integration.tests.conftest import bearer
from dantoc.integration.tests.test_webhooks import subscribe
from dantoc.portal import services as portal
from dantoc.portal.models import Article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

NEWS = "/api/integration/v1/news"
ATOM = "/cong-thong-tin/tin-tuc/atom.xml"


def _second_editor():
    from conftest import PASSWORD
    from dantoc.accounts.services import user_create
    from dantoc.geo.selectors import unit_get

    return user_create(
        actor=None, username="bientap.hai", password=PASSWORD, unit=unit_get(code="VN"),
        roles=["content_editor"], full_name="Biên tập hai", check_password=False,
    )  # fmt: skip


def test_the_sync_feed_atom_and_webhooks_keep_the_published_version_until_approval(
    client, token, receiver, people, django_capture_on_commit_callbacks
):
    subscribe(client, token, receiver.url, feeds=["news"])
    with django_capture_on_commit_callbacks(execute=True):
        item = portal_content.article(title="Tuyên Quang: 12 công trình nước sạch")
    first = client.get(NEWS, **bearer(token)).json()
    cursor = first["next_cursor"]
    assert [i["title"] for i in first["items"]] == ["Tuyên Quang: 12 công trình nước sạch"]
    published_event = len(receiver.received)
    atom_before = Client().get(ATOM).content

    with django_capture_on_commit_callbacks(execute=True):
        portal.article_save(
            actor=people.editor, article=item, unit=item.unit, kind=item.kind,
            title="Tuyên Quang: 120 công trình nước sạch", summary=item.summary, body=item.body,
        )  # fmt: skip
        revision = revisions.revision_open(item)
        revisions.revision_submit(actor=people.editor, revision=revision)

    # Nothing changed for a provincial page that syncs, nor for a feed reader.
    assert client.get(NEWS, {"cursor": cursor}, **bearer(token)).json()["items"] == []
    whole = client.get(NEWS, **bearer(token)).json()["items"]
    assert [i["title"] for i in whole] == ["Tuyên Quang: 12 công trình nước sạch"]
    assert whole[0]["updated_at"] == first["items"][0]["updated_at"]
    assert Article.objects.get(pk=item.pk).updated_at == item.updated_at
    cache.clear()  # read the feed afresh, not the page cached before the edit
    assert Client().get(ATOM).content == atom_before
    assert len(receiver.received) == published_event
    # The catch-up of lost announcements finds nothing either (updated_at did not move).
    out = io.StringIO()
    call_command("webhooks_deliver", stdout=out)
    assert json.loads(out.getvalue())["recorded"] == 0
    assert WebhookMessage.objects.count() == published_event

    with django_capture_on_commit_callbacks(execute=True):
        revisions.revision_approve(actor=_second_editor(), revision=revision)
    page = client.get(NEWS, {"cursor": cursor}, **bearer(token)).json()
    assert [i["title"] for i in page["items"]] == ["Tuyên Quang: 120 công trình nước sạch"]
    assert Article.objects.get(pk=item.pk).updated_at > item.updated_at
    assert "120 công trình" in Client().get(ATOM).content.decode()
    assert receiver.received[-1].json()["type"] == "content.updated"
    assert receiver.received[-1].json()["data"]["title"] == "Tuyên Quang: 120 công trình nước sạch"
    assert Article.objects.get(pk=item.pk).title == "Tuyên Quang: 120 công trình nước sạch"
