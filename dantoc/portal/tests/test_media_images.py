"""Article images go through the media pipeline: the public page offers phone-sized WebP
and JPEG versions in a <picture>, served behind the article's own visibility."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from dantoc.media.models import MediaState
from dantoc.media.services import asset_process
from dantoc.portal import services
from dantoc.portal.tests.factories import make_article

pytestmark = pytest.mark.django_db


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (20, 120, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("le-hoi.jpg", buffer.getvalue())


def test_article_image_becomes_a_picture_with_phone_sized_webp(people, settings, second_editor):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    article = make_article(actor=people.editor, image=_photo(), image_alt="Lễ hội xuống đồng")
    asset = article.image_asset
    assert asset is not None and asset.state == MediaState.WAITING
    assert (asset.width, asset.height, asset.mime_type) == (1200, 800, "image/jpeg")
    asset_process(asset_id=asset.pk)
    services.article_submit_for_review(actor=people.editor, article=article)
    services.article_publish(actor=second_editor, article=article)
    article.refresh_from_db()

    visitor = Client()
    html = visitor.get(article.get_absolute_url()).content.decode()
    image_url = f"/cong-thong-tin/anh/{article.uuid}/"
    assert f'<source type="image/webp" srcset="{image_url}?v=image-360.webp 360w' in html
    assert 'width="360" height="240"' in html
    assert 'alt="Lễ hội xuống đồng"' in html
    response = visitor.get(image_url, {"v": "image-720.webp"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (720, 480)


def test_draft_article_image_derivatives_are_not_public(people, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    article = make_article(actor=people.editor, image=_photo(), image_alt="Ảnh")
    asset_process(asset_id=article.image_asset.pk)
    response = Client().get(f"/cong-thong-tin/anh/{article.uuid}/", {"v": "image-360.jpg"})
    assert response.status_code == 404


def test_a_damaged_image_with_a_png_signature_is_refused(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_article(
            actor=people.editor,
            image=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
            image_alt="Ảnh",
        )
