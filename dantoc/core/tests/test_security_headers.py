"""Security headers: a strict Content-Security-Policy and a Permissions-Policy on the pages,
overridable per view; HTTPS redirect and HSTS in production."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from config import urls as root_urls
from dantoc.core.middleware import content_security_policy, permissions_policy


@permissions_policy(camera="(self)", microphone="(self)")
def meeting_room(request):
    return HttpResponse("<!doctype html><title>Phòng họp</title>")


@content_security_policy(img_src="'self' https://tinh.example.gov.vn")
def page_with_pictures(request):
    return HttpResponse("<!doctype html><title>Ảnh</title>")


urlpatterns = [
    path("test/hop/", meeting_room),
    path("test/anh/", page_with_pictures),
    *root_urls.urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ") if part.strip()
    }


def test_html_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and "unsafe" not in response["Content-Security-Policy"]
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"


def test_signed_in_pages_and_error_pages_carry_it_too(client, login, people):
    officer = login(people.commune)
    assert "script-src 'self'" in officer.get("/reporting/")["Content-Security-Policy"]
    missing = client.get("/khong-co-trang-nay/")
    assert missing.status_code == 404
    assert "default-src 'self'" in missing["Content-Security-Policy"]


def test_pages_refuse_camera_microphone_and_location(client):
    policy = client.get("/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


def test_a_view_opens_the_camera_and_microphone_for_its_own_pages_only(client):
    room = client.get("/test/hop/")["Permissions-Policy"]
    assert "camera=(self)" in room and "microphone=(self)" in room
    assert "geolocation=()" in room
    assert "camera=()" in client.get("/")["Permissions-Policy"]


def test_a_view_widens_one_directive_and_keeps_the_others(client):
    policy = directives(client.get("/test/anh/"))
    assert policy["img-src"] == "'self' https://tinh.example.gov.vn"
    assert policy["script-src"] == "'self'"


def test_api_answers_are_not_given_a_page_policy(client):
    response = client.get("/api/v1/units/08/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response


def test_the_api_docs_load_their_scripts_from_the_platform(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = directives(page)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"  # drf-spectacular's <style> block
    html = page.content.decode()
    assert "<script>" not in html and "/api/docs/?script=" in html.replace("&amp;", "&")
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def production_settings(**env: str) -> dict:
    """The settings a production process would have, read in a fresh interpreter."""
    names = [
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER", "SECURE_REDIRECT_EXEMPT", "SESSION_COOKIE_SECURE",
    ]  # fmt: skip
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DANTOC_PRODUCTION": "1",
        "DANTOC_SECRET_KEY": "k" * 50,
        "DANTOC_ALLOWED_HOSTS": "dantoc.example.gov.vn",
        **env,
    }
    run = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode:
        return {"error": run.stderr}
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_production_redirects_to_https_with_a_years_hsts_over_subdomains():
    values = production_settings()
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$"]


def test_the_proxy_header_comes_from_the_environment_and_a_bad_one_is_refused():
    custom = production_settings(DANTOC_PROXY_SSL_HEADER="X-Forwarded-Scheme: https")
    assert custom["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    assert production_settings(DANTOC_PROXY_SSL_HEADER="")["SECURE_PROXY_SSL_HEADER"] is None
    bad = production_settings(DANTOC_PROXY_SSL_HEADER="https")
    assert "DANTOC_PROXY_SSL_HEADER" in bad["error"]


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_REDIRECT_EXEMPT=[r"^healthz$"],
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_HSTS_SECONDS=365 * 24 * 3600,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
)
def test_plain_http_is_redirected_except_the_health_check(client):
    plain = client.get("/", HTTP_HOST="testserver")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/"
    assert client.get("/healthz").status_code == 200
    secure = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
