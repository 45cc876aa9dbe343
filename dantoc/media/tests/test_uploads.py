"""Uploads are checked by what they contain and how big they are, never by their names;
images become phone-sized WebP and JPEG files."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dantoc.audit.models import AuditEntry
from dantoc.media.models import MediaAsset, MediaDerivative, MediaKind, MediaState
from dantoc.media.services import asset_process, asset_upload
from dantoc.media.tests.conftest import image_upload, png_header_only

IMAGES = [MediaKind.IMAGE]


def test_png_upload_is_kept_with_its_checksum_and_detected_size(people):
    upload = image_upload("anh.png", size=(800, 600))
    content = upload.read()
    asset = asset_upload(actor=people.editor, file=upload, allowed_kinds=IMAGES, process=False)
    import hashlib

    assert asset.kind == MediaKind.IMAGE
    assert asset.mime_type == "image/png"
    assert (asset.width, asset.height) == (800, 600)
    assert asset.bytes == len(content)
    assert asset.sha256 == hashlib.sha256(content).hexdigest()
    assert asset.state == MediaState.WAITING
    with asset.file.open("rb") as stored:
        assert stored.read() == content
    assert AuditEntry.objects.filter(action="media.asset_upload", object_id=str(asset.pk)).exists()


def test_image_named_png_that_is_a_jpeg_is_recorded_as_a_jpeg(people):
    upload = image_upload("anh.png", size=(400, 300), fmt="JPEG")
    asset = asset_upload(actor=people.editor, file=upload, allowed_kinds=IMAGES, process=False)
    assert asset.mime_type == "image/jpeg"
    assert asset.file.name.endswith(".jpg")


def test_html_file_named_jpg_is_refused(people):
    upload = SimpleUploadedFile("anh.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError) as refused:
        asset_upload(actor=people.editor, file=upload, allowed_kinds=IMAGES)
    assert "không phải định dạng được nhận" in refused.value.messages[0]
    assert not MediaAsset.objects.exists()


def test_text_file_named_mp4_is_refused_as_video(people, ffmpeg_available):
    upload = SimpleUploadedFile("phim.mp4", b"day la van ban, khong phai video\n" * 20)
    with pytest.raises(ValidationError):
        asset_upload(actor=people.editor, file=upload, allowed_kinds=[MediaKind.VIDEO])
    assert not MediaAsset.objects.exists()


def test_image_is_refused_where_only_documents_are_accepted(people):
    with pytest.raises(ValidationError) as refused:
        asset_upload(
            actor=people.editor, file=image_upload("a.pdf"), allowed_kinds=[MediaKind.DOCUMENT]
        )
    assert "PDF, EPUB, DOCX, XLSX" in refused.value.messages[0]


def test_file_larger_than_the_limit_is_refused_even_when_its_declared_size_lies(people):
    upload = image_upload("lon.png", size=(300, 300))
    real_size = len(upload.read())
    upload.size = 10  # a client may declare any size: the bytes are counted while copying
    with pytest.raises(ValidationError) as refused:
        asset_upload(
            actor=people.editor, file=upload, allowed_kinds=IMAGES, max_bytes=real_size - 1
        )
    assert refused.value.code == "too_large"
    assert not MediaAsset.objects.exists()


def test_oversized_upload_is_refused_from_its_declared_size(people, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 1000
    upload = image_upload("lon.png", size=(300, 300))
    with pytest.raises(ValidationError) as refused:
        asset_upload(actor=people.editor, file=upload, allowed_kinds=IMAGES)
    assert "vượt quá mức cho phép" in refused.value.messages[0]


def test_decompression_bomb_sized_image_is_refused_before_decoding(people):
    bomb = SimpleUploadedFile("bom.png", png_header_only(60_000, 60_000))
    assert len(bomb.read()) < 200
    with pytest.raises(ValidationError) as refused:
        asset_upload(actor=people.editor, file=bomb, allowed_kinds=IMAGES)
    assert refused.value.code == "too_many_pixels"
    assert "điểm ảnh" in refused.value.messages[0]
    assert not MediaAsset.objects.exists()


def test_image_over_the_configured_pixel_limit_is_refused(people, settings):
    settings.MEDIA_MAX_IMAGE_PIXELS = 100 * 100
    with pytest.raises(ValidationError) as refused:
        asset_upload(
            actor=people.editor, file=image_upload("a.png", size=(101, 100)), allowed_kinds=IMAGES
        )
    assert refused.value.code == "too_many_pixels"


def test_image_becomes_phone_sized_webp_and_jpeg_without_enlarging(people):
    asset = asset_upload(
        actor=people.editor,
        file=image_upload("anh.png", size=(1000, 500), mode="RGBA"),
        allowed_kinds=IMAGES,
        process=False,
    )
    asset = asset_process(asset_id=asset.pk)
    assert asset.state == MediaState.READY
    assert asset.progress == 100
    made = {d.profile: d for d in asset.derivatives.all()}
    assert set(made) == {"image-360.webp", "image-360.jpg", "image-720.webp", "image-720.jpg"}
    for derivative in made.values():
        with derivative.file.open("rb") as handle:
            content = handle.read()
        assert derivative.bytes == len(content)
        image = Image.open(io.BytesIO(content))
        assert image.format == ("WEBP" if derivative.profile.endswith("webp") else "JPEG")
        assert image.size == (derivative.width, derivative.height)
    assert (made["image-360.jpg"].width, made["image-360.jpg"].height) == (360, 180)
    assert (made["image-720.webp"].width, made["image-720.webp"].height) == (720, 360)

    small = asset_upload(
        actor=people.editor,
        file=image_upload("nho.png", size=(200, 100)),
        allowed_kinds=IMAGES,
        process=False,
    )
    small = asset_process(asset_id=small.pk)
    assert {(d.profile, d.width) for d in small.derivatives.all()} == {
        ("image-360.webp", 200),
        ("image-360.jpg", 200),
    }


def test_derivatives_drop_the_photos_exif_location(people):
    image = Image.new("RGB", (400, 300), (10, 20, 30))
    exif = Image.Exif()
    exif[0x010F] = "Camera hãng X"  # Make
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 2.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    asset = asset_upload(
        actor=people.editor,
        file=SimpleUploadedFile("gps.jpg", buffer.getvalue()),
        allowed_kinds=IMAGES,
        process=False,
    )
    asset = asset_process(asset_id=asset.pk)
    jpeg = asset.derivatives.get(profile="image-360.jpg")
    with jpeg.file.open("rb") as handle:
        assert not Image.open(handle).getexif()


def test_processing_twice_makes_no_duplicates(people):
    asset = asset_upload(
        actor=people.editor,
        file=image_upload("anh.png", size=(800, 600)),
        allowed_kinds=IMAGES,
        process=False,
    )
    asset_process(asset_id=asset.pk)
    first = sorted(MediaDerivative.objects.filter(asset=asset).values_list("profile", "file"))
    asset_process(asset_id=asset.pk)
    # A retry after a worker died half way (state left at processing) replaces, not adds.
    MediaAsset.objects.filter(pk=asset.pk).update(state=MediaState.PROCESSING)
    asset_process(asset_id=asset.pk)
    again = sorted(MediaDerivative.objects.filter(asset=asset).values_list("profile", "file"))
    assert [p for p, _ in again] == [p for p, _ in first]
    assert MediaDerivative.objects.filter(asset=asset).count() == 4
    storage = asset.file.storage
    _, files = storage.listdir(f"media/derived/{asset.uuid}")
    assert sorted(files) == sorted(p for p, _ in first)


def test_upload_queues_processing_after_commit(
    people, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        asset = asset_upload(
            actor=people.editor, file=image_upload("anh.png"), allowed_kinds=IMAGES
        )
        asset.refresh_from_db()
        assert asset.state == MediaState.WAITING
    asset.refresh_from_db()
    assert asset.state == MediaState.READY
    assert asset.derivatives.count() == 4


def test_stored_original_changed_after_upload_fails_with_the_checksum_reason(people):
    asset = asset_upload(
        actor=people.editor, file=image_upload("anh.png"), allowed_kinds=IMAGES, process=False
    )
    storage = asset.file.storage
    name = asset.file.name
    storage.delete(name)
    storage.save(name, io.BytesIO(image_upload("khac.png", size=(10, 10)).read()))
    asset = asset_process(asset_id=asset.pk)
    assert asset.state == MediaState.FAILED
    assert "SHA-256" in asset.failure_reason
    assert not asset.derivatives.exists()


def test_pdf_is_kept_ready_without_derivatives(people):
    upload = SimpleUploadedFile("van-ban.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    asset = asset_upload(actor=people.editor, file=upload, allowed_kinds=[MediaKind.DOCUMENT])
    assert (asset.kind, asset.mime_type, asset.state) == ("document", "application/pdf", "ready")
    assert asset.file.name.endswith(".pdf")
