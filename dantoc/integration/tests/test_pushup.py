"""Push up: a province's client submits its own activities and reports; they land in the
portal's editorial workflow (review, source = client name), once per idempotency key."""

from __future__ import annotations

import pytest

from dantoc.audit.models import AuditEntry
from dantoc.integration.models import Submission
from dantoc.integration.scopes import CONTENT_READ
from dantoc.integration.tests.conftest import bearer, fetch_token, make_client
from dantoc.portal import services as portal
from dantoc.portal.models import Article, Status

pytestmark = pytest.mark.django_db

SUBMIT = "/api/integration/v1/submissions"
ACTIVITY = {
    "kind": "activity",
    "title": "Hội nghị triển khai Dự án 5 tại xã Lũng Cú",
    "summary": "Tập huấn cho 120 cán bộ xã",
    "body": "<p>Nội dung</p><script>alert('x')</script>",
    "areas": ["08"],
}


def submit(client, token, payload, key=None):
    headers = bearer(token)
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(SUBMIT, payload, content_type="application/json", **headers)


def test_a_submitted_activity_lands_in_review_with_the_client_as_source(client, token, issued):
    response = submit(client, token, ACTIVITY, key="tq-2025-0001")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "review" and body["source"] == issued.client.name
    assert body["unit"] == "08"
    article = Article.objects.get(uuid=body["id"])
    assert article.status == Status.REVIEW and article.kind == "activity"
    assert article.source == issued.client.name
    assert "<script" not in article.body  # sanitised by the portal's own service
    assert [u.code for u in article.areas.all()] == ["08"]
    assert AuditEntry.objects.filter(action="portal.article_submit").exists()
    assert AuditEntry.objects.filter(action="integration.submission_create").exists()
    # Not public until an editor publishes it: the feed does not show it.
    assert client.get("/api/integration/v1/news", **bearer(token)).json()["items"] == []
    status = client.get(f"{SUBMIT}/{body['id']}", **bearer(token)).json()
    assert status["status"] == "review"


def test_a_retried_submission_with_the_same_key_does_not_duplicate(client, token):
    first = submit(client, token, ACTIVITY, key="tq-2025-0002")
    again = submit(client, token, ACTIVITY, key="tq-2025-0002")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    by_body = submit(client, token, {**ACTIVITY, "external_id": "bc-09"})
    by_body_again = submit(client, token, {**ACTIVITY, "external_id": "bc-09"})
    assert by_body_again.json()["id"] == by_body.json()["id"]
    assert Article.objects.count() == 2 and Submission.objects.count() == 2


def test_the_same_key_with_a_different_body_is_a_conflict_and_changes_nothing(client, token):
    submit(client, token, ACTIVITY, key="tq-2025-0003")
    before = (Article.objects.count(), Submission.objects.count())
    response = submit(client, token, {**ACTIVITY, "title": "Khác"}, key="tq-2025-0003")
    assert response.status_code == 409
    assert (Article.objects.count(), Submission.objects.count()) == before


def test_a_submission_needs_a_key_a_known_kind_and_the_write_scope(client, people, token):
    no_key = submit(client, token, ACTIVITY)
    assert no_key.status_code == 400 and "idempotency_key" in no_key.json()
    policy = submit(client, token, {**ACTIVITY, "kind": "policy"}, key="k1")
    assert policy.status_code == 400
    bad_area = submit(client, token, {**ACTIVITY, "areas": ["99"]}, key="k2")
    assert bad_area.status_code == 400 and "areas" in bad_area.json()
    reader = make_client(people, name="Chỉ đọc", scopes=[CONTENT_READ])
    refused = submit(client, fetch_token(client, reader), ACTIVITY, key="k3")
    assert refused.status_code == 403
    assert Article.objects.count() == 0 and Submission.objects.count() == 0


def test_a_number_where_the_schema_says_text_is_refused_not_turned_into_text(client, token):
    # DRF would store external_id 0 as "0": the contract says string (issue 14, schemathesis).
    for field, value in (("external_id", 0), ("title", 12), ("areas", [8])):
        response = submit(client, token, {**ACTIVITY, field: value}, key=f"k-{field}")
        assert response.status_code == 400 and field in response.json()
    assert Submission.objects.count() == 0


def test_an_editor_publishes_a_submission_and_it_reaches_the_feed(client, token, people):
    created = submit(client, token, {**ACTIVITY, "kind": "report"}, key="bc-2025-q3").json()
    article = Article.objects.get(uuid=created["id"])
    portal.article_publish(actor=people.editor, article=article)
    items = client.get("/api/integration/v1/reports", **bearer(token)).json()["items"]
    assert [i["id"] for i in items] == [created["id"]]
    assert items[0]["source"] == "Cổng TTĐT tỉnh Tuyên Quang"


def test_a_client_sees_only_its_own_submissions(client, people, token):
    created = submit(client, token, ACTIVITY, key="own").json()
    other = make_client(people, name="Lào Cai", unit="15")
    response = client.get(f"{SUBMIT}/{created['id']}", **bearer(fetch_token(client, other)))
    assert response.status_code == 404
