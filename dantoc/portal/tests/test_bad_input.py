"""Hostile rich text and disguised uploads."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dantoc.portal import services
from dantoc.portal.models import ArticleAttachment
from dantoc.portal.sanitize import clean_html
from dantoc.portal.tests.factories import make_article
from dantoc.portal.uploads import check_attachment, check_image

HOSTILE = [
    "<script>alert(1)</script><p>ok</p>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">bấm</a>',
    '<a href="JaVaScRiPt:alert(1)">bấm</a>',
    '<a href="&#106;avascript:alert(1)">bấm</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<style>body{background:url(javascript:alert(1))}</style><p style="color:red">x</p>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name="p"><button>Gửi</button></form>',
    '<p onclick="alert(1)" onmouseover="alert(1)">Chạm</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<!--<script>alert(1)</script>-->",
]


@pytest.mark.parametrize("html", HOSTILE)
def test_nothing_executable_survives_sanitising(html):
    cleaned = clean_html(html).lower()
    for marker in ("<script", "onerror", "onload", "onclick", "onmouseover", "javascript:",
                   "<iframe", "<style", "style=", "<svg", "<object", "<embed", "<form",
                   "<input", "<meta", "<base", "data:text", "<!--"):  # fmt: skip
        assert marker not in cleaned, (html, cleaned)


def test_harmless_structure_and_links_are_kept_with_safe_rel():
    cleaned = clean_html(
        '<h2>Mục</h2><p>Xem <a href="https://chinhphu.vn/">Cổng Chính phủ</a></p>'
        "<table><tr><th>A</th></tr></table>"
    )
    assert "<h2>Mục</h2>" in cleaned
    assert 'href="https://chinhphu.vn/"' in cleaned and 'rel="noopener noreferrer"' in cleaned
    assert "<table>" in cleaned


@pytest.mark.django_db
def test_an_article_body_is_stored_clean(people):
    article = make_article(
        actor=people.editor, body='<p onclick="x()">Nội dung</p><script>alert(1)</script>'
    )
    assert article.body == "<p>Nội dung</p>"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_real_pdf_docx_and_images_are_recognised_by_their_bytes():
    assert check_attachment(SimpleUploadedFile("a.pdf", b"%PDF-1.7\n...")).extension == "pdf"
    assert check_attachment(SimpleUploadedFile("vb.docx", _docx())).extension == "docx"
    assert (
        check_image(SimpleUploadedFile("a.bin", b"\xff\xd8\xff\xe0" + b"0" * 20)).extension == "jpg"
    )


@pytest.mark.parametrize(
    "name, content",
    [
        ("quyetdinh.pdf", b"MZ\x90\x00 this is a windows program"),
        ("vanban.docx", b"PK\x03\x04 not really a zip"),
        ("trang.pdf", b"<html><script>alert(1)</script></html>"),
        ("anh.png", b"GIF89a fake"),
    ],
)
def test_a_file_whose_bytes_do_not_match_an_allowed_type_is_refused(name, content):
    with pytest.raises(ValidationError) as exc:
        check_attachment(SimpleUploadedFile(name, content))
    assert "không phải" in exc.value.messages[0] and name in exc.value.messages[0]


def test_an_svg_or_html_is_not_accepted_as_an_image():
    with pytest.raises(ValidationError):
        check_image(SimpleUploadedFile("a.svg", b'<svg onload="alert(1)"/>'))


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        check_attachment(SimpleUploadedFile("lon.pdf", b"%PDF-" + b"0" * 2048))
    assert "vượt quá mức cho phép" in exc.value.messages[0]


@pytest.mark.django_db
def test_a_refused_upload_leaves_no_attachment(people):
    article = make_article(actor=people.editor)
    with pytest.raises(ValidationError):
        services.article_attachment_add(
            actor=people.editor, article=article, upload=SimpleUploadedFile("x.pdf", b"MZ")
        )
    assert not ArticleAttachment.objects.exists()
