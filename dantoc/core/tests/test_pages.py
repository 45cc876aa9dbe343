import gzip
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import DatabaseError

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 60 * 1024


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"


def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "error"


def test_anonymous_home_page_is_in_vietnamese_and_invites_to_sign_in(client):
    html = client.get("/").content.decode()
    assert '<html lang="vi">' in html
    assert "Cán bộ đăng nhập" in html


def test_signed_in_home_page_shows_who_where_and_what_they_may_do(people, login):
    client = login(people.commune)
    html = client.get("/").content.decode()
    assert "xa.lungcu" in html
    assert "Xã Lũng Cú" in html and "Tuyên Quang" in html
    assert "Cán bộ báo cáo cấp xã" in html
    assert "Nhập số liệu báo cáo của xã" in html
    assert "Quản lý tài khoản" not in html


def test_administrator_home_page_offers_account_management(people, login):
    html = login(people.admin).get("/").content.decode()
    assert "Quản lý tài khoản cán bộ" in html and "/audit/" in html


def test_english_is_available_as_second_language(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Official sign-in" in html or "Sign in" in html
    assert "Đăng nhập" not in html


def test_english_pages_show_role_names_in_english(people, login):
    client = login(people.commune)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "Commune reporter" in html


def page_weight(client, path: str) -> int:
    """Bytes transferred for the page's HTML and its stylesheets and scripts, gzip-compressed
    as the server sends them to a browser that accepts gzip (every browser does)."""
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    body = response.content
    total = len(body)
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    html = body.decode()
    for asset in re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js))"', html):
        on_disk = settings.STATIC_ROOT / asset
        if not on_disk.exists():
            on_disk = finders.find(asset)
        total += len(gzip.compress(on_disk.read_bytes()))
    return total


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/units/",
        "/units/08/",
        "/units/02/",
        "/units/01/",
        "/ethnic-groups/",
        "/dong-bao/gia-ca/",
        "/dong-bao/gia-ca/08/",
        "/dong-bao/ocop/",
        "/chuyen-gia/",
        "/di-san/",
        "/di-san/ke-hoach-so-hoa/",
        "/thu-vien/",
    ],
)
def test_public_pages_stay_under_the_60_kb_budget(client, path):
    assert page_weight(client, path) < PAGE_BUDGET


def test_signed_in_home_page_stays_under_the_60_kb_budget(people, login):
    assert page_weight(login(people.commune), "/") < PAGE_BUDGET


@pytest.mark.parametrize(
    "path", ["/units/%00/", "/api/v1/units/%00/", "/units/?q=%00", "/api/v1/users/?unit=a%00"]
)
def test_a_nul_character_in_the_address_is_a_400_on_every_database(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()


def test_a_nul_character_in_a_cookie_or_a_form_body_is_a_400_on_every_database(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get("/")
    assert response.status_code == 400
    client.cookies.clear()
    response = client.post(
        "/token/introspect",
        "token=a%00b&client_id=x%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["offset=99999999999999999999", "offset=-5&limit=abc", "limit=99999999999999999999"]
)
def test_absurd_paging_is_never_a_server_error(client, query):
    response = client.get(f"/api/v1/units/?{query}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert len(response.json()["results"]) <= 1000


def test_a_nul_character_in_basic_credentials_is_refused_not_a_server_error(db):
    import base64

    from django.test import Client

    browser = Client(raise_request_exception=True)
    credentials = base64.b64encode(b"xa.lungcu\x00:mat\x00khau").decode()
    response = browser.get(
        "/api/analytics?dimension=dx:VON_KH&dimension=pe:2026&dimension=ou:VN",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("path", ["/api/integration/v1/documents", "/api/dataValueSets"])
def test_a_nul_character_in_a_bearer_token_is_refused_not_a_server_error(db, path):
    from django.test import Client

    browser = Client(raise_request_exception=True)
    response = browser.get(path, HTTP_AUTHORIZATION="Bearer abc\x00def")
    assert response.status_code in (400, 401, 403)


def test_healthz_reports_the_outside_services_apps_declare(client, monkeypatch):
    from dantoc.core import registry, views

    def declared():
        return [
            registry.HealthCheck("broker", "dantoc.core.tests.test_pages._broker_up"),
            registry.HealthCheck("media_server", "dantoc.core.tests.test_pages._media_down"),
        ]

    monkeypatch.setattr(views, "health_checks", declared)
    response = client.get("/healthz")
    body = response.json()
    # The platform still serves while the database answers: 200, said to be degraded.
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["broker"] == {"status": "ok", "version": "2.0"}
    assert body["media_server"]["status"] == "error"
    assert "ConnectionRefusedError" in body["media_server"]["error"]


def _broker_up():
    return {"status": "ok", "version": "2.0"}


def _media_down():
    raise ConnectionRefusedError("127.0.0.1:8088")
