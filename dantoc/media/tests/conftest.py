"""Files for the media tests, made in the test: images with Pillow, audio and video with
ffmpeg's generators (a sine tone, the test pattern), all tiny so the suite stays quick."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Stored files go to a temporary folder, not the installation's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def ffmpeg_available():
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.fail("ffmpeg is missing: run scripts/ensure-system-packages.sh (make test does)")


def image_upload(name: str, *, size=(800, 600), fmt="PNG", mode="RGB") -> SimpleUploadedFile:
    image = Image.new(mode, size, (30, 120, 200) if mode == "RGB" else (30, 120, 200, 128))
    # Some detail, so the encoders have something to do.
    for x in range(0, size[0], 7):
        image.putpixel(
            (x, (x * 3) % size[1]), (250, 250, 0) if mode == "RGB" else (250, 250, 0, 255)
        )
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG header claiming ``width`` × ``height`` pixels with almost no data: what a
    decompression bomb looks like before it is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def ffmpeg_make(path: Path, *args: str) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(path)],
        check=True,
        timeout=60,
    )
    return path


def probe(path: Path) -> dict:
    import json

    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    return json.loads(out)


@pytest.fixture
def audio_file(tmp_path, ffmpeg_available) -> Path:
    """Two seconds of a 440 Hz tone as MP3."""
    return ffmpeg_make(
        tmp_path / "tone.mp3",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=2:sample_rate=44100",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "64k",
        "-f",
        "mp3",
    )


@pytest.fixture
def video_file(tmp_path, ffmpeg_available) -> Path:
    """Two seconds of the test pattern at 640×480 with a tone, as MP4 (index first)."""
    return ffmpeg_make(
        tmp_path / "pattern.mp4",
        "-f",
        "lavfi",
        "-i",
        "testsrc=duration=2:size=640x480:rate=15",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=330:duration=2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        "-movflags",
        "+faststart",
    )


def upload_of(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())
