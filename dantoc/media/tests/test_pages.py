"""The uploader sees the state of an asset (waiting, processing with its percent, ready,
failed with the reason); other apps show assets with <picture>, <audio> and <video>."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from dantoc.media.models import MediaAsset, MediaKind, MediaState
from dantoc.media.services import asset_process, asset_upload
from dantoc.media.tests.conftest import image_upload, upload_of


def _image_asset(people, **kwargs):
    return asset_upload(
        actor=people.editor,
        file=image_upload("anh.png", size=(1000, 500)),
        allowed_kinds=[MediaKind.IMAGE],
        process=False,
        **kwargs,
    )


def test_uploader_sees_processing_progress_and_a_link_to_reload(people, login):
    asset = _image_asset(people)
    MediaAsset.objects.filter(pk=asset.pk).update(state=MediaState.PROCESSING, progress=40)
    page = login(people.editor).get(f"/tep-da-phuong-tien/{asset.uuid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-state="processing"' in html
    assert '<progress max="100" value="40">' in html
    # No timed refresh (WCAG 2.2.1, axe-core "meta-refresh"): the uploader reloads at will.
    assert 'http-equiv="refresh"' not in html
    assert f'<a href="/tep-da-phuong-tien/{asset.uuid}/">Tải lại trang để xem tiến độ</a>' in html


def test_uploader_sees_the_failure_reason_and_can_retry(people, login, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    asset = _image_asset(people)
    MediaAsset.objects.filter(pk=asset.pk).update(
        state=MediaState.FAILED, failure_reason="Không chuyển đổi được tệp: hỏng"
    )
    browser = login(people.editor)
    html = browser.get(f"/tep-da-phuong-tien/{asset.uuid}/").content.decode()
    assert "Không chuyển đổi được tệp: hỏng" in html
    assert 'http-equiv="refresh"' not in html
    response = browser.post(f"/tep-da-phuong-tien/{asset.uuid}/thu-lai/")
    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.state, asset.failure_reason) == (MediaState.WAITING, "")


def test_ready_image_page_lists_derivatives_and_serves_them(people, login):
    asset = asset_process(asset_id=_image_asset(people).pk)
    browser = login(people.editor)
    html = browser.get(f"/tep-da-phuong-tien/{asset.uuid}/").content.decode()
    assert 'data-state="ready"' in html
    assert "image-720.webp" in html
    response = browser.get(f"/tep-da-phuong-tien/{asset.uuid}/image-360.webp")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content)[8:12] == b"WEBP"


@pytest.mark.parametrize("who", ["anonymous", "commune", "other_province", "province_admin"])
def test_others_cannot_see_an_asset_of_the_editor(people, client, login, who):
    asset = asset_process(asset_id=_image_asset(people).pk)
    browser = client if who == "anonymous" else login(getattr(people, who))
    for address in (f"/tep-da-phuong-tien/{asset.uuid}/", f"/tep-da-phuong-tien/{asset.uuid}/goc"):
        response = browser.get(address)
        assert response.status_code in (302, 404)
        assert response.status_code == 404 or "/accounts/login/" in response["Location"]


def test_system_administrator_of_the_owning_unit_sees_the_asset(people, login):
    from dantoc.geo.selectors import unit_get

    asset = _image_asset(people, owner_unit=unit_get(code="08"))
    assert login(people.province_admin).get(f"/tep-da-phuong-tien/{asset.uuid}/").status_code == 200


def test_picture_tag_offers_webp_and_jpeg_in_phone_widths(people):
    asset = asset_process(asset_id=_image_asset(people).pk)
    html = Template('{% load media %}{% media_picture asset alt="Lễ hội" url="/anh/1/" %}').render(
        Context({"asset": asset})
    )
    assert html.startswith("<picture>")
    assert (
        '<source type="image/webp" srcset="/anh/1/?v=image-360.webp 360w, /anh/1/?v=image-720.webp 720w"'
        in html
    )
    assert 'src="/anh/1/?v=image-360.jpg"' in html
    assert 'width="360" height="180"' in html
    assert 'alt="Lễ hội"' in html


def test_audio_and_video_tags_download_nothing_before_play(people, audio_file, video_file):
    audio = asset_upload(
        actor=people.editor,
        file=upload_of(audio_file),
        allowed_kinds=[MediaKind.AUDIO],
        process=False,
    )
    video = asset_upload(
        actor=people.editor,
        file=upload_of(video_file),
        allowed_kinds=[MediaKind.VIDEO],
        process=False,
    )
    audio, video = asset_process(asset_id=audio.pk), asset_process(asset_id=video.pk)
    html = Template("{% load media %}{% media_audio audio %}|{% media_video video %}").render(
        Context({"audio": audio, "video": video})
    )
    audio_html, video_html = html.split("|")
    assert '<audio controls preload="none">' in audio_html
    assert audio_html.index('type="audio/ogg; codecs=opus"') < audio_html.index('type="audio/mp4"')
    assert 'preload="none"' in video_html
    assert f"/tep-da-phuong-tien/{video.uuid}/poster.jpg" in video_html
    assert f'<source src="/tep-da-phuong-tien/{video.uuid}/video-240p.mp4"' in video_html
    assert 'width="320" height="240"' in video_html
