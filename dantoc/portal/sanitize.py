"""Rich text from editors and integration clients, made safe before it is stored.

Editors paste text from Word and web pages; a provincial page pushes HTML through the API.
Only a small set of structural tags survives (``nh3``, the Rust ``ammonia`` sanitiser): no
script, style, iframe, form or event attribute, no ``javascript:``/``data:`` link, and links get
``rel="noopener noreferrer"``. Stored HTML is therefore rendered as is (``|safe``) on pages.
"""

from __future__ import annotations

import re
from html import unescape

import nh3

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i", "u", "s", "sub",
    "sup", "a", "blockquote", "q", "cite", "code", "pre", "hr", "table", "caption", "thead",
    "tbody", "tfoot", "tr", "th", "td", "figure", "figcaption", "img", "abbr", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "abbr": {"title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "*": {"lang"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_html(html: str) -> str:
    """Safe HTML: only ``ALLOWED_TAGS``; script and style elements are dropped with their text."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template"},
        strip_comments=True,
    ).strip()


_TAG = re.compile(r"<[^>]+>")


def html_to_text(html: str) -> str:
    """Plain text of (already cleaned) HTML, for search and feed summaries."""
    return " ".join(unescape(_TAG.sub(" ", html or "")).split())
