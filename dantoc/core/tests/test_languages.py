"""Ethnic languages are first-class: registered with Django, stored, selected and served with
their script's font, which only pages holding that script load."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import get_language_info

from dantoc.core.languages import CONTENT_LANGUAGES, scripts_in

TAI_VIET = "ꪼꪕ ꪒꪾ"  # Tai Viet letters (U+AA80–AADF)
CHAM = "ꨌꩌ"  # Cham letters (U+AA00–AA5F)
KHMER = "ភាសាខ្មែរ"  # "Khmer language"


def test_every_content_language_is_known_to_django():
    required = {"vi", "en", "hmn", "blt", "km", "rad", "jra", "bdq", "cjm", "ium", "tyz", "nut"}
    assert required | {"mtq"} <= {lang.code for lang in CONTENT_LANGUAGES}
    for lang in CONTENT_LANGUAGES:
        info = get_language_info(lang.code)
        assert info["name_local"] and info["bidi"] is False
    with translation.override("rad"):
        assert translation.get_language() == "rad"


def test_scripts_are_found_in_utf8_pages():
    assert scripts_in(f"<p>{TAI_VIET}</p>".encode()) == ["Tavt"]
    assert scripts_in(f"<p>{CHAM} {KHMER}</p>".encode()) == ["Cham", "Khmr"]
    # Vietnamese and the Latin-script ethnic languages (Ê Đê with its breves) need no font.
    assert scripts_in("Tiếng Việt, Klei Êđê: ĕ ŏ ŭ ê̆ ơ̆, Lus Hmoob".encode()) == []


def test_the_font_files_are_served(client):
    from django.contrib.staticfiles import finders

    for path in (
        "vendor/fonts/tai-viet/tai-viet-400.css",
        "vendor/fonts/cham/cham-400.css",
        "vendor/fonts/khmer/khmer-400.css",
    ):
        assert finders.find(path), path
