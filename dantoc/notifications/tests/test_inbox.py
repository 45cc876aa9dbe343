"""The inbox: pages, header count and API, each official seeing only their own notices."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dantoc.notifications.context_processors import unread
from dantoc.notifications.models import Notification
from dantoc.notifications.services import notification_mark_read
from dantoc.notifications.tests.helpers import notice_for

pytestmark = pytest.mark.django_db


def test_unread_count_shows_in_the_header_after_sign_in_and_drops_after_reading(
    people, client, login
):
    assert "Thông báo (" not in client.get("/").content.decode()
    first = notice_for(people.commune, url="/units/00715/")
    notice_for(people.commune, title="Còn 3 ngày đến hạn nộp báo cáo quý 3/2025")
    notice_for(people.other_commune)

    client = login(people.commune)
    assert "Thông báo (2)" in client.get("/").content.decode()

    response = client.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/units/00715/"
    assert "Thông báo (1)" in client.get("/").content.decode()

    response = client.post("/notifications/read-all/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert "Thông báo (0)" in client.get("/notifications/").content.decode()
    assert not Notification.objects.filter(recipient=people.commune, read_at=None).exists()
    assert Notification.objects.filter(recipient=people.other_commune, read_at=None).exists()


def test_list_shows_newest_first_highlights_unread_and_pages_by_thirty(people, login):
    for i in range(31):
        notice_for(people.commune, title=f"Thông báo số {i:02d}")
    notification_mark_read(
        user=people.commune, notification=Notification.objects.get(title="Thông báo số 30")
    )
    client = login(people.commune)

    html = client.get("/notifications/").content.decode()
    assert html.index("Thông báo số 30") < html.index("Thông báo số 29")
    assert "Thông báo số 00" not in html
    assert html.count('class="notice unread"') == 29
    assert html.count('class="notice"') == 1
    assert "Thông báo số 00" in client.get("/notifications/?page=2").content.decode()

    unread_only = client.get("/notifications/?unread=1").content.decode()
    assert "Thông báo số 30" not in unread_only and "Thông báo số 29" in unread_only


def test_reading_a_notice_without_a_link_returns_to_the_list(people, login):
    notice = notice_for(people.commune)
    response = login(people.commune).post(f"/notifications/{notice.pk}/read/")
    assert response["Location"] == "/notifications/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_link_to_another_site_is_never_followed(people, login):
    # notify() refuses such links; this guards rows written some other way.
    notice = Notification.objects.create(
        recipient=people.commune, kind="x", title="Liên kết lạ", url="//evil.example/"
    )
    response = login(people.commune).post(f"/notifications/{notice.pk}/read/")
    assert response["Location"] == "/notifications/"


@pytest.mark.parametrize("persona", ["other_commune", "province", "ministry", "admin"])
def test_nobody_else_reads_or_marks_an_officials_notice(people, login, persona):
    notice = notice_for(
        people.commune, title="Báo cáo quý 3/2025 bị trả lại", body="Lý do: thiếu số liệu hộ nghèo"
    )
    intruder = getattr(people, persona)
    client = login(intruder)

    assert client.post(f"/notifications/{notice.pk}/read/").status_code == 404
    assert client.post(f"/api/v1/notifications/{notice.pk}/read/").status_code == 404
    client.post("/notifications/read-all/")
    client.post("/api/v1/notifications/read-all/")
    assert "thiếu số liệu hộ nghèo" not in client.get("/notifications/").content.decode()
    listed = client.get("/api/v1/notifications/").json()["results"]
    assert notice.pk not in [row["id"] for row in listed]
    with pytest.raises(PermissionDenied):
        notification_mark_read(user=intruder, notification=notice)

    notice.refresh_from_db()
    assert notice.read_at is None


def test_anonymous_visitor_is_sent_to_sign_in_and_changes_nothing(client, people):
    notice = notice_for(people.commune)
    for response in (
        client.get("/notifications/"),
        client.post(f"/notifications/{notice.pk}/read/"),
        client.post("/notifications/read-all/"),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/notifications/")
    assert client.get("/api/v1/notifications/").status_code in (401, 403)
    assert client.post(f"/api/v1/notifications/{notice.pk}/read/").status_code in (401, 403)
    notice.refresh_from_db()
    assert notice.read_at is None


def test_reading_needs_a_post_so_a_link_cannot_mark_it(people, login):
    notice = notice_for(people.commune)
    assert login(people.commune).get(f"/notifications/{notice.pk}/read/").status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


def test_list_page_and_api_use_the_same_number_of_queries_for_many_notices(people, login):
    client = login(people.commune)
    notice_for(people.commune, unit=people.commune.unit, url="/units/00715/")
    with CaptureQueriesContext(connection) as few_page:
        client.get("/notifications/")
    with CaptureQueriesContext(connection) as few_api:
        client.get("/api/v1/notifications/")
    for i in range(25):
        notice = notice_for(
            people.commune, title=f"Nhắc hạn số {i}", unit=people.commune.unit, url="/units/"
        )
        if i % 2:
            notification_mark_read(user=people.commune, notification=notice)
    with CaptureQueriesContext(connection) as many_page:
        html = client.get("/notifications/").content.decode()
    with CaptureQueriesContext(connection) as many_api:
        rows = client.get("/api/v1/notifications/").json()["results"]
    assert "Nhắc hạn số 24" in html and len(rows) == 26
    assert len(many_page) == len(few_page)
    assert len(many_api) == len(few_api)


def test_header_count_costs_no_query_for_visitors_and_one_for_officials(
    people, rf, django_assert_num_queries
):
    notice_for(people.commune)
    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread(request) == {"unread_notifications": 0}
    request.user = people.commune
    with django_assert_num_queries(1):
        assert unread(request) == {"unread_notifications": 1}


def test_api_lists_own_notices_newest_first_filters_unread_and_marks_read(people, login):
    older = notice_for(people.commune, title="Báo cáo quý 2/2025 đã được duyệt")
    newer = notice_for(
        people.commune, title="Báo cáo quý 3/2025 bị trả lại", unit=people.commune.unit
    )
    notification_mark_read(user=people.commune, notification=older)
    client = login(people.commune)

    data = client.get("/api/v1/notifications/").json()
    assert data["count"] == 2
    assert [r["id"] for r in data["results"]] == [newer.pk, older.pk]
    assert data["results"][0]["unit"]["code"] == "00715"
    assert data["results"][1]["is_read"] is True

    unread_rows = client.get("/api/v1/notifications/", {"unread": "1"}).json()["results"]
    assert [r["title"] for r in unread_rows] == ["Báo cáo quý 3/2025 bị trả lại"]

    response = client.post(f"/api/v1/notifications/{newer.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True and response.json()["read_at"]
    assert client.get("/api/v1/notifications/", {"unread": "1"}).json()["count"] == 0


def test_api_marks_all_of_ones_own_notices_read(people, login):
    notice_for(people.province)
    notice_for(people.province)
    notice_for(people.commune)
    response = login(people.province).post("/api/v1/notifications/read-all/")
    assert response.status_code == 200 and response.json() == {"updated": 2}
    assert Notification.objects.filter(recipient=people.commune, read_at=None).count() == 1
