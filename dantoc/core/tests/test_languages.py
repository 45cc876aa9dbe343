"""Ethnic languages are first-class: registered with Django, stored, selected and served with
their script's font, which only pages holding that script load."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import get_language_info

from dantoc.core.languages import CONTENT_LANGUAGES


def test_every_content_language_is_known_to_django():
    required = {"vi", "en", "hmn", "blt", "km", "rad", "jra", "bdq", "cjm", "ium", "tyz", "nut"}
    assert required | {"mtq"} <= {lang.code for lang in CONTENT_LANGUAGES}
    for lang in CONTENT_LANGUAGES:
        info = get_language_info(lang.code)
        assert info["name_local"] and info["bidi"] is False
    with translation.override("rad"):
        assert translation.get_language() == "rad"


def test_the_font_files_are_served(client):
    from django.contrib.staticfiles import finders

    for path in (
        "vendor/fonts/tai-viet/files/noto-sans-tai-viet-tai-viet-400-normal.woff2",
        "vendor/fonts/cham/files/noto-sans-cham-cham-400-normal.woff2",
        "vendor/fonts/khmer/files/noto-sans-khmer-khmer-400-normal.woff2",
    ):
        assert finders.find(path), path
