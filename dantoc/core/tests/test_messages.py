"""Messages after an action look like what they are (issue 17, defect 4): error, warning,
success and info each have their own colour, icon and word, so that a failed Excel upload is
never shown in a success's green, and the level is not told by colour alone."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template.loader import render_to_string
from django.utils import translation

pytestmark = pytest.mark.django_db


def css_rules() -> dict[str, dict[str, str]]:
    """Declarations of each selector of the site's stylesheet (flat rules only)."""
    text = (settings.BASE_DIR / "static" / "css" / "site.css").read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = dict(
            (part.split(":", 1)[0].strip(), part.split(":", 1)[1].strip())
            for part in body.split(";")
            if ":" in part
        )
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), {}).update(declarations)
    return rules


def page_with(rf, *levels_and_texts) -> str:
    request = rf.get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    for level, text in levels_and_texts:
        messages.add_message(request, level, text)
    return render_to_string("base.html", request=request)


def items(html: str) -> list[tuple[str, str]]:
    """(class, visible text) of each message."""
    found = re.findall(r'<li class="(msg [^"]*)">(.*?)</li>', html, re.S)
    return [(cls, re.sub(r"<[^>]+>", "", body).split()) for cls, body in found]


def test_each_message_level_has_its_own_class_icon_and_word(rf):
    with translation.override("vi"):
        html = page_with(
            rf,
            (messages.ERROR, "Không nhập được tệp Excel."),
            (messages.WARNING, "Tệp không có thay đổi."),
            (messages.SUCCESS, "Đã lưu 3 giá trị."),
            (messages.INFO, "Định nghĩa không đổi."),
        )
    shown = items(html)
    assert [cls for cls, _ in shown] == [
        "msg msg-error",
        "msg msg-warning",
        "msg msg-success",
        "msg msg-info",
    ]
    assert [" ".join(words) for _, words in shown] == [
        "✕ Lỗi: Không nhập được tệp Excel.",
        "! Cảnh báo: Tệp không có thay đổi.",
        "✓ Thành công: Đã lưu 3 giá trị.",
        "i Thông tin: Định nghĩa không đổi.",
    ]


def test_the_words_follow_the_chosen_language(rf):
    with translation.override("en"):
        html = page_with(rf, (messages.ERROR, "x"), (messages.SUCCESS, "y"))
    assert "Error:" in html and "Success:" in html


def test_the_four_levels_have_four_different_colours():
    rules = css_rules()
    colours = {
        level: (rules[f".msg-{level}"]["background"], rules[f".msg-{level}"]["border-color"])
        for level in ("error", "warning", "success", "info")
    }
    assert len(set(colours.values())) == 4, colours
