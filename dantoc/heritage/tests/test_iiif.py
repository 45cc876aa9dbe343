"""IIIF Image API 3.0 (from the original with Pillow, cached) and the Presentation API 3.0
manifest, validated with ``iiif-prezi3``'s pydantic model of the spec (a validator library
from PyPI; the Image API responses are checked against the spec's required fields and by
decoding the images)."""

from __future__ import annotations

import io
import json

import pytest
from iiif_prezi3 import Manifest
from PIL import Image

from dantoc.heritage import iiif


def _image(response) -> Image.Image:
    assert response.status_code == 200, response.content[:200]
    return Image.open(io.BytesIO(response.content))


def test_info_json_has_the_required_fields(archive, client):
    media = archive.open_picture
    response = client.get(f"/iiif/3/{media.uuid}/info.json", HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"].startswith("application/ld+json")
    info = json.loads(response.content)
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"http://testserver/iiif/3/{media.uuid}"
    assert info["type"] == "ImageService3"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert info["profile"] == "level1"
    assert (info["width"], info["height"]) == (400, 300)
    assert client.get(f"/iiif/3/{media.uuid}").status_code == 303


@pytest.mark.parametrize(
    ("path", "size", "corner"),
    [
        ("full/max/0/default.png", (400, 300), (220, 20, 20)),
        ("0,0,100,100/50,/0/default.png", (50, 50), (220, 20, 20)),
        ("pct:50,50,50,50/max/0/default.png", (200, 150), (30, 120, 200)),
        ("square/,100/0/default.png", (100, 100), (220, 20, 20)),
        ("full/pct:50/0/default.png", (200, 150), (220, 20, 20)),
        ("full/!100,100/0/default.png", (100, 75), (220, 20, 20)),
        ("full/^800,/0/default.png", (800, 600), (220, 20, 20)),
        ("full/200,100/0/default.png", (200, 100), (220, 20, 20)),
        ("full/max/90/default.png", (300, 400), (30, 120, 200)),
        ("full/max/180/default.png", (400, 300), (30, 120, 200)),
        ("full/max/!0/default.png", (400, 300), (30, 120, 200)),
    ],
)
def test_regions_sizes_and_rotations(archive, client, path, size, corner):
    image = _image(client.get(f"/iiif/3/{archive.open_picture.uuid}/{path}")).convert("RGB")
    assert image.size == size
    assert image.getpixel((1, 1)) == corner


def test_qualities_and_formats(archive, client):
    base = f"/iiif/3/{archive.open_picture.uuid}/full/max/0"
    assert _image(client.get(f"{base}/gray.png")).mode == "L"
    bitonal = _image(client.get(f"{base}/bitonal.png")).convert("L")
    assert set(bitonal.tobytes()) <= {0, 255}  # one byte per pixel in mode L
    assert _image(client.get(f"{base}/default.webp")).format == "WEBP"
    assert _image(client.get(f"{base}/color.jpg")).format == "JPEG"
    assert (
        _image(client.get(f"/iiif/3/{archive.open_picture.uuid}/full/max/45/default.png")).size[0]
        > 400
    )


@pytest.mark.parametrize(
    "path",
    [
        "0,0,0,10/max/0/default.jpg",
        "500,500,10,10/max/0/default.jpg",
        "full/800,/0/default.jpg",  # upscaling needs ^
        "full/abc/0/default.jpg",
        "full/max/400/default.jpg",
        "full/max/0/sepia.jpg",
        "full/max/0/default.tif",
        "pct:x/max/0/default.jpg",
    ],
)
def test_bad_requests_answer_400(archive, client, path):
    response = client.get(f"/iiif/3/{archive.open_picture.uuid}/{path}")
    assert response.status_code == 400


def test_derivatives_are_cached_from_the_original(archive, client, settings):
    path = f"/iiif/3/{archive.open_picture.uuid}/full/123,/0/default.jpg"
    first = client.get(path).content
    cached = list(settings.HERITAGE_IIIF_CACHE.rglob("*.jpg"))
    assert len(cached) == 1
    assert client.get(path).content == first


def test_render_parses_the_grammar_without_a_server():
    with pytest.raises(iiif.IiifError):
        iiif.parse("full", "max", "0", "default")


def test_manifest_is_valid_presentation_3_with_multilingual_labels(archive, client, people):
    from dantoc.editorial import services as editorial

    item = archive.open_item
    editorial.translation_save(
        actor=people.commune,
        item=item,
        language="en",
        values={"title": "Gau Tao festival", "description": "A Hmong new-year festival."},
    )
    editorial.translation_submit_for_review(actor=people.commune, item=item, language="en")
    editorial.translation_publish(actor=people.province, item=item, language="en")
    body = json.loads(client.get(f"/di-san/{item.uuid}/manifest.json").content)
    Manifest(**body)  # raises a pydantic ValidationError on a malformed manifest
    assert body["label"] == {"vi": ["Lễ hội Gầu Tào"], "en": ["Gau Tao festival"]}
    assert len(body["items"]) == 1  # the community-only picture is not in it
    canvas = body["items"][0]
    annotation = canvas["items"][0]["items"][0]
    assert annotation["motivation"] == "painting"
    assert annotation["body"]["service"][0]["type"] == "ImageService3"
    assert (canvas["width"], canvas["height"]) == (400, 300)
    assert body["rights"] == "http://creativecommons.org/licenses/by-nc/4.0/"


def test_audio_and_video_canvases_carry_their_duration(archive, client, people, tmp_path):
    import subprocess

    from django.core.files.uploadedfile import SimpleUploadedFile

    from dantoc.heritage import services
    from dantoc.media.processing import asset_process

    clips = {
        "song.mp3": ["-f", "lavfi", "-i", "sine=frequency=392:duration=2", "-c:a", "libmp3lame"],
        "dance.mp4": [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=10:duration=2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
    }
    for name, args in clips.items():
        target = tmp_path / name
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(target)], check=True)
        media = services.media_add(
            actor=people.commune,
            item=archive.open_item,
            file=SimpleUploadedFile(name, target.read_bytes()),
            caption=name,
        )
        asset_process(asset_id=media.asset_id)
    body = json.loads(client.get(f"/di-san/{archive.open_item.uuid}/manifest.json").content)
    Manifest(**body)
    kinds = {c["items"][0]["items"][0]["body"]["type"]: c for c in body["items"]}
    assert set(kinds) == {"Image", "Sound", "Video"}
    assert kinds["Sound"]["duration"] == pytest.approx(2, abs=0.2)
    assert kinds["Video"]["duration"] == pytest.approx(2, abs=0.2)
    assert kinds["Video"]["width"] and kinds["Video"]["height"]
    # The bodies are fetchable files of the item (the low-bitrate derivatives).
    for canvas in (kinds["Sound"], kinds["Video"]):
        url = canvas["items"][0]["items"][0]["body"]["id"].replace("http://testserver", "")
        assert client.get(url).status_code == 200
