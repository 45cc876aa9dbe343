"""HEAD answers wherever GET does (RFC 9110 §9.3.2: a server that answers GET should answer
HEAD the same way, without the body), found by walking the whole URLconf; and /robots.txt
names the sitemap."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

pytestmark = [pytest.mark.django_db, pytest.mark.engine_agnostic]

# A value for each path converter: the view may well answer 404 for it, as long as HEAD
# answers what GET answers.
SAMPLES = {
    "int": "1",
    "slug": "khong-co",
    "str": "khong-co",
    "path": "khong-co",
    "uuid": "00000000-0000-4000-8000-000000000001",
}
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
# Django's own admin is left to Django; the rest of the site is walked.
SKIPPED_PREFIXES = ("admin/",)


def _routes(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # a regular expression (none of the site's own pages use one)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def site_paths() -> list[str]:
    paths = set()
    for route in _routes(get_resolver()):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        paths.add("/" + CONVERTER.sub(lambda m: SAMPLES[m.group(1) or "str"], route))
    return sorted(paths)


def test_the_walk_covers_the_sites_pages_and_apis():
    paths = site_paths()
    assert len(paths) > 100
    for expected in ("/cong-thong-tin/", "/du-lieu-mo/", "/sitemap.xml", "/robots.txt"):
        assert expected in paths


def _mismatches(http) -> list[str]:
    wrong = []
    for path in site_paths():
        got = http.get(path)
        if got.status_code == 405:
            continue  # not a GET address (a POST-only action)
        head = http.head(path)
        if head.status_code != got.status_code or head.content:
            wrong.append(f"{path}: GET {got.status_code}, HEAD {head.status_code}")
    return wrong


def test_every_address_that_answers_get_answers_head_the_same_for_a_visitor(client):
    assert _mismatches(client) == []


def test_every_address_that_answers_get_answers_head_the_same_for_an_official(login, people):
    assert _mismatches(login(people.ministry)) == []


def test_robots_txt_names_the_sitemap_by_its_absolute_address(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert lines[0] == "User-agent: *"
    assert "Disallow: /bien-tap/" in lines
    assert client.get("/sitemap.xml").status_code == 200
    assert client.head("/robots.txt").status_code == 200
